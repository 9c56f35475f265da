import "../../support/mocks";
import * as k8s from "@pulumi/kubernetes";
import * as assert from "node:assert/strict";
import { requirePodDisruptionBudget } from "../../../policy/kubernetes/requirePodDisruptionBudget";
import { pdb, service, statefulSet } from "../fixtures";
import { checkStack, StackEntry } from "../harness";

const prod = { [requirePodDisruptionBudget.name]: { environment: "prod" } };

function stack(budget: any): StackEntry[] {
    return [
        { type: k8s.apps.v1.StatefulSet, name: "redis-sfs", props: statefulSet("redis-sfs", 3) },
        { type: k8s.core.v1.Service, name: "redis-sfs-read", props: service("redis-sfs-read", "redis-sfs") },
        ...(budget ? [{ type: k8s.policy.v1.PodDisruptionBudget, name: "redis-sfs", props: budget }] : []),
    ];
}

describe("policy kubernetes-policy-v1-workload-require-pod-disruption-budget", () => {
    it("accepts a PDB with maxUnavailable 1", async () => {
        assert.deepEqual((await checkStack(requirePodDisruptionBudget, stack(pdb("redis-sfs", "redis-sfs")), prod)).messages, []);
    });

    it("accepts minAvailable below the replica count, as a number or a percentage", async () => {
        for (const budget of [{ minAvailable: 2 }, { minAvailable: "50%" }, { maxUnavailable: "34%" }]) {
            const outcome = await checkStack(requirePodDisruptionBudget, stack(pdb("redis-sfs", "redis-sfs", budget)), prod);
            assert.deepEqual(outcome.messages, [], JSON.stringify(budget));
        }
    });

    it("reports a serving workload without a PDB", async () => {
        const outcome = await checkStack(requirePodDisruptionBudget, stack(null), prod);
        assert.deepEqual(outcome.messages, [
            'StatefulSet "redis-sfs" serves traffic but no PodDisruptionBudget in namespace "kubecache" selects its pods, ' +
                "so a node drain may evict all replicas at once. Add a PodDisruptionBudget with `maxUnavailable: 1` selecting its pod labels.",
        ]);
    });

    it("reports a PDB that selects other pods as missing", async () => {
        const outcome = await checkStack(requirePodDisruptionBudget, stack(pdb("other", "other")), prod);
        assert.match(outcome.messages[0], /no PodDisruptionBudget in namespace "kubecache" selects its pods/);
    });

    it("reports a PDB that allows no disruption", async () => {
        const outcome = await checkStack(requirePodDisruptionBudget, stack(pdb("redis-sfs", "redis-sfs", { minAvailable: 3 })), prod);
        assert.deepEqual(outcome.messages, [
            'StatefulSet "redis-sfs" is covered only by PodDisruptionBudgets that allow no disruption at 3 replicas, ' +
                "which blocks node drains and upgrades. Use `maxUnavailable: 1` (or a `minAvailable` below the replica count).",
        ]);
    });

    it("is not applicable in dev", async () => {
        const outcome = await checkStack(requirePodDisruptionBudget, stack(null), {
            [requirePodDisruptionBudget.name]: { environment: "dev" },
        });
        assert.deepEqual(outcome.messages, []);
        assert.ok(outcome.notApplicable);
    });
});
