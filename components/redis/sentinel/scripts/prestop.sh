#!/bin/sh
# The data container's preStop hook: a planned hand-over instead of an unplanned failover whenever the master's pod
# is stopped (rolling update, `kubectl delete`, node drain).
#
# A replica marks itself `replica-priority 0` (never to be promoted: it is going away, and pods stopped together — a
# scale-in, a drain — must not receive the master) and stops. The master:
# 1. picks the replica to hand over to among those not stopping — in a rolling update (highest ordinal first) one
#    with a higher ordinal is already updated, so it is preferred and the master is restarted once; among those, the
#    most up to date. When the replicas run more than one server version (a roll to another engine or version), the
#    master stays on its own version: it hands over to the lowest ordinal that runs it, which the roll reaches last,
#    so every replica is updated before the master and none ever syncs from a master whose RDB it may not read.
#    It gives the target `replica-priority 1` so Sentinel promotes it;
# 2. pauses writes (`CLIENT PAUSE WRITE`: clients wait instead of failing) and waits until the target has every byte
#    of the replication stream, so nothing acknowledged can be lost;
# 3. sends `SENTINEL FAILOVER`, timed so the sentinel's next once-a-second INFO of the target lands just after the
#    promotion instead of just before it (that INFO is what completes a failover; a miss costs a second);
# 4. waits until a majority of sentinels and the endpoint name another node, then lets Redis stop.
# Every step is bounded by KC_HANDOVER_BUDGET seconds (under terminationGracePeriodSeconds); on failure it unpauses
# and lets the pod stop, and the sentinels fail over as for a crash.
set -u
here=$(dirname "$0")
# shellcheck source=/dev/null
. "${KC_TOPOLOGY:-$here/topology.env}"
# shellcheck source=lib.sh
. "$here/lib.sh"
self_of "$KC_NODES"
# A pod's preStop output is discarded unless it goes somewhere the pod's log reads.
[ -z "${KC_PRESTOP_LOG:-}" ] || exec >>"$KC_PRESTOP_LOG" 2>&1

say() { echo "prestop: $(date +%H:%M:%S.%3N) $*"; }
lcli() { cli -h "$KC_LOCAL_HOST" -p "$self_port" "$@"; }
deadline=$(($(ms) + KC_HANDOVER_BUDGET * 1000))
me=$(lcli --raw -d '|' ROLE) || exit 0
case "$me" in master\|*) ;; *)
  lcli CONFIG SET replica-priority 0 >/dev/null
  say "not the master: marked not to be promoted, stopping"
  exit 0
  ;;
esac
# The priority of replica $1:$2 (0: stopping, never to be promoted).
priority_of() { cli -h "$1" -p "$2" --raw CONFIG GET replica-priority | sed -n 2p; }
myid=$(run_id_of "$KC_LOCAL_HOST" "$self_port")

