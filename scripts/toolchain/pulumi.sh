#!/usr/bin/env bash
# Builds the Pulumi side of the real-engine test tier from Go modules, so `pulumi up` runs with nothing downloaded:
#   pulumi                       the CLI (github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
#   pulumi-language-nodejs       a small language host of our own (scripts/toolchain/nodejs-langhost), because the
#                                upstream module is not served by the proxy we can reach
#   pulumi-resource-kubernetes   the provider plugin, installed into $PULUMI_HOME at the version @pulumi/kubernetes asks
#   pulumi-language-yaml         the YAML language host (github.com/pulumi/pulumi-yaml), for YAML programs
#   pulumi-language-go           a small Go language host of our own (scripts/toolchain/go-langhost) around pkg/v3's Go
#                                code generator, for Go programs: the upstream module is not served by the proxy either
# Each piece is built in a throw-away wrapper module under $KUBECACHE_CACHE/src (outside the repo), repeating the
# upstream `replace` directives, and skipped when its stamp says it is current.
#
# usage: scripts/toolchain/pulumi.sh           build what is missing, print the env to use
#        scripts/toolchain/pulumi.sh --check   exit 0 iff everything is built (builds nothing)
#        scripts/toolchain/pulumi.sh --check core   the same for what the Node tiers need (no YAML or Go host)
#        scripts/toolchain/pulumi.sh --env     print `export` lines (PATH, PULUMI_HOME, ...) for eval
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=versions.env
source "$here/versions.env"
CACHE=${KUBECACHE_CACHE:-$HOME/.cache/kubecache}
BIN=$CACHE/bin
SRC=$CACHE/src
PHOME=$CACHE/pulumi-home
export GOFLAGS=-mod=mod

langhost_hash() { sha256sum "$here/nodejs-langhost/main.go" | cut -c1-16; }
golanghost_hash() { sha256sum "$here/go-langhost/main.go" | cut -c1-16; }
want_cli="$PULUMI_CLI_VERSION"
want_lang="$PULUMI_CLI_VERSION-$(langhost_hash)"
want_k8s="$PULUMI_K8S_PLUGIN_VERSION-$PULUMI_K8S_PROVIDER_MODULE"
want_yaml="$PULUMI_YAML_VERSION-$PULUMI_CLI_VERSION"
want_golang="$PULUMI_CLI_VERSION-$(golanghost_hash)"
stamp_ok() { [ -x "$BIN/$1" ] && [ "$(cat "$BIN/.$1.stamp" 2>/dev/null)" = "$2" ]; }
k8s_plugin_dir="$PHOME/plugins/resource-kubernetes-v$PULUMI_K8S_PLUGIN_VERSION"
core_ok() {
  stamp_ok pulumi "$want_cli" && stamp_ok pulumi-language-nodejs "$want_lang" &&
    stamp_ok pulumi-resource-kubernetes "$want_k8s" && [ -x "$k8s_plugin_dir/pulumi-resource-kubernetes" ]
}
all_ok() { core_ok && stamp_ok pulumi-language-yaml "$want_yaml" && stamp_ok pulumi-language-go "$want_golang"; }
print_env() {
  echo "export PATH=\"$BIN:$root/node_modules/.bin:\$PATH\""
  echo "export PULUMI_HOME=\"$PHOME\""
  # No update checks, no plugin downloads, no telemetry: the machine has no route to those hosts.
  echo "export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true PULUMI_DISABLE_REGISTRY_RESOLVE=true"
  echo "export PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK=true PULUMI_DIY_BACKEND_NO_LEGACY_WARNING=true"
}
case "${1:-}" in
  --check)
    if [ "${2:-}" = core ]; then core_ok; else all_ok; fi
    exit $?
    ;;
  --env)
    print_env
    exit 0
    ;;
esac

log() { echo "pulumi.sh: $*" >&2; }
timed() {
  local t0=$SECONDS
  "$@"
  log "  ($((SECONDS - t0)) s)"
}
mkdir -p "$BIN" "$SRC" "$PHOME"

