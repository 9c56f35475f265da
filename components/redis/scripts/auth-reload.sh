# shellcheck shell=sh
# Password rotation without a restart. The password Secret (and each application user's) is mounted in
# $KC_AUTH_DIR, which the kubelet rewrites in place when the Secret changes (within its sync period); the
# environment keeps the values of the container's start. A background loop applies a change in three steps, so
# no client that still holds the old password is refused before every pod has the new one:
#   1. add: every changed user accepts its new password beside the old one (ACL SETUSER u >new);
#   2. switch: once every peer accepts the new credentials, this instance presents them itself (a data node's
#      masterauth; a sentinel's auth-pass towards the data nodes and sentinel-pass towards its peers);
#   3. drop: once every peer has switched and KC_AUTH_GRACE_SECONDS have passed since step 1 (the HAProxy pods and
#      the exporters read the files the kubelet updates on their own nodes), the old passwords go (ACL SETUSER u <old).
# The state lives in the memory-backed runtime directory, so a container restart in the middle resumes: its start
# accepts the old passwords too until step 3 (auth_acl_extra). A pod created anew starts with the new passwords only.
# Internal users' passwords derive from the component's (auth_derive), as auth.ts's derivedPassword computes them.

auth_state() { echo "$KC_RUNTIME_DIR/auth"; }

# The component's password as the files hold it now ($REDIS_PASSWORD where nothing is mounted).
auth_password() {
  if [ -n "${KC_AUTH_DIR:-}" ] && [ -s "$KC_AUTH_DIR/redis-password" ]; then
    cat "$KC_AUTH_DIR/redis-password"
  else
    printf '%s' "${REDIS_PASSWORD:-}"
  fi
}

# The password of internal user $2 derived from password $1.
auth_derive() { printf '%s:%s' "$1" "$2" | sha256sum | cut -d' ' -f1; }

# `user password` lines of users.list $1 as the files hold them now: `default` the component's password, internal
# users derived from it, application users from their mounted file (named as their variable), else the variable.
auth_creds() {
  _ac_pw=$(auth_password)
  while read -r _ac_user _ac_source _ac_rules; do
    case $_ac_source in
      @password) _ac_v=$_ac_pw ;;
      @derived) _ac_v=$(auth_derive "$_ac_pw" "$_ac_user") ;;
      *)
        if [ -n "${KC_AUTH_DIR:-}" ] && [ -s "$KC_AUTH_DIR/$_ac_source" ]; then
          _ac_v=$(cat "$KC_AUTH_DIR/$_ac_source")
        else
          eval "_ac_v=\${$_ac_source:-}"
        fi
        ;;
    esac
    printf '%s %s\n' "$_ac_user" "$_ac_v"
  done <"$1"
}

# The password of user $1 in a creds file $2.
auth_of() { awk -v u="$1" '$1 == u { sub(/^[^ ]* /, ""); print; exit }' "$2" 2>/dev/null; }

# ` #<sha256>` for every other password user $1 (whose password now is $2) still accepts after a restart in the
# middle of a rotation: the old ones not dropped yet, and those applied before the files changed again.
auth_acl_extra() {
  _ae=$(auth_state)
  cat "$_ae/previous" "$_ae/applied" 2>/dev/null | awk -v u="$1" '$1 == u { sub(/^[^ ]* /, ""); print }' | sort -u |
    while IFS= read -r _ae_pw; do
      [ "$_ae_pw" = "$2" ] || printf ' #%s' "$(printf '%s' "$_ae_pw" | sha256sum | cut -d' ' -f1)"
    done
}

# The component's password this instance presents to its peers: while a rotation is under way the old one until
# step 2, so a restart before it keeps talking to peers that have not added the new one yet.
auth_outgoing_password() {
  _ao=$(auth_state)
  if [ -s "$_ao/previous" ] && [ ! -e "$_ao/switched" ] && [ -n "$(auth_of default "$_ao/previous")" ]; then
    auth_of default "$_ao/previous"
  else
    auth_password
  fi
}

# The password this instance presents as internal user $1 (see auth_outgoing_password).
auth_outgoing() { auth_derive "$(auth_outgoing_password)" "$1"; }

