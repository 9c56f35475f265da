/**
 * Redis ACL users (`users`) and command hardening, rendered into the start scripts: the aclfile is
 * written at start into the memory-backed runtime directory from passwords in the environment
 * (Secrets), hashed (`#<sha256>`), so no password is ever in a ConfigMap or on disk in clear.
 *
 * Internal users get only what their job needs; their passwords derive from the component's
 * password (sha256 of `<password>:<user>`), so every pod computes the same ones and none needs a
 * Secret of its own:
 * - `replication` (replicas to their master): PSYNC, REPLCONF, PING;
 * - `sentinel` (sentinels to data nodes): what Redis's documentation lists for Sentinel;
 * - `haproxy` (the endpoint's checks): INFO and a DEL of its probe key.
 * The `default` user keeps the component's password and every permission: the agent, the preStop
 * hand-over and the metrics exporter use it (they run in the data pod, which holds that password).
 */
import * as pulumi from "@pulumi/pulumi";
import { ArgumentError } from "../common";
import { WRITE_PROBE_KEY } from "./defaults";

/** An application user (`users[i]`). */
export interface RedisUserSpec {
    /** ACL user name: 1-64 letters, digits, `.`, `_` or `-`; not a name the component uses itself. */
    name: string;
    /**
     * ACL rules after the password, e.g. `~app:* +@read +@write`. The user starts from nothing
     * (`resetkeys resetchannels -@all`); FLUSHALL, FLUSHDB, KEYS, CONFIG, DEBUG and SHUTDOWN stay
     * denied unless these rules name the command itself (`+flushdb`): a category such as `+@all`
     * does not grant them. Passwords and the user's state are managed by the component: a leading
     * `on` (as Redis' ACL documentation writes rules) is accepted and changes nothing; `off`,
     * passwords (`>`, `<`, `#`, `!`), `nopass`, `resetpass` and `reset` are refused.
     */
    rules: string;
}

/** The Secret key holding an application user's password. */
export interface RedisUserPasswordSecret {
    /** Name of the Secret, in the component's namespace. */
    name: pulumi.Input<string>;
    /** Key in the Secret (default `password`). */
    key?: string;
}

/** An application ACL user of a Redis component (`users[i]`). */
export interface RedisUserArgs extends RedisUserSpec {
    /** Where the user's password is; when omitted a Secret `<component>-user-<name>` with a generated one is created. */
    passwordSecret?: RedisUserPasswordSecret;
}

export const INTERNAL_USERS = ["default", "replication", "sentinel", "haproxy"] as const;
export const HARDENED_COMMANDS = ["flushall", "flushdb", "keys", "config", "debug", "shutdown"];

const INTERNAL_RULES: Record<Exclude<(typeof INTERNAL_USERS)[number], "default">, string> = {
    replication: "resetkeys resetchannels -@all +psync +replconf +ping",
    sentinel:
        "resetkeys allchannels -@all +multi +slaveof +ping +exec +subscribe +config|rewrite +role +publish +info +client|setname +client|kill +script|kill",
    haproxy: `resetkeys resetchannels -@all +ping +info +del ~${WRITE_PROBE_KEY}`,
};

/** The Secret generated for a user without `passwordSecret`: `<instance>-user-<name>`, lower-cased to a DNS name. */
export function userSecretName(instance: string, user: string): string {
    return `${instance}-user-${user.toLowerCase().replace(/[^a-z0-9-]/g, "-")}`;
}

/**
 * Validates `users` (names, rules, Secret keys; generated Secret names of `instance` must differ);
 * throws an ArgumentError naming `users[i].<field>`.
 */
