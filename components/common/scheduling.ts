import * as k8s from "@pulumi/kubernetes";

type Affinity = k8s.types.input.core.v1.Affinity;
type Labels = Record<string, string>;

/**
 * How pods of one set spread over nodes: `preferred` (as far as the nodes allow) or `required` (a pod
 * stays Pending rather than share a node with its peer, so it needs as many nodes as pods).
 */
export const AntiAffinity = { Preferred: "preferred", Required: "required" } as const;
export type AntiAffinity = (typeof AntiAffinity)[keyof typeof AntiAffinity];
export const ANTI_AFFINITIES: readonly AntiAffinity[] = Object.values(AntiAffinity);

/** Spreads the pods matched by `selector` over nodes (one failure domain each, when possible). */
export function spreadAffinity(selector: Labels, mode: AntiAffinity): Affinity {
    const term = { labelSelector: { matchLabels: selector }, topologyKey: "kubernetes.io/hostname" };
    return {
        podAntiAffinity:
            mode === "required"
                ? { requiredDuringSchedulingIgnoredDuringExecution: [term] }
                : { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] },
    };
}

/** `maxUnavailable: 1`: a drain may take exactly one pod of the set at a time. */
export function oneDisruptionBudget(selector: Labels): k8s.types.input.policy.v1.PodDisruptionBudgetSpec {
    return { maxUnavailable: 1, selector: { matchLabels: selector } };
}
