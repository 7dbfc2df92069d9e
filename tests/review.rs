//! `casguard review` and the dates `drift` carries, end to end: git dates of
//! policy files, live dates from a timestamp field or from snapshot history,
//! review status, REVIEW001 agreeing with CAS202, and DRIFT005 for a live
//! change made after the file's last commit.

use std::path::Path;
use std::process::Command;

use serde_json::{json, Value};

fn git(dir: &Path, date: &str, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Ada Admin")
        .env("GIT_AUTHOR_EMAIL", "ada@contoso.com")
        .env("GIT_COMMITTER_NAME", "Ada Admin")
        .env("GIT_COMMITTER_EMAIL", "ada@contoso.com")
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn casguard(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_casguard"))
        .args(args)
        .current_dir(dir)
        .env("CASGUARD_TODAY", "2026-04-01")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const POLICY: &str = "name = \"Mass download\"\ntype = \"ANOMALY_DETECTION\"\nenabled = true\nseverity = \"high\"\ndescription = \"d\"\n\n[alerts]\nenabled = true\nemail_recipients = [\"soc@contoso.com\"]\ndaily_limit = 5\n\n[meta]\nowner = \"soc@contoso.com\"\nlast_reviewed = 2025-12-01\n";
const FRESH: &str = "name = \"Impossible travel\"\ntype = \"ANOMALY_DETECTION\"\nenabled = true\nseverity = \"medium\"\ndescription = \"d\"\n\n[meta]\nowner = \"soc@contoso.com\"\nlast_reviewed = 2026-03-20\n";

fn live(limit: u64, last_modified: Option<u64>) -> Value {
    let mut policy = json!({"_id": "aaaaaaaaaaaaaaaaaaaaaaaa", "name": "Mass download", "policyType": "ANOMALY_DETECTION", "enabled": true, "severity": 2,
        "description": "d", "alertsEnabled": true, "alertEmailRecipients": ["soc@contoso.com"], "dailyAlertLimit": limit});
    if let Some(ms) = last_modified {
        policy["lastModified"] = json!(ms);
    }
    let fresh = json!({"_id": "bbbbbbbbbbbbbbbbbbbbbbbb", "name": "Impossible travel", "policyType": "ANOMALY_DETECTION", "enabled": true, "severity": 1, "description": "d"});
    json!([policy, fresh])
}

fn snapshot(dir: &Path, name: &str, fetched_at: &str, policies: Value) {
    let doc = json!({"format_version": 1, "tenant": "https://contoso.example", "fetched_at": fetched_at, "source": {"kind": "api"}, "policies": policies});
    std::fs::create_dir_all(dir.join(name).parent().unwrap()).unwrap();
    std::fs::write(dir.join(name), doc.to_string()).unwrap();
}

fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("policies")).unwrap();
    std::fs::write(d.join("policies/mass-download.toml"), POLICY).unwrap();
    std::fs::write(d.join("policies/impossible-travel.toml"), FRESH).unwrap();
    git(d, "2026-01-10T10:00:00+01:00", &["init", "-q"]);
    git(d, "2026-01-10T10:00:00+01:00", &["add", "-A"]);
    git(
        d,
        "2026-01-10T10:00:00+01:00",
        &["commit", "-q", "-m", "desired state"],
    );
    dir
}

