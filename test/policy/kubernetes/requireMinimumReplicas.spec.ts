import "../../support/mocks";
import * as k8s from "@pulumi/kubernetes";
import * as assert from "node:assert/strict";
import { requireMinimumReplicas } from "../../../policy/kubernetes/requireMinimumReplicas";
import { deployment, service } from "../fixtures";
import { checkStack, StackEntry } from "../harness";

const prod = { [requireMinimumReplicas.name]: { environment: "prod" } };

function stack(d: any, withService = true): StackEntry[] {
    return [
        { type: k8s.apps.v1.Deployment, name: "cache", props: d },
        ...(withService ? [{ type: k8s.core.v1.Service, name: "cache", props: service("cache", "cache") }] : []),
    ];
}

describe("policy kubernetes-apps-v1-workload-minimum-replicas", () => {
    it("accepts 2 replicas behind a Service in prod", async () => {
        assert.deepEqual((await checkStack(requireMinimumReplicas, stack(deployment("cache", 2)), prod)).messages, []);
    });

    it("reports 1 replica behind a Service in prod", async () => {
        const outcome = await checkStack(requireMinimumReplicas, stack(deployment("cache", 1)), prod);
        assert.deepEqual(outcome.messages, [
            'Deployment "cache" serves traffic through a Service but runs 1 replica, so a single pod failure or node drain is an outage. ' +
                "Set `spec.replicas` to 2 or more in production.",
        ]);
    });

    it("counts an unset replica count as 1", async () => {
        const d = deployment("cache", 1);
        delete d.spec.replicas;
        assert.equal((await checkStack(requireMinimumReplicas, stack(d), prod)).messages.length, 1);
    });

    it("ignores workloads no Service selects", async () => {
        assert.deepEqual((await checkStack(requireMinimumReplicas, stack(deployment("cache", 1), false), prod)).messages, []);
    });

    it("treats a missing environment as prod", async () => {
        assert.equal((await checkStack(requireMinimumReplicas, stack(deployment("cache", 1)))).messages.length, 1);
    });

    it("is not applicable in dev", async () => {
        const outcome = await checkStack(requireMinimumReplicas, stack(deployment("cache", 1)), {
            [requireMinimumReplicas.name]: { environment: "dev" },
        });
        assert.deepEqual(outcome.messages, []);
        assert.match(outcome.notApplicable ?? "", /production-only/);
    });
});
