//! Every report format, snapshot-tested on the same fixtures (as ruff's
//! renderers are): tests/fixtures/rules (every built-in rule fires, and
//! suppressions in every state) and tests/fixtures/bad (every loader error).
//! Review changes with `cargo insta review` (or INSTA_UPDATE=always).

mod common;

use casguard::report::{render, Format, Style};
use common::lint_fixture;

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

#[test]
fn every_format_on_every_fixture() {
    for fixture in ["rules", "bad"] {
        let report = lint_fixture(fixture);
        for format in FORMATS {
            let name = format!("{fixture}_{}", format.name());
            insta::assert_snapshot!(name, render(format, &report, Style::default()));
        }
    }
}

#[test]
fn every_format_on_the_example_drift() {
    let report = common::drift_example();
    for format in FORMATS {
        let name = format!("drift_example_{}", format.name());
        insta::assert_snapshot!(name, render(format, &report, Style::default()));
    }
}

#[test]
fn drift_json_has_the_documented_shape() {
    let report = common::drift_example();
    let json: serde_json::Value =
        serde_json::from_str(&render(Format::Json, &report, Style::default())).unwrap();
    let drift = json["drift"].as_array().unwrap();
    let kinds: Vec<&str> = drift.iter().map(|d| d["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "missing").count(), 1);
    assert_eq!(kinds.iter().filter(|k| **k == "unmanaged").count(), 1);
    assert!(kinds.iter().filter(|k| **k == "changed").count() >= 2);
    for entry in drift {
        for key in ["kind", "policy", "file", "changes"] {
            assert!(entry.get(key).is_some(), "{key} missing in {entry}");
        }
        for change in entry["changes"].as_array().unwrap() {
            assert!(
                change.get("path").is_some()
                    && change.get("desired").is_some()
                    && change.get("live").is_some()
            );
        }
    }
    let rules: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    for rule in ["DRIFT001", "DRIFT002", "DRIFT003", "DRIFT004"] {
        assert!(rules.contains(&rule), "{rule} not reported: {rules:?}");
    }
    assert_eq!(
        json["summary"]["drift"]["in_sync"], 10,
        "noise-only policies are in sync"
    );
}

#[test]
fn html_is_self_contained() {
    let html = render(Format::Html, &common::drift_example(), Style::default());
    assert!(html.starts_with("<!DOCTYPE html>") && html.ends_with("</html>\n"));
    assert!(html.contains("<svg"), "has the inline chart");
    for forbidden in [
        "<script",
        "<link",
        "src=\"http",
        "href=\"http",
        "@import",
        "url(",
    ] {
        assert!(!html.contains(forbidden), "HTML references `{forbidden}`");
    }
}

#[test]
fn json_report_has_the_documented_shape() {
    let report = lint_fixture("rules");
    let json: serde_json::Value =
        serde_json::from_str(&render(Format::Json, &report, Style::default())).unwrap();
    assert_eq!(json["version"], 1);
    let summary = &json["summary"];
    assert_eq!(
        (
            summary["errors"].as_u64(),
            summary["warnings"].as_u64(),
            summary["suppressed"].as_u64()
        ),
        (Some(2), Some(9), Some(1))
    );
    for finding in json["findings"].as_array().unwrap() {
        for key in [
            "rule", "severity", "message", "policy", "file", "line", "column",
        ] {
            assert!(
                finding.get(key).is_some(),
                "finding lacks `{key}`: {finding}"
            );
        }
    }
    assert_eq!(json["suppressed"][0]["suppression"]["ticket"], "SEC-1234");
}

#[test]
fn sarif_points_every_result_at_a_line_and_declares_every_rule() {
    let report = lint_fixture("bad");
    let sarif: serde_json::Value =
        serde_json::from_str(&render(Format::Sarif, &report, Style::default())).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for result in run["results"].as_array().unwrap() {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        let region = &result["locations"][0]["physicalLocation"]["region"];
        assert!(region["startLine"].as_u64().unwrap() >= 1);
        assert!(region["startColumn"].as_u64().unwrap() >= 1);
        let uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert!(uri.starts_with("tests/fixtures/bad/"), "{uri}");
    }
}

#[test]
fn colour_only_when_asked() {
    let report = lint_fixture("rules");
    let plain = render(Format::Human, &report, Style::default());
    assert!(!plain.contains('\u{1b}'));
    let coloured = render(
        Format::Human,
        &report,
        Style {
            color: true,
            width: 100,
        },
    );
    assert!(coloured.contains('\u{1b}'));
}
