import { StackValidationPolicy } from "@pulumi/policy";
import { environmentSchema, requireProd } from "../common/environment";
import { allowedDisruptions, pdbCovers, pdbsOf, servingWorkloads } from "../common/serving";

/** Node upgrades on ACK drain nodes; without a PDB they may evict every replica at once. */
export const requirePodDisruptionBudget: StackValidationPolicy = {
    name: "kubernetes-policy-v1-workload-require-pod-disruption-budget",
    description:
        "In prod, every Deployment and StatefulSet selected by a Service is covered by a PodDisruptionBudget that allows at least 1 disruption.",
    enforcementLevel: "mandatory",
    severity: "medium",
    configSchema: environmentSchema,
    validateStack: (args, reportViolation) => {
        requireProd(args);
        const pdbs = pdbsOf(args.resources);
        for (const w of servingWorkloads(args.resources)) {
            const covering = pdbs.filter(p => pdbCovers(p, w));
            if (covering.length === 0) {
                reportViolation(
                    `${w.kind} "${w.name}" serves traffic but no PodDisruptionBudget in namespace "${w.namespace}" selects its pods, ` +
                        "so a node drain may evict all replicas at once. Add a PodDisruptionBudget with `maxUnavailable: 1` selecting its pod labels.",
                    w.resource.urn,
                );
            } else if (!covering.some(p => (allowedDisruptions(p.props.spec, w.replicas) ?? 0) >= 1)) {
                reportViolation(
                    `${w.kind} "${w.name}" is covered only by PodDisruptionBudgets that allow no disruption at ${w.replicas} replicas, ` +
                        "which blocks node drains and upgrades. Use `maxUnavailable: 1` (or a `minAvailable` below the replica count).",
                    w.resource.urn,
                );
            }
        }
    },
};
