//! Evidence bundles: verify passes on a fresh bundle and names every file
//! that was altered, deleted or added; `sha256sum -c SHA256SUMS` passes; a
//! signature made with one key fails with another; two runs with
//! SOURCE_DATE_EPOCH are byte-identical, as folders and as archives; an
//! existing bundle is never replaced without --force.

use std::path::Path;
use std::process::Command;

fn casguard(args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_casguard"));
    command
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("CASGUARD_SIGNING_KEY")
        .env_remove("SOURCE_DATE_EPOCH");
    for (k, v) in env {
        command.env(k, v);
    }
    let out = command.output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn bundle(out: &Path, extra: &[&str], env: &[(&str, &str)]) {
    let out = out.display().to_string();
    let mut args = vec![
        "evidence",
        "--snapshot",
        "snapshots/contoso.json",
        "--out",
        out.as_str(),
    ];
    args.extend_from_slice(extra);
    let (code, stdout, stderr) = casguard(&args, env);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
}

const EPOCH: [(&str, &str); 1] = [("SOURCE_DATE_EPOCH", "1795000000")];

#[test]
fn fresh_bundles_verify_and_every_tampering_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bundle");
    bundle(&out, &[], &EPOCH);
    let (code, stdout, _) = casguard(&["evidence", "verify", out.to_str().unwrap()], &[]);
    assert_eq!(code, Some(0), "{stdout}");
    let sums = Command::new("sha256sum")
        .args(["-c", "SHA256SUMS"])
        .current_dir(&out)
        .output()
        .unwrap();
    assert!(
        sums.status.success(),
        "{}",
        String::from_utf8_lossy(&sums.stdout)
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["generated_at"], "2026-11-18T11:06:40Z");
    assert_eq!(
        manifest["tenant"],
        "https://contoso.us3.portal.cloudappsecurity.com"
    );
    for name in [
        "live-raw.json",
        "live-normalized.json",
        "desired-normalized.json",
        "lint.json",
        "drift.json",
        "review.json",
        "report.md",
        "report.html",
    ] {
        assert!(manifest["files"][name].is_string(), "{name} listed");
        let path = out.join(name);
        let original = std::fs::read(&path).unwrap();
        let mut flipped = original.clone();
        flipped[original.len() / 2] ^= 1;
        std::fs::write(&path, &flipped).unwrap();
        let (code, stdout, _) = casguard(&["evidence", "verify", out.to_str().unwrap()], &[]);
        assert_eq!(code, Some(1));
        assert!(
            stdout.contains(&format!("FAILED {name}: altered")),
            "{stdout}"
        );
        std::fs::remove_file(&path).unwrap();
        let (code, stdout, _) = casguard(&["evidence", "verify", out.to_str().unwrap()], &[]);
        assert_eq!(code, Some(1));
        assert!(
            stdout.contains(&format!("FAILED {name}: missing")),
            "{stdout}"
        );
        std::fs::write(&path, &original).unwrap();
    }
    std::fs::write(out.join("notes.txt"), "added later").unwrap();
    let (code, stdout, _) = casguard(&["evidence", "verify", out.to_str().unwrap()], &[]);
    assert_eq!(code, Some(1));
    assert!(stdout.contains("FAILED notes.txt: extra"), "{stdout}");
    let (code, _, _) = casguard(
        &[
            "evidence",
            "verify",
            dir.path().join("nope").to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(code, Some(2), "an unreadable bundle is exit 2");
}

#[test]
fn signatures_check_out_only_with_the_right_key() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a").display().to_string();
    let b = dir.path().join("b").display().to_string();
    assert_eq!(
        casguard(&["evidence", "keygen", "--out", &a], &[]).0,
        Some(0)
    );
    assert_eq!(
        casguard(&["evidence", "keygen", "--out", &b], &[]).0,
        Some(0)
    );
    assert_eq!(
        casguard(&["evidence", "keygen", "--out", &a], &[]).0,
        Some(2),
        "keys are never overwritten"
    );
    let out = dir.path().join("signed.tar.gz");
    let key = format!("{a}.key");
    bundle(&out, &["--signing-key", &key], &EPOCH);
    let out = out.display().to_string();
    let (code, stdout, _) = casguard(
        &[
            "evidence",
            "verify",
            &out,
            "--public-key",
            &format!("{a}.pub"),
        ],
        &[],
    );
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains("signature valid"), "{stdout}");
    let (code, stdout, _) = casguard(
        &[
            "evidence",
            "verify",
            &out,
            "--public-key",
            &format!("{b}.pub"),
        ],
        &[],
    );
    assert_eq!(code, Some(1));
    assert!(
        stdout.contains("manifest.sig: the signature does not match"),
        "{stdout}"
    );
    // The private key never ends up in the bundle.
    let secret = std::fs::read_to_string(format!("{a}.key")).unwrap();
    let archive = std::fs::read(&out).unwrap();
    let decoded = {
        use std::io::Read;
        let mut text = Vec::new();
        flate2::read::GzDecoder::new(archive.as_slice())
            .read_to_end(&mut text)
            .unwrap();
        text
    };
    assert!(!String::from_utf8_lossy(&decoded).contains(secret.trim()));
}

#[test]
fn two_runs_are_byte_identical_and_good_bundles_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    for (first, second) in [("one", "two"), ("one.tar.gz", "two.tar.gz")] {
        bundle(&dir.path().join(first), &[], &EPOCH);
        bundle(&dir.path().join(second), &[], &EPOCH);
        let read = |name: &str| -> Vec<(String, Vec<u8>)> {
            let path = dir.path().join(name);
            if path.is_dir() {
                let mut files: Vec<_> = std::fs::read_dir(&path)
                    .unwrap()
                    .map(|e| e.unwrap())
                    .map(|e| {
                        (
                            e.file_name().to_string_lossy().into_owned(),
                            std::fs::read(e.path()).unwrap(),
                        )
                    })
                    .collect();
                files.sort();
                files
            } else {
                vec![(name.to_string(), std::fs::read(path).unwrap())]
            }
        };
        let (a, b) = (read(first), read(second));
        assert_eq!(a.len(), b.len());
        for ((_, x), (_, y)) in a.iter().zip(&b) {
            assert!(x == y, "{first} and {second} differ");
        }
    }
    let out = dir.path().join("one").display().to_string();
    let before = std::fs::read(dir.path().join("one/manifest.json")).unwrap();
    let (code, _, stderr) = casguard(
        &[
            "evidence",
            "--snapshot",
            "snapshots/contoso.json",
            "--out",
            &out,
        ],
        &[],
    );
    assert_eq!(code, Some(2));
    assert!(stderr.contains("already exists"), "{stderr}");
    assert_eq!(
        std::fs::read(dir.path().join("one/manifest.json")).unwrap(),
        before
    );
    let (code, _, stderr) = casguard(
        &[
            "evidence",
            "--snapshot",
            "tests/fixtures/snapshots/truncated.json",
            "--out",
            &out,
            "--force",
        ],
        &[],
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert_eq!(
        std::fs::read(dir.path().join("one/manifest.json")).unwrap(),
        before,
        "a failed run leaves the old bundle"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".casguard"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
