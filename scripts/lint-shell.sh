#!/usr/bin/env bash
# Runs shellcheck over every shell script of the repository (`npm run lint` runs it after biome): the scripts the
# components mount, scripts/, the CI entry. .shellcheckrc holds the few checks left out and why.
set -euo pipefail
cd "$(dirname "$0")/.." || exit 1
command -v shellcheck >/dev/null || { echo "shellcheck is not installed (apt-get install shellcheck; scripts/setup.sh does)" >&2; exit 1; }
mapfile -t files < <({ git ls-files --cached --others --exclude-standard '*.sh' 2>/dev/null || find . -name '*.sh' -not -path './node_modules/*' -not -path './bin/*'; } | sort -u)
files+=(scripts/local-cluster .ci/run)
shellcheck "${files[@]}"
echo "shellcheck: ${#files[@]} scripts clean"
