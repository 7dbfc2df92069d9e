//! `import` and `suggest`, checked by their invariants: importing a snapshot
//! and comparing with that snapshot shows no drift; applying the
//! `--adopt-live` patch with `git apply` leaves no drift either, and keeps the
//! files' comments and layout.

use std::path::Path;
use std::process::Command;

fn casguard(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_casguard"))
        .args(args)
        .current_dir(dir)
        .env("CASGUARD_TODAY", "2026-11-22")
        .env("NO_COLOR", "1")
        .output()
        .expect("casguard runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn drift_summary(dir: &Path, snapshot: &str) -> serde_json::Value {
    let (code, stdout, stderr) = casguard(
        dir,
        &[
            "drift",
            "--snapshot",
            snapshot,
            "--format",
            "json",
            "--fail-on",
            "never",
        ],
    );
    assert_eq!(code, Some(0), "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    json
}

#[test]
fn import_then_drift_is_clean_on_every_fixture() {
    let root = std::env::current_dir().unwrap();
    for snapshot in [
        "snapshots/contoso.json",
        "tests/fixtures/snapshots/tricky.json",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let snapshot = root.join(snapshot).display().to_string();
        let (code, stdout, stderr) = casguard(
            dir.path(),
            &["import", "--snapshot", &snapshot, "--out", "policies"],
        );
        assert_eq!(code, Some(0), "{stderr}");
        assert!(stdout.starts_with("imported "), "{stdout}");
        let (code, lint, _) = casguard(dir.path(), &["lint", "--fail-on", "error"]);
        assert_eq!(
            code,
            Some(0),
            "imported files are valid policy files: {lint}"
        );
        let json = drift_summary(dir.path(), &snapshot);
        assert_eq!(
            json["findings"],
            serde_json::json!([]),
            "{snapshot}: {:#}",
            json["findings"]
        );
        assert_eq!(
            json["summary"]["drift"]["in_sync"],
            json["summary"]["drift"]["live_policies"]
        );

        // Same input, same bytes; existing files are kept unless --force.
        let first = git_free_listing(dir.path());
        let (code, _, stderr) = casguard(
            dir.path(),
            &["import", "--snapshot", &snapshot, "--out", "policies"],
        );
        assert_eq!(code, Some(2));
        assert!(
            stderr.contains("already exist") && stderr.contains("--force"),
            "{stderr}"
        );
        assert_eq!(git_free_listing(dir.path()), first);
        let (code, _, stderr) = casguard(
            dir.path(),
            &[
                "import",
                "--snapshot",
                &snapshot,
                "--out",
                "policies",
                "--force",
            ],
        );
        assert_eq!(code, Some(0), "{stderr}");
        assert_eq!(git_free_listing(dir.path()), first, "deterministic");
    }
}

/// Every file under `dir/policies` with its content.
fn git_free_listing(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = walk(&dir.join("policies"))
        .into_iter()
        .map(|p| {
            (
                p.strip_prefix(dir).unwrap().display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn windows_names_and_collisions_are_safe() {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = std::env::current_dir()
        .unwrap()
        .join("tests/fixtures/snapshots/tricky.json")
        .display()
        .to_string();
    casguard(
        dir.path(),
        &["import", "--snapshot", &snapshot, "--out", "policies"],
    );
    let names: Vec<String> = git_free_listing(dir.path())
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    assert!(
        names.contains(&"policies/session/con-policy.toml".to_string()),
        "{names:?}"
    );
    assert!(
        names.contains(&"policies/session/con-policy-2.toml".to_string()),
        "{names:?}"
    );
}

#[test]
fn adopting_live_with_git_apply_leaves_no_drift_and_keeps_comments() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::env::current_dir().unwrap();
    copy_dir(&root.join("policies"), &dir.path().join("policies"));
    copy_dir(&root.join("snapshots"), &dir.path().join("snapshots"));
    std::fs::copy(root.join("casguard.toml"), dir.path().join("casguard.toml")).unwrap();
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "-A"]);
    git(
        dir.path(),
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "commit",
            "-qm",
            "desired",
        ],
    );
    let before = drift_summary(dir.path(), "snapshots/contoso.json");
    assert!(before["summary"]["drift"]["changed"].as_u64().unwrap() >= 2);

    let (code, _, stderr) = casguard(
        dir.path(),
        &[
            "suggest",
            "--adopt-live",
            "--include-removals",
            "--snapshot",
            "snapshots/contoso.json",
            "--out",
            "adopt.patch",
        ],
    );
    assert_eq!(code, Some(0), "{stderr}");
    git(dir.path(), &["apply", "--check", "adopt.patch"]);
    git(dir.path(), &["apply", "adopt.patch"]);
    let after = drift_summary(dir.path(), "snapshots/contoso.json");
    assert_eq!(
        after["findings"],
        serde_json::json!([]),
        "{:#}",
        after["findings"]
    );

    // Only drifted values changed: every comment line of the originals survives.
    let diff = git(
        dir.path(),
        &["diff", "--unified=0", "--diff-filter=M", "--", "policies"],
    );
    let removed_comments: Vec<&str> = diff
        .lines()
        .filter(|l| l.starts_with('-') && !l.starts_with("---") && l.contains('#'))
        .collect();
    let added_comments: Vec<&str> = diff
        .lines()
        .filter(|l| l.starts_with('+') && !l.starts_with("+++") && l.contains('#'))
        .collect();
    assert_eq!(
        removed_comments.len(),
        added_comments.len(),
        "a comment was lost:\n{diff}"
    );
    let edited_lines = diff
        .lines()
        .filter(|l| l.starts_with('-') && !l.starts_with("---"))
        .count();
    let changes: usize = before["drift"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["changes"].as_array().unwrap().len())
        .sum();
    assert_eq!(
        edited_lines, changes,
        "one edited line per drifted field:\n{diff}"
    );

    // Without --include-removals the missing policy's file stays.
    git(dir.path(), &["checkout", "-q", "--", "policies"]);
    let (_, patch, _) = casguard(
        dir.path(),
        &[
            "suggest",
            "--adopt-live",
            "--snapshot",
            "snapshots/contoso.json",
        ],
    );
    assert!(!patch.contains("deleted file mode"), "{patch}");
}

#[test]
fn restore_checklist_names_fields_values_and_portal_places() {
    let root = std::env::current_dir().unwrap();
    let (code, stdout, stderr) =
        casguard(&root, &["suggest", "--snapshot", "snapshots/contoso.json"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stdout.starts_with(
            "# Restore the desired state in https://contoso.us3.portal.cloudappsecurity.com"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("- [ ] set **Daily alert limit** to `20` (live: `100`)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Cloud apps > Policies > Policy management > Information protection"),
        "{stdout}"
    );
    assert!(stdout.contains("- [ ] enable the policy"), "{stdout}");
    assert!(
        stdout.contains("create **Generative AI app usage**"),
        "{stdout}"
    );
    let (code, _, stderr) = casguard(
        &root,
        &[
            "suggest",
            "--include-removals",
            "--snapshot",
            "snapshots/contoso.json",
        ],
    );
    assert_eq!(
        code,
        Some(2),
        "--include-removals needs --adopt-live: {stderr}"
    );
}

#[test]
fn lint_fix_tidies_valid_files_and_never_touches_broken_ones() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("policies")).unwrap();
    let messy = "# Owned by SecOps\nname = \"Mass download\"\ntype = \"anomaly_detection\"  # as in the portal\nenabled = true\nseverity = \"High\"\ndescription = \"d\"\n\n[alerts]\nenabled = true\nemail_recipients = [\"SOC@contoso.com\", \"dlp@contoso.com\", \"soc@contoso.com\"]\ndaily_limit = 5\n\n[meta]\nowner = \"soc@contoso.com\"\nlast_reviewed = 2026-11-01\n";
    let broken = "name = \"Broken\ntype = \"file\"\n";
    std::fs::write(dir.path().join("policies/messy.toml"), messy).unwrap();
    std::fs::write(dir.path().join("policies/broken.toml"), broken).unwrap();
    let (code, stdout, stderr) = casguard(dir.path(), &["lint"]);
    assert_eq!(code, Some(1), "the broken file is an error");
    assert!(
        stdout.contains("CAS205") && stdout.contains("CAS206"),
        "{stdout}{stderr}"
    );
    let (code, stdout, stderr) = casguard(dir.path(), &["lint", "--fix"]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stderr.contains("fixed policies/messy.toml"), "{stderr}");
    assert!(
        !stdout.contains("CAS205") && !stdout.contains("CAS206"),
        "{stdout}"
    );
    let fixed = std::fs::read_to_string(dir.path().join("policies/messy.toml")).unwrap();
    assert_eq!(
        fixed,
        messy
            .replace("\"anomaly_detection\"", "\"ANOMALY_DETECTION\"")
            .replace("\"High\"", "\"high\"")
            .replace(
                "[\"SOC@contoso.com\", \"dlp@contoso.com\", \"soc@contoso.com\"]",
                "[\"dlp@contoso.com\", \"soc@contoso.com\"]"
            )
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("policies/broken.toml")).unwrap(),
        broken
    );
}
