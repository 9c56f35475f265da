import * as assert from "assert";
import { checkNodePool, isZoneOf, planAckNetwork } from "../../components/cluster/ackPlan";

const base = { region: "cn-hangzhou", zones: ["cn-hangzhou-h", "cn-hangzhou-i"] };

describe("planAckNetwork", () => {
    it("cuts node vSwitches from the bottom and Terway pod vSwitches from the top half of the VPC", () => {
        const plan = planAckNetwork(base);
        assert.strictEqual(plan.vpcCidr, "10.0.0.0/16");
        assert.strictEqual(plan.networkPlugin, "terway");
        assert.deepStrictEqual(plan.zones, [
            { zone: "cn-hangzhou-h", nodeCidr: "10.0.0.0/20", podCidr: "10.0.128.0/20" },
            { zone: "cn-hangzhou-i", nodeCidr: "10.0.16.0/20", podCidr: "10.0.144.0/20" },
        ]);
        assert.strictEqual(plan.serviceCidr, "172.21.0.0/20");
        assert.strictEqual(plan.podCidr, undefined);
    });

    it("uses an overlay pod range outside the VPC with Flannel", () => {
        const plan = planAckNetwork({ ...base, networkPlugin: "flannel", vpcCidr: "192.168.0.0/16" });
        assert.strictEqual(plan.podCidr, "172.20.0.0/16");
        assert.deepStrictEqual(
            plan.zones.map(z => z.podCidr),
            [undefined, undefined],
        );
        assert.deepStrictEqual(
            plan.zones.map(z => z.nodeCidr),
            ["192.168.0.0/20", "192.168.16.0/20"],
        );
    });

    it("accepts zone ids of regions that end in a digit", () => {
        assert.ok(isZoneOf("ap-southeast-1", "ap-southeast-1a"));
        assert.ok(isZoneOf("cn-hangzhou", "cn-hangzhou-k"));
        assert.ok(!isZoneOf("cn-hangzhou", "cn-shanghai-b"));
        assert.ok(!isZoneOf("cn-hangzhou", "cn-hangzhou-1"));
        const plan = planAckNetwork({ region: "ap-southeast-1", zones: ["ap-southeast-1a", "ap-southeast-1b"], requireMultiZone: true });
        assert.strictEqual(plan.zones.length, 2);
    });

    const bad: Array<[string, object, RegExp]> = [
        ["an unknown region format", { region: "Hangzhou" }, /`region` must be an Alibaba Cloud region id/],
        ["a zone of another region", { zones: ["cn-shanghai-b"] }, /`zones` must hold zone ids of region cn-hangzhou.*cn-shanghai-b/],
        ["no zones", { zones: [] }, /`zones` must list at least one zone/],
        ["a repeated zone", { zones: ["cn-hangzhou-h", "cn-hangzhou-h"] }, /`zones` must not repeat/],
        [
            "one zone in production",
            { zones: ["cn-hangzhou-h"], requireMultiZone: true },
            /`zones` must list at least 2 zones in a production stack/,
        ],
        ["a service range inside the VPC", { serviceCidr: "10.0.200.0/24" }, /`serviceCidr` must not overlap `vpcCidr`/],
        ["a Flannel pod range inside the VPC", { networkPlugin: "flannel", podCidr: "10.0.0.0/8" }, /`podCidr` must not overlap `vpcCidr`/],
        [
            "a Flannel pod range over the service range",
            { networkPlugin: "flannel", podCidr: "172.21.0.0/16" },
            /`podCidr` must not overlap `serviceCidr`/,
        ],
        [
            "a node vSwitch outside the VPC",
            { nodeVswitchCidrs: ["10.1.0.0/20", "10.0.16.0/20"] },
            /`nodeVswitchCidrs` must lie inside `vpcCidr`/,
        ],
        [
            "overlapping node and pod vSwitches",
            { podVswitchCidrs: ["10.0.0.0/21", "10.0.144.0/20"] },
            /`podVswitchCidrs` must not overlap: nodeVswitchCidrs\[0\] and podVswitchCidrs\[0\]/,
        ],
        ["one node vSwitch for two zones", { nodeVswitchCidrs: ["10.0.0.0/20"] }, /`nodeVswitchCidrs` must hold one CIDR per zone/],
        ["a malformed VPC range", { vpcCidr: "10.0.0.1/16" }, /`vpcCidr` must be an IPv4 CIDR block/],
        ["an unknown network plugin", { networkPlugin: "calico" }, /`networkPlugin` must be one of "terway", "flannel"/],
        ["a pod range with Terway", { podCidr: "172.20.0.0/16" }, /`podCidr` applies to Flannel only/],
    ];
    for (const [what, change, pattern] of bad) {
        it(`rejects ${what}`, () => {
            assert.throws(
                () => planAckNetwork({ ...base, ...change } as never),
                (e: Error) => e.name === "ArgumentError" && pattern.test(e.message),
            );
        });
    }
});

describe("checkNodePool", () => {
    it("accepts a sized pool and refuses empty types, zero nodes and sizes above the maximum", () => {
        checkNodePool({ instanceTypes: ["ecs.g7.xlarge"], desiredSize: 3 });
        assert.throws(() => checkNodePool({ instanceTypes: [] }), /`instanceTypes` must list at least one ECS instance type/);
        assert.throws(() => checkNodePool({ instanceTypes: ["g7.xlarge"] }), /`instanceTypes`/);
        assert.throws(
            () => checkNodePool({ instanceTypes: ["ecs.g7.xlarge"], desiredSize: 0 }),
            /`desiredSize` must be an integer from 1 to 10; got 0/,
        );
        assert.throws(
            () => checkNodePool({ instanceTypes: ["ecs.g7.xlarge"], desiredSize: 11 }),
            /`desiredSize` must be an integer from 1 to 10; got 11/,
        );
        assert.throws(() => checkNodePool({ instanceTypes: ["ecs.g7.xlarge"], desiredSize: 5, maxSize: 4 }), /from 1 to 4; got 5/);
    });
});
