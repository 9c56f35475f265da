import * as pulumi from "@pulumi/pulumi";
import { ArgumentError } from "./validate";

// The Pulumi CLI treats a key declared in Pulumi.yaml without a default as required on every stack,
// so optional keys are declared with an empty default ("" or []) or "auto": these read them back as unset.

/** A string key whose empty default means "not set". */
export function optionalString(config: pulumi.Config, key: string): string | undefined {
    const value = config.get(key);
    return value === undefined || value === "" ? undefined : value;
}

/** A list key whose empty default means "not set". */
export function optionalList(config: pulumi.Config, key: string): string[] | undefined {
    const value = config.getObject<string[]>(key);
    return value === undefined || value.length === 0 ? undefined : value;
}

/** A secret key whose empty default means "not set"; wrapped as a secret Output when set. */
export function optionalSecret(config: pulumi.Config, key: string): pulumi.Output<string> | undefined {
    return optionalString(config, key) === undefined ? undefined : config.requireSecret(key);
}

/** `true`, `false`, or `auto` (the default: undefined, so the component decides). */
export function autoBoolean(config: pulumi.Config, key: string): boolean | undefined {
    const value = config.get(key);
    if (value === undefined || value === "" || value === "auto") return undefined;
    if (value === "true") return true;
    if (value === "false") return false;
    throw new ArgumentError("config", key, `must be "true", "false" or "auto"; got ${JSON.stringify(value)}.`);
}
