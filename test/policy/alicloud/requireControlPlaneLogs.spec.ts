import "../../support/mocks";
import * as alicloud from "@pulumi/alicloud";
import * as assert from "node:assert/strict";
import { requireControlPlaneLogs } from "../../../policy/alicloud/requireControlPlaneLogs";
import { ackCluster } from "../fixtures";
import { checkResource } from "../harness";

describe("policy alicloud-cs-managedkubernetes-enable-control-plane-logs", () => {
    it("accepts apiserver, kcm and scheduler logs with a TTL", async () => {
        assert.deepEqual((await checkResource(requireControlPlaneLogs, alicloud.cs.ManagedKubernetes, ackCluster())).messages, []);
    });

    it("reports a missing component", async () => {
        const outcome = await checkResource(requireControlPlaneLogs, alicloud.cs.ManagedKubernetes, {
            ...ackCluster(),
            controlPlaneLogComponents: ["apiserver", "kcm"],
        });
        assert.deepEqual(outcome.messages, [
            'ACK cluster "kubecache-prod" does not collect control-plane logs for scheduler, so API changes leave no trail. ' +
                'Set `controlPlaneLogComponents` to include "apiserver", "kcm", "scheduler".',
        ]);
    });

    it("reports logging switched off entirely", async () => {
        const cluster = ackCluster();
        delete cluster.controlPlaneLogComponents;
        const outcome = await checkResource(requireControlPlaneLogs, alicloud.cs.ManagedKubernetes, cluster);
        assert.equal(outcome.messages.length, 1);
        assert.match(outcome.messages[0], /for apiserver, kcm, scheduler,/);
    });

    it("reports components without a retention", async () => {
        const cluster = ackCluster();
        delete cluster.controlPlaneLogTtl;
        const outcome = await checkResource(requireControlPlaneLogs, alicloud.cs.ManagedKubernetes, cluster);
        assert.deepEqual(outcome.messages, [
            'ACK cluster "kubecache-prod" collects control-plane logs without `controlPlaneLogTtl`, which ACK requires alongside the components. ' +
                'Set `controlPlaneLogTtl` to a retention in days, e.g. "30".',
        ]);
    });
});
