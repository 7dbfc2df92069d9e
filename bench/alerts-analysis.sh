#!/usr/bin/env bash
# Benchmark: `alerts::analyse` over N synthetic alerts and P policies
# (defaults 1,000,000 and 300, 400 days of archive), built in memory by
# examples/alerts_bench.rs. Targets: the analysis under 3 s, and the whole
# process (input included) under 500 MB peak resident memory.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
P=${2:-300}
RUNS=${3:-3}
cargo build --release --quiet --example alerts_bench
bin=$PWD/target/release/examples/alerts_bench
out=$(mktemp)
trap 'rm -f "$out"' EXIT
/usr/bin/time -v "$bin" "$N" "$P" "$RUNS" 2> "$out.time" | tee "$out"
kb=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$out.time")
wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$out.time")
seconds=$(sed -n 's/^analysis_seconds=//p' "$out")
rm -f "$out.time"
python3 - "$seconds" "$kb" "$wall" <<'PY'
import sys
seconds, kb, wall = float(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
mb = kb / 1024
print(f"alerts analysis: {seconds*1000:.0f} ms; process peak {mb:.0f} MB (input included); process wall {wall}")
ok = seconds < 3.0 and mb < 500
print("targets (< 3 s, < 500 MB):", "met" if ok else "MISSED")
sys.exit(0 if ok else 1)
PY
