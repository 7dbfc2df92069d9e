//! Markdown: a summary fit for a pull-request comment or a GitHub job
//! summary: counts first (and live state, for drift), then the review table
//! (`review`), one table row per finding, each changed policy's field
//! changes and diff folded away (`drift`), and suppressed findings folded
//! away with their reasons. An `ops` report, fit for a weekly GitHub issue
//! or a Teams post, has a dated title, a status table of the checks, then a
//! short list per check with findings, the Secure Score table, drift since
//! the last run and the notes.

use std::fmt::Write;

use super::{plural, DriftSection, Report, ReviewSection};
use crate::model::{
    CheckStatus, DriftChange, DriftEntry, Finding, OpsCheck, OpsSection, ProductScore, ReviewEntry,
    Severity,
};

/// The Markdown report of an evidence bundle: where both sides came from,
/// then each command's report. `live` is (tenant, fetched_at).
pub fn evidence(
    live: (Option<&str>, Option<&str>),
    git_commit: Option<&str>,
    git_dirty: Option<bool>,
    reports: &[&Report],
) -> String {
    let mut out = format!(
        "# casguard evidence\n\nTenant: {} (live state of {}). Desired state: git commit {}{}.\n\n",
        live.0.unwrap_or("(snapshot)"),
        live.1.unwrap_or("unknown date"),
        git_commit.unwrap_or("(not a git repository)"),
        if git_dirty == Some(true) {
            ", with uncommitted changes to the policies, configuration or rules"
        } else {
            ""
        },
    );
    let parts: Vec<String> = reports.iter().map(|r| render(r)).collect();
    out.push_str(&parts.join("\n"));
    out
}

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    if let Some(ops) = &report.ops {
        ops_report(&mut out, report, ops);
        suppressed_details(&mut out, report);
        return out;
    }
    summary(&mut out, report);
    if let Some(drift) = &report.drift {
        live_line(&mut out, drift);
    }
    if let Some(review) = &report.review {
        review_table(&mut out, review);
    }
    if let Some(alerts) = &report.alerts {
        alerts_tables(&mut out, alerts);
    }
    findings_table(&mut out, report);
    if let Some(drift) = &report.drift {
        for entry in drift.entries.iter().filter(|e| !e.changes.is_empty()) {
            drift_details(&mut out, entry);
        }
    }
    suppressed_details(&mut out, report);
    out
}

/// ❌, ⚠️ or ✅: the worst severity among the findings.
fn verdict(summary: &super::Summary) -> &'static str {
    if summary.errors > 0 {
        "❌"
    } else if summary.warnings > 0 {
        "⚠️"
    } else {
        "✅"
    }
}

fn severity_icon(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "❌ error",
        Severity::Warning => "⚠️ warning",
        Severity::Note => "ℹ️ note",
    }
}

/// `ops`: the dated title, where the state came from, the status table, a
/// section per check with something to show, the other findings (the
/// loader's), and the notes.
fn ops_report(out: &mut String, report: &Report, ops: &OpsSection) {
    let summary = report.summary();
    let failed = ops.count(CheckStatus::Error);
    let _ = writeln!(
        out,
        "## {} Weekly operations check{}: {}{}\n",
        if failed > 0 { "⛔" } else { verdict(&summary) },
        ops.fetched_at
            .as_deref()
            .map_or(String::new(), |at| format!(", {}", super::ops::day(at))),
        summary.counts(),
        if failed > 0 {
            format!("; {} could not run", plural(failed, "check"))
        } else {
            String::new()
        }
    );
    let _ = writeln!(
        out,
        "Tenant: {}. State read {}; {}. {}: {}.\n",
        ops.tenant.as_deref().map_or("(snapshot)".to_string(), text),
        ops.fetched_at.as_deref().unwrap_or("at an unknown time"),
        ops.previous_at.as_deref().map_or_else(
            || "no previous run to compare with".to_string(),
            |at| format!("compared with the run of {at}")
        ),
        plural(ops.checks.len(), "check"),
        super::ops::check_counts(ops)
    );
    status_table(out, ops);
    check_sections(out, report, ops);
    let others: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| !super::ops::in_section(report, f))
        .collect();
    if !others.is_empty() {
        out.push_str("### Other findings\n\n");
        findings_rows(out, report, &others);
        out.push('\n');
    }
    let notes: Vec<String> = ops
        .checks
        .iter()
        .flat_map(|c| {
            c.notes
                .iter()
                .map(move |n| format!("- **{}**: {}", text(c.check.title()), text(n)))
        })
        .chain(ops.notes.iter().map(|n| format!("- {}", text(n))))
        .collect();
    if !notes.is_empty() {
        let _ = writeln!(out, "### Notes\n\n{}\n", notes.join("\n"));
    }
}

