import { ResourceValidationPolicy } from "@pulumi/policy";
import { containersOf, validateWorkloads } from "../common/workloads";

/**
 * Requests let the scheduler place pods honestly; a memory limit bounds a runaway cache. A CPU limit
 * is only required when configured, because CPU throttling hurts Redis latency more than it helps.
 */
export const requireResourceLimits: ResourceValidationPolicy = {
    name: "kubernetes-workload-require-resources",
    description: "Every container requests CPU and memory and sets a memory limit (and a CPU limit when configured).",
    enforcementLevel: "mandatory",
    severity: "medium",
    configSchema: {
        properties: {
            requireCpuLimit: {
                type: "boolean",
                default: false,
                description: "Also require `resources.limits.cpu` on every container.",
            },
        },
    },
    validateResource: validateWorkloads((template, args, reportViolation) => {
        const { requireCpuLimit = false } = args.getConfig<{ requireCpuLimit?: boolean }>();
        const wanted: Array<[string, string]> = [
            ["requests", "cpu"],
            ["requests", "memory"],
            ["limits", "memory"],
        ];
        if (requireCpuLimit) wanted.push(["limits", "cpu"]);
        for (const { container, label } of containersOf(template.spec, true)) {
            const missing = wanted
                .filter(([kind, res]) => container.resources?.[kind]?.[res] === undefined)
                .map(([kind, res]) => `resources.${kind}.${res}`);
            if (missing.length > 0) {
                reportViolation(
                    `${template.kind} ${label} does not set ${missing.join(", ")}. ` +
                        "Set them so the scheduler reserves capacity and a memory leak is contained to the container.",
                );
            }
        }
    }),
};
