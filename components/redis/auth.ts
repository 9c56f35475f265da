import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type * as randomSdk from "@pulumi/random";
import { ArgumentError } from "../common/validate";
import { createHash } from "crypto";
import { RedisUserArgs, userPasswordEnv, userSecretName } from "./acl";
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
    /**
     * The Secret also holds `haproxy-password`, the HAProxy check user's own password, so HAProxy pods
     * need not read the component's password (true when the component made the Secret).
     */
    checkPasswordKey?: string;
}

/** Key of the HAProxy check user's password in a Secret the component created. */
export const CHECK_PASSWORD_KEY = "haproxy-password";

/** An internal ACL user's password: what the start scripts derive (`derive` in scripts/runtime-conf.sh). */
export function derivedPassword(password: string, user: string): string {
    return createHash("sha256").update(`${password}:${user}`).digest("hex");
}

/**
 * @pulumi/random, an optional peer of the package: only a generated password needs it, so a consumer that
 * passes `auth.password` or `auth.existingSecret` installs nothing but the Kubernetes SDK.
 */
function randomSdkFor(component: string, field = "auth.password"): typeof randomSdk {
    try {
        return require("@pulumi/random");
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "MODULE_NOT_FOUND") throw e;
        throw new ArgumentError(
            component,
            field,
            "is not set, and generating a password needs the optional peer dependency @pulumi/random: `npm install @pulumi/random`, " +
                "or pass the password yourself (`auth.password` or `auth.existingSecret`; a user's `passwordSecret`).",
        );
    }
}

/** Creates (or references) the password Secret. Never puts the password in a plain output. */
export function createRedisAuth(
    name: string,
    namespace: pulumi.Input<string>,
    labels: Record<string, string>,
    auth: RedisAuthArgs | undefined,
    parent: pulumi.Resource,
    component = "Redis",
): RedisAuth {
    if (auth?.enabled === false) return {};
    if (auth?.existingSecret !== undefined) return { secretName: pulumi.output(auth.existingSecret) };
    const password =
        auth?.password !== undefined
            ? pulumi.secret(auth.password)
            : pulumi.secret(
                  new (randomSdkFor(component).RandomPassword)(`${name}-password`, { length: 32, special: false }, { parent }).result,
              );
    const secret = new k8s.core.v1.Secret(
        `${name}-auth`,
        {
            metadata: { name: `${name}-auth`, namespace, labels },
            type: "Opaque",
            stringData: {
                [PASSWORD_KEY]: password,
                [CHECK_PASSWORD_KEY]: pulumi.secret(password.apply(p => derivedPassword(p, "haproxy"))),
            },
        },
        { parent },
    );
    return { secretName: secret.metadata.name, password, checkPasswordKey: CHECK_PASSWORD_KEY };
}

/**
 * The environment of the HAProxy pods: only the check user's password when the component made the
 * Secret; the component's password (from which the check password is derived) for an existing one.
 */
export function checkPasswordEnv(auth: RedisAuth): k8s.types.input.core.v1.EnvVar[] {
    if (!auth.secretName) return [];
    if (auth.checkPasswordKey)
        return [{ name: "HAPROXY_CHECK_PASSWORD", valueFrom: { secretKeyRef: { name: auth.secretName, key: auth.checkPasswordKey } } }];
    return [{ name: "REDIS_PASSWORD", valueFrom: { secretKeyRef: { name: auth.secretName, key: PASSWORD_KEY } } }];
}

/**
 * Secrets of the application users that have no `passwordSecret` (a generated password under key
 * `password`), and the environment the data pods read every user's password from.
 */
export function createUserSecrets(
    name: string,
    namespace: pulumi.Input<string>,
    labels: Record<string, string>,
    users: RedisUserArgs[],
    parent: pulumi.Resource,
    component: string,
): { env: k8s.types.input.core.v1.EnvVar[]; secretNames: Record<string, pulumi.Output<string>> } {
    const env: k8s.types.input.core.v1.EnvVar[] = [];
    const secretNames: Record<string, pulumi.Output<string>> = {};
    users.forEach((u, i) => {
        let ref = u.passwordSecret ? { name: pulumi.output(u.passwordSecret.name), key: u.passwordSecret.key ?? "password" } : undefined;
        if (!ref) {
            const secretName = userSecretName(name, u.name);
            const generated = new (randomSdkFor(component, `users[${i}].passwordSecret`).RandomPassword)(
                secretName,
                { length: 32, special: false },
                { parent },
            );
            const secret = new k8s.core.v1.Secret(
                secretName,
                {
                    metadata: { name: secretName, namespace, labels },
                    type: "Opaque",
                    stringData: { username: u.name, password: pulumi.secret(generated.result) },
                },
                { parent },
            );
            ref = { name: secret.metadata.name, key: "password" };
        }
        secretNames[u.name] = ref.name;
        env.push({ name: userPasswordEnv(i), valueFrom: { secretKeyRef: ref } });
    });
    return { env, secretNames };
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
