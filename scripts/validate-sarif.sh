#!/usr/bin/env bash
# Validate SARIF 2.1.0 files with Microsoft's SARIF Multitool (`sarif-multitool validate`),
# pinned in tools/sarif/package-lock.json and installed on first use with `npm ci`.
#
# Usage: scripts/validate-sarif.sh FILE.sarif...
#
# Prints every error and warning the validator reports, as FILE(LINE,COL): LEVEL RULE: MESSAGE.
# Exits 1 if any file has an error (warnings are printed but do not fail), 2 on a usage error.
#
# Environment:
#   SARIF_RULE_KINDS=...     validator rule kinds [default: "Gh;Sarif", GitHub's rules and the spec's]
#   SARIF_VALIDATE_NOTES=1   also print the validator's notes (they never fail the run). Some
#                            notes (SARIF2006) depend on whether URIs in the log are reachable.
#                            Without it, SARIF2006 is switched off (tools/sarif/offline.configuration.xml):
#                            it only gives notes, and its HTTP requests cost a timeout per file offline.
#
# Needs node/npm (and the npm registry on first use); no system packages. The Multitool is a
# self-contained .NET binary; it runs in .NET's invariant-globalization mode here so that libicu
# is not required (with or without ICU it reports the same findings).
#
# Multitool 5.7.0 quirks this script works around:
# * `validate` exits 0 even when it reports errors: failures are read from its output log (-o).
# * `validate` reports nothing at all (and exits 0) for a log the SARIF SDK cannot deserialize,
#   e.g. "level": "fatal" or any other unknown enum value, a null enum, a "guid" that is not a
#   GUID, a non-string "uri". Each file is therefore also loaded with `rewrite`, which fails there.
# * The npm wrapper (node_modules/.bin/sarif-multitool) runs the binary through a shell, which
#   splits arguments on ';' and spaces, so the binary is run directly.
set -euo pipefail

prog=validate-sarif

