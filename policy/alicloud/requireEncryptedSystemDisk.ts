import * as alicloud from "@pulumi/alicloud";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

/** Node system disks hold container layers, logs and mounted Secrets. */
export const requireEncryptedSystemDisk: ResourceValidationPolicy = {
    name: "alicloud-cs-nodepool-encrypt-system-disk",
    description: "ACK node pools encrypt their nodes' system disks.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: validateResourceOfType(alicloud.cs.NodePool, (pool, args, reportViolation) => {
        if (pool.systemDiskEncrypted !== true) {
            reportViolation(
                `Node pool "${pool.nodePoolName ?? pool.name ?? args.name}" leaves its system disks unencrypted, and they hold images, logs and Secrets mounted into pods. ` +
                    "Set `systemDiskEncrypted: true` (optionally with `systemDiskKmsKey`).",
            );
        }
    }),
};
