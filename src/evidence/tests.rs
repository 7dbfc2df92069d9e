//! Bundles built in memory, tampered with in every way the reader and the
//! checks must catch, and re-packed in the ways that must still pass.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use serde_json::json;

use super::*;
use crate::model::SignatureCheck;

fn key(seed: u8) -> SigningKey {
    keys::parse_signing_key(&hex::encode([seed; 32])).unwrap()
}

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

fn check(files: &BTreeMap<String, Vec<u8>>) -> Vec<String> {
    verify(&Bundle::from_files(files), None).problems
}

/// The SHA256SUMS line of every file, as `build` writes it.
fn resum(files: &mut BTreeMap<String, Vec<u8>>) {
    files.remove(SUMS);
    let sums: String = files
        .iter()
        .map(|(name, bytes)| format!("{}  {name}\n", sha256_hex(bytes)))
        .collect();
    files.insert(SUMS.into(), sums.into_bytes());
}

#[test]
fn verify_names_every_problem() {
    let signer = key(7);
    let files = build(&inputs(Some(&signer))).unwrap();
    let public = signer.public();
    let intact = verify(&Bundle::from_files(&files), Some(&public));
    assert!(intact.problems.is_empty(), "{:?}", intact.problems);
    assert!(matches!(intact.signature, SignatureCheck::Valid { .. }));
    let mut altered = files.clone();
    altered.get_mut("drift.json").unwrap().push(b' ');
    altered.remove("lint.json");
    altered.insert("extra.txt".into(), b"x".to_vec());
    assert_eq!(
        check(&altered),
        [
            "drift.json: altered (SHA-256 differs from the manifest)",
            "extra.txt: extra (not in the manifest)",
            "extra.txt: not listed in SHA256SUMS",
            "lint.json: missing"
        ]
    );
    let other = key(8).public();
    let wrong = verify(&Bundle::from_files(&files), Some(&other));
    assert!(wrong.problems[0].contains("made by the key"), "{wrong:?}");
}

#[test]
fn a_signed_bundle_without_its_signature_fails_and_unchecked_is_said() {
    let signer = key(7);
    let mut files = build(&inputs(Some(&signer))).unwrap();
    let bundle = Bundle::from_files(&files);
    let unchecked = verify(&bundle, None);
    assert!(unchecked.problems.is_empty());
    assert_eq!(
        unchecked.signature,
        SignatureCheck::NotChecked {
            fingerprint: signer.fingerprint()
        }
    );
    // The signature and its SHA256SUMS line deleted: still caught.
    files.remove(SIGNATURE);
    resum(&mut files);
    let problems = check(&files);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0]
            .starts_with("manifest.json.sig: missing, but manifest.json says the bundle is signed"),
        "{problems:?}"
    );
}

#[test]
fn unsigned_bundles_pass_only_when_no_signature_is_required() {
    let files = build(&inputs(None)).unwrap();
    let bundle = Bundle::from_files(&files);
    let plain = verify(&bundle, None);
    assert!(plain.problems.is_empty());
    assert_eq!(plain.signature, SignatureCheck::Unsigned);
    let required = verify(&bundle, Some(&key(7).public()));
    assert_eq!(
        required.problems,
        ["manifest.json: the bundle is not signed, but a signature was required"]
    );
    // A signature file slipped into an unsigned bundle is extra.
    let mut files = files;
    files.insert(SIGNATURE.into(), key(7).sign(b"x").unwrap().into_bytes());
    resum(&mut files);
    assert_eq!(
        check(&files),
        ["manifest.json.sig: extra (not in the manifest)"]
    );
}

