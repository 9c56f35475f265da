#!/usr/bin/env bash
# Debian builds memcached without --enable-sasl-pwdb, so it ignores MEMCACHED_SASL_PWDB and the Memcached
# component's documented Secret (key memcached-sasl-pwdb) would log nobody in; the official images are built with
# it. This builds Debian's own source package of a suite, with Debian's patches, hardening and configure flags
# plus that one. The binary must link against that suite's libraries: on a host of the same release it is built
# on the host (the go stage's SASL test runs it there), for another release inside a minimal chroot of it (the
# image's release). The source comes through apt with a private deb-src list; apt checks it against the signed
# Sources index. Prints the binary's path.
# usage: memcached-pwdb.sh [SUITE]     (default: the host's release)
#        memcached-pwdb.sh --check [SUITE]
set -euo pipefail
CACHE=${KUBECACHE_CACHE:-$HOME/.cache/kubecache}
log() { echo "memcached-pwdb: $*" >&2; }
[ "${1:-}" = --check ] && check=1 && shift
host=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
suite=${1:-$host}
configure="--prefix=/usr --enable-sasl --enable-tls --enable-sasl-pwdb"
out=$CACHE/memcached-pwdb/$suite
want="$suite:$configure"
if [ -x "$out/memcached" ] && [ "$(cat "$out/stamp" 2>/dev/null)" = "$want" ]; then
  echo "$out/memcached"
  exit 0
fi
[ -z "${check:-}" ] || exit 1

mirror() {
  local m
  m=$(sed -n 's/^URIs: *\(http[^ ]*\/debian\)$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1)
  [ -n "$m" ] || m=$(sed -n 's/^deb \(http[^ ]*\/debian\) .*/\1/p' /etc/apt/sources.list 2>/dev/null | head -n1)
  [ -n "$m" ] || {
    log "no Debian mirror in /etc/apt/sources.list*"
    exit 1
  }
  echo "$m"
}
# libc6-dev named: debootstrap does not resolve the virtual libc-dev that libsasl2-dev depends on.
build_deps=(gcc make pkg-config dpkg-dev libc6-dev libevent-dev libsasl2-dev libssl-dev)

b=$CACHE/memcached-pwdb/build-$suite
rm -rf "$b"
mkdir -p "$b/lists/partial" "$b/cache/archives/partial"
echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $(mirror) $suite main" >"$b/sources.list"
# The host's own package state stays out: apt would otherwise look for the host's installed version.
apt=(apt-get -o "Dir::Etc::SourceList=$b/sources.list" -o Dir::Etc::SourceParts=/nonexistent
  -o "Dir::State::Lists=$b/lists" -o "Dir::Cache=$b/cache" -o Dir::State::status=/dev/null)
log "memcached from Debian $suite's source, configure $configure (about 1 min; 3 more for a chroot of another release)"
{ "${apt[@]}" update && (cd "$b" && "${apt[@]}" source --download-only memcached) &&
  (cd "$b" && dpkg-source -x memcached_*.dsc src); } >"$b/build.log" 2>&1 ||
  {
    log "fetching memcached's source failed; last lines of $b/build.log:"
    tail -n 20 "$b/build.log" >&2
    exit 1
  }
# shellcheck disable=SC2016 # expanded by the build shell
compile='cd "$1" && eval "$(DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --export=sh)" && ./configure $2 && make -j2 memcached'

if [ "$suite" = "$host" ]; then
  need=()
  for p in "${build_deps[@]}"; do dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need+=("$p"); done
  if [ ${#need[@]} -gt 0 ]; then
    log "installing the build dependencies: ${need[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
  nice -n 10 sh -c "$compile" sh "$b/src" "$configure" >>"$b/build.log" 2>&1 || failed=1
else
  # Another release's binary cannot run here, so it is built and its linkage checked inside that release.
  command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  r=$b/root
  deps=$(
    IFS=,
    echo "${build_deps[*]}"
  )
  log "debootstrap $suite with $deps for the build (about 3 min)"
  trap 'for m in proc sys dev/pts; do mountpoint -q "$r/$m" && umount -l "$r/$m"; done; true' EXIT
  nice -n 10 debootstrap --variant=minbase --include="$deps" "$suite" "$r" "$(mirror)" >>"$b/build.log" 2>&1 ||
    {
      log "debootstrap failed; last lines of $b/build.log:"
      tail -n 20 "$b/build.log" >&2
      exit 1
    }
  mv "$b/src" "$r/build"
  mount -t proc proc "$r/proc"
  nice -n 10 chroot "$r" sh -c "$compile" sh /build "$configure" >>"$b/build.log" 2>&1 || failed=1
  umount -l "$r/proc"
  mv "$r/build" "$b/src"
fi
[ -z "${failed:-}" ] || {
  log "building memcached failed; last lines of $b/build.log:"
  tail -n 20 "$b/build.log" >&2
  exit 1
}
# grep reads all of strings' output (-q would stop early, and pipefail would count strings' SIGPIPE).
strings "$b/src/memcached" | grep -x MEMCACHED_SASL_PWDB >/dev/null || {
  log "the memcached built lacks pwdb support"
  exit 1
}
mkdir -p "$out"
install -m 0755 "$b/src/memcached" "$out/memcached"
rm -rf "$b"
echo "$want" >"$out/stamp"
echo "$out/memcached"
