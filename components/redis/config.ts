/**
 * Pure renderers for Redis configuration and start scripts. Host names, ports and paths are
 * parameters so the tests run exactly this text with a real redis-server on 127.0.0.1.
 */
import { RedisUserSpec, aclFileLines, deriveFunction } from "./acl";
import { tlsConfLines } from "./tls";

export interface RedisConfOptions {
    port: number;
    /** Data directory (the PVC or emptyDir mount). */
    dir: string;
    /** `maxmemory` in bytes; omitted when undefined. */
    maxmemoryBytes?: number;
    maxmemoryPolicy?: string;
    /** Append-only file on (durable across restarts when `dir` is persistent). */
    appendonly?: boolean;
    /** Address to bind; pods bind every interface, tests 127.0.0.1. */
    bind?: string;
    /** Serve `port` over TLS only, with `tls.crt`, `tls.key` and `ca.crt` from this directory. */
    tlsDir?: string;
    /** Extra verbatim directives the component itself adds, one per entry. */
    extra?: string[];
    /** The user's `extraConfig` directives (already checked against the ones the component owns). */
    extraConfig?: Record<string, string>;
}

export function renderRedisConf(o: RedisConfOptions): string {
    const lines = [
        ...(o.tlsDir ? tlsConfLines(o.port, o.tlsDir) : [`port ${o.port}`]),
        `bind ${o.bind ?? "* -::*"}`,
        // Auth is always configured at start from the Secret, so protected mode adds nothing.
        "protected-mode no",
        `dir ${o.dir}`,
        `appendonly ${o.appendonly === false ? "no" : "yes"}`,
        "appendfsync everysec",
        `save 900 1 300 10 60 10000`,
        "replica-read-only yes",
        "tcp-keepalive 60",
    ];
    if (o.maxmemoryBytes !== undefined) lines.push(`maxmemory ${o.maxmemoryBytes}`);
    if (o.maxmemoryBytes !== undefined) lines.push(`maxmemory-policy ${o.maxmemoryPolicy ?? "noeviction"}`);
    lines.push(...(o.extra ?? []));
    lines.push(...Object.entries(o.extraConfig ?? {}).map(([k, v]) => `${k} ${v}`));
    return lines.join("\n") + "\n";
}

export interface StartScriptOptions {
    /** The read-only rendered redis.conf (a ConfigMap mount). */
    configTemplate: string;
    /** Writable directory for the runtime copy that gets the password appended. */
    runtimeDir: string;
    /**
     * Master to replicate from for every ordinal but 0 (read from `$HOSTNAME`'s `-N` suffix).
     * Undefined for a standalone node.
     */
    master?: { host: string; port: number };
    /** Announce this name to the master instead of the pod IP (stable DNS of the pod). */
    announceHostExpr?: string;
    /** Application users of the ACL file (see acl.ts). */
    users?: RedisUserSpec[];
    redisServer?: string;
}

/**
 * First lines of every Redis start script: a private runtime copy of the read-only template and,
 * when `$REDIS_PASSWORD` is set, an ACL file written next to it (the `default` user with that
 * password, the internal users with passwords derived from it, the application users with theirs),
 * `aclfile` pointing at it and `masteruser`/`masterauth` for replication; `$conf` names the copy.
 */
export function runtimeConfPrelude(configTemplate: string, runtimeDir: string, users: RedisUserSpec[] = []): string[] {
    return [
        "#!/bin/sh",
        "set -eu",
        `conf="${runtimeDir}/redis.conf"`,
        `acl="${runtimeDir}/users.acl"`,
        `mkdir -p "${runtimeDir}"`,
        `cp "${configTemplate}" "$conf"`,
        'chmod 600 "$conf"',
        'if [ -n "${REDIS_PASSWORD:-}" ]; then',
        `  ${deriveFunction()}`,
        ...aclFileLines(users).map(l => `  ${l}`),
        '  printf \'aclfile %s\\nmasteruser replication\\nmasterauth %s\\n\' "$acl" "$(derive replication)" >>"$conf"',
        "fi",
    ];
}

/** `$SERVER`: the Redis or Valkey server binary of the image. */
export function serverBinaryLine(explicit?: string): string {
    return `SERVER=${explicit ? `"${explicit}"` : "$(command -v redis-server || command -v valkey-server || echo redis-server)"}`;
}

/**
 * Start script of a Redis node: copies the template to a writable place, adds auth, and on
 * ordinals other than 0 adds `replicaof` (the seed's ordinal rule, with a stable DNS master).
 */
export function renderStartScript(o: StartScriptOptions): string {
    const lines = runtimeConfPrelude(o.configTemplate, o.runtimeDir, o.users);
    if (o.master) {
        lines.push(
            'ordinal="${HOSTNAME##*-}"',
            'if [ "$ordinal" != "0" ]; then',
            `  echo "replicaof ${o.master.host} ${o.master.port}" >>"$conf"`,
            "fi",
        );
    }
    if (o.announceHostExpr) {
        lines.push(`echo "replica-announce-ip ${o.announceHostExpr}" >>"$conf"`);
    }
    lines.push(serverBinaryLine(o.redisServer), 'exec "$SERVER" "$conf"');
    return lines.join("\n") + "\n";
}
