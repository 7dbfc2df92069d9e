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

/// `casguard import --snapshot SNAPSHOT --out policies`, plus `more`.
fn import(dir: &Path, snapshot: &str, more: &[&str]) -> (Option<i32>, String, String) {
    let mut args = vec!["import", "--snapshot", snapshot, "--out", "policies"];
    args.extend_from_slice(more);
    casguard(dir, &args)
}

/// A diagnostic as one line: miette wraps long messages.
fn one_line(text: &str) -> String {
    text.split_whitespace()
        .filter(|w| *w != "│")
        .collect::<Vec<_>>()
        .join(" ")
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
        let (code, stdout, stderr) = import(dir.path(), &snapshot, &[]);
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

        let (_, lint, _) = casguard(dir.path(), &["lint", "--fail-on", "never"]);
        assert!(
            !lint.contains("CAS205") && !lint.contains("CAS206"),
            "imported files are clean on the fixable rules: {lint}"
        );

        // Same input, same bytes; policies already declared are left alone.
        let first = git_free_listing(dir.path());
        let (code, stdout, stderr) = import(dir.path(), &snapshot, &[]);
        assert_eq!(code, Some(0), "{stderr}");
        assert!(stdout.contains("already declared, left as"), "{stdout}");
        assert_eq!(git_free_listing(dir.path()), first);
        // A file in the way that declares nothing is never overwritten without --force.
        let (victim, _) = &first[0];
        std::fs::write(dir.path().join(victim), "not a policy").unwrap();
        let (code, _, stderr) = import(dir.path(), &snapshot, &[]);
        assert_eq!(code, Some(2));
        assert!(
            stderr.contains("already exist") && stderr.contains("--force"),
            "{stderr}"
        );
        let (code, _, stderr) = import(dir.path(), &snapshot, &["--force"]);
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
    import(dir.path(), &snapshot, &[]);
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

/// The shapes real tenants may send that no fixture of ours had: a type
/// casguard does not know, `severity: 5`, recipients as objects,
/// `dailyAlertLimit` as "5" and 2.5, `filters` as an array, `description`
/// as an object, no `enabled`, settings named like counters. Import keeps
/// them (verbatim where the typed keys cannot hold them, and says so),
/// lint warns without errors, drift is clean, and when the tenant changes
/// them back to ordinary values, the adopted patch applies and drift is
/// clean again.
#[test]
fn odd_live_shapes_round_trip_and_adopting_them_stays_lint_clean() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::env::current_dir().unwrap();
    std::fs::write(
        dir.path().join("casguard.toml"),
        "allowed_email_domains = [\"contoso.com\"]\n",
    )
    .unwrap();
    std::fs::copy(
        root.join("tests/fixtures/snapshots/odd-shapes.json"),
        dir.path().join("live.json"),
    )
    .unwrap();
    let (code, stdout, stderr) = import(dir.path(), "live.json", &[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stdout, "imported 3 policies into policies\n");
    for said in [
        "`Mass download by a single user`: live field `severity`: kept verbatim as `extra.severity`: it is not a severity casguard knows",
        "`Mass download by a single user`: live field `dailyAlertLimit`: kept verbatim as `extra.dailyAlertLimit`",
        "`Generative AI app discovered`: live field `dailyAlertLimit`: kept verbatim",
        "`Block uploads of labelled files`: live field `enabled`: the live policy has no `enabled` field",
        "live fields ignored as server-managed (never compared): _id, _tid, createdDate, lastModified",
        "live fields casguard does not model, kept verbatim under [extra] and compared as they are: createdAlertsLimit (integer), governanceActions (array), minimumEventCount (integer)",
    ] {
        assert!(stderr.contains(said), "missing `{said}`:\n{stderr}");
    }
    let odd = std::fs::read_to_string(
        dir.path()
            .join("policies/anomaly-detection/mass-download-by-a-single-user.toml"),
    )
    .unwrap();
    assert!(
        odd.contains("# `severity` is modeled, but it is not a severity casguard knows")
            && odd.contains("severity = 5")
            && odd.contains("[[extra.alertEmailRecipients]]")
            && odd.contains("# owner = \"team@contoso.com\""),
        "{odd}"
    );
    let (code, lint, _) = casguard(dir.path(), &["lint", "--fail-on", "error"]);
    assert_eq!(code, Some(0), "{lint}");
    assert!(lint.contains("CAS005") && lint.contains("CAS006"), "{lint}");
    assert!(
        !lint.contains("CAS205") && !lint.contains("CAS206"),
        "{lint}"
    );
    let json = drift_summary(dir.path(), "live.json");
    assert_eq!(
        json["findings"],
        serde_json::json!([]),
        "{:#}",
        json["findings"]
    );
    assert_eq!(json["summary"]["drift"]["in_sync"], 3);

    // The tenant now sends ordinary values: the patch moves them back to their keys.
    let mut live: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("live.json")).unwrap())
            .unwrap();
    let first = &mut live["data"][0];
    first["severity"] = serde_json::json!(2);
    first["dailyAlertLimit"] = serde_json::json!(7);
    first["alertEmailRecipients"] = serde_json::json!(["soc@contoso.com"]);
    first["filters"] = serde_json::json!({"service.appId": {"eq": [11161]}});
    first["description"] = serde_json::json!("Unusual downloads");
    live["data"][2]["enabled"] = serde_json::json!(true);
    live["data"][1]["severity"] = serde_json::json!(9);
    std::fs::write(dir.path().join("live.json"), live.to_string()).unwrap();
    let (code, checklist, stderr) = casguard(dir.path(), &["suggest", "--snapshot", "live.json"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        checklist.contains("set **Daily alert limit** to `\"5\"` (live: `7`)")
            && !checklist.contains("`alerts.daily_limit`"),
        "{checklist}"
    );
    let (code, _, stderr) = casguard(
        dir.path(),
        &[
            "suggest",
            "--adopt-live",
            "--snapshot",
            "live.json",
            "--out",
            "adopt.patch",
        ],
    );
    assert_eq!(code, Some(0), "{stderr}");
    git(dir.path(), &["apply", "adopt.patch"]);
    let adopted = std::fs::read_to_string(
        dir.path()
            .join("policies/anomaly-detection/mass-download-by-a-single-user.toml"),
    )
    .unwrap();
    assert!(
        adopted.contains("severity = \"high\"")
            && adopted.contains("daily_limit = 7")
            && !adopted.contains("dailyAlertLimit"),
        "{adopted}"
    );
    let (code, lint, _) = casguard(dir.path(), &["lint", "--fail-on", "error"]);
    assert_eq!(code, Some(0), "{lint}");
    let json = drift_summary(dir.path(), "live.json");
    assert_eq!(
        json["findings"],
        serde_json::json!([]),
        "{:#}",
        json["findings"]
    );
}

