#!/usr/bin/env bash
# Benchmark: `casguard drift --snapshot` of N desired vs N live policies
# (default 10,000), 5% of them drifted, the rest differing only in noise.
# Targets (issue 4): under 1.5 s wall and under 300 MB peak memory.
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
export CASGUARD_TODAY=2026-11-22
"$bin" drift --snapshot live.json --format json --fail-on never > drift.json
python3 - "$N" <<'PY'
import json, sys
n = int(sys.argv[1])
s = json.load(open("drift.json"))["summary"]["drift"]
print(f"drift found: {s}")
expected = round(n * 0.05)
assert s["changed"] == expected and s["missing"] == 0 and s["unmanaged"] == 0, "unexpected drift"
PY
hyperfine --warmup 1 --runs 10 --export-json times.json -n drift "$bin drift --snapshot live.json --format json --fail-on never"
kb=$(/usr/bin/time -f "%M" "$bin" drift --snapshot live.json --format json --fail-on never 2>&1 >/dev/null | tail -1)
python3 - "$kb" <<'PY'
import json, sys
mean = json.load(open("times.json"))["results"][0]["mean"]
mb = int(sys.argv[1]) / 1024
print(f"casguard drift: {mean*1000:.0f} ms mean, peak {mb:.0f} MB")
ok = mean < 1.5 and mb < 300
print("targets (< 1.5 s, < 300 MB):", "met" if ok else "MISSED")
sys.exit(0 if ok else 1)
PY
