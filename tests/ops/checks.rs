//! `casguard ops` over snapshots: every check fires on the example tenant's
//! known problems and stays quiet on a healthy tenant; unknown shapes make a
//! check unavailable, never a false finding; missing Graph credentials are a
//! note unless the check is named; a failed read is an error (exit 2) that
//! leaves the other checks running; comparisons use the previous run from
//! `--previous` or the history folder.

use super::common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use casguard::app::{self, LiveSource, Project};
use casguard::model::{CheckStatus, Family, OpsCheck, Report};
use serde_json::{json, Value};

fn run_ops(
    project: &Project,
    snapshot: &Path,
    previous: Option<&Path>,
    checks: &[OpsCheck],
) -> Report {
    let rules = project.rules().expect("rules load");
    let input = app::ops::OpsInput {
        checks: checks.to_vec(),
        source: LiveSource {
            snapshot: Some(snapshot.to_path_buf()),
            ..LiveSource::default()
        },
        previous: previous.map(Path::to_path_buf),
    };
    app::ops::ops(project, &rules, &input, &mut |_| {}).expect("ops runs")
}

fn repo(path: &str) -> PathBuf {
    std::env::current_dir().unwrap().join(path)
}

fn status(report: &Report, check: OpsCheck) -> CheckStatus {
    report.ops.as_ref().unwrap().check(check).unwrap().status
}

fn detail(report: &Report, check: OpsCheck) -> String {
    report
        .ops
        .as_ref()
        .unwrap()
        .check(check)
        .unwrap()
        .detail
        .clone()
}

fn rules_fired(report: &Report) -> BTreeSet<String> {
    report.findings.iter().map(|f| f.rule.clone()).collect()
}

fn ops_rules() -> BTreeSet<String> {
    casguard::registry::RUST_RULES
        .iter()
        .filter(|r| matches!(r.family, Family::Ops(_)))
        .map(|r| r.id.to_string())
        .collect()
}

#[test]
fn every_check_fires_on_the_broken_example() {
    let project = common::project(".");
    let report = run_ops(
        &project,
        &repo("snapshots/contoso-ops.json"),
        Some(&repo("snapshots/contoso-ops-previous.json")),
        &[],
    );
    assert_eq!(rules_fired(&report), ops_rules());
    let section = report.ops.as_ref().unwrap();
    assert_eq!(
        section.count(CheckStatus::Findings),
        OpsCheck::ALL.len(),
        "{:#?}",
        section.checks
    );
    assert_eq!(section.previous_at.as_deref(), Some("2026-11-15T06:00:00Z"));
    // Drift since the last run: one new, one fixed, the rest still there.
    let states: Vec<(&str, &str)> = section
        .drift
        .iter()
        .map(|d| (d.policy.as_str(), d.state.as_str()))
        .collect();
    assert!(
        states.contains(&("Legacy: Box downloads by contractors", "new")),
        "{states:?}"
    );
    assert!(
        states.contains(&("Temporary test policy", "fixed")),
        "{states:?}"
    );
    assert!(
        states.iter().filter(|(_, s)| *s == "still").count() >= 4,
        "{states:?}"
    );
    // Secure Score per product with the previous run's points.
    let mcas = section
        .secure_score
        .iter()
        .find(|p| p.product == "MCAS")
        .unwrap();
    assert_eq!(
        (mcas.points, mcas.max_points, mcas.previous_points),
        (10.0, 15.0, Some(15.0))
    );
    // Errors are at or above the default --fail-on: exit 1 in CI.
    assert!(report
        .findings
        .iter()
        .any(|f| f.severity == casguard::model::Severity::Error));
}

/// A project whose policy files are imported from `snapshot`, so drift is clean.
fn imported_project(snapshot: &Path) -> (tempfile::TempDir, Project) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    std::fs::write(
        dir.path().join("casguard.toml"),
        "policies_dir = \"policies\"\n",
    )
    .unwrap();
    let project = Project::open(casguard::env::Env::at(dir.path(), common::today())).unwrap();
    let input = app::import::ImportInput {
        out: dir.path().join("policies"),
        force: false,
        source: LiveSource {
            snapshot: Some(snapshot.to_path_buf()),
            ..LiveSource::default()
        },
    };
    app::import::import(&project, &input, &mut |_| {}).expect("import runs");
    let project = Project::open(casguard::env::Env::at(dir.path(), common::today())).unwrap();
    (dir, project)
}

