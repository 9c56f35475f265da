import { StackValidationPolicy } from "@pulumi/policy";
import { allowedDisruptions, pdbCovers, pdbsOf, replicatedWorkloads } from "../common/serving";
import { objectName } from "../common/workloads";

/**
 * A PDB that allows zero evictions makes every node drain hang until someone deletes it. The replica
 * count comes from the workloads the PDB selects in this stack; without one, only the literal
 * values (`maxUnavailable: 0`, `minAvailable: 100%`) can be judged.
 */
export const disallowZeroDisruptionBudget: StackValidationPolicy = {
    name: "kubernetes-policy-v1-poddisruptionbudget-allow-disruption",
    description: "No PodDisruptionBudget allows zero disruptions (maxUnavailable 0, minAvailable 100% or ≥ the replica count).",
    enforcementLevel: "mandatory",
    severity: "medium",
    validateStack: (args, reportViolation) => {
        const workloads = replicatedWorkloads(args.resources);
        for (const pdb of pdbsOf(args.resources)) {
            const spec = pdb.props.spec ?? {};
            const covered = workloads.filter(w => pdbCovers(pdb, w));
            const replicas = covered.reduce((sum, w) => sum + w.replicas, 0);
            const literalZero = spec.maxUnavailable === 0 || spec.maxUnavailable === "0%" || spec.minAvailable === "100%";
            const allowed = covered.length > 0 ? allowedDisruptions(spec, replicas) : undefined;
            if (literalZero || allowed === 0) {
                const what = covered.length > 0 ? ` for its ${replicas} selected pod(s)` : "";
                reportViolation(
                    `PodDisruptionBudget "${objectName(pdb.props, pdb.name)}" allows zero disruptions${what}, so node drains and cluster upgrades hang. ` +
                        "Use `maxUnavailable: 1` or a `minAvailable` below the replica count.",
                    pdb.urn,
                );
            }
        }
    },
};
