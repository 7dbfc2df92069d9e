//! Audit evidence: a self-describing, hash-verified bundle of what the tenant
//! looked like, what git said it should be, and what differed, that anyone
//! can check without trusting casguard: `sha256sum -c SHA256SUMS` checks the
//! files, `ssh-keygen -Y verify` the signature of `manifest.json`.
//!
//! Building is pure (inputs in, named byte strings out) and deterministic:
//! keys are sorted, files are listed in name order, and the only clock is
//! `generated_at`, which SOURCE_DATE_EPOCH or `--generated-at` pins. Writing
//! is atomic: a folder is assembled next to its target and renamed into
//! place; an archive is written through `fsutil::write_atomic`. Hashing is
//! `sha2`, signatures SSHSIG (`keys`), archives `tar` + `flate2` with fixed
//! metadata. Reading and checking a bundle are `bundle` and `verify`.
//!
//! The manifest is typed and versioned (`Manifest`, format 2): it lists
//! every file with its SHA-256, and every bundle holds the `REQUIRED`
//! files, so a bundle stripped down to a manifest does not pass.

pub mod bundle;
pub mod keys;
mod verify;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

pub use bundle::{read, Bundle};
pub use keys::SigningKey;
pub use verify::{verify, Verification};

/// Bumped whenever a reader of the previous format would misjudge a bundle.
pub const FORMAT_VERSION: u64 = 2;
pub const MANIFEST: &str = "manifest.json";
pub const SUMS: &str = "SHA256SUMS";
pub const SIGNATURE: &str = "manifest.json.sig";
/// What every bundle holds besides the manifest and SHA256SUMS.
pub const REQUIRED: [&str; 8] = [
    "live-raw.json",
    "live-normalized.json",
    "desired-normalized.json",
    "lint.json",
    "drift.json",
    "review.json",
    "report.md",
    "report.html",
];

