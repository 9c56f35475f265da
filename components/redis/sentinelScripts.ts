/**
 * Pure renderers for the Sentinel topology's start scripts and sentinel.conf. Every host and
 * port is a parameter: pods pass stable DNS names, the loopback tests pass 127.0.0.1 and
 * distinct ports, and both run exactly this text.
 */
import { runtimeConfPrelude } from "./config";

/** One Redis or Sentinel instance; the array index is the StatefulSet ordinal. */
export interface HostPort {
    host: string;
    port: number;
}

export interface SentinelTuning {
    /** Sentinel master-set name (Bitnami's `sentinel.masterSet`). */
    masterName: string;
    quorum: number;
    downAfterMilliseconds: number;
    failoverTimeoutMilliseconds: number;
    parallelSyncs: number;
}

export interface ScriptCommon {
    /** Data nodes by ordinal. */
    nodes: HostPort[];
    /** Sentinels by ordinal. */
    sentinels: HostPort[];
    masterName: string;
    /** Shell expression giving this instance's ordinal (default: the `-N` suffix of `$HOSTNAME`). */
    ordinalExpr?: string;
    /** Read-only template copied to a writable runtime file. */
    configTemplate: string;
    runtimeDir: string;
    /** Seconds each probe of a peer may take (`timeout`), so no start blocks on a dead peer. */
    probeTimeoutSeconds?: number;
}

/** Directives a data node needs on top of the common redis.conf. */
export function dataNodeConfExtra(minReplicasMaxLagSeconds: number): string[] {
    return [
        // A master cut off from every replica stops taking writes after the lag, so a partitioned
        // old master cannot acknowledge writes that the failover is about to discard.
        "min-replicas-to-write 1",
        `min-replicas-max-lag ${minReplicasMaxLagSeconds}`,
        // Replicas resynchronise straight from the master's socket after a failover: no disk round trip.
        "repl-diskless-sync yes",
        "repl-diskless-sync-delay 0",
        "repl-ping-replica-period 1",
        "repl-timeout 5",
    ];
}

/** Global (not per-master) part of sentinel.conf; the start script adds the monitor lines. */
export function renderSentinelConf(o: { port: number; bind?: string; dir: string }): string {
    return [
        `port ${o.port}`,
        `bind ${o.bind ?? "* -::*"}`,
        "protected-mode no",
        `dir ${o.dir}`,
        // Pods change IPs on restart; their StatefulSet DNS names do not.
        "sentinel resolve-hostnames yes",
        "sentinel announce-hostnames yes",
    ].join("\n") + "\n";
}

/** Shell lines that pick `self_host`/`self_port` from the ordinal. */
function selfCase(list: HostPort[], ordinalExpr: string): string[] {
    return [
        `ordinal="${ordinalExpr}"`,
        'case "$ordinal" in',
        ...list.map((n, i) => `  ${i}) self_host="${n.host}"; self_port=${n.port} ;;`),
        '  *) echo "no address for ordinal $ordinal" >&2; exit 1 ;;',
        "esac",
    ];
}

/**
 * Shell functions shared by both start scripts. Every network call is wrapped in `timeout`, so
 * a start never hangs on a dead peer; redis-cli reads the password from REDISCLI_AUTH.
 */
function probeLib(o: ScriptCommon): string[] {
    const t = o.probeTimeoutSeconds ?? 2;
    return [
        "ask_sentinel() {",
        `  reply=$(timeout ${t} redis-cli --no-auth-warning -h "$1" -p "$2" --raw SENTINEL get-master-addr-by-name ${o.masterName} 2>/dev/null) || return 1`,
        "  h=$(printf '%s\\n' \"$reply\" | sed -n 1p)",
        "  p=$(printf '%s\\n' \"$reply\" | sed -n 2p)",
        '  case "$p" in ""|*[!0-9]*) return 1 ;; esac',
        '  [ -n "$h" ] || return 1',
        '  echo "$h $p"',
        "}",
        "is_master_node() {",
        `  timeout ${t} redis-cli --no-auth-warning -h "$1" -p "$2" INFO replication 2>/dev/null | tr -d '\\r' | grep -qx 'role:master'`,
        "}",
        // First answer from any sentinel other than `$1 $2` (the caller itself, for sentinels).
        "ask_sentinels() {",
        `  for s in ${o.sentinels.map(s => `"${s.host} ${s.port}"`).join(" ")}; do`,
        '    [ "$s" = "${1:-} ${2:-}" ] && continue',
        "    ask_sentinel $s && return 0",
        "  done",
        "  return 1",
        "}",
        // A data node (other than `$1 $2`) that reports role:master, for when no sentinel knows.
        "find_master_node() {",
        `  for n in ${o.nodes.map(n => `"${n.host} ${n.port}"`).join(" ")}; do`,
        '    [ "$n" = "${1:-} ${2:-}" ] && continue',
        '    is_master_node $n && { echo "$n"; return 0; }',
        "  done",
        "  return 1",
        "}",
    ];
}

/** How long a restarted node the sentinels still name master waits for their failover: one full failover plus 5 s. */
export function selfMasterWaitSeconds(t: Pick<SentinelTuning, "downAfterMilliseconds" | "failoverTimeoutMilliseconds">): number {
    return Math.ceil((t.downAfterMilliseconds + t.failoverTimeoutMilliseconds) / 1000) + 5;
}

