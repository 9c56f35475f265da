import * as k8s from "@pulumi/kubernetes";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

/** The seed's `kubectl run redis`: a bare Pod is gone for good when it or its node dies. */
export const disallowBarePods: ResourceValidationPolicy = {
    name: "kubernetes-core-v1-pod-disallow-bare-pod",
    description: "Pods must be created by a controller (Deployment, StatefulSet, Job), never directly.",
    enforcementLevel: "mandatory",
    severity: "medium",
    validateResource: validateResourceOfType(k8s.core.v1.Pod, (pod, args, reportViolation) => {
        reportViolation(
            `Pod "${pod.metadata?.name ?? args.name}" is a bare Pod: nothing re-creates it when it is deleted or its node fails. ` +
                "Run it from a Deployment (stateless) or a StatefulSet (stable identity and storage) instead.",
        );
    }),
};
