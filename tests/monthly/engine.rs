//! `casguard report monthly` over the example tenant: every section filled
//! from the alerts dump and the ops snapshot, figures that agree with the
//! engines they come from, and the reports of months with missing data
//! saying what is missing. The JSON form is snapshot-tested.

use super::common;

use std::path::PathBuf;

use casguard::app::{self, LiveSource, Project};
use casguard::model::MonthlyReport;

fn repo(path: &str) -> PathBuf {
    std::env::current_dir().unwrap().join(path)
}

fn monthly(
    project: &Project,
    month: &str,
    dump: Option<&str>,
    snapshot: Option<&str>,
) -> MonthlyReport {
    let rules = project.rules().expect("rules load");
    let input = app::monthly::MonthlyInput {
        month: Some(format!("{month}-01").parse().unwrap()),
        dump: dump.map(repo),
        ops: None,
        source: LiveSource {
            snapshot: snapshot.map(repo),
            ..LiveSource::default()
        },
        live: false,
    };
    app::monthly::monthly(project, &rules, &input, &mut |_| {}).expect("the report builds")
}

fn example() -> MonthlyReport {
    monthly(
        &common::project("."),
        "2026-11",
        Some("snapshots/contoso-alerts.json"),
        Some("snapshots/contoso-ops.json"),
    )
}

fn kpi<'a>(report: &'a MonthlyReport, key: &str) -> &'a casguard::model::Kpi {
    report
        .kpis
        .iter()
        .find(|k| k.key == key)
        .unwrap_or_else(|| panic!("no KPI {key}"))
}

#[test]
fn the_example_fills_every_section() {
    let report = example();
    assert_eq!(
        (
            report.month.as_str(),
            report.from.as_str(),
            report.to.as_str()
        ),
        ("2026-11", "2026-11-01", "2026-11-22")
    );
    let created = kpi(&report, "alerts_created");
    assert!(created.value.unwrap() > 0.0 && created.previous.unwrap() > 0.0);
    assert_eq!(created.series.len(), 6);
    assert_eq!(created.series.last().unwrap().0, "2026-11");
    assert!(kpi(&report, "closed_percent").value.is_some());
    assert!(kpi(&report, "ttr_p50_hours").value.is_some());
    assert_eq!(kpi(&report, "policies_drifting").value, Some(5.0));
    assert_eq!(kpi(&report, "secure_score_mdca").value, Some(37.0));
    assert!(!report.incident_types.by_severity.is_empty());
    assert!(!report.incident_types.by_policy_type.is_empty());
    assert_eq!(report.trends.daily.len(), 22);
    assert!(!report.trends.resolution_mix.is_empty());
    assert!(!report.trends.governance.is_empty());
    assert!(!report.policy_health.is_empty());
    let kinds: Vec<&str> = report
        .recommendations
        .iter()
        .map(|r| r.kind.as_str())
        .collect();
    for kind in ["tune", "fix", "posture"] {
        assert!(kinds.contains(&kind), "no {kind} recommendation: {kinds:?}");
    }
    assert!(
        report.recommendations.iter().any(|r| r.patch.is_some()),
        "no patch"
    );
    assert_eq!(report.configuration.drift.len(), 5);
    assert!(report.configuration.last_change_live.is_some());
    assert!(!report.configuration.recipients.is_empty());
    assert_eq!(report.platform.checks.len(), 10);
    assert!(!report.platform.actions.is_empty());
    let kinds: Vec<&str> = report.sources.iter().map(|s| s.kind.as_str()).collect();
    assert!(
        kinds.contains(&"alerts")
            && kinds.contains(&"live state")
            && kinds.contains(&"policy files"),
        "{kinds:?}"
    );
    assert!(report.sources.iter().all(|s| s.sha256.len() == 64));
}

#[test]
fn kpis_agree_with_the_alerts_engine() {
    // The month's alert count equals what `casguard alerts` counts over the same days.
    let project = common::project(".");
    let report = example();
    let rules = project.rules().unwrap();
    let input = app::alerts::AnalyseInput {
        since_days: Some(22),
        dump: Some(repo("snapshots/contoso-alerts.json")),
        live: false,
        source: LiveSource::default(),
    };
    let alerts = app::alerts::analyse(&project, &rules, &input, &mut |_| {}).unwrap();
    let in_window = alerts.alerts.unwrap().alerts_in_window as f64;
    assert_eq!(kpi(&report, "alerts_created").value, Some(in_window));
}

#[test]
fn missing_data_is_said_not_hidden() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    std::fs::create_dir_all(dir.path().join("policies")).unwrap();
    std::fs::write(
        dir.path().join("casguard.toml"),
        "[report]\nthreat_notes = \"notes.md\"\n",
    )
    .unwrap();
    let project = Project::open(casguard::env::Env::at(dir.path(), common::today())).unwrap();
    let report = monthly(&project, "2026-10", None, None);
    let missing = report.missing.join("\n");
    for expected in [
        "no alert archive",
        "no live state",
        "no ops run",
        "threat notes `notes.md` cannot be read",
    ] {
        assert!(missing.contains(expected), "`{expected}` not in {missing}");
    }
    assert!(kpi(&report, "alerts_created").value.is_none());
    assert!(report.threat_notes.is_none());
    // A month without alerts, and an ops run without Graph credentials.
    let report = monthly(
        &common::project("."),
        "2026-01",
        Some("snapshots/contoso-alerts.json"),
        Some("tests/fixtures/ops/no-graph.json"),
    );
    let missing = report.missing.join("\n");
    assert!(
        missing.contains("no alerts were created in 2026-01"),
        "{missing}"
    );
    assert!(missing.contains("Secure Score is missing"), "{missing}");
    // The archive starts after January: no data, not zero alerts.
    assert_eq!(kpi(&report, "alerts_created").value, None);
}

