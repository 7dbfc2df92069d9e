#!/usr/bin/env bash
# Fills fuzz/corpus/<target> with real inputs from the repository, the
# starting points libFuzzer mutates. Run from anywhere; safe to rerun.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
corpus="$root/fuzz/corpus"
mkdir -p "$corpus"/{policy_file,config,snapshot,evidence_archive,evidence_folder}
find "$root/policies" "$root/tests/fixtures" -name '*.toml' ! -name casguard.toml \
  -exec cp -t "$corpus/policy_file" {} +
find "$root/tests/fixtures" -name casguard.toml -o -path '*fixtures/config/*.toml' |
  while read -r f; do cp "$f" "$corpus/config/$(echo "$f" | sha256sum | cut -c1-16).toml"; done
cp "$root/casguard.toml" "$corpus/config/"
find "$root/snapshots" "$root/tests/fixtures/snapshots" -name '*.json' -exec cp -t "$corpus/snapshot" {} +
# An evidence bundle, as an archive and as one input of the folder target.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$root" && SOURCE_DATE_EPOCH=1795327200 cargo run -q -- evidence \
  --snapshot snapshots/contoso.json --out "$work/bundle.tar.gz" >/dev/null || true)
(cd "$root" && SOURCE_DATE_EPOCH=1795327200 cargo run -q -- evidence \
  --snapshot snapshots/contoso.json --out "$work/bundle" >/dev/null || true)
cp "$work/bundle.tar.gz" "$corpus/evidence_archive/"
for f in "$work"/bundle/*; do
  printf '%s\n' "$(basename "$f")"
  cat "$f"
  printf '\377'
done >"$corpus/evidence_folder/bundle"
echo "corpus: $(find "$corpus" -type f | wc -l) files in $corpus"
