#!/bin/sh
# The fencing agent: a sidecar in every data pod (same image, same network view as its Redis) that decides whether
# its node may take writes.
#
# A master takes writes only while a majority of sentinels confirm it: each sentinel's last answer naming exactly
# this node with clean flags counts from the moment it arrived, and the lease holds while a majority's answers are
# younger than KC_BUDGET_CS. Lapsed, the master is fenced softly (`min-replicas-to-write` above any replica count,
# so writes get NOREPLICAS; connections stay, and a fence that lifts costs clients only those writes). Evidence
# that another node is or becomes master (a sentinel reporting this one down or failing over, a majority naming
# another) fences it hard: the same, and every client connection cut, in one pipelined write, so even a frozen node
# executes it before anything that arrives after it. Cut off from the sentinels, a master is fenced within
# budget + poll <= down-after / 2, long before they can promote a replica. A decision loop that ran late (its
# container starved of CPU with its readers) does not take the staleness that caused for a cut.
#
# Replicas stay fenced, so a promoted replica takes writes only once the sentinels confirm it. When fewer than a
# majority of sentinels answer for a whole failover window (they are down, or restarted and lost their state), no
# failover can happen: a detached replica follows a reachable master, or — seeing a majority of data nodes and no
# master — the replica with the highest replication offset promotes itself (fenced until sentinels confirm it), so
# the data set survives as long as one copy does. A detached node follows the master a sentinel majority names,
# since no sentinel lists it.
#
# The sentinel and local answers come from persistent `redis-cli -r` streams (no process per poll), time from
# /proc/uptime (centiseconds), so a poll costs no fork but the loop's `sleep`.
set -u
here=$(dirname "$0")
# shellcheck source=/dev/null
. "${KC_TOPOLOGY:-$here/topology.env}"
# shellcheck source=lib.sh
. "$here/lib.sh"
# shellcheck source=agent-repair.sh
. "$here/agent-repair.sh"
# shellcheck source=agent-streams.sh
. "$here/agent-streams.sh"
self_of "$KC_NODES"

state=$KC_STATE_DIR
mkdir -p "$state"
# Every fresh answer wakes the decision loop, so it reacts within one answer, not one tick.
rm -f "$state/wake"
mkfifo "$state/wake"
exec 3<>"$state/wake"

# shellcheck disable=SC2086 # with the password of the moment (cli_auth): the agent outlives password rotations
lcli() { cli_auth && timeout 0.5 "$CLI" --no-auth-warning $KC_CLI_ARGS -h "$KC_LOCAL_HOST" -p "$self_port" "$@" 2>/dev/null; }
say() { echo "agent: $(date +%H:%M:%S.%3N) $*"; }
now() {
  read -r _up _rest </proc/uptime
  _now=${_up%.*}${_up#*.}
}
SENTINEL_COUNT=$(count_of "$KC_SENTINELS")
MAJ=$(majority_of "$SENTINEL_COUNT")
NODE_MAJ=$(majority_of "$(count_of "$KC_NODES")")
# How often (seconds) a replica asks its upstream whether it is a master, and how long (centiseconds) the sentinels
# must agree on another master before a replica follows it.
CHAIN=3 MOVED=30

# The fences as RESP frames, written once: `lcli --pipe` sends each in one write.
resp() {
  printf '*%d\r\n' $#
  for _a in "$@"; do printf '$%d\r\n%s\r\n' ${#_a} "$_a"; done
}
resp CONFIG SET min-replicas-to-write "$KC_FENCED_MIN_REPLICAS" >"$state/soft.frame"
{
  cat "$state/soft.frame"
  resp CLIENT KILL TYPE normal
  resp CLIENT KILL TYPE pubsub
} >"$state/hard.frame"

# What the node runs with, after a restart of it or of the stream.
sync_state() {
  v=$(lcli CONFIG GET min-replicas-to-write | sed -n 2p)
  case "$v" in
    "$KC_FENCED_MIN_REPLICAS") fence_state=fenced ;;
    "") fence_state=unknown ;;
    *) fence_state=open ;;
  esac
}
fence_master() { # why hard(0|1)
  tried=$_now
  if [ "$2" -eq 1 ]; then frame=$state/hard.frame next=fenced; else frame=$state/soft.frame next=soft; fi
  if lcli --pipe <"$frame" | grep -q 'errors: 0'; then
    fence_state=$next
    say "fenced ($next): $1"
  else
    # A frozen node still has the frame queued; its next answer settles the state.
    fence_state=unknown
  fi
}
fence_replica() {
  lcli CONFIG SET min-replicas-to-write "$KC_FENCED_MIN_REPLICAS" | grep -q OK && fence_state=fenced
}
unfence() {
  if lcli CONFIG SET min-replicas-to-write "$KC_OPEN_MIN_REPLICAS" | grep -q OK; then
    fence_state=open
    say "taking writes: $ok of $SENTINEL_COUNT sentinels confirm this master"
  fi
}

