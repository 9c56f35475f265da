#!/usr/bin/env bash
# Runs `go vet` and `go test ./...` in operator/, prints one line per package, and appends counts.
set -uo pipefail
cd "$(dirname "$0")/../operator"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
go vet ./... || { echo "go vet failed"; exit 1; }
go test -count=1 -json ./... >"$out"; rc=$?
node ../scripts/go-test-summary.js "$out" || rc=1
exit $rc
