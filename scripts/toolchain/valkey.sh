#!/usr/bin/env bash
# Builds Valkey (valkey-server, valkey-sentinel, valkey-cli) from Debian trixie's source package on
# this bookworm host: trixie's binary packages need glibc 2.38, and nothing but the Debian mirror is
# reachable. Output: $KUBECACHE_CACHE/bin (default ~/.cache/kubecache/bin). Idempotent: nothing is
# rebuilt while the stamps match VALKEY_VERSION.
# Usage: valkey.sh [--check]   (--check: exit 0 when built at VALKEY_VERSION, 1 otherwise; builds nothing)
set -euo pipefail

# The upstream version trixie ships. To bump: set it to the upstream part of the version
# `apt-cache showsrc valkey` reports for $suite (the newest Debian revision of it is taken from the
# index, so security uploads need no edit here), then update or empty VALKEY_FALLBACK below.
VALKEY_VERSION=8.1.1
suite=trixie
# A mirror's pool can lag its Sources index (this one lists 8.1.1+dfsg1-3+deb13u3 but serves only
# +deb13u2's source). Then this revision is built instead: its .dsc is checked against the hash here,
# taken from a .dsc whose signature (its uploader's) gpgv verified against debian-keyring's
# debian-maintainers.gpg, and dpkg-source checks the other files against the .dsc. Empty: no fallback.
VALKEY_FALLBACK=8.1.1+dfsg1-3+deb13u2
VALKEY_FALLBACK_DSC_SHA256=e581402820e22c61a65ce436bcffb71ae5a04282c044fecd58d22a1b3748c306
# The -dev packages are those debian/rules links against (jemalloc, lzf, systemd, TLS); Debian builds
# lua, hiredis, linenoise, hdr_histogram and fpconv from deps/, which the +dfsg tarball keeps.
build_deps=(gcc libc6-dev make pkgconf dpkg-dev binutils libjemalloc-dev liblzf-dev libssl-dev libsystemd-dev)

cache=${KUBECACHE_CACHE:-$HOME/.cache/kubecache}
bin=$cache/bin
b=$cache/valkey-build
bins=(valkey-server valkey-sentinel valkey-cli)
# fd 3 stays the terminal while the build's own output goes to build.log.
exec 3>&2
log() { echo "valkey.sh: $*" >&3; }
built() { [ -x "$bin/$1" ] && [ "$(cat "$bin/.$1.version" 2>/dev/null)" = "$2" ]; }
mark() { echo "$2" >"$bin/.$1.version"; }

all_built() {
  for x in "${bins[@]}"; do built "$x" "$VALKEY_VERSION" || return 1; done
}
if [ "${1:-}" = "--check" ]; then
  all_built
  exit
fi
if all_built; then
  echo "valkey.sh: valkey $VALKEY_VERSION already in $bin"
  exit 0
fi
start=$SECONDS

