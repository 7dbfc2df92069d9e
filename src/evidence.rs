//! Audit evidence: a self-describing, hash-verified bundle of what the tenant
//! looked like, what git said it should be, and what differed, that anyone
//! can check without trusting casguard (`sha256sum -c SHA256SUMS` works).
//!
//! Building is pure (inputs in, named byte strings out) and deterministic:
//! keys are sorted, files are listed in name order, and the only clock is
//! `generated_at`, which SOURCE_DATE_EPOCH or `--generated-at` pins. Writing
//! is atomic: a folder is assembled next to its target and renamed into
//! place; an archive is written through `fsutil::write_atomic`. Hashing is
//! `sha2`, signing Ed25519 with `ed25519-dalek`, archives `tar` + `flate2`
//! with fixed metadata.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use ed25519_dalek::{Signer, SigningKey, Verifier, VerifyingKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub const FORMAT_VERSION: u64 = 1;
pub const MANIFEST: &str = "manifest.json";
pub const SUMS: &str = "SHA256SUMS";
pub const SIGNATURE: &str = "manifest.sig";

/// Everything a bundle is made from.
pub struct Inputs<'a> {
    pub tenant: Option<String>,
    pub fetched_at: Option<String>,
    pub generated_at: jiff::Timestamp,
    /// Exactly the bytes of the snapshot's raw policies.
    pub live_raw: Vec<u8>,
    pub live_normalized: Value,
    pub desired_normalized: Value,
    pub lint_json: String,
    pub drift_json: String,
    pub review_json: String,
    pub report_md: String,
    pub report_html: String,
    pub git_commit: Option<String>,
    pub git_dirty: Option<bool>,
    pub config_sha256: Option<String>,
    pub counts: Value,
    /// More reports to include (the monthly report), as (file name, bytes).
    pub extra: Vec<(String, Vec<u8>)>,
    pub signing_key: Option<&'a SigningKey>,
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The public key's fingerprint: SHA-256 of its bytes, first 16 hex digits pairs.
pub fn fingerprint(key: &VerifyingKey) -> String {
    let digest = sha256_hex(key.as_bytes());
    digest
        .as_bytes()
        .chunks(4)
        .take(8)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(":")
}

fn pretty(value: &Value) -> Vec<u8> {
    let mut text = serde_json::to_string_pretty(&sorted(value)).expect("JSON serializes");
    text.push('\n');
    text.into_bytes()
}

