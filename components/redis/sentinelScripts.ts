/**
 * Pure renderers for the Sentinel topology's start scripts and sentinel.conf. Every host and
 * port is a parameter: pods pass stable DNS names, the loopback tests pass 127.0.0.1 and
 * distinct ports (or network-namespace addresses), and both run exactly this text.
 */
import { RedisUserSpec, deriveFunction } from "./acl";
import { runtimeConfPrelude, serverBinaryLine } from "./config";
import { tlsConfLines } from "./tls";
import { FENCED_MIN_REPLICAS, ORPHAN_MASTER, SENTINEL_DEBUG_TIMINGS } from "./sentinelDefaults";
import { ShellTopology, hostList, probeLib, selfCase } from "./sentinelShell";

export { HostPort } from "./sentinelShell";

export interface SentinelTuning {
    /** Sentinel master-set name (Bitnami's `sentinel.masterSet`). */
    masterName: string;
    quorum: number;
    downAfterMilliseconds: number;
    failoverTimeoutMilliseconds: number;
    parallelSyncs: number;
}

export interface ScriptCommon extends ShellTopology {
    /** Shell expression giving this instance's ordinal (default: the `-N` suffix of `$HOSTNAME`). */
    ordinalExpr?: string;
    /** Read-only template copied to a writable runtime file. */
    configTemplate: string;
    runtimeDir: string;
}

/**
 * Directives a data node needs on top of the common redis.conf. A node starts fenced (it refuses
 * writes until its agent sees a majority of sentinels confirm it as master), so a master whose
 * agent is gone fails safe: it stops taking writes rather than risking a split brain.
 */
export function dataNodeConfExtra(minReplicasMaxLagSeconds: number): string[] {
    return [
        `min-replicas-to-write ${FENCED_MIN_REPLICAS}`,
        `min-replicas-max-lag ${minReplicasMaxLagSeconds}`,
        // Replicas resynchronise straight from the master's socket after a failover: no disk round trip.
        "repl-diskless-sync yes",
        "repl-diskless-sync-delay 0",
        "repl-ping-replica-period 1",
        "repl-timeout 5",
    ];
}

/** Global (not per-master) part of sentinel.conf; the start script adds the monitor lines. */
export function renderSentinelConf(o: { port: number; bind?: string; dir: string; tlsDir?: string }): string {
    return (
        [
            // tls-replication: the sentinel speaks TLS to the data nodes and to its peers too.
            ...(o.tlsDir ? tlsConfLines(o.port, o.tlsDir) : [`port ${o.port}`]),
            `bind ${o.bind ?? "* -::*"}`,
            "protected-mode no",
            `dir ${o.dir}`,
            // Pods change IPs on restart; their StatefulSet DNS names do not.
            "sentinel resolve-hostnames yes",
            "sentinel announce-hostnames yes",
        ].join("\n") + "\n"
    );
}

/** How long an orphaned replica waits for the sentinels before its agent may act: one full failover plus 5 s. */
export function selfMasterWaitSeconds(t: Pick<SentinelTuning, "downAfterMilliseconds" | "failoverTimeoutMilliseconds">): number {
    return Math.ceil((t.downAfterMilliseconds + t.failoverTimeoutMilliseconds) / 1000) + 5;
}

export interface DataStartOptions extends ScriptCommon {
    /** The data directory (the PVC or emptyDir mount); files there mean this node may hold data. */
    dataDir: string;
    /**
     * Seconds ordinal 0 of a set where nobody holds data waits for its peers to answer before it
     * starts an empty data set, so a peer that still holds a copy can speak up first.
     */
    peerWaitSeconds?: number;
    /** Application users of the ACL file (see acl.ts). */
    users?: RedisUserSpec[];
    redisServer?: string;
}

/**
 * Start script of a data node: a data-aware bootstrap. An empty node never becomes master while
 * any reachable peer holds data, whatever the sentinels say:
 * - the master a majority of sentinels names, once it answers as master → replicate from it;
 * - the sentinels name this node (it restarted faster than they noticed) → become master only if no
 *   peer holds data, else stay down until they fail over to a replica that has it;
 * - no sentinel majority → follow a peer that reports role:master; else, when some node holds data,
 *   start detached (`replicaof` a placeholder: it serves nothing and never syncs anyone) and let the
 *   agents promote the replica with the highest offset; else ordinal 0 starts a fresh data set.
 * While it waits, `<runtimeDir>/waiting` exists so the liveness probe does not restart it.
 */