# The client, bounded in time, over TLS with the pod's own certificate when the config $1 serves TLS; the rest of
# the arguments after `--`. REDISCLI_AUTH must be set by the caller.
auth_cli_args() {
  _port=$(sed -n 's/^port //p' "$1" | tail -n 1)
  _tport=$(sed -n 's/^tls-port //p' "$1" | tail -n 1)
  if [ -n "$_tport" ] && { [ -z "$_port" ] || [ "$_port" = 0 ]; }; then
    _crt=$(sed -n 's/^tls-cert-file //p' "$1") _key=$(sed -n 's/^tls-key-file //p' "$1")
    echo "--tls --insecure --cert $_crt --key $_key -h ${KC_LOCAL_HOST:-127.0.0.1} -p $_tport"
  else
    echo "-h ${KC_LOCAL_HOST:-127.0.0.1} -p $_port"
  fi
}

# Runs the client with password $1 (user $2, empty for default) against host $3 port $4 (empty host: this
# instance, reached as config $AUTH_CONF says), then the command.
auth_call() {
  _pw=$1 _user=$2 _h=$3 _p=$4
  shift 4
  if [ -z "$_h" ]; then
    # shellcheck disable=SC2046 # a list of arguments
    set -- $(auth_cli_args "$AUTH_CONF") "$@"
  else
    # shellcheck disable=SC2086 # KC_CLI_ARGS is a list of arguments
    set -- ${KC_CLI_ARGS:-} -h "$_h" -p "$_p" "$@"
  fi
  [ -z "$_user" ] || set -- --user "$_user" "$@"
  REDISCLI_AUTH=$_pw timeout "${KC_PROBE_TIMEOUT:-2}" "$AUTH_CLI" --no-auth-warning --raw "$@" 2>/dev/null
}

# This instance's command with whichever password of `default` it takes now (the new one, else the old).
auth_local() {
  _al_out=$(auth_call "$(auth_password)" "" "" "" "$@") && [ "${_al_out#NOAUTH}" = "$_al_out" ] && [ "${_al_out#WRONGPASS}" = "$_al_out" ] &&
    printf '%s\n' "$_al_out" && return 0
  _al_old=$(auth_of default "$(auth_state)/applied")
  auth_call "$_al_old" "" "" "" "$@"
}

