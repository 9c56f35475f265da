import { ResourceValidationPolicy } from "@pulumi/policy";
import { kubernetesType } from "../common/workloads";

interface Retired {
    /** Kinds affected; all kinds of the group version when omitted. */
    kinds?: string[];
    removedIn: string;
    use: string;
}

/** Group versions deprecated or removed upstream (https://kubernetes.io/docs/reference/using-api/deprecation-guide/). */
const RETIRED: Record<string, Retired> = {
    "extensions/v1beta1": { removedIn: "1.16/1.22", use: "apps/v1 for workloads, networking.k8s.io/v1 for Ingress and NetworkPolicy" },
    "apps/v1beta1": { removedIn: "1.16", use: "apps/v1" },
    "apps/v1beta2": { removedIn: "1.16", use: "apps/v1" },
    "batch/v1beta1": { removedIn: "1.25", use: "batch/v1" },
    "policy/v1beta1": { removedIn: "1.25", use: "policy/v1 (PodDisruptionBudget) or Pod Security Admission (PodSecurityPolicy)" },
    "networking.k8s.io/v1beta1": { kinds: ["Ingress", "IngressClass"], removedIn: "1.22", use: "networking.k8s.io/v1" },
    "autoscaling/v2beta1": { removedIn: "1.25", use: "autoscaling/v2" },
    "autoscaling/v2beta2": { removedIn: "1.26", use: "autoscaling/v2" },
    "rbac.authorization.k8s.io/v1beta1": { removedIn: "1.22", use: "rbac.authorization.k8s.io/v1" },
    "rbac.authorization.k8s.io/v1alpha1": { removedIn: "1.22", use: "rbac.authorization.k8s.io/v1" },
    "apiextensions.k8s.io/v1beta1": { removedIn: "1.22", use: "apiextensions.k8s.io/v1" },
    "apiregistration.k8s.io/v1beta1": { removedIn: "1.22", use: "apiregistration.k8s.io/v1" },
    "admissionregistration.k8s.io/v1beta1": { removedIn: "1.22", use: "admissionregistration.k8s.io/v1" },
    "certificates.k8s.io/v1beta1": { removedIn: "1.22", use: "certificates.k8s.io/v1" },
    "coordination.k8s.io/v1beta1": { removedIn: "1.22", use: "coordination.k8s.io/v1" },
    "scheduling.k8s.io/v1beta1": { removedIn: "1.22", use: "scheduling.k8s.io/v1" },
    "scheduling.k8s.io/v1alpha1": { removedIn: "1.17", use: "scheduling.k8s.io/v1" },
    "discovery.k8s.io/v1beta1": { removedIn: "1.25", use: "discovery.k8s.io/v1" },
    "events.k8s.io/v1beta1": { removedIn: "1.25", use: "events.k8s.io/v1" },
    "node.k8s.io/v1beta1": { removedIn: "1.25", use: "node.k8s.io/v1" },
    "flowcontrol.apiserver.k8s.io/v1beta1": { removedIn: "1.26", use: "flowcontrol.apiserver.k8s.io/v1" },
    "flowcontrol.apiserver.k8s.io/v1beta2": { removedIn: "1.29", use: "flowcontrol.apiserver.k8s.io/v1" },
    "flowcontrol.apiserver.k8s.io/v1beta3": { removedIn: "1.32", use: "flowcontrol.apiserver.k8s.io/v1" },
    "storage.k8s.io/v1beta1": {
        kinds: ["CSIDriver", "CSINode", "StorageClass", "VolumeAttachment", "CSIStorageCapacity"],
        removedIn: "1.22/1.27",
        use: "storage.k8s.io/v1",
    },
};

/** A manifest on a removed API fails on a current cluster (ACK and kind both run recent Kubernetes). */
export const disallowDeprecatedApiVersions: ResourceValidationPolicy = {
    name: "kubernetes-api-disallow-deprecated-versions",
    description: "Kubernetes objects use current API versions, never deprecated or removed ones.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: (args, reportViolation) => {
        const k = kubernetesType(args.type);
        if (!k) return;
        const retired = RETIRED[k.apiVersion];
        if (!retired || (retired.kinds && !retired.kinds.includes(k.kind))) return;
        reportViolation(
            `${k.kind} "${args.props.metadata?.name ?? args.name}" uses apiVersion ${k.apiVersion}, which Kubernetes removed in ${retired.removedIn}. ` +
                `Use ${retired.use} instead.`,
        );
    },
};
