#!/usr/bin/env bash
# Benchmark: dating every policy file of a repository with FILES files in
# 100 folders and COMMITS commits (defaults 10,000 and 50,000, built with
# git fast-import). Targets (issue 5): at most 2x the time of
# `git log --name-only --format=%ct HEAD` (one pass over history with the
# git CLI), and at least 50x faster than `git log -1 -- FILE` per file
# (measured on a sample of files and scaled up).
set -euo pipefail
cd "$(dirname "$0")/.."
FILES=${1:-10000}
COMMITS=${2:-50000}
command -v hyperfine >/dev/null || { apt-get install -y hyperfine >/dev/null 2>&1 || { echo "install hyperfine first" >&2; exit 2; }; }
cargo build --release --quiet --example date_files
bin=$PWD/target/release/examples/date_files
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git init -q "$work/repo"
python3 bench/gen_history.py "$FILES" "$COMMITS" | git -C "$work/repo" fast-import --quiet
git -C "$work/repo" checkout -q main
cd "$work/repo"
echo "repository: $(git rev-list --count HEAD) commits, $(git ls-files | wc -l) files"
"$bin" .
hyperfine --warmup 1 --runs 5 --export-json "$work/times.json" \
  -n "git log --name-only" "git log --name-only --format=%ct HEAD > /dev/null" \
  -n "casguard dating" "$bin ."
sample=200
git ls-files | awk -v n="$FILES" -v s="$sample" 'NR % int(n / s) == 0' | head -n "$sample" > "$work/sample.txt"
start=$(date +%s.%N)
while read -r f; do git log -1 --format=%cI -- "$f" > /dev/null; done < "$work/sample.txt"
end=$(date +%s.%N)
python3 - "$work/times.json" "$start" "$end" "$sample" "$FILES" <<'PY'
import json, sys
times = {r["command"]: r["mean"] for r in json.load(open(sys.argv[1]))["results"]}
one_pass, ours = times["git log --name-only"], times["casguard dating"]
sample, files = int(sys.argv[4]), int(sys.argv[5])
per_file = (float(sys.argv[3]) - float(sys.argv[2])) / sample * files
print(f"git log --name-only (one pass):   {one_pass:.2f} s")
print(f"casguard, every file dated:       {ours:.2f} s  ({ours / one_pass:.2f}x the one pass)")
print(f"git log -1 per file (scaled):     {per_file:.0f} s  ({per_file / ours:.0f}x casguard)")
ok = ours <= 2 * one_pass and per_file >= 50 * ours
print("targets (<= 2x one pass, >= 50x faster than per file):", "met" if ok else "MISSED")
sys.exit(0 if ok else 1)
PY