export function renderDataStartScript(o: DataStartOptions): string {
    const first = o.nodes[0];
    const self = '"$self_host $self_port"';
    return (
        [
            ...runtimeConfPrelude(o.configTemplate, o.runtimeDir, o.users),
            ...selfCase(o.nodes, o.ordinalExpr ?? "${HOSTNAME##*-}"),
            ...probeLib(o),
            serverBinaryLine(o.redisServer),
            `has_local_data() { [ -s "${o.dataDir}/dump.rdb" ] || ls "${o.dataDir}"/appendonlydir/*.aof >/dev/null 2>&1; }`,
            'say() { echo "bootstrap: $*"; }',
            `waiting="${o.runtimeDir}/waiting"`,
            ': >"$waiting"',
            'mode="" master="" tries=0 last=""',
            "while :; do",
            "  S=$(sentinel_majority || true)",
            '  live="" live_keys=0 holders=0 answered=0',
            `  for n in ${o.nodes.map(n => `"${n.host} ${n.port}"`).join(" ")}; do`,
            `    [ "$n" = ${self} ] && continue`,
            "    st=$(node_state $n) || continue",
            "    answered=$((answered + 1))",
            "    set -- $st",
            '    [ "$3" -gt 0 ] && holders=$((holders + 1))',
            '    if [ "$1" = master ] && { [ -z "$live" ] || [ "$n" = "$S" ]; }; then live="$n"; live_keys=$3; fi',
            "  done",
            '  if [ -n "$S" ] && [ "$S" != ' + self + " ]; then",
            '    if [ "$live" = "$S" ]; then',
            '      if [ "$live_keys" -eq 0 ] && has_local_data; then mode=orphan; msg="the sentinels\' master $S holds no data but this node may: starting detached"; break; fi',
            '      master="$S"; break',
            "    fi",
            '    msg="the sentinels name $S, which does not answer as master yet"',
            '  elif [ -n "$S" ]; then',
            '    if [ "$holders" -eq 0 ]; then mode=master; msg="the sentinels name this node and no peer holds data"; break; fi',
            '    msg="the sentinels still name this node master and $holders peer(s) hold data: waiting for their failover"',
            "  else",
            '    if [ -n "$live" ]; then',
            '      if [ "$live_keys" -eq 0 ] && has_local_data; then mode=orphan; msg="master $live holds no data but this node may: starting detached"; break; fi',
            '      master="$live"; break',
            "    fi",
            '    if [ "$holders" -gt 0 ] || has_local_data; then mode=orphan; msg="no master, but data exists: starting detached for the agents to promote the best copy"; break; fi',
            '    if [ "$ordinal" != 0 ]; then master="' + `${first.host} ${first.port}` + '"; break; fi',
            `    if [ "$answered" -ge ${o.nodes.length - 1} ] || [ "$tries" -ge ${o.peerWaitSeconds ?? 10} ]; then mode=master; msg="no node holds data: starting a fresh data set"; break; fi`,
            '    msg="waiting for every peer to answer before starting a fresh data set"',
            "  fi",
            '  [ "$msg" = "$last" ] || say "$msg"',
            '  last="$msg" tries=$((tries + 1))',
            "  sleep 1",
            "done",
            'case "$mode" in',
            '  master) say "$msg: starting as master" ;;',
            `  orphan) say "$msg"; echo "replicaof ${ORPHAN_MASTER.host} ${ORPHAN_MASTER.port}" >>"$conf" ;;`,
            '  *) say "replicating from $master"; echo "replicaof $master" >>"$conf" ;;',
            "esac",
            'rm -f "$waiting"',
            'echo "replica-announce-ip $self_host" >>"$conf"',
            'echo "replica-announce-port $self_port" >>"$conf"',
            'exec "$SERVER" "$conf"',
        ].join("\n") + "\n"
    );
}

export interface SentinelStartOptions extends ScriptCommon, SentinelTuning {
    /** Seconds to wait for the chosen master's name to resolve (its pod may not exist yet). */
    resolveWaitSeconds?: number;
    /**
     * Seconds a sentinel that finds no peer sentinel with an answer waits for a data node to report
     * role:master (an agent promoting the best copy) before it falls back to ordinal 0.
     */
    masterWaitSeconds: number;
    /** Address the sentinel answers on inside its own pod, for the timing tune after start. */
    localHost?: string;
    redisSentinel?: string;
}

/**
 * Start script of a sentinel: learns the master from a peer sentinel, else from a data node
 * that reports role:master (waiting for one while data nodes settle), else ordinal 0; keeps its
 * `myid` across container restarts so peers do not accumulate ghosts; adds the password from
 * $REDIS_PASSWORD at runtime; once it answers, tightens Sentinel's internal periods
 * (`SENTINEL DEBUG`) so a failure is noticed within `down-after` + 0.1 s.
 */
