#!/usr/bin/env bash
# `npm run up`: deploy a stack (default `dev`) on the embedded defaults — a local file backend
# under ./.pulumi and the passphrase secrets provider with a generated passphrase kept in
# ./.pulumi/passphrase (git-ignored). Set PULUMI_BACKEND_URL / PULUMI_CONFIG_PASSPHRASE[_FILE]
# to use your own. Extra arguments go to `pulumi up`.
set -euo pipefail
cd "$(dirname "$0")/.."
stack="${KUBECACHE_STACK:-dev}"
cache="${KUBECACHE_CACHE:-$HOME/.cache/kubecache}"

# A Pulumi CLI built offline by scripts/toolchain/pulumi.sh is used when none is installed.
if ! command -v pulumi >/dev/null && [ -x "$cache/bin/pulumi" ]; then
  eval "$(bash scripts/toolchain/pulumi.sh --env)"
  # That toolchain has only the kubernetes plugin; the program also needs these (no download offline).
  for plugin in command random docker; do
    pulumi plugin ls 2>/dev/null | grep -q "^$plugin " ||
      echo "up: warning: no '$plugin' resource plugin in $PULUMI_HOME; the stack's $plugin resources will fail (install it with 'pulumi plugin install resource $plugin' where the network allows)" >&2
  done
fi
if ! command -v pulumi >/dev/null; then
  echo "up: no pulumi CLI on PATH. Install it (https://www.pulumi.com/docs/install/) or build it offline with scripts/toolchain/pulumi.sh." >&2
  exit 1
fi
[ -d node_modules ] || npm ci --no-audit --no-fund

mkdir -p .pulumi
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$PWD/.pulumi}"
if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  if [ ! -s .pulumi/passphrase ]; then
    (umask 077; head -c 24 /dev/urandom | base64 >.pulumi/passphrase)
    echo "up: generated a passphrase for the local secrets provider in .pulumi/passphrase (keep it; it decrypts the stack's secrets)"
  fi
  export PULUMI_CONFIG_PASSPHRASE_FILE="$PWD/.pulumi/passphrase"
fi
pulumi stack select "$stack" --create --secrets-provider passphrase
pulumi up --yes --stack "$stack" "$@"
