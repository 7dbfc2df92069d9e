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
    // A prefix typed with the private key's ending names the same pair.
    let c = dir.path().join("c.key").display().to_string();
    assert_eq!(
        casguard(&["evidence", "keygen", "--out", &c], &[]).0,
        Some(0)
    );
    assert!(dir.path().join("c.key").is_file() && dir.path().join("c.pub").is_file());
    assert!(!dir.path().join("c.key.key").exists());
    assert_eq!(
        casguard(&["evidence", "keygen", "--out", &format!("{a}.pub")], &[]).0,
        Some(2),
        "a.pub names the existing pair a.key and a.pub"
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
        stdout.contains("manifest.json.sig: the signature made by the key"),
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
    let decoded = String::from_utf8_lossy(&decoded);
    for line in secret.lines().filter(|l| !l.starts_with("-----")) {
        assert!(
            !decoded.contains(line),
            "a line of the private key is in the bundle"
        );
    }
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

#[test]
fn archives_are_replaced_with_force_and_written_into_new_folders() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("new/folders/b.tar.gz");
    bundle(&out, &[], &EPOCH);
    let before = std::fs::read(&out).unwrap();
    bundle(&out, &["--force"], &[("SOURCE_DATE_EPOCH", "1795000100")]);
    assert_ne!(std::fs::read(&out).unwrap(), before, "replaced");
    let (code, stdout, _) = casguard(&["evidence", "verify", out.to_str().unwrap()], &[]);
    assert_eq!(code, Some(0), "{stdout}");
}

/// Runs a command, returning whether it succeeded; `None` when the tool is missing.
fn tool(program: &str, args: &[&str], dir: &Path, stdin: Option<&[u8]>) -> Option<(bool, String)> {
    use std::io::Write;
    let mut child = Command::new(program)
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .ok()?;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.unwrap_or_default())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Some((out.status.success(), text))
}

#[test]
fn auditors_verify_signed_bundles_with_ssh_keygen_and_sha256sum_alone() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("audit").display().to_string();
    assert_eq!(
        casguard(&["evidence", "keygen", "--out", &prefix], &[]).0,
        Some(0)
    );
    let private = format!("{prefix}.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&private).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the private key is private");
    }
    let out = dir.path().join("bundle");
    bundle(&out, &["--signing-key", &private], &EPOCH);
    let public = std::fs::read_to_string(format!("{prefix}.pub")).unwrap();
    assert!(public.starts_with("ssh-ed25519 "), "{public}");
    // The README's recipe for an auditor without casguard.
    std::fs::write(
        out.join("../allowed_signers"),
        format!("casguard-evidence {public}"),
    )
    .unwrap();
    let manifest = std::fs::read(out.join("manifest.json")).unwrap();
    let ssh_verify = |message: &[u8]| {
        let args = [
            "-Y",
            "verify",
            "-f",
            "../allowed_signers",
            "-I",
            "casguard-evidence",
            "-n",
            "casguard-evidence",
            "-s",
            "manifest.json.sig",
        ];
        tool("ssh-keygen", &args, &out, Some(message))
    };
    let Some((ok, text)) = ssh_verify(&manifest) else {
        eprintln!("skipping the ssh-keygen half: ssh-keygen is not installed");
        return;
    };
    assert!(ok, "ssh-keygen -Y verify: {text}");
    let mut tampered = manifest.clone();
    tampered[10] ^= 1;
    let (ok, _) = ssh_verify(&tampered).unwrap();
    assert!(!ok, "ssh-keygen accepts a tampered manifest");
    let (ok, text) = tool("sha256sum", &["-c", "SHA256SUMS"], &out, None).unwrap();
    assert!(ok, "{text}");

    // A key made by ssh-keygen signs too, and casguard checks it.
    let (ok, text) = tool(
        "ssh-keygen",
        &["-q", "-t", "ed25519", "-N", "", "-C", "ops", "-f", "ops"],
        dir.path(),
        None,
    )
    .unwrap();
    assert!(ok, "{text}");
    let second = dir.path().join("second.tar.gz");
    let ops_key = dir.path().join("ops").display().to_string();
    bundle(&second, &["--signing-key", &ops_key], &EPOCH);
    let (code, stdout, _) = casguard(
        &[
            "evidence",
            "verify",
            second.to_str().unwrap(),
            "--public-key",
            &format!("{ops_key}.pub"),
        ],
        &[],
    );
    assert_eq!(code, Some(0), "{stdout}");
    assert!(
        stdout.contains("signature valid for the key SHA256:"),
        "{stdout}"
    );
}

