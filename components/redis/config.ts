/**
 * Pure renderers for Redis configuration and start scripts. Host names, ports and paths are
 * parameters so the tests run exactly this text with a real redis-server on 127.0.0.1.
 */

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
    /** Extra verbatim directives, one per entry. */
    extra?: string[];
}

export function renderRedisConf(o: RedisConfOptions): string {
    const lines = [
        `port ${o.port}`,
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
    redisServer?: string;
}

/** Appends `requirepass`/`masterauth` from `$REDIS_PASSWORD`, quoted for redis.conf, when it is set. */
const AUTH_SNIPPET = [
    'if [ -n "${REDIS_PASSWORD:-}" ]; then',
    '  quoted=$(printf \'%s\' "$REDIS_PASSWORD" | sed -e \'s/\\\\/\\\\\\\\/g\' -e \'s/"/\\\\"/g\')',
    '  printf \'requirepass "%s"\\nmasterauth "%s"\\n\' "$quoted" "$quoted" >>"$conf"',
    "fi",
];

/**
 * First lines of every Redis start script: a private runtime copy of the read-only template,
 * with `requirepass`/`masterauth` appended from `$REDIS_PASSWORD`; `$conf` names the copy.
 */
export function runtimeConfPrelude(configTemplate: string, runtimeDir: string): string[] {
    return [
        "#!/bin/sh",
        "set -eu",
        `conf="${runtimeDir}/redis.conf"`,
        `mkdir -p "${runtimeDir}"`,
        `cp "${configTemplate}" "$conf"`,
        'chmod 600 "$conf"',
        ...AUTH_SNIPPET,
    ];
}

/**
 * Start script of a Redis node: copies the template to a writable place, adds auth, and on
 * ordinals other than 0 adds `replicaof` (the seed's ordinal rule, with a stable DNS master).
 */
export function renderStartScript(o: StartScriptOptions): string {
    const lines = runtimeConfPrelude(o.configTemplate, o.runtimeDir);
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
    lines.push(`exec ${o.redisServer ?? "redis-server"} "$conf"`);
    return lines.join("\n") + "\n";
}
