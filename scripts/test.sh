#!/usr/bin/env bash
# `npm test`: every stage, each timed; see CONTRIBUTING.md for what each covers.
#   typecheck  tsc --noEmit over the program, components, policies and tests, and over examples/
#   lint       biome: formatting and lint rules (`npm run lint`; `npm run format` rewrites the files)
#   unit       mocha under Pulumi mocks, policies, renderers: no servers, no type-check (`npm run test:unit`)
#   loopback   mocha tests that start servers on 127.0.0.1 (redis, sentinel, haproxy, the policy pack's gRPC)
#   package    npm pack into an empty consumer, and the package schema of PulumiPlugin.yaml
#   go         go vet + go test ./... in operator/ (envtest when scripts/toolchain/kube.sh built it)
# Every stage runs even when an earlier one fails; the exit code is non-zero if any failed.
# `npm test -- <spec files>` runs just those specs with mocha.
# When KUBECACHE_TEST_STATS names a file, each stage appends {"suite","passed","failed","skipped","seconds"} to it.
# KUBECACHE_REQUIRED_TIERS (e.g. "loopback,envtest", set by .ci/run) turns a skipped test of a listed tier into a failure.
# shellcheck disable=SC2317 # record, counted and typecheck run through stage's and counted's "$@"
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
failed=0
record() {
  [ -n "${KUBECACHE_TEST_STATS:-}" ] && echo "$1" >>"$KUBECACHE_TEST_STATS"
  return 0
}
timings=()
stage() {
  local name=$1 t0=$SECONDS rc
  shift
  echo "== $name"
  KUBECACHE_TIER=$name "$@"
  rc=$?
  timings+=("$(printf '%-10s %4d s  %s' "$name" $((SECONDS - t0)) "$([ $rc -eq 0 ] && echo ok || echo FAILED)")")
  [ $rc -eq 0 ] || failed=1
}
counted() { # a stage without test counts of its own: one check that passed or failed
  local suite=$1
  shift
  if "$@"; then record "{\"suite\":\"$suite\",\"passed\":1,\"failed\":0,\"skipped\":0}"; else
    record "{\"suite\":\"$suite\",\"passed\":0,\"failed\":1,\"skipped\":0}"
    return 1
  fi
}

if [ $# -gt 0 ]; then
  stage mocha npx mocha "$@"
  exit $failed
fi

typecheck() { npx tsc -p tsconfig.json --noEmit && npx tsc -p examples/tsconfig.json; }
stage typecheck counted typecheck typecheck
stage lint counted lint npm run --silent lint
stage unit npx mocha --config test/unit.mocharc.json
stage loopback npx mocha 'test/**/*Loopback.spec.ts' test/policy/entry.spec.ts
stage package npx mocha --timeout 300000 'test/package/**/*.spec.ts'
if [ -f operator/go.mod ]; then
  stage go bash scripts/test-go.sh
fi
echo "== stage times (load average $(cut -d' ' -f1-3 /proc/loadavg))"
printf '   %s\n' "${timings[@]}"
exit $failed