#[test]
fn unchecked_missing_and_required_signatures_are_said_plainly() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("k").display().to_string();
    casguard(&["evidence", "keygen", "--out", &prefix], &[]);
    let out = dir.path().join("b");
    bundle(&out, &["--signing-key", &format!("{prefix}.key")], &EPOCH);
    let path = out.to_str().unwrap();
    let (code, stdout, _) = casguard(&["evidence", "verify", path], &[]);
    assert_eq!(code, Some(0));
    assert!(
        stdout.contains("but the signature was NOT checked: give --public-key"),
        "{stdout}"
    );
    // Signature and its SHA256SUMS line removed: the manifest still says signed.
    std::fs::remove_file(out.join("manifest.json.sig")).unwrap();
    let sums = std::fs::read_to_string(out.join("SHA256SUMS")).unwrap();
    let kept: String = sums
        .lines()
        .filter(|l| !l.ends_with("manifest.json.sig"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(out.join("SHA256SUMS"), kept).unwrap();
    let (code, stdout, _) = casguard(&["evidence", "verify", path], &[]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.contains(
            "FAILED manifest.json.sig: missing, but manifest.json says the bundle is signed"
        ),
        "{stdout}"
    );
    // An unsigned bundle: fine, but said; refused when a public key is given.
    let plain = dir.path().join("plain");
    bundle(&plain, &[], &EPOCH);
    let (code, stdout, _) = casguard(&["evidence", "verify", plain.to_str().unwrap()], &[]);
    assert_eq!(code, Some(0));
    assert!(
        stdout.contains("not signed: the hashes detect corruption, not tampering"),
        "{stdout}"
    );
    let (code, stdout, _) = casguard(
        &[
            "evidence",
            "verify",
            plain.to_str().unwrap(),
            "--public-key",
            &format!("{prefix}.pub"),
        ],
        &[],
    );
    assert_eq!(code, Some(1));
    assert!(
        stdout.contains("not signed, but a signature was required"),
        "{stdout}"
    );
}

#[test]
fn private_keys_stay_out_of_git() {
    let dir = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(dir.path())
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    };
    if !git(&["init", "-q"]) {
        eprintln!("skipping: git is not installed");
        return;
    }
    let prefix = dir.path().join("evidence-key").display().to_string();
    let (code, _, stderr) = casguard(&["evidence", "keygen", "--out", &prefix], &[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("`git add -A` would commit it"), "{stderr}");
    assert!(!Path::new(&format!("{prefix}.key")).exists());
    assert!(!Path::new(&format!("{prefix}.pub")).exists());
    // Folders that do not exist yet are inside the work tree too.
    let nested = dir.path().join("keys/ci/evidence").display().to_string();
    let (code, _, stderr) = casguard(&["evidence", "keygen", "--out", &nested], &[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("`git add -A` would commit it"), "{stderr}");
    assert!(!dir.path().join("keys").exists(), "nothing made");
    // Ignored: written.
    std::fs::write(dir.path().join(".gitignore"), "*.key\n").unwrap();
    let (code, _, stderr) = casguard(&["evidence", "keygen", "--out", &prefix], &[]);
    assert_eq!(code, Some(0), "{stderr}");
    // Not ignored, but --force.
    std::fs::write(dir.path().join(".gitignore"), "").unwrap();
    let other = dir.path().join("other").display().to_string();
    let (code, _, stderr) = casguard(&["evidence", "keygen", "--out", &other, "--force"], &[]);
    assert_eq!(code, Some(0), "{stderr}");
    // init's .gitignore ignores keys.
    let scaffold = include_str!("../src/init/gitignore");
    assert!(scaffold.lines().any(|l| l == "*.key"));
}

#[cfg(unix)]
#[test]
fn bundles_keep_modes_and_failed_replacements_leave_nothing_behind() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("b");
    bundle(&out, &[], &EPOCH);
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_ne!(
        mode(&out) & 0o055,
        0,
        "a new bundle follows the umask, not 0700"
    );
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o750)).unwrap();
    bundle(&out, &["--force"], &EPOCH);
    assert_eq!(mode(&out), 0o750, "a replaced bundle keeps its mode");
    // A replacement that cannot be put in place: the old bundle stays, and
    // no staging folder is left.
    let parent = dir.path().join("locked");
    std::fs::create_dir(&parent).unwrap();
    let target = parent.join("b");
    bundle(&target, &[], &EPOCH);
    let before = std::fs::read(target.join("manifest.json")).unwrap();
    // Root may write anywhere, but not move an immutable folder: the old
    // bundle cannot be moved aside once the new one is staged.
    let immutable = Command::new("chattr")
        .arg("+i")
        .arg(&target)
        .status()
        .is_ok_and(|s| s.success());
    if !immutable {
        std::fs::set_permissions(&parent, std::fs::Permissions::from_mode(0o555)).unwrap();
    }
    let (code, _, stderr) = casguard(
        &[
            "evidence",
            "--snapshot",
            "snapshots/contoso.json",
            "--out",
            target.to_str().unwrap(),
            "--force",
        ],
        &EPOCH,
    );
    if immutable {
        Command::new("chattr")
            .arg("-i")
            .arg(&target)
            .status()
            .unwrap();
    }
    std::fs::set_permissions(&parent, std::fs::Permissions::from_mode(0o755)).unwrap();
    if code == Some(0) {
        eprintln!("skipping: neither chattr nor permissions could stop the write");
        return;
    }
    assert_eq!(code, Some(2), "{stderr}");
    assert_eq!(std::fs::read(target.join("manifest.json")).unwrap(), before);
    let names: Vec<_> = std::fs::read_dir(&parent)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["b"]);
}
