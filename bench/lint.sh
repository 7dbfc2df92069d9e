#!/usr/bin/env bash
# Benchmark: `casguard lint` of N generated policy files (default 10,000)
# against the floor of merely reading and TOML-parsing the same files.
# Targets (issue 2): lint under 1.0 s wall and under 200 MB peak memory.
# Needs hyperfine (installed from Debian's packages if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

command -v hyperfine >/dev/null || { apt-get install -y hyperfine >/dev/null 2>&1 || { echo "install hyperfine first" >&2; exit 2; }; }
cargo build --release --quiet --bin casguard --example parse_floor
bin=$PWD/target/release/casguard
floor=$PWD/target/release/examples/parse_floor

python3 bench/gen_policies.py "$work" "$N"
echo "generated $N policy files in $work"
cd "$work"
export CASGUARD_TODAY=2026-11-22
"$bin" lint --fail-on never > /dev/null   # warm the page cache; must succeed

hyperfine --warmup 2 --runs 10 --export-json "$work/times.json" \
  -n floor "$floor policies" \
  -n lint "$bin lint --fail-on never --format json"

peak() { /usr/bin/time -f "%M" "$@" 2>&1 >/dev/null | tail -1; }
floor_kb=$(peak "$floor" policies)
lint_kb=$(peak "$bin" lint --fail-on never --format json)
python3 - "$work/times.json" "$floor_kb" "$lint_kb" <<'PY'
import json, sys
times = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
floor, lint = times["floor"]["mean"], times["lint"]["mean"]
print(f"floor (read + parse): {floor*1000:.0f} ms, peak {int(sys.argv[2])/1024:.0f} MB")
print(f"casguard lint:        {lint*1000:.0f} ms, peak {int(sys.argv[3])/1024:.0f} MB")
print(f"ratio lint/floor:     {lint/floor:.2f}")
ok = lint < 1.0 and int(sys.argv[3]) < 200 * 1024
print("targets (< 1.0 s, < 200 MB):", "met" if ok else "MISSED")
sys.exit(0 if ok else 1)
PY