#[test]
fn a_healthy_tenant_is_quiet() {
    let healthy = repo("tests/fixtures/ops/healthy.json");
    let (_dir, project) = imported_project(&healthy);
    let report = run_ops(&project, &healthy, None, &[]);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    let section = report.ops.as_ref().unwrap();
    assert_eq!(
        section.count(CheckStatus::Ok),
        OpsCheck::ALL.len(),
        "{:#?}",
        section.checks
    );
    // Against itself as the previous run: still nothing.
    let report = run_ops(&project, &healthy, Some(&healthy), &[]);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
}

fn healthy_document() -> Value {
    serde_json::from_str(&std::fs::read_to_string(repo("tests/fixtures/ops/healthy.json")).unwrap())
        .unwrap()
}

fn write_snapshot(dir: &Path, name: &str, document: &Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(document).unwrap()).unwrap();
    path
}

#[test]
fn unknown_shapes_are_unavailable_never_findings() {
    let mut document = healthy_document();
    // Shapes casguard cannot know, some with alarming values under unknown names.
    let unknown = json!([{"_id": "a1", "foo": 1, "health": "Disconnected", "lastPing": "2020-01-01T00:00:00Z"},
                         {"_id": "a2", "foo": null, "bar": {"x": [1, 2]}}]);
    for name in [
        "app_connectors",
        "discovery_streams",
        "log_collectors",
        "siem_agents",
        "api_tokens",
        "governance",
        "message_center",
        "secure_scores",
        "secure_score_profiles",
        "alerts",
    ] {
        document["resources"][name]["items"] = unknown.clone();
    }
    let dir = tempfile::tempdir().unwrap();
    let snapshot = write_snapshot(dir.path(), "odd.json", &document);
    let project = common::project(".");
    let report = run_ops(&project, &snapshot, None, &[]);
    let fired: BTreeSet<String> = rules_fired(&report)
        .into_iter()
        .filter(|r| r.starts_with("OPS") && !r.starts_with("OPS10"))
        .collect();
    assert!(
        fired.is_empty(),
        "false findings on unknown shapes: {fired:?}"
    );
    for check in OpsCheck::ALL.into_iter().filter(|c| *c != OpsCheck::Drift) {
        assert_eq!(
            status(&report, check),
            CheckStatus::Unavailable,
            "{check:?}: {}",
            detail(&report, check)
        );
        assert!(
            detail(&report, check).contains("not found"),
            "{check:?}: {}",
            detail(&report, check)
        );
    }
    assert!(detail(&report, OpsCheck::SiemAgents).contains("guesses"));
}

#[test]
fn odd_values_never_crash() {
    let odd = [
        json!(null),
        json!(true),
        json!(-1),
        json!(1.5e300),
        json!(""),
        json!("x"),
        json!([]),
        json!({}),
        json!([null]),
        json!({"a": null}),
        json!("2026-13-45T99:00:00Z"),
        json!(u64::MAX),
    ];
    let fields = [
        "_id",
        "id",
        "name",
        "status",
        "state",
        "lastSeen",
        "lastUsed",
        "created",
        "timestamp",
        "updateTimestamp",
        "taskName",
        "isSystemAlert",
        "api",
        "proxy",
        "streamType",
        "lastDataReceived",
        "logFilesFailsCount",
        "controlScores",
        "service",
        "maxScore",
        "title",
        "services",
        "lastModifiedDateTime",
        "actionRequiredByDateTime",
        "inputStreamId",
    ];
    let project = common::project(".");
    let dir = tempfile::tempdir().unwrap();
    for (round, value) in odd.iter().enumerate() {
        let mut document = healthy_document();
        let item: serde_json::Map<String, Value> = fields
            .iter()
            .map(|f| (f.to_string(), value.clone()))
            .collect();
        for (_, resource) in document["resources"].as_object_mut().unwrap().iter_mut() {
            if resource.get("items").is_some() {
                resource["items"] = json!([item.clone(), {"api": {"isEnabled": value, "isConnected": value, "lastConnected": value}}]);
            }
        }
        let snapshot = write_snapshot(dir.path(), &format!("odd-{round}.json"), &document);
        let report = run_ops(&project, &snapshot, Some(&snapshot), &[]);
        assert!(report.ops.is_some());
    }
}