debian_mirror() {
  local mirror
  mirror=$(sed -n 's/^URIs: *\(http[^ ]*\/debian\)$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1)
  [ -n "$mirror" ] || mirror=$(sed -n 's/^deb \(http[^ ]*\/debian\) .*/\1/p' /etc/apt/sources.list 2>/dev/null | head -n1)
  [ -n "$mirror" ] || {
    log "no Debian mirror in /etc/apt/sources.list*"
    exit 1
  }
  echo "$mirror"
}

install_deps() {
  local need=() p
  for p in "${build_deps[@]}"; do
    dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need+=("$p")
  done
  [ ${#need[@]} -eq 0 ] && return
  log "installing the build dependencies of valkey: ${need[*]}"
  # Other builds may hold dpkg's lock for a while: wait for it rather than fail. A stale host index
  # may no longer name the current versions; it is refreshed only then.
  local apt=(apt-get -o DPkg::Lock::Timeout=600)
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y -qq --no-install-recommends "${need[@]}" >/dev/null ||
    { "${apt[@]}" update -qq && DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y -qq --no-install-recommends "${need[@]}" >/dev/null; }
}

# Prints the .dsc's file name. apt checks what it fetches against the signed Sources index of a
# private deb-src list, so the host's apt state is untouched; Dir::State::status=/dev/null keeps apt
# from looking for an installed valkey.
fetch_source() {
  local mirror ver f sum
  mirror=$(debian_mirror)
  mkdir -p "$b/lists/partial" "$b/cache/archives/partial"
  echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main" >"$b/sources.list"
  local opts=(-o "Dir::Etc::SourceList=$b/sources.list" -o Dir::Etc::SourceParts=/nonexistent
    -o "Dir::State::Lists=$b/lists" -o "Dir::Cache=$b/cache" -o Dir::State::status=/dev/null)
  apt-get "${opts[@]}" update >&2 || return 1
  ver=$(apt-cache "${opts[@]}" showsrc valkey | sed -n "s/^Version: \(${VALKEY_VERSION//./\\.}[+-].*\)/\1/p" | head -n1)
  if [ -n "$ver" ] && (cd "$b" && apt-get "${opts[@]}" source --download-only "valkey=$ver" >&2); then
    echo "valkey_${ver#*:}.dsc"
    return
  fi
  [ -n "$ver" ] || log "$suite's Sources index has no valkey $VALKEY_VERSION (it lists: $(apt-cache "${opts[@]}" showsrc valkey | sed -n 's/^Version: //p' | tr '\n' ' '))"
  [ "${VALKEY_FALLBACK%%+*}" = "$VALKEY_VERSION" ] || {
    log "no usable fallback revision for $VALKEY_VERSION"
    return 1
  }
  log "WARNING: the mirror does not serve valkey ${ver:-$VALKEY_VERSION}'s source; building the pinned $VALKEY_FALLBACK, which lacks the later security fixes"
  local pool=$mirror/pool/main/v/valkey dsc=valkey_$VALKEY_FALLBACK.dsc
  /usr/lib/apt/apt-helper download-file "$pool/$dsc" "$b/$dsc" "SHA256:$VALKEY_FALLBACK_DSC_SHA256" >&2 || return 1
  while read -r sum f; do
    /usr/lib/apt/apt-helper download-file "$pool/$f" "$b/$f" "SHA256:$sum" >&2 || return 1
  done < <(awk '/^Checksums-Sha256:/ {f = 1; next} /^[^ ]/ {f = 0} f {print $1, $3}' "$b/$dsc")
  echo "$dsc"
}

# Debian's build, as debian/rules states it (checked below, so that a bumped revision which builds
# differently stops here instead of quietly diverging). The rules file is not run: bookworm's
# buildflags.mk (dpkg 1.21) reads DEB_*_MAINT_* only if they are set before it is included, which
# debian/rules does after, so under bookworm's make its hardening=+all and LTO would be dropped;
# dpkg-buildflags gets them from the environment here instead. debhelper is not needed either.
deb_maint_options="hardening=+all optimize=+lto"
deb_cflags_append="-I/usr/include/liblzf"
# -llzf is Debian's, kept as is although src/lzf_*.c are compiled in (the library only ends up NEEDED).
deb_ldflags_append="-Wl,-no-as-needed -ldl -latomic -llzf"
deb_make_args="V=1 USE_SYSTEM_JEMALLOC=yes USE_SYSTEMD=yes USE_JEMALLOC=yes"
build() {
  local rules=$b/src/debian/rules line
  for line in "export BUILD_TLS = yes" "export DEB_BUILD_MAINT_OPTIONS = $deb_maint_options" \
    "export DEB_CFLAGS_MAINT_APPEND = $deb_cflags_append" "export DEB_LDFLAGS_MAINT_APPEND = $deb_ldflags_append" \
    "$(printf '\t')dh_auto_build -- $deb_make_args"; do
    grep -Fx -- "$line" "$rules" >/dev/null || {
      log "debian/rules no longer has '$line'; re-read it and update valkey.sh"
      return 1
    }
  done
  # shellcheck disable=SC2086  # deb_make_args is a list of make arguments
  (cd "$b/src" && export BUILD_TLS=yes DEB_BUILD_MAINT_OPTIONS="$deb_maint_options" \
    DEB_CFLAGS_MAINT_APPEND="$deb_cflags_append" DEB_LDFLAGS_MAINT_APPEND="$deb_ldflags_append" &&
    eval "$(dpkg-buildflags --export=sh)" && echo "CFLAGS=$CFLAGS CPPFLAGS=$CPPFLAGS LDFLAGS=$LDFLAGS" &&
    nice -n 10 make -j2 $deb_make_args)
}

install_deps
rm -rf "$b"
mkdir -p "$b" "$bin"
log "fetching valkey's source from Debian $suite and building it (a few minutes)"
{
  dsc=$(fetch_source) && (cd "$b" && dpkg-source -x "$dsc" src) && build
} >"$b/build.log" 2>&1 || {
  log "failed; last lines of $b/build.log:"
  tail -n 25 "$b/build.log" >&2
  exit 1
}
"$b/src/src/valkey-server" --version | grep "v=$VALKEY_VERSION " >/dev/null ||
  {
    log "the built valkey-server is not $VALKEY_VERSION: $("$b/src/src/valkey-server" --version)"
    exit 1
  }
# BUILD_TLS=yes links OpenSSL into the server; without it, tls-* options would be rejected at start.
objdump -p "$b/src/src/valkey-server" | grep 'NEEDED *libssl' >/dev/null || {
  log "the built valkey-server lacks TLS"
  exit 1
}
install -s -m 0755 "$b/src/src/valkey-server" "$bin/valkey-server"
install -s -m 0755 "$b/src/src/valkey-cli" "$bin/valkey-cli"
# As upstream's `make install` does: the server runs as Sentinel when invoked under that name.
ln -sfn valkey-server "$bin/valkey-sentinel"
for x in "${bins[@]}"; do mark "$x" "$VALKEY_VERSION"; done
log "built from $(sed -n 's/^Version: //p' "$b/$dsc")"
rm -rf "$b"
echo "valkey.sh: valkey $VALKEY_VERSION in $bin; done in $((SECONDS - start)) s"