/// One row per check: its status and detail.
fn status_table(out: &mut String, ops: &OpsSection) {
    out.push_str("| Check | Status | Detail |\n|---|---|---|\n");
    for result in &ops.checks {
        let icon = match result.status {
            CheckStatus::Ok => "✅",
            CheckStatus::Findings => match result.worst {
                Some(Severity::Error) => "❌",
                Some(Severity::Warning) => "⚠️",
                _ => "ℹ️",
            },
            CheckStatus::Unavailable => "➖",
            CheckStatus::Error => "⛔",
            CheckStatus::Skipped => "⏭️",
        };
        let _ = writeln!(
            out,
            "| {} | {icon} {} | {} |",
            cell(result.check.title()),
            super::ops::status_words(result),
            cell(result.detail.as_str())
        );
    }
    out.push('\n');
}

/// A section per check with findings, a Secure Score table or drift to show.
fn check_sections(out: &mut String, report: &Report, ops: &OpsSection) {
    for result in &ops.checks {
        let findings = super::ops::findings_of(report, result.check);
        let scores = result.check == OpsCheck::SecureScore && !ops.secure_score.is_empty();
        let drift = result.check == OpsCheck::Drift && super::ops::has_drift_since(&ops.drift);
        if findings.is_empty() && !scores && !drift {
            continue;
        }
        let _ = writeln!(out, "### {}\n", text(result.check.title()));
        if scores {
            score_table(out, &ops.secure_score);
        }
        if drift {
            drift_table(out, &super::ops::drift_in_order(&ops.drift));
        }
        for f in &findings {
            let _ = writeln!(
                out,
                "- {} `{}`: {}",
                severity_icon(f.severity),
                f.rule,
                text(&f.message)
            );
        }
        if !findings.is_empty() {
            out.push('\n');
        }
    }
}

/// Secure Score per product.
fn score_table(out: &mut String, scores: &[ProductScore]) {
    out.push_str("| Product | Points | Previous run | Controls at 0 % |\n|---|---:|---:|---|\n");
    for score in scores {
        let [product, points, previous, zero] = super::ops::score_cells(score).map(|c| cell(&c));
        let _ = writeln!(out, "| {product} | {points} | {previous} | {zero} |");
    }
    out.push('\n');
}

/// Drift since the last run: new, still (with its age) and fixed.
fn drift_table(out: &mut String, drift: &[&DriftChange]) {
    out.push_str("| Since the last run | Policy | Drift | Drifting since |\n|---|---|---|---|\n");
    for change in drift {
        let since = match (&change.since, change.age_days) {
            _ if change.state == "fixed" => String::new(),
            (Some(at), Some(days)) => format!("{at} ({})", super::ops::days(days)),
            (Some(at), None) => at.clone(),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            cell(&change.state),
            cell(&change.policy),
            cell(super::ops::drift_kind(&change.kind)),
            cell(&since)
        );
    }
    out.push('\n');
}