# Connected replicas of this master, by ordinal: prefer higher ordinals, then the highest offset; with mixed server
# versions, the lowest ordinal on this master's version (see above).
mine_server=$(server_of "$KC_LOCAL_HOST" "$self_port")
target="" target_off=-1 target_up=0 j=0 same="" mixed=0
for n in $KC_NODES; do
  if [ "$(hp "$n")" != "$self_host $self_port" ]; then
    r=$(cli -h "${n%:*}" -p "${n##*:}" --raw -d '|' ROLE) || r=''
    case "$r" in
      "slave|$self_host|$self_port|connected|"*)
        [ "$(priority_of "${n%:*}" "${n##*:}")" != 0 ] || {
          j=$((j + 1))
          continue
        }
        off=${r##*|} up=0
        if [ "$(server_of "${n%:*}" "${n##*:}")" = "$mine_server" ]; then
          [ -n "$same" ] || same=$(hp "$n")
        else
          mixed=1
        fi
        [ "$j" -gt "$ordinal" ] && up=1
        if [ "$up" -gt "$target_up" ] || { [ "$up" -eq "$target_up" ] && [ "$off" -ge "$target_off" ]; }; then
          target=$(hp "$n") target_off=$off target_up=$up
        fi
        ;;
    esac
  fi
  j=$((j + 1))
done
if [ -z "$target" ]; then
  say "no connected replica to hand over to: stopping"
  exit 0
fi
if [ "$mixed" -eq 1 ] && [ -n "$same" ] && [ "$same" != "$target" ]; then
  say "replicas run other server versions than $mine_server: staying on it"
  target=$same
fi
say "handing over to $target"
th=${target% *} tp=${target#* }
cli -h "$th" -p "$tp" CONFIG SET replica-priority 1 >/dev/null
unpause() { lcli CLIENT UNPAUSE >/dev/null; }
restore() { cli -h "$th" -p "$tp" CONFIG SET replica-priority 100 >/dev/null; }
# Age (ms) of sentinel $1:$2's last INFO of the target.
info_age() {
  cli -h "$1" -p "$2" --raw -d '|' SENTINEL REPLICAS "$KC_MASTER_NAME" | tr '|' '\n' |
    awk -v h="$th" -v p="$tp" 'k == "ip" { ip = $0 } k == "port" { port = $0 } k == "info-refresh" && ip == h && port == p { print; exit } { k = $0 }'
}
# A sentinel in TILT (its timer ran late: a starved or paused process) acts on nothing for its TILT period, not even
# a failover it accepted: none is asked while another is not. Asked once, here: the failover request itself is timed
# to the millisecond.
calm=""
for s in $KC_SENTINELS; do
  if cli -h "${s%:*}" -p "${s##*:}" INFO sentinel | grep -q '^sentinel_tilt:1'; then
    say "sentinel $s is in TILT: not asking it"
  else
    calm="$calm $s"
  fi
done
[ -n "$calm" ] || calm=$KC_SENTINELS
set_at=$(ms)
leader="" age=""
for s in $calm; do
  age=$(info_age "${s%:*}" "${s##*:}")
  case "$age" in "" | *[!0-9]*) continue ;; esac
  leader=$(hp "$s")
  break
done
# Once that sentinel has read the new priority, time the command against its INFO cycle of the target: paused and
# caught up, with the INFO between KC_LATEST_AGE_MS and KC_EARLIEST_AGE_MS old, so the next one comes right after the
# promotion. Too slow: unpause and try the next cycle.
if [ -n "$leader" ]; then
  # shellcheck disable=SC2086
  set -- $leader
  while [ "$(ms)" -lt "$deadline" ]; do
    age=$(info_age "$1" "$2")
    case "$age" in "" | *[!0-9]*) break ;; esac
    [ $(($(ms) - age)) -gt "$set_at" ] && break
    sleep 0.05
  done
fi
# `overhead`: how long pausing and catching up took last time, so the next try starts earlier.
asked=0 attempt=0 overhead=50 planned=0 mine=""
while [ "$asked" -eq 0 ] && [ "$attempt" -lt 3 ] && [ "$(ms)" -lt "$deadline" ]; do
  attempt=$((attempt + 1))
  if [ -n "$leader" ]; then
    # shellcheck disable=SC2086
    set -- $leader
    age=$(info_age "$1" "$2")
    case "$age" in
      "" | *[!0-9]*) leader="" ;;
      *)
        planned=$((KC_EARLIEST_AGE_MS - overhead))
        wait_ms=$(((planned - age + 2 * KC_INFO_PERIOD_MS) % KC_INFO_PERIOD_MS))
        sleep "$(printf '%d.%03d' $((wait_ms / 1000)) $((wait_ms % 1000)))"
        ;;
    esac
  fi
  timed_at=$(ms)
  lcli CLIENT PAUSE $((deadline - $(ms))) WRITE >/dev/null
  mine=$(lcli --raw -d '|' ROLE | cut -d'|' -f2)
  caught=0
  while [ -n "$mine" ] && [ "$(ms)" -lt "$deadline" ]; do
    theirs=$(cli -h "$th" -p "$tp" --raw -d '|' ROLE | cut -d'|' -f5)
    case "$theirs" in "" | *[!0-9]*) ;; *) [ "$theirs" -ge "$mine" ] && {
      caught=1
      break
    } ;; esac
    sleep 0.01
  done
  if [ "$caught" -ne 1 ]; then
    say "$target did not catch up: stopping without a hand-over"
    unpause
    restore
    exit 0
  fi
  overhead=$(($(ms) - timed_at))
  late=$((planned + overhead))
  # The last try goes ahead anyway: a missed cycle costs a second, not the hand-over.
  if [ -n "$leader" ] && [ "$late" -gt "$KC_LATEST_AGE_MS" ] && [ "$attempt" -lt 3 ]; then
    say "missed the sentinel's INFO cycle (about $late ms): retrying"
    unpause
    continue
  fi
  # A target stopped together with this pod (its preStop raced this selection) must not get the master: the sentinels
  # fail over to another replica as for a crash.
  if [ "$(priority_of "$th" "$tp")" = 0 ]; then
    say "$target is stopping too: stopping without a hand-over"
    unpause
    exit 0
  fi
  # The timed sentinel first, then the others.
  for s in "$leader" $calm; do
    [ -n "$s" ] || continue
    case "$s" in *:*) s=$(hp "$s") ;; esac
    # shellcheck disable=SC2086
    set -- $s
    if cli -h "$1" -p "$2" SENTINEL FAILOVER "$KC_MASTER_NAME" | grep -q OK; then
      asked=1
      break
    fi
  done
  [ "$asked" -eq 1 ] || {
    unpause
    break
  }
done
if [ "$asked" -ne 1 ]; then
  say "no sentinel accepted SENTINEL FAILOVER: stopping without a hand-over"
  unpause
  restore
  exit 0
fi
say "writes paused, $target caught up at offset $mine, SENTINEL FAILOVER sent to $1:$2"
while [ "$(ms)" -lt "$deadline" ]; do
  named=$(sentinel_majority || true)
  if [ -n "$named" ] && [ "$named" != "$self_host $self_port" ]; then
    served=$(run_id_of "${KC_ENDPOINT%:*}" "${KC_ENDPOINT##*:}")
    if [ -n "$served" ] && [ "$served" != "$myid" ]; then
      say "handed over to $named"
      restore
      exit 0
    fi
  fi
  sleep 0.05
done
say "the hand-over did not complete in time: stopping"
unpause
restore