export function validateUsers<T extends RedisUserSpec>(component: string, users: T[] | undefined, instance = ""): T[] {
    if (users === undefined) return [];
    if (!Array.isArray(users)) throw new ArgumentError(component, "users", "must be a list of `{ name, rules, passwordSecret? }`.");
    const seen = new Set<string>();
    const generated = new Map<string, number>();
    users.forEach((u, i) => {
        const at = `users[${i}]`;
        if (typeof u?.name !== "string" || !/^[A-Za-z0-9._-]{1,64}$/.test(u.name)) {
            throw new ArgumentError(
                component,
                `${at}.name`,
                `must be 1-64 letters, digits, '.', '_' or '-'; got ${JSON.stringify(u?.name)}.`,
            );
        }
        if ((INTERNAL_USERS as readonly string[]).includes(u.name)) {
            throw new ArgumentError(component, `${at}.name`, `"${u.name}" is a user the component manages itself; pick another name.`);
        }
        if (seen.has(u.name)) throw new ArgumentError(component, `${at}.name`, `"${u.name}" appears twice.`);
        seen.add(u.name);
        if (!(u as RedisUserArgs).passwordSecret) {
            const secret = userSecretName(instance, u.name);
            const other = generated.get(secret);
            if (other !== undefined) {
                throw new ArgumentError(
                    component,
                    `${at}.name`,
                    `"${u.name}" would share the Secret ${secret} with users[${other}]; rename one or give it a \`passwordSecret\`.`,
                );
            }
            generated.set(secret, i);
        }
        if (typeof u.rules !== "string" || !ruleTokens(u.rules).length) {
            throw new ArgumentError(component, `${at}.rules`, 'must be ACL rules such as "~app:* +@read +@write".');
        }
        for (const token of ruleTokens(u.rules)) {
            if (/^[<>#!]/.test(token) || /^(on|off|nopass|resetpass|reset)$/i.test(token)) {
                throw new ArgumentError(
                    component,
                    `${at}.rules`,
                    `must not set passwords or the user's state (${JSON.stringify(token)}): the component manages both.`,
                );
            }
            if (/[\r\n"'`$\\]/.test(token))
                throw new ArgumentError(component, `${at}.rules`, `has a character ACL rules do not use in ${JSON.stringify(token)}.`);
        }
        const key = (u as RedisUserArgs).passwordSecret?.key;
        if (key !== undefined && (typeof key !== "string" || !/^[-._a-zA-Z0-9]+$/.test(key))) {
            throw new ArgumentError(
                component,
                `${at}.passwordSecret.key`,
                `must be a Secret key (letters, digits, '-', '_', '.'); got ${JSON.stringify(key)}.`,
            );
        }
    });
    return users;
}

/** The rules' tokens without a leading `on`: every user the component writes is `on` already. */
function ruleTokens(rules: string): string[] {
    const tokens = rules.trim().split(/\s+/).filter(Boolean);
    return /^on$/i.test(tokens[0]) ? tokens.slice(1) : tokens;
}

/** An application user's rules: from nothing, the user's rules, the hardening, then the user's explicit grants of hardened commands. */
export function applicationRules(rules: string): string {
    const tokens = ruleTokens(rules);
    const explicit = tokens.filter(t => new RegExp(`^\\+(${HARDENED_COMMANDS.join("|")})(\\|[a-z-]+)?$`, "i").test(t));
    return ["resetkeys", "resetchannels", "-@all", ...tokens, ...HARDENED_COMMANDS.map(c => `-${c}`), ...explicit].join(" ");
}

/** Environment variable holding application user i's password (from its Secret). */
export const userPasswordEnv = (i: number) => `KUBECACHE_USER_${i}_PASSWORD`;

/**
 * `users.list`, which scripts/runtime-conf.sh turns into the ACL file at start: `default` with the component's
 * password, the internal users with passwords derived from it, each application user with the name of the mounted
 * file (else the variable) that holds its password. Only hashes reach the ACL file; scripts/auth-reload.sh applies
 * later changes of those files.
 */
export function usersList(users: RedisUserSpec[]): string {
    return (
        [
            "default @password ~* &* +@all",
            ...Object.entries(INTERNAL_RULES).map(([u, rules]) => `${u} @derived ${rules}`),
            ...users.map((u, i) => `${u.name} ${userPasswordEnv(i)} ${applicationRules(u.rules)}`),
        ].join("\n") + "\n"
    );
}

/** redis.conf keys the component sets itself; `extraConfig` may not set them. */
export const OWNED_DIRECTIVES: (string | RegExp)[] = [
    "port",
    "bind",
    "dir",
    "requirepass",
    "masterauth",
    "masteruser",
    "aclfile",
    "user",
    "replicaof",
    "slaveof",
    "include",
    "rename-command",
    "protected-mode",
    "maxmemory",
    "maxmemory-policy",
    "appendonly",
    /^tls-/,
    /^min-replicas-/,
    /^min-slaves-/,
    /^replica-announce-/,
    /^slave-announce-/,
    /^unixsocket/,
];

/** Validates `extraConfig`; throws an ArgumentError naming `extraConfig.<key>`. */
export function validateExtraConfig(component: string, extra: Record<string, string> | undefined): Record<string, string> {
    if (extra === undefined) return {};
    if (typeof extra !== "object" || Array.isArray(extra))
        throw new ArgumentError(component, "extraConfig", "must map redis.conf directives to values.");
    for (const [k, v] of Object.entries(extra)) {
        if (!/^[a-z][a-z0-9-]*$/.test(k))
            throw new ArgumentError(component, `extraConfig.${k}`, "is not a redis.conf directive name (lower-case letters, digits, '-').");
        if (OWNED_DIRECTIVES.some(d => (typeof d === "string" ? d === k : d.test(k)))) {
            throw new ArgumentError(
                component,
                `extraConfig.${k}`,
                "is set by the component (ports, TLS, replication, authentication, data directory, memory, persistence): use its arguments instead.",
            );
        }
        if (typeof v !== "string" || /[\r\n]/.test(v) || v === "")
            throw new ArgumentError(component, `extraConfig.${k}`, `must be a one-line value; got ${JSON.stringify(v)}.`);
    }
    return extra;
}
