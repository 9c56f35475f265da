#!/usr/bin/env bash
# Builds the images the local real-node cluster runs, from Debian packages and this repository, pushes them to
# the local registry (scripts/registry.sh, 127.0.0.1:5001) and records each by digest in
# $KUBECACHE_CACHE/images/images.env. No image comes from a remote registry, and no daemon is needed: crane
# writes the layers and configs.
#   valkey          valkey-server, valkey-sentinel, valkey-tools   \
#   haproxy         haproxy 3.0                                     | one Debian trixie minbase layer shared by all
#   memcached       memcached 1.6 (with libsasl2-modules for PLAIN) | four: the versions users of the default
#   redisexporter   prometheus-redis-exporter                      /  images get (Valkey 8, HAProxy 3)
#                   memcached gets one more layer: /usr/bin/memcached rebuilt from trixie's source package with
#                   --enable-sasl-pwdb, as the official images are (scripts/memcached-pwdb.sh)
#   redis           redis-server, redis-sentinel, redis-tools from Debian bookworm (Redis 7.0), for `engine: redis`
#   exporter        operator/test/exporter, the stand-in for prom/memcached-exporter (static, FROM scratch)
#   localpath       rancher's local-path-provisioner (scripts/toolchain/node.sh builds it), the cluster's default
#                   StorageClass; its helper pods run the bookworm layer
#   pause           the pod sandbox (scripts/images/pause.go, static)
#   coredns         the cluster DNS (scripts/toolchain/node.sh builds the binary)
#   operator        operator/Dockerfile: FROM scratch + the static manager binary; its instructions are read from the
#                   Dockerfile, and any this script does not reproduce exactly makes it fail
# Idempotent: an image is rebuilt only when its inputs changed or the registry lost it.
# Usage: images.sh [build] [image...]   build what is missing (default: all), print images.env
#        images.sh dockerfile [FILE]     the USER the operator image gets from FILE (operator/Dockerfile); fails on
#                                       an instruction this script does not reproduce
#        images.sh debian-layer [SUITE]  only a Debian layer (debootstrap; no crane, no registry)
#        images.sh --check              exit 0 when every image is in the registry at its recorded digest
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${KUBECACHE_CACHE:-$HOME/.cache/kubecache}
BIN=$CACHE/bin
out=$CACHE/images
reg=${KUBECACHE_REGISTRY:-127.0.0.1:5001}
env_file=$out/images.env
# crane logs every blob it pushes; keep that out of the way unless a call fails.
crane() { "$BIN/crane" "$@" 2>"$out/crane.err" || {
  cat "$out/crane.err" >&2
  return 1
}; }
log() { echo "images.sh: $*" >&2; }
mkdir -p "$out"

all=(pause coredns redis valkey haproxy memcached redisexporter exporter localpath operator)
# Each Debian release's layer and the packages in it. libsasl2-modules holds the PLAIN mechanism; without it
# memcached -S offers no mechanism at all.
declare -A packages=(
  [bookworm]="redis-server,redis-sentinel,redis-tools"
  [trixie]="valkey-server,valkey-sentinel,valkey-tools,haproxy,memcached,libsasl2-modules,prometheus-redis-exporter"
)
suite_of() { case $1 in redis | localpath) echo bookworm ;; *) echo trixie ;; esac }

# Inputs of each image; a change of any rebuilds it.
stamp_of() {
  case $1 in
    # What a layer is to hold, not what was last built: a changed package list rebuilds its images.
    debian-*) echo "${1#debian-}:${packages[${1#debian-}]}" ;;
    redis | valkey | haproxy | redisexporter) echo "$(stamp_of "debian-$(suite_of "$1")"):$1" ;;
    memcached) echo "$(stamp_of debian-trixie):$1:$(bash "$root/scripts/memcached-pwdb.sh" --check trixie >/dev/null && cat "$CACHE/memcached-pwdb/trixie/stamp")" ;;
    exporter) (cd "$root/operator" && cat test/exporter/main.go go.mod | sha256sum | cut -c1-16) ;;
    localpath) echo "$(cat "$BIN/.local-path-provisioner.version" 2>/dev/null):$(stamp_of debian-bookworm)" ;;
    pause) sha256sum "$root/scripts/images/pause.go" | cut -c1-16 ;;
    coredns) cat "$BIN/.coredns.version" 2>/dev/null ;;
    operator) (cd "$root/operator" && find . -type f ! -path './bin/*' ! -path './test/*' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16) ;;
  esac
}
recorded() { sed -n "s/^KUBECACHE_IMAGE_$(echo "$1" | tr '[:lower:]' '[:upper:]')=//p" "$env_file" 2>/dev/null; }
current() { # the recorded ref when its stamp matches and the registry still serves that digest
  local ref
  ref=$(recorded "$1")
  [ -n "$ref" ] && [ "$(cat "$out/$1.stamp" 2>/dev/null)" = "$(stamp_of "$1")" ] &&
    [ "$(crane digest --insecure "$ref" 2>/dev/null)" = "${ref#*@}" ]
}
record() { # name ref
  local key
  key=KUBECACHE_IMAGE_$(echo "$1" | tr '[:lower:]' '[:upper:]')
  touch "$env_file"
  {
    grep -v "^$key=" "$env_file" || true
    echo "$key=$2"
  } >"$env_file.new"
  mv "$env_file.new" "$env_file"
  stamp_of "$1" >"$out/$1.stamp"
}
# Pushes the image at tag `$1` with config changes `$@`, then records it by digest.
finish() { # name ref-with-tag mutate-args...
  local name=$1 ref=$2
  shift 2
  crane mutate --insecure --set-platform linux/amd64 "$@" "$ref" -t "$ref" >/dev/null
  local digest
  digest=$(crane digest --insecure "$ref")
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
  [ -n "$mirror" ] || {
    log "no Debian mirror in /etc/apt/sources.list*"
    exit 1
  }
  echo "$mirror"
}

