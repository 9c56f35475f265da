# shellcheck shell=sh
# Serving a renewed certificate without a restart. When cert-manager renews the Secret, the kubelet swaps the mounted
# files (atomically, within its sync period); Redis and Valkey load them again on `CONFIG SET` of the same paths
# (measured on Redis 7.0.15 and Valkey 8.1.1: the next handshake shows the new serial, connections stay up).
# Sentinels cannot: neither CONFIG SET nor SENTINEL CONFIG SET takes tls-* there (README "TLS").

# A fingerprint of the certificate files in directory $1.
tls_fingerprint() { cat "$1/tls.crt" "$1/tls.key" "$1/ca.crt" 2>/dev/null | cksum; }

# With runtime config $1 serving TLS, starts a background loop: every KC_TLS_RELOAD_SECONDS (default 10) it
# compares the files with what the server loaded, and on a change asks the server on this pod to load them again.
# The local connection skips verification (the server may still present the old certificate under a new CA) but
# presents the pod's certificate (`tls.clientAuth`), with the password of the moment (auth-reload.sh, which every
# start script sources first).
tls_reload_start() {
  _port=$(sed -n 's/^tls-port //p' "$1")
  _crt=$(sed -n 's/^tls-cert-file //p' "$1")
  [ -n "$_port" ] && [ -n "$_crt" ] || return 0
  _dir=$(dirname "$_crt")
  _cli=$(command -v redis-cli || command -v valkey-cli) || return 0
  _server=$$
  (
    _loaded=$(tls_fingerprint "$_dir")
    # For as long as this process (the server, once the start script execs it) lives.
    while sleep "${KC_TLS_RELOAD_SECONDS:-10}" && kill -0 "$_server" 2>/dev/null; do
      _now=$(tls_fingerprint "$_dir")
      [ "$_now" != "$_loaded" ] || continue
      # shellcheck disable=SC2046 # a list of arguments
      if REDISCLI_AUTH=$(auth_password) "$_cli" $(auth_cli_args "$1") CONFIG SET \
        tls-cert-file "$_dir/tls.crt" tls-key-file "$_dir/tls.key" tls-ca-cert-file "$_dir/ca.crt" 2>&1 | grep -q '^OK$'; then
        echo "tls-reload: $(date +%H:%M:%S) serving the renewed certificate"
        _loaded=$_now
      fi
    done
  ) &
}

# A sentinel cannot load a renewed certificate, so it restarts to serve it (the kubelet starts the container again;
# the start script keeps its myid). One at a time, so the agents never lack the majority they confirm a master
# with: with S = KC_TLS_RESTART_STAGGER_SECONDS (default 30), sentinel k waits k x S, then until every other
# sentinel has been up (k + 1) x S and sees the master up, and only then stops process $2 (this container's
# sentinel). The thresholds differ by ordinal so that two sentinels waiting on the same peer's restart never
# become eligible at the same moment (with one threshold for all they did, measured); S is far past the 2 s after
# which the agents reopen their stream to a restarted sentinel. Needs lib.sh (cli, hp, ordinal, self_host/port).
# shellcheck disable=SC2154 # ordinal, self_host, self_port: set by lib.sh, which the sentinel start script sources
tls_restart_start() {
  _crt=$(sed -n 's/^tls-cert-file //p' "$1")
  [ -n "$_crt" ] || return 0
  _dir=$(dirname "$_crt") _pid=$2 _stagger=${KC_TLS_RESTART_STAGGER_SECONDS:-30}
  (
    (
      _loaded=$(tls_fingerprint "$_dir")
      while sleep "${KC_TLS_RELOAD_SECONDS:-10}"; do
        [ "$(tls_fingerprint "$_dir")" != "$_loaded" ] || continue
        sleep $((ordinal * _stagger))
        until tls_peers_settled $(((ordinal + 1) * _stagger)); do sleep 1; done
        echo "tls-reload: $(date +%H:%M:%S) restarting to serve the renewed certificate"
        kill -TERM "$_pid"
        exit 0
      done
    ) &
  )
}

# Every other sentinel of KC_SENTINELS has been up for at least $1 seconds and sees the master up.
# shellcheck disable=SC2154 # self_host, self_port: set by lib.sh
tls_peers_settled() {
  for _s in $KC_SENTINELS; do
    [ "$(hp "$_s")" != "$self_host $self_port" ] || continue
    _up=$(cli -h "${_s%:*}" -p "${_s##*:}" INFO server | sed -n 's/^uptime_in_seconds:\([0-9]*\).*/\1/p')
    [ -n "$_up" ] && [ "$_up" -ge "$1" ] || return 1
    _flags=$(cli -h "${_s%:*}" -p "${_s##*:}" SENTINEL MASTER "$KC_MASTER_NAME" | sed -n '/^flags$/{n;p;}')
    [ "$_flags" = master ] || return 1
  done
}