#[test]
fn json_is_stable() {
    let mut report = example();
    // Git and the clock change with every commit and run; the rest must not.
    report.configuration.commits.clear();
    report.configuration.last_change_desired = None;
    report.appendix.git_commit = None;
    report.appendix.generated_at = "2026-11-22T12:00:00Z".into();
    for source in &mut report.sources {
        if source.kind == "policy files" {
            source.sha256 = "(policy files)".into();
        }
    }
    let json = casguard::report::monthly_json::render(&report);
    insta::assert_snapshot!(json);
}

fn casguard(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_casguard"))
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("CASGUARD_TENANT_URL")
        .env_remove("CASGUARD_CONFIG")
        .output()
        .expect("casguard runs")
}

#[test]
fn the_readme_command_writes_every_format() {
    let dir = tempfile::tempdir().unwrap();
    for (format, starts) in [
        ("html", "<!DOCTYPE html>"),
        ("markdown", "# Defender for Cloud Apps: monthly report"),
        ("json", "{"),
    ] {
        let out = dir.path().join(format!("monthly.{format}"));
        let output = casguard(&[
            "report",
            "monthly",
            "--month",
            "2026-11",
            "--dump",
            "snapshots/contoso-alerts.json",
            "--snapshot",
            "snapshots/contoso-ops.json",
            "--today",
            "2026-11-22",
            "--format",
            format,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let text = std::fs::read_to_string(&out).unwrap();
        assert!(
            text.starts_with(starts),
            "{format}: {}",
            &text[..80.min(text.len())]
        );
        assert!(String::from_utf8_lossy(&output.stderr).contains("is not over"));
    }
    let output = casguard(&[
        "report",
        "monthly",
        "--month",
        "2027-03",
        "--today",
        "2026-11-22",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("2027-03 has not begun"));
    let output = casguard(&["report", "monthly", "--month", "2026-13"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("write it as YYYY-MM"));
}

#[test]
fn an_evidence_bundle_can_include_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bundle");
    let output = casguard(&[
        "evidence",
        "--out",
        out.to_str().unwrap(),
        "--snapshot",
        "snapshots/contoso-ops.json",
        "--monthly",
        "2026-10",
        "--today",
        "2026-11-22",
        "--generated-at",
        "2026-11-22T12:00:00Z",
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        out.join("monthly-2026-10.html").is_file() && out.join("monthly-2026-10.json").is_file()
    );
    let sums = std::fs::read_to_string(out.join("SHA256SUMS")).unwrap();
    assert!(sums.contains("monthly-2026-10.html"), "{sums}");
    let verify = casguard(&["evidence", "verify", out.to_str().unwrap()]);
    assert_eq!(
        verify.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
}

#[test]
fn recommended_patches_apply() {
    let report = example();
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path();
    let status = std::process::Command::new("git")
        .args(["init", "-q"])
        .current_dir(copy)
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::create_dir_all(copy.join("policies")).unwrap();
    for entry in walk(&repo("policies")) {
        let relative = entry.strip_prefix(repo(".")).unwrap();
        std::fs::create_dir_all(copy.join(relative).parent().unwrap()).unwrap();
        std::fs::copy(&entry, copy.join(relative)).unwrap();
    }
    let patches: Vec<&String> = report
        .recommendations
        .iter()
        .filter_map(|r| r.patch.as_ref())
        .collect();
    assert!(patches.len() >= 2);
    for patch in patches {
        std::fs::write(copy.join("change.patch"), patch).unwrap();
        let out = std::process::Command::new("git")
            .args(["apply", "--check", "change.patch"])
            .current_dir(copy)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{patch}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
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
fn pending_and_settled_versions_are_one_governance_action() {
    let mut document: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo("snapshots/contoso-ops.json")).unwrap())
            .unwrap();
    let items = document["resources"]["governance"]["items"]
        .as_array_mut()
        .unwrap();
    let pending: Vec<serde_json::Value> = items
        .iter()
        .filter(|r| r.get("status").is_some())
        .map(|r| {
            let mut copy = r.clone();
            copy.as_object_mut().unwrap().remove("status");
            copy["updateTimestamp"] = copy["timestamp"].clone();
            copy
        })
        .collect();
    items.extend(pending);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doubled.json");
    std::fs::write(&path, document.to_string()).unwrap();
    let doubled = monthly(
        &common::project("."),
        "2026-11",
        Some("snapshots/contoso-alerts.json"),
        Some(path.to_str().unwrap()),
    );
    assert_eq!(doubled.trends.governance, example().trends.governance);
}
