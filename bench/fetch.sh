#!/usr/bin/env bash
# Benchmark: `casguard fetch` of N policies (default 500, 5 pages) from the
# fake tenant on 127.0.0.1. Targets (issue 3): under 1 s with pacing off;
# with default pacing, exactly ceil(N/100) requests.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-500}
command -v hyperfine >/dev/null || { apt-get install -y hyperfine >/dev/null 2>&1 || { echo "install hyperfine first" >&2; exit 2; }; }
cargo build --release --quiet --bin casguard --example fake_tenant
bin=$PWD/target/release/casguard
work=$(mktemp -d)
coproc SERVER { exec "$PWD/target/release/examples/fake_tenant" "$N"; }
trap 'exec {SERVER[1]}>&-; wait; rm -rf "$work"' EXIT
read -r url token <&"${SERVER[0]}"
cd "$work"
printf '[tenant]\nurl = "%s"\n' "$url" > casguard.toml
export CASGUARD_API_TOKEN=$token

hyperfine --warmup 2 --runs 10 --export-json times.json \
  -n "fetch, pacing off" "$bin fetch --out s.json --max-requests-per-minute 0"
paced=$("$bin" fetch --out paced.json)
echo "default pacing: $paced"
python3 - "$N" "$paced" <<'PY'
import json, math, re, sys
n, paced = int(sys.argv[1]), sys.argv[2]
mean = json.load(open("times.json"))["results"][0]["mean"]
requests = int(re.search(r"in (\d+) requests?", paced).group(1))
print(f"fetch {n} policies, pacing off: {mean*1000:.0f} ms mean")
print(f"default pacing: {requests} requests (minimum {math.ceil(n/100)})")
ok = mean < 1.0 and requests == math.ceil(n / 100)
print("targets (< 1 s; minimum requests):", "met" if ok else "MISSED")
sys.exit(0 if ok else 1)
PY
