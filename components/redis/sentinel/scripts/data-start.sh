#!/bin/sh
# Start script of a RedisSentinel data node: a data-aware bootstrap. An empty node never becomes master while any
# reachable peer holds data, whatever the sentinels say:
# - the master a majority of sentinels names, once it answers as master: replicate from it;
# - the sentinels name this node (it restarted faster than they noticed): become master only if no peer holds data,
#   else stay down until they fail over to a replica that has it;
# - no sentinel majority: follow a peer that reports role:master; else, when some node holds data, start detached
#   (`replicaof` a placeholder: it serves nothing and never syncs anyone) and let the agents promote the replica with
#   the highest offset; else ordinal 0 starts a fresh data set.
# While it waits, $KC_RUNTIME_DIR/waiting exists so the liveness probe does not restart it. The node starts fenced
# (redis.conf's min-replicas-to-write): it takes writes only once its agent sees the sentinels confirm it.
set -eu
here=$(dirname "$0")
# shellcheck source=/dev/null
. "${KC_TOPOLOGY:-$here/topology.env}"
# shellcheck source=../../scripts/auth-reload.sh
. "$here/auth-reload.sh"
# shellcheck source=../../scripts/runtime-conf.sh
. "$here/runtime-conf.sh"
# shellcheck source=lib.sh
. "$here/lib.sh"
runtime_conf "$KC_CONF_TEMPLATE" "$KC_RUNTIME_DIR" "$here/users.list"
self_of "$KC_NODES"

has_local_data() { [ -s "$KC_DATA_DIR/dump.rdb" ] || ls "$KC_DATA_DIR"/appendonlydir/*.aof >/dev/null 2>&1; }
say() { echo "bootstrap: $*"; }
peers=$(($(count_of "$KC_NODES") - 1))
first=$(hp "${KC_NODES%% *}")
waiting=$KC_RUNTIME_DIR/waiting
: >"$waiting"
mode="" master="" tries=0 last="" msg=""
while :; do
  S=$(sentinel_majority || true)
  live="" live_keys=0 holders=0 answered=0
  for n in $KC_NODES; do
    [ "$(hp "$n")" = "$self_host $self_port" ] && continue
    st=$(node_state "${n%:*}" "${n##*:}") || continue
    answered=$((answered + 1))
    # shellcheck disable=SC2086
    set -- $st
    [ "$3" -gt 0 ] && holders=$((holders + 1))
    if [ "$1" = master ] && { [ -z "$live" ] || [ "$(hp "$n")" = "$S" ]; }; then live=$(hp "$n") live_keys=$3; fi
  done
  if [ -z "$S" ] && [ -z "$live" ] && refuser=$(peer_refuses_auth "$self_host" "$self_port"); then
    msg="$refuser refuses this pod's password (a rotation under way): waiting for it to take it"
  elif [ -n "$S" ] && [ "$S" != "$self_host $self_port" ]; then
    if [ "$live" = "$S" ]; then
      if [ "$live_keys" -eq 0 ] && has_local_data; then
        mode=orphan msg="the sentinels' master $S holds no data but this node may: starting detached"
        break
      fi
      master=$S
      break
    fi
    msg="the sentinels name $S, which does not answer as master yet"
  elif [ -n "$S" ]; then
    if [ "$holders" -eq 0 ]; then
      mode=master msg="the sentinels name this node and no peer holds data"
      break
    fi
    msg="the sentinels still name this node master and $holders peer(s) hold data: waiting for their failover"
  else
    if [ -n "$live" ]; then
      if [ "$live_keys" -eq 0 ] && has_local_data; then
        mode=orphan msg="master $live holds no data but this node may: starting detached"
        break
      fi
      master=$live
      break
    fi
    if [ "$holders" -gt 0 ] || has_local_data; then
      mode=orphan msg="no master, but data exists: starting detached for the agents to promote the best copy"
      break
    fi
    if [ "$ordinal" != 0 ]; then
      master=$first
      break
    fi
    if [ "$answered" -ge "$peers" ] || [ "$tries" -ge "$KC_PEER_WAIT_SECONDS" ]; then
      mode=master msg="no node holds data: starting a fresh data set"
      break
    fi
    msg="waiting for every peer to answer before starting a fresh data set"
  fi
  [ "$msg" = "$last" ] || say "$msg"
  last=$msg tries=$((tries + 1))
  sleep 1
done
case "$mode" in
  master) say "$msg: starting as master" ;;
  orphan)
    say "$msg"
    echo "replicaof $KC_ORPHAN_MASTER" >>"$conf"
    ;;
  *)
    say "replicating from $master"
    echo "replicaof $master" >>"$conf"
    ;;
esac
rm -f "$waiting"
echo "replica-announce-ip $self_host" >>"$conf"
echo "replica-announce-port $self_port" >>"$conf"
# shellcheck source=../../scripts/tls-reload.sh
. "$here/tls-reload.sh"
tls_reload_start "$conf"
auth_reload_start "$here/users.list" "$conf" data
exec "$SERVER" "$conf"