/// A copy of `value` with every object's keys in sorted order.
fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.clone(), sorted(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// Every file of the bundle, by name.
pub fn build(inputs: &Inputs<'_>) -> BTreeMap<String, Vec<u8>> {
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    files.insert("live-raw.json".into(), inputs.live_raw.clone());
    files.insert(
        "live-normalized.json".into(),
        pretty(&inputs.live_normalized),
    );
    files.insert(
        "desired-normalized.json".into(),
        pretty(&inputs.desired_normalized),
    );
    files.insert("lint.json".into(), inputs.lint_json.clone().into_bytes());
    files.insert("drift.json".into(), inputs.drift_json.clone().into_bytes());
    files.insert(
        "review.json".into(),
        inputs.review_json.clone().into_bytes(),
    );
    let mut report_md = inputs.report_md.clone();
    let key = inputs.signing_key.map(|k| fingerprint(&k.verifying_key()));
    report_md.push_str(&format!(
        "\n---\n\nEvidence bundle generated {} by casguard {}. Verify it with `casguard evidence verify <bundle>` or `sha256sum -c SHA256SUMS`{}.\n",
        inputs.generated_at,
        env!("CARGO_PKG_VERSION"),
        key.as_ref().map_or(String::new(), |k| format!("; `manifest.sig` is signed with the Ed25519 key {k}"))
    ));
    files.insert("report.md".into(), report_md.into_bytes());
    files.insert(
        "report.html".into(),
        inputs.report_html.clone().into_bytes(),
    );
    for (name, bytes) in &inputs.extra {
        files.insert(name.clone(), bytes.clone());
    }
    let hashes: BTreeMap<&String, String> = files
        .iter()
        .map(|(name, bytes)| (name, sha256_hex(bytes)))
        .collect();
    let manifest = json!({
        "format_version": FORMAT_VERSION,
        "casguard_version": env!("CARGO_PKG_VERSION"),
        "tenant": inputs.tenant,
        "fetched_at": inputs.fetched_at,
        "generated_at": inputs.generated_at.to_string(),
        "git": {"commit": inputs.git_commit, "dirty": inputs.git_dirty},
        "config_sha256": inputs.config_sha256,
        "counts": inputs.counts,
        "signing_key_fingerprint": key,
        "files": hashes,
    });
    let manifest = pretty(&manifest);
    if let Some(key) = inputs.signing_key {
        let signature = key.sign(&manifest);
        files.insert(
            SIGNATURE.into(),
            format!("{}\n", hex::encode(signature.to_bytes())).into_bytes(),
        );
    }
    files.insert(MANIFEST.into(), manifest);
    let sums: String = files
        .iter()
        .map(|(name, bytes)| format!("{}  {name}\n", sha256_hex(bytes)))
        .collect();
    files.insert(SUMS.into(), sums.into_bytes());
    files
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum EvidenceError {
    #[error("`{0}` already exists")]
    #[diagnostic(help("pass --force to replace it (the old bundle is kept until the new one is complete), or choose another --out"))]
    Exists(String),
    #[error("cannot write the bundle `{path}`: {source}", path = .0.display(), source = .1)]
    #[diagnostic(help("check that the folder is writable; no partial bundle was left behind"))]
    Write(PathBuf, std::io::Error),
    #[error("cannot read the bundle `{path}`: {detail}", path = .0.display(), detail = .1)]
    #[diagnostic(help("give the bundle folder or its .tar.gz archive"))]
    Read(PathBuf, String),
    #[error("bad key `{path}`: {detail}", path = .0.display(), detail = .1)]
    #[diagnostic(help("keys come from `casguard evidence keygen`: the private key is 64 hex digits, the public key too"))]
    Key(PathBuf, String),
}

/// Writes the bundle as a folder, or as a `.tar.gz` when `out` ends so.
pub fn write(
    out: &Path,
    files: &BTreeMap<String, Vec<u8>>,
    mtime: u64,
    force: bool,
) -> Result<(), EvidenceError> {
    if out.exists() && !force {
        return Err(EvidenceError::Exists(out.display().to_string()));
    }
    let write_error = |e: std::io::Error| EvidenceError::Write(out.to_path_buf(), e);
    if is_archive(out) {
        let bytes = archive(files, mtime).map_err(write_error)?;
        return crate::fsutil::write_atomic(out, &bytes).map_err(write_error);
    }
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let staging = tempfile::Builder::new()
        .prefix(".casguard-evidence-")
        .tempdir_in(parent)
        .map_err(write_error)?;
    for (name, bytes) in files {
        std::fs::write(staging.path().join(name), bytes).map_err(write_error)?;
    }
    let staged = staging.keep();
    if out.exists() {
        // Keep the old bundle until the new one is in place.
        let old = parent.join(format!(".casguard-evidence-old-{}", std::process::id()));
        std::fs::rename(out, &old).map_err(write_error)?;
        if let Err(e) = std::fs::rename(&staged, out) {
            let _ = std::fs::rename(&old, out);
            let _ = std::fs::remove_dir_all(&staged);
            return Err(write_error(e));
        }
        let _ = std::fs::remove_dir_all(&old);
    } else if let Err(e) = std::fs::rename(&staged, out) {
        let _ = std::fs::remove_dir_all(&staged);
        return Err(write_error(e));
    }
    Ok(())
}

fn is_archive(path: &Path) -> bool {
    let name = path.to_string_lossy();
    name.ends_with(".tar.gz") || name.ends_with(".tgz")
}

/// A gzip'd tar with fixed metadata: same files, same bytes.
fn archive(files: &BTreeMap<String, Vec<u8>>, mtime: u64) -> std::io::Result<Vec<u8>> {
    let encoder = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::fast());
    let mut builder = tar::Builder::new(encoder);
    builder.mode(tar::HeaderMode::Deterministic);
    for (name, bytes) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(mtime);
        header.set_uid(0);
        header.set_gid(0);
        header.set_cksum();
        builder.append_data(&mut header, format!("evidence/{name}"), bytes.as_slice())?;
    }
    builder.into_inner()?.finish()
}