#[test]
fn graph_credentials_missing_is_a_note_unless_named() {
    let mut document = healthy_document();
    for name in ["secure_scores", "secure_score_profiles", "message_center"] {
        document["resources"][name] = json!({"status": "unavailable", "detail": "no Graph credentials (needs Graph SecurityEvents.Read.All; set `graph_auth` under [tenant])"});
    }
    let dir = tempfile::tempdir().unwrap();
    let snapshot = write_snapshot(dir.path(), "no-graph.json", &document);
    let (_project_dir, project) = imported_project(&snapshot);
    let report = run_ops(&project, &snapshot, None, &[]);
    assert_eq!(
        status(&report, OpsCheck::SecureScore),
        CheckStatus::Unavailable
    );
    assert!(detail(&report, OpsCheck::SecureScore).contains("no Graph credentials"));
    assert_eq!(status(&report, OpsCheck::AppConnectors), CheckStatus::Ok);
    let report = run_ops(&project, &snapshot, None, &[OpsCheck::SecureScore]);
    assert_eq!(status(&report, OpsCheck::SecureScore), CheckStatus::Error);
    assert_eq!(
        status(&report, OpsCheck::AppConnectors),
        CheckStatus::Skipped
    );
    // The command line turns that into exit 2, with the report still printed.
    let out = casguard_cli(
        project.env.root.as_path(),
        &[
            "ops",
            "--snapshot",
            snapshot.to_str().unwrap(),
            "--check",
            "secure-score",
        ],
    );
    assert_eq!(out.0, Some(2), "{}", out.2);
    assert!(out.1.contains("no Graph credentials"), "{}", out.1);
    assert!(out.2.contains("could not read"), "{}", out.2);
    let out = casguard_cli(
        project.env.root.as_path(),
        &["ops", "--snapshot", snapshot.to_str().unwrap()],
    );
    assert_eq!(out.0, Some(0), "{}\n{}", out.1, out.2);
}

#[test]
fn a_failed_read_is_an_error_and_the_rest_still_runs() {
    let mut document = healthy_document();
    document["resources"]["siem_agents"] = json!({"status": "error", "detail": "GET /api/v1/agents/siem/ failed with HTTP 500", "endpoint": "GET /api/v1/agents/siem/"});
    let dir = tempfile::tempdir().unwrap();
    let snapshot = write_snapshot(dir.path(), "partial.json", &document);
    let project = common::project(".");
    let report = run_ops(&project, &snapshot, None, &[]);
    assert_eq!(status(&report, OpsCheck::SiemAgents), CheckStatus::Error);
    assert!(detail(&report, OpsCheck::SiemAgents).contains("HTTP 500"));
    assert_eq!(status(&report, OpsCheck::ApiTokens), CheckStatus::Ok);
    let out = casguard_cli(
        &repo("."),
        &[
            "ops",
            "--snapshot",
            snapshot.to_str().unwrap(),
            "--fail-on",
            "never",
        ],
    );
    assert_eq!(out.0, Some(2), "{}", out.2);
}

#[test]
fn format_1_snapshots_still_load_and_ops_only_snapshots_are_not_policies() {
    let project = common::project(".");
    let report = run_ops(&project, &repo("snapshots/contoso.json"), None, &[]);
    assert_eq!(status(&report, OpsCheck::Drift), CheckStatus::Findings);
    assert_eq!(
        status(&report, OpsCheck::AppConnectors),
        CheckStatus::Unavailable
    );
    assert!(detail(&report, OpsCheck::AppConnectors).contains("not in the snapshot"));
    // A snapshot read without policies cannot pass for an empty tenant.
    let mut document = healthy_document();
    document["resources"]
        .as_object_mut()
        .unwrap()
        .remove("policies");
    document["policies"] = json!([]);
    let dir = tempfile::tempdir().unwrap();
    let snapshot = write_snapshot(dir.path(), "ops-only.json", &document);
    let out = casguard_cli(
        &repo("."),
        &["drift", "--snapshot", snapshot.to_str().unwrap()],
    );
    assert_eq!(out.0, Some(2));
    assert!(out.2.contains("holds no policies"), "{}", out.2);
    let report = run_ops(&project, &snapshot, None, &[]);
    assert_eq!(status(&report, OpsCheck::Drift), CheckStatus::Unavailable);
}

