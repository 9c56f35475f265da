#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks, so that no test of a required stage skips for a missing tool.
# Idempotent: installs only packages dpkg does not list as installed, then the npm dependencies.
#   setup.sh [tests]    every tool `npm test` uses (the list below says which test wants what), the npm dependencies
#   setup.sh cluster    what the real-node local cluster needs on the host (`npm run up`'s offline path and the
#                       pods tier call it first, so a missing package shows in the first minute, not after the builds)
#   setup.sh --list [tests|cluster]   print the packages and exit (CONTRIBUTING.md: purging them to rerun CI as new)
set -euo pipefail
cd "$(dirname "$0")/.."

# package            what asks for it
test_packages=(
  redis-server              # loopback: every Redis spec; the data nodes
  redis-sentinel            # loopback: the Sentinel specs
  redis-tools               # redis-cli: the agent, probes and the writers of the loopback specs
  haproxy                   # loopback: the Sentinel endpoint; unit: `haproxy -c` of the rendered config
  dash                      # unit: the rendered scripts run by a strict POSIX sh
  shellcheck                # lint: every shell script (scripts/lint-shell.sh)
  shfmt                     # lint: the format of every shell script (scripts/lint-shell.sh)
  prometheus                # unit: promtool checks and tests the alert rules
  prometheus-redis-exporter # loopback: the exporter specs
  iproute2                  # loopback: network-namespace fault specs (ip netns, veth, bridges)
  iptables                  # loopback: partitions inside those namespaces
  libnetfilter-queue-dev    # npm run test:gray: the slow-link cases hold packets with netdelay.c (NFQUEUE; no netem)
  openssl                   # loopback: the TLS specs make their certificates
  memcached                 # go: the SASL and exporter tests run Debian's memcached
  sasl2-bin                 # go: saslpasswd2 for the sasldb SASL test
  libsasl2-modules          # go: the PLAIN mechanism memcached offers
  util-linux                # go: unshare --uts for the pod hostname memcached's SASL realm uses
)
cluster_packages=(
  runc containernetworking-plugins conntrack iproute2 iptables # scripts/local-node.sh: pods, CNI bridge, kube-proxy
  openssl                                                      # scripts/local-cluster: certificates
  debootstrap                                                  # scripts/images.sh: the Debian image layers
  binutils                                                     # scripts/images.sh: checks the libraries of the binaries it adds
)
# Built from Debian's source packages: the pwdb memcached the go stage's SASL test runs (scripts/memcached-pwdb.sh)
# and the Valkey the loopback stage runs beside Redis (scripts/toolchain/valkey.sh). The compilers themselves
# (gcc, make, dpkg-dev, binutils) come with the machine and are checked by those scripts, not listed here.
build_packages=(pkg-config libevent-dev libsasl2-dev libssl-dev libjemalloc-dev liblzf-dev libsystemd-dev)

[ "${1:-}" = --list ] && shift && list=1
what=${1:-tests}
case $what in
  tests) want=("${test_packages[@]}" "${build_packages[@]}") ;;
  cluster) want=("${cluster_packages[@]}") ;;
  *)
    echo "usage: setup.sh [--list] [tests|cluster]" >&2
    exit 2
    ;;
esac
if [ -n "${list:-}" ]; then
  printf '%s\n' "${want[@]}" | sort -u
  exit 0
fi

installed() { dpkg-query -W -f '${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }
need=()
for p in "${want[@]}"; do installed "$p" || need+=("$p"); done
mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u | sed '/^$/d')
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: apt-get install ${need[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  # The packages would start system-wide servers (redis, memcached, prometheus, the exporter) on the default
  # ports the tests may use; Debian's policy-rc.d hook (exit 101) keeps their init scripts from starting.
  policy=/usr/sbin/policy-rc.d own_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null && $SUDO chmod 0755 "$policy" && own_policy=1
    trap '[ -n "$own_policy" ] && $SUDO rm -f "$policy"' EXIT
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
[ "$what" = tests ] || exit 0
bash scripts/memcached-pwdb.sh >/dev/null
bash scripts/toolchain/valkey.sh >/dev/null
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