#[test]
fn review_reports_both_sides_and_agrees_with_lint() {
    let dir = repo();
    let d = dir.path();
    // lastModified 2026-03-01T00:00:00Z, after the commit: an out-of-band edit.
    snapshot(
        d,
        "live.json",
        "2026-03-02T00:00:00Z",
        live(50, Some(1772323200000)),
    );
    let (code, stdout, stderr) = casguard(
        d,
        &["review", "--snapshot", "live.json", "--format", "json"],
    );
    assert_eq!(code, Some(0), "{stderr}");
    let json: Value = serde_json::from_str(&stdout).unwrap();
    let rows = json["policies"].as_array().unwrap();
    assert_eq!(rows[0]["policy"], "Mass download", "most urgent first");
    assert_eq!(rows[0]["status"], "overdue");
    assert_eq!(rows[0]["next_review_due"], "2026-03-01");
    assert_eq!(rows[0]["desired_state"], "committed");
    assert_eq!(
        rows[0]["desired_last_change"]["date"],
        git(
            d,
            "2026-01-01T00:00:00Z",
            &[
                "log",
                "-1",
                "--format=%cI",
                "--",
                "policies/mass-download.toml"
            ]
        )
    );
    assert_eq!(rows[0]["desired_last_change"]["author"], "Ada Admin");
    assert_eq!(
        rows[0]["live_last_change"],
        json!({"date": "2026-03-01T00:00:00Z", "source": "field lastModified"})
    );
    assert_eq!(rows[1]["status"], "ok");
    assert_eq!(
        rows[1]["live_last_change"],
        Value::Null,
        "no timestamp and no history: unknown"
    );
    let findings: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(findings, ["CAS202"], "review runs the same rule as lint");
    let review_cas202 = json["findings"][0].clone();
    // lint's CAS202 is the same finding about the same policy.
    let (_, lint, _) = casguard(d, &["lint", "--format", "json", "--fail-on", "never"]);
    let lint: Value = serde_json::from_str(&lint).unwrap();
    let cas202: Vec<&Value> = lint["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "CAS202")
        .collect();
    assert_eq!(cas202.len(), 1);
    assert_eq!(cas202[0], &review_cas202);
    assert_eq!(cas202[0]["policy"], "Mass download");
    assert!(cas202[0]["message"]
        .as_str()
        .unwrap()
        .contains("2026-03-01"));

    // drift carries the dates and flags the out-of-band edit.
    let (code, stdout, stderr) =
        casguard(d, &["drift", "--snapshot", "live.json", "--format", "json"]);
    assert_eq!(code, Some(1), "{stderr}");
    let json: Value = serde_json::from_str(&stdout).unwrap();
    let rules: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(
        rules.contains(&"DRIFT003") && rules.contains(&"DRIFT005"),
        "{rules:?}"
    );
    let entry = &json["drift"][0];
    assert_eq!(entry["live_last_change"]["source"], "field lastModified");
    assert!(entry["desired_last_change"]["date"]
        .as_str()
        .unwrap()
        .starts_with("2026-01-10T10:00:00"));

    // A live change older than the commit is drift, but not out of band.
    snapshot(
        d,
        "old.json",
        "2026-03-02T00:00:00Z",
        live(50, Some(1767225600000)),
    );
    let (_, stdout, _) = casguard(d, &["drift", "--snapshot", "old.json", "--format", "json"]);
    assert!(!stdout.contains("DRIFT005"), "{stdout}");
}

#[test]
fn snapshot_history_dates_live_changes() {
    let dir = repo();
    let d = dir.path();
    snapshot(d, "history/1.json", "2026-02-01T00:00:00Z", live(5, None));
    snapshot(d, "history/2.json", "2026-02-15T00:00:00Z", live(50, None));
    snapshot(d, "history/3.json", "2026-03-01T00:00:00Z", live(50, None));
    snapshot(d, "now.json", "2026-03-10T00:00:00Z", live(50, None));
    let (code, stdout, stderr) = casguard(
        d,
        &[
            "review",
            "--snapshot",
            "now.json",
            "--history",
            "history",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, Some(0), "{stderr}");
    let json: Value = serde_json::from_str(&stdout).unwrap();
    let row = json["policies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["policy"] == "Mass download")
        .unwrap()
        .clone();
    assert_eq!(
        row["live_last_change"],
        json!({"date": "2026-02-15T00:00:00Z", "source": "observed since (snapshot history)"})
    );
    let row = json["policies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["policy"] == "Impossible travel")
        .unwrap()
        .clone();
    assert_eq!(row["live_last_change"]["date"], "2026-02-01T00:00:00Z");
    let (code, _, stderr) = casguard(
        d,
        &["review", "--snapshot", "now.json", "--history", "missing"],
    );
    assert_eq!(code, Some(2), "{stderr}");
}

#[test]
fn outside_git_review_still_works_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("policies")).unwrap();
    std::fs::write(dir.path().join("policies/a.toml"), FRESH).unwrap();
    let (code, stdout, stderr) = casguard(dir.path(), &["review", "--format", "json"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("not a git repository"), "{stderr}");
    let json: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["policies"][0]["desired_last_change"], Value::Null);
    assert_eq!(json["policies"][0]["desired_state"], Value::Null);
    assert_eq!(json["policies"][0]["status"], "ok");
}