#[test]
fn sums_must_be_complete_and_the_manifest_must_list_the_required_files() {
    let files = build(&inputs(None)).unwrap();
    // An emptied SHA256SUMS.
    let mut emptied = files.clone();
    emptied.insert(SUMS.into(), Vec::new());
    let problems = check(&emptied);
    assert_eq!(problems.len(), files.len() - 1, "{problems:?}");
    assert!(problems
        .iter()
        .all(|p| p.ends_with("not listed in SHA256SUMS")));
    // A manifest with no files, and SHA256SUMS to match.
    let manifest: serde_json::Value = serde_json::from_slice(&files[MANIFEST]).unwrap();
    let mut stripped = manifest.clone();
    stripped["files"] = json!({});
    let mut bare = BTreeMap::new();
    bare.insert(MANIFEST.to_string(), pretty(&stripped));
    resum(&mut bare);
    let problems = check(&bare);
    assert_eq!(problems.len(), REQUIRED.len(), "{problems:?}");
    assert!(problems[0].contains("not listed in manifest.json (every bundle holds it)"));
    // A line twice, a malformed line, and `sha256sum -b` lines (accepted).
    let mut sums = String::from_utf8(files[SUMS].clone()).unwrap();
    let first = sums.lines().next().unwrap().to_string();
    sums = sums.replace("  ", " *");
    sums.push_str(&format!("{first}\nnot a line\n"));
    let mut odd = files.clone();
    odd.insert(SUMS.into(), sums.into_bytes());
    let lines = files.len() - 1;
    let name = first.split_once("  ").unwrap().1;
    assert_eq!(
        check(&odd),
        [
            format!("SHA256SUMS: line {} is not `SHA-256  NAME`", lines + 2),
            format!("SHA256SUMS: lists {name} 2 times"),
        ]
    );
}

#[test]
fn manifests_are_typed_and_versioned() {
    let files = build(&inputs(None)).unwrap();
    let manifest: serde_json::Value = serde_json::from_slice(&files[MANIFEST]).unwrap();
    for (change, expected) in [
        (json!({"format_version": 1}), "format_version 1"),
        (json!({"format_version": "2"}), "no format_version"),
        (json!({"surprise": true}), "unknown field `surprise`"),
        (
            json!({"files": {"lint.json": 5}}),
            "not a casguard manifest",
        ),
    ] {
        let mut edited = manifest.clone();
        for (k, v) in change.as_object().unwrap() {
            edited[k] = v.clone();
        }
        let mut tampered = files.clone();
        tampered.insert(MANIFEST.into(), pretty(&edited));
        resum(&mut tampered);
        let problems = check(&tampered);
        assert!(
            problems.iter().any(|p| p.contains(expected)),
            "{expected}: {problems:?}"
        );
    }
}

fn write_archive(path: &Path, entries: &[(&str, tar::EntryType, &[u8])], trailing: &[u8]) {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, kind, bytes) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(*kind);
        header.set_size(if kind.is_file() {
            bytes.len() as u64
        } else {
            0
        });
        header.set_mode(0o644);
        if kind.is_symlink() || *kind == tar::EntryType::Link {
            header.set_link_name("manifest.json").unwrap();
        }
        header.set_path(name).unwrap();
        header.set_cksum();
        let data: &[u8] = if kind.is_file() { bytes } else { &[] };
        builder.append(&header, data).unwrap();
    }
    let mut tar = builder.into_inner().unwrap();
    tar.extend_from_slice(trailing);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&tar).unwrap();
    std::fs::write(path, gz.finish().unwrap()).unwrap();
}

fn archived(files: &BTreeMap<String, Vec<u8>>) -> Vec<(String, Vec<u8>)> {
    files
        .iter()
        .map(|(n, b)| (format!("evidence/{n}"), b.clone()))
        .collect()
}

fn read_problems(path: &Path) -> Vec<String> {
    let bundle = read(path).unwrap();
    verify(&bundle, None).problems
}