/// The README's first run: `init`, then `import`. The scaffold's example
/// is a policy the tenant has, so import leaves it alone instead of writing
/// a second file; drift names the file that matched a duplicate instead of
/// calling it missing; `import --force` updates declared files and keeps
/// their [meta].
#[test]
fn first_run_init_then_import_never_gives_one_policy_two_files() {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = std::env::current_dir()
        .unwrap()
        .join("snapshots/contoso.json")
        .display()
        .to_string();
    let (code, _, stderr) = casguard(dir.path(), &["init"]);
    assert_eq!(code, Some(0), "{stderr}");
    let example = dir
        .path()
        .join("policies/anomaly/mass-download-by-a-single-user.toml");
    let (code, stdout, stderr) = import(dir.path(), &snapshot, &[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        stdout,
        "imported 13 policies into policies; 1 policy already declared, left as it is\n"
    );
    let stderr = one_line(&stderr);
    assert!(
        stderr.contains("`Mass download by a single user` is already declared in policies/anomaly/mass-download-by-a-single-user.toml"),
        "{stderr}"
    );
    assert!(!dir
        .path()
        .join("policies/anomaly-detection/mass-download-by-a-single-user.toml")
        .exists());
    let (_, lint, _) = casguard(dir.path(), &["lint", "--fail-on", "never"]);
    for rule in ["CAS002", "CAS205", "CAS206"] {
        assert!(!lint.contains(rule), "{rule}: {lint}");
    }
    let json = drift_summary(dir.path(), &snapshot);
    let rules: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(!rules.contains(&"DRIFT001"), "{rules:?}");

    // A second file for the same policy: drift points at the one that matched.
    std::fs::copy(&example, dir.path().join("policies/copy.toml")).unwrap();
    let json = drift_summary(dir.path(), &snapshot);
    let findings = json["findings"].as_array().unwrap();
    assert!(
        !findings.iter().any(|f| f["rule"] == "DRIFT001"),
        "{findings:#?}"
    );
    assert!(
        findings.iter().any(|f| f["rule"] == "DRIFT006"
            && f["message"].as_str().unwrap().contains("is also declared in `policies/anomaly/mass-download-by-a-single-user.toml`, which matched the live policy")),
        "{findings:#?}"
    );
    std::fs::remove_file(dir.path().join("policies/copy.toml")).unwrap();

    // --force updates the declared file from the tenant, keeping its [meta].
    let (code, stdout, stderr) = import(dir.path(), &snapshot, &["--force"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stdout.contains("updated 14 declared files from the tenant, keeping [meta]: ")
            && stdout.contains("policies/anomaly/mass-download-by-a-single-user.toml"),
        "{stdout}"
    );
    let updated = std::fs::read_to_string(&example).unwrap();
    assert!(
        updated.contains("[meta]\nowner = \"secops@example.com\"")
            && updated.contains("last_reviewed = 2026-11-22")
            && updated.contains("ticket = \"SEC-1\"")
            && updated.contains("id = \"60b7e4d19a2f3c001f8e6b52\""),
        "{updated}"
    );
    let json = drift_summary(dir.path(), &snapshot);
    assert_eq!(
        json["summary"]["drift"]["missing"], 0,
        "{:#}",
        json["findings"]
    );
}

/// Which live fields are server-managed is configuration: a setting named
/// like a counter is compared by default, and the list can be replaced.
#[test]
fn server_managed_fields_are_an_explicit_list_that_casguard_toml_replaces() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::env::current_dir().unwrap();
    let live = root.join("tests/fixtures/snapshots/odd-shapes.json");
    let live = live.to_str().unwrap();
    import(dir.path(), live, &[]);
    let file = dir
        .path()
        .join("policies/anomaly-detection/mass-download-by-a-single-user.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("minimumEventCount = 20") && text.contains("createdAlertsLimit = 3"),
        "{text}"
    );
    assert!(
        !text.contains("createdDate") && !text.contains("lastModified"),
        "{text}"
    );
    // A changed counter-like setting is drift, not noise.
    std::fs::write(
        &file,
        text.replace("minimumEventCount = 20", "minimumEventCount = 5"),
    )
    .unwrap();
    let json = drift_summary(dir.path(), live);
    assert!(
        json["findings"]
            .to_string()
            .contains("extra.minimumEventCount"),
        "{:#}",
        json["findings"]
    );
    std::fs::write(&file, &text).unwrap();
    // Replace the list: `lastModified` becomes a compared setting, and no pattern applies.
    std::fs::write(
        dir.path().join("casguard.toml"),
        "[drift]\nserver_managed = [\"_id\", \"_tid\", \"createdDate\"]\nserver_managed_pattern = \"\"\n",
    )
    .unwrap();
    let (code, _, stderr) = casguard(
        dir.path(),
        &["drift", "--snapshot", live, "--fail-on", "never"],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains(
            "live fields ignored as server-managed (never compared): _id, _tid, createdDate;"
        ),
        "{stderr}"
    );
    let json = drift_summary(dir.path(), live);
    assert!(
        json["findings"].to_string().contains("extra.lastModified"),
        "{:#}",
        json["findings"]
    );
}

/// `shape` goes into bug reports: field names, types and counts only.
#[test]
fn shape_shows_no_values_addresses_or_names() {
    let dir = tempfile::tempdir().unwrap();
    let secret = "Zm9vYmFyc2VjcmV0dG9rZW4xMjM0NTY3ODkw";
    let live = serde_json::json!({"data": [{
        "_id": "64a1f0c2e4b0a1b2c3d4e501", "name": "Project Nightingale leak watch",
        "policyType": "FILE", "enabled": true, "severity": 5,
        "description": "Watches ceo@contoso.com and 10.1.2.3",
        "alertEmailRecipients": [{"address": "ceo@contoso.com"}],
        "filters": {"user.name": {"eq": ["Jane Doe", "jane.doe@contoso.com"]}, "ip.address": {"eq": ["203.0.113.7"]}},
        "webhook": {"url": "https://hooks.example.net/T000/B000", "token": secret},
        "perUser": {"jane.doe@contoso.com": 3, "Jane Doe": 1, "5f01dce13de79160fbec4150": 2}
    }]});
    std::fs::write(dir.path().join("live.json"), live.to_string()).unwrap();
    for format in ["human", "json"] {
        let (code, stdout, stderr) =
            casguard(dir.path(), &["shape", "live.json", "--format", format]);
        assert_eq!(code, Some(0), "{stderr}");
        for value in [
            "Nightingale",
            "ceo@",
            "contoso.com",
            "10.1.2.3",
            "Jane",
            "jane",
            "203.0.113.7",
            "hooks.example.net",
            secret,
            "5f01dce13de79160fbec4150",
            "64a1f0c2",
        ] {
            assert!(
                !stdout.contains(value),
                "{format} shows `{value}`:\n{stdout}"
            );
        }
        assert!(
            stdout.contains("kept verbatim as `extra.severity` for 1 item"),
            "{format}:\n{stdout}"
        );
    }
}

/// A snapshot of another tenant: drift warns, evidence refuses.
#[test]
fn a_snapshot_of_another_tenant_is_named_and_never_made_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::env::current_dir().unwrap();
    copy_dir(&root.join("policies"), &dir.path().join("policies"));
    std::fs::copy(
        root.join("snapshots/contoso.json"),
        dir.path().join("live.json"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("casguard.toml"),
        "[tenant]\nurl = \"https://fabrikam.eu2.portal.cloudappsecurity.com\"\n",
    )
    .unwrap();
    let (code, _, stderr) = casguard(
        dir.path(),
        &["drift", "--snapshot", "live.json", "--fail-on", "never"],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("casguard: warning: the snapshot was taken of https://contoso.us3.portal.cloudappsecurity.com, but the configured tenant is https://fabrikam.eu2.portal.cloudappsecurity.com"),
        "{stderr}"
    );
    let (code, _, stderr) = casguard(
        dir.path(),
        &["evidence", "--snapshot", "live.json", "--out", "bundle"],
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        one_line(&stderr).contains("configured tenant is https://fabrikam"),
        "{stderr}"
    );
    assert!(!dir.path().join("bundle").exists());
    // Configured as the snapshot's tenant (any spelling of its URL): no warning.
    std::fs::write(
        dir.path().join("casguard.toml"),
        "[tenant]\nurl = \"https://Contoso.us3.portal.cloudappsecurity.com/\"\n",
    )
    .unwrap();
    let (code, _, stderr) = casguard(
        dir.path(),
        &["drift", "--snapshot", "live.json", "--fail-on", "never"],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");
}

/// Messages that used to mislead.
#[test]
fn skipped_comparisons_and_missing_projects_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = casguard(dir.path(), &["lint"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("run `casguard init`"), "{stderr}");
    std::fs::create_dir(dir.path().join("policies")).unwrap();
    std::fs::write(dir.path().join("policies/bad.toml"), "name = \"x\"\n").unwrap();
    let snapshot = std::env::current_dir()
        .unwrap()
        .join("snapshots/contoso.json")
        .display()
        .to_string();
    let (code, stdout, _) = casguard(dir.path(), &["drift", "--snapshot", &snapshot]);
    assert_eq!(code, Some(1));
    assert!(
        stdout.contains("(14 live): comparison skipped: 1 invalid policy file"),
        "{stdout}"
    );
    assert!(!stdout.contains("0 in sync"), "{stdout}");
}

/// Every file in `dir` and below, as relative paths.
fn tree(dir: &Path) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap().flatten() {
            let path = entry.path();
            found.push(path.strip_prefix(dir).unwrap().display().to_string());
            if entry.file_type().unwrap().is_dir() {
                stack.push(path);
            }
        }
    }
    found.sort();
    found
}