debian_layer() { # suite
  local suite=$1 rootfs=$out/rootfs-$1 tarball=$out/debian-$1.tar
  if [ -f "$tarball" ] && [ "$(cat "$out/debian-$suite.stamp" 2>/dev/null)" = "$(stamp_of "debian-$suite")" ]; then return; fi
  command -v debootstrap >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
  local mirror
  mirror=$(debian_mirror)
  rm -rf "$rootfs"
  log "debootstrap --variant=minbase $suite with ${packages[$suite]} (about 2-3 min)"
  # debootstrap mounts /proc and /sys inside the target while it installs; never leave them behind.
  # shellcheck disable=SC2154 # m is the trap's own loop variable
  trap 'for m in proc sys dev/pts; do mountpoint -q "$rootfs/$m" && umount -l "$rootfs/$m"; done; true' EXIT
  nice -n 10 debootstrap --variant=minbase --include="${packages[$suite]}" "$suite" "$rootfs" "$mirror" >"$out/debootstrap-$suite.log" 2>&1 ||
    {
      log "debootstrap failed; last lines of $out/debootstrap-$suite.log:"
      tail -n 20 "$out/debootstrap-$suite.log" >&2
      exit 1
    }
  trap - EXIT
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/{doc,man,locale} \
    "$rootfs"/var/log/*.log "${rootfs:?}"/dev/* "$rootfs"/proc/* "$rootfs"/sys/*
  # shellcheck disable=SC2046,SC2016 # one word per package; dpkg-query expands the ${...}
  chroot "$rootfs" dpkg-query -W -f '${Package} ${Version}\n' $(tr , ' ' <<<"${packages[$suite]}") >"$out/debian-$suite-versions.txt"
  layer_of "$tarball" "$rootfs"
  rm -rf "$rootfs"
  stamp_of "debian-$suite" >"$out/debian-$suite.stamp"
}
debian_version() { # package: its version without epoch or Debian revision, from the layer that has it
  cat "$out"/debian-*-versions.txt 2>/dev/null | sed -n "s/^$1 \([0-9]*:\)\{0,1\}\([0-9.]*\).*/\2/p" | head -n1
}

build_base() { # suite: pushes the layer as an image, prints its ref by digest
  local suite=$1
  debian_layer "$suite"
  local ref=$reg/kubecache/debian-svc:$suite digest_file=$out/base-$suite.digest
  if [ "$(crane digest --insecure "$ref" 2>/dev/null)" != "$(cat "$digest_file" 2>/dev/null)" ] ||
    [ "$out/debian-$suite.tar" -nt "$digest_file" ]; then
    log "pushing the Debian $suite layer as $ref"
    crane append --insecure -f "$out/debian-$suite.tar" -t "$ref" >/dev/null
    crane mutate --insecure --set-platform linux/amd64 --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      "$ref" -t "$ref" >/dev/null
    crane digest --insecure "$ref" >"$digest_file"
  fi
  echo "$ref@$(cat "$digest_file")"
}
# An image that is the Debian layer of its release with its own entrypoint and user (the components run their
# own start scripts, `sh /etc/redis/start.sh`; the entrypoint is for plain use).
# The version comes from the layer's package list, so it is read only after build_base has built the layer.
debian_image() { # key repository package entrypoint user
  local base ref suite version
  suite=$(suite_of "$1")
  base=$(build_base "$suite")
  version=$(debian_version "$3")
  [ -n "$version" ] || {
    log "no version of $3 in $out/debian-$suite-versions.txt"
    exit 1
  }
  ref=$reg/kubecache/$2:$version-$suite
  crane copy --insecure "$base" "$ref" >/dev/null
  finish "$1" "$ref" --entrypoint="$4" --user "$5"
}
build_redis() { debian_image redis redis redis-server redis-server 999:999; }
build_valkey() { debian_image valkey valkey valkey-server valkey-server 999:999; }
build_haproxy() { debian_image haproxy haproxy haproxy haproxy 99:99; }
build_redisexporter() {
  debian_image redisexporter redis-exporter prometheus-redis-exporter prometheus-redis-exporter 65534:65534
}

