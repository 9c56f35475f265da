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
/** Key of the exporters' password file (redis_exporter's `-redis.password-file`) in a Secret the component created. */
export const EXPORTER_PASSWORDS_KEY = "exporter-passwords.json";
/**
 * Where the pods mount the password files (one projected volume of the password Secret and the users' Secrets): the
 * kubelet rewrites them in place when a Secret changes, and scripts/auth-reload.sh applies the change live.
 */
export const AUTH_DIR = "/etc/kubecache/auth";
/**
 * Seconds a rotated-out password is still accepted once every data node and sentinel presents the new one: room for
 * the HAProxy pods and the exporters, which read the files the kubelets of their own nodes update (within the
 * kubelet's sync period, 1 min by default) and nothing can ask.
 */
export const AUTH_GRACE_SECONDS = 120;

/** The exporters' password file for password `p`: every address an exporter of the component scrapes. */
export function exporterPasswords(p: string): string {
    const addrs = ["redis", "rediss"].flatMap(scheme => [6379, 26379].map(port => `${scheme}://localhost:${port}`));
    return JSON.stringify(Object.fromEntries(addrs.map(a => [a, p])));
}

/** An internal ACL user's password: what the pods' scripts derive (`auth_derive` in scripts/auth-reload.sh). */
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
    // The Secret holds no data itself: a Secret whose data changes is replaced (delete first: its name is fixed, and
    // every workload that reads it would go with it) unless the provider has enableSecretMutable. A patch of the data
    // is updated in place, so a new password reaches the mounted files of running pods (auth-reload.sh).
    const secret = new k8s.core.v1.Secret(
        `${name}-auth`,
        { metadata: { name: `${name}-auth`, namespace, labels }, type: "Opaque" },
        { parent },
    );
    const b64 = (v: pulumi.Output<string>) => pulumi.secret(v.apply(x => Buffer.from(x, "utf8").toString("base64")));
    const data = new k8s.core.v1.SecretPatch(
        `${name}-auth-data`,
        {
            metadata: {
                name: secret.metadata.name,
                namespace: secret.metadata.namespace,
                annotations: { "pulumi.com/patchForce": "true" },
            },
            data: {
                [PASSWORD_KEY]: b64(password),
                [CHECK_PASSWORD_KEY]: b64(password.apply(p => derivedPassword(p, "haproxy"))),
                [EXPORTER_PASSWORDS_KEY]: b64(password.apply(exporterPasswords)),
            },
        },
        { parent, dependsOn: [secret] },
    );
    return { secretName: data.metadata.name, password, checkPasswordKey: CHECK_PASSWORD_KEY };
}

type Volume = k8s.types.input.core.v1.Volume;

/** The password files as the data and sentinel containers mount them ({@link authVolume}). */
export const AUTH_MOUNT = { name: "auth", mountPath: AUTH_DIR, readOnly: true };

/**
 * One projected volume of the password Secret (the keys a Secret the component made holds, else `redis-password`)
 * and each application user's password under its variable's name, readable by the pod's group. Undefined without auth.
 */
export function authVolume(auth: RedisAuth, users: UserSecrets): Volume | undefined {
    if (!auth.secretName) return undefined;
    const keys = auth.checkPasswordKey ? [PASSWORD_KEY, auth.checkPasswordKey, EXPORTER_PASSWORDS_KEY] : [PASSWORD_KEY];
    return {
        name: "auth",
        projected: {
            defaultMode: 0o440,
            sources: [
                { secret: { name: auth.secretName, items: keys.map(key => ({ key, path: key })) } },
                ...users.refs.map((r, i) => ({ secret: { name: r.name, items: [{ key: r.key, path: userPasswordEnv(i) }] } })),
            ],
        },
    };
}

/**
 * HAProxy pods mount only what their checks log in with: the check user's own key when the component made the
 * Secret, else the component's password (from which the check password is derived, as the data nodes derive it).
 */
export function proxyAuthVolume(auth: RedisAuth): Volume | undefined {
    if (!auth.secretName) return undefined;
    const key = auth.checkPasswordKey ?? PASSWORD_KEY;
    return { name: "auth", secret: { secretName: auth.secretName, defaultMode: 0o440, items: [{ key, path: key }] } };
}

/** What {@link createUserSecrets} returns. */
export interface UserSecrets {
    /** The variables the data containers read each user's password from at start. */
    env: k8s.types.input.core.v1.EnvVar[];
    /** Each user's Secret name, by user name. */
    secretNames: Record<string, pulumi.Output<string>>;
    /** Each user's Secret and key, by position in `users`. */
    refs: { name: pulumi.Output<string>; key: string }[];
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
): UserSecrets {
    const env: k8s.types.input.core.v1.EnvVar[] = [];
    const refs: UserSecrets["refs"] = [];
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
        refs.push(ref);
        env.push({ name: userPasswordEnv(i), valueFrom: { secretKeyRef: ref } });
    });
    return { env, secretNames, refs };
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
