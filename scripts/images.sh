#!/usr/bin/env bash
# Builds the images the local real-node cluster runs, from Debian packages and this repository, pushes them to
# the local registry (scripts/registry.sh, 127.0.0.1:5001) and records each by digest in
# $KUBECACHE_CACHE/images/images.env. No image comes from a remote registry, and no daemon is needed: crane
# writes the layers and configs.
#   redis      redis-server, redis-sentinel, redis-tools  \
#   haproxy    haproxy                                     } one Debian bookworm minbase layer shared by all three
#   memcached  memcached (entrypoint memcached)           /  (with libsasl2-modules for SASL PLAIN)
#              + one layer: /usr/bin/memcached rebuilt from Debian's source package with
#              --enable-sasl-pwdb, as the official images are (see memcached_pwdb below)
#   exporter   operator/test/exporter, the stand-in for prom/memcached-exporter (static, FROM scratch)
#   pause      the pod sandbox (scripts/images/pause.go, static)
#   coredns    the cluster DNS (scripts/toolchain/node.sh builds the binary)
#   operator   operator/Dockerfile: FROM scratch + the static manager binary; its instructions are read from the
#              Dockerfile, and any this script does not reproduce exactly makes it fail
# Idempotent: an image is rebuilt only when its inputs changed or the registry lost it.
# Usage: images.sh [build] [image...]   build what is missing (default: all), print images.env
#        images.sh dockerfile [FILE]     the USER the operator image gets from FILE (operator/Dockerfile); fails on
#                                       an instruction this script does not reproduce
#        images.sh debian-layer         only the shared Debian layer (debootstrap; no crane, no registry)
#        images.sh --check              exit 0 when every image is in the registry at its recorded digest
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${KUBECACHE_CACHE:-$HOME/.cache/kubecache}
BIN=$CACHE/bin
out=$CACHE/images
reg=${KUBECACHE_REGISTRY:-127.0.0.1:5001}
env_file=$out/images.env
# crane logs every blob it pushes; keep that out of the way unless a call fails.
crane() { "$BIN/crane" "$@" 2>"$out/crane.err" || { cat "$out/crane.err" >&2; return 1; }; }
log() { echo "images.sh: $*" >&2; }
mkdir -p "$out"

all=(pause coredns redis haproxy memcached exporter operator)
# libsasl2-modules holds the PLAIN mechanism; without it memcached -S offers no mechanism at all.
packages="redis-server,redis-sentinel,redis-tools,haproxy,memcached,libsasl2-modules"
suite=bookworm
# Debian's configure flags for memcached (debian/rules) plus pwdb support.
memcached_configure="--prefix=/usr --enable-sasl --enable-tls --enable-sasl-pwdb"

# Inputs of each image; a change of any rebuilds it.
stamp_of() {
  case $1 in
    debian) echo "$suite:$packages" ;;
    # What the shared layer is to hold, not what was last built: a changed package list rebuilds all three.
    redis | haproxy) echo "$(stamp_of debian):$1" ;;
    memcached) echo "$(stamp_of debian):$1:$memcached_configure" ;;
    exporter) (cd "$root/operator" && cat test/exporter/main.go go.mod | sha256sum | cut -c1-16) ;;
    pause) sha256sum "$root/scripts/images/pause.go" | cut -c1-16 ;;
    coredns) cat "$BIN/.coredns.version" 2>/dev/null ;;
    operator) (cd "$root/operator" && find . -type f ! -path './bin/*' ! -path './test/*' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16) ;;
  esac
}
recorded() { sed -n "s/^KUBECACHE_IMAGE_$(echo "$1" | tr a-z A-Z)=//p" "$env_file" 2>/dev/null; }
current() { # the recorded ref when its stamp matches and the registry still serves that digest
  local ref; ref=$(recorded "$1")
  [ -n "$ref" ] && [ "$(cat "$out/$1.stamp" 2>/dev/null)" = "$(stamp_of "$1")" ] &&
    [ "$(crane digest --insecure "$ref" 2>/dev/null)" = "${ref#*@}" ]
}
record() { # name ref
  local key; key=KUBECACHE_IMAGE_$(echo "$1" | tr a-z A-Z)
  touch "$env_file"
  { grep -v "^$key=" "$env_file" || true; echo "$key=$2"; } >"$env_file.new"
  mv "$env_file.new" "$env_file"
  stamp_of "$1" >"$out/$1.stamp"
}
# Pushes the image at tag `$1` with config changes `$@`, then records it by digest.
finish() { # name ref-with-tag mutate-args...
  local name=$1 ref=$2; shift 2
  crane mutate --insecure --set-platform linux/amd64 "$@" "$ref" -t "$ref" >/dev/null
  local digest; digest=$(crane digest --insecure "$ref")
  record "$name" "${ref%:*}@$digest"
  log "  $name: ${ref%:*}@$digest"
}
layer_of() { # tarball dir: one layer of dir's contents, root-owned
  tar --numeric-owner --owner=0 --group=0 -C "$2" -cf "$1" .
}