# The official images' memcached has pwdb support, Debian's does not: one more layer with the rebuilt binary,
# linked against (and checked inside) the same release as the layer under it.
build_memcached() {
  local base ref bin d
  base=$(build_base trixie)
  bin=$(bash "$root/scripts/memcached-pwdb.sh" trixie)
  local files lib
  files=$(tar -tf "$out/debian-trixie.tar")
  for lib in $(objdump -p "$bin" | awk '$1 == "NEEDED" {print $2}'); do
    grep -q "/$lib\$" <<<"$files" || {
      log "memcached needs $lib, which the Debian trixie layer lacks"
      exit 1
    }
  done
  ref=$reg/kubecache/memcached:$(debian_version memcached)-trixie-pwdb
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

build_localpath() {
  [ -x "$BIN/local-path-provisioner" ] || {
    log "$BIN/local-path-provisioner missing: run scripts/toolchain/node.sh local-path-provisioner"
    exit 1
  }
  local base d ref
  base=$(build_base bookworm)
  ref=$reg/kubecache/local-path-provisioner:$(cat "$BIN/.local-path-provisioner.version")
  d=$(mktemp -d)
  chmod 0755 "$d"
  install -D -m 0755 "$BIN/local-path-provisioner" "$d/usr/bin/local-path-provisioner"
  layer_of "$out/localpath.tar" "$d"
  rm -rf "$d"
  # On the Debian layer: the helper pods it starts for each volume run its /bin/sh, mkdir and rm.
  crane append --insecure -b "$base" -f "$out/localpath.tar" -t "$ref" >/dev/null
  rm -f "$out/localpath.tar"
  finish localpath "$ref" --entrypoint=local-path-provisioner --user 0:0
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
  [ -x "$BIN/coredns" ] || {
    log "$BIN/coredns missing: run scripts/toolchain/node.sh coredns"
    exit 1
  }
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
      *)
        log "operator/Dockerfile: instruction not reproduced by this script: $line"
        exit 1
        ;;
    esac
  done <"$df"
  [ -n "$copy" ] && [ "$entry" = /manager ] || {
    log "operator/Dockerfile: expected COPY bin/manager /manager and ENTRYPOINT [\"/manager\"]"
    exit 1
  }
  echo "${user:-0}"
}

build_operator() {
  local user
  user=$(dockerfile_user "$root/operator/Dockerfile")
  log "building the manager binary (make -C operator build)"
  nice -n 10 make -s -C "$root/operator" build >&2
  local tag
  tag=$(stamp_of operator)
  static_image operator memcached-operator "$tag" "$root/operator/bin/manager" manager "$user"
}

if [ "${1:-}" = "--check" ]; then
  [ -x "$BIN/crane" ] && [ -f "$env_file" ] || exit 1
  started=$(bash "$root/scripts/registry.sh" start) || exit 1
  ok=0
  for i in "${all[@]}"; do current "$i" || {
    ok=1
    break
  }; done
  [ "$started" = started ] && bash "$root/scripts/registry.sh" stop >/dev/null
  exit $ok
fi
if [ "${1:-}" = dockerfile ]; then
  dockerfile_user "${2:-$root/operator/Dockerfile}"
  exit 0
fi
# The Debian layer alone needs neither crane nor the registry (a build may start it early).
if [ "${1:-}" = debian-layer ]; then
  t0=$SECONDS
  debian_layer "${2:-trixie}"
  log "debian ${2:-trixie} layer: $((SECONDS - t0)) s"
  exit 0
fi
[ "${1:-}" = build ] && shift
want=("$@")
[ ${#want[@]} -gt 0 ] || want=("${all[@]}")
[ -x "$BIN/crane" ] || {
  log "$BIN/crane missing: run scripts/toolchain/node.sh crane"
  exit 1
}

started=$(bash "$root/scripts/registry.sh" start)
[ "$started" = started ] && trap 'bash "$root/scripts/registry.sh" stop >/dev/null' EXIT
t_all=$SECONDS
for i in "${want[@]}"; do
  if current "$i"; then
    log "$i: $(recorded "$i") (cached)"
    continue
  fi
  t0=$SECONDS
  log "building $i"
  "build_$i"
  log "  $i: $((SECONDS - t0)) s (load $(cut -d' ' -f1-3 /proc/loadavg))"
done
log "done in $((SECONDS - t_all)) s"
cat "$env_file"
