import "../../support/mocks";
import * as alicloud from "@pulumi/alicloud";
import * as assert from "node:assert/strict";
import { requireClusterDeletionProtection } from "../../../policy/alicloud/requireClusterDeletionProtection";
import { ackCluster } from "../fixtures";
import { checkResource } from "../harness";

const env = (environment: string) => ({ [requireClusterDeletionProtection.name]: { environment } });

describe("policy alicloud-cs-managedkubernetes-enable-deletion-protection", () => {
    it("accepts deletion protection in prod", async () => {
        assert.deepEqual(
            (await checkResource(requireClusterDeletionProtection, alicloud.cs.ManagedKubernetes, ackCluster(), env("prod"))).messages,
            [],
        );
    });

    it("reports deletion protection off in prod", async () => {
        const outcome = await checkResource(
            requireClusterDeletionProtection,
            alicloud.cs.ManagedKubernetes,
            { ...ackCluster(), deletionProtection: false },
            env("prod"),
        );
        assert.deepEqual(outcome.messages, [
            'ACK cluster "kubecache-prod" has deletion protection off, so one mistaken destroy deletes production. ' +
                "Set `deletionProtection: true` (turn it off deliberately, in a separate update, before tearing the cluster down).",
        ]);
    });

    it("is not applicable to a dev stack", async () => {
        const outcome = await checkResource(
            requireClusterDeletionProtection,
            alicloud.cs.ManagedKubernetes,
            { ...ackCluster(), deletionProtection: false },
            env("dev"),
        );
        assert.deepEqual(outcome.messages, []);
        assert.ok(outcome.notApplicable);
    });
});
