/**
 * Optional parts switched on by `{ enabled: true, ...settings }` (monitors, rules, dashboards): one check for every
 * component, so each refuses a wrong type and settings of a part left off with the same words.
 */
import { ArgumentError } from "./validate";

/**
 * The settings of part `field` when it is on, undefined when it is off or absent. With `shorthand`, `true` and
 * `false` stand for `{ enabled: … }`, as chart users write them (the package schema types these fields as objects;
 * the shorthand is for untyped callers). Throws ArgumentError naming the field.
 */
export function enabledPart<T extends { enabled?: boolean }>(
    component: string,
    field: string,
    given: T | boolean | undefined,
    shorthand: boolean,
): T | undefined {
    if (given === undefined) return undefined;
    const part: unknown = shorthand && typeof given === "boolean" ? { enabled: given } : given;
    if (typeof part !== "object" || part === null) {
        const what = shorthand ? "`true` or an object" : "an object";
        throw new ArgumentError(component, field, `must be ${what} such as \`{ enabled: true }\`; got ${JSON.stringify(given)}.`);
    }
    const p = part as T;
    if (p.enabled !== undefined && typeof p.enabled !== "boolean") {
        throw new ArgumentError(component, `${field}.enabled`, `must be a boolean; got ${JSON.stringify(p.enabled)}.`);
    }
    if (!p.enabled && Object.keys(p).some(f => f !== "enabled")) {
        throw new ArgumentError(component, `${field}.enabled`, "must be true for its other settings to mean anything.");
    }
    return p.enabled ? p : undefined;
}