/// The heading with a verdict and the counts, then what was checked.
fn summary(out: &mut String, report: &Report) {
    let summary = report.summary();
    let verdict = verdict(&summary);
    let _ = writeln!(
        out,
        "## {verdict} casguard {}: {}\n",
        report.command,
        summary.counts()
    );
    let _ = write!(
        out,
        "Checked {} in {}.",
        plural(summary.policies, "policy"),
        plural(summary.files, "file")
    );
    if summary.suppressed > 0 {
        let _ = write!(
            out,
            " {} suppressed.",
            plural(summary.suppressed, "finding")
        );
    }
    out.push_str("\n\n");
}

/// `drift`: which live state was compared, and the drift counts.
fn live_line(out: &mut String, drift: &DriftSection) {
    let _ = writeln!(
        out,
        "Live: {} ({} policies{}): {}.\n",
        drift.tenant.as_deref().unwrap_or("snapshot"),
        drift.live_count,
        drift
            .fetched_at
            .as_deref()
            .map_or(String::new(), |t| format!(", fetched {t}")),
        drift.counts()
    );
}

/// `review`: dates and review status, one row per policy.
fn review_table(out: &mut String, review: &ReviewSection) {
    out.push_str("| Status | Next review | File last changed | Live last changed | Last reviewed | Policy |\n|---|---|---|---|---|---|\n");
    for row in &review.rows {
        review_row(out, row);
    }
    out.push('\n');
}

fn review_row(out: &mut String, row: &ReviewEntry) {
    let desired = row.desired_last_change.as_ref().map_or_else(
        || {
            row.desired_state
                .and_then(|s| serde_json::to_value(s).ok())
                .and_then(|v| v.as_str().map(|s| format!("({s})")))
                .unwrap_or_default()
        },
        |c| format!("{} ({})", c.date, cell(&c.author)),
    );
    let live = row
        .live_last_change
        .as_ref()
        .map_or(String::new(), |l| format!("{} ({})", l.date, l.source));
    let _ = writeln!(
        out,
        "| {} | {} | {} | {} | {} | {} |",
        row.status.as_str(),
        row.next_review_due.as_deref().unwrap_or("now"),
        desired,
        cell(&live),
        row.last_reviewed.as_deref().unwrap_or("never"),
        cell(&row.policy)
    );
}

/// Every active finding, one table row each, or "No findings."
fn findings_table(out: &mut String, report: &Report) {
    if report.findings.is_empty() {
        out.push_str("No findings.\n");
        return;
    }
    let all: Vec<&Finding> = report.findings.iter().collect();
    findings_rows(out, report, &all);
}

/// A table of findings, one row each.
fn findings_rows(out: &mut String, report: &Report, findings: &[&Finding]) {
    out.push_str("| Severity | Rule | Policy | Location | Message |\n|---|---|---|---|---|\n");
    for f in findings {
        let icon = severity_icon(f.severity);
        let location = f
            .location
            .as_ref()
            .map_or(String::new(), |l| format!("`{}:{}`", l.file, l.line));
        let _ = writeln!(
            out,
            "| {icon} | {} | {} | {location} | {} |",
            cell(&report.rule_title(&f.rule)),
            cell(f.policy.as_deref().unwrap_or("")),
            cell(&f.message)
        );
    }
}

/// `drift`: a folded section per changed policy, with where each side last
/// changed, a table of its field changes and the diff.
fn drift_details(out: &mut String, entry: &DriftEntry) {
    let _ = writeln!(
        out,
        "\n<details><summary>Drift in <b>{}</b> ({})</summary>\n\nFile last changed: {}. Live last changed: {}.\n\n| Field | File | Live |\n|---|---|---|",
        cell(&entry.policy),
        cell(entry.file.as_deref().unwrap_or("")),
        entry.desired_last_change.as_ref().map_or("unknown".to_string(), |c| format!("{} by {}", c.date, cell(&c.author))),
        entry.live_last_change.as_ref().map_or("unknown".to_string(), |l| format!("{} ({})", l.date, l.source))
    );
    for change in &entry.changes {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} |",
            cell(&change.path),
            cell(&crate::textutil::short(&change.desired)),
            cell(&crate::textutil::short(&change.live))
        );
    }
    if let Some(diff) = &entry.diff {
        let _ = writeln!(out, "\n```diff\n{}```", diff.replace("```", "` ` `"));
    }
    out.push_str("\n</details>\n");
}

