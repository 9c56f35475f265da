#!/usr/bin/env bash
# Builds the Kubernetes control plane from Go modules (no release downloads reach this machine):
# kube-apiserver, kube-controller-manager, kube-scheduler and kubectl from k8s.io/kubernetes, kwok,
# and etcd. Output: $KUBECACHE_CACHE/bin (default ~/.cache/kubecache/bin), which envtest uses as
# KUBEBUILDER_ASSETS. Idempotent: a binary is rebuilt only when its pinned version changed.
# Usage: kube.sh [--check]   (--check: exit 0 when everything is built, 1 otherwise; builds nothing)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"
cache=${KUBECACHE_CACHE:-$HOME/.cache/kubecache}
bin=$cache/bin
src=$cache/kube-src
mkdir -p "$bin" "$src"

kube_bins=(kube-apiserver kube-controller-manager kube-scheduler kubectl)
built() { [ -x "$bin/$1" ] && [ "$(cat "$bin/.$1.version" 2>/dev/null)" = "$2" ]; }
mark() { echo "$2" >"$bin/.$1.version"; }

all_built() {
  for b in "${kube_bins[@]}"; do built "$b" "$KUBERNETES_VERSION" || return 1; done
  built kwok "$KWOK_VERSION" && built etcd "$ETCD_VERSION"
}
if [ "${1:-}" = "--check" ]; then
  all_built
  exit
fi
if all_built; then
  echo "kube.sh: all binaries at pinned versions in $bin"
  exit 0
fi

export CGO_ENABLED=0 GOFLAGS=-mod=mod
nice_go() { nice -n 10 go "$@"; }

# k8s.io/kubernetes requires its staging modules as v0.0.0 with replaces to ./staging, which only
# apply inside that repo; this wrapper module replaces each with its published v0.X.Y.
kube_wrapper() {
  local dir=$src/kubernetes-$KUBERNETES_VERSION mod
  mkdir -p "$dir"
  if [ ! -f "$dir/.ready" ]; then
    mod=$(cd "$dir" && go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
    {
      echo "module kubecache.local/kubebuild"
      echo "go 1.26.0"
      echo "require k8s.io/kubernetes $KUBERNETES_VERSION"
      grep -oE '^\s*k8s\.io/[a-z0-9-]+ => \./staging/src/k8s\.io/[a-z0-9-]+' "$mod" | awk '{print $1}' |
        while read -r m; do echo "replace $m => $m $KUBERNETES_STAGING_VERSION"; done
    } >"$dir/go.mod"
    printf 'package tools\n\nimport (\n\t_ "k8s.io/kubernetes/cmd/kube-apiserver"\n\t_ "k8s.io/kubernetes/cmd/kube-controller-manager"\n\t_ "k8s.io/kubernetes/cmd/kube-scheduler"\n\t_ "k8s.io/kubernetes/cmd/kubectl"\n)\n' >"$dir/tools.go"
    sed -i '1i //go:build tools\n' "$dir/tools.go"
    (
      cd "$dir" && go mod tidy -e >/dev/null 2>&1 || true
      go mod download all >/dev/null 2>&1 || true
    )
    touch "$dir/.ready"
  fi
  echo "$dir"
}

build_kube() {
  local dir v=$KUBERNETES_VERSION minor
  minor=$(echo "$v" | cut -d. -f2)
  dir=$(kube_wrapper)
  local ld="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $p.gitVersion=$v -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
  done
  for b in "${kube_bins[@]}"; do
    built "$b" "$v" && continue
    echo "kube.sh: building $b $v"
    (cd "$dir" && nice_go build -trimpath -ldflags "$ld" -o "$bin/$b" "k8s.io/kubernetes/cmd/$b")
    mark "$b" "$v"
  done
}

build_kwok() {
  built kwok "$KWOK_VERSION" && return
  echo "kube.sh: building kwok $KWOK_VERSION"
  GOBIN=$bin nice_go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
  mark kwok "$KWOK_VERSION"
}

# etcd's server module uses replaces to sibling directories, so `go install pkg@v` refuses it; a
# wrapper module requires the published server/v3 and builds its main package.
build_etcd() {
  built etcd "$ETCD_VERSION" && return
  echo "kube.sh: building etcd $ETCD_VERSION"
  local dir=$src/etcd-$ETCD_VERSION
  mkdir -p "$dir"
  printf 'module kubecache.local/etcdbuild\n\ngo 1.26.0\n\nrequire go.etcd.io/etcd/server/v3 %s\n' "$ETCD_VERSION" >"$dir/go.mod"
  printf '//go:build tools\n\npackage tools\n\nimport _ "go.etcd.io/etcd/server/v3"\n' >"$dir/tools.go"
  (
    cd "$dir" && go mod tidy -e >/dev/null 2>&1 || true
    nice_go build -trimpath -ldflags "-s -w" -o "$bin/etcd" go.etcd.io/etcd/server/v3
  )
  mark etcd "$ETCD_VERSION"
}

start=$SECONDS
build_etcd
build_kwok
build_kube
echo "kube.sh: done in $((SECONDS - start)) s; binaries in $bin"
