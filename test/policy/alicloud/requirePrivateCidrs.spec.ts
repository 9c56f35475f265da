import "../../support/mocks";
import * as alicloud from "@pulumi/alicloud";
import * as assert from "node:assert/strict";
import { requirePrivateCidrs } from "../../../policy/alicloud/requirePrivateCidrs";
import { vswitch } from "../fixtures";
import { checkResource } from "../harness";

const fix = "Use a block inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16.";
const vpc = () => ({ vpcName: "kubecache", cidrBlock: "10.0.0.0/16" });

describe("policy alicloud-vpc-require-private-cidr", () => {
    it("accepts RFC 1918 blocks", async () => {
        assert.deepEqual((await checkResource(requirePrivateCidrs, alicloud.vpc.Network, vpc())).messages, []);
        for (const cidr of ["10.0.0.0/20", "172.31.240.0/20", "192.168.1.0/24"]) {
            assert.deepEqual(
                (await checkResource(requirePrivateCidrs, alicloud.vpc.Switch, vswitch("cn-hangzhou-h", cidr))).messages,
                [],
                cidr,
            );
        }
    });

    it("reports a public VPC block", async () => {
        const outcome = await checkResource(requirePrivateCidrs, alicloud.vpc.Network, { ...vpc(), cidrBlock: "8.8.0.0/16" });
        assert.deepEqual(outcome.messages, [
            `VPC "kubecache" has \`cidrBlock\` "8.8.0.0/16", which is not inside a private range, so it can collide with internet addresses its nodes must reach. ${fix}`,
        ]);
    });

    it("reports a secondary block that straddles a private range", async () => {
        const outcome = await checkResource(requirePrivateCidrs, alicloud.vpc.Network, { ...vpc(), secondaryCidrBlocks: ["172.0.0.0/8"] });
        assert.equal(outcome.messages.length, 1);
        assert.match(outcome.messages[0], /`secondaryCidrBlocks\[0\]` "172\.0\.0\.0\/8"/);
    });

    it("reports a public vSwitch block", async () => {
        const outcome = await checkResource(requirePrivateCidrs, alicloud.vpc.Switch, vswitch("cn-hangzhou-h", "100.64.0.0/20"));
        assert.deepEqual(outcome.messages, [
            `vSwitch "kubecache-cn-hangzhou-h" has \`cidrBlock\` "100.64.0.0/20", which is not inside a private range, so it can collide with internet addresses its nodes must reach. ${fix}`,
        ]);
    });
});