# The npm SDK decides which provider version the engine loads; a mismatch would make the engine look for a plugin
# we did not install.
npm_k8s=$(node -p 'require(process.argv[1]).version' "$root/node_modules/@pulumi/kubernetes/package.json" 2>/dev/null || true)
if [ -n "$npm_k8s" ] && [ "$npm_k8s" != "$PULUMI_K8S_PLUGIN_VERSION" ]; then
  log "warning: node_modules has @pulumi/kubernetes $npm_k8s, versions.env pins the plugin at $PULUMI_K8S_PLUGIN_VERSION"
fi

build_cli() {
  local d=$SRC/pulumi-cli
  mkdir -p "$d"
  # pkg/go.mod: `replace sdk/v3 => ../sdk` (same tag, so a plain require) and the clipboard fork.
  cat >"$d/go.mod" <<EOF
module kubecache.local/toolchain/pulumi-cli

go 1.26

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard $PULUMI_CLIPBOARD_FORK

require (
	github.com/pulumi/pulumi/pkg/v3 $PULUMI_CLI_VERSION
	github.com/pulumi/pulumi/sdk/v3 $PULUMI_CLI_VERSION
)
EOF
  (cd "$d" && go get "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@$PULUMI_CLI_VERSION" 2>&1 | grep -v '^go: \(downloading\|added\|upgraded\)' >&2 || true)
  (cd "$d" && nice -n 10 go build -trimpath \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_CLI_VERSION" \
    -o "$BIN/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
  echo "$want_cli" >"$BIN/.pulumi.stamp"
}

build_langhost() {
  local d=$SRC/nodejs-langhost
  mkdir -p "$d"
  cp "$here/nodejs-langhost/main.go" "$d/main.go"
  cat >"$d/go.mod" <<EOF
module kubecache.local/toolchain/nodejs-langhost

go 1.26

require github.com/pulumi/pulumi/sdk/v3 $PULUMI_CLI_VERSION
EOF
  (cd "$d" && go mod tidy 2>&1 | grep -v '^go: \(downloading\|finding\|found\)' >&2 || true)
  (cd "$d" && nice -n 10 go build -trimpath -ldflags "-s -w -X main.version=${PULUMI_CLI_VERSION#v}" \
    -o "$BIN/pulumi-language-nodejs" .)
  echo "$want_lang" >"$BIN/.pulumi-language-nodejs.stamp"
}

build_k8s() {
  local d=$SRC/pulumi-resource-kubernetes mod
  mod=$(go mod download -json "github.com/pulumi/pulumi-kubernetes/provider/v4@$PULUMI_K8S_PROVIDER_MODULE" |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);if(j.Error)throw new Error(j.Error);console.log(j.Dir)})')
  mkdir -p "$d"
  # The provider's main package embeds schema-embed.json, which its `go generate` step (generate.go) writes from
  # schema.json with the version stamped in; the module cache is read-only, so run it on a copy.
  cp "$mod"/cmd/pulumi-resource-kubernetes/{main.go,generate.go,schema.json,terraform-mapping.json} "$d/"
  chmod u+w "$d"/*
  # provider/go.mod: `replace sdk/v4 => ../sdk` becomes a require of the published sdk/v4 it was cut against.
  cat >"$d/go.mod" <<EOF
module kubecache.local/toolchain/pulumi-resource-kubernetes

go 1.24.7

require (
	github.com/pulumi/pulumi-kubernetes/provider/v4 $PULUMI_K8S_PROVIDER_MODULE
	github.com/pulumi/pulumi-kubernetes/sdk/v4 $PULUMI_K8S_SDK_MODULE
)
EOF
  (cd "$d" && go mod tidy 2>&1 | grep -v '^go: \(downloading\|finding\|found\)' >&2 || true)
  (cd "$d" && VERSION="$PULUMI_K8S_PLUGIN_VERSION" go run generate.go)
  (cd "$d" && nice -n 10 go build -trimpath \
    -ldflags "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$PULUMI_K8S_PLUGIN_VERSION" \
    -o "$BIN/pulumi-resource-kubernetes" .)
  echo "$want_k8s" >"$BIN/.pulumi-resource-kubernetes.stamp"
  rm -rf "$k8s_plugin_dir"
}

# Built at the pkg/sdk versions pulumi-yaml's own go.mod pins (v3.206.0): against the CLI's v3.276.0 it does not
# compile (plugin.NewContextWithRoot and schema.NewPluginLoader changed signature). The host speaks the engine's
# gRPC protocol, which is stable across those versions.
build_yaml() {
  local d=$SRC/pulumi-language-yaml
  mkdir -p "$d"
  cat >"$d/go.mod" <<EOF
module kubecache.local/toolchain/pulumi-language-yaml

go 1.26

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard $PULUMI_CLIPBOARD_FORK

require github.com/pulumi/pulumi-yaml $PULUMI_YAML_VERSION
EOF
  (cd "$d" && go get "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml@$PULUMI_YAML_VERSION" 2>&1 | grep -v '^go: \(downloading\|added\|upgraded\)' >&2 || true)
  (cd "$d" && nice -n 10 go build -trimpath \
    -ldflags "-s -w -X github.com/pulumi/pulumi-yaml/pkg/version.Version=${PULUMI_YAML_VERSION#v}" \
    -o "$BIN/pulumi-language-yaml" github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml)
  echo "$want_yaml" >"$BIN/.pulumi-language-yaml.stamp"
}

# The Go host links pkg/v3's code generator (GeneratePackage, for `pulumi package add`), so it is built at the CLI's
# pkg/sdk versions, from the module and build caches build_cli filled.
build_golanghost() {
  local d=$SRC/go-langhost
  mkdir -p "$d"
  cp "$here/go-langhost/main.go" "$d/main.go"
  cat >"$d/go.mod" <<EOF
module kubecache.local/toolchain/go-langhost

go 1.26

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard $PULUMI_CLIPBOARD_FORK

require (
	github.com/pulumi/pulumi/pkg/v3 $PULUMI_CLI_VERSION
	github.com/pulumi/pulumi/sdk/v3 $PULUMI_CLI_VERSION
)
EOF
  (cd "$d" && go mod tidy 2>&1 | grep -v '^go: \(downloading\|finding\|found\)' >&2 || true)
  (cd "$d" && nice -n 10 go build -trimpath -ldflags "-s -w -X main.version=${PULUMI_CLI_VERSION#v}" \
    -o "$BIN/pulumi-language-go" .)
  echo "$want_golang" >"$BIN/.pulumi-language-go.stamp"
}

t0=$SECONDS
if stamp_ok pulumi "$want_cli"; then log "pulumi $PULUMI_CLI_VERSION: cached"; else
  log "building pulumi $PULUMI_CLI_VERSION"
  timed build_cli
fi
if stamp_ok pulumi-language-nodejs "$want_lang"; then log "pulumi-language-nodejs: cached"; else
  log "building pulumi-language-nodejs"
  timed build_langhost
fi
if stamp_ok pulumi-resource-kubernetes "$want_k8s"; then log "pulumi-resource-kubernetes $PULUMI_K8S_PLUGIN_VERSION: cached"; else
  log "building pulumi-resource-kubernetes $PULUMI_K8S_PLUGIN_VERSION ($PULUMI_K8S_PROVIDER_MODULE)"
  timed build_k8s
fi
if stamp_ok pulumi-language-yaml "$want_yaml"; then log "pulumi-language-yaml $PULUMI_YAML_VERSION: cached"; else
  log "building pulumi-language-yaml $PULUMI_YAML_VERSION"
  timed build_yaml
fi
if stamp_ok pulumi-language-go "$want_golang"; then log "pulumi-language-go: cached"; else
  log "building pulumi-language-go"
  timed build_golanghost
fi
if [ ! -x "$k8s_plugin_dir/pulumi-resource-kubernetes" ]; then
  log "installing resource plugin kubernetes $PULUMI_K8S_PLUGIN_VERSION into $PHOME"
  PULUMI_HOME=$PHOME PULUMI_SKIP_UPDATE_CHECK=true "$BIN/pulumi" plugin install resource kubernetes \
    "$PULUMI_K8S_PLUGIN_VERSION" --file "$BIN/pulumi-resource-kubernetes" >&2
fi
log "toolchain ready in $((SECONDS - t0)) s; use: eval \"\$($0 --env)\""