debian_mirror() {
  local mirror
  mirror=$(sed -n 's/^URIs: *\(http[^ ]*\/debian\)$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1)
  [ -n "$mirror" ] || mirror=$(sed -n 's/^deb \(http[^ ]*\/debian\) .*/\1/p' /etc/apt/sources.list 2>/dev/null | head -n1)
  [ -n "$mirror" ] || { log "no Debian mirror in /etc/apt/sources.list*"; exit 1; }
  echo "$mirror"
}

debian_layer() {
  local rootfs=$out/rootfs tarball=$out/debian-svc.tar
  if [ -f "$tarball" ] && [ "$(cat "$out/debian.stamp" 2>/dev/null)" = "$(stamp_of debian)" ]; then return; fi
  command -v debootstrap >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
  local mirror
  mirror=$(debian_mirror)
  rm -rf "$rootfs"
  log "debootstrap --variant=minbase $suite with $packages (about 2-3 min)"
  # debootstrap mounts /proc and /sys inside the target while it installs; never leave them behind.
  trap 'for m in proc sys dev/pts; do mountpoint -q "$rootfs/$m" && umount -l "$rootfs/$m"; done; true' EXIT
  nice -n 10 debootstrap --variant=minbase --include="$packages" "$suite" "$rootfs" "$mirror" >"$out/debootstrap.log" 2>&1 ||
    { log "debootstrap failed; last lines of $out/debootstrap.log:"; tail -n 20 "$out/debootstrap.log" >&2; exit 1; }
  trap - EXIT
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/{doc,man,locale} \
    "$rootfs"/var/log/*.log "$rootfs"/dev/* "$rootfs"/proc/* "$rootfs"/sys/*
  chroot "$rootfs" dpkg-query -W -f '${Package} ${Version}\n' redis-server redis-sentinel redis-tools haproxy memcached >"$out/debian-versions.txt"
  layer_of "$tarball" "$rootfs"
  rm -rf "$rootfs"
  stamp_of debian >"$out/debian.stamp"
}
debian_version() { sed -n "s/^$1 \([0-9]*:\)\{0,1\}\([0-9.]*\).*/\2/p" "$out/debian-versions.txt"; }

build_base() {
  debian_layer
  local ref=$reg/kubecache/debian-svc:$suite
  if [ "$(crane digest --insecure "$ref" 2>/dev/null)" != "$(cat "$out/base.digest" 2>/dev/null)" ] ||
    [ "$out/debian-svc.tar" -nt "$out/base.digest" ]; then
    log "pushing the Debian layer as $ref"
    crane append --insecure -f "$out/debian-svc.tar" -t "$ref" >/dev/null
    crane mutate --insecure --set-platform linux/amd64 --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      "$ref" -t "$ref" >/dev/null
    crane digest --insecure "$ref" >"$out/base.digest"
  fi
  echo "$ref@$(cat "$out/base.digest")"
}

build_redis() {
  local base ref; base=$(build_base)
  ref=$reg/kubecache/redis:$(debian_version redis-server)-$suite
  crane copy --insecure "$base" "$ref" >/dev/null
  # The components run their own start scripts (`sh /etc/redis/start.sh`); the entrypoint is for plain use.
  finish redis "$ref" --entrypoint=redis-server --user 999:999
}
build_haproxy() {
  local base ref; base=$(build_base)
  ref=$reg/kubecache/haproxy:$(debian_version haproxy)-$suite
  crane copy --insecure "$base" "$ref" >/dev/null
  finish haproxy "$ref" --entrypoint=haproxy --user 99:99
}
# Debian builds memcached without --enable-sasl-pwdb, so it ignores MEMCACHED_SASL_PWDB and the documented
# Secret (key memcached-sasl-pwdb) would log nobody in; the official images are built with it. This builds
# Debian's own source package, at the version the image has, with Debian's patches, hardening flags and
# configure flags plus that one, on this host: it must be the image's Debian release, so the binary links
# against the same libraries the image holds (checked below). The source comes through apt (a private
# deb-src list; apt checks the files against the signed Sources index). Prints the binary's path.
memcached_pwdb() {
  local b=$out/memcached-build ver want
  ver=$(sed -n 's/^memcached \(.*\)$/\1/p' "$out/debian-versions.txt")
  want="$ver:$memcached_configure"
  if [ -x "$b/memcached" ] && [ "$(cat "$b/stamp" 2>/dev/null)" = "$want" ]; then echo "$b/memcached"; return; fi
  local codename
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  [ "$codename" = "$suite" ] || { log "building memcached for the image needs a Debian $suite host (this is '${codename}')"; exit 1; }
  local need="" p
  for p in gcc make pkg-config dpkg-dev binutils libevent-dev libsasl2-dev libssl-dev; do
    dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need="$need $p"
  done
  if [ -n "$need" ]; then
    log "installing the build dependencies of memcached:$need"
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
  fi
  rm -rf "$b"
  mkdir -p "$b/lists/partial" "$b/cache/archives/partial"
  echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $(debian_mirror) $suite main" >"$b/sources.list"
  # The host's own package state stays out: apt would otherwise look for the host's installed version.
  local apt=(apt-get -o "Dir::Etc::SourceList=$b/sources.list" -o Dir::Etc::SourceParts=/nonexistent
    -o "Dir::State::Lists=$b/lists" -o "Dir::Cache=$b/cache" -o Dir::State::status=/dev/null)
  log "memcached $ver from Debian's source, configure $memcached_configure (about 1 min)"
  { "${apt[@]}" update && (cd "$b" && "${apt[@]}" source --download-only "memcached=$ver") &&
    (cd "$b" && dpkg-source -x "memcached_${ver#*:}.dsc" src); } >"$b/build.log" 2>&1 ||
    { log "fetching memcached's source failed; last lines of $b/build.log:"; tail -n 20 "$b/build.log" >&2; exit 1; }
  # shellcheck disable=SC2086
  (cd "$b/src" && eval "$(DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --export=sh)" &&
    nice -n 10 ./configure $memcached_configure && nice -n 10 make -j2 memcached) >>"$b/build.log" 2>&1 ||
    { log "building memcached failed; last lines of $b/build.log:"; tail -n 20 "$b/build.log" >&2; exit 1; }
  # grep reads all of strings' output (-q would stop early, and pipefail would count strings' SIGPIPE).
  strings "$b/src/memcached" | grep -x MEMCACHED_SASL_PWDB >/dev/null || { log "the memcached built lacks pwdb support"; exit 1; }
  local files lib
  files=$(tar -tf "$out/debian-svc.tar")
  for lib in $(objdump -p "$b/src/memcached" | awk '$1 == "NEEDED" {print $2}'); do
    grep -q "/$lib\$" <<<"$files" || { log "memcached needs $lib, which the Debian layer lacks"; exit 1; }
  done
  install -m 0755 "$b/src/memcached" "$b/memcached"
  rm -rf "$b/src" "$b/lists" "$b/cache" "$b"/memcached_*
  echo "$want" >"$b/stamp"
  echo "$b/memcached"
}

build_memcached() {
  local base ref bin d; base=$(build_base)
  bin=$(memcached_pwdb)
  ref=$reg/kubecache/memcached:$(debian_version memcached)-$suite-pwdb
  d=$(mktemp -d)
  chmod 0755 "$d" # the layer's own root entry: a 0700 one could lock non-root users out of /
  install -D -m 0755 "$bin" "$d/usr/bin/memcached"
  layer_of "$out/memcached.tar" "$d"
  rm -rf "$d"
  crane append --insecure -b "$base" -f "$out/memcached.tar" -t "$ref" >/dev/null
  rm -f "$out/memcached.tar"
  # The operator passes only arguments, as for the official image, whose entrypoint runs memcached.
  finish memcached "$ref" --entrypoint=memcached --user 11211:11211
}

build_exporter() {
  log "building the stand-in exporter (make -C operator build-exporter-standin)"
  nice -n 10 make -s -C "$root/operator" build-exporter-standin >&2
  # Named like prom/memcached-exporter's binary; the operator passes only flags.
  static_image exporter memcached-exporter "$(stamp_of exporter)" "$root/operator/bin/memcached-exporter" memcached_exporter 65534:65534
}

static_image() { # key image-name tag binary-path entrypoint user
  local key=$1 name=$2 tag=$3 binary=$4 entry=$5 user=$6 d
  d=$(mktemp -d)
  install -m 0755 "$binary" "$d/$entry"
  layer_of "$out/$name.tar" "$d"
  rm -rf "$d"
  local ref=$reg/kubecache/$name:$tag
  crane append --insecure -f "$out/$name.tar" -t "$ref" >/dev/null
  rm -f "$out/$name.tar"
  finish "$key" "$ref" --entrypoint="/$entry" --user "$user"
}

build_pause() {
  local b=$out/pause
  (cd "$root/scripts/images" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$b" .)
  static_image pause pause 3.10-local "$b" pause 65535:65535
}

build_coredns() {
  [ -x "$BIN/coredns" ] || { log "$BIN/coredns missing: run scripts/toolchain/node.sh coredns"; exit 1; }
  static_image coredns coredns "$(cut -d- -f1 "$BIN/.coredns.version")" "$BIN/coredns" coredns 65532:65532
}

# operator/Dockerfile, reproduced layer for layer: FROM scratch, COPY bin/manager /manager, USER, ENTRYPOINT.
# Prints the user; fails on any instruction it does not reproduce.
dockerfile_user() { # Dockerfile
  local df=$1 user="" entry="" copy="" line
  while IFS= read -r line; do
    case $line in
      "" | "#"*) ;;
      "FROM scratch") ;;
      "COPY bin/manager /manager") copy=1 ;;
      "USER "*) user=${line#USER } ;;
      "ENTRYPOINT ["*"]") entry=$(echo "${line#ENTRYPOINT }" | node -e 'console.log(JSON.parse(require("fs").readFileSync(0,"utf8")).join(","))') ;;
      *) log "operator/Dockerfile: instruction not reproduced by this script: $line"; exit 1 ;;
    esac
  done <"$df"
  [ -n "$copy" ] && [ "$entry" = /manager ] || { log "operator/Dockerfile: expected COPY bin/manager /manager and ENTRYPOINT [\"/manager\"]"; exit 1; }
  echo "${user:-0}"
}

