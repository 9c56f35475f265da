#!/usr/bin/env bash
# `npm test`: type-check, mocha unit + loopback tests, then the operator's Go tests.
# Every stage runs even when an earlier one fails; the exit code is non-zero if any failed.
# When KUBECACHE_TEST_STATS names a file, each stage appends {"suite","passed","failed","skipped"} to it.
set -uo pipefail
cd "$(dirname "$0")/.."
failed=0
record() { [ -n "${KUBECACHE_TEST_STATS:-}" ] && echo "$1" >>"$KUBECACHE_TEST_STATS"; return 0; }

echo "== typecheck (tsc --noEmit)"
if npx tsc -p tsconfig.json --noEmit; then
  record '{"suite":"typecheck","passed":1,"failed":0,"skipped":0}'
else
  record '{"suite":"typecheck","passed":0,"failed":1,"skipped":0}'; failed=1
fi

echo "== mocha"
npx mocha "${@:-test/**/*.spec.ts}" || failed=1

if [ -f operator/go.mod ]; then
  echo "== go test (operator/)"
  bash scripts/test-go.sh || failed=1
fi
exit $failed
