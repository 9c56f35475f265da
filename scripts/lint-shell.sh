#!/usr/bin/env bash
# Runs shellcheck and shfmt over every shell script of the repository (`npm run lint` runs it after biome): the
# scripts the components mount, scripts/, the CI entry. .shellcheckrc holds the few checks left out and why.
#   lint-shell.sh          check: shellcheck, and shfmt's diff of any script not in its format
#   lint-shell.sh --write  rewrite the scripts in shfmt's format (`npm run format` runs it)
set -euo pipefail
cd "$(dirname "$0")/.." || exit 1
for tool in shellcheck shfmt; do
  command -v "$tool" >/dev/null || {
    echo "$tool is not installed (apt-get install $tool; scripts/setup.sh does)" >&2
    exit 1
  }
done
mapfile -t files < <({ git ls-files --cached --others --exclude-standard '*.sh' 2>/dev/null || find . -name '*.sh' -not -path './node_modules/*' -not -path './bin/*'; } | sort -u)
files+=(scripts/local-cluster .ci/run)
# Two-space indent with indented `case` items: the style the scripts were written in.
style=(-i 2 -ci)
if [ "${1:-}" = --write ]; then
  shfmt -w "${style[@]}" "${files[@]}"
  exit 0
fi
shellcheck "${files[@]}"
shfmt -d "${style[@]}" "${files[@]}"
echo "shellcheck, shfmt: ${#files[@]} scripts clean"
