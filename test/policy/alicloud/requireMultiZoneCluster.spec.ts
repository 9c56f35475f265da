import "../../support/mocks";
import * as alicloud from "@pulumi/alicloud";
import * as assert from "node:assert/strict";
import { requireMultiZoneCluster } from "../../../policy/alicloud/requireMultiZoneCluster";
import { ackCluster, vswitch } from "../fixtures";
import { checkStack, StackEntry } from "../harness";

function stack(zones: string[], cluster = ackCluster()): StackEntry[] {
    const switches = zones.map((z, i) => ({ type: alicloud.vpc.Switch, name: `vsw-${i}`, props: vswitch(z, `10.0.${i * 16}.0/20`) }));
    return [
        ...switches,
        { type: alicloud.cs.ManagedKubernetes, name: "ack", props: cluster, dependencies: { vswitchIds: switches.map(s => s.name) } },
    ];
}

describe("policy alicloud-cs-managedkubernetes-require-multi-zone", () => {
    it("accepts vSwitches in two zones", async () => {
        assert.deepEqual((await checkStack(requireMultiZoneCluster, stack(["cn-hangzhou-h", "cn-hangzhou-i"]))).messages, []);
    });

    it("reports two vSwitches in the same zone", async () => {
        const outcome = await checkStack(requireMultiZoneCluster, stack(["cn-hangzhou-h", "cn-hangzhou-h"]));
        assert.deepEqual(outcome.messages, [
            'ACK cluster "kubecache-prod" has 2 vSwitches but all in zone cn-hangzhou-h, so a zone outage takes it down. ' +
                "Create the vSwitches in at least 2 different zones.",
        ]);
    });

    it("reports a single vSwitch", async () => {
        const outcome = await checkStack(requireMultiZoneCluster, stack(["cn-hangzhou-h"], { ...ackCluster(), vswitchIds: ["vsw-a"] }));
        assert.deepEqual(outcome.messages, [
            'ACK cluster "kubecache-prod" has 1 vSwitch(es) in `vswitchIds`, so a zone outage takes it down. ' +
                "Give it at least 2 vSwitches in different zones.",
        ]);
    });

    it("counts vSwitches from outside the stack by number only", async () => {
        const outcome = await checkStack(requireMultiZoneCluster, [
            { type: alicloud.cs.ManagedKubernetes, name: "ack", props: ackCluster() },
        ]);
        assert.deepEqual(outcome.messages, []);
    });

    it("judges `zoneIds` when the cluster creates its own vSwitches", async () => {
        const cluster = { ...ackCluster(), vswitchIds: undefined, zoneIds: ["cn-hangzhou-h"] };
        const outcome = await checkStack(requireMultiZoneCluster, [{ type: alicloud.cs.ManagedKubernetes, name: "ack", props: cluster }]);
        assert.deepEqual(outcome.messages, [
            'ACK cluster "kubecache-prod" is placed in 1 zone, so a zone outage takes the control plane\'s endpoint and all nodes down. ' +
                "List at least 2 distinct zones in `zoneIds`.",
        ]);
    });
});
