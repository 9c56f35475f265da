/**
 * Pure renderer of the HAProxy configuration behind the unified endpoints, and its start script.
 *
 * Write endpoint: a data node gets traffic only when it answers `role:master` and accepts a write
 * (a DEL of a key that never exists: a fenced node answers NOREPLICAS, a replica READONLY), and no
 * other node passes both. A master is writable only while its agent sees a majority of sentinels
 * confirm it (see sentinel/agent.ts), so HAProxy needs no sentinel checks of its own. Servers have
 * weight 0, so when no node passes, HAProxy refuses the connection at once instead of sending it to
 * some node that merely claims to be master; sessions to a node that fails are cut, so clients
 * reconnect to the new master.
 *
 * Read endpoint: balanced over replicas whose link to their master is up, falling back to the
 * write endpoint's choice when there is none.
 */
import { HostPort, WRITE_PROBE_KEY } from "../defaults";
import { haproxyCheckTls } from "../tls";
import { CheckAuth, authResp } from "./checkAuth";

export { CHECK_MAP_SEED, CheckAuth, renderHaproxyAuthLua } from "./checkAuth";

export interface HaproxyOptions {
    nodes: HostPort[];
    /** Port of the write endpoint. */
    port: number;
    /** Port of the read endpoint; none when omitted. */
    readPort?: number;
    /** HTTP port answering `/healthz` for the pod's probes. */
    healthPort: number;
    /** Address to bind (default every interface). */
    bind?: string;
    /** Authenticate the checks as the ACL user `haproxy`, with the password {@link checkAuth} says where to find. */
    auth: boolean;
    /** Where the checks' password is (with `auth`; see {@link renderHaproxyAuthLua}). */
    checkAuth?: CheckAuth;
    /**
     * Check interval of the node that passes, in ms; it bounds how late a fenced master leaves the
     * endpoint. Nodes that fail are re-checked every `downIntervalMs`: that bounds how late the
     * endpoint follows a failover.
     */
    checkIntervalMs?: number;
    downIntervalMs?: number;
    /** How long one check may take (default the check interval, at least 250 ms). */
    checkTimeoutMs?: number;
    /** Re-resolve server names through the pod's resolv.conf (pods move IPs on restart). */
    dnsResolvers?: boolean;
    /** Idle timeout of client and server sides, seconds. */
    idleTimeoutSeconds?: number;
    /** Connection and health-check logs on stdout (default on). */
    log?: boolean;
    /**
     * Path of the script from {@link renderHaproxyLua}: a client that connects while no node takes
     * writes is held until one does (at most `holdMs`), instead of being refused and left to its
     * reconnect back-off, which by the end of a failover waits ~0.5 s between attempts.
     */
    luaFile?: string;
    /** Longest hold of a client connection while no node takes writes (default 5000 ms). */
    holdMs?: number;
    /** Port of HAProxy's built-in Prometheus exporter (`/metrics`); none when omitted. */
    metricsPort?: number;
    /** The nodes serve TLS: checks run over TLS verified against this CA file; client traffic passes through. */
    tlsCaFile?: string;
    /** The nodes require a client certificate: the checks present this one (its key in the same folder, `.key`). */
    tlsClientCert?: string;
}

/**
 * The Lua script behind {@link HaproxyOptions.luaFile}: one task follows the master backend's checks, held
 * connections poll its verdict, and when a different node becomes the one that takes writes, the sessions still
 * open to any other node are cut, so their clients reconnect to it. A node that only stops passing its checks for a
 * while (a fence the agent lifts again, a slow check) keeps its sessions: its clients see refused writes, not a
 * dropped connection, and carry on when it passes again.
 */
export function renderHaproxyLua(o: { nodes: number; holdMs: number }): string {
    const names = Array.from({ length: o.nodes }, (_, i) => `"node${i}"`).join(", ");
    return (
        [
            "-- Rendered by kubecache (RedisSentinel): holds connections while no data node takes writes, and moves",
            "-- clients off a node once another one takes writes.",
            `local servers = { ${names} }`,
            "local one_up = false",
            "local current = nil",
            "core.register_task(function()",
            "    while true do",
            "        local up, who = 0, nil",
            '        local backend = core.backends["redis_master"]',
            "        for _, name in ipairs(servers) do",
            "            local status = backend.servers[name]:get_stats().status",
            // Weight-0 servers that pass their checks report DRAIN, not UP.
            '            if status ~= nil and (string.sub(status, 1, 2) == "UP" or string.sub(status, 1, 5) == "DRAIN") then',
            "                up = up + 1",
            "                who = name",
            "            end",
            "        end",
            "        one_up = (up == 1)",
            "        if one_up and who ~= current then",
            "            for _, name in ipairs(servers) do",
            "                if name ~= who then backend.servers[name]:shut_sess() end",
            "            end",
            "            current = who",
            "        end",
            "        core.msleep(20)",
            "    end",
            "end)",
            'core.register_action("hold_until_master", { "tcp-req" }, function(txn)',
            "    local waited = 0",
            `    while not one_up and waited < ${o.holdMs} do`,
            "        core.msleep(10)",
            "        waited = waited + 10",
            "    end",
            "end)",
        ].join("\n") + "\n"
    );
}

