import "../../support/mocks";
import * as alicloud from "@pulumi/alicloud";
import * as assert from "node:assert/strict";
import { requireNodePoolMinimumSize } from "../../../policy/alicloud/requireNodePoolMinimumSize";
import { nodePool } from "../fixtures";
import { checkResource } from "../harness";

const policy = requireNodePoolMinimumSize;
const env = (environment: string) => ({ [policy.name]: { environment } });

describe("policy alicloud-cs-nodepool-minimum-size", () => {
    it("accepts 2 nodes in prod", async () => {
        assert.deepEqual((await checkResource(policy, alicloud.cs.NodePool, nodePool(), env("prod"))).messages, []);
    });

    it("reports a desired size of 1 in prod", async () => {
        const outcome = await checkResource(policy, alicloud.cs.NodePool, { ...nodePool(), desiredSize: "1" }, env("prod"));
        assert.deepEqual(outcome.messages, [
            'Node pool "kubecache-workers" has `desiredSize` 1, so one node failure or upgrade drains every workload at once. ' +
                "Set `desiredSize` to 2 or more in production.",
        ]);
    });

    it("judges the autoscaler's minimum when autoscaling is on", async () => {
        const pool = { ...nodePool(), desiredSize: undefined, scalingConfig: { enable: true, minSize: 1, maxSize: 5 } };
        const outcome = await checkResource(policy, alicloud.cs.NodePool, pool, env("prod"));
        assert.deepEqual(outcome.messages, [
            'Node pool "kubecache-workers" has `scalingConfig.minSize` 1, so one node failure or upgrade drains every workload at once. ' +
                "Set `scalingConfig.minSize` to 2 or more in production.",
        ]);
    });

    it("is not applicable in dev", async () => {
        const outcome = await checkResource(policy, alicloud.cs.NodePool, { ...nodePool(), desiredSize: "1" }, env("dev"));
        assert.deepEqual(outcome.messages, []);
        assert.ok(outcome.notApplicable);
    });
});
