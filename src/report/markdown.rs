//! Markdown: a summary fit for a pull-request comment or a GitHub job
//! summary: counts first (and live state, for drift), then the review table
//! (`review`), one table row per finding, each changed policy's field
//! changes and diff folded away (`drift`), and suppressed findings folded
//! away with their reasons.

use std::fmt::Write;

use super::{plural, DriftSection, Report, ReviewSection};
use crate::model::{DriftEntry, ReviewEntry, Severity};

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
            ", with uncommitted changes"
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

/// The heading with a verdict and the counts, then what was checked.
fn summary(out: &mut String, report: &Report) {
    let summary = report.summary();
    let verdict = if summary.errors > 0 {
        "❌"
    } else if summary.warnings > 0 {
        "⚠️"
    } else {
        "✅"
    };
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
    out.push_str("| Severity | Rule | Policy | Location | Message |\n|---|---|---|---|---|\n");
    for f in &report.findings {
        let icon = match f.severity {
            Severity::Error => "❌ error",
            Severity::Warning => "⚠️ warning",
            Severity::Note => "ℹ️ note",
        };
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

fn cell(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "\\|")
        .replace(['\r', '\n'], " ")
}
