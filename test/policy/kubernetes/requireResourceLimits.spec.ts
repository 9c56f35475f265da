import "../../support/mocks";
import * as k8s from "@pulumi/kubernetes";
import * as assert from "node:assert/strict";
import { requireResourceLimits } from "../../../policy/kubernetes/requireResourceLimits";
import { deployment } from "../fixtures";
import { checkResource } from "../harness";

const fix = "Set them so the scheduler reserves capacity and a memory leak is contained to the container.";

describe("policy kubernetes-workload-require-resources", () => {
    it("accepts CPU and memory requests with a memory limit", async () => {
        const outcome = await checkResource(requireResourceLimits, k8s.apps.v1.Deployment, deployment());
        assert.deepEqual(outcome.messages, []);
    });

    for (const [kind, resource] of [
        ["requests", "cpu"],
        ["requests", "memory"],
        ["limits", "memory"],
    ]) {
        it(`reports a missing resources.${kind}.${resource}`, async () => {
            const d = deployment();
            delete d.spec.template.spec.containers[0].resources[kind][resource];
            const outcome = await checkResource(requireResourceLimits, k8s.apps.v1.Deployment, d);
            assert.deepEqual(outcome.messages, [`Deployment container "redis" does not set resources.${kind}.${resource}. ${fix}`]);
        });
    }

    it("lists everything missing when a container has no resources at all", async () => {
        const d = deployment();
        delete d.spec.template.spec.containers[0].resources;
        const outcome = await checkResource(requireResourceLimits, k8s.apps.v1.Deployment, d);
        assert.deepEqual(outcome.messages, [
            `Deployment container "redis" does not set resources.requests.cpu, resources.requests.memory, resources.limits.memory. ${fix}`,
        ]);
    });

    it("requires a CPU limit only when configured", async () => {
        const config = { [requireResourceLimits.name]: { requireCpuLimit: true } };
        const outcome = await checkResource(requireResourceLimits, k8s.apps.v1.Deployment, deployment(), config);
        assert.deepEqual(outcome.messages, [`Deployment container "redis" does not set resources.limits.cpu. ${fix}`]);
    });
});
