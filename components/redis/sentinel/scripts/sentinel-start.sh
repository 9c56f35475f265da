#!/bin/sh
# Start script of a sentinel: learns the master from a peer sentinel, else from a data node that reports role:master
# (waiting for one while data nodes settle), else ordinal 0; keeps its `myid` across container restarts so peers do
# not accumulate ghosts; adds the password from $REDIS_PASSWORD at runtime; once it answers, tightens Sentinel's
# internal periods (`SENTINEL DEBUG`) so a failure is noticed within down-after + 0.1 s.
set -eu
here=$(dirname "$0")
# shellcheck source=/dev/null
. "${KC_TOPOLOGY:-$here/topology.env}"
# shellcheck source=lib.sh
. "$here/lib.sh"
# shellcheck source=../../scripts/auth-reload.sh
. "$here/auth-reload.sh"
conf=$KC_RUNTIME_DIR/sentinel.conf
mkdir -p "$KC_RUNTIME_DIR"
myid=""
if [ -f "$conf" ]; then myid=$(sed -n "s/^sentinel myid //p" "$conf" | head -n 1); fi
self_of "$KC_SENTINELS"
SENTINEL_BIN=${KC_SENTINEL_BIN:-$(command -v redis-sentinel || command -v valkey-sentinel || echo redis-sentinel)}
name=$KC_MASTER_NAME
master=$(ask_sentinels "$self_host" "$self_port" || true)
# The replicas a peer knows, so this sentinel can lead a failover before the master's INFO has told it (the master
# may be the one that is down).
replicas=""
if [ -n "$master" ]; then
  for s in $KC_SENTINELS; do
    [ "$(hp "$s")" = "$self_host $self_port" ] && continue
    replicas=$(cli -h "${s%:*}" -p "${s##*:}" --raw -d '|' SENTINEL REPLICAS "$name" | replica_list) && [ -n "$replicas" ] && break
  done
fi
tries=0
while [ -z "$master" ]; do
  master=$(find_master_node "" "" || true)
  [ -n "$master" ] && break
  if refuser=$(peer_refuses_auth "$self_host" "$self_port"); then
    # Not counted: the peer is there, it only has not taken the rotated password yet.
    [ "$tries" -eq 0 ] || [ "$refuser" = "${last_refuser:-}" ] || echo "$refuser refuses this pod's password (a rotation under way): waiting"
    last_refuser=$refuser
    sleep 1
    master=$(ask_sentinels "$self_host" "$self_port" || true)
    continue
  fi
  if [ "$tries" -ge "$KC_MASTER_WAIT_SECONDS" ]; then
    master=$(hp "${KC_NODES%% *}")
    echo "no data node reports master after ${KC_MASTER_WAIT_SECONDS}s"
    break
  fi
  [ "$tries" -eq 0 ] && echo "no peer sentinel knows the master: waiting for a data node to report role:master"
  tries=$((tries + 1))
  sleep 1
  master=$(ask_sentinels "$self_host" "$self_port" || true)
done
echo "monitoring $master"
# Sentinel refuses a monitor line whose host does not resolve, so wait for the pod's DNS.
tries=0
case "${master% *}" in *[!0-9.]*) ;; *) tries=-1 ;; esac
until [ "$tries" -lt 0 ] || getent hosts "${master% *}" >/dev/null 2>&1; do
  tries=$((tries + 1))
  [ "$tries" -le "$KC_RESOLVE_WAIT_SECONDS" ] || {
    echo "cannot resolve ${master% *}" >&2
    exit 1
  }
  sleep 1
done
{
  cat "$KC_SENTINEL_CONF_TEMPLATE"
  echo "sentinel announce-ip $self_host"
  echo "sentinel announce-port $self_port"
  [ -z "$myid" ] || echo "sentinel myid $myid"
  echo "sentinel monitor $name $master $KC_QUORUM"
  # Ordinals past the quorum see a dead master later, so they vote in the election instead of standing in it
  # (voterDelayMs in ../defaults.ts says why).
  down_after=$KC_DOWN_AFTER_MS
  [ "$ordinal" -lt "$KC_QUORUM" ] || down_after=$((down_after + KC_VOTER_DELAY_MS))
  echo "sentinel down-after-milliseconds $name $down_after"
  echo "sentinel failover-timeout $name $KC_FAILOVER_TIMEOUT_MS"
  echo "sentinel parallel-syncs $name $KC_PARALLEL_SYNCS"
  # Only replicas of the set as it is now: a peer still remembers nodes a scale-in removed.
  printf '%s\n' "$replicas" | while read -r rh rp; do
    case " $KC_NODES " in *" $rh:$rp "*) [ "$rh $rp" = "$master" ] || echo "sentinel known-replica $name $rh $rp" ;; esac
  done
} >"$conf.new"
if [ -n "$(auth_password)" ]; then
  quote() { printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g'; }
  # Towards the data nodes sentinels are the ACL user `sentinel`, which may do only what Sentinel needs; towards each
  # other they present the component's password (sentinel-pass; during a rotation the one auth-reload.sh says).
  printf 'requirepass "%s"\nsentinel auth-user %s sentinel\nsentinel auth-pass %s %s\nsentinel sentinel-pass "%s"\n' \
    "$(quote "$(auth_password)")" "$name" "$name" "$(auth_outgoing sentinel)" "$(quote "$(auth_outgoing_password)")" >>"$conf.new"
  printf 'default @password\n' >"$KC_RUNTIME_DIR/sentinel-users.list"
fi
chmod 600 "$conf.new"
mv "$conf.new" "$conf"
# Not persisted by Sentinel, so applied after every start; detached, so Sentinel does not mistake it for one of its
# own script children.
(
  (
    i=0
    while [ $i -lt 150 ]; do
      # shellcheck disable=SC2086 # a list of `period value` pairs
      cli -h "$KC_LOCAL_HOST" -p "$self_port" SENTINEL DEBUG $KC_SENTINEL_DEBUG | grep -q OK && exit 0
      i=$((i + 1))
      sleep 0.2
    done
    echo "could not apply SENTINEL DEBUG timings; running with Sentinel's defaults" >&2
  ) &
)
# shellcheck source=../../scripts/tls-reload.sh
. "$here/tls-reload.sh"
tls_restart_start "$conf" "$$"
auth_reload_start "$KC_RUNTIME_DIR/sentinel-users.list" "$conf" sentinel
exec "$SENTINEL_BIN" "$conf"
