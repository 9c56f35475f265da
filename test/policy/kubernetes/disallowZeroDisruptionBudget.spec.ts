import "../../support/mocks";
import * as k8s from "@pulumi/kubernetes";
import * as assert from "node:assert/strict";
import { disallowZeroDisruptionBudget } from "../../../policy/kubernetes/disallowZeroDisruptionBudget";
import { deployment, pdb } from "../fixtures";
import { checkStack, StackEntry } from "../harness";

const fix = "Use `maxUnavailable: 1` or a `minAvailable` below the replica count.";

function stack(budget: Record<string, number | string | undefined>, withWorkload = true): StackEntry[] {
    return [
        ...(withWorkload ? [{ type: k8s.apps.v1.Deployment, name: "cache", props: deployment("cache", 2) }] : []),
        { type: k8s.policy.v1.PodDisruptionBudget, name: "cache", props: pdb("cache", "cache", budget) },
    ];
}

describe("policy kubernetes-policy-v1-poddisruptionbudget-allow-disruption", () => {
    it("accepts budgets that allow a disruption", async () => {
        for (const budget of [{ maxUnavailable: 1 }, { minAvailable: 1 }, { minAvailable: "50%" }]) {
            assert.deepEqual((await checkStack(disallowZeroDisruptionBudget, stack(budget))).messages, [], JSON.stringify(budget));
        }
    });

    it("reports maxUnavailable 0 even when it selects nothing in the stack", async () => {
        const outcome = await checkStack(disallowZeroDisruptionBudget, stack({ maxUnavailable: 0 }, false));
        assert.deepEqual(outcome.messages, [
            `PodDisruptionBudget "cache" allows zero disruptions, so node drains and cluster upgrades hang. ${fix}`,
        ]);
    });

    it("reports minAvailable 100%", async () => {
        const outcome = await checkStack(disallowZeroDisruptionBudget, stack({ minAvailable: "100%" }));
        assert.deepEqual(outcome.messages, [
            `PodDisruptionBudget "cache" allows zero disruptions for its 2 selected pod(s), so node drains and cluster upgrades hang. ${fix}`,
        ]);
    });

    it("reports minAvailable equal to the selected replica count", async () => {
        const outcome = await checkStack(disallowZeroDisruptionBudget, stack({ minAvailable: 2 }));
        assert.deepEqual(outcome.messages, [
            `PodDisruptionBudget "cache" allows zero disruptions for its 2 selected pod(s), so node drains and cluster upgrades hang. ${fix}`,
        ]);
    });
});