/// Reads a bundle folder or archive into memory.
pub fn read(path: &Path) -> Result<BTreeMap<String, Vec<u8>>, EvidenceError> {
    let fail = |e: String| EvidenceError::Read(path.to_path_buf(), e);
    let mut files = BTreeMap::new();
    if path.is_dir() {
        for entry in std::fs::read_dir(path).map_err(|e| fail(e.to_string()))? {
            let entry = entry.map_err(|e| fail(e.to_string()))?;
            if entry
                .file_type()
                .map_err(|e| fail(e.to_string()))?
                .is_file()
            {
                let bytes = std::fs::read(entry.path()).map_err(|e| fail(e.to_string()))?;
                files.insert(entry.file_name().to_string_lossy().into_owned(), bytes);
            }
        }
    } else {
        let file = std::fs::File::open(path).map_err(|e| fail(e.to_string()))?;
        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
        for entry in archive.entries().map_err(|e| fail(e.to_string()))? {
            let mut entry = entry.map_err(|e| fail(e.to_string()))?;
            let name = entry
                .path()
                .map_err(|e| fail(e.to_string()))?
                .to_string_lossy()
                .trim_start_matches("evidence/")
                .to_string();
            let mut bytes = Vec::new();
            entry
                .read_to_end(&mut bytes)
                .map_err(|e| fail(e.to_string()))?;
            files.insert(name, bytes);
        }
    }
    Ok(files)
}

/// What `verify` found; an empty list means intact.
pub fn verify(files: &BTreeMap<String, Vec<u8>>, public_key: Option<&VerifyingKey>) -> Vec<String> {
    let mut problems = Vec::new();
    let Some(manifest) = files.get(MANIFEST) else {
        return vec![format!("{MANIFEST}: missing")];
    };
    let parsed: Value = match serde_json::from_slice(manifest) {
        Ok(v) => v,
        Err(e) => return vec![format!("{MANIFEST}: not valid JSON ({e})")],
    };
    let listed = parsed
        .get("files")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (name, hash) in &listed {
        match files.get(name) {
            None => problems.push(format!("{name}: missing")),
            Some(bytes) if Some(sha256_hex(bytes).as_str()) != hash.as_str() => problems.push(
                format!("{name}: altered (SHA-256 differs from the manifest)"),
            ),
            Some(_) => {}
        }
    }
    for name in files.keys() {
        if !listed.contains_key(name) && ![MANIFEST, SUMS, SIGNATURE].contains(&name.as_str()) {
            problems.push(format!("{name}: extra (not in the manifest)"));
        }
    }
    match files.get(SUMS) {
        None => problems.push(format!("{SUMS}: missing")),
        Some(sums) => {
            let text = String::from_utf8_lossy(sums);
            for line in text.lines() {
                let Some((hash, name)) = line.split_once("  ") else {
                    problems.push(format!("{SUMS}: malformed line `{line}`"));
                    continue;
                };
                match files.get(name) {
                    Some(bytes) if sha256_hex(bytes) == hash => {}
                    Some(_) if !problems.iter().any(|p| p.starts_with(&format!("{name}:"))) => {
                        problems.push(format!("{name}: altered (SHA-256 differs from {SUMS})"))
                    }
                    Some(_) => {}
                    None if !problems.iter().any(|p| p.starts_with(&format!("{name}:"))) => {
                        problems.push(format!("{name}: missing"))
                    }
                    None => {}
                }
            }
        }
    }
    if let Some(key) = public_key {
        match files.get(SIGNATURE) {
            None => problems.push(format!("{SIGNATURE}: missing, but a public key was given")),
            Some(text) => {
                let bytes = hex::decode(String::from_utf8_lossy(text).trim())
                    .ok()
                    .and_then(|b| <[u8; 64]>::try_from(b).ok());
                match bytes {
                    Some(bytes)
                        if key
                            .verify(manifest, &ed25519_dalek::Signature::from_bytes(&bytes))
                            .is_ok() => {}
                    Some(_) => problems.push(format!(
                        "{SIGNATURE}: the signature does not match this public key ({})",
                        fingerprint(key)
                    )),
                    None => problems.push(format!("{SIGNATURE}: not a hex Ed25519 signature")),
                }
            }
        }
    }
    problems.sort();
    problems.dedup();
    problems
}

