#!/usr/bin/env bash
# The local image registry on 127.0.0.1:5001 (Debian's docker-registry), the address the kind path uses too.
# Blobs live in $KUBECACHE_CACHE/registry, so images built once survive restarts. Idempotent.
# Usage: registry.sh start|stop|status
#   start  installs docker-registry when missing, starts it unless it already answers; prints "started" or
#          "running" (callers that got "started" stop it again when they are done)
set -euo pipefail
CACHE=${KUBECACHE_CACHE:-$HOME/.cache/kubecache}
dir=$CACHE/registry
addr=${KUBECACHE_REGISTRY:-127.0.0.1:5001}
pidfile=$dir/registry.pid

answers() { curl -sf -o /dev/null --max-time 2 "http://$addr/v2/"; }
running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

start() {
  if answers; then
    echo running
    return
  fi
  if ! command -v docker-registry >/dev/null; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-registry; } >/dev/null
    # The package starts a system-wide registry on :5000; this one has its own address and storage.
    service docker-registry stop >/dev/null 2>&1 || true
  fi
  mkdir -p "$dir/data"
  cat >"$dir/config.yml" <<EOF
version: 0.1
log: {level: warn}
storage: {filesystem: {rootdirectory: $dir/data}, delete: {enabled: true}}
http: {addr: $addr}
health: {storagedriver: {enabled: false}}
EOF
  setsid docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 </dev/null &
  echo $! >"$pidfile"
  for _ in $(seq 1 50); do
    answers && {
      echo started
      return
    }
    sleep 0.2
  done
  echo "registry.sh: no answer on http://$addr/v2/ after 10 s; log $dir/registry.log" >&2
  tail -5 "$dir/registry.log" >&2
  stop >/dev/null
  exit 1
}

stop() {
  running || {
    echo "not running"
    return
  }
  local pid
  pid=$(cat "$pidfile")
  kill "$pid"
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$pidfile"
  echo stopped
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if answers; then echo "running on $addr"; else
    echo stopped
    exit 1
  fi ;;
  *)
    sed -n '2,7p' "$0" >&2
    exit 2
    ;;
esac