/** The checks' password source: undefined without `auth`; `auth` without `checkAuth` is a renderer misuse. */
function checkAuthOf(o: HaproxyOptions): CheckAuth | undefined {
    if (!o.auth) return undefined;
    if (!o.checkAuth) throw new Error("renderHaproxyCfg: `auth` needs `checkAuth` (where the check password is)");
    return o.checkAuth;
}

/** A RESP command inside a `tcp-check send` string, `$` written as `\x24`. */
function resp(args: string[]): string {
    for (const a of args) if (!/^[A-Za-z0-9:._-]+$/.test(a)) throw new Error(`not a plain RESP argument: ${JSON.stringify(a)}`);
    return `*${args.length}\\r\\n${args.map(a => `\\x24${a.length}\\r\\n${a}\\r\\n`).join("")}`;
}

/** Node i takes writes when its checks pass and no other node's do. */
export function useServerCondition(i: number, nodes: number, backend = "redis_master"): string {
    const others = Array.from({ length: nodes }, (_, j) => j).filter(j => j !== i);
    return [`{ srv_is_up(${backend}/node${i}) }`, ...others.map(j => `!{ srv_is_up(${backend}/node${j}) }`)].join(" ");
}

/**
 * One check is one request: every command in a single send (AUTH, for the master the probe DEL, INFO replication,
 * QUIT), the replies matched at once by one regex from the start of the buffer. A check then costs the connect and
 * one round trip, not four, so a slow link delays it by two one-way delays instead of eight.
 */
function checkLines(auth: CheckAuth | undefined, role: "master" | "replica", tls = false): string[] {
    // An explicit connect rule ignores the server line's check-ssl unless it says `default`.
    const lines = ["    option tcp-check", tls ? "    tcp-check connect default" : "    tcp-check connect"];
    // During a password rotation the check presents the previous password, then the current one: whichever the node
    // takes authenticates the connection (a failed AUTH leaves it as it was), so no node drops out of the endpoint
    // while the kubelets of its pod and of HAProxy's see the change at different moments.
    const send = [
        auth ? authResp(auth, "previous") + authResp(auth, "check") : "",
        role === "master" ? resp(["DEL", WRITE_PROBE_KEY]) : "",
        resp(["INFO", "replication"]),
        resp(["QUIT"]),
    ];
    lines.push(`    tcp-check ${auth ? "send-lf" : "send"} "${send.join("")}"`);
    // `+OK` of an AUTH or `-WRONGPASS` of the other (Valkey 8.1 sends no reply to a failed AUTH after one that
    // succeeded, hence one or two); for the master `:0` or `:1` of the DEL (a fenced master answers NOREPLICAS, a replica READONLY);
    // then INFO's `$<len>`, `# Replication` (`#` escaped, or HAProxy reads a comment) and the role line. `$` cannot be
    // written in an HAProxy regex (the parser takes it for a variable), so a `.` stands for it. Every reply is longer
    // than 64 bytes, so `min-recv 64` makes a refusal conclusive at once.
    const head = `^${auth ? "(\\+OK\\r\\n|-WRONGPASS[^\\r]*\\r\\n){1,2}" : ""}${role === "master" ? ":[01]\\r\\n" : ""}.[0-9]+\\r\\n\\#.Replication\\r\\n`;
    if (role === "master") lines.push(`    tcp-check expect min-recv 64 rstring ${head}role:master\\r\\n`);
    // A replica whose link is up and heard from its master in the last 9 s.
    else
        lines.push(
            `    tcp-check expect min-recv 64 rstring ${head}role:slave\\r\\nmaster_host:[^\\r]+\\r\\nmaster_port:[0-9]+\\r\\nmaster_link_status:up\\r\\nmaster_last_io_seconds_ago:[0-9]\\r\\n`,
        );
    return lines;
}

