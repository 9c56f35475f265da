import { PolicyConfigSchema } from "@pulumi/policy";

/**
 * Which kind of stack a stack-aware policy is judging. Policies cannot see the stack name, so the
 * pack config says it (`policy/config/dev.json`, `prod.json`). When the config is missing the
 * policy assumes `prod`: forgetting `--policy-pack-config` must never relax a production check.
 */
export type Environment = "dev" | "prod";

export const ENVIRONMENTS: readonly Environment[] = ["dev", "prod"];

export const environmentProperty = {
    type: "string" as const,
    enum: [...ENVIRONMENTS],
    default: "prod",
    description: "The kind of stack being checked: `prod` enforces production-only rules, `dev` skips them.",
};

/** Config schema of a policy that only reads the environment. */
export const environmentSchema: PolicyConfigSchema = { properties: { environment: environmentProperty } };

interface HasConfig {
    getConfig<T extends object>(): T;
}

export function environmentOf(args: HasConfig): Environment {
    const env = args.getConfig<{ environment?: string }>().environment;
    return env === "dev" ? "dev" : "prod";
}

/** Marks a production-only policy as not applicable outside prod. Returns normally in prod. */
export function requireProd(args: HasConfig & { notApplicable(reason?: string): never }): void {
    if (environmentOf(args) !== "prod") args.notApplicable("production-only rule; this stack is configured as `environment: dev`.");
}