usage="usage: scripts/validate-sarif.sh FILE.sarif..."
if [[ $# -eq 0 ]]; then
  echo "$usage" >&2
  exit 2
elif [[ $1 == -h || $1 == --help ]]; then
  echo "$usage"
  exit 0
fi

# Resolve the arguments before changing directory.
files=()
for f in "$@"; do
  if [[ ! -f $f ]]; then
    echo "$prog: no such file: $f" >&2
    exit 2
  fi
  files+=("$(cd -- "$(dirname -- "$f")" && pwd -P)/$(basename -- "$f")")
done

root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$root"
tool_dir=tools/sarif

# Prints the path of the Multitool binary if the locked versions are installed; fails otherwise.
find_multitool() {
  node - "$tool_dir" <<'JS'
const path = require('path'), fs = require('fs');
const dir = path.resolve(process.argv[2]);
const lock = JSON.parse(fs.readFileSync(path.join(dir, 'package-lock.json'), 'utf8'));
for (const [key, entry] of Object.entries(lock.packages || {})) {
  if (!key.startsWith('node_modules/@microsoft/sarif-multitool')) continue;
  if (entry.os && !entry.os.includes(process.platform)) continue;
  const installed = JSON.parse(fs.readFileSync(path.join(dir, key, 'package.json'), 'utf8'));
  if (installed.version !== entry.version) process.exit(1);
}
// index.js resolves to .../@microsoft/sarif-multitool-<platform>/Sarif.Multitool
const bin = require(require.resolve('@microsoft/sarif-multitool', { paths: [dir] }));
fs.accessSync(bin);
process.stdout.write(bin);
JS
}

if ! multitool=$(find_multitool 2>/dev/null); then
  echo "$prog: installing the SARIF Multitool (npm ci in $tool_dir)..." >&2
  npm_log=$(mktemp)
  if ! npm ci --prefix "$tool_dir" --no-audit --no-fund --loglevel=error >"$npm_log" 2>&1; then
    cat "$npm_log" >&2
    rm -f -- "$npm_log"
    echo "$prog: npm ci failed" >&2
    exit 1
  fi
  rm -f -- "$npm_log"
  if ! multitool=$(find_multitool); then
    echo "$prog: the SARIF Multitool is not usable after npm ci (unsupported platform?)" >&2
    exit 1
  fi
fi
# Its postinstall script only does `chmod u+x`; install scripts may be disabled (ignore-scripts).
[[ -x $multitool ]] || chmod u+x "$multitool"

export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT="${DOTNET_SYSTEM_GLOBALIZATION_INVARIANT:-1}"

levels="Error;Warning"
# GitHub code scanning rejects a whole upload for some problems the SARIF rules allow
# (a result without a location, GH1015/GH1017/GH2012): check both rule sets.
rule_kinds="${SARIF_RULE_KINDS:-Gh;Sarif}"
config=$root/$tool_dir/offline.configuration.xml
if [[ ${SARIF_VALIDATE_NOTES:-0} == 1 ]]; then
  levels="Error;Warning;Note"
  config=default
fi

work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT

# Checks one file in its own folder $work/N: prints its findings, writes
# "ERRORS WARNINGS FAILED" to $dir/result.
check_file() {
  local dir=$work/$1 file=$2
  mkdir -p "$dir"
  out=$dir/validate.sarif
  rm -f -- "$out"
  status=0
  "$multitool" validate "$file" --output "$out" --log ForceOverwrite --level "$levels" --rule-kind "$rule_kinds" --config "$config" --quiet \
    >"$dir/validate.log" 2>&1 || status=$?
  if [[ $status -ne 0 || ! -s $out ]]; then
    cat "$dir/validate.log" >&2
    echo "$prog: $file: the validator failed (exit $status)" >&2
    echo "1 0 1" >"$dir/result"
    return
  fi

  # Print the findings; write "ERRORS WARNINGS" to $dir/counts.
  node - "$out" "$file" "$dir/counts" <<'JS'
const fs = require('fs');
const [outPath, target, countsPath] = process.argv.slice(2);
const log = JSON.parse(fs.readFileSync(outPath, 'utf8'));
const counts = { error: 0, warning: 0, note: 0 };
const fmt = (s, args) => s.replace(/\{(\d+)\}/g, (m, i) => (args && args[i] !== undefined ? args[i] : m));
for (const run of log.runs || []) {
  const rules = (run.tool && run.tool.driver && run.tool.driver.rules) || [];
  for (const r of run.results || []) {
    const rule = (r.ruleIndex !== undefined && rules[r.ruleIndex]) || rules.find(x => x.id === r.ruleId) || {};
    const level = r.level || (rule.defaultConfiguration && rule.defaultConfiguration.level) || 'warning';
    if (level === 'none') continue;
    const m = r.message || {};
    let text = m.text;
    if (text === undefined && m.id && rule.messageStrings && rule.messageStrings[m.id])
      text = fmt(rule.messageStrings[m.id].text, m.arguments);
    if (text === undefined) text = `${m.id || ''} ${JSON.stringify(m.arguments || [])}`;
    const reg = (((r.locations || [])[0] || {}).physicalLocation || {}).region || {};
    const pos = reg.startLine !== undefined
      ? `(${reg.startLine}${reg.startColumn !== undefined ? ',' + reg.startColumn : ''})` : '';
    counts[level] = (counts[level] || 0) + 1;
    console.log(`${target}${pos}: ${level} ${r.ruleId}: ${text}`);
  }
  for (const inv of run.invocations || []) {
    // The one rule offline.configuration.xml switches off is reported as a
    // configuration warning (WRN999.RuleExplicitlyDisabled); it is not a finding.
    const notes = [...(inv.toolExecutionNotifications || []), ...(inv.toolConfigurationNotifications || [])]
      .filter(n => !(n.descriptor && n.descriptor.id === 'WRN999.RuleExplicitlyDisabled'
        && /'SARIF2006'/.test((n.message && n.message.text) || '')));
    for (const n of notes) {
      const level = n.level || 'warning';
      counts[level] = (counts[level] || 0) + 1;
      const id = (n.descriptor && n.descriptor.id) || 'TOOL';
      console.log(`${target}: ${level} ${id}: ${(n.message && n.message.text) || ''}`);
    }
    if (inv.executionSuccessful === false) {
      counts.error++;
      console.log(`${target}: error TOOL: the validator's run did not complete successfully.`);
    }
  }
}
fs.writeFileSync(countsPath, `${counts.error} ${counts.warning}\n`);
JS
  read -r errors warnings <"$dir/counts"

  # A log the SARIF SDK cannot load makes `validate` report nothing; `rewrite` surfaces it.
  if [[ $errors -eq 0 ]] && ! "$multitool" rewrite "$file" --output "$dir/rewrite.sarif" --log ForceOverwrite \
    >"$dir/rewrite.log" 2>&1; then
    reason=$(grep -m1 -E 'Exception|Error' "$dir/rewrite.log" || tail -n 1 "$dir/rewrite.log")
    echo "$file: error LOAD: the SARIF SDK cannot load this log (so 'validate' checked nothing): $reason"
    errors=$((errors + 1))
  fi

  if [[ $errors -gt 0 ]]; then
    echo "$prog: $file: $errors error(s), $warnings warning(s)"
    echo "$errors $warnings 1" >"$dir/result"
  else
    echo "$prog: $file: ok, $warnings warning(s)"
    echo "$errors $warnings 0" >"$dir/result"
  fi
}

# Two files at a time: each check starts .NET twice, so the wall time is
# mostly start-up, and CI has two cores.
jobs_max=${SARIF_VALIDATE_JOBS:-2}
for i in "${!files[@]}"; do
  check_file "$i" "${files[$i]}" >"$work/$i.out" 2>"$work/$i.err" &
  while (( $(jobs -rp | wc -l) >= jobs_max )); do wait -n || true; done
done
wait

failed=0
total_errors=0
total_warnings=0
for i in "${!files[@]}"; do
  cat "$work/$i.out"
  cat "$work/$i.err" >&2
  read -r errors warnings file_failed <"$work/$i/result" || { errors=1; warnings=0; file_failed=1; }
  total_errors=$((total_errors + errors))
  total_warnings=$((total_warnings + warnings))
  [[ $file_failed -ne 0 ]] && failed=1
done

if [[ $failed -ne 0 ]]; then
  echo "$prog: FAILED: $total_errors error(s), $total_warnings warning(s) in ${#files[@]} file(s)" >&2
  exit 1
fi
