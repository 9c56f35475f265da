import * as alicloud from "@pulumi/alicloud";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

/** General-purpose and memory-optimized x86 types that fit cache workloads; override per stack in the config. */
export const DEFAULT_INSTANCE_TYPES = [
    "ecs.g7.large",
    "ecs.g7.xlarge",
    "ecs.g7.2xlarge",
    "ecs.g8i.large",
    "ecs.g8i.xlarge",
    "ecs.g8i.2xlarge",
    "ecs.r7.large",
    "ecs.r7.xlarge",
    "ecs.r7.2xlarge",
    "ecs.c7.large",
    "ecs.c7.xlarge",
    "ecs.u1-c1m4.large",
    "ecs.u1-c1m4.xlarge",
];

/** Keeps cost and CPU architecture predictable: a typo or a GPU type cannot slip into a node pool. */
export const restrictNodePoolInstanceTypes: ResourceValidationPolicy = {
    name: "alicloud-cs-nodepool-allowed-instance-types",
    description: "ACK node pools use only instance types from the allowed list.",
    enforcementLevel: "mandatory",
    severity: "low",
    configSchema: {
        properties: {
            allowedInstanceTypes: {
                type: "array",
                items: { type: "string" },
                minItems: 1,
                default: DEFAULT_INSTANCE_TYPES,
                description: "ECS instance types node pools may use.",
            },
        },
    },
    validateResource: validateResourceOfType(alicloud.cs.NodePool, (pool, args, reportViolation) => {
        const { allowedInstanceTypes = DEFAULT_INSTANCE_TYPES } = args.getConfig<{ allowedInstanceTypes?: string[] }>();
        const name = pool.nodePoolName ?? pool.name ?? args.name;
        const types = pool.instanceTypes ?? [];
        if (types.length === 0) {
            reportViolation(`Node pool "${name}" lists no \`instanceTypes\`. Choose one or more of: ${allowedInstanceTypes.join(", ")}.`);
            return;
        }
        const refused = types.filter(t => !allowedInstanceTypes.includes(t));
        if (refused.length > 0) {
            reportViolation(
                `Node pool "${name}" uses instance type(s) ${refused.join(", ")}, which are not on the allowed list. ` +
                    `Choose from ${allowedInstanceTypes.join(", ")}, or add the type to \`allowedInstanceTypes\` in the policy config.`,
            );
        }
    }),
};
