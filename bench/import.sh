#!/usr/bin/env bash
# Benchmark: `casguard import` of N live policies (default 5,000) from a
# snapshot into policy files. Target (issue 6): under 2 s.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-5000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
command -v hyperfine >/dev/null || { apt-get install -y hyperfine >/dev/null 2>&1 || { echo "install hyperfine first" >&2; exit 2; }; }
cargo build --release --quiet --bin casguard
bin=$PWD/target/release/casguard
python3 bench/gen_policies.py "$work/unused" "$N" "$work/live.json" 0
cd "$work"
hyperfine --warmup 1 --runs 10 --export-json times.json -n import "$bin import --snapshot live.json --out policies --force"
test "$(find policies -name '*.toml' | wc -l)" -eq "$N"
python3 - <<'PY'
import json, sys
mean = json.load(open("times.json"))["results"][0]["mean"]
print(f"casguard import: {mean*1000:.0f} ms mean")
print("target (< 2 s):", "met" if mean < 2.0 else "MISSED")
sys.exit(0 if mean < 2.0 else 1)
PY