#[test]
fn the_previous_run_comes_from_the_history_folder() {
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("history");
    std::fs::create_dir(&history).unwrap();
    std::fs::copy(
        repo("snapshots/contoso-ops-previous.json"),
        history.join("snapshot-2026-11-15.json"),
    )
    .unwrap();
    // The current snapshot in the same folder is not its own previous run.
    std::fs::copy(
        repo("snapshots/contoso-ops.json"),
        history.join("snapshot-2026-11-22.json"),
    )
    .unwrap();
    let project = common::project(".");
    let rules = project.rules().unwrap();
    let input = app::ops::OpsInput {
        checks: Vec::new(),
        source: LiveSource {
            snapshot: Some(history.join("snapshot-2026-11-22.json")),
            history: Some(history.clone()),
            ..LiveSource::default()
        },
        previous: None,
    };
    let report = app::ops::ops(&project, &rules, &input, &mut |_| {}).unwrap();
    assert_eq!(
        report.ops.as_ref().unwrap().previous_at.as_deref(),
        Some("2026-11-15T06:00:00Z")
    );
    assert_eq!(rules_fired(&report), ops_rules());
}

#[test]
fn settled_governance_records_replace_pending_ones() {
    let mut previous = healthy_document();
    let mut current = healthy_document();
    let pending = json!({"_id": "6a11b2c3d4e5f6a7b8c9d0ff", "taskName": "SuspendUserTask", "timestamp": 1795320000000_i64, "updateTimestamp": 1795320000000_i64, "appId": 11161});
    let mut settled = pending.clone();
    settled["updateTimestamp"] = json!(1795320300000_i64);
    settled["status"] =
        json!({"isSuccess": true, "templateMessage": {"template": "OK", "parameters": {}}});
    previous["resources"]["governance"]["items"]
        .as_array_mut()
        .unwrap()
        .push(pending.clone());
    previous["fetched_at"] = json!("2026-11-21T06:00:00Z");
    current["resources"]["governance"]["items"]
        .as_array_mut()
        .unwrap()
        .push(settled.clone());
    let dir = tempfile::tempdir().unwrap();
    let previous_path = write_snapshot(dir.path(), "previous.json", &previous);
    let current_path = write_snapshot(dir.path(), "current.json", &current);
    let project = common::project(".");
    let report = run_ops(
        &project,
        &current_path,
        Some(&previous_path),
        &[OpsCheck::Governance],
    );
    assert_eq!(
        status(&report, OpsCheck::Governance),
        CheckStatus::Ok,
        "{:#?}",
        report.findings
    );
    // The other way round (a stale read of the same record) still counts the settled one.
    let report = run_ops(
        &project,
        &previous_path,
        Some(&current_path),
        &[OpsCheck::Governance],
    );
    assert!(!rules_fired(&report).contains("OPS072"));
    // A record pending for hours with no settled version is reported.
    current["resources"]["governance"]["items"].as_array_mut().unwrap().push(json!({"_id": "6a11b2c3d4e5f6a7b8c9d0fe", "taskName": "RevokeAccessTokenTask", "timestamp": 1795305600000_i64, "updateTimestamp": 1795305600000_i64}));
    let current_path = write_snapshot(dir.path(), "current.json", &current);
    let report = run_ops(&project, &current_path, None, &[OpsCheck::Governance]);
    assert_eq!(rules_fired(&report), BTreeSet::from(["OPS072".to_string()]));
}

