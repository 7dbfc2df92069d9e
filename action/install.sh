#!/usr/bin/env bash
# Installs casguard for the GitHub Action (action.yml), on Linux, macOS and Windows runners.
#
#   install.sh resolve   decide the version, the release asset and the cache folder
#                        (outputs: version, target, asset, dir, cache-key, source)
#   install.sh install   put casguard into that folder unless it is there already (the cache),
#                        and add the folder to GITHUB_PATH (output: path, installed-from)
#
# The release binary is used when the release has one for this runner. It is downloaded with
# the release's SHA256SUMS and refused unless its checksum matches. Without a binary for the
# runner casguard is built with cargo: from the action's own checkout when the version is the
# action's ref, else `cargo install casguard --version`.
#
# Environment (action.yml passes these; a test sets them to run this script locally):
#   CASGUARD_VERSION        release tag to install (vX.Y.Z); empty: the action's ref when it is
#                           a release tag, else a build from the action's checkout
#   CASGUARD_ACTION_REF     github.action_ref (the tag or SHA the workflow pinned)
#   CASGUARD_RELEASES_URL   base URL of release downloads; default
#                           $GITHUB_SERVER_URL/casguard/casguard/releases/download
#                           (assets are at $CASGUARD_RELEASES_URL/<tag>/<asset>)
#   CASGUARD_INSTALL_ROOT   parent of the per-version folders; default $RUNNER_TOOL_CACHE/casguard
#   GITHUB_ACTION_PATH, RUNNER_OS, RUNNER_ARCH, RUNNER_TEMP, GITHUB_OUTPUT, GITHUB_PATH
set -euo pipefail

say() { printf 'casguard-action: %s\n' "$*" >&2; }
# A workflow command's message, escaped as GitHub asks (so no value can start a new command).
escape() {
  local m="${1//%/%25}"
  m="${m//$'\r'/%0D}"
  printf '%s' "${m//$'\n'/%0A}"
}
die() {
  printf '::error title=casguard install::%s\n' "$(escape "$*")"
  exit 1
}
output() { printf '%s=%s\n' "$1" "$2" >>"${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"; }

# The download or build folder of this run: removed however the script ends, so a failed
# download, a missing checksum or a failed build leaves nothing behind in RUNNER_TEMP.
work=""
trap 'if [[ -n "$work" ]]; then rm -rf "$work"; fi' EXIT

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  else
    shasum -a 256 "$1" | cut -d' ' -f1
  fi
}

# The release target for this runner; empty when the release has no binary for it.
runner_target() {
  case "${RUNNER_OS:-}-${RUNNER_ARCH:-}" in
    Linux-X64) echo x86_64-unknown-linux-musl ;;
    Linux-ARM64) echo aarch64-unknown-linux-musl ;;
    macOS-ARM64) echo aarch64-apple-darwin ;;
    macOS-X64) echo x86_64-apple-darwin ;;
    Windows-X64) echo x86_64-pc-windows-msvc ;;
    *) echo "" ;;
  esac
}

is_release_tag() { [[ "$1" =~ ^v[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$ ]]; }

resolve() {
  local version="${CASGUARD_VERSION:-}" ref="${CASGUARD_ACTION_REF:-}" target asset="" source dir key
  if [[ -n "$version" ]]; then
    [[ "$version" == v* ]] || version="v$version"
    is_release_tag "$version" || die "version must be a release tag such as v0.2.0, not '$version'"
  elif is_release_tag "$ref"; then
    version="$ref"
  fi
  target="$(runner_target)"
  if [[ -n "$version" && -n "$target" ]]; then
    source=release
    case "$target" in
      *windows*) asset="casguard-$version-$target.zip" ;;
      *) asset="casguard-$version-$target.tar.gz" ;;
    esac
  elif [[ -n "$version" ]]; then
    source=crates-io
  else
    # Pinned to a commit or a branch (or `uses: ./`): build exactly the action's checkout.
    source=checkout
  fi
  local label="$version"
  if [[ "$source" == checkout ]]; then
    if [[ "$ref" =~ ^[0-9a-f]{40}$ ]]; then label="src-$ref"; else label=""; fi
  fi
  local root="${CASGUARD_INSTALL_ROOT:-${RUNNER_TOOL_CACHE:-${RUNNER_TEMP:?}}/casguard}"
  local os arch
  os="$(printf '%s' "${RUNNER_OS:-unknown}" | tr '[:upper:]' '[:lower:]')"
  arch="$(printf '%s' "${RUNNER_ARCH:-unknown}" | tr '[:upper:]' '[:lower:]')"
  if [[ -n "$label" ]]; then
    dir="$root/$label/$os-$arch"
    key="casguard-$label-$os-$arch"
  else
    # A branch or a local checkout changes under the same name: no cache.
    dir="$root/local/$os-$arch"
    key=""
  fi
  output version "$version"
  output target "$target"
  output asset "$asset"
  output source "$source"
  output dir "$dir"
  output cache-key "$key"
  say "version ${version:-(action checkout)}, ${asset:-build with cargo ($source)}, into $dir"
}

