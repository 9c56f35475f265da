import * as pulumi from "@pulumi/pulumi";

/**
 * Thrown when a component argument is out of range. The message names the component, the field
 * and what is allowed, so `pulumi up` fails before any child resource exists.
 */
export class ArgumentError extends Error {
    constructor(
        public readonly component: string,
        public readonly field: string,
        message: string,
    ) {
        super(`${component}: \`${field}\` ${message}`);
        this.name = "ArgumentError";
    }
}

/**
 * The value of an Input when it is already known (a plain value). Outputs and promises give
 * `undefined`: their checks run again inside `apply` via {@link checked}.
 */
export function known<T>(value: pulumi.Input<T> | undefined): T | undefined {
    if (value === undefined || value === null) return undefined;
    if (pulumi.Output.isInstance(value) || value instanceof Promise) return undefined;
    return value as T;
}

/** Runs `check` now when the value is known, and again on the resolved value otherwise. */
export function checked<T>(value: pulumi.Input<T>, check: (v: T) => void): pulumi.Output<T> {
    const now = known(value);
    if (now !== undefined) check(now);
    return pulumi.output(value).apply(v => {
        check(v as T);
        return v as T;
    }) as pulumi.Output<T>;
}

export function requireInteger(component: string, field: string, value: number | undefined, min: number, max?: number): void {
    if (value === undefined) return;
    const range = max === undefined ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || (max !== undefined && value > max)) {
        throw new ArgumentError(component, field, `must be ${range}; got ${JSON.stringify(value)}.`);
    }
}

export function requireOneOf<T extends string>(component: string, field: string, value: T | undefined, allowed: readonly T[]): void {
    if (value === undefined) return;
    if (!allowed.includes(value)) {
        throw new ArgumentError(component, field, `must be one of ${allowed.map(a => `"${a}"`).join(", ")}; got ${JSON.stringify(value)}.`);
    }
}
