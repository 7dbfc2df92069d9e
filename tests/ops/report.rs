//! `casguard ops` in every report format, snapshot-tested on four runs:
//! - `broken`: the example tenant's bad week (snapshots/contoso-ops.json
//!   against snapshots/contoso-ops-previous.json): every check has findings;
//! - `healthy`: tests/fixtures/ops/healthy.json, no previous run;
//! - `degraded`: the healthy state with Secure Score unavailable (no Graph
//!   credentials) and the message center unreadable (error);
//! - `selected`: the degraded state with `--check app_connectors --check
//!   secure_score`: the others skipped, Secure Score named so in error.
//!
//! Review changes with `cargo insta review` (or INSTA_UPDATE=always).

use super::common;

use std::path::{Path, PathBuf};

use casguard::app::{self, LiveSource};
use casguard::model::{OpsCheck, Report};
use casguard::report::{render, Format, Style};
use serde_json::{json, Value};

const FORMATS: [Format; 8] = [
    Format::Human,
    Format::Json,
    Format::Sarif,
    Format::Junit,
    Format::Github,
    Format::Markdown,
    Format::Html,
    Format::Csv,
];

/// `casguard ops` on the example project, from `snapshot`.
fn ops(snapshot: &Path, previous: Option<&str>, checks: &[OpsCheck]) -> Report {
    ops_in(".", snapshot, previous, checks)
}

fn ops_in(root: &str, snapshot: &Path, previous: Option<&str>, checks: &[OpsCheck]) -> Report {
    let project = common::project(root);
    let rules = project.rules().expect("rules load");
    let input = app::ops::OpsInput {
        checks: checks.to_vec(),
        source: LiveSource {
            snapshot: Some(snapshot.to_path_buf()),
            ..LiveSource::default()
        },
        previous: previous.map(PathBuf::from),
    };
    app::ops::ops(&project, &rules, &input, &mut |_| {}).expect("ops runs")
}

fn broken() -> Report {
    ops(
        Path::new("snapshots/contoso-ops.json"),
        Some("snapshots/contoso-ops-previous.json"),
        &[],
    )
}

fn healthy() -> Report {
    ops(Path::new("tests/fixtures/ops/healthy.json"), None, &[])
}

/// The healthy snapshot as a read without Graph credentials for Secure Score
/// and with the message center failing would have written it; written once,
/// as the tests run in parallel.
fn degraded_snapshot() -> PathBuf {
    static PATH: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    PATH.get_or_init(write_degraded_snapshot).clone()
}

fn write_degraded_snapshot() -> PathBuf {
    let mut snapshot: Value =
        serde_json::from_str(&std::fs::read_to_string("tests/fixtures/ops/healthy.json").unwrap())
            .unwrap();
    let resources = &mut snapshot["resources"];
    for name in ["secure_scores", "secure_score_profiles"] {
        resources[name] = json!({
            "status": "unavailable",
            "detail": "no Graph credentials (needs SecureScore.Read.All; set `graph_auth` under [tenant])",
        });
    }
    resources["message_center"] = json!({
        "status": "error",
        "detail": "HTTP 503 Service Unavailable after 4 attempts",
        "endpoint": "GET https://graph.microsoft.com/v1.0/admin/serviceAnnouncement/messages",
    });
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("ops-degraded.json");
    std::fs::write(&path, serde_json::to_string_pretty(&snapshot).unwrap()).unwrap();
    path
}

fn degraded() -> Report {
    ops(&degraded_snapshot(), None, &[])
}

fn selected() -> Report {
    ops(
        &degraded_snapshot(),
        None,
        &[OpsCheck::AppConnectors, OpsCheck::SecureScore],
    )
}

fn json_of(report: &Report) -> Value {
    serde_json::from_str(&render(Format::Json, report, Style::default())).unwrap()
}

#[test]
fn every_format_on_every_run() {
    for (name, report) in [
        ("broken", broken()),
        ("healthy", healthy()),
        ("degraded", degraded()),
        ("selected", selected()),
    ] {
        for format in FORMATS {
            let snapshot = format!("{name}_{}", format.name());
            insta::assert_snapshot!(snapshot, render(format, &report, Style::default()));
        }
    }
}