exe_name() { if [[ "${RUNNER_OS:-}" == Windows ]]; then echo casguard.exe; else echo casguard; fi; }

download() {
  local url="$1" out="$2" proto='=https'
  # Plain http only for a local test server.
  case "$url" in http://127.0.0.1[:/]* | http://localhost[:/]*) proto='=http' ;; esac
  curl --fail --silent --show-error --location --retry 3 --retry-delay 2 \
    --proto "$proto" --proto-redir "$proto" --output "$out" "$url"
}

install_release() {
  local version="$1" asset="$2" dir="$3"
  local base="${CASGUARD_RELEASES_URL:-${GITHUB_SERVER_URL:-https://github.com}/casguard/casguard/releases/download}"
  work="$(mktemp -d "${RUNNER_TEMP:-/tmp}/casguard-install.XXXXXX")"
  say "downloading $base/$version/$asset"
  download "$base/$version/SHA256SUMS" "$work/SHA256SUMS" || die "could not download SHA256SUMS of $version"
  download "$base/$version/$asset" "$work/$asset" || die "could not download $asset of $version"
  local expected actual
  expected="$(awk -v name="$asset" '{ n = $2; sub(/^\*/, "", n); if (n == name) print $1 }' "$work/SHA256SUMS")"
  [[ "$expected" =~ ^[0-9a-f]{64}$ ]] || die "SHA256SUMS of $version has no checksum for $asset"
  actual="$(sha256_of "$work/$asset")"
  if [[ "$actual" != "$expected" ]]; then
    die "checksum mismatch for $asset: expected $expected, got $actual; nothing installed"
  fi
  say "checksum ok: $actual"
  mkdir -p "$work/unpacked"
  case "$asset" in
    *.zip)
      if command -v unzip >/dev/null 2>&1; then
        unzip -q "$work/$asset" -d "$work/unpacked"
      else
        7z x -y -o"$work/unpacked" "$work/$asset" >/dev/null
      fi
      ;;
    *) tar -xzf "$work/$asset" -C "$work/unpacked" ;;
  esac
  local exe
  exe="$(exe_name)"
  [[ -f "$work/unpacked/$exe" ]] || die "$asset has no $exe at its top level"
  chmod 0755 "$work/unpacked/$exe"
  mkdir -p "$dir"
  mv -f "$work/unpacked/$exe" "$dir/$exe"
}

install_with_cargo() {
  local source="$1" version="$2" dir="$3"
  command -v cargo >/dev/null 2>&1 || die "no casguard release binary for ${RUNNER_OS:-?}-${RUNNER_ARCH:-?} and no cargo to build one"
  work="$(mktemp -d "${RUNNER_TEMP:-/tmp}/casguard-cargo.XXXXXX")"
  if [[ "$source" == checkout ]]; then
    say "building casguard from the action's checkout (${GITHUB_ACTION_PATH:?})"
    cargo install --locked --root "$work" --path "$GITHUB_ACTION_PATH"
  else
    say "building casguard ${version#v} from crates.io"
    cargo install --locked --root "$work" casguard --version "${version#v}"
  fi
  mkdir -p "$dir"
  mv -f "$work/bin/$(exe_name)" "$dir/$(exe_name)"
}

install() {
  local version="${CASGUARD_RESOLVED_VERSION:-}" asset="${CASGUARD_ASSET:-}" source="${CASGUARD_SOURCE:?}" dir="${CASGUARD_DIR:?}"
  local exe from
  exe="$(exe_name)"
  if [[ -x "$dir/$exe" ]] && [[ -n "${CASGUARD_CACHE_KEY:-}" ]] && "$dir/$exe" --version >/dev/null 2>&1; then
    from=cache
    say "using the cached $dir/$exe"
  elif [[ "$source" == release ]]; then
    install_release "$version" "$asset" "$dir"
    from=release
  else
    install_with_cargo "$source" "$version" "$dir"
    from="$source"
  fi
  local reported
  reported="$("$dir/$exe" --version)" || die "$dir/$exe does not run"
  if [[ -n "$version" && "$reported" != *" ${version#v}"* ]]; then
    die "asked for casguard $version, but the installed binary says: $reported"
  fi
  say "$reported ($from)"
  printf '%s\n' "$dir" >>"${GITHUB_PATH:?GITHUB_PATH is not set}"
  output path "$dir/$exe"
  output installed-from "$from"
}

case "${1:-}" in
  resolve) resolve ;;
  install) install ;;
  *)
    echo "usage: install.sh resolve|install" >&2
    exit 2
    ;;
esac
