#!/usr/bin/env bash
# Benchmark: dating policy files from git (issue 14), in both layouts.
#
#   history:    FILES files in 100 folders, COMMITS commits (the first adds
#               every file, each later one changes two, every 1000th is a
#               merge), packed by git as it packs objects written by
#               `git commit` or sent to a clone (`git repack -adf`: deltas
#               computed afresh, newest versions as bases), with a commit-graph.
#   one commit: FILES files added in a single commit, in 100 folders and
#               in one flat folder (the most common history: `casguard
#               import`, then one `git commit`).
#
# Targets, on FILES=10000 and COMMITS=50000 (the defaults):
#   - dating at most 1.0x one `git log --name-only --format=%ct HEAD` pass
#     measured in the same run, and `casguard review` at most 1.3x it;
#   - peak memory of both under 150 MB;
#   - one commit: dating under 0.3 s;
#   - linear growth from 1k to 10k files in both layouts (the table; the
#     history layout has 5 commits per file).
# Also printed, not a target: the same history packed by a plain `git gc`,
# which keeps the deltas `git fast-import` wrote (each version a delta of the
# previous one). gitoxide's delta cache keeps only the objects asked for,
# not the bases along a chain as git's does, so a walk from the newest
# commit resolves long chains again and again there.
#
# usage: bench/history.sh [FILES COMMITS]; exit 1 when a target is missed.
set -euo pipefail
cd "$(dirname "$0")/.."
FILES=${1:-10000}
COMMITS=${2:-50000}
command -v hyperfine >/dev/null || { apt-get install -y hyperfine >/dev/null 2>&1 || { echo "install hyperfine first" >&2; exit 2; }; }
cargo build --release --quiet --example date_files --bin casguard
dating=$PWD/target/release/examples/date_files
casguard=$PWD/target/release/casguard
gen=$PWD/bench/gen_history.py
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# make_repo DIR FILES COMMITS FOLDERS [repack|gc]
make_repo() {
  git init -q -b main "$1"
  python3 "$gen" "$2" "$3" "$4" | git -C "$1" fast-import --quiet
  git -C "$1" checkout -q main
  case "${5:-}" in
    repack) git -C "$1" repack -adfq && git -C "$1" commit-graph write --reachable ;;
    gc) git -C "$1" gc --quiet ;;
  esac
  printf 'policies_dir = "policies"\n' > "$1/casguard.toml"
}

# mean_of NAME JSON: hyperfine's mean for NAME, in seconds
mean_of() { python3 -c 'import json,sys; print(next(r["mean"] for r in json.load(open(sys.argv[2]))["results"] if r["command"]==sys.argv[1]))' "$1" "$2"; }
# peak_mb CMD...: peak resident memory of one run, in MB
peak_mb() { /usr/bin/time -f "%M" "$@" 2>&1 >/dev/null | tail -1 | awk '{printf "%.0f", $1/1024}'; }

echo "== history: $FILES files, $COMMITS commits"
make_repo "$work/history" "$FILES" "$COMMITS" 100 repack
cd "$work/history"
"$dating" .
hyperfine --warmup 1 --runs 5 --export-json "$work/main.json" \
  -n "git log --name-only" "git log --name-only --format=%ct HEAD > /dev/null" \
  -n "casguard dating" "$dating ." \
  -n "casguard review" "$casguard review --format json > /dev/null 2>&1 || true"
one_pass=$(mean_of "git log --name-only" "$work/main.json")
ours=$(mean_of "casguard dating" "$work/main.json")
review=$(mean_of "casguard review" "$work/main.json")
dating_mb=$(peak_mb "$dating" .)
review_mb=$(peak_mb "$casguard" review --format json)
cd - >/dev/null

echo "== one commit: $FILES files"
make_repo "$work/one" "$FILES" 1 100
make_repo "$work/flat" "$FILES" 1 1
hyperfine --warmup 1 --runs 10 --export-json "$work/one.json" \
  -n "one commit, 100 folders" "$dating $work/one" \
  -n "one commit, one folder" "$dating $work/flat"
one=$(mean_of "one commit, 100 folders" "$work/one.json")
flat=$(mean_of "one commit, one folder" "$work/one.json")

echo "== growth"
rows=""
for n in 1000 2500 5000 10000; do
  [ "$n" -gt "$FILES" ] && continue
  make_repo "$work/h$n" "$n" $((n * 5)) 100 repack
  make_repo "$work/o$n" "$n" 1 1
  hyperfine --warmup 1 --runs 3 --export-json "$work/g$n.json" \
    -n history "$dating $work/h$n" -n "git log" "git -C $work/h$n log --name-only --format=%ct HEAD > /dev/null" \
    -n one "$dating $work/o$n" >/dev/null
  rows="$rows $n:$(mean_of history "$work/g$n.json"):$(mean_of "git log" "$work/g$n.json"):$(mean_of one "$work/g$n.json")"
done

echo "== the same history after a plain git gc (fast-import's deltas kept)"
make_repo "$work/raw" "$FILES" "$COMMITS" 100 gc
hyperfine --warmup 1 --runs 3 --export-json "$work/raw.json" \
  -n "git log --name-only" "git -C $work/raw log --name-only --format=%ct HEAD > /dev/null" \
  -n "casguard dating" "$dating $work/raw" >/dev/null
raw_pass=$(mean_of "git log --name-only" "$work/raw.json")
raw_ours=$(mean_of "casguard dating" "$work/raw.json")

python3 - "$one_pass" "$ours" "$review" "$dating_mb" "$review_mb" "$one" "$flat" "$raw_pass" "$raw_ours" $rows <<'PY'
import sys
one_pass, ours, review, dating_mb, review_mb, one, flat, raw_pass, raw_ours = map(float, sys.argv[1:10])
print()
print(f"git log --name-only (one pass):  {one_pass:.2f} s")
print(f"casguard dating, every file:     {ours:.2f} s  ({ours / one_pass:.2f}x the pass; target <= 1.0x)  peak {dating_mb:.0f} MB")
print(f"casguard review in total:        {review:.2f} s  ({review / one_pass:.2f}x the pass; target <= 1.3x)  peak {review_mb:.0f} MB")
print(f"one commit, 100 folders:         {one:.3f} s  (target < 0.3 s)")
print(f"one commit, one folder:          {flat:.3f} s  (target < 0.3 s)")
print(f"fast-import deltas kept (plain git gc): git log {raw_pass:.2f} s, casguard dating {raw_ours:.2f} s ({raw_ours / raw_pass:.2f}x; not a target)")
print()
print("| files | history: commits | dating | git log pass | ratio | per 1k files | one commit (one folder) | per 1k files |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|")
for row in sys.argv[10:]:
    n, h, g, o = row.split(":")
    n, h, g, o = int(n), float(h), float(g), float(o)
    print(f"| {n:,} | {n * 5:,} | {h:.2f} s | {g:.2f} s | {h / g:.2f}x | {h / n * 1000:.3f} s | {o:.3f} s | {o / n * 1000:.4f} s |")
met = ours <= one_pass and review <= 1.3 * one_pass and dating_mb < 150 and review_mb < 150 and one < 0.3 and flat < 0.3
print()
print("targets:", "met" if met else "MISSED")
sys.exit(0 if met else 1)
PY
