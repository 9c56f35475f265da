import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type * as randomSdk from "@pulumi/random";
import { ArgumentError } from "../common/validate";
import { PASSWORD_KEY } from "./defaults";

/** Authentication settings shared by every Redis component (Bitnami's `auth.*` vocabulary). */
export interface RedisAuthArgs {
    /** Require a password (default true). Turning it off is only sensible for throw-away tests. */
    enabled?: boolean;
    /** The password; generated (32 alphanumerics) when omitted. Wrapped as a secret either way. */
    password?: pulumi.Input<string>;
    /** Use this existing Secret (key `redis-password`) instead of creating one. */
    existingSecret?: pulumi.Input<string>;
}

export interface RedisAuth {
    /** Name of the Secret that holds the password; undefined when auth is off. */
    secretName?: pulumi.Output<string>;
    /** The password as a secret Output; undefined when auth is off or an existing Secret is used. */
    password?: pulumi.Output<string>;
}

/**
 * @pulumi/random, an optional peer of the package: only a generated password needs it, so a consumer that
 * passes `auth.password` or `auth.existingSecret` installs nothing but the Kubernetes SDK.
 */
function randomSdkFor(component: string): typeof randomSdk {
    try {
        return require("@pulumi/random");
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "MODULE_NOT_FOUND") throw e;
        throw new ArgumentError(component, "auth.password",
            "is not set, and generating one needs the optional peer dependency @pulumi/random: `npm install @pulumi/random`, " +
            "or pass `auth.password` (a secret) or `auth.existingSecret`.");
    }
}

/** Creates (or references) the password Secret. Never puts the password in a plain output. */
export function createRedisAuth(
    name: string, namespace: pulumi.Input<string>, labels: Record<string, string>,
    auth: RedisAuthArgs | undefined, parent: pulumi.Resource, component = "Redis",
): RedisAuth {
    if (auth?.enabled === false) return {};
    if (auth?.existingSecret !== undefined) return { secretName: pulumi.output(auth.existingSecret) };
    const password = auth?.password !== undefined
        ? pulumi.secret(auth.password)
        : pulumi.secret(new (randomSdkFor(component).RandomPassword)(`${name}-password`, { length: 32, special: false }, { parent }).result);
    const secret = new k8s.core.v1.Secret(`${name}-auth`, {
        metadata: { name: `${name}-auth`, namespace, labels },
        type: "Opaque",
        stringData: { [PASSWORD_KEY]: password },
    }, { parent });
    return { secretName: secret.metadata.name, password };
}

/** Environment that start scripts and probes read: `redis-cli` uses REDISCLI_AUTH without printing it. */
export function passwordEnv(auth: RedisAuth): k8s.types.input.core.v1.EnvVar[] {
    if (!auth.secretName) return [];
    const ref = { secretKeyRef: { name: auth.secretName, key: PASSWORD_KEY } };
    return [
        { name: "REDIS_PASSWORD", valueFrom: ref },
        { name: "REDISCLI_AUTH", valueFrom: ref },
    ];
}
