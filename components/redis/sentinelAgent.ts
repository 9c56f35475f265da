/**
 * Renderer of the fencing agent: a sidecar in every data pod (same image, same network view as
 * its Redis) that decides whether its node may take writes.
 *
 * A master takes writes only while a majority of sentinels, asked every `pollMs`, name exactly
 * this node with clean flags and none reports it `o_down` or `failover_in_progress`. Otherwise the
 * agent fences it — `min-replicas-to-write` above any possible replica count, so writes get
 * NOREPLICAS, and every client connection cut so nobody stays on it — in one pipelined write, so
 * even a frozen node executes the fence before anything that arrives after it. Cut off from the
 * sentinels, a master is fenced within `fresh + lease + poll` ≤ `down-after / 2`, long before they
 * can promote a replica; HAProxy's write check then takes it out of the endpoint.
 *
 * Replicas stay fenced, so a promoted replica takes writes only once the sentinels confirm it.
 * When fewer than a majority of sentinels answer for a whole failover window (they are down, or
 * restarted and lost their state), no failover can happen: a detached replica follows a reachable
 * master, or — seeing a majority of data nodes and no master — the replica with the highest
 * replication offset promotes itself (fenced until sentinels confirm it), so the data set
 * survives as long as one copy does and the replicas stay in sync for the sentinels' return. A
 * detached node follows the master a sentinel majority names, since no sentinel lists it.
 *
 * The sentinel and local answers come from persistent `redis-cli -r` streams (no process per
 * poll), time from /proc/uptime, so a poll costs no fork but the loop's `sleep`.
 */
import { FENCED_MIN_REPLICAS, OPEN_MIN_REPLICAS, ORPHAN_MASTER, agentTiming } from "./sentinelDefaults";
import { ShellTopology, hostList, majorityOf, probeLib, selfCase } from "./sentinelShell";

/** How often (centiseconds) a replica asks its upstream whether it is a master. */
const CHAIN_CHECK_CS = 300;
/** How often (centiseconds) a replica whose upstream no sentinel majority names looks at who they name instead. */
const MOVED_CHECK_CS = 30;

export interface AgentOptions extends ShellTopology {
    downAfterMilliseconds: number;
    /**
     * After a sentinel reported this master down or failing over, it stays fenced this long even if
     * the reports clear: a failover in progress is known only to its leader, whose answer may be
     * late, while the other sentinels still name the old master.
     */
    failoverTimeoutMilliseconds: number;
    /** Seconds a detached node waits without any sentinel answer before the agents act on their own. */
    orphanSeconds: number;
    /** Directory for the agent's state files (a memory-backed emptyDir). */
    stateDir: string;
    /** Shell expression giving the ordinal (default: the `-N` suffix of `$HOSTNAME`). */
    ordinalExpr?: string;
    /** Address of this node's Redis from inside its pod. */
    localHost?: string;
}

/** A RESP frame for `printf`'s format string (no `%` or `\` may appear in the arguments). */
function respPrintf(commands: string[][]): string {
    return commands.map(args => `*${args.length}\\r\\n` + args.map(a => `$${a.length}\\r\\n${a}\\r\\n`).join("")).join("");
}

const FENCE_FRAME = respPrintf([
    ["CONFIG", "SET", "min-replicas-to-write", String(FENCED_MIN_REPLICAS)],
    ["CLIENT", "KILL", "TYPE", "normal"],
    ["CLIENT", "KILL", "TYPE", "pubsub"],
]);

