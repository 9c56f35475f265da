#!/usr/bin/env bash
# Load through the Sentinel endpoint against its peer in the same run: redis-benchmark (Debian's, on the host)
# through RedisSentinel's `redis-ha` ClusterIP and RedisReplicated's `redis-sfs-master`, at each client count, then
# the fences the master's agent logged during the run. For `npm run up`'s local stack (bench/README.md "Load
# through the Sentinel endpoint").
#   bench/endpoint-load.sh [clients...]     default: 1 20 50
# KUBECONFIG (default: the local stack's), KUBECACHE_NS (default kubecache), KUBECACHE_BENCH_N (default 100000).
set -euo pipefail
cache=${KUBECACHE_CACHE:-$HOME/.cache/kubecache}
kubectl=$(command -v kubectl || echo "$cache/bin/kubectl")
export KUBECONFIG=${KUBECONFIG:-$cache/local-cluster/kubeconfig}
ns=${KUBECACHE_NS:-kubecache}
n=${KUBECACHE_BENCH_N:-100000}
command -v redis-benchmark >/dev/null || {
  echo "redis-benchmark missing: apt-get install redis-tools" >&2
  exit 1
}
k() { "$kubectl" -n "$ns" "$@"; }

pass=$(k get secret redis-ha-auth -o jsonpath='{.data.redis-password}' | base64 -d)
ha=$(k get svc redis-ha -o jsonpath='{.spec.clusterIP}')
sfs=$(k get svc redis-sfs-master -o jsonpath='{.spec.clusterIP}')
sfs_pass=$(k get secret redis-sfs-auth -o jsonpath='{.data.redis-password}' | base64 -d)
since=$(date -u +%Y-%m-%dT%H:%M:%SZ)
echo "# $(date -u '+%F %T') load $(cut -d' ' -f1-3 /proc/loadavg), n=$n, redis-ha $ha, redis-sfs-master $sfs"
echo "| clients | endpoint SET/s | endpoint GET/s | replicated master SET/s | GET/s | endpoint / replicated (SET) |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: |"
rate() { # host password clients -> "SET GET" (requests per second), or "error: <first line>"
  local out
  # redis-benchmark takes the password only as -a (it ignores REDISCLI_AUTH); the stack's is a generated local one.
  if ! out=$(redis-benchmark -h "$1" -a "$2" -n "$n" -c "$3" -t set,get -q 2>&1 </dev/null | grep -v 'Using a password'); then
    echo "error: $(echo "$out" | tr '\r' '\n' | grep -m1 -iE 'error|closed|NOREPLICAS' || echo "$out" | tail -1)"
    return
  fi
  if echo "$out" | grep -qiE 'error|closed|NOREPLICAS'; then
    echo "error: $(echo "$out" | tr '\r' '\n' | grep -m1 -iE 'error|closed|NOREPLICAS')"
    return
  fi
  echo "$(echo "$out" | tr '\r' '\n' | awk '/^SET:/ {print $2}' | tail -1) $(echo "$out" | tr '\r' '\n' | awk '/^GET:/ {print $2}' | tail -1)"
}
for c in "${@:-1 20 50}"; do
  for clients in $c; do
    e=$(rate "$ha" "$pass" "$clients")
    r=$(rate "$sfs" "$sfs_pass" "$clients")
    if [[ $e == error:* ]] || [[ $r == error:* ]]; then
      cell() { if [[ $1 == error:* ]]; then echo "$1 | —"; else echo "${1% *} | ${1#* }"; fi; }
      echo "| $clients | $(cell "$e") | $(cell "$r") | |"
    else
      echo "| $clients | ${e% *} | ${e#* } | ${r% *} | ${r#* } | $(awk -v a="${e% *}" -v b="${r% *}" 'BEGIN { printf "%.2f×", a / b }') |"
    fi
  done
done
echo
echo "fences logged by the data pods' agents since $since:"
for p in $(k get pods -o name | grep '/redis-ha-node-'); do
  k logs "$p" -c agent --since-time "$since" 2>/dev/null | grep -E 'fenced|taking writes|stalled' | sed "s|^|${p#pod/}: |" || true
done