export function renderHaproxyCfg(o: HaproxyOptions): string {
    const inter = o.checkIntervalMs ?? 500;
    const down = o.downIntervalMs ?? 100;
    const bind = o.bind ?? "";
    const idle = o.idleTimeoutSeconds ?? 3600;
    const dns = o.dnsResolvers ? " resolvers cluster resolve-prefer ipv4 init-addr last,libc,none" : "";
    const resolve = dns + (o.tlsCaFile ? ` ${haproxyCheckTls(o.tlsCaFile, o.tlsClientCert)}` : "");
    const log = o.log ?? true;
    const lines = ["global", "    maxconn 4096"];
    // `crt tls.crt` finds its key in tls.key, as the Secret names them (HAProxy would look for tls.crt.key).
    if (o.tlsClientCert) lines.push("    ssl-load-extra-del-ext");
    if (log) lines.push("    log stdout format raw local0 info");
    if (o.luaFile) lines.push(`    lua-load ${o.luaFile}`);
    const checkAuth = checkAuthOf(o);
    if (checkAuth) lines.push(`    lua-load ${checkAuth.luaFile}`);
    lines.push(
        "",
        "defaults",
        "    mode tcp",
        ...(log ? ["    log global", "    option tcplog", "    option dontlognull", "    option log-health-checks"] : []),
        "    timeout connect 1s",
        `    timeout client ${idle}s`,
        `    timeout server ${idle}s`,
        `    timeout check ${o.checkTimeoutMs ?? Math.max(250, inter)}ms`,
        // A connection to a node that just died fails at once and the client retries; HAProxy's own
        // retries would hold it through their 1 s turn-around delay each.
        "    retries 0",
        "",
    );
    if (o.dnsResolvers) {
        lines.push(
            "resolvers cluster",
            "    parse-resolv-conf",
            "    resolve_retries 3",
            "    timeout resolve 1s",
            "    timeout retry 1s",
            "    hold valid 5s",
            "    hold obsolete 5s",
            "",
        );
    }
    lines.push(
        "frontend health",
        "    mode http",
        "    no log",
        `    bind ${bind}:${o.healthPort}`,
        "    monitor-uri /healthz",
        "",
        ...(o.metricsPort !== undefined
            ? [
                  "frontend metrics",
                  "    mode http",
                  "    no log",
                  `    bind ${bind}:${o.metricsPort}`,
                  "    http-request use-service prometheus-exporter if { path /metrics }",
                  "",
              ]
            : []),
        "frontend redis",
        `    bind ${bind}:${o.port}`,
        ...(o.luaFile
            ? [`    tcp-request inspect-delay ${(o.holdMs ?? 5000) + 1000}ms`, "    tcp-request content lua.hold_until_master"]
            : []),
        "    default_backend redis_master",
        "",
        "backend redis_master",
        ...checkLines(checkAuthOf(o), "master", o.tlsCaFile !== undefined),
        ...o.nodes.map((_n, i) => `    use-server node${i} if ${useServerCondition(i, o.nodes.length)}`),
        // A failed connection marks the node down at once rather than at its next check. With the Lua task, a node
        // marked down keeps its sessions until another node takes writes (see renderHaproxyLua); without it, they
        // are cut at once.
        ...o.nodes.map(
            (n, i) =>
                `    server node${i} ${n.host}:${n.port} weight 0${o.luaFile ? "" : " on-marked-down shutdown-sessions"} observe layer4 error-limit 1 on-error mark-down check inter ${inter}ms fastinter ${down}ms downinter ${down}ms rise 1 fall 1${resolve}`,
        ),
        "",
    );
    if (o.readPort !== undefined) {
        lines.push(
            "frontend redis_read",
            `    bind ${bind}:${o.readPort}`,
            "    default_backend redis_read",
            "",
            "backend redis_read",
            "    balance leastconn",
            ...checkLines(checkAuthOf(o), "replica", o.tlsCaFile !== undefined),
            // A node turning into a replica takes a sync anyway: re-checking it once a second is plenty.
            ...o.nodes.map(
                (n, i) =>
                    `    server replica${i} ${n.host}:${n.port} on-marked-down shutdown-sessions check inter ${Math.max(inter, 1000)}ms downinter 1000ms rise 1 fall 1${resolve}`,
            ),
            // The fall-back follows the write endpoint's checks instead of running its own.
            ...o.nodes.map((n, i) => `    server master${i} ${n.host}:${n.port} backup track redis_master/node${i}${dns}`),
            "",
        );
    }
    return lines.join("\n");
}

/** Start script: HAProxy in the foreground (the checks' password comes from the Lua loader, not the environment). */
export function renderHaproxyStartScript(o: { config: string; haproxy?: string }): string {
    return ["#!/bin/sh", "set -eu", `exec ${o.haproxy ?? "haproxy"} -db -f "${o.config}"`].join("\n") + "\n";
}