export interface DataStartOptions extends ScriptCommon {
    /**
     * How long a restarted node waits while the sentinels still name it master (they have not
     * noticed it died yet). Starting as an empty master then would let replicas wipe their data.
     */
    selfMasterWaitSeconds: number;
    redisServer?: string;
}

/**
 * Start script of a data node. Restart-safe: asks the sentinels for the current master and
 * replicates from it; when no sentinel knows one, follows a peer that reports role:master;
 * only when there is none either does ordinal 0 start as master (others replicate from it).
 */
export function renderDataStartScript(o: DataStartOptions): string {
    const first = o.nodes[0];
    return [
        ...runtimeConfPrelude(o.configTemplate, o.runtimeDir),
        ...selfCase(o.nodes, o.ordinalExpr ?? "${HOSTNAME##*-}"),
        ...probeLib(o),
        "waited=0",
        "while :; do",
        '  master=$(ask_sentinels || true)',
        '  if [ "$master" = "$self_host $self_port" ]; then',
        `    if [ "$waited" -lt ${o.selfMasterWaitSeconds} ]; then`,
        '      [ "$waited" -eq 0 ] && echo "sentinels still name this node master; waiting for their failover"',
        "      waited=$((waited + 1)); sleep 1; continue",
        "    fi",
        '    echo "sentinels still name this node master after ${waited}s; starting as master"',
        '    master=""',
        '    break',
        "  fi",
        '  if [ -z "$master" ]; then',
        '    master=$(find_master_node "$self_host" "$self_port" || true)',
        `    if [ -z "$master" ] && [ "$ordinal" != "0" ]; then master="${first.host} ${first.port}"; fi`,
        "  fi",
        "  break",
        "done",
        'if [ -n "$master" ]; then',
        '  echo "replicating from $master"',
        '  echo "replicaof $master" >>"$conf"',
        "else",
        '  echo "starting as master"',
        "fi",
        'echo "replica-announce-ip $self_host" >>"$conf"',
        'echo "replica-announce-port $self_port" >>"$conf"',
        `exec ${o.redisServer ?? "redis-server"} "$conf"`,
    ].join("\n") + "\n";
}

export interface SentinelStartOptions extends ScriptCommon, SentinelTuning {
    /** Seconds to wait for the chosen master's name to resolve (its pod may not exist yet). */
    resolveWaitSeconds?: number;
    redisSentinel?: string;
}

/**
 * Start script of a sentinel: learns the master from a peer sentinel, else from a data node
 * that reports role:master, else ordinal 0; keeps its `myid` across container restarts so
 * peers do not accumulate ghosts; adds the password from $REDIS_PASSWORD at runtime.
 */
export function renderSentinelStartScript(o: SentinelStartOptions): string {
    const n = o.masterName;
    const first = o.nodes[0];
    return [
        "#!/bin/sh",
        "set -eu",
        `conf="${o.runtimeDir}/sentinel.conf"`,
        `mkdir -p "${o.runtimeDir}"`,
        'myid=""',
        'if [ -f "$conf" ]; then myid=$(sed -n "s/^sentinel myid //p" "$conf" | head -n 1); fi',
        ...selfCase(o.sentinels, o.ordinalExpr ?? "${HOSTNAME##*-}"),
        ...probeLib(o),
        'master=$(ask_sentinels "$self_host" "$self_port" || find_master_node || true)',
        `[ -n "$master" ] || master="${first.host} ${first.port}"`,
        'echo "monitoring $master"',
        // Sentinel refuses a monitor line whose host does not resolve, so wait for the pod's DNS.
        "tries=0",
        'until getent hosts "${master% *}" >/dev/null 2>&1; do',
        `  tries=$((tries + 1)); [ "$tries" -le ${o.resolveWaitSeconds ?? 60} ] || { echo "cannot resolve \${master% *}" >&2; exit 1; }`,
        "  sleep 1",
        "done",
        "{",
        `  cat "${o.configTemplate}"`,
        '  echo "sentinel announce-ip $self_host"',
        '  echo "sentinel announce-port $self_port"',
        '  [ -z "$myid" ] || echo "sentinel myid $myid"',
        `  echo "sentinel monitor ${n} $master ${o.quorum}"`,
        `  echo "sentinel down-after-milliseconds ${n} ${o.downAfterMilliseconds}"`,
        `  echo "sentinel failover-timeout ${n} ${o.failoverTimeoutMilliseconds}"`,
        `  echo "sentinel parallel-syncs ${n} ${o.parallelSyncs}"`,
        '} >"$conf.new"',
        'if [ -n "${REDIS_PASSWORD:-}" ]; then',
        "  quoted=$(printf '%s' \"$REDIS_PASSWORD\" | sed -e 's/\\\\/\\\\\\\\/g' -e 's/\"/\\\\\"/g')",
        // requirepass also serves as the password sentinels present to each other.
        `  printf 'requirepass "%s"\\nsentinel auth-pass ${n} "%s"\\n' "$quoted" "$quoted" >>"$conf.new"`,
        "fi",
        'chmod 600 "$conf.new"',
        'mv "$conf.new" "$conf"',
        `exec ${o.redisSentinel ?? "redis-sentinel"} "$conf"`,
    ].join("\n") + "\n";
}
