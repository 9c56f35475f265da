import "../../support/mocks";
import * as alicloud from "@pulumi/alicloud";
import * as assert from "node:assert/strict";
import { requireEncryptedSystemDisk } from "../../../policy/alicloud/requireEncryptedSystemDisk";
import { nodePool } from "../fixtures";
import { checkResource } from "../harness";

describe("policy alicloud-cs-nodepool-encrypt-system-disk", () => {
    it("accepts an encrypted system disk", async () => {
        assert.deepEqual((await checkResource(requireEncryptedSystemDisk, alicloud.cs.NodePool, nodePool())).messages, []);
    });

    it("reports an unencrypted system disk", async () => {
        const pool = nodePool();
        delete pool.systemDiskEncrypted;
        const outcome = await checkResource(requireEncryptedSystemDisk, alicloud.cs.NodePool, pool);
        assert.deepEqual(outcome.messages, [
            'Node pool "kubecache-workers" leaves its system disks unencrypted, and they hold images, logs and Secrets mounted into pods. ' +
                "Set `systemDiskEncrypted: true` (optionally with `systemDiskKmsKey`).",
        ]);
    });
});
