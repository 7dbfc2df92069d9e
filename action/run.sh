#!/usr/bin/env bash
# Runs one casguard command for the GitHub Action (action.yml), passing only the options that
# command accepts, and writes the step outputs and the job summary.
#
# Environment (action.yml passes these; a test sets them to run this script locally):
#   CASGUARD_COMMAND   the command, e.g. `lint`, `drift`, `report monthly`, `evidence verify`
#   CASGUARD_FORMAT    report format on stdout; empty: `github` for the commands with reports
#   CASGUARD_FAIL_ON   lowest severity that fails (error, warning, note, never); empty: casguard's default
#   CASGUARD_ARGS      further arguments, split on white space (no quoting, no globbing)
#   CASGUARD_SUMMARY   `true` (default) writes the job summary, `false` does not
#   CASGUARD_BIN       the casguard to run (default: casguard on PATH)
#   RUNNER_TEMP, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY
#
# Outputs: exit-code; errors, warnings, notes (from the JSON report, for the commands that
# have one); report-json, report-markdown (their paths); stdout (the file holding stdout).
set -uo pipefail
set -f # CASGUARD_ARGS is split on white space but never globbed

output() { printf '%s=%s\n' "$1" "$2" >>"${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"; }
# A workflow command's message, escaped as GitHub asks (so no value can start a new command).
escape() {
  local m="${1//%/%25}"
  m="${m//$'\r'/%0D}"
  printf '%s' "${m//$'\n'/%0A}"
}
warn() { printf '::warning title=casguard::%s\n' "$(escape "$*")"; }

bin="${CASGUARD_BIN:-casguard}"
read -r -a command <<<"${CASGUARD_COMMAND:-lint}"
read -r -a extra <<<"${CASGUARD_ARGS:-}"
format="${CASGUARD_FORMAT:-}"
fail_on="${CASGUARD_FAIL_ON:-}"
[[ ${#command[@]} -gt 0 ]] || command=(lint)

# What each command accepts of the options the action adds:
#   reports   --format (every format), --report FORMAT=PATH, --fail-on
#   formats   --format with the listed values only
#   none      none of them (evidence, import, suggest, fetch, alerts sync, ... take their
#             options from `args`)
kind=none
formats=""
case "${command[*]}" in
  lint | drift | review | ops | alerts) kind=reports ;;
  "report monthly") kind=formats formats="html markdown json" ;;
  shape | "rules list") kind=formats formats="human json" ;;
esac

out_dir="${RUNNER_TEMP:?RUNNER_TEMP is not set}/casguard-report"
mkdir -p "$out_dir"
json_report="" markdown_report=""
args=("${command[@]}")
case "$kind" in
  reports)
    args+=(--format "${format:-github}")
    [[ -n "$fail_on" ]] && args+=(--fail-on "$fail_on")
    json_report="$out_dir/report.json"
    markdown_report="$out_dir/report.md"
    rm -f "$json_report" "$markdown_report"
    args+=(--report "json=$json_report" --report "markdown=$markdown_report")
    ;;
  formats)
    if [[ -n "$format" ]]; then
      if [[ " $formats " == *" $format "* ]]; then
        args+=(--format "$format")
      else
        warn "\`casguard ${command[*]}\` has no --format $format (it has: $formats); using its default"
      fi
    fi
    [[ -n "$fail_on" ]] && warn "\`casguard ${command[*]}\` has no --fail-on; ignored"
    ;;
  none)
    [[ -n "$format" ]] && warn "\`casguard ${command[*]}\` has no --format; ignored (put its options in args)"
    [[ -n "$fail_on" ]] && warn "\`casguard ${command[*]}\` has no --fail-on; ignored"
    ;;
esac
args+=("${extra[@]}")

stdout_file="$out_dir/stdout"
printf 'casguard-action: casguard %s\n' "${args[*]}" >&2
"$bin" "${args[@]}" | tee "$stdout_file"
code=${PIPESTATUS[0]}

output exit-code "$code"
output stdout "$stdout_file"
errors="" warnings="" notes=""
if [[ -n "$json_report" && -s "$json_report" ]]; then
  output report-json "$json_report"
  if command -v jq >/dev/null 2>&1; then
    errors="$(jq -r '.summary.errors // empty' "$json_report")"
    warnings="$(jq -r '.summary.warnings // empty' "$json_report")"
    notes="$(jq -r '.summary.notes // empty' "$json_report")"
  else
    # The summary object comes first in casguard's JSON report.
    count() { grep -o "\"$1\": *[0-9]*" "$json_report" | head -n 1 | grep -o '[0-9]*$'; }
    errors="$(count errors)" warnings="$(count warnings)" notes="$(count notes)"
  fi
  output errors "$errors"
  output warnings "$warnings"
  output notes "$notes"
fi
[[ -n "$markdown_report" && -s "$markdown_report" ]] && output report-markdown "$markdown_report"

if [[ "${CASGUARD_SUMMARY:-true}" == true && -n "${GITHUB_STEP_SUMMARY:-}" ]]; then
  {
    if [[ -n "$markdown_report" && -s "$markdown_report" ]]; then
      cat "$markdown_report"
    elif [[ "${command[*]}" == suggest && " ${extra[*]} " != *" --adopt-live "* && " ${extra[*]} " != *" --out "* ]] ||
      [[ "${command[*]}" == "report monthly" && "$format" == markdown && " ${extra[*]} " != *" --out "* ]]; then
      # These print Markdown on stdout.
      cat "$stdout_file"
    else
      printf '### casguard %s\n\n' "${command[*]}"
      if [[ -s "$stdout_file" && $(wc -c <"$stdout_file") -le 65536 ]]; then
        printf '```text\n'
        cat "$stdout_file"
        printf '\n```\n\n'
      fi
    fi
    bt='`'
    printf '\n%scasguard %s%s exited with %s.\n' "$bt" "${command[*]}" "$bt" "$code"
  } >>"$GITHUB_STEP_SUMMARY"
fi

exit "$code"
