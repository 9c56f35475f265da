import * as alicloud from "@pulumi/alicloud";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { environmentSchema, requireProd } from "../common/environment";

/** Two replicas and a PDB mean nothing on one node: the node itself is the single point of failure. */
export const requireNodePoolMinimumSize: ResourceValidationPolicy = {
    name: "alicloud-cs-nodepool-minimum-size",
    description: "In prod, ACK node pools keep at least 2 nodes (desired size, or minimum size when autoscaling).",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: environmentSchema,
    validateResource: validateResourceOfType(alicloud.cs.NodePool, (pool, args, reportViolation) => {
        requireProd(args);
        const name = pool.nodePoolName ?? pool.name ?? args.name;
        const autoscaling = pool.scalingConfig?.enable === true;
        const size = Number(autoscaling ? pool.scalingConfig?.minSize : pool.desiredSize);
        if (!(size >= 2)) {
            const field = autoscaling ? "scalingConfig.minSize" : "desiredSize";
            reportViolation(
                `Node pool "${name}" has \`${field}\` ${Number.isNaN(size) ? "unset" : size}, so one node failure or upgrade drains every workload at once. ` +
                    `Set \`${field}\` to 2 or more in production.`,
            );
        }
    }),
};