fn casguard_cli(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_casguard"))
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
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

#[test]
fn no_secret_from_a_snapshot_reaches_any_output() {
    // A token value stored under a field casguard does not know.
    let secret = "Zm9vYmFyc2VjcmV0dG9rZW52YWx1ZTEyMzQ1Njc4OTA";
    let mut document = serde_json::from_str::<Value>(
        &std::fs::read_to_string(repo("snapshots/contoso-ops.json")).unwrap(),
    )
    .unwrap();
    for token in document["resources"]["api_tokens"]["items"]
        .as_array_mut()
        .unwrap()
    {
        token["tokenValue"] = json!(secret);
        token["key"] = json!(secret);
    }
    let dir = tempfile::tempdir().unwrap();
    let snapshot = write_snapshot(dir.path(), "with-secret.json", &document);
    for format in [
        "human", "json", "sarif", "junit", "github", "markdown", "html", "csv",
    ] {
        let out = casguard_cli(
            &repo("."),
            &[
                "ops",
                "--snapshot",
                snapshot.to_str().unwrap(),
                "--previous",
                "snapshots/contoso-ops-previous.json",
                "--format",
                format,
                "--fail-on",
                "never",
            ],
        );
        assert_eq!(out.0, Some(0), "{format}: {}", out.2);
        for encoded in [secret.to_string(), secret.chars().rev().collect::<String>()] {
            assert!(
                !out.1.contains(&encoded) && !out.2.contains(&encoded),
                "{format} shows the token"
            );
        }
    }
}

#[test]
fn the_shape_report_names_missing_fields_and_shows_no_values() {
    let mut document = healthy_document();
    document["resources"]["siem_agents"]["items"] =
        json!([{"_id": "a1", "health": "Disconnected", "owner": "jdoe@contoso.com"}]);
    let dir = tempfile::tempdir().unwrap();
    let snapshot = write_snapshot(dir.path(), "odd.json", &document);
    for format in ["human", "json"] {
        let out = casguard_cli(
            &repo("."),
            &["shape", snapshot.to_str().unwrap(), "--format", format],
        );
        assert_eq!(out.0, Some(0), "{}", out.2);
        assert!(
            out.1.contains("field last seen not found (tried lastSeen"),
            "{}",
            out.1
        );
        assert!(out
            .1
            .contains("read by app_connectors, conditional_access_apps as API connected"));
        for value in [
            "Disconnected",
            "jdoe@contoso.com",
            "secops@contoso.com",
            "casguard CI",
            "Paris proxy",
            "Microsoft 365",
            "contoso.com",
        ] {
            assert!(!out.1.contains(value), "{format} shows the value {value}");
        }
    }
}

#[test]
fn a_check_whose_findings_are_all_turned_off_is_ok() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    std::fs::write(
        dir.path().join("casguard.toml"),
        "[rules]\nOPS061 = \"off\"\nOPS062 = \"off\"\nOPS063 = \"off\"\nOPS052 = \"off\"\n",
    )
    .unwrap();
    let project = Project::open(casguard::env::Env::at(dir.path(), common::today())).unwrap();
    let report = run_ops(
        &project,
        &repo("snapshots/contoso-ops.json"),
        None,
        &[OpsCheck::ApiTokens, OpsCheck::SiemAgents],
    );
    let tokens = report
        .ops
        .as_ref()
        .unwrap()
        .check(OpsCheck::ApiTokens)
        .unwrap();
    assert_eq!((tokens.status, tokens.findings), (CheckStatus::Ok, 0));
    assert!(
        tokens
            .notes
            .iter()
            .any(|n| n.contains("3 findings suppressed or turned off")),
        "{:?}",
        tokens.notes
    );
    let agents = report
        .ops
        .as_ref()
        .unwrap()
        .check(OpsCheck::SiemAgents)
        .unwrap();
    assert_eq!((agents.status, agents.findings), (CheckStatus::Findings, 1));
}

#[test]
fn a_time_that_cannot_be_read_is_a_note_not_never_used() {
    let mut document: Value = serde_json::from_str(
        &std::fs::read_to_string(repo("tests/fixtures/ops/healthy.json")).unwrap(),
    )
    .unwrap();
    document["resources"]["api_tokens"]["items"][0]["lastUsed"] = json!("21/11/2026 10:00");
    document["resources"]["discovery_streams"]["items"][0]["lastDataReceived"] = json!("yesterday");
    let dir = tempfile::tempdir().unwrap();
    let snapshot = write_snapshot(dir.path(), "odd-times.json", &document);
    let project = common::project(".");
    let report = run_ops(
        &project,
        &snapshot,
        None,
        &[OpsCheck::ApiTokens, OpsCheck::LogUpload],
    );
    assert!(rules_fired(&report).is_empty(), "{:#?}", report.findings);
    let notes = &report
        .ops
        .as_ref()
        .unwrap()
        .check(OpsCheck::LogUpload)
        .unwrap()
        .notes;
    assert!(
        notes.iter().any(|n| n.contains("cannot be read")),
        "{notes:?}"
    );
}
