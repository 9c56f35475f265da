import * as alicloud from "@pulumi/alicloud";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { environmentSchema, requireProd } from "../common/environment";

/** A production cluster must survive a mistaken `pulumi destroy` or a console click. */
export const requireClusterDeletionProtection: ResourceValidationPolicy = {
    name: "alicloud-cs-managedkubernetes-enable-deletion-protection",
    description: "In prod, ACK managed clusters have deletion protection on.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: environmentSchema,
    validateResource: validateResourceOfType(alicloud.cs.ManagedKubernetes, (cluster, args, reportViolation) => {
        requireProd(args);
        if (cluster.deletionProtection !== true) {
            reportViolation(
                `ACK cluster "${cluster.name ?? args.name}" has deletion protection off, so one mistaken destroy deletes production. ` +
                    "Set `deletionProtection: true` (turn it off deliberately, in a separate update, before tearing the cluster down).",
            );
        }
    }),
};
