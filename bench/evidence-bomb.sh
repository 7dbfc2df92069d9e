#!/usr/bin/env bash
# evidence verify against archives that inflate far beyond their size: one
# 1.5 MB archive declaring a single 1.5 GiB file, and one of 8 files of
# 200 MiB (1.6 GiB in all). The reader refuses the first from its header and
# stops the second at the 1 GiB bundle limit, hashing as it streams, so time
# and memory stay small. Prints wall time and peak RSS of each.
# Usage: bench/evidence-bomb.sh [casguard binary]  (default: a release build)
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-}"
if [[ -z "$bin" ]]; then cargo build --release --locked -q; bin=target/release/casguard; fi
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
python3 - "$work" <<'PY'
import io, gzip, sys, tarfile
class Zeros(io.RawIOBase):
    def __init__(self, n): self.n = n
    def readable(self): return True
    def readinto(self, b):
        k = min(len(b), self.n); b[:k] = b"\0" * k; self.n -= k; return k
for name, entries in [("one.tar.gz", [("evidence/live-raw.json", 1536 << 20)]),
                      ("many.tar.gz", [(f"evidence/f{i}.json", 200 << 20) for i in range(8)])]:
    with gzip.open(f"{sys.argv[1]}/{name}", "wb", compresslevel=9) as g, tarfile.open(fileobj=g, mode="w|") as t:
        for n, size in entries:
            info = tarfile.TarInfo(n); info.size = size
            t.addfile(info, io.BufferedReader(Zeros(size), 1 << 20))
PY
for name in one many; do
  printf '%s.tar.gz (%s bytes): ' "$name" "$(stat -c %s "$work/$name.tar.gz")"
  /usr/bin/time -f '%e s, peak %M KB' "$bin" evidence verify "$work/$name.tar.gz" >"$work/out" 2>"$work/time" || true
  tail -1 "$work/time"; grep -m1 FAILED "$work/out" || true
done