term=0
trap 'term=1' TERM INT
: >"$state/eager"
eager=1
i=0
for s in $KC_SENTINELS; do
  echo 0 >"$state/s$i"
  echo 0 >"$state/s$i.killed"
  watch_sentinel $i "${s%:*}" "${s##*:}" &
  i=$((i + 1))
done
echo 0 >"$state/local"
echo 0 >"$state/local.restarted"
watch_local &
: >"$state/upstream"
watch_upstream &
# Wakes the loop when every stream is silent (a partition, a frozen node), so leases still expire. Only a master has
# a lease to lose; a replica's ticks come once a second, since each tick is a process (`sleep`) and on a busy node
# those forks were half of an agent's CPU.
(while :; do
  if [ -e "$state/eager" ]; then sleep "$KC_POLL_SECONDS"; else sleep 1; fi
  echo >&3
done) &

fence_state=unknown restarted_seen="" detached_since=0 alone_since=0 last_alone=0 chain_checked=0 moved_since=0
tried=-1000 vetoed=-100000
now
last_loop=$_now settled=0
say "watching $self_host:$self_port"
while :; do
  read -r _ <&3 || continue
  now
  # A loop that ran this late was starved of CPU with its readers: the answers it finds are as old as the stall,
  # not evidence of a cut. The lease waits until the readers have had their turn. (A replica's loop runs at least
  # once a second.)
  if [ $((_now - last_loop)) -gt $((KC_STALL_CS + (1 - eager) * 100)) ]; then
    settled=$((_now + 2 * KC_POLL_CS))
    say "stalled for $(((_now - last_loop) * 10)) ms"
  fi
  last_loop=$_now
  : >"$state/heartbeat"
  role=unknown la="" lb="" lc="" lt=0
  # shellcheck disable=SC2034 # lrest: the rest of ROLE's answer
  if read -r lt lrole la lb lc lrest <"$state/local" 2>/dev/null && [ $((_now - lt)) -le "$KC_FRESH_CS" ]; then role=$lrole; fi
  if read -r rt <"$state/local.restarted" 2>/dev/null && [ "$rt" != "$restarted_seen" ]; then
    restarted_seen=$rt
    fence_state=unknown
  fi
  ok=0 reach=0 veto=0 named=0 up_named=0 other=0 j=0 answers="" confirms="" agreed=1 first=""
  while [ $j -lt "$SENTINEL_COUNT" ]; do
    if read -r st sip sport sflags <"$state/s$j" 2>/dev/null; then
      # The time of this sentinel's last answer if it confirms this master, else 0.
      c=0
      if [ "$sip" = "$self_host" ] && [ "$sport" = "$self_port" ]; then
        case ",$sflags," in *,o_down,* | *,failover_in_progress,* | *,s_down,*) ;; *,master,*) c=$st ;; esac
      fi
      confirms="$confirms $c"
      if [ $((_now - st)) -le "$KC_FRESH_CS" ]; then
        reach=$((reach + 1)) answers="$answers|$sip $sport"
        [ "$sip $sport" = "$la $lb" ] && up_named=$((up_named + 1))
        # Every answering sentinel names one master and none is failing one over (see moved_on).
        [ -n "$first" ] || first="$sip $sport"
        [ "$first" = "$sip $sport" ] || agreed=0
        case ",$sflags," in *,o_down,* | *,failover_in_progress,* | *,s_down,*) agreed=0 ;; esac
        if [ "$sip" = "$self_host" ] && [ "$sport" = "$self_port" ]; then
          named=$((named + 1))
          case ",$sflags," in
            *,o_down,* | *,failover_in_progress,*) veto=1 ;;
            # `disconnected` is the sentinel's own link, new right after it switched to this node.
            *,s_down,*) ;;
            *,master,*) ok=$((ok + 1)) ;;
          esac
        elif [ -n "$sip" ]; then
          other=$((other + 1))
        fi
      # A stream silent this long may sit on a dead connection: restart it. Not right after a stall: starved of
      # CPU with the loop, it was silent for that reason, and a new connection would only add to the load.
      elif [ $((_now - st)) -gt "$KC_RESTART_CS" ] && [ "$_now" -ge "$settled" ]; then
        read -r kt <"$state/s$j.killed" 2>/dev/null || kt=0
        if [ $((_now - kt)) -gt "$KC_RESTART_CS" ] && read -r spid <"$state/s$j.pid" 2>/dev/null; then
          kill "$spid" 2>/dev/null
          echo "$_now" >"$state/s$j.killed"
        fi
      fi
    fi
    j=$((j + 1))
  done
  # The newest time by which a majority of sentinels had confirmed this master: the lease runs from there, so
  # answers that arrive late or out of step still count as long as each is recent enough.
  tm=0
  for a in $confirms; do
    n=0
    for b in $confirms; do [ "$b" -ge "$a" ] && n=$((n + 1)); done
    [ "$n" -ge "$MAJ" ] && [ "$a" -gt "$tm" ] && tm=$a
  done
  # After a sentinel reported this master down or failing over, it stays fenced a failover timeout even if the
  # reports clear: a failover in progress is known only to its leader, whose answer may be late, while the other
  # sentinels still name the old master.
  [ "$veto" -eq 1 ] && vetoed=$_now
  [ $((_now - vetoed)) -lt "$KC_HOLD_CS" ] && veto=1
  # A replica whose upstream the sentinels do not name: acted on (moved_on) once every answering sentinel has named
  # the same other master for MOVED. While a failover runs they disagree — its leader re-points the replicas before
  # the others switch — and a replica re-pointed back to the old master would leave the new one without a replica
  # (it refuses writes) until the sentinels fix it again.
  if [ "$role" = slave ] && [ "$reach" -ge "$MAJ" ] && [ "$up_named" -lt "$MAJ" ] && [ "$agreed" -eq 1 ]; then
    [ "$moved_since" -ne 0 ] || moved_since=$_now
  else
    moved_since=0
  fi
  # A replica waiting out the sentinels' agreement on another master (moved_since) needs its ticks too.
  if [ "$role" = slave ] && [ "$moved_since" -eq 0 ]; then
    [ "$eager" -eq 0 ] || {
      rm -f "$state/eager"
      eager=0
    }
  else
    [ "$eager" -eq 1 ] || {
      : >"$state/eager"
      eager=1
    }
  fi
  if [ "$reach" -lt "$MAJ" ]; then
    [ "$alone_since" -ne 0 ] || alone_since=$_now
  else
    alone_since=0
  fi
  alone=0
  [ "$alone_since" -ne 0 ] && [ $((_now - alone_since)) -ge "$KC_ORPHAN_CS" ] && alone=1
  if [ "$role" = slave ]; then
    # The hold after a down/failover report guards the master being failed over; once this node is a replica that
    # failover is over, and a stale hold would keep it fenced when promoted again.
    vetoed=$((_now - KC_HOLD_CS))
    [ "$fence_state" = unknown ] && sync_state
    [ "$fence_state" = fenced ] || fence_replica
    if [ "$lc" = connected ] && [ "$la $lb" != "$KC_ORPHAN_MASTER" ]; then
      detached_since=0
    else
      [ "$detached_since" -ne 0 ] || detached_since=$_now
    fi
    if [ "$alone" -eq 1 ] && [ "$detached_since" -ne 0 ] && [ $((_now - detached_since)) -ge "$KC_ORPHAN_CS" ] && [ $((_now - last_alone)) -ge 100 ]; then
      last_alone=$_now
      resolve_alone
    elif [ "$la $lb" = "$KC_ORPHAN_MASTER" ] && [ "$reach" -ge "$MAJ" ] && [ $((_now - last_alone)) -ge 100 ]; then
      last_alone=$_now
      follow_named
    elif [ "$moved_since" -ne 0 ] && [ $((_now - moved_since)) -ge "$MOVED" ] && [ $((_now - chain_checked)) -ge "$MOVED" ]; then
      chain_checked=$_now
      moved_on
    # Chained under a node that is itself a replica (its master restarted and rejoined while the sentinels had
    # lost their state): sentinels list only the master's direct replicas, so none would ever re-point this one.
    # watch_upstream asks; acted on once per answer.
    elif [ "$lc" = connected ] && [ "$reach" -ge "$MAJ" ] && [ $((_now - chain_checked)) -ge 100 ]; then
      chain_checked=$_now
      if read -r ua ub up <"$state/upstream" 2>/dev/null && [ "$ua $ub $up" = "$la $lb slave" ]; then
        : >"$state/upstream"
        say "replicating from $la:$lb, itself a replica"
        follow_named
      fi
    fi
  elif [ "$veto" -eq 0 ] && [ "$ok" -ge "$MAJ" ]; then
    if [ "$role" = master ]; then
      detached_since=0
      [ "$fence_state" = unknown ] && sync_state
      [ "$fence_state" = open ] || unfence
    fi
  else
    # A node that did not answer this time keeps its detached clock: only a master resets it.
    [ "$role" = master ] && detached_since=0
    why="" hard=0
    if [ "$veto" -eq 1 ]; then
      why="a sentinel reports this master down or failing over" hard=1
    elif [ "$other" -ge "$MAJ" ]; then
      why="$other of $SENTINEL_COUNT sentinels name another master" hard=1
    elif [ $((_now - tm)) -ge "$KC_BUDGET_CS" ] && [ "$_now" -ge "$settled" ]; then
      why="no majority of sentinels confirmed this master in $((KC_BUDGET_CS * 10)) ms ($ok of $SENTINEL_COUNT now, $reach answering)"
    fi
    # A node that does not answer is fenced only if the sentinels take it for the master (it may be frozen: the
    # frame waits in its socket and runs first when it wakes up).
    [ "$role" = master ] || [ "$named" -gt 0 ] || why=""
    if [ -n "$why" ]; then
      [ "$fence_state" = unknown ] && [ "$role" = master ] && sync_state
      want=soft
      [ "$hard" -eq 1 ] && want=fenced
      if [ "$fence_state" != fenced ] && [ "$fence_state" != "$want" ] && { [ "$fence_state" != unknown ] || [ $((_now - tried)) -ge 100 ]; }; then
        fence_master "$why" "$hard"
      fi
    fi
    if [ "$role" = master ] && [ "$alone" -eq 1 ] && [ $((_now - last_alone)) -ge 100 ]; then
      last_alone=$_now
      resolve_alone
    fi
  fi
  # Stay through the pod's termination while this node is the master, or may be (its last answer is too old to
  # say, on a starved node): the preStop hands over, and a master that handed over is fenced hard from here. Once
  # its Redis has been silent for 3 s it is gone, and there is nothing left to guard.
  if [ "$term" -eq 1 ] && { [ "$role" = slave ] || { [ "$role" = unknown ] && [ $((_now - lt)) -ge 300 ]; }; }; then
    say "stopping"
    kill 0
    exit 0
  fi
done