#[test]
fn the_runs_cover_every_status() {
    let statuses = |report: &Report| -> Vec<String> {
        json_of(report)["checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["status"].as_str().unwrap().to_string())
            .collect()
    };
    let all: Vec<String> = [broken(), healthy(), degraded(), selected()]
        .iter()
        .flat_map(statuses)
        .collect();
    for status in ["ok", "findings", "unavailable", "error", "skipped"] {
        assert!(all.iter().any(|s| s == status), "no `{status}` check");
    }
}

#[test]
fn json_has_the_documented_shape() {
    let report = broken();
    let json = json_of(&report);
    assert_eq!(json["version"], 1);
    assert_eq!(json["command"], "ops");
    let checks = json["checks"].as_array().unwrap();
    assert_eq!(checks.len(), OpsCheck::ALL.len());
    for (check, expected) in checks.iter().zip(OpsCheck::ALL) {
        assert_eq!(check["check"], expected.as_str());
        assert_eq!(check["title"], expected.title());
        for key in ["status", "detail", "findings", "notes"] {
            assert!(check.get(key).is_some(), "{key} missing in {check}");
        }
    }
    let counted: u64 = ["ok", "findings", "unavailable", "error", "skipped"]
        .iter()
        .map(|s| json["summary"]["checks"][s].as_u64().unwrap())
        .sum();
    assert_eq!(counted as usize, OpsCheck::ALL.len());
    // Every finding is of an ops rule here, and names its check; the counts agree.
    for check in checks {
        let name = check["check"].as_str().unwrap();
        let findings = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["check"] == name)
            .count();
        assert_eq!(
            check["findings"].as_u64().unwrap() as usize,
            findings,
            "{name}"
        );
    }
    assert!(json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["check"].is_string() && f["rule"].as_str().unwrap().starts_with("OPS")));
    let score = &json["secure_score"][0];
    for key in [
        "product",
        "points",
        "max_points",
        "previous_points",
        "controls",
        "zero_controls",
    ] {
        assert!(score.get(key).is_some(), "{key} missing in {score}");
    }
    let states: Vec<&str> = json["drift_since_last_run"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["state"].as_str().unwrap())
        .collect();
    for state in ["new", "still", "fixed"] {
        assert!(states.contains(&state), "no `{state}` drift: {states:?}");
    }
    assert_eq!(json["previous_run"], "2026-11-15T06:00:00Z");
    assert_eq!(json["fetched_at"], "2026-11-22T06:00:00Z");
    assert!(json["tenant"].is_string());
    // The status word is the status field's; the detail does not repeat it.
    let degraded = json_of(&degraded());
    for check in degraded["checks"].as_array().unwrap() {
        let detail = check["detail"].as_str().unwrap();
        assert!(
            !detail.starts_with("unavailable:") && !detail.starts_with("error:"),
            "{detail}"
        );
    }
}

#[test]
fn human_lists_ops_findings_without_source_frames() {
    let text = render(Format::Human, &broken(), Style::default());
    assert!(!text.contains("casguard.toml:2"), "a miette frame:\n{text}");
    assert!(!text.contains('╭'), "a miette frame:\n{text}");
    assert!(text.contains(
        "  error   OPS021  app connector `Microsoft 365` is enabled but not connected\n"
    ));
    assert!(!text.contains('\u{1b}'));
    let coloured = render(
        Format::Human,
        &broken(),
        Style {
            color: true,
            width: 100,
        },
    );
    assert!(coloured.contains('\u{1b}'));
    // Without the colour codes, the coloured text is the plain one.
    let stripped = coloured
        .split('\u{1b}')
        .enumerate()
        .map(|(i, part)| {
            if i == 0 {
                part
            } else {
                &part[part.find('m').unwrap() + 1..]
            }
        })
        .collect::<String>();
    assert_eq!(stripped, text);
}

#[test]
fn markdown_tables_keep_their_columns() {
    for report in [broken(), degraded(), selected()] {
        let text = render(Format::Markdown, &report, Style::default());
        let mut columns = None;
        for line in text.lines() {
            if !line.starts_with('|') {
                columns = None;
                continue;
            }
            // Cells split on pipes that are not escaped.
            let cells = line.replace("\\|", "").matches('|').count();
            match columns {
                None => columns = Some(cells),
                Some(n) => assert_eq!(n, cells, "ragged table row: {line}"),
            }
        }
    }
}

#[test]
fn html_is_self_contained_and_says_each_status_in_words() {
    let html = render(Format::Html, &degraded(), Style::default());
    assert!(html.starts_with("<!DOCTYPE html>") && html.ends_with("</html>\n"));
    for forbidden in ["<script", "<link", "src=\"http", "href=\"http", "url("] {
        assert!(!html.contains(forbidden), "HTML references `{forbidden}`");
    }
    for words in ["✔ ok", "– unavailable", "✖ error", "5 findings"] {
        assert!(html.contains(words), "no badge `{words}`");
    }
    let html = render(Format::Html, &broken(), Style::default());
    assert!(html.contains("<svg"), "the Secure Score chart");
}

#[test]
fn loader_findings_keep_their_place_beside_the_checks() {
    let snapshot = std::env::current_dir()
        .unwrap()
        .join("tests/fixtures/ops/healthy.json");
    let report = ops_in("tests/fixtures/bad", &snapshot, None, &[]);
    let human = render(Format::Human, &report, Style::default());
    assert!(
        human.contains("╭─[policies/bad-id.toml:4:6]"),
        "the loader's finding is framed:\n{human}"
    );
    assert!(human.contains("– Drift since the last run: unavailable — policy files are invalid"));
    let json = json_of(&report);
    let cas001 = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "CAS001")
        .unwrap();
    assert!(cas001.get("check").is_none(), "{cas001}");
    let junit = render(Format::Junit, &report, Style::default());
    assert!(junit.contains("<testsuite name=\"policies/bad-id.toml\""));
    assert!(junit.contains("<testsuite name=\"Drift since the last run\""));
    assert!(!junit.contains("all rules pass"), "no suite per clean file");
    let markdown = render(Format::Markdown, &report, Style::default());
    assert!(markdown.contains("### Other findings"));
    let html = render(Format::Html, &report, Style::default());
    assert!(html.contains("<h2>Other findings</h2>") && html.contains("policies/bad-id.toml:4"));
}
