import * as k8s from "@pulumi/kubernetes";
import { PolicyResource } from "@pulumi/policy";
import { labelSelectorSelects, mapSelects, scaledValue } from "./selectors";
import { namespaceOf, objectName, podTemplateOf } from "./workloads";

export interface ServingWorkload {
    resource: PolicyResource;
    kind: string;
    name: string;
    namespace: string;
    labels: Record<string, string>;
    /** spec.replicas, defaulting to 1 as the API server does. */
    replicas: number;
}

/** Deployments and StatefulSets in the stack. */
export function replicatedWorkloads(resources: PolicyResource[]): ServingWorkload[] {
    return resources
        .filter(r => r.isType(k8s.apps.v1.Deployment) || r.isType(k8s.apps.v1.StatefulSet))
        .map(r => {
            const template = podTemplateOf(r.type, r.props)!;
            return {
                resource: r,
                kind: template.kind,
                name: objectName(r.props, r.name),
                namespace: namespaceOf(r.props),
                labels: template.labels,
                replicas: typeof r.props.spec?.replicas === "number" ? r.props.spec.replicas : 1,
            };
        });
}

/** Workloads that serve traffic: some Service in their namespace selects their pods. */
export function servingWorkloads(resources: PolicyResource[]): ServingWorkload[] {
    const services = resources.filter(r => r.isType(k8s.core.v1.Service));
    return replicatedWorkloads(resources).filter(w =>
        services.some(s => namespaceOf(s.props) === w.namespace && mapSelects(s.props.spec?.selector, w.labels)),
    );
}

export function pdbsOf(resources: PolicyResource[]): PolicyResource[] {
    return resources.filter(r => r.isType(k8s.policy.v1.PodDisruptionBudget));
}

export function pdbCovers(pdb: PolicyResource, w: ServingWorkload): boolean {
    return namespaceOf(pdb.props) === w.namespace && labelSelectorSelects(pdb.props.spec?.selector, w.labels);
}

/** How many of `replicas` pods the PDB lets be evicted at once; undefined when it cannot be told. */
export function allowedDisruptions(spec: any, replicas: number): number | undefined {
    if (spec?.maxUnavailable !== undefined) return scaledValue(spec.maxUnavailable, replicas);
    if (spec?.minAvailable !== undefined) {
        const min = scaledValue(spec.minAvailable, replicas);
        return min === undefined ? undefined : Math.max(0, replicas - min);
    }
    return undefined;
}
