#!/usr/bin/env bash
# CI's gate for the real-engine tiers: the engine tier (`npm run test:e2e`, kwok nodes) and the real-pods tier
# (`npm run test:pods`, kubelet + containerd nodes). Each runs when its toolchain is in the cache, or when the
# missing part fits what is left of CI's budget (the cold build times below were measured on this 2-core machine,
# bench/README.md "Real pods"); otherwise it says why it did not. Always prints, per tier, exactly one of
# "<tier> tier: ran" / "<tier> tier: skipped because <reason>". Exit code: non-zero if a tier that ran failed.
#
# KUBECACHE_E2E=always  build whatever is missing, however long it takes (developer machines)
# KUBECACHE_E2E=never   skip both tiers
# KUBECACHE_PODS=never  skip only the real-pods tier
# KUBECACHE_E2E_BUDGET  seconds left for building + running (.ci/run passes what its 80 min leave after `npm test`;
#                       run alone, the same 4800)
# KUBECACHE_REQUIRED_TIERS  (set by .ci/run) a listed tier ("e2e", "pods") that skips fails instead: its toolchain is cached
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
CACHE=${KUBECACHE_CACHE:-$HOME/.cache/kubecache}
mode=${KUBECACHE_E2E:-auto}
budget=${KUBECACHE_E2E_BUDGET:-4800}
started=$SECONDS
stats=${KUBECACHE_TEST_STATS:-/dev/null}
required() {
  case ",${KUBECACHE_REQUIRED_TIERS:-}," in *,"$1",*) return 0 ;; esac
  return 1
}
# A skip of a tier .ci/run requires is a failure, counted in CI's closing line. Returns 2 for a plain skip.
skip_tier() { # tier reason...
  local tier=$1
  shift
  if required "$tier"; then
    echo "$tier tier: FAILED (required: its toolchain is cached) because $*"
    echo "{\"suite\":\"$tier\",\"passed\":0,\"failed\":1,\"skipped\":0}" >>"$stats"
    return 1
  fi
  echo "$tier tier: skipped because $*"
  return 2
}

# Measured cold build times in seconds (each at low priority beside other work: upper bounds) and run times.
COLD_PULUMI=1979 COLD_HOSTS=600 COLD_KUBE=1363 COLD_NODE=2040 COLD_IMAGES=420 RUN_ENGINE=600 RUN_PODS=1200

# Never negative: a budget already spent leaves 0, which every fits/timeout below treats as "no time".
left() {
  local l=$((budget - (SECONDS - started)))
  echo $((l > 0 ? l : 0))
}
# Runs a build within what is left of the budget, keeping `reserve` seconds for the runs after it.
budgeted() {
  local reserve=$1 t
  shift
  if [ "$mode" = always ]; then
    "$@"
    return
  fi
  t=$(($(left) - reserve))
  [ "$t" -gt 0 ] || {
    echo "no budget left for: $*"
    return 1
  }
  timeout "$t" "$@"
}
fits() { [ "$mode" = always ] || [ "$(left)" -ge "$1" ]; }

# A tier killed before mocha reported still has to show up as a failure in CI's closing line.
run_tier() { # tier npm-script timeout
  local before code clusters_before d
  before=$(wc -l <"$stats")
  clusters_before=$(ls -d /tmp/kubecache-cluster.* 2>/dev/null || true)
  KUBECACHE_TIER=$1 timeout "$3" npm run --silent "$2"
  code=$?
  # A run cut off by the timeout cannot stop its cluster itself; stop what it started, by PID.
  for d in /tmp/kubecache-cluster.*; do
    [ -d "$d" ] && ! grep -qxF "$d" <<<"$clusters_before" && bash scripts/local-cluster stop "$d"
  done
  if [ "$code" -ne 0 ] && [ "$(wc -l <"$stats")" = "$before" ] && [ "$stats" != /dev/null ]; then
    echo "{\"suite\":\"$1\",\"passed\":0,\"failed\":1,\"skipped\":0}" >>"$stats"
  fi
  return "$code"
}

