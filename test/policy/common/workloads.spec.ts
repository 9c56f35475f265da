import "../../support/mocks";
import * as assert from "node:assert/strict";
import { containersOf, kubernetesType, podTemplateOf } from "../../../policy/common/workloads";

describe("policy/common/workloads", () => {
    it("parses Kubernetes type tokens, core included", () => {
        assert.deepEqual(kubernetesType("kubernetes:core/v1:Pod"), { apiVersion: "v1", kind: "Pod" });
        assert.deepEqual(kubernetesType("kubernetes:apps/v1:StatefulSet"), { apiVersion: "apps/v1", kind: "StatefulSet" });
        assert.equal(kubernetesType("alicloud:vpc/switch:Switch"), undefined);
    });

    it("finds the pod template of Pods, controllers and CronJobs, and nothing in other kinds", () => {
        const spec = { containers: [{ name: "c" }] };
        assert.equal(podTemplateOf("kubernetes:core/v1:Pod", { spec })?.spec, spec);
        assert.equal(podTemplateOf("kubernetes:apps/v1:DaemonSet", { spec: { template: { spec } } })?.spec, spec);
        const cron = { spec: { jobTemplate: { spec: { template: { metadata: { labels: { a: "b" } }, spec } } } } };
        assert.deepEqual(podTemplateOf("kubernetes:batch/v1:CronJob", cron), { kind: "CronJob", labels: { a: "b" }, spec });
        assert.equal(podTemplateOf("kubernetes:core/v1:Service", { spec: {} }), undefined);
        assert.equal(podTemplateOf("kubernetes:apps/v1:DeploymentPatch", { spec: { template: { spec } } }), undefined);
    });

    it("lists init containers first only when asked", () => {
        const spec = { initContainers: [{ name: "i" }], containers: [{ name: "c" }] };
        assert.deepEqual(
            containersOf(spec, true).map(r => r.label),
            ['init container "i"', 'container "c"'],
        );
        assert.deepEqual(
            containersOf(spec, false).map(r => r.label),
            ['container "c"'],
        );
    });
});
