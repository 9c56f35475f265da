import "../../support/mocks";
import * as alicloud from "@pulumi/alicloud";
import * as assert from "node:assert/strict";
import { DEFAULT_INSTANCE_TYPES, restrictNodePoolInstanceTypes } from "../../../policy/alicloud/restrictNodePoolInstanceTypes";
import { nodePool } from "../fixtures";
import { checkResource } from "../harness";

const policy = restrictNodePoolInstanceTypes;

describe("policy alicloud-cs-nodepool-allowed-instance-types", () => {
    it("accepts types from the default list", async () => {
        assert.deepEqual((await checkResource(policy, alicloud.cs.NodePool, nodePool())).messages, []);
    });

    it("reports a type outside the list", async () => {
        const outcome = await checkResource(policy, alicloud.cs.NodePool, {
            ...nodePool(),
            instanceTypes: ["ecs.g7.xlarge", "ecs.gn7i-c8g1.2xlarge"],
        });
        assert.deepEqual(outcome.messages, [
            'Node pool "kubecache-workers" uses instance type(s) ecs.gn7i-c8g1.2xlarge, which are not on the allowed list. ' +
                `Choose from ${DEFAULT_INSTANCE_TYPES.join(", ")}, or add the type to \`allowedInstanceTypes\` in the policy config.`,
        ]);
    });

    it("reports an empty list", async () => {
        const outcome = await checkResource(policy, alicloud.cs.NodePool, { ...nodePool(), instanceTypes: [] });
        assert.deepEqual(outcome.messages, [
            `Node pool "kubecache-workers" lists no \`instanceTypes\`. Choose one or more of: ${DEFAULT_INSTANCE_TYPES.join(", ")}.`,
        ]);
    });

    it("reads the allowed list from the config", async () => {
        const config = { [policy.name]: { allowedInstanceTypes: ["ecs.r7.large"] } };
        const outcome = await checkResource(policy, alicloud.cs.NodePool, nodePool(), config);
        assert.equal(outcome.messages.length, 1);
        assert.match(outcome.messages[0], /uses instance type\(s\) ecs\.g7\.xlarge, .*Choose from ecs\.r7\.large,/);
    });
});