# Every entry of list $1 answers PONG to user $2 (empty: default) with password $3.
auth_all_accept() {
  for _aa in $1; do
    [ "$(auth_call "$3" "$2" "${_aa%:*}" "${_aa##*:}" PING)" = PONG ] || return 1
  done
}

# Step 2 is done everywhere: every data node of KC_NODES presents the new replication password and every sentinel of
# KC_SENTINELS the new password to its peers.
auth_all_switched() {
  _as_pw=$(auth_password)
  _as_repl=$(auth_derive "$_as_pw" replication)
  for _as in ${KC_NODES:-}; do
    [ "$(auth_call "$_as_pw" "" "${_as%:*}" "${_as##*:}" CONFIG GET masterauth | sed -n 2p)" = "$_as_repl" ] || return 1
  done
  for _as in ${KC_SENTINELS:-}; do
    [ "$(auth_call "$_as_pw" "" "${_as%:*}" "${_as##*:}" SENTINEL CONFIG GET sentinel-pass | sed -n 2p)" = "$_as_pw" ] || return 1
  done
}

# Step 2 for a data node: replicate with the new password once every data node takes it (and its agent, which follows
# this state, talks to the sentinels with it once they all take it).
auth_switch_data() {
  _sw=$(auth_derive "$(auth_password)" replication)
  auth_all_accept "${KC_NODES:-}" replication "$_sw" || return 1
  auth_all_accept "${KC_SENTINELS:-}" "" "$(auth_password)" || return 1
  [ "$(auth_local CONFIG SET masterauth "$_sw")" = OK ]
}

# Step 2 for a sentinel: the data nodes and the peers take the new passwords; then present them.
auth_switch_sentinel() {
  _sw=$(auth_password)
  auth_all_accept "${KC_NODES:-}" sentinel "$(auth_derive "$_sw" sentinel)" || return 1
  auth_all_accept "${KC_SENTINELS:-}" "" "$_sw" || return 1
  [ "$(auth_local SENTINEL SET "$KC_MASTER_NAME" auth-pass "$(auth_derive "$_sw" sentinel)")" = OK ] &&
    [ "$(auth_local SENTINEL CONFIG SET sentinel-pass "$_sw")" = OK ]
}

# One pass of the loop over users.list $1; $2 is `data` or `sentinel`.
auth_reload_once() {
  _st=$(auth_state)
  auth_creds "$1" >"$_st/now"
  if ! cmp -s "$_st/now" "$_st/applied"; then
    [ -n "$(auth_of default "$_st/now")" ] || return 0 # the kubelet is swapping the files: next pass
    while read -r _u _pw; do
      _old=$(auth_of "$_u" "$_st/applied")
      [ "$_pw" = "$_old" ] && continue
      [ "$(auth_local ACL SETUSER "$_u" ">$_pw")" = OK ] || return 1
      printf '%s %s\n' "$_u" "$_old" >>"$_st/previous"
    done <"$_st/now"
    chmod 600 "$_st/previous" 2>/dev/null || true
    mv "$_st/now" "$_st/applied"
    date +%s >"$_st/since"
    rm -f "$_st/switched"
    echo "auth-reload: $(date +%H:%M:%S) new passwords accepted beside the old ones"
  fi
  [ -s "$_st/previous" ] || return 0
  if [ ! -e "$_st/switched" ]; then
    "auth_switch_$2" || return 0
    : >"$_st/switched"
    echo "auth-reload: $(date +%H:%M:%S) presenting the new passwords"
  fi
  [ $(($(date +%s) - $(cat "$_st/since"))) -ge "${KC_AUTH_GRACE_SECONDS:-120}" ] || return 0
  auth_all_switched || return 0
  while read -r _u _old; do
    [ "$_old" = "$(auth_of "$_u" "$_st/applied")" ] && continue
    auth_local ACL SETUSER "$_u" "<$_old" >/dev/null
  done <"$_st/previous"
  rm -f "$_st/previous" "$_st/switched"
  echo "auth-reload: $(date +%H:%M:%S) old passwords dropped"
}

# After a restart in the middle of a rotation: the local instance accepts again every password it accepted before
# (the old ones, and those of a set the files replaced while it was down), once it answers.
auth_resume() {
  _st=$(auth_state)
  [ -s "$_st/previous" ] || [ -s "$_st/applied" ] || return 0
  auth_creds "$1" >"$_st/resume"
  _tries=0
  until [ "$(auth_local PING)" = PONG ] || [ "$_tries" -ge 120 ] || ! kill -0 "$_server" 2>/dev/null; do
    _tries=$((_tries + 1))
    sleep 0.5
  done
  cat "$_st/previous" "$_st/applied" 2>/dev/null | while read -r _u _pw; do
    [ -z "$_pw" ] || [ "$_pw" = "$(auth_of "$_u" "$_st/resume")" ] || auth_local ACL SETUSER "$_u" ">$_pw" >/dev/null
  done
  rm -f "$_st/resume"
}

# Records what the start applied (users.list $1), then runs the loop in the background for runtime config $2 (the
# instance's own), as `data` or `sentinel` ($3), every KC_AUTH_RELOAD_SECONDS (default 2), for as long as this
# process (which the start script replaces with the server) lives.
auth_reload_start() {
  _server=$$
  [ -n "${KC_AUTH_DIR:-}" ] && [ -n "$(auth_password)" ] || return 0
  AUTH_CONF=$2 AUTH_CLI=$(command -v redis-cli || command -v valkey-cli) || return 0
  _st=$(auth_state)
  mkdir -p "$_st"
  chmod 700 "$_st"
  # After a restart in the middle of a rotation `applied` is already the newest set; otherwise the start's.
  [ -s "$_st/applied" ] || auth_creds "$1" >"$_st/applied"
  (
    auth_resume "$1"
    while sleep "${KC_AUTH_RELOAD_SECONDS:-2}" && kill -0 "$_server" 2>/dev/null; do
      auth_reload_once "$1" "$3" || true
    done
  ) &
}