/// `count` policies of several types, their descriptions of growing length.
fn many_policies(count: usize) -> String {
    let types = ["FILE", "SESSION", "ANOMALY_DETECTION", "NEW_SERVICE"];
    let policies: Vec<serde_json::Value> = (0..count)
        .map(|i| {
            serde_json::json!({
                "_id": format!("{i:024x}"),
                "name": format!("Policy {i}"),
                "policyType": types[i % types.len()],
                "enabled": true,
                "description": "d".repeat(20 * i),
            })
        })
        .collect();
    serde_json::json!({"data": policies, "hasNext": false}).to_string()
}

#[test]
fn import_writes_every_file_or_none() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("casguard.toml"),
        "policies_dir = \"declared\"\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("live.json"), many_policies(250)).unwrap();
    let (code, _, stderr) = casguard(
        dir.path(),
        &["import", "--snapshot", "live.json", "--out", "new/policies"],
    );
    assert_eq!(code, Some(0), "{stderr}");
    let written = tree(&dir.path().join("new/policies"));
    assert!(written.len() > 250, "{}", written.len());
    let first = written
        .iter()
        .find(|p| p.ends_with(".toml"))
        .unwrap()
        .clone();

    // One planned file's place is taken by a folder: nothing is written.
    let again = dir.path().join("again");
    std::fs::create_dir_all(again.join(&first)).unwrap();
    let before = tree(dir.path());
    let (code, _, stderr) = casguard(
        dir.path(),
        &[
            "import",
            "--snapshot",
            "live.json",
            "--out",
            "again",
            "--force",
        ],
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains(&first), "{stderr}");
    assert_same_tree(dir.path(), &before);

    // A full disk, as a file size limit: bash ignores SIGXFSZ so writes
    // past the limit fail with EFBIG, as they would with ENOSPC. The
    // largest policy files no longer fit, the small ones would.
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "trap '' XFSZ; ulimit -f 4; exec '{}' import --snapshot live.json --out full/policies",
            env!("CARGO_BIN_EXE_casguard")
        ))
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("File too large"), "{stderr}");
    assert_same_tree(dir.path(), &before);
}

/// Nothing added under `dir`, nothing left behind; names only the differences.
fn assert_same_tree(dir: &Path, before: &[String]) {
    let now = tree(dir);
    let added: Vec<&String> = now.iter().filter(|p| !before.contains(p)).take(5).collect();
    let removed: Vec<&String> = before.iter().filter(|p| !now.contains(p)).take(5).collect();
    assert!(
        added.is_empty() && removed.is_empty(),
        "added {added:?}, removed {removed:?} (first 5)"
    );
}