export function renderSentinelStartScript(o: SentinelStartOptions): string {
    const n = o.masterName;
    const first = o.nodes[0];
    const tune = Object.entries(SENTINEL_DEBUG_TIMINGS)
        .map(([k, v]) => `${k} ${Math.min(v, o.downAfterMilliseconds)}`)
        .join(" ");
    return (
        [
            "#!/bin/sh",
            "set -eu",
            `conf="${o.runtimeDir}/sentinel.conf"`,
            `mkdir -p "${o.runtimeDir}"`,
            'myid=""',
            'if [ -f "$conf" ]; then myid=$(sed -n "s/^sentinel myid //p" "$conf" | head -n 1); fi',
            ...selfCase(o.sentinels, o.ordinalExpr ?? "${HOSTNAME##*-}"),
            ...probeLib(o),
            `SENTINEL_BIN=${o.redisSentinel ? `"${o.redisSentinel}"` : "$(command -v redis-sentinel || command -v valkey-sentinel || echo redis-sentinel)"}`,
            'master=$(ask_sentinels "$self_host" "$self_port" || true)',
            // The replicas a peer knows, so this sentinel can lead a failover before the master's INFO
            // has told it (the master may be the one that is down).
            'replicas=""',
            'if [ -n "$master" ]; then',
            `  for s in ${hostList(o.sentinels)}; do`,
            '    [ "$s" = "$self_host $self_port" ] && continue',
            "    set -- $s",
            `    replicas=$(cli -h "$1" -p "$2" --raw -d '|' SENTINEL REPLICAS ${n} | tr '|' '\\n' | awk 'k == "ip" { ip = $0 } k == "port" { print ip, $0 } { k = $0 }') && [ -n "$replicas" ] && break`,
            "  done",
            "fi",
            "tries=0",
            'while [ -z "$master" ]; do',
            "  master=$(find_master_node || true)",
            '  [ -n "$master" ] && break',
            `  if [ "$tries" -ge ${o.masterWaitSeconds} ]; then master="${first.host} ${first.port}"; echo "no data node reports master after ${o.masterWaitSeconds}s"; break; fi`,
            '  [ "$tries" -eq 0 ] && echo "no peer sentinel knows the master: waiting for a data node to report role:master"',
            "  tries=$((tries + 1)); sleep 1",
            '  master=$(ask_sentinels "$self_host" "$self_port" || true)',
            "done",
            'echo "monitoring $master"',
            // Sentinel refuses a monitor line whose host does not resolve, so wait for the pod's DNS.
            "tries=0",
            'case "${master% *}" in *[!0-9.]*) ;; *) tries=-1 ;; esac',
            'until [ "$tries" -lt 0 ] || getent hosts "${master% *}" >/dev/null 2>&1; do',
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
            `  printf '%s\\n' "$replicas" | while read -r rh rp; do if [ -n "$rh" ] && [ "$rh $rp" != "$master" ]; then echo "sentinel known-replica ${n} $rh $rp"; fi; done`,
            '} >"$conf.new"',
            'if [ -n "${REDIS_PASSWORD:-}" ]; then',
            "  quoted=$(printf '%s' \"$REDIS_PASSWORD\" | sed -e 's/\\\\/\\\\\\\\/g' -e 's/\"/\\\\\"/g')",
            `  ${deriveFunction()}`,
            // requirepass also serves as the password sentinels present to each other; towards the data
            // nodes they are the ACL user `sentinel`, which may do only what Sentinel needs.
            `  printf 'requirepass "%s"\\nsentinel auth-user ${n} sentinel\\nsentinel auth-pass ${n} %s\\n' "$quoted" "$(derive sentinel)" >>"$conf.new"`,
            "fi",
            'chmod 600 "$conf.new"',
            'mv "$conf.new" "$conf"',
            // Not persisted by Sentinel, so applied after every start; detached, so Sentinel does not
            // mistake it for one of its own script children.
            "( (",
            "  i=0",
            "  while [ $i -lt 150 ]; do",
            `    cli -h ${o.localHost ?? "127.0.0.1"} -p "$self_port" SENTINEL DEBUG ${tune} | grep -q OK && exit 0`,
            "    i=$((i + 1)); sleep 0.2",
            "  done",
            '  echo "could not apply SENTINEL DEBUG timings; running with Sentinel\'s defaults" >&2',
            ") & )",
            'exec "$SENTINEL_BIN" "$conf"',
        ].join("\n") + "\n"
    );
}
