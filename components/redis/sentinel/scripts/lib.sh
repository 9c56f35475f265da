# shellcheck shell=sh
# Shared by RedisSentinel's scripts (data start, sentinel start, agent, preStop), sourced after topology.env, which
# holds what the component computes: KC_NODES and KC_SENTINELS (`host:port` by ordinal), KC_MASTER_NAME,
# KC_CLI_ARGS (TLS flags), KC_PROBE_TIMEOUT and the timings. Every call to a peer is bounded by `timeout`, so no
# script hangs on a dead one; the client binary is found at run time, so Redis and Valkey images both work.

CLI=$(command -v redis-cli || command -v valkey-cli || echo redis-cli)
# The password the calls present (REDISCLI_AUTH): the mounted file's, kept current by the kubelet, except while a
# rotation of this pod has not reached its step 2 (auth-reload.sh), when peers may not take the new one yet. Always succeeds.
cli_auth() {
  [ -n "${KC_AUTH_DIR:-}" ] && [ -s "$KC_AUTH_DIR/redis-password" ] || return 0
  _ca=$KC_RUNTIME_DIR/auth
  if [ -s "$_ca/previous" ] && [ ! -e "$_ca/switched" ] &&
    _ca_old=$(awk '$1 == "default" { sub(/^[^ ]* /, ""); print; exit }' "$_ca/previous") && [ -n "$_ca_old" ]; then
    REDISCLI_AUTH=$_ca_old
  else
    IFS= read -r REDISCLI_AUTH <"$KC_AUTH_DIR/redis-password" || true
  fi
  export REDISCLI_AUTH
}
# KC_CLI_ARGS is a list of arguments (no spaces inside one).
# shellcheck disable=SC2086
cli() {
  cli_auth
  timeout "$KC_PROBE_TIMEOUT" "$CLI" --no-auth-warning $KC_CLI_ARGS "$@" 2>/dev/null
}
# Long-lived streams (the agent's) must not be killed by `timeout`. Only ever started in the background (`&`): it
# execs the CLI in that subshell, so `$!` is the CLI itself and killing it ends the stream; killing a subshell
# around it would leave the CLI running, orphaned, and a loaded node would pile them up.
# shellcheck disable=SC2086
cli_stream() {
  cli_auth
  exec "$CLI" --no-auth-warning $KC_CLI_ARGS "$@" 2>/dev/null
}

# `host port` of `host:port`.
hp() { echo "${1%:*} ${1##*:}"; }

# Sets self_host and self_port (read by the scripts that source this) to the entry of list $1 at this instance's
# ordinal (the `-N` suffix of $HOSTNAME).
# HOSTNAME: the pod's name, which the kubelet puts in every container's environment.
# shellcheck disable=SC3028
ordinal=${HOSTNAME##*-}
# shellcheck disable=SC2034
self_of() {
  _i=0
  for _x in $1; do
    if [ "$_i" = "$ordinal" ]; then
      self_host=${_x%:*} self_port=${_x##*:}
      return 0
    fi
    _i=$((_i + 1))
  done
  echo "no address for ordinal $ordinal" >&2
  exit 1
}

# Entries of list $1: how many, and the smallest number that is more than half of them.
# shellcheck disable=SC2086 # a list splits into its entries
count_of() {
  set -- $1
  echo $#
}
majority_of() { echo $(($1 / 2 + 1)); }

# Reads `host port` lines; prints the one at least $1 of them name, or nothing.
most_named() { sed '/^ *$/d' | sort | uniq -c | awk -v m="$1" '$1 >= m { print $2, $3; exit }'; }

# `host port` of the master sentinel $1:$2 names.
ask_sentinel() {
  _reply=$(cli -h "$1" -p "$2" --raw SENTINEL get-master-addr-by-name "$KC_MASTER_NAME") || return 1
  _h=$(printf '%s\n' "$_reply" | sed -n 1p)
  _p=$(printf '%s\n' "$_reply" | sed -n 2p)
  case "$_p" in "" | *[!0-9]*) return 1 ;; esac
  [ -n "$_h" ] || return 1
  echo "$_h $_p"
}

# The first answer of any sentinel but $1:$2.
ask_sentinels() {
  for _s in $KC_SENTINELS; do
    [ "$(hp "$_s")" = "${1:-} ${2:-}" ] && continue
    # shellcheck disable=SC2046
    ask_sentinel $(hp "$_s") && return 0
  done
  return 1
}

# The master a majority of all sentinels name, or nothing.
sentinel_majority() {
  _answers=""
  for _s in $KC_SENTINELS; do
    # shellcheck disable=SC2046
    _a=$(ask_sentinel $(hp "$_s")) && _answers="$_answers$_a
"
  done
  printf '%s' "$_answers" | most_named "$(majority_of "$(count_of "$KC_SENTINELS")")"
}

# Some instance of KC_NODES and KC_SENTINELS other than $1:$2 answers but refuses this pod's password: a pod created
# during a password rotation knows only the new one, which a peer whose kubelet has not updated its files yet does
# not take (auth-reload.sh). Start scripts wait for such peers instead of taking them for down.
peer_refuses_auth() {
  for _pa in $KC_NODES $KC_SENTINELS; do
    [ "$(hp "$_pa")" = "${1:-} ${2:-}" ] && continue
    case "$(cli -h "${_pa%:*}" -p "${_pa##*:}" PING)" in NOAUTH* | WRONGPASS*)
      echo "$_pa"
      return 0
      ;;
    esac
  done
  return 1
}

# `role offset keys` of data node $1:$2 (its replication offset, kept while its link is down).
node_state() {
  _r=$(cli -h "$1" -p "$2" INFO replication keyspace | tr -d '\r') || return 1
  _role=$(printf '%s\n' "$_r" | sed -n 's/^role://p')
  case "$_role" in master | slave) ;; *) return 1 ;; esac
  _off=$(printf '%s\n' "$_r" | sed -n 's/^master_repl_offset://p')
  case "$_off" in "" | *[!0-9-]*) _off=0 ;; esac
  _keys=$(printf '%s\n' "$_r" | sed -n 's/^db[0-9]*:keys=\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
  echo "$_role $_off $_keys"
}

# `host port` of a data node other than $1:$2 that reports role:master.
find_master_node() {
  for _n in $KC_NODES; do
    [ "$(hp "$_n")" = "${1:-} ${2:-}" ] && continue
    # shellcheck disable=SC2046
    _st=$(node_state $(hp "$_n")) || continue
    case "$_st" in master\ *)
      hp "$_n"
      return 0
      ;;
    esac
  done
  return 1
}

# run_id of node $1:$2 (one node may answer under several names).
run_id_of() { cli -h "$1" -p "$2" INFO server | tr -d '\r' | sed -n 's/^run_id://p'; }
# The server `engine-version` of $1:$2 (Valkey reports a Redis version too, so its own comes first).
server_of() {
  cli -h "$1" -p "$2" INFO server | tr -d '\r' | awk -F: '$1 == "valkey_version" { v = "valkey-" $2 } $1 == "redis_version" && r == "" { r = "redis-" $2 } END { print (v != "" ? v : r) }'
}

# `ip port` of each replica `SENTINEL REPLICAS` lists, read on stdin as its --raw -d '|' reply.
replica_list() { tr '|' '\n' | awk 'k == "ip" { ip = $0 } k == "port" { print ip, $0 } { k = $0 }'; }

# Milliseconds since the epoch (date +%N: GNU and busybox).
ms() { echo $(($(date +%s%N) / 1000000)); }