/// `manifest.json`: what the bundle is, and the SHA-256 of every file.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format_version: u64,
    pub casguard_version: String,
    pub tenant: Option<String>,
    pub fetched_at: Option<String>,
    pub generated_at: String,
    pub git: GitState,
    pub config_sha256: Option<String>,
    pub counts: Value,
    /// Present when the bundle is signed: a bundle that says so and has no
    /// valid signature fails verification.
    pub signature: Option<SignatureInfo>,
    /// Every file of the bundle but the manifest, its signature and SHA256SUMS.
    pub files: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GitState {
    pub commit: Option<String>,
    pub dirty: Option<bool>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SignatureInfo {
    /// `sshsig`: check it with `ssh-keygen -Y verify`.
    pub format: String,
    pub namespace: String,
    pub file: String,
    /// `SHA256:…` of the public key, as `ssh-keygen -l` prints it.
    pub key_fingerprint: String,
}

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
pub fn build(inputs: &Inputs<'_>) -> Result<BTreeMap<String, Vec<u8>>, EvidenceError> {
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
    let key = inputs.signing_key.map(SigningKey::fingerprint);
    files.insert(
        "report.md".into(),
        report_md(inputs, key.as_deref()).into_bytes(),
    );
    files.insert(
        "report.html".into(),
        inputs.report_html.clone().into_bytes(),
    );
    for (name, bytes) in &inputs.extra {
        files.insert(name.clone(), bytes.clone());
    }
    // Each file is hashed once, for the manifest and SHA256SUMS alike.
    let mut hashes: BTreeMap<String, String> = files
        .iter()
        .map(|(name, bytes)| (name.clone(), sha256_hex(bytes)))
        .collect();
    let manifest = Manifest {
        format_version: FORMAT_VERSION,
        casguard_version: env!("CARGO_PKG_VERSION").into(),
        tenant: inputs.tenant.clone(),
        fetched_at: inputs.fetched_at.clone(),
        generated_at: inputs.generated_at.to_string(),
        git: GitState {
            commit: inputs.git_commit.clone(),
            dirty: inputs.git_dirty,
        },
        config_sha256: inputs.config_sha256.clone(),
        counts: inputs.counts.clone(),
        signature: key.map(|key_fingerprint| SignatureInfo {
            format: "sshsig".into(),
            namespace: keys::NAMESPACE.into(),
            file: SIGNATURE.into(),
            key_fingerprint,
        }),
        files: hashes.clone(),
    };
    let manifest = pretty(&serde_json::to_value(&manifest).expect("the manifest serializes"));
    if let Some(key) = inputs.signing_key {
        let signature = key.sign(&manifest).map_err(EvidenceError::Sign)?;
        files.insert(SIGNATURE.into(), signature.into_bytes());
    }
    files.insert(MANIFEST.into(), manifest);
    for control in [SIGNATURE, MANIFEST] {
        if let Some(bytes) = files.get(control) {
            hashes.insert(control.into(), sha256_hex(bytes));
        }
    }
    let sums: String = hashes
        .iter()
        .map(|(name, hash)| format!("{hash}  {name}\n"))
        .collect();
    files.insert(SUMS.into(), sums.into_bytes());
    Ok(files)
}

/// The Markdown report, closed by how to check the bundle.
fn report_md(inputs: &Inputs<'_>, key: Option<&str>) -> String {
    let signed = match key {
        Some(key) => format!(
            "; `{SIGNATURE}` is an SSH signature of `{MANIFEST}` by the Ed25519 key {key} (namespace `{}`), checked by `ssh-keygen -Y verify`",
            keys::NAMESPACE
        ),
        None => ". The bundle is not signed: its hashes detect corruption, not tampering".into(),
    };
    format!(
        "{}\n---\n\nEvidence bundle generated {} by casguard {}. Verify it with `casguard evidence verify <bundle>` or `sha256sum -c SHA256SUMS`{signed}.\n",
        inputs.report_md,
        inputs.generated_at,
        env!("CARGO_PKG_VERSION"),
    )
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
    #[diagnostic(help("keys come from `casguard evidence keygen` or `ssh-keygen -t ed25519`: an OpenSSH Ed25519 private key (PREFIX.key) and its public key (PREFIX.pub)"))]
    Key(PathBuf, String),
    #[error("cannot sign the manifest: {0}")]
    Sign(String),
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
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(write_error)?;
    if is_archive(out) {
        let bytes = archive(files, mtime).map_err(write_error)?;
        return crate::fsutil::write_atomic(out, &bytes).map_err(write_error);
    }
    write_folder(out, parent, files).map_err(write_error)
}

/// Assembles the folder next to `out`, then swaps it in. Every temporary
/// folder is a `TempDir`, removed on any error; the old bundle is moved
/// aside into one and only deleted once the new one is in place.
fn write_folder(
    out: &Path,
    parent: &Path,
    files: &BTreeMap<String, Vec<u8>>,
) -> std::io::Result<()> {
    let staging = tempfile::Builder::new()
        .prefix(".casguard-evidence-")
        .tempdir_in(parent)?;
    let folder = staging.path().join("bundle");
    std::fs::create_dir(&folder)?;
    for (name, bytes) in files {
        std::fs::write(folder.join(name), bytes)?;
    }
    let old = out.exists().then(|| std::fs::metadata(out)).transpose()?;
    #[cfg(unix)]
    if let Some(meta) = &old {
        // A replaced bundle keeps its folder's mode; a new one has the umask's.
        std::fs::set_permissions(&folder, meta.permissions())?;
    }
    if old.is_some() {
        let aside = tempfile::Builder::new()
            .prefix(".casguard-evidence-old-")
            .tempdir_in(parent)?;
        std::fs::rename(out, aside.path().join("bundle"))?;
        if let Err(e) = std::fs::rename(&folder, out) {
            if let Err(restore) = std::fs::rename(aside.path().join("bundle"), out) {
                // The old bundle must outlive this error: keep its folder and say where.
                let kept = aside.keep().join("bundle");
                return Err(std::io::Error::new(
                    e.kind(),
                    format!(
                        "{e}; the old bundle could not be put back ({restore}) and is kept at {}",
                        kept.display()
                    ),
                ));
            }
            return Err(e);
        }
        // `aside` drops here and takes the old bundle with it.
    } else {
        std::fs::rename(&folder, out)?;
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
        builder.append_data(
            &mut header,
            format!("{}/{name}", bundle::ARCHIVE_FOLDER),
            bytes.as_slice(),
        )?;
    }
    builder.into_inner()?.finish()
}

/// Reads a private key file (see `keys::parse_signing_key`).
pub fn read_signing_key(path: &Path) -> Result<SigningKey, EvidenceError> {
    let fail = |e: String| EvidenceError::Key(path.to_path_buf(), e);
    keys::parse_signing_key(&keys::read_text(path).map_err(fail)?).map_err(fail)
}

/// Reads a public key file (see `keys::parse_public_key`).
pub fn read_public_key(path: &Path) -> Result<ssh_key::PublicKey, EvidenceError> {
    let fail = |e: String| EvidenceError::Key(path.to_path_buf(), e);
    keys::parse_public_key(&keys::read_text(path).map_err(fail)?).map_err(fail)
}

#[cfg(test)]
mod tests;
