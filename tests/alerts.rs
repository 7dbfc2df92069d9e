//! `casguard alerts` end to end: sync from the fake tenant (paging, the
//! server-side filters of an incremental sync, faults: a partial read is an
//! error that leaves the archive as it was), import of the shapes people
//! have, export, and the analysis of the example tenant's dump.

#[path = "support/fake_tenant.rs"]
mod fake_tenant;

use std::path::Path;
use std::process::Command;

use fake_tenant::{FakeTenant, Fault, Paging};
use serde_json::{json, Value};

const NOW_MS: i64 = 1_795_305_600_000; // 2026-11-22T00:00:00Z

fn casguard(dir: &Path, args: &[&str], token: &str) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_casguard"))
        .current_dir(dir)
        .args(args)
        .env("CASGUARD_API_TOKEN", token)
        .env("CASGUARD_TODAY", "2026-11-22")
        .env_remove("CASGUARD_TENANT_URL")
        .env_remove("CASGUARD_CONFIG")
        .output()
        .expect("casguard runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A project folder pointing at `tenant`, with no pacing and fast retries.
fn project(tenant: &FakeTenant) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    std::fs::create_dir_all(dir.path().join("policies")).unwrap();
    std::fs::write(
        dir.path().join("casguard.toml"),
        format!(
            "[tenant]\nurl = \"{}\"\nmax_requests_per_minute = 0\nretry_base_delay_ms = 10\n",
            tenant.url()
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("policies/p.toml"),
        "name = \"Policy 0000\"\ntype = \"FILE\"\nenabled = true\n[alerts]\nenabled = true\nemail_recipients = [\"soc@contoso.com\"]\ndaily_limit = 5\n",
    )
    .unwrap();
    dir
}

fn export_ids(dir: &Path, token: &str) -> Vec<String> {
    let (code, stdout, stderr) = casguard(dir, &["alerts", "export", "--format", "ndjson"], token);
    assert_eq!(code, Some(0), "{stderr}");
    stdout
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["_id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[test]
fn sync_fills_then_reads_only_what_changed() {
    let policies = fake_tenant::policies(3);
    let tenant = FakeTenant::start(policies.clone());
    let alerts = fake_tenant::alerts(450, &policies, 100, NOW_MS);
    tenant.with(|s| s.alerts = alerts.clone());
    let token = tenant.with(|s| s.api_token.clone());
    let dir = project(&tenant);
    let (code, stdout, stderr) = casguard(dir.path(), &["alerts", "sync"], &token);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("450 alerts read"), "{stdout}");
    assert_eq!(tenant.alert_requests(), 5, "450 alerts in pages of 100");
    assert_eq!(export_ids(dir.path(), &token).len(), 450);

    // A new alert, and an open one that got closed.
    let before = tenant.alert_requests();
    let open = alerts
        .iter()
        .find(|a| a["resolutionStatusValue"] == json!(0))
        .unwrap();
    let id = open["_id"].as_str().unwrap().to_string();
    tenant.with(|s| {
        let a = s.alerts.iter_mut().find(|a| a["_id"] == json!(id)).unwrap();
        a["resolutionStatusValue"] = json!(5);
        // Resolved after the first sync started, as a real resolution would be.
        a["resolveTime"] =
            json!((jiff::Timestamp::now() + jiff::SignedDuration::from_mins(1)).to_string());
        let mut new = s.alerts[0].clone();
        new["_id"] = json!("6bffffffffffffffffffffff");
        new["timestamp"] = json!(NOW_MS - 1000);
        s.alerts.push(new);
    });
    let (code, stdout, stderr) = casguard(dir.path(), &["alerts", "sync"], &token);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("synced"), "{stdout}");
    let bodies: Vec<Value> = tenant.requests()[before..]
        .iter()
        .filter(|r| r.path.contains("/alerts"))
        .map(|r| serde_json::from_str(&r.body).unwrap())
        .collect();
    assert!(
        bodies.iter().any(|b| b["filters"]["date"]["gte"].is_i64()),
        "new since the newest: {bodies:?}"
    );
    assert!(bodies
        .iter()
        .any(|b| b["filters"]["alertOpen"] == json!({"eq": true})));
    assert!(bodies
        .iter()
        .any(|b| b["filters"]["resolutionDate"]["gte"].is_i64()));
    let ids = export_ids(dir.path(), &token);
    assert_eq!(ids.len(), 451);
    // The token is in no output and nowhere in the archive, in any encoding.
    let archive = std::fs::read(dir.path().join(".casguard/archive.sqlite")).unwrap();
    let (_, report, _) = casguard(
        dir.path(),
        &["alerts", "--format", "json", "--fail-on", "never"],
        &token,
    );
    for form in [token.clone(), token.replace('-', "%2D"), hex(&token)] {
        assert!(!contains(&archive, form.as_bytes()), "token in the archive");
        assert!(!report.contains(&form) && !stdout.contains(&form));
    }
    let (_, csv, _) = casguard(dir.path(), &["alerts", "export", "--format", "csv"], &token);
    let line = csv.lines().find(|l| l.starts_with(&id)).unwrap();
    assert!(
        line.contains(",5,"),
        "the re-read alert is closed now: {line}"
    );
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn hex(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn a_partial_sync_is_an_error_and_changes_nothing() {
    let policies = fake_tenant::policies(2);
    let tenant = FakeTenant::start(policies.clone());
    tenant.with(|s| s.alerts = fake_tenant::alerts(250, &policies, 30, NOW_MS));
    let token = tenant.with(|s| s.api_token.clone());
    let dir = project(&tenant);
    assert_eq!(casguard(dir.path(), &["alerts", "sync"], &token).0, Some(0));
    tenant.with(|s| {
        let more = fake_tenant::alerts(150, &policies, 1, NOW_MS + 86_400_000);
        for (i, mut a) in more.into_iter().enumerate() {
            a["_id"] = json!(format!("6c{i:022x}"));
            s.alerts.push(a);
        }
    });
    for (fault, what) in [
        (Fault::Truncated, "truncated"),
        (Fault::BadJson, "bad JSON"),
        (Fault::Status(500), "500"),
        (Fault::Drop, "dropped"),
    ] {
        // Enough of the same fault to exhaust every retry of the second page.
        tenant.with(|s| s.faults.clear());
        for _ in 0..8 {
            tenant.push_fault(fault.clone());
        }
        let (code, _, stderr) = casguard(dir.path(), &["alerts", "sync"], &token);
        assert_eq!(code, Some(2), "{what}: {stderr}");
        assert_eq!(
            export_ids(dir.path(), &token).len(),
            250,
            "{what}: the archive is unchanged"
        );
    }
    tenant.with(|s| {
        s.faults.clear();
        s.paging = Paging::NeverEnds;
    });
    let (code, _, stderr) = casguard(dir.path(), &["alerts", "sync", "--since", "5d"], &token);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("pages never end") || stderr.contains("paging"),
        "{stderr}"
    );
    tenant.with(|s| s.paging = Paging::Normal);
    tenant.push_fault(Fault::TooManyRequests {
        retry_after: Some("0".into()),
        body: String::new(),
    });
    tenant.push_fault(Fault::TooManyRequests {
        retry_after: None,
        body: "throttled".into(),
    });
    let (code, _, stderr) = casguard(dir.path(), &["alerts", "sync"], &token);
    assert_eq!(
        code,
        Some(0),
        "429 with and without Retry-After is retried: {stderr}"
    );
    assert_eq!(export_ids(dir.path(), &token).len(), 400);
}

#[test]
fn bad_token_is_an_error_not_an_empty_sync() {
    let tenant = FakeTenant::start(Vec::new());
    let dir = project(&tenant);
    let (code, stdout, stderr) = casguard(dir.path(), &["alerts", "sync"], "wrong-token");
    assert_eq!(code, Some(2), "{stdout}{stderr}");
    assert!(
        !stderr.contains("wrong-token"),
        "the token is never printed"
    );
    assert!(
        !dir.path().join(".casguard/archive.sqlite").exists()
            || export_ids_or_empty(dir.path()) == 0
    );
}

fn export_ids_or_empty(dir: &Path) -> usize {
    let (_, stdout, _) = casguard(dir, &["alerts", "export", "--format", "ndjson"], "x");
    stdout.lines().count()
}

#[test]
fn import_accepts_what_people_have() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    std::fs::create_dir_all(dir.path().join("policies")).unwrap();
    std::fs::write(dir.path().join("casguard.toml"), "").unwrap();
    let sample = std::fs::read_to_string("tests/fixtures/alerts/mdca-alert.get.docs.json").unwrap();
    // UTF-16 LE with a BOM, as Windows PowerShell's Out-File writes.
    let mut utf16 = vec![0xFF, 0xFE];
    for unit in sample.encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    std::fs::write(dir.path().join("one.json"), utf16).unwrap();
    let (code, stdout, stderr) = casguard(dir.path(), &["alerts", "import", "one.json"], "x");
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("1 alert read"), "{stdout}");
    let list = std::fs::read_to_string("tests/fixtures/alerts/mdca-alerts.list.docs.json").unwrap();
    std::fs::write(dir.path().join("list.json"), format!("\u{feff}{list}")).unwrap();
    let (code, _, stderr) = casguard(dir.path(), &["alerts", "import", "list.json"], "x");
    assert_eq!(code, Some(0), "{stderr}");
    std::fs::write(dir.path().join("broken.json"), "{\"data\": [").unwrap();
    let (code, _, stderr) = casguard(dir.path(), &["alerts", "import", "broken.json"], "x");
    assert_eq!(code, Some(2));
    assert!(stderr.contains("broken.json"), "{stderr}");
}

