//! The JSON report, version 1: a stable, documented shape for scripts
//! (DESIGN.md "Command-line contract"). Fields are only ever added. Each
//! command's section is documented in README.md (`alerts`, `ops`).

use serde_json::{json, Value};

use super::Report;
use crate::model::Finding;

pub fn render(report: &Report) -> String {
    let document = json!({
        "version": 1,
        "tool": {"name": "casguard", "version": env!("CARGO_PKG_VERSION")},
        "command": report.command,
        "summary": report.summary(),
        "findings": report.findings.iter().map(|f| reported(report, f)).collect::<Vec<_>>(),
        "suppressed": report.suppressed.iter().map(|s| {
            let mut value = reported(report, &s.finding);
            value["suppression"] = json!({
                "reason": s.reason,
                "expires": s.expires,
                "owner": s.owner,
                "ticket": s.ticket,
            });
            value
        }).collect::<Vec<_>>(),
    });
    let mut document = document;
    if let Some(drift) = &report.drift {
        use crate::model::DriftKind;
        document["summary"]["drift"] = json!({
            "live_policies": drift.live_count,
            "in_sync": drift.in_sync,
            "missing": drift.count(DriftKind::Missing),
            "unmanaged": drift.count(DriftKind::Unmanaged),
            "changed": drift.count(DriftKind::Changed),
            "compared": drift.compared,
            "invalid_files": drift.invalid_files,
        });
        document["live"] = json!({"tenant": drift.tenant, "fetched_at": drift.fetched_at, "notes": drift.notes, "warnings": drift.warnings});
        document["drift"] = serde_json::to_value(&drift.entries).expect("drift serializes");
    }
    if let Some(review) = &report.review {
        document["policies"] = serde_json::to_value(&review.rows).expect("review serializes");
        document["notes"] = json!(review.notes);
    }
    if let Some(alerts) = &report.alerts {
        alerts_sections(&mut document, alerts);
    }
    if let Some(ops) = &report.ops {
        ops_sections(&mut document, ops);
    }
    let mut text = serde_json::to_string_pretty(&document).expect("report serializes");
    text.push('\n');
    text
}

/// `alerts`: the documented sections (README, "The alert archive").
fn alerts_sections(document: &mut Value, alerts: &crate::model::AlertsSection) {
    document["window"] = json!({"from": alerts.from, "to": alerts.to});
    document["summary"]["alerts"] = json!({
        "in_window": alerts.alerts_in_window,
        "archived": alerts.alerts_archived,
        "negative_ttr_dropped": alerts.negative_ttr_dropped,
    });
    document["scorecard"] = value(&alerts.scorecard);
    document["spikes"] = value(&alerts.spikes);
    document["trends"] = value(&alerts.trends);
    document["recipients"] = value(&alerts.recipients);
    document["system_alerts"] = value(&alerts.system_alerts);
    document["backlog"] = value(&alerts.backlog);
    document["daily"] = value(&alerts.daily);
    document["thresholds"] = value(&alerts.thresholds);
    document["notes"] = json!(alerts.notes);
}

/// `ops`: the documented sections (README, "Command reference").
fn ops_sections(document: &mut Value, ops: &crate::model::OpsSection) {
    use crate::model::CheckStatus;
    document["summary"]["checks"] = json!({
        "ok": ops.count(CheckStatus::Ok),
        "findings": ops.count(CheckStatus::Findings),
        "unavailable": ops.count(CheckStatus::Unavailable),
        "error": ops.count(CheckStatus::Error),
        "skipped": ops.count(CheckStatus::Skipped),
    });
    document["tenant"] = json!(ops.tenant);
    document["fetched_at"] = json!(ops.fetched_at);
    document["previous_run"] = json!(ops.previous_at);
    document["checks"] = ops
        .checks
        .iter()
        .map(|c| {
            json!({
                "check": c.check,
                "title": c.check.title(),
                "status": c.status,
                "detail": c.detail.as_str(),
                "findings": c.findings,
                "notes": c.notes,
            })
        })
        .collect();
    document["secure_score"] = value(&ops.secure_score);
    document["drift_since_last_run"] = value(&ops.drift);
    document["notes"] = json!(ops.notes);
}

/// A report section (plain data) as JSON.
fn value<T: serde::Serialize>(section: &T) -> Value {
    serde_json::to_value(section).expect("report section serializes")
}

/// A finding, with the check it belongs to in an `ops` report.
fn reported(report: &Report, f: &Finding) -> Value {
    let mut value = finding(f);
    if report.ops.is_some() {
        if let Some(check) = super::ops::check_of(report, f) {
            value["check"] = json!(check);
        }
    }
    value
}

pub(crate) fn finding(f: &Finding) -> Value {
    let location = f.location.as_ref();
    json!({
        "rule": f.rule,
        "severity": f.severity,
        "message": f.message,
        "policy": f.policy,
        "file": location.map(|l| &l.file),
        "line": location.map(|l| l.line),
        "column": location.map(|l| l.column),
        "end_line": location.map(|l| l.end_line),
        "end_column": location.map(|l| l.end_column),
        "help": f.help,
        "related": f.related.iter().map(|r| json!({
            "message": r.message,
            "file": r.location.file,
            "line": r.location.line,
            "column": r.location.column,
        })).collect::<Vec<_>>(),
    })
}
