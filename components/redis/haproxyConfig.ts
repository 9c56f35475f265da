/**
 * Pure renderer of the HAProxy configuration behind the unified endpoint, and its start script.
 *
 * A data node gets traffic only when (a) it answers `role:master` itself and (b) a majority of
 * sentinels name exactly its host and port in `SENTINEL get-master-addr-by-name`. Servers have
 * weight 0, so when no node passes both checks HAProxy refuses the connection instead of
 * load-balancing onto some node that merely claims to be master (an isolated old master).
 * Sessions to a node that stops passing the role check are cut, so clients reconnect to the
 * new master instead of writing into a replica or a demoted master.
 */
import { HostPort } from "./sentinelScripts";

export interface HaproxyOptions {
    nodes: HostPort[];
    sentinels: HostPort[];
    masterName: string;
    /** Port of the unified endpoint. */
    port: number;
    /** HTTP port answering `/healthz` for the pod's probes. */
    healthPort: number;
    /** Address to bind (default every interface). */
    bind?: string;
    /** Authenticate checks with `$REDIS_PASSWORD` (expanded by HAProxy from its environment). */
    auth: boolean;
    /**
     * Check interval of a data node passing its role check, in ms. Failing nodes and every sentinel
     * answer are re-checked ten times as often: that rate bounds how late HAProxy follows a failover.
     */
    checkIntervalMs?: number;
    /** Re-resolve server names through the pod's resolv.conf (pods move IPs on restart). */
    dnsResolvers?: boolean;
    /** Idle timeout of client and server sides, seconds. */
    idleTimeoutSeconds?: number;
}

/** Environment variable the start script sets to the password's byte length (RESP framing). */
export const PASSWORD_LENGTH_ENV = "REDIS_PASSWORD_LEN";

/**
 * `AUTH <password>` as a RESP array, so any password (spaces, quotes) goes through verbatim.
 * `\x24` is `$`, which HAProxy would otherwise read as the start of a variable.
 */
const AUTH_SEND = `tcp-check send "*2\\r\\n\\x244\\r\\nAUTH\\r\\n\\x24\${${PASSWORD_LENGTH_ENV}}\\r\\n\${REDIS_PASSWORD}\\r\\n"`;

/**
 * A regular expression matching a host name or IP literally, written without backslashes
 * (HAProxy's config parser would consume them first).
 */
export function literalRegex(host: string): string {
    if (!/^[A-Za-z0-9.:-]+$/.test(host)) throw new Error(`not a host name or IP: ${JSON.stringify(host)}`);
    return host.replace(/\./g, "[.]");
}

/** The majority of sentinels that must agree before a node gets traffic. */
export function sentinelMajority(sentinels: number): number {
    return Math.floor(sentinels / 2) + 1;
}

/**
 * Node i gets traffic when it passes its role check, a majority of sentinels name it, and no other
 * node also has a majority. Fresh answers can give only one node a majority; the last clause covers
 * the moment after a failover when the old master's "yes" has not been re-checked yet (and a frozen
 * old master has just woken up still claiming master): then nobody gets traffic, briefly.
 */
export function useServerCondition(i: number, nodes: number, majority: number): string {
    const others = Array.from({ length: nodes }, (_, j) => j).filter(j => j !== i);
    return [
        `{ srv_is_up(node${i}) }`,
        `{ nbsrv(sentinels_name_node${i}) ge ${majority} }`,
        ...others.map(j => `!{ nbsrv(sentinels_name_node${j}) ge ${majority} }`),
    ].join(" ");
}