build_operator() {
  local user
  user=$(dockerfile_user "$root/operator/Dockerfile")
  log "building the manager binary (make -C operator build)"
  nice -n 10 make -s -C "$root/operator" build >&2
  local tag; tag=$(stamp_of operator)
  static_image operator memcached-operator "$tag" "$root/operator/bin/manager" manager "$user"
}

if [ "${1:-}" = "--check" ]; then
  [ -x "$BIN/crane" ] && [ -f "$env_file" ] || exit 1
  started=$(bash "$root/scripts/registry.sh" start) || exit 1
  ok=0
  for i in "${all[@]}"; do current "$i" || { ok=1; break; }; done
  [ "$started" = started ] && bash "$root/scripts/registry.sh" stop >/dev/null
  exit $ok
fi
if [ "${1:-}" = dockerfile ]; then dockerfile_user "${2:-$root/operator/Dockerfile}"; exit 0; fi
# The Debian layer alone needs neither crane nor the registry (a build may start it early).
if [ "${1:-}" = debian-layer ]; then t0=$SECONDS; debian_layer; log "debian layer: $((SECONDS - t0)) s"; exit 0; fi
[ "${1:-}" = build ] && shift
want=("$@")
[ ${#want[@]} -gt 0 ] || want=("${all[@]}")
[ -x "$BIN/crane" ] || { log "$BIN/crane missing: run scripts/toolchain/node.sh crane"; exit 1; }

started=$(bash "$root/scripts/registry.sh" start)
[ "$started" = started ] && trap 'bash "$root/scripts/registry.sh" stop >/dev/null' EXIT
t_all=$SECONDS
for i in "${want[@]}"; do
  if current "$i"; then log "$i: $(recorded "$i") (cached)"; continue; fi
  t0=$SECONDS
  log "building $i"
  "build_$i"
  log "  $i: $((SECONDS - t0)) s (load $(cut -d' ' -f1-3 /proc/loadavg))"
done
log "done in $((SECONDS - t_all)) s"
cat "$env_file"
