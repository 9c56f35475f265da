#!/usr/bin/env bash
# Runs `make lint` (go vet, gofmt, staticcheck) and `go test ./...` in operator/, prints one line per package,
# and appends counts.
set -uo pipefail
cd "$(dirname "$0")/../operator" || exit 1
out=$(mktemp)
trap 'rm -f "$out"' EXIT
make -s lint || {
  echo "make lint failed (go vet, gofmt or staticcheck)"
  exit 1
}
# envtest uses the control plane scripts/toolchain/kube.sh built, if it did; this script never builds it.
assets=${KUBECACHE_CACHE:-$HOME/.cache/kubecache}/bin
if [ -z "${KUBEBUILDER_ASSETS:-}" ] && [ -x "$assets/kube-apiserver" ] && [ -x "$assets/etcd" ]; then
  export KUBEBUILDER_ASSETS=$assets
fi
go test -count=1 -json ./... >"$out"
rc=$?
node ../scripts/go-test-summary.js "$out" || rc=1
exit $rc
