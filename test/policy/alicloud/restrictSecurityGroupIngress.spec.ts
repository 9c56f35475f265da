import "../../support/mocks";
import * as alicloud from "@pulumi/alicloud";
import * as assert from "node:assert/strict";
import { restrictSecurityGroupIngress } from "../../../policy/alicloud/restrictSecurityGroupIngress";
import { checkResource } from "../harness";

const policy = restrictSecurityGroupIngress;
const fix = "Restrict `cidrIp` to your VPC or office ranges, or use `sourceSecurityGroupId`.";

function rule(): any {
    return { securityGroupId: "sg-1", type: "ingress", ipProtocol: "tcp", policy: "accept", portRange: "6379/6379", cidrIp: "10.0.0.0/16" };
}

describe("policy alicloud-ecs-securitygroup-restrict-sensitive-ports", () => {
    it("accepts Redis from inside the VPC and HTTPS from anywhere", async () => {
        assert.deepEqual((await checkResource(policy, alicloud.ecs.SecurityGroupRule, rule(), {}, "redis-vpc")).messages, []);
        const https = { ...rule(), portRange: "443/443", cidrIp: "0.0.0.0/0" };
        assert.deepEqual((await checkResource(policy, alicloud.ecs.SecurityGroupRule, https, {}, "https")).messages, []);
    });

    it("reports Redis open to 0.0.0.0/0", async () => {
        const outcome = await checkResource(policy, alicloud.ecs.SecurityGroupRule, { ...rule(), cidrIp: "0.0.0.0/0" }, {}, "redis-open");
        assert.deepEqual(outcome.messages, [
            `Security group rule "redis-open" accepts tcp from 0.0.0.0/0 on port(s) 6379, exposing them to the whole internet. ${fix}`,
        ]);
    });

    it("reports every sensitive port inside a wide range, and IPv6 ::/0", async () => {
        const wide = { ...rule(), cidrIp: undefined, ipv6CidrIp: "::/0", portRange: "1/10000" };
        const outcome = await checkResource(policy, alicloud.ecs.SecurityGroupRule, wide, {}, "wide");
        assert.deepEqual(outcome.messages, [
            `Security group rule "wide" accepts tcp from ::/0 on port(s) 22, 6443, 6379, exposing them to the whole internet. ${fix}`,
        ]);
    });

    it("reports protocol `all` on every port, including Memcached's UDP", async () => {
        const all = { ...rule(), ipProtocol: "all", portRange: "-1/-1", cidrIp: "0.0.0.0/0" };
        const outcome = await checkResource(policy, alicloud.ecs.SecurityGroupRule, all, {}, "all");
        assert.match(outcome.messages[0], /on port\(s\) 22, 6443, 6379, 11211,/);
        const udp = { ...rule(), ipProtocol: "udp", portRange: "11211/11211", cidrIp: "0.0.0.0/0" };
        assert.equal((await checkResource(policy, alicloud.ecs.SecurityGroupRule, udp)).messages.length, 1);
    });

    it("ignores egress and drop rules", async () => {
        for (const change of [{ type: "egress" }, { policy: "drop" }]) {
            const r = { ...rule(), cidrIp: "0.0.0.0/0", ...change };
            assert.deepEqual((await checkResource(policy, alicloud.ecs.SecurityGroupRule, r)).messages, [], JSON.stringify(change));
        }
    });
});
