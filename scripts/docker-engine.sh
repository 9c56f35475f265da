#!/usr/bin/env bash
# Starts or stops a private Docker engine (Debian's docker.io) that needs no network, iptables or
# overlay support: unix socket only, vfs storage, no bridge. Idempotent.
# Usage: docker-engine.sh start|stop|status|env
#   start  installs docker.io if dockerd is missing, starts dockerd, waits until it answers
#   env    prints `export DOCKER_HOST=...` for eval
# State lives in $KUBECACHE_DOCKER_ROOT (default /tmp/dkr): data d/, exec e/, docker.sock, dockerd.pid/.log.
set -euo pipefail
root=${KUBECACHE_DOCKER_ROOT:-/tmp/dkr}
sock=$root/docker.sock
pidfile=$root/dockerd.pid
export DOCKER_HOST=unix://$sock
# Debian's client matches Debian's engine; a newer client on PATH may refuse its API version.
docker_cli() { if [ -x /usr/bin/docker ]; then /usr/bin/docker "$@"; else docker "$@"; fi; }

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

start() {
  if running && docker_cli info >/dev/null 2>&1; then
    echo "docker-engine: running (pid $(cat "$pidfile"))"
    return
  fi
  if ! command -v dockerd >/dev/null; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends docker.io >/dev/null
  fi
  mkdir -p "$root/d" "$root/e"
  dockerd --iptables=false --ip6tables=false --bridge=none --storage-driver=vfs \
    --data-root "$root/d" --exec-root "$root/e" --pidfile "$pidfile" -H "$DOCKER_HOST" \
    >"$root/dockerd.log" 2>&1 &
  for _ in $(seq 1 60); do
    if docker_cli info >/dev/null 2>&1; then
      echo "docker-engine: started (pid $(cat "$pidfile")), $DOCKER_HOST"
      return
    fi
    sleep 0.5
  done
  echo "docker-engine: dockerd did not answer within 30 s; log: $root/dockerd.log" >&2
  tail -20 "$root/dockerd.log" >&2
  exit 1
}

stop() {
  if ! running; then
    echo "docker-engine: not running"
    return
  fi
  local pid
  pid=$(cat "$pidfile")
  kill "$pid"
  for _ in $(seq 1 40); do
    kill -0 "$pid" 2>/dev/null || {
      echo "docker-engine: stopped"
      return
    }
    sleep 0.5
  done
  echo "docker-engine: pid $pid still running after 20 s" >&2
  exit 1
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if running; then echo "running (pid $(cat "$pidfile"))"; else
    echo "stopped"
    exit 1
  fi ;;
  env) echo "export DOCKER_HOST=$DOCKER_HOST" ;;
  *)
    echo "usage: $0 start|stop|status|env" >&2
    exit 2
    ;;
esac
