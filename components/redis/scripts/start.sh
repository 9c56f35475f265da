#!/bin/sh
# Start script of RedisStandalone's and RedisReplicated's nodes: the runtime copy of redis.conf with the users, and on
# a StatefulSet ordinal other than 0 `replicaof` the master (the seed's ordinal rule, by the master's stable DNS
# name), announcing the pod's own stable name.
set -eu
here=$(dirname "$0")
# shellcheck source=/dev/null
. "${KC_TOPOLOGY:-$here/topology.env}"
# shellcheck source=auth-reload.sh
. "$here/auth-reload.sh"
# shellcheck source=runtime-conf.sh
. "$here/runtime-conf.sh"
runtime_conf "$KC_CONF_TEMPLATE" "$KC_RUNTIME_DIR" "$here/users.list"
# HOSTNAME: the pod's name, which the kubelet puts in every container's environment.
# shellcheck disable=SC3028
if [ -n "${KC_MASTER:-}" ] && [ "${HOSTNAME##*-}" != 0 ]; then echo "replicaof ${KC_MASTER%:*} ${KC_MASTER##*:}" >>"$conf"; fi
[ -z "${KC_ANNOUNCE_HOST:-}" ] || echo "replica-announce-ip $KC_ANNOUNCE_HOST" >>"$conf"
# shellcheck source=tls-reload.sh
. "$here/tls-reload.sh"
tls_reload_start "$conf"
auth_reload_start "$here/users.list" "$conf" data
exec "$SERVER" "$conf"
