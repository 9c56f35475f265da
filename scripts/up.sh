#!/usr/bin/env bash
# `npm run up`: deploy a stack (default `dev`) on the embedded defaults — a local file backend
# under ./.pulumi and the passphrase secrets provider with a generated passphrase kept in
# ./.pulumi/passphrase (git-ignored). Set PULUMI_BACKEND_URL / PULUMI_CONFIG_PASSPHRASE[_FILE]
# to use your own. Extra arguments go to `pulumi up`.
#
# KUBECACHE_STACK=local is the offline path, also taken by itself when the default `dev` stack cannot run here
# (no Pulumi CLI on PATH, or no usable kind + Docker): the toolchain built from Go modules (scripts/toolchain),
# the real-node local cluster (scripts/local-cluster --real, kept running between runs), images built from Debian
# packages and operator/Dockerfile (scripts/images.sh), and Pulumi.local.yaml with the machine's values (cluster
# kubeconfig, image digests, a generated Redis password) added in .pulumi/Pulumi.local.yaml. Only the kubernetes
# plugin is needed. Stop the cluster with: scripts/local-cluster stop ~/.cache/kubecache/local-cluster
set -euo pipefail
cd "$(dirname "$0")/.."
stack="${KUBECACHE_STACK:-dev}"
cache="${KUBECACHE_CACHE:-$HOME/.cache/kubecache}"

kind_usable() { command -v kind >/dev/null && command -v docker >/dev/null && docker info >/dev/null 2>&1; }
if [ -z "${KUBECACHE_STACK:-}" ] && { ! command -v pulumi >/dev/null || ! kind_usable; }; then
  why="no Pulumi CLI on PATH"
  command -v pulumi >/dev/null && why="no usable kind + Docker"
  echo "up: $why for the dev stack; taking the offline path instead: the local stack on real nodes of this machine (KUBECACHE_STACK=local)"
  stack=local
fi

[ -d node_modules ] || npm ci --no-audit --no-fund
# The engine runs at most GOMAXPROCS × 4 steps at once; every awaited workload and Service holds a slot until it
# is ready, so on a small machine the default serializes the stack's ~40 objects (bench/README.md "Real pods").
export PULUMI_PARALLEL="${PULUMI_PARALLEL:-64}"
mkdir -p .pulumi
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$PWD/.pulumi}"
if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  if [ ! -s .pulumi/passphrase ]; then
    (
      umask 077
      head -c 24 /dev/urandom | base64 >.pulumi/passphrase
    )
    echo "up: generated a passphrase for the local secrets provider in .pulumi/passphrase (keep it; it decrypts the stack's secrets)"
  fi
  export PULUMI_CONFIG_PASSPHRASE_FILE="$PWD/.pulumi/passphrase"
fi

if [ "$stack" != local ]; then
  # A Pulumi CLI built offline by scripts/toolchain/pulumi.sh is used when none is installed.
  if ! command -v pulumi >/dev/null && [ -x "$cache/bin/pulumi" ]; then
    eval "$(bash scripts/toolchain/pulumi.sh --env)"
    # That toolchain has only the kubernetes plugin; the program also needs these (no download offline).
    for plugin in command random docker; do
      pulumi plugin ls 2>/dev/null | grep -q "^$plugin " ||
        echo "up: warning: no '$plugin' resource plugin in $PULUMI_HOME; the stack's $plugin resources will fail (install it with 'pulumi plugin install resource $plugin' where the network allows), or use KUBECACHE_STACK=local" >&2
    done
  fi
  if ! command -v pulumi >/dev/null; then
    echo "up: no pulumi CLI on PATH. Install it (https://www.pulumi.com/docs/install/), build it offline with scripts/toolchain/pulumi.sh, or deploy offline with KUBECACHE_STACK=local." >&2
    exit 1
  fi
  pulumi stack select "$stack" --create --secrets-provider passphrase
  exec pulumi up --yes --stack "$stack" "$@"
fi

# --- the local stack ---
# The host packages first (runc, CNI plugins, conntrack, debootstrap, ...): a missing one would otherwise stop the
# run only when the cluster starts, after the long builds.
bash scripts/setup.sh cluster
# Each step: what it builds, how long it took here cold (2 cores shared with other builds, bench/README.md "Real
# pods") and warm; it is skipped when its --check passes.
step() { # check-command build-command what cold warm
  if eval "$1" >/dev/null 2>&1; then return; fi
  echo "up: building $3 (expected: about $4 the first time, $5 when only rebuilt) ..."
  local t0=$SECONDS
  eval "$2"
  echo "up:   $3 done in $((SECONDS - t0)) s"
}
step "bash scripts/toolchain/pulumi.sh --check" "bash scripts/toolchain/pulumi.sh >&2" \
  "the Pulumi CLI, language hosts and kubernetes provider (scripts/toolchain/pulumi.sh)" "35 min" "1 min"
