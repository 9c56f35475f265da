import * as k8s from "@pulumi/kubernetes";

type Affinity = k8s.types.input.core.v1.Affinity;
type Labels = Record<string, string>;

/** Spreads the pods matched by `selector` over nodes (one failure domain each, when possible). */
export function spreadAffinity(selector: Labels, mode: "preferred" | "required"): Affinity {
    const term = { labelSelector: { matchLabels: selector }, topologyKey: "kubernetes.io/hostname" };
    return {
        podAntiAffinity: mode === "required"
            ? { requiredDuringSchedulingIgnoredDuringExecution: [term] }
            : { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] },
    };
}

/** `maxUnavailable: 1`: a drain may take exactly one pod of the set at a time. */
export function oneDisruptionBudget(selector: Labels): k8s.types.input.policy.v1.PodDisruptionBudgetSpec {
    return { maxUnavailable: 1, selector: { matchLabels: selector } };
}
