#!/usr/bin/env bash
# Installs what `npm test` needs on a fresh Debian machine: the loopback servers the tests start
# (redis-server, redis-sentinel, haproxy) and the npm dependencies. Idempotent: skips what is there.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v redis-server >/dev/null || need+=(redis-server)
command -v redis-sentinel >/dev/null || need+=(redis-sentinel)
command -v haproxy >/dev/null || need+=(haproxy)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: apt-get install ${need[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  # The Debian packages start system-wide servers on the default ports; tests use their own.
  for svc in redis-server redis-sentinel haproxy; do $SUDO service "$svc" stop >/dev/null 2>&1 || true; done
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