/// Reads a private key: 64 hex digits (a 32-byte seed), from a file.
pub fn read_signing_key(path: &Path) -> Result<SigningKey, EvidenceError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| EvidenceError::Key(path.to_path_buf(), e.to_string()))?;
    parse_signing_key(&text).map_err(|e| EvidenceError::Key(path.to_path_buf(), e))
}

pub fn parse_signing_key(text: &str) -> Result<SigningKey, String> {
    let bytes = hex::decode(text.trim()).map_err(|e| e.to_string())?;
    let seed: [u8; 32] = bytes
        .try_into()
        .map_err(|_| "expected 32 bytes".to_string())?;
    Ok(SigningKey::from_bytes(&seed))
}

pub fn read_public_key(path: &Path) -> Result<VerifyingKey, EvidenceError> {
    let fail = |e: String| EvidenceError::Key(path.to_path_buf(), e);
    let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
    let bytes = hex::decode(text.trim()).map_err(|e| fail(e.to_string()))?;
    let bytes: [u8; 32] = bytes
        .try_into()
        .map_err(|_| fail("expected 32 bytes".into()))?;
    VerifyingKey::from_bytes(&bytes).map_err(|e| fail(e.to_string()))
}

/// A new key pair from the operating system's random source.
pub fn generate_key() -> Result<SigningKey, String> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| e.to_string())?;
    Ok(SigningKey::from_bytes(&seed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(key: Option<&SigningKey>) -> Inputs<'_> {
        Inputs {
            tenant: Some("https://t".into()),
            fetched_at: Some("2026-11-20T00:00:00Z".into()),
            generated_at: "2026-11-22T00:00:00Z".parse().unwrap(),
            live_raw: br#"[{"_id":"1"}]"#.to_vec(),
            live_normalized: json!({"b": 1, "a": 2}),
            desired_normalized: json!({}),
            lint_json: "{}\n".into(),
            drift_json: "{}\n".into(),
            review_json: "{}\n".into(),
            report_md: "# r\n".into(),
            report_html: "<html></html>\n".into(),
            git_commit: Some("abc".into()),
            git_dirty: Some(false),
            config_sha256: None,
            counts: json!({"policies": 1}),
            extra: Vec::new(),
            signing_key: key,
        }
    }

    #[test]
    fn verify_names_every_problem() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let files = build(&inputs(Some(&key)));
        assert!(verify(&files, Some(&key.verifying_key())).is_empty());
        let mut altered = files.clone();
        altered.get_mut("drift.json").unwrap().push(b' ');
        altered.remove("lint.json");
        altered.insert("extra.txt".into(), b"x".to_vec());
        let problems = verify(&altered, None);
        assert_eq!(
            problems,
            [
                "drift.json: altered (SHA-256 differs from the manifest)",
                "extra.txt: extra (not in the manifest)",
                "lint.json: missing"
            ]
        );
        let other = SigningKey::from_bytes(&[8; 32]);
        assert!(verify(&files, Some(&other.verifying_key()))[0].contains("does not match"));
    }

    #[test]
    fn deterministic_archives() {
        let files = build(&inputs(None));
        assert_eq!(archive(&files, 1).unwrap(), archive(&files, 1).unwrap());
        assert_eq!(build(&inputs(None)), files);
    }
}