#[test]
fn archives_with_duplicates_collapsing_names_links_or_trailing_data_fail_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let files = build(&inputs(None)).unwrap();
    let path = dir.path().join("b.tar.gz");
    let members = archived(&files);
    let regular = tar::EntryType::Regular;
    let as_entries = |extra: &[(&'static str, tar::EntryType, &'static [u8])], first: bool| {
        let mut list: Vec<(String, tar::EntryType, Vec<u8>)> = Vec::new();
        if first {
            list.extend(
                extra
                    .iter()
                    .map(|(n, k, b)| (n.to_string(), *k, b.to_vec())),
            );
        }
        list.extend(members.iter().map(|(n, b)| (n.clone(), regular, b.clone())));
        if !first {
            list.extend(
                extra
                    .iter()
                    .map(|(n, k, b)| (n.to_string(), *k, b.to_vec())),
            );
        }
        list
    };
    type Members = Vec<(String, tar::EntryType, Vec<u8>)>;
    let cases: Vec<(Members, &[u8], &str)> = vec![
        (
            as_entries(&[("evidence/drift.json", regular, b"tampered")], true),
            &[],
            "drift.json: appears more than once in the archive",
        ),
        (
            as_entries(&[("drift.json", regular, b"tampered")], false),
            &[],
            "drift.json: outside the archive's evidence/ folder",
        ),
        (
            as_entries(&[("evidence/sub/x.json", regular, b"x")], false),
            &[],
            "evidence/sub/x.json: a nested or special path",
        ),
        (
            as_entries(&[("evidence/link", tar::EntryType::Symlink, b"")], false),
            &[],
            "evidence/link: a symbolic link",
        ),
        (
            as_entries(&[("evidence/hard", tar::EntryType::Link, b"")], false),
            &[],
            "evidence/hard: a hard link",
        ),
        (
            as_entries(&[("evidence/pipe", tar::EntryType::Fifo, b"")], false),
            &[],
            "evidence/pipe: a FIFO",
        ),
        (
            as_entries(&[("evidence/sub/", tar::EntryType::Directory, b"")], false),
            &[],
            "evidence/sub/: a folder inside the bundle",
        ),
        (
            as_entries(&[], false),
            b"garbage after the end",
            "(archive): data after the end of the tar archive",
        ),
    ];
    for (entries, trailing, expected) in cases {
        let refs: Vec<(&str, tar::EntryType, &[u8])> = entries
            .iter()
            .map(|(n, k, b)| (n.as_str(), *k, b.as_slice()))
            .collect();
        write_archive(&path, &refs, trailing);
        let problems = read_problems(&path);
        assert!(
            problems.iter().any(|p| p.starts_with(expected)),
            "{expected}: {problems:?}"
        );
    }
    // Bytes after the gzip stream.
    let refs: Vec<(&str, tar::EntryType, &[u8])> = members
        .iter()
        .map(|(n, b)| (n.as_str(), regular, b.as_slice()))
        .collect();
    write_archive(&path, &refs, &[]);
    assert!(read_problems(&path).is_empty());
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend_from_slice(b"appended");
    std::fs::write(&path, bytes).unwrap();
    assert_eq!(
        read_problems(&path),
        ["(archive): data after the end of the compressed stream"]
    );
}

#[test]
fn a_pax_size_is_the_size_the_limits_count() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pax.tar.gz");
    // The ustar header says 0 bytes; the PAX record before it says 300 MiB,
    // which is what tar then reads.
    let record = |key: &str, value: &str| {
        let body = format!(" {key}={value}\n");
        let mut length = body.len() + 1;
        while format!("{length}{body}").len() != length {
            length += 1;
        }
        format!("{length}{body}")
    };
    let pax = record("size", &(300u64 << 20).to_string());
    let mut extension = tar::Header::new_ustar();
    extension.set_entry_type(tar::EntryType::XHeader);
    extension.set_path("PaxHeaders/live-raw.json").unwrap();
    extension.set_size(pax.len() as u64);
    extension.set_mode(0o644);
    extension.set_cksum();
    let mut file = tar::Header::new_ustar();
    file.set_path("evidence/live-raw.json").unwrap();
    file.set_size(0);
    file.set_mode(0o644);
    file.set_cksum();
    let mut tar = extension.as_bytes().to_vec();
    tar.extend_from_slice(pax.as_bytes());
    tar.resize(tar.len().next_multiple_of(512), 0);
    tar.extend_from_slice(file.as_bytes());
    tar.extend_from_slice(&[0u8; 4096]);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&tar).unwrap();
    std::fs::write(&path, gz.finish().unwrap()).unwrap();
    let problems = read_problems(&path);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("live-raw.json: 314572800 bytes, over the 256 MiB")),
        "{problems:?}"
    );
}

