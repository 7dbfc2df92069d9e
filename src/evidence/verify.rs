//! `evidence verify`: whether a bundle is exactly what casguard wrote. Every
//! problem is named by file: altered, missing, extra, unlisted (in the
//! manifest or in SHA256SUMS), a required file the manifest leaves out, a
//! signature missing from a bundle whose manifest says it is signed, a
//! signature by another key. Whether a signature was checked is part of
//! the answer, never left for the reader to guess.

use std::collections::BTreeMap;

use serde_json::Value;
use ssh_key::PublicKey;

use super::{keys, Bundle, Manifest, FORMAT_VERSION, MANIFEST, REQUIRED, SIGNATURE, SUMS};
use crate::model::SignatureCheck;

/// What `verify` found: an empty `problems` means intact.
#[derive(Debug, PartialEq, Eq)]
pub struct Verification {
    pub problems: Vec<String>,
    pub signature: SignatureCheck,
}

/// Checks `bundle`; with `public_key`, also its signature, which must then
/// be there: an unsigned bundle fails.
pub fn verify(bundle: &Bundle, public_key: Option<&PublicKey>) -> Verification {
    let mut problems = bundle.problems.clone();
    let manifest = match manifest(bundle) {
        Ok(manifest) => manifest,
        Err(problem) => {
            problems.push(problem);
            return finish(problems, SignatureCheck::Unknown);
        }
    };
    listed_files(bundle, &manifest, &mut problems);
    sums(bundle, &mut problems);
    let signature = signature(bundle, &manifest, public_key, &mut problems);
    finish(problems, signature)
}

fn finish(mut problems: Vec<String>, signature: SignatureCheck) -> Verification {
    problems.sort();
    problems.dedup();
    Verification {
        problems,
        signature,
    }
}

fn manifest(bundle: &Bundle) -> Result<Manifest, String> {
    let Some(bytes) = bundle.content(MANIFEST) else {
        return Err(format!("{MANIFEST}: missing"));
    };
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| format!("{MANIFEST}: not valid JSON ({e})"))?;
    match value.get("format_version").and_then(Value::as_u64) {
        Some(FORMAT_VERSION) => {}
        Some(other) => {
            return Err(format!(
                "{MANIFEST}: format_version {other}; this casguard checks format {FORMAT_VERSION} (bundles of format 1 came from a casguard before 0.1.0's release: make the bundle again)"
            ))
        }
        None => return Err(format!("{MANIFEST}: no format_version; not a casguard manifest")),
    }
    serde_json::from_value(value).map_err(|e| {
        format!(
            "{MANIFEST}: not a casguard manifest ({})",
            crate::textutil::clip(&e.to_string(), 200)
        )
    })
}

/// Every file the manifest lists is there with its hash, every file there
/// is listed, and every required file is listed.
fn listed_files(bundle: &Bundle, manifest: &Manifest, problems: &mut Vec<String>) {
    for name in REQUIRED {
        if !manifest.files.contains_key(name) {
            problems.push(format!(
                "{name}: not listed in {MANIFEST} (every bundle holds it)"
            ));
        }
    }
    for (name, hash) in &manifest.files {
        let shown = crate::textutil::clip(name, 120);
        if super::bundle::is_control(name) {
            problems.push(format!(
                "{shown}: listed in {MANIFEST}, which cannot list it"
            ));
            continue;
        }
        match bundle.files.get(name) {
            None => problems.push(format!("{shown}: missing")),
            Some(entry) if !entry.sha256.eq_ignore_ascii_case(hash) => problems.push(format!(
                "{shown}: altered (SHA-256 differs from the manifest)"
            )),
            Some(_) => {}
        }
    }
    let signed = manifest.signature.is_some();
    for name in bundle.files.keys() {
        let control = name == MANIFEST || name == SUMS || (signed && name == SIGNATURE);
        if !control && !manifest.files.contains_key(name) {
            problems.push(format!(
                "{}: extra (not in the manifest)",
                crate::textutil::clip(name, 120)
            ));
        }
    }
}