#[test]
fn the_example_tenant_gives_a_scorecard() {
    let (code, stdout, stderr) = casguard(
        Path::new("."),
        &[
            "alerts",
            "--dump",
            "snapshots/contoso-alerts.json",
            "--snapshot",
            "snapshots/contoso.json",
            "--format",
            "json",
            "--fail-on",
            "never",
        ],
        "x",
    );
    assert_eq!(code, Some(0), "{stderr}");
    let json: Value = serde_json::from_str(&stdout).unwrap();
    let verdict = |name: &str| {
        json["scorecard"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["policy"].as_str().unwrap().eq_ignore_ascii_case(name))
            .unwrap_or_else(|| panic!("{name} not in the scorecard"))["verdict"]
            .clone()
    };
    assert_eq!(verdict("Admin activity from non-corporate IP"), "tune");
    assert_eq!(verdict("Mass download by a single user"), "fix");
    assert_eq!(verdict("Malware detected in cloud storage"), "retire");
    assert_eq!(verdict("OAuth app with high permissions"), "unworked");
    let spikes = json["spikes"].as_array().unwrap();
    assert!(
        spikes
            .iter()
            .any(|s| s["date"] == "2026-11-10" && s["kind"] == "spike"),
        "{spikes:?}"
    );
    assert!(spikes.iter().any(|s| s["kind"] == "drop"), "{spikes:?}");
    let rules: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    for id in [
        "ALERT001", "ALERT003", "ALERT004", "ALERT005", "ALERT006", "ALERT007", "ALERT010",
        "ALERT011",
    ] {
        assert!(rules.contains(&id), "{id} missing from {rules:?}");
    }
    assert!(
        json["summary"]["alerts"]["negative_ttr_dropped"]
            .as_u64()
            .unwrap()
            >= 2
    );
    // Every format renders.
    for format in [
        "human", "markdown", "html", "csv", "sarif", "junit", "github",
    ] {
        let (code, out, stderr) = casguard(
            Path::new("."),
            &[
                "alerts",
                "--dump",
                "snapshots/contoso-alerts.json",
                "--format",
                format,
                "--fail-on",
                "never",
            ],
            "x",
        );
        assert_eq!(code, Some(0), "{format}: {stderr}");
        assert!(!out.is_empty(), "{format}");
    }
}