#[test]
fn the_inflated_stream_is_capped_whatever_the_entries_declare() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b.tar.gz");
    let files = build(&inputs(None)).unwrap();
    std::fs::write(&path, super::archive(&files, 0).unwrap()).unwrap();
    let size = |cap| {
        super::bundle::read_archive_within(std::fs::File::open(&path).unwrap(), cap)
            .map(|b| b.files.len())
            .map_err(|e| e.to_string())
    };
    assert_eq!(size(64 << 20), Ok(files.len()));
    let refused = size(4096).unwrap_err();
    assert!(refused.contains("inflates to more than"), "{refused}");
}

#[test]
fn archives_that_inflate_past_the_limits_are_refused_unread() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bomb.tar.gz");
    // A header that declares 2 GiB: refused from the header alone.
    let mut header = tar::Header::new_gnu();
    header.set_size(2 << 30);
    header.set_path("evidence/live-raw.json").unwrap();
    header.set_mode(0o644);
    header.set_cksum();
    let mut tar = header.as_bytes().to_vec();
    tar.extend_from_slice(&[0u8; 4096]);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&tar).unwrap();
    std::fs::write(&path, gz.finish().unwrap()).unwrap();
    let started = std::time::Instant::now();
    let problems = read_problems(&path);
    assert!(
        problems.iter().any(|p| p.contains("over the 256 MiB")),
        "{problems:?}"
    );
    assert!(started.elapsed().as_secs() < 5);
}

#[test]
fn gnu_tar_repacks_pass() {
    let dir = tempfile::tempdir().unwrap();
    let files = build(&inputs(Some(&key(3)))).unwrap();
    let folder = dir.path().join("evidence");
    std::fs::create_dir(&folder).unwrap();
    for (name, bytes) in &files {
        std::fs::write(folder.join(name), bytes).unwrap();
    }
    assert!(read_problems(&folder).is_empty());
    for (args, name) in [
        (vec!["-czf", "gnu.tar.gz", "evidence"], "gnu.tar.gz"),
        (vec!["-czf", "dot.tar.gz", "./evidence"], "dot.tar.gz"),
        (
            vec!["--format=pax", "-czf", "pax.tar.gz", "evidence"],
            "pax.tar.gz",
        ),
    ] {
        let status = std::process::Command::new("tar")
            .args(&args)
            .current_dir(dir.path())
            .status();
        let Ok(status) = status else {
            eprintln!("skipping: no tar");
            return;
        };
        assert!(status.success());
        let problems = read_problems(&dir.path().join(name));
        assert!(problems.is_empty(), "{name}: {problems:?}");
    }
}

#[cfg(unix)]
#[test]
fn folders_with_subfolders_links_or_fifos_fail_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let files = build(&inputs(None)).unwrap();
    let folder = dir.path().join("b");
    std::fs::create_dir(&folder).unwrap();
    for (name, bytes) in &files {
        std::fs::write(folder.join(name), bytes).unwrap();
    }
    std::fs::create_dir(folder.join("hidden")).unwrap();
    std::os::unix::fs::symlink("/etc/hostname", folder.join("link")).unwrap();
    let fifo = folder.join("pipe");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    let problems = read_problems(&folder);
    assert!(problems.contains(&"hidden/: a folder; a bundle holds files only".to_string()));
    assert!(
        problems.contains(&"link: a symbolic link; a bundle holds regular files only".to_string())
    );
    if made.is_ok_and(|s| s.success()) {
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with("pipe: not a regular file")),
            "{problems:?}"
        );
    }
}

#[test]
fn deterministic_archives() {
    let signer = key(5);
    let files = build(&inputs(Some(&signer))).unwrap();
    assert_eq!(archive(&files, 1).unwrap(), archive(&files, 1).unwrap());
    assert_eq!(build(&inputs(Some(&signer))).unwrap(), files);
}