/// SHA256SUMS lists every other file of the bundle once, with its hash, in
/// `sha256sum`'s text (`HASH  NAME`) or binary (`HASH *NAME`) form.
fn sums(bundle: &Bundle, problems: &mut Vec<String>) {
    let Some(bytes) = bundle.content(SUMS) else {
        problems.push(format!("{SUMS}: missing"));
        return;
    };
    let text = String::from_utf8_lossy(bytes);
    let mut listed: BTreeMap<String, usize> = BTreeMap::new();
    // The names that already have a verdict: every problem's text up to a
    // ": ", so that a lookup is what `starts_with("{name}: ")` over all the
    // problems would say, without scanning them for each of up to 16 MiB of
    // lines.
    let mut judged: std::collections::HashSet<String> = problems
        .iter()
        .flat_map(|p| p.match_indices(": ").map(move |(i, _)| p[..i].to_string()))
        .collect();
    for (number, line) in text.lines().enumerate() {
        let parsed = line
            .split_once("  ")
            .or_else(|| line.split_once(" *"))
            .filter(|(hash, name)| {
                hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) && !name.is_empty()
            });
        let Some((hash, name)) = parsed else {
            problems.push(format!(
                "{SUMS}: line {} is not `SHA-256  NAME`",
                number + 1
            ));
            continue;
        };
        let shown = crate::textutil::clip(name, 120);
        *listed.entry(name.to_string()).or_default() += 1;
        // The manifest's verdict on a file is enough; SHA256SUMS adds one
        // only where the manifest said nothing.
        if judged.contains(&shown) {
            continue;
        }
        let verdict = match bundle.files.get(name) {
            None => format!("{shown}: missing"),
            Some(entry) if !entry.sha256.eq_ignore_ascii_case(hash) => {
                format!("{shown}: altered (SHA-256 differs from {SUMS})")
            }
            Some(_) => continue,
        };
        problems.push(verdict);
        judged.insert(shown);
    }
    for (name, count) in &listed {
        if *count > 1 {
            problems.push(format!(
                "{SUMS}: lists {} {count} times",
                crate::textutil::clip(name, 120)
            ));
        }
    }
    for name in bundle.files.keys().filter(|n| *n != SUMS) {
        if !listed.contains_key(name) {
            problems.push(format!(
                "{}: not listed in {SUMS}",
                crate::textutil::clip(name, 120)
            ));
        }
    }
}

fn signature(
    bundle: &Bundle,
    manifest: &Manifest,
    public_key: Option<&PublicKey>,
    problems: &mut Vec<String>,
) -> SignatureCheck {
    let Some(info) = &manifest.signature else {
        if public_key.is_some() {
            problems.push(format!(
                "{MANIFEST}: the bundle is not signed, but a signature was required"
            ));
        }
        return SignatureCheck::Unsigned;
    };
    if info.format != "sshsig" || info.namespace != keys::NAMESPACE || info.file != SIGNATURE {
        problems.push(format!(
            "{MANIFEST}: a signature this casguard does not know (format, namespace or file)"
        ));
        return SignatureCheck::Unknown;
    }
    let fingerprint = crate::textutil::clip(&info.key_fingerprint, 80);
    let Some(signature) = bundle.content(SIGNATURE) else {
        problems.push(format!(
            "{SIGNATURE}: missing, but {MANIFEST} says the bundle is signed by the key {fingerprint}"
        ));
        return SignatureCheck::Unknown;
    };
    let Some(key) = public_key else {
        return SignatureCheck::NotChecked { fingerprint };
    };
    let manifest_bytes = bundle.content(MANIFEST).unwrap_or_default();
    match keys::check(key, manifest_bytes, signature) {
        Ok(()) => SignatureCheck::Valid {
            fingerprint: keys::fingerprint(key),
        },
        Err(why) => {
            problems.push(format!("{SIGNATURE}: the signature {why}"));
            SignatureCheck::Unknown
        }
    }
}
