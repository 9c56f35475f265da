#!/usr/bin/env bash
# Builds what a real worker node of scripts/local-cluster needs, from Go modules (no release downloads reach
# this machine), into $KUBECACHE_CACHE/bin next to the control plane of kube.sh:
#   kubelet, kube-proxy        k8s.io/kubernetes, in kube.sh's wrapper module (same version as the API server)
#   containerd, containerd-shim-runc-v2, ctr
#                              github.com/containerd/containerd/v2 (static; no btrfs/devmapper/zfs snapshotters)
#   coredns                    github.com/coredns/coredns with only the plugins the cluster DNS uses
#   crane                      github.com/google/go-containerregistry (image build/push for scripts/images.sh)
#   crictl                     sigs.k8s.io/cri-tools (tears down pod sandboxes a stopped kubelet left behind)
#   local-path-provisioner     github.com/rancher/local-path-provisioner, the dynamic provisioner kind ships as its
#                              default StorageClass (scripts/images.sh puts it in an image)
# Each piece is skipped when its stamp ($BIN/.<name>.version) matches versions.env. Runc and the CNI plugins come
# from Debian (runc, containernetworking-plugins).
# Usage: node.sh [--check] [piece...]   pieces: kubelet containerd coredns crane crictl local-path-provisioner
#                                       (default: all)
#   --check  exit 0 when every named piece is built at its pinned version, 1 otherwise; builds nothing
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"
cache=${KUBECACHE_CACHE:-$HOME/.cache/kubecache}
bin=$cache/bin
src=$cache/kube-src
mkdir -p "$bin" "$src"
export CGO_ENABLED=0 GOFLAGS=-mod=mod

check=0
[ "${1:-}" = "--check" ] && {
  check=1
  shift
}
pieces=("$@")
[ ${#pieces[@]} -gt 0 ] || pieces=(kubelet containerd coredns crane crictl local-path-provisioner)

want() { # the stamp a piece's binaries carry
  case $1 in
    kubelet) echo "$KUBERNETES_VERSION" ;;
    containerd) echo "$CONTAINERD_VERSION" ;;
    coredns) echo "$COREDNS_VERSION-$(sha256sum "$here/coredns-main.go" | cut -c1-12)" ;;
    crane) echo "$CRANE_VERSION" ;;
    crictl) echo "$CRICTL_VERSION" ;;
    local-path-provisioner) echo "$LOCAL_PATH_PROVISIONER_VERSION" ;;
    *)
      echo "node.sh: unknown piece $1" >&2
      exit 2
      ;;
  esac
}
binaries() {
  case $1 in
    kubelet) echo kubelet kube-proxy ;;
    containerd) echo containerd containerd-shim-runc-v2 ctr ;;
    *) echo "$1" ;;
  esac
}
built() { # piece
  local b v
  v=$(want "$1")
  for b in $(binaries "$1"); do
    [ -x "$bin/$b" ] && [ "$(cat "$bin/.$b.version" 2>/dev/null)" = "$v" ] || return 1
  done
}
mark() {
  local b v
  v=$(want "$1")
  for b in $(binaries "$1"); do echo "$v" >"$bin/.$b.version"; done
}

if [ $check = 1 ]; then
  for p in "${pieces[@]}"; do built "$p" || exit 1; done
  exit 0
fi

log() { echo "node.sh: $*" >&2; }
nice_go() { nice -n 10 go "$@"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

build_kubelet() {
  # kube.sh writes the wrapper module (staging replaces) and builds the control plane from it.
  bash "$here/kube.sh" >&2
  local dir=$src/kubernetes-$KUBERNETES_VERSION v=$KUBERNETES_VERSION minor ld="-s -w" p
  minor=$(echo "$v" | cut -d. -f2)
  if [ ! -f "$dir/.node-ready" ]; then
    printf '//go:build tools\n\npackage tools\n\nimport (\n\t_ "k8s.io/kubernetes/cmd/kube-proxy"\n\t_ "k8s.io/kubernetes/cmd/kubelet"\n)\n' >"$dir/tools_node.go"
    (cd "$dir" && go mod tidy -e >/dev/null 2>&1 || true)
    touch "$dir/.node-ready"
  fi
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $p.gitVersion=$v -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
  done
  for b in kubelet kube-proxy; do
    (cd "$dir" && nice_go build -trimpath -ldflags "$ld" -o "$bin/$b" "k8s.io/kubernetes/cmd/$b")
  done
}

build_containerd() {
  local m=github.com/containerd/containerd/v2
  GOBIN=$bin nice_go install -trimpath -tags "no_btrfs no_devmapper no_zfs" \
    -ldflags "-s -w -X $m/version.Version=$CONTAINERD_VERSION" \
    "$m/cmd/containerd@$CONTAINERD_VERSION" "$m/cmd/containerd-shim-runc-v2@$CONTAINERD_VERSION" "$m/cmd/ctr@$CONTAINERD_VERSION"
}

# CoreDNS's own main imports every plugin (cloud DNS SDKs included); the cluster DNS needs a handful, so a
# wrapper module with its own main links only those (coredns-main.go).
build_coredns() {
  local dir=$src/coredns-$COREDNS_VERSION
  mkdir -p "$dir"
  cp "$here/coredns-main.go" "$dir/main.go"
  printf 'module kubecache.local/corednsbuild\n\ngo 1.26.0\n\nrequire github.com/coredns/coredns %s\n' "$COREDNS_VERSION" >"$dir/go.mod"
  (cd "$dir" && go mod tidy >/dev/null 2>&1 || go mod tidy)
  (cd "$dir" && nice_go build -trimpath -ldflags "-s -w -X github.com/coredns/coredns/coremain.GitCommit=$COREDNS_VERSION" \
    -o "$bin/coredns" .)
}

build_crane() {
  GOBIN=$bin nice_go install -trimpath -ldflags "-s -w" "github.com/google/go-containerregistry/cmd/crane@$CRANE_VERSION"
}

build_crictl() {
  GOBIN=$bin nice_go install -trimpath -ldflags "-s -w -X sigs.k8s.io/cri-tools/pkg/version.Version=$CRICTL_VERSION" \
    "sigs.k8s.io/cri-tools/cmd/crictl@$CRICTL_VERSION"
}

build_local-path-provisioner() {
  GOBIN=$bin nice_go install -trimpath -ldflags "-s -w -X main.VERSION=$LOCAL_PATH_PROVISIONER_VERSION" \
    "github.com/rancher/local-path-provisioner@$LOCAL_PATH_PROVISIONER_VERSION"
}

start=$SECONDS
for p in "${pieces[@]}"; do
  if built "$p"; then
    log "$p $(want "$p"): cached"
    continue
  fi
  t0=$SECONDS l0=$(load)
  log "building $p $(want "$p") (load $l0)"
  "build_$p"
  mark "$p"
  log "  $p: $((SECONDS - t0)) s (load before $l0, after $(load))"
done
log "done in $((SECONDS - start)) s; binaries in $bin"