# Engine tier: the Pulumi toolchain and the control plane. Prints its verdict; returns 2 when skipped.
engine_tier() {
  skip() { skip_tier e2e "$@"; }
  [ "$mode" = never ] && {
    skip "KUBECACHE_E2E=never"
    return
  }
  if ! bash scripts/toolchain/pulumi.sh --check core; then
    # With the module and build caches warm (a previous build left $CACHE/src) it is mostly link steps.
    if [ "$mode" = always ] || { [ -d "$CACHE/src/pulumi-cli" ] && fits 2400; }; then
      echo "e2e tier: building the Pulumi toolchain (scripts/toolchain/pulumi.sh)"
      budgeted "$RUN_ENGINE" bash scripts/toolchain/pulumi.sh || {
        skip "scripts/toolchain/pulumi.sh failed or ran out of budget (see above)"
        return
      }
    else
      skip "the Pulumi toolchain is not built in $CACHE/bin (run scripts/toolchain/pulumi.sh once; measured ${COLD_PULUMI}s cold, more than CI's ${budget}s leave with the other pieces)"
      return
    fi
  fi
  # The YAML and Go language hosts (the yaml and go specs) link pkg/v3, whose modules the CLI build fetched.
  if ! bash scripts/toolchain/pulumi.sh --check; then
    if fits $((COLD_HOSTS + RUN_ENGINE)); then
      echo "e2e tier: building the missing language hosts (scripts/toolchain/pulumi.sh)"
      budgeted "$RUN_ENGINE" bash scripts/toolchain/pulumi.sh || {
        skip "scripts/toolchain/pulumi.sh failed or ran out of budget (see above)"
        return
      }
    else
      skip "the YAML or Go language host is not built in $CACHE/bin (scripts/toolchain/pulumi.sh: up to ${COLD_HOSTS}s, $(left)s of CI left)"
      return
    fi
  fi
  if ! bash scripts/toolchain/kube.sh --check; then
    if fits $((COLD_KUBE + RUN_ENGINE)); then
      echo "e2e tier: building the Kubernetes control plane (scripts/toolchain/kube.sh)"
      budgeted "$RUN_ENGINE" bash scripts/toolchain/kube.sh || {
        skip "scripts/toolchain/kube.sh failed or ran out of budget (see above)"
        return
      }
    else
      skip "kube-apiserver/kube-controller-manager/kube-scheduler/kwok are not built in $CACHE/bin (scripts/toolchain/kube.sh: ${COLD_KUBE}s cold, $(left)s of CI left)"
      return
    fi
  fi
  # kube.sh builds etcd with the control plane (its --check above covers it); no system package is needed.
  [ -x "$CACHE/bin/etcd" ] || {
    skip "etcd is not built in $CACHE/bin (scripts/toolchain/kube.sh)"
    return
  }
  [ -x "$CACHE/bin/kubectl" ] || command -v kubectl >/dev/null || {
    skip "kubectl is not installed"
    return
  }
  [ "$(left)" -ge "$RUN_ENGINE" ] || {
    skip "only $(left)s of CI budget left after building"
    return
  }
  echo "e2e tier: ran"
  KUBECACHE_REQUIRED_TIERS="${KUBECACHE_REQUIRED_TIERS:-},e2e" run_tier e2e test:e2e "$(left)"
}

# Real-pods tier, after the engine tier (same Pulumi toolchain and control plane).
pods_tier() {
  skip() { skip_tier pods "$@"; }
  [ "$mode" = never ] && {
    skip "KUBECACHE_E2E=never"
    return
  }
  [ "${KUBECACHE_PODS:-}" = never ] && {
    skip "KUBECACHE_PODS=never"
    return
  }
  [ "$(id -u)" = 0 ] || {
    skip "real nodes need root (bridges, iptables, cgroups, mounts)"
    return
  }
  bash scripts/setup.sh cluster || {
    skip "the host packages of the local cluster could not be installed (scripts/setup.sh cluster)"
    return
  }
  bash scripts/toolchain/pulumi.sh --check core && bash scripts/toolchain/kube.sh --check ||
    {
      skip "the engine tier's toolchain is not built (see above)"
      return
    }
  if ! bash scripts/toolchain/node.sh --check; then
    if fits $((COLD_NODE + COLD_IMAGES + RUN_PODS)); then
      echo "pods tier: building kubelet, kube-proxy, containerd, CoreDNS, crane, crictl (scripts/toolchain/node.sh)"
      budgeted $((COLD_IMAGES + RUN_PODS)) bash scripts/toolchain/node.sh || {
        skip "scripts/toolchain/node.sh failed or ran out of budget (see above)"
        return
      }
    else
      skip "the node toolchain is not built in $CACHE/bin (scripts/toolchain/node.sh: ${COLD_NODE}s cold + images ${COLD_IMAGES}s + the run ${RUN_PODS}s; $(left)s of CI left)"
      return
    fi
  fi
  if ! bash scripts/images.sh --check >/dev/null 2>&1; then
    if fits $((COLD_IMAGES + RUN_PODS)); then
      echo "pods tier: building the local images (scripts/images.sh)"
      budgeted "$RUN_PODS" bash scripts/images.sh >/dev/null || {
        skip "scripts/images.sh failed or ran out of budget (see above)"
        return
      }
    else
      skip "the local images are not built (scripts/images.sh: ${COLD_IMAGES}s cold + the run ${RUN_PODS}s; $(left)s of CI left)"
      return
    fi
  fi
  [ "$(left)" -ge "$RUN_PODS" ] || {
    skip "only $(left)s of CI budget left for a run that takes about ${RUN_PODS}s"
    return
  }
  echo "pods tier: ran"
  # Everything it checks for is in place now: a test of the tier that still skips is a failure.
  KUBECACHE_REQUIRED_TIERS="${KUBECACHE_REQUIRED_TIERS:-},pods" run_tier pods test:pods "$(left)"
}

rc=0
engine_tier
e=$?
[ "$e" = 2 ] && e=0
pods_tier
p=$?
[ "$p" = 2 ] && p=0
[ "$e" -ne 0 ] && rc=$e
[ "$p" -ne 0 ] && rc=$p
exit "$rc"
