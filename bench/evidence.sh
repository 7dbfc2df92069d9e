#!/usr/bin/env bash
# Benchmark: `casguard evidence` of N policies (default 10,000: N desired
# files, N live policies, 5% drifted) into a .tar.gz bundle. Target
# (issue 7): under 3 s.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
command -v hyperfine >/dev/null || { apt-get install -y hyperfine >/dev/null 2>&1 || { echo "install hyperfine first" >&2; exit 2; }; }
cargo build --release --quiet --bin casguard
bin=$PWD/target/release/casguard
python3 bench/gen_policies.py "$work" "$N" "$work/live.json" 5
cd "$work"
export SOURCE_DATE_EPOCH=1795000000
hyperfine --warmup 1 --runs 5 --export-json times.json -n evidence "$bin evidence --snapshot live.json --out bundle.tar.gz --force"
"$bin" evidence verify bundle.tar.gz
python3 - <<'PY'
import json, sys
mean = json.load(open("times.json"))["results"][0]["mean"]
print(f"casguard evidence: {mean*1000:.0f} ms mean")
print("target (< 3 s):", "met" if mean < 3.0 else "MISSED")
sys.exit(0 if mean < 3.0 else 1)
PY
