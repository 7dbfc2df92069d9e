#!/usr/bin/env bash
# Benchmark: `casguard alerts sync` of A alerts (default 100,000) from the fake
# tenant on 127.0.0.1, pacing off, into a fresh archive, against the floor of
# downloading and parsing the same pages (examples/download_floor.rs).
# Target (the alerts issue): the sync within 2x the floor.
set -euo pipefail
cd "$(dirname "$0")/.."
A=${1:-100000}
RUNS=${RUNS:-3}
cargo build --release --quiet --bin casguard --example fake_tenant --example download_floor
bin=$PWD/target/release/casguard
floor_bin=$PWD/target/release/examples/download_floor
work=$(mktemp -d)
coproc SERVER { exec "$PWD/target/release/examples/fake_tenant" 30 "$A"; }
trap 'exec {SERVER[1]}>&-; wait; rm -rf "$work"' EXIT
read -r url token <&"${SERVER[0]}"
cd "$work"
printf '[tenant]\nurl = "%s"\nmax_requests_per_minute = 0\n' "$url" > casguard.toml
mkdir -p policies .git
export CASGUARD_API_TOKEN=$token

floor_best=999999; sync_best=999999
for run in $(seq "$RUNS"); do
  read -r items floor < <("$floor_bin" "$url" "$token")
  rm -rf .casguard
  start=$(date +%s.%N)
  /usr/bin/time -f "%M" -o rss.txt "$bin" alerts sync --since 3650d --today 2026-11-22 >/dev/null
  end=$(date +%s.%N)
  sync=$(python3 -c "print($end - $start)")
  echo "run $run: floor $floor s ($items alerts), sync $sync s, peak $(cat rss.txt) KB"
  floor_best=$(python3 -c "print(min($floor_best, $floor))")
  sync_best=$(python3 -c "print(min($sync_best, $sync))")
done
python3 - "$floor_best" "$sync_best" "$A" <<'PY'
import sys
floor, sync, n = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
ratio = sync / floor
print(f"alerts sync of {n}: best {sync:.2f} s; download+parse floor best {floor:.2f} s; ratio {ratio:.2f}x")
print("target (<= 2x the floor):", "met" if ratio <= 2.0 else "MISSED")
sys.exit(0 if ratio <= 2.0 else 1)
PY