export function renderAgentScript(o: AgentOptions): string {
    const t = agentTiming(o.downAfterMilliseconds);
    const cs = (ms: number) => Math.max(1, Math.round(ms / 10));
    const poll = (t.pollMs / 1000).toFixed(3);
    const local = o.localHost ?? "127.0.0.1";
    const s = o.sentinels.length;
    return (
        [
            "#!/bin/sh",
            "set -u",
            `state="${o.stateDir}"`,
            'mkdir -p "$state"',
            // Every fresh answer wakes the decision loop, so it reacts within one answer, not one tick.
            'rm -f "$state/wake"; mkfifo "$state/wake"; exec 3<>"$state/wake"',
            ...selfCase(o.nodes, o.ordinalExpr ?? "${HOSTNAME##*-}"),
            ...probeLib(o),
            `lcli() { timeout 0.5 "$CLI" --no-auth-warning${(o.cliArgs ?? []).map(a => ` ${a}`).join("")} -h ${local} -p "$self_port" "$@" 2>/dev/null; }`,
            'say() { echo "agent: $(date +%H:%M:%S.%3N) $*"; }',
            // Centiseconds since boot, without a fork.
            "now() { read _up _rest </proc/uptime; _now=${_up%.*}${_up#*.}; }",
            `FRESH=${cs(t.freshMs)} LEASE=${cs(t.leaseMs)} RESTART=${cs(t.restartMs)} ORPHAN=${o.orphanSeconds * 100}`,
            `MAJ=${majorityOf(s)} NODE_MAJ=${majorityOf(o.nodes.length)} HOLD=${cs(o.failoverTimeoutMilliseconds)} CHAIN=${CHAIN_CHECK_CS} MOVED=${MOVED_CHECK_CS}`,
            "",
            "watch_sentinel() {",
            "  while :; do",
            `    cli_stream -h "$2" -p "$3" --raw -d '|' -r -1 -i ${poll} SENTINEL MASTER ${o.masterName} </dev/null &`,
            '    echo $! >"$state/s$1.pid"',
            "    wait $!",
            "    sleep 0.2",
            "  done 2>/dev/null | while IFS='|' read -r _ _ _ ip _ port _ _ _ flags _; do",
            '    now; echo "$_now $ip $port $flags" >"$state/s$1"; echo >&3',
            "  done",
            "}",
            "watch_local() {",
            "  while :; do",
            `    cli_stream -h ${local} -p "$self_port" --raw -d '|' -r -1 -i ${poll} ROLE </dev/null &`,
            '    echo $! >"$state/local.pid"',
            "    wait $!",
            '    now; echo "$_now" >"$state/local.restarted"',
            "    sleep 0.2",
            "  done 2>/dev/null | while IFS='|' read -r role a b c d _; do",
            '    now; echo "$_now $role $a $b $c $d" >"$state/local"; echo >&3',
            "  done",
            "}",
            "",
            // What the node runs with, after a restart of it or of the stream.
            "sync_state() {",
            "  v=$(lcli CONFIG GET min-replicas-to-write | sed -n 2p)",
            '  case "$v" in',
            `    ${FENCED_MIN_REPLICAS}) fence_state=fenced ;;`,
            '    "") fence_state=unknown ;;',
            "    *) fence_state=open ;;",
            "  esac",
            "}",
            "fence_master() {",
            "  tried=$_now",
            `  if printf '${FENCE_FRAME}' | lcli --pipe | grep -q 'errors: 0'; then`,
            '    fence_state=fenced; say "fenced: $1"',
            "  else",
            // A frozen node still has the frame queued; its next answer settles the state.
            "    fence_state=unknown",
            "  fi",
            "}",
            "fence_replica() {",
            `  lcli CONFIG SET min-replicas-to-write ${FENCED_MIN_REPLICAS} | grep -q OK && fence_state=fenced`,
            "}",
            "unfence() {",
            `  if lcli CONFIG SET min-replicas-to-write ${OPEN_MIN_REPLICAS} | grep -q OK; then`,
            '    fence_state=open; say "taking writes: $ok of ' + s + ' sentinels confirm this master"',
            "  fi",
            "}",
            "run_id_of() { cli -h \"$1\" -p \"$2\" INFO server | tr -d '\\r' | sed -n 's/^run_id://p'; }",
            // The sentinels switched to another master without reconfiguring this replica: it was down in
            // their view when the failover ended (a restarted pod they had not reconnected to yet), so
            // the failover did not wait for it, and their repair (+fix-slave-config) waits a failover
            // timeout. Meanwhile the new master has one replica fewer, or none: it refuses writes.
            "moved_on() {",
            '  [ -n "$la" ] && [ -n "$lb" ] || return',
            "  named_master=$(printf '%s' \"$answers\" | tr '|' '\\n' | sed '/^ *$/d' | sort | uniq -c | awk -v m=\"$MAJ\" '$1 >= m { print $2, $3; exit }')",
            '  [ -n "$named_master" ] && [ "$named_master" != "$la $lb" ] || return',
            // Another name for the same node (an address, not its DNS name) is no move.
            "  named_id=$(run_id_of $named_master) || return",
            '  [ -n "$named_id" ] && [ "$named_id" != "$(run_id_of "$la" "$lb")" ] || return',
            '  say "replicating from $la:$lb while a majority of sentinels name $named_master"',
            "  follow_named",
            "}",
            // A detached node is in no sentinel's list of replicas, so none will point it anywhere:
            // it follows the master a majority of them name, unless that master is empty and it is not.
            "follow_named() {",
            "  named_master=$(printf '%s' \"$answers\" | tr '|' '\\n' | sed '/^ *$/d' | sort | uniq -c | awk -v m=\"$MAJ\" '$1 >= m { print $2, $3; exit }')",
            '  [ -n "$named_master" ] && [ "$named_master" != "$self_host $self_port" ] || return',
            "  st=$(node_state $named_master) || return",
            "  set -- $st",
            '  [ "$1" = master ] || return',
            `  mine=$(node_state ${local} "$self_port" | cut -d' ' -f3)`,
            '  if [ "$3" -eq 0 ] && [ "${mine:-0}" -gt 0 ]; then say "the sentinels\' master $named_master is empty and this node is not: staying detached"; return; fi',
            '  say "following $named_master, the master a majority of sentinels name"',
            "  lcli REPLICAOF $named_master >/dev/null",
            "}",
            // Rules for when fewer than a majority of sentinels have answered for a whole failover
            // window: no failover can happen, so the agents keep the data set whole themselves.
            "resolve_alone() {",
            '  best="" best_off=-2 reachable=0 master_peer="" master_keys=0 holders=0 my_keys=0',
            `  for n in ${hostList(o.nodes)}; do`,
            '    if [ "$n" = "$self_host $self_port" ]; then st=$(node_state ' +
                local +
                ' "$self_port"); else st=$(node_state $n); fi || continue',
            "    reachable=$((reachable + 1))",
            "    set -- $st",
            '    [ "$n" = "$self_host $self_port" ] && my_keys=$3',
            '    if [ "$1" = master ] && [ "$n" != "$self_host $self_port" ]; then master_peer="$n"; master_keys=$3; fi',
            '    if [ "$3" -gt 0 ]; then holders=$((holders + 1)); if [ "$2" -gt "$best_off" ]; then best="$n"; best_off=$2; fi; fi',
            "  done",
            '  if [ "$role" = master ]; then',
            // An empty master no sentinel confirms must not hide a copy that exists elsewhere.
            '    if [ "$my_keys" -eq 0 ] && [ "$holders" -gt 0 ]; then',
            '      say "no sentinel majority answers, this master is empty and $holders peer(s) hold data: detaching"',
            `      lcli REPLICAOF ${ORPHAN_MASTER.host} ${ORPHAN_MASTER.port} >/dev/null`,
            "    fi",
            "    return",
            "  fi",
            '  if [ -n "$master_peer" ]; then',
            '    if [ "$master_keys" -gt 0 ] || [ "$holders" -eq 0 ]; then',
            '      say "no sentinel majority answers: following master $master_peer"',
            "      lcli REPLICAOF $master_peer >/dev/null",
            "    fi",
            "    return",
            "  fi",
            '  if [ "$reachable" -lt "$NODE_MAJ" ]; then say "no sentinel majority answers and only $reachable data node(s) reachable: waiting"; return; fi',
            '  [ "$best" = "$self_host $self_port" ] || return',
            '  say "no sentinel majority and no master answers: promoting this node, the highest offset ($best_off) of $holders copies"',
            "  lcli REPLICAOF NO ONE >/dev/null",
            "}",
            "",
            "term=0; trap 'term=1' TERM INT",
            "i=0",
            `for s in ${hostList(o.sentinels)}; do`,
            '  echo 0 >"$state/s$i"; echo 0 >"$state/s$i.killed"; set -- $s; watch_sentinel $i "$1" "$2" &',
            "  i=$((i + 1))",
            "done",
            'echo 0 >"$state/local"; echo 0 >"$state/local.restarted"',
            "watch_local &",
            // Wakes the loop when every stream is silent (a partition), so leases still expire.
            `( while :; do sleep ${poll}; echo >&3; done ) &`,
            'fence_state=unknown last_ok=0 restarted_seen="" detached_since=0 alone_since=0 last_alone=0 chain_checked=0 tried=-1000 vetoed=-100000',
            'now; say "watching $self_host:$self_port"',
            "while :; do",
            "  read -r _ <&3 || continue",
            "  now",
            '  : >"$state/heartbeat"',
            '  role=unknown la="" lb="" lc=""',
            '  if read lt lrole la lb lc ld <"$state/local" 2>/dev/null && [ $((_now - lt)) -le "$FRESH" ]; then role=$lrole; fi',
            '  if read rt <"$state/local.restarted" 2>/dev/null && [ "$rt" != "$restarted_seen" ]; then restarted_seen=$rt; fence_state=unknown; fi',
            '  ok=0 reach=0 veto=0 named=0 up_named=0 j=0 answers=""',
            `  while [ $j -lt ${s} ]; do`,
            '    if read st sip sport sflags <"$state/s$j" 2>/dev/null; then',
            '      if [ $((_now - st)) -le "$FRESH" ]; then',
            '        reach=$((reach + 1)) answers="$answers|$sip $sport"',
            '        [ "$sip $sport" = "$la $lb" ] && up_named=$((up_named + 1))',
            '        if [ "$sip" = "$self_host" ] && [ "$sport" = "$self_port" ]; then',
            "          named=$((named + 1))",
            '          case ",$sflags," in',
            "            *,o_down,*|*,failover_in_progress,*) veto=1 ;;",
            // `disconnected` is the sentinel's own link, new right after it switched to this node.
            "            *,s_down,*) ;;",
            "            *,master,*) ok=$((ok + 1)) ;;",
            "          esac",
            "        fi",
            // A stream silent this long may sit on a dead connection: restart it.
            '      elif [ $((_now - st)) -gt "$RESTART" ]; then',
            '        read kt <"$state/s$j.killed" 2>/dev/null || kt=0',
            '        if [ $((_now - kt)) -gt "$RESTART" ] && read spid <"$state/s$j.pid" 2>/dev/null; then',
            '          kill "$spid" 2>/dev/null; echo "$_now" >"$state/s$j.killed"',
            "        fi",
            "      fi",
            "    fi",
            "    j=$((j + 1))",
            "  done",
            '  [ "$veto" -eq 1 ] && vetoed=$_now',
            '  [ $((_now - vetoed)) -lt "$HOLD" ] && veto=1',
            '  if [ "$reach" -lt "$MAJ" ]; then [ "$alone_since" -ne 0 ] || alone_since=$_now; else alone_since=0; fi',
            '  alone=0; [ "$alone_since" -ne 0 ] && [ $((_now - alone_since)) -ge "$ORPHAN" ] && alone=1',
            '  if [ "$role" = slave ]; then',
            // The hold after a down/failover report guards the master being failed over; once this node
            // is a replica that failover is over, and a stale hold would keep it fenced when promoted again.
            "    last_ok=0 vetoed=$((_now - HOLD))",
            '    [ "$fence_state" = unknown ] && sync_state',
            '    [ "$fence_state" = fenced ] || fence_replica',
            `    if [ "$lc" = connected ] && [ "$la" != "${ORPHAN_MASTER.host}" -o "$lb" != "${ORPHAN_MASTER.port}" ]; then detached_since=0`,
            '    else [ "$detached_since" -ne 0 ] || detached_since=$_now; fi',
            '    if [ "$alone" -eq 1 ] && [ "$detached_since" -ne 0 ] && [ $((_now - detached_since)) -ge "$ORPHAN" ] && [ $((_now - last_alone)) -ge 100 ]; then',
            "      last_alone=$_now; resolve_alone",
            `    elif [ "$la $lb" = "${ORPHAN_MASTER.host} ${ORPHAN_MASTER.port}" ] && [ "$reach" -ge "$MAJ" ] && [ $((_now - last_alone)) -ge 100 ]; then`,
            "      last_alone=$_now; follow_named",
            '    elif [ "$reach" -ge "$MAJ" ] && [ "$up_named" -lt "$MAJ" ] && [ $((_now - chain_checked)) -ge "$MOVED" ]; then',
            "      chain_checked=$_now; moved_on",
            // Chained under a node that is itself a replica (its master restarted and rejoined while the
            // sentinels had lost their state): sentinels list only the master's direct replicas, so none
            // would ever re-point this one. Checked every CHAIN, a connection to the upstream, not per poll.
            '    elif [ "$lc" = connected ] && [ "$reach" -ge "$MAJ" ] && [ $((_now - chain_checked)) -ge "$CHAIN" ]; then',
            "      chain_checked=$_now",
            '      up=$(node_state "$la" "$lb" | cut -d\' \' -f1)',
            '      if [ "$up" = slave ]; then say "replicating from $la:$lb, itself a replica"; follow_named; fi',
            "    fi",
            '  elif [ "$veto" -eq 0 ] && [ "$ok" -ge "$MAJ" ]; then',
            "    last_ok=$_now",
            '    if [ "$role" = master ]; then',
            "      detached_since=0",
            '      [ "$fence_state" = unknown ] && sync_state',
            '      [ "$fence_state" = open ] || unfence',
            "    fi",
            "  else",
            // A node that did not answer this time keeps its detached clock: only a master resets it.
            '    [ "$role" = master ] && detached_since=0',
            '    why=""',
            '    if [ "$veto" -eq 1 ]; then why="a sentinel reports this master down or failing over"',
            '    elif [ $((_now - last_ok)) -ge "$LEASE" ]; then why="$ok of ' +
                s +
                ' sentinels confirm this master ($reach answering)"; fi',
            // A node that does not answer is fenced only if the sentinels take it for the master (it
            // may be frozen: the frame waits in its socket and runs first when it wakes up).
            '    [ "$role" = master ] || [ "$named" -gt 0 ] || why=""',
            '    if [ -n "$why" ]; then',
            '      [ "$fence_state" = unknown ] && [ "$role" = master ] && sync_state',
            '      if [ "$fence_state" != fenced ] && { [ "$fence_state" != unknown ] || [ $((_now - tried)) -ge 100 ]; }; then fence_master "$why"; fi',
            "    fi",
            '    if [ "$role" = master ] && [ "$alone" -eq 1 ] && [ $((_now - last_alone)) -ge 100 ]; then last_alone=$_now; resolve_alone; fi',
            "  fi",
            // Stay through the pod's termination while this node is the master: the preStop hands over.
            '  if [ "$term" -eq 1 ] && [ "$role" != master ]; then say "stopping"; kill 0; exit 0; fi',
            "done",
        ].join("\n") + "\n"
    );
}