export function renderHaproxyCfg(o: HaproxyOptions): string {
    if (!/^[A-Za-z0-9._-]+$/.test(o.masterName)) throw new Error(`invalid master name ${JSON.stringify(o.masterName)}`);
    const inter = o.checkIntervalMs ?? 1000;
    const fast = Math.max(100, Math.round(inter / 10));
    const bind = o.bind ?? "";
    const idle = o.idleTimeoutSeconds ?? 3600;
    const resolve = o.dnsResolvers ? " resolvers cluster resolve-prefer ipv4 init-addr last,libc,none" : "";
    const auth = o.auth ? [`    ${AUTH_SEND}`, "    tcp-check expect string +OK"] : [];
    const serverOpts = `check inter ${inter}ms fastinter ${fast}ms downinter ${fast}ms rise 1 fall 1${resolve}`;
    // Sentinel answers are re-read at the fast rate even while up, so a stale "yes" for the old
    // master lasts at most one short interval.
    const sentinelOpts = `check inter ${fast}ms rise 1 fall 1${resolve}`;
    const majority = sentinelMajority(o.sentinels.length);
    const lines = [
        "global",
        "    maxconn 4096",
        "",
        "defaults",
        "    mode tcp",
        "    timeout connect 2s",
        `    timeout client ${idle}s`,
        `    timeout server ${idle}s`,
        `    timeout check ${Math.max(500, inter)}ms`,
        "",
    ];
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
        `    bind ${bind}:${o.healthPort}`,
        "    monitor-uri /healthz",
        "",
    );
    o.nodes.forEach((node, i) => {
        // Servers of this backend are the sentinels; one is up while it names node i as master.
        // The whole reply is matched, anchored, and `min-recv` makes a mismatch of that length
        // conclusive at once: without it HAProxy waits for `timeout check` on every "no".
        const port = String(node.port);
        const reply = `*2\r\n$${node.host.length}\r\n${node.host}\r\n$${port.length}\r\n${port}\r\n`;
        const answer = `^[*]2\\r\\n[$]${node.host.length}\\r\\n${literalRegex(node.host)}\\r\\n[$]${port.length}\\r\\n${port}\\r\\n`;
        lines.push(
            `backend sentinels_name_node${i}`,
            "    option tcp-check",
            "    tcp-check connect",
            ...auth,
            `    tcp-check send "SENTINEL get-master-addr-by-name ${o.masterName}\\r\\n"`,
            `    tcp-check expect min-recv ${Buffer.byteLength(reply)} rstring ${answer}`,
            '    tcp-check send "QUIT\\r\\n"',
            ...o.sentinels.map((s, j) => `    server sentinel${j} ${s.host}:${s.port} ${sentinelOpts}`),
            "",
        );
    });
    lines.push(
        "frontend redis",
        `    bind ${bind}:${o.port}`,
        "    default_backend redis_master",
        "",
        "backend redis_master",
        "    option tcp-check",
        "    tcp-check connect",
        ...auth,
        '    tcp-check send "INFO replication\\r\\n"',
        // INFO starts with `$<len>`, `# Replication`, then the role line; every reply is longer than 64 bytes.
        "    tcp-check expect min-recv 64 rstring ^[$][0-9]+\\r\\n#.Replication\\r\\nrole:master\\r\\n",
        '    tcp-check send "QUIT\\r\\n"',
        ...o.nodes.map((_n, i) => `    use-server node${i} if ${useServerCondition(i, o.nodes.length, majority)}`),
        ...o.nodes.map((n, i) => `    server node${i} ${n.host}:${n.port} weight 0 on-marked-down shutdown-sessions ${serverOpts}`),
        "",
    );
    return lines.join("\n");
}

/** Start script: exports the password length for the RESP AUTH frame, then runs HAProxy in the foreground. */
export function renderHaproxyStartScript(o: { config: string; haproxy?: string }): string {
    return [
        "#!/bin/sh",
        "set -eu",
        `${PASSWORD_LENGTH_ENV}=$(printf '%s' "\${REDIS_PASSWORD:-}" | wc -c | tr -d ' ')`,
        `export ${PASSWORD_LENGTH_ENV}`,
        `exec ${o.haproxy ?? "haproxy"} -db -f "${o.config}"`,
    ].join("\n") + "\n";
}