step "bash scripts/toolchain/kube.sh --check" "bash scripts/toolchain/kube.sh >&2" \
  "kube-apiserver, controller-manager, scheduler, kubectl, etcd, kwok (scripts/toolchain/kube.sh)" "25 min" "1 min"
step "bash scripts/toolchain/node.sh --check" "bash scripts/toolchain/node.sh >&2" \
  "kubelet, kube-proxy, containerd, CoreDNS, crane, crictl (scripts/toolchain/node.sh)" "20 min" "1 min"
step "bash scripts/images.sh --check" "bash scripts/images.sh >&2" \
  "the images: Debian Redis/HAProxy/memcached, pause, CoreDNS, the operator (scripts/images.sh)" "6 min" "1 min"
eval "$(bash scripts/toolchain/pulumi.sh --env)"
# shellcheck disable=SC1091
source "$cache/images/images.env"

# The cluster keeps its directory (and so the API address in the kubeconfig) across `npm run up` runs.
cdir=$cache/local-cluster
kubeconfig=$cdir/kubeconfig
fresh=0
if ! { [ -f "$kubeconfig" ] && "$cache/bin/kubectl" --kubeconfig "$kubeconfig" get --raw /readyz >/dev/null 2>&1; }; then
  [ -d "$cdir" ] && bash scripts/local-cluster stop "$cdir" >/dev/null 2>&1 || true
  echo "up: starting the local cluster: control plane, 2 real nodes, kube-proxy, CoreDNS (expected: about 1 min) ..."
  mkdir -p "$cdir"
  bash scripts/local-cluster start --real --nodes 2 --dir "$cdir" --api-port 16443 >/dev/null
  fresh=1
fi

# Stack config: the committed Pulumi.local.yaml plus this machine's values, in a git-ignored copy.
cfg=.pulumi/Pulumi.local.yaml
[ -f "$cfg" ] || cp Pulumi.local.yaml "$cfg"
committed=$(cat Pulumi.local.yaml)
pulumi stack select local --create --secrets-provider passphrase --non-interactive >/dev/null
# Creating the stack writes the passphrase salt into Pulumi.local.yaml; it belongs in the machine's copy.
if [ "$(cat Pulumi.local.yaml)" != "$committed" ]; then
  salt=$(sed -n 's/^encryptionsalt: //p' Pulumi.local.yaml)
  [ -z "$salt" ] || grep -q '^encryptionsalt:' "$cfg" || echo "encryptionsalt: $salt" >>"$cfg"
  printf '%s
' "$committed" >Pulumi.local.yaml
fi
set_cfg() { pulumi config set --stack local --config-file "$cfg" "$@" >/dev/null; }
set_cfg kubeconfigPath "$kubeconfig"
set_cfg redisImage "$KUBECACHE_IMAGE_VALKEY"
set_cfg haproxyImage "$KUBECACHE_IMAGE_HAPROXY"
set_cfg operatorImage "$KUBECACHE_IMAGE_OPERATOR"
set_cfg --path 'memcachedInstances[0].name' memcached-sample
set_cfg --path 'memcachedInstances[0].image' "$KUBECACHE_IMAGE_MEMCACHED"
if [ -z "$(pulumi config get --stack local --config-file "$cfg" redisPassword 2>/dev/null)" ]; then
  set_cfg --secret redisPassword "$(head -c 18 /dev/urandom | base64 | tr -d '/+=')"
  echo "up: generated the Redis password (pulumi config get redisPassword --stack local --config-file $cfg)"
fi
# A fresh cluster has none of the stack's objects: refresh the state first so `up` re-creates them. The refresh
# reads them with the provider configuration in the state, i.e. the previous cluster's CA and address, which no
# longer answer: that cluster is gone for certain (it was stopped or its kubeconfig no longer reaches it), so the
# provider may drop what it cannot reach from the state instead of failing the refresh.
refresh=()
if [ "$fresh" = 1 ]; then
  refresh=(--refresh)
  export PULUMI_K8S_DELETE_UNREACHABLE=true
fi
exec pulumi up --yes --stack local --config-file "$cfg" "${refresh[@]}" "$@"
