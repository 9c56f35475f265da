/**
 * Renderers of the Redis configuration and of the files a Redis container mounts. Host names, ports and paths are
 * parameters, so the loopback tests run exactly these files with a real server on 127.0.0.1.
 */
import { RedisUserSpec, usersList } from "./acl";
import { ShellExpression, hostPortList, renderEnv, shellScript } from "./scripts";
import { AUTH_DIR, AUTH_GRACE_SECONDS } from "./auth";
import { HostPort, REDIS_PORT } from "./defaults";
import { TLS_DIR, tlsCliArgs, tlsConfLines } from "./tls";

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
    /** With `tlsDir`: clients must present a certificate signed by the CA. */
    tlsClientAuth?: boolean;
    /** Extra verbatim directives the component itself adds, one per entry. */
    extra?: string[];
    /** The user's `extraConfig` directives (already checked against the ones the component owns). */
    extraConfig?: Record<string, string>;
}

export function renderRedisConf(o: RedisConfOptions): string {
    const lines = [
        ...(o.tlsDir ? tlsConfLines(o.port, o.tlsDir, o.tlsClientAuth) : [`port ${o.port}`]),
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

/** Where a Redis container finds its files, and what the start script needs besides them. */
export interface NodeFilesOptions {
    /** The rendered redis.conf (see {@link renderRedisConf}). */
    redisConf: string;
    /** Directory the files are mounted in (the ConfigMap). */
    confDir: string;
    /** Writable directory for the runtime copy that gets the users and passwords. */
    runtimeDir: string;
    /** Application users of the ACL file (see acl.ts). */
    users?: RedisUserSpec[];
    /**
     * Master to replicate from for every StatefulSet ordinal but 0 (read from `$HOSTNAME`'s `-N` suffix).
     * Undefined for a standalone node.
     */
    master?: { host: string; port: number };
    /** Name to announce to the master instead of the pod IP (the pod's stable DNS name), evaluated at start. */
    announceHost?: ShellExpression;
    /** Every data node of the set, which a password rotation waits for (none for a standalone node). */
    nodes?: HostPort[];
    /** The mounted password files (default AUTH_DIR) and the grace of a rotation (default AUTH_GRACE_SECONDS). */
    authDir?: string;
    authGraceSeconds?: number;
    /** The client's TLS flags towards peers (with `nodes` over TLS). */
    cliArgs?: string;
}

/**
 * The files of a RedisStandalone or RedisReplicated container: redis.conf, the start script with its shared runtime
 * step (scripts/start.sh, scripts/runtime-conf.sh), the users and the values the script sources.
 */
export function redisNodeFiles(o: NodeFilesOptions): Record<string, string> {
    return {
        "redis.conf": o.redisConf,
        "start.sh": shellScript("scripts/start.sh"),
        "runtime-conf.sh": shellScript("scripts/runtime-conf.sh"),
        "tls-reload.sh": shellScript("scripts/tls-reload.sh"),
        "auth-reload.sh": shellScript("scripts/auth-reload.sh"),
        "users.list": usersList(o.users ?? []),
        "topology.env": renderEnv({
            KC_CONF_TEMPLATE: `${o.confDir}/redis.conf`,
            KC_RUNTIME_DIR: o.runtimeDir,
            KC_MASTER: o.master ? `${o.master.host}:${o.master.port}` : undefined,
            KC_ANNOUNCE_HOST: o.announceHost,
            KC_NODES: o.nodes ? hostPortList(o.nodes) : undefined,
            KC_CLI_ARGS: o.cliArgs,
            KC_AUTH_DIR: o.authDir ?? AUTH_DIR,
            KC_AUTH_GRACE_SECONDS: o.authGraceSeconds ?? AUTH_GRACE_SECONDS,
        }),
    };
}

/**
 * {@link redisNodeFiles} for a RedisStandalone or RedisReplicated pod: its redis.conf from the component's resolved
 * arguments, at the paths those pods mount (`/etc/redis`, `/run/redis`, data in `/data`).
 */
export function podNodeFiles(
    c: {
        maxmemoryBytes?: number;
        maxmemoryPolicy: string;
        extraConfig: Record<string, string>;
        users: RedisUserSpec[];
        tls?: { clientAuth: boolean };
    },
    tls: boolean,
    replication?: Pick<NodeFilesOptions, "master" | "announceHost" | "nodes">,
): Record<string, string> {
    return redisNodeFiles({
        redisConf: renderRedisConf({
            port: REDIS_PORT,
            dir: "/data",
            maxmemoryBytes: c.maxmemoryBytes,
            maxmemoryPolicy: c.maxmemoryPolicy,
            tlsDir: tls ? TLS_DIR : undefined,
            tlsClientAuth: c.tls?.clientAuth,
            extraConfig: c.extraConfig,
        }),
        confDir: "/etc/redis",
        runtimeDir: "/run/redis",
        users: c.users,
        cliArgs: tls && replication?.nodes ? tlsCliArgs(TLS_DIR).join(" ") : undefined,
        ...replication,
    });
}