/// Suppressed findings folded away, with their accountability data.
fn suppressed_details(out: &mut String, report: &Report) {
    if report.suppressed.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\n<details><summary>{} suppressed</summary>\n\n| Rule | Policy | Reason | Expires | Owner | Ticket |\n|---|---|---|---|---|---|",
        plural(report.suppressed.len(), "finding")
    );
    for s in &report.suppressed {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            cell(&s.finding.rule),
            cell(s.finding.policy.as_deref().unwrap_or("")),
            cell(&s.reason),
            s.expires,
            cell(s.owner.as_deref().unwrap_or("")),
            cell(s.ticket.as_deref().unwrap_or(""))
        );
    }
    out.push_str("\n</details>\n");
}

/// Escapes text for a table cell: pipes, newlines and HTML.
/// `alerts`: the scorecard, then spikes, trends and mail as short lists.
fn alerts_tables(out: &mut String, alerts: &crate::model::AlertsSection) {
    let _ = writeln!(
        out,
        "Alerts {} to {}: {} in the window, {} archived.\n",
        alerts.from, alerts.to, alerts.alerts_in_window, alerts.alerts_archived
    );
    out.push_str("| Verdict | Policy | Alerts | Open | Unread | TP | FP | Benign | FP ratio | TTR p50 | Per day | Reasons |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n");
    for row in &alerts.scorecard {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            row.verdict.as_str(),
            cell(&row.policy),
            row.alerts,
            row.open,
            row.unread,
            row.true_positive,
            row.false_positive,
            row.benign,
            row.fp_ratio
                .map_or("n/a".to_string(), |r| format!("{:.0}%", r * 100.0)),
            row.ttr_p50_hours
                .map_or("-".to_string(), |h| format!("{h:.1} h")),
            super::svg::blocks(&row.daily),
            cell(&row.reasons.join("; "))
        );
    }
    out.push('\n');
    let mut lists = Vec::new();
    for spike in &alerts.spikes {
        lists.push(format!(
            "- **{}** {} on {}: {} alerts (baseline {:.1})",
            cell(&spike.policy),
            if spike.kind == crate::model::SpikeKind::Spike {
                "spike"
            } else {
                "drop to zero"
            },
            spike.date,
            spike.count,
            spike.baseline
        ));
    }
    for row in alerts
        .recipients
        .iter()
        .filter(|r| !r.outside_allowed.is_empty())
    {
        lists.push(format!(
            "- **{}** mails outside the allowed domains: {}",
            cell(&row.policy),
            cell(&row.outside_allowed.join(", "))
        ));
    }
    for alert in &alerts.system_alerts {
        lists.push(format!(
            "- System alert {}: {}",
            alert.created,
            cell(&alert.title)
        ));
    }
    if !alerts.backlog.is_empty() {
        lists.push(format!(
            "- Backlog: {} open alerts older than the backlog threshold",
            alerts.backlog.len()
        ));
    }
    lists.extend(alerts.notes.iter().map(|n| format!("- Note: {}", cell(n))));
    if !lists.is_empty() {
        out.push_str(&lists.join("\n"));
        out.push_str("\n\n");
    }
}

/// Escapes text outside a table: HTML and line breaks.
pub(super) fn text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace(['\r', '\n'], " ")
}

/// Escapes text for a table cell: pipes, newlines and HTML.
pub(super) fn cell(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "\\|")
        .replace(['\r', '\n'], " ")
}
