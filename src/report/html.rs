//! HTML: one self-contained, printable page (inline CSS and SVG, no network
//! assets, no scripts) for admins and review meetings. Sections, in order:
//! the header with what was checked, summary cards, charts of findings by
//! kind and by policy type, every finding, the review table (`review`), a
//! section per changed policy with its field changes and diff (`drift`),
//! and suppressed findings with their reasons. An `ops` report has the
//! checks' status table (a badge with the status in words), the Secure Score
//! per product as bars, a section per check with its findings, drift since
//! the last run, and the notes, in place of the charts by policy type.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::{plural, DriftSection, Report, ReviewSection, Summary};
use crate::model::{
    CheckResult, CheckStatus, DriftChange, DriftEntry, DriftKind, Finding, OpsCheck, OpsSection,
    ProductScore, ReviewEntry, ReviewStatus, Severity,
};

const STYLE: &str = "
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem;color:#1f2328}
h1{font-size:1.6rem;margin:0 0 .2rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #d0d7de;padding-bottom:.3rem}
.meta{color:#59636e;margin:0 0 1rem}
.cards{display:flex;flex-wrap:wrap;gap:.75rem;margin:1rem 0}
.card{border:1px solid #d0d7de;border-radius:6px;padding:.6rem 1rem;min-width:7rem}
.card b{display:block;font-size:1.5rem}
.error{color:#cf222e}.warning{color:#9a6700}.note{color:#0969da}.ok{color:#1a7f37}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace}
pre{background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;padding:.6rem;overflow-x:auto;font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace}
.add{color:#1a7f37}.del{color:#cf222e}.hunk{color:#8250df}
svg text{font:12px system-ui,sans-serif}
@media print{body{margin:0;max-width:none}pre{white-space:pre-wrap}section{break-inside:avoid}}
";

/// Status badges of `ops`, added only to its pages: the palette above, on a
/// light tint, and always with the status in words.
const OPS_STYLE: &str = "
.badge{display:inline-block;padding:0 .55em;border:1px solid currentColor;border-radius:1em;font-weight:600;white-space:nowrap}
.b-ok{color:#1a7f37;background:#dafbe1}.b-error{color:#cf222e;background:#ffebe9}.b-warning{color:#9a6700;background:#fff8c5}
.b-note{color:#0969da;background:#ddf4ff}.b-muted{color:#59636e;background:#f6f8fa}
td.num{text-align:right;white-space:nowrap}
";

pub fn render(report: &Report) -> String {
    let summary = report.summary();
    let mut out = String::new();
    header(&mut out, report, &summary);
    cards(&mut out, report, &summary);
    if let Some(alerts) = &report.alerts {
        alerts_sections(&mut out, alerts);
    }
    if let Some(ops) = &report.ops {
        ops_sections(&mut out, report, ops);
    } else {
        charts(&mut out, report);
        findings_table(&mut out, report);
    }
    if let Some(review) = &report.review {
        review_table(&mut out, review);
    }
    if let Some(drift) = &report.drift {
        for entry in drift.entries.iter().filter(|e| !e.changes.is_empty()) {
            drift_section(&mut out, entry);
        }
    }
    suppressed_table(&mut out, report);
    out.push_str("</body>\n</html>\n");
    out
}

/// The document head, the title and the line saying what was checked
/// (and, for drift, against which live state).
fn header(out: &mut String, report: &Report, summary: &Summary) {
    let title = match &report.ops {
        Some(ops) => format!(
            "Weekly operations check{}",
            ops.fetched_at
                .as_deref()
                .map_or(String::new(), |at| format!(", {}", super::ops::day(at)))
        ),
        None => format!("casguard {} report", report.command),
    };
    let extra_style = if report.ops.is_some() { OPS_STYLE } else { "" };
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}{extra_style}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        escape(&title),
        escape(&title)
    );
    let mut meta = format!(
        "casguard {} · {} checked in {}",
        env!("CARGO_PKG_VERSION"),
        plural(summary.policies, "policy"),
        plural(summary.files, "file")
    );
    if let Some(drift) = &report.drift {
        let _ = write!(
            meta,
            " · live: {} ({} policies{})",
            drift.tenant.as_deref().unwrap_or("snapshot"),
            drift.live_count,
            drift
                .fetched_at
                .as_deref()
                .map_or(String::new(), |t| format!(", fetched {t}"))
        );
    }
    if let Some(ops) = &report.ops {
        let _ = write!(
            meta,
            " · tenant {} · state read {} · {}",
            ops.tenant.as_deref().unwrap_or("(snapshot)"),
            ops.fetched_at.as_deref().unwrap_or("at an unknown time"),
            ops.previous_at.as_deref().map_or_else(
                || "no previous run to compare with".to_string(),
                |at| format!("compared with the run of {at}")
            )
        );
    }
    let _ = writeln!(out, "<p class=\"meta\">{}</p>", escape(&meta));
}

/// Summary cards: findings by severity, suppressed, and drift counts.
fn cards(out: &mut String, report: &Report, summary: &Summary) {
    out.push_str("<div class=\"cards\">\n");
    card(out, "errors", summary.errors, "error");
    card(out, "warnings", summary.warnings, "warning");
    card(out, "notes", summary.notes, "note");
    card(out, "suppressed", summary.suppressed, "");
    if let Some(drift) = &report.drift {
        drift_cards(out, drift);
    }
    if let Some(ops) = &report.ops {
        card(out, "checks ok", ops.count(CheckStatus::Ok), "ok");
        card(
            out,
            "checks with findings",
            ops.count(CheckStatus::Findings),
            "warning",
        );
        card(
            out,
            "checks unavailable",
            ops.count(CheckStatus::Unavailable),
            "",
        );
        card(
            out,
            "checks in error",
            ops.count(CheckStatus::Error),
            "error",
        );
    }
    out.push_str("</div>\n");
}

/// `ops`: the status table, the Secure Score bars, a section per check with
/// something to show, the findings of other families, and the notes.
fn ops_sections(out: &mut String, report: &Report, ops: &OpsSection) {
    out.push_str(
        "<h2>Checks</h2>\n<table>\n<tr><th>Check</th><th>Status</th><th>Detail</th></tr>\n",
    );
    for result in &ops.checks {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(result.check.title()),
            badge(result),
            escape(result.detail.as_str())
        );
    }
    out.push_str("</table>\n");
    let scores = |c: &CheckResult| c.check == OpsCheck::SecureScore && !ops.secure_score.is_empty();
    let drift =
        |c: &CheckResult| c.check == OpsCheck::Drift && super::ops::has_drift_since(&ops.drift);
    // A check gets a section when it has findings or a table; its notes go there.
    let sectioned = |c: &CheckResult| {
        scores(c) || drift(c) || !super::ops::findings_of(report, c.check).is_empty()
    };
    for result in ops.checks.iter().filter(|c| sectioned(c)) {
        let findings = super::ops::findings_of(report, result.check);
        let _ = writeln!(
            out,
            "<section>\n<h2>{} {}</h2>\n<p class=\"meta\">{}</p>",
            escape(result.check.title()),
            badge(result),
            escape(result.detail.as_str())
        );
        if scores(result) {
            score_section(out, &ops.secure_score);
        }
        if drift(result) {
            ops_drift_table(out, &super::ops::drift_in_order(&ops.drift));
        }
        if !findings.is_empty() {
            finding_rows(out, report, &findings, false);
        }
        for note in &result.notes {
            let _ = writeln!(out, "<p class=\"meta\">Note: {}</p>", escape(note));
        }
        out.push_str("</section>\n");
    }
    let others: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| !super::ops::in_section(report, f))
        .collect();
    if !others.is_empty() {
        out.push_str("<h2>Other findings</h2>\n");
        finding_rows(out, report, &others, true);
    }
    // Notes of the checks without a section of their own, and of the run.
    let notes: Vec<String> = ops
        .checks
        .iter()
        .filter(|c| !sectioned(c))
        .flat_map(|c| {
            c.notes
                .iter()
                .map(move |n| format!("<li><b>{}</b>: {}</li>", escape(c.check.title()), escape(n)))
        })
        .chain(ops.notes.iter().map(|n| format!("<li>{}</li>", escape(n))))
        .collect();
    if !notes.is_empty() {
        let _ = writeln!(
            out,
            "<h2>Notes</h2>\n<ul class=\"meta\">\n{}\n</ul>",
            notes.join("\n")
        );
    }
}

/// A check's status as a badge: a glyph and the status in words, coloured
/// by the status (and, with findings, by the worst of them).
fn badge(result: &CheckResult) -> String {
    let (glyph, class) = match result.status {
        CheckStatus::Ok => ("✔", "b-ok"),
        CheckStatus::Findings => (
            "✖",
            match result.worst {
                Some(Severity::Error) => "b-error",
                Some(Severity::Warning) => "b-warning",
                _ => "b-note",
            },
        ),
        CheckStatus::Unavailable => ("–", "b-muted"),
        CheckStatus::Error => ("✖", "b-error"),
        CheckStatus::Skipped => ("·", "b-muted"),
    };
    format!(
        "<span class=\"badge {class}\">{glyph} {}</span>",
        escape(&super::ops::status_words(result))
    )
}

/// Secure Score per product: a bar of the share of its maximum (orange when
/// it dropped since the previous run), then the numbers.
fn score_section(out: &mut String, scores: &[ProductScore]) {
    use super::svg;
    let bars: Vec<svg::Bar<'_>> = scores
        .iter()
        .map(|s| {
            let share = if s.max_points > 0.0 {
                s.points / s.max_points
            } else {
                0.0
            };
            let dropped = s.previous_points.is_some_and(|p| p > s.points);
            svg::Bar {
                label: &s.product,
                value: share,
                value_label: format!("{:.0} %{}", share * 100.0, if dropped { " ▼" } else { "" }),
                colour: if dropped { svg::ALARM } else { svg::BAR },
            }
        })
        .collect();
    out.push_str(&svg::bars(
        "Secure Score per product, share of its maximum",
        &bars,
        Some(1.0),
    ));
    if scores
        .iter()
        .any(|s| s.previous_points.is_some_and(|p| p > s.points))
    {
        out.push_str(
            "<p class=\"meta\">▼ (and orange): fewer points than at the previous run.</p>\n",
        );
    }
    out.push_str("<table>\n<tr><th>Product</th><th>Points</th><th>Previous run</th><th>Controls at 0 %</th></tr>\n");
    for s in scores {
        let [product, points, previous, zero] = super::ops::score_cells(s).map(|c| escape(&c));
        let _ = writeln!(
            out,
            "<tr><td>{product}</td><td class=\"num\">{points}</td><td class=\"num\">{previous}</td><td>{zero}</td></tr>"
        );
    }
    out.push_str("</table>\n");
}

/// Drift since the last run: new, still (with its age) and fixed.
fn ops_drift_table(out: &mut String, drift: &[&DriftChange]) {
    out.push_str("<table>\n<tr><th>Since the last run</th><th>Policy</th><th>Drift</th><th>Drifting since</th></tr>\n");
    for change in drift {
        let class = match change.state.as_str() {
            "new" => "b-warning",
            "fixed" => "b-ok",
            _ => "b-muted",
        };
        let since = match (&change.since, change.age_days) {
            _ if change.state == "fixed" => String::new(),
            (Some(at), Some(days)) => format!("{at} ({})", super::ops::days(days)),
            (Some(at), None) => at.clone(),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "<tr><td><span class=\"badge {class}\">{}</span></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&change.state),
            escape(&change.policy),
            escape(super::ops::drift_kind(&change.kind)),
            escape(&since)
        );
    }
    out.push_str("</table>\n");
}

fn drift_cards(out: &mut String, drift: &DriftSection) {
    if !drift.compared {
        card(
            out,
            "invalid files: comparison skipped",
            drift.invalid_files,
            "error",
        );
        return;
    }
    card(out, "in sync", drift.in_sync, "ok");
    card(out, "missing", drift.count(DriftKind::Missing), "error");
    card(
        out,
        "unmanaged",
        drift.count(DriftKind::Unmanaged),
        "warning",
    );
    card(out, "changed", drift.count(DriftKind::Changed), "error");
}

/// Bar charts of findings by rule and by policy type (none without findings).
fn charts(out: &mut String, report: &Report) {
    if report.findings.is_empty() {
        return;
    }
    out.push_str("<h2>Findings by kind and policy type</h2>\n");
    let mut by_rule: BTreeMap<String, usize> = BTreeMap::new();
    for f in &report.findings {
        *by_rule.entry(report.rule_title(&f.rule)).or_default() += 1;
    }
    out.push_str(&bar_chart(&by_rule));
    let mut by_type: BTreeMap<String, usize> = BTreeMap::new();
    for f in &report.findings {
        *by_type
            .entry(policy_type_of(report, f).unwrap_or_else(|| "(none)".into()))
            .or_default() += 1;
    }
    out.push_str(&bar_chart(&by_type));
}

/// Every active finding, one table row each.
fn findings_table(out: &mut String, report: &Report) {
    out.push_str("<h2>Findings</h2>\n");
    if report.findings.is_empty() {
        out.push_str("<p class=\"ok\">No findings.</p>\n");
        return;
    }
    let all: Vec<&Finding> = report.findings.iter().collect();
    finding_rows(out, report, &all, true);
}

/// A table of findings, one row each; `located` adds the policy and
/// location columns (`ops` findings have neither).
fn finding_rows(out: &mut String, report: &Report, findings: &[&Finding], located: bool) {
    out.push_str(if located {
        "<table>\n<tr><th>Severity</th><th>Rule</th><th>Policy</th><th>Location</th><th>Message</th></tr>\n"
    } else {
        "<table>\n<tr><th>Severity</th><th>Rule</th><th>Message</th></tr>\n"
    });
    for f in findings {
        let location = f
            .location
            .as_ref()
            .map_or(String::new(), |l| format!("{}:{}", l.file, l.line));
        let columns = if located {
            format!(
                "<td>{}</td><td><code>{}</code></td>",
                escape(f.policy.as_deref().unwrap_or("")),
                escape(&location)
            )
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "<tr><td class=\"{sev}\">{sev}</td><td>{}</td>{columns}<td>{}{}</td></tr>",
            escape(&report.rule_title(&f.rule)),
            escape(&f.message),
            f.help.as_deref().map_or(String::new(), |h| format!(
                "<br><small>{}</small>",
                escape(h)
            )),
            sev = f.severity.as_str()
        );
    }
    out.push_str("</table>\n");
}

/// `review`: dates and review status, one row per policy.
fn review_table(out: &mut String, review: &ReviewSection) {
    out.push_str("<h2>Review status</h2>\n<table>\n<tr><th>Status</th><th>Next review</th><th>File last changed</th><th>Live last changed</th><th>Last reviewed</th><th>Policy</th></tr>\n");
    for row in &review.rows {
        review_row(out, row);
    }
    out.push_str("</table>\n");
}

fn review_row(out: &mut String, row: &ReviewEntry) {
    let class = match row.status {
        ReviewStatus::Overdue => "error",
        ReviewStatus::DueSoon => "warning",
        ReviewStatus::Ok => "ok",
    };
    let desired = row
        .desired_last_change
        .as_ref()
        .map_or(String::new(), |c| format!("{} ({})", c.date, c.author));
    let live = row
        .live_last_change
        .as_ref()
        .map_or(String::new(), |l| format!("{} ({})", l.date, l.source));
    let _ = writeln!(
        out,
        "<tr><td class=\"{class}\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        row.status.as_str(),
        escape(row.next_review_due.as_deref().unwrap_or("now")),
        escape(&desired),
        escape(&live),
        escape(row.last_reviewed.as_deref().unwrap_or("never")),
        escape(&row.policy)
    );
}

/// `drift`: one section per changed policy, with where each side last
/// changed, a table of its field changes and the diff.
fn drift_section(out: &mut String, entry: &DriftEntry) {
    let _ = writeln!(
        out,
        "<section>\n<h2>Drift in {}</h2>\n<p class=\"meta\">{} · file <code>{}</code> (last changed {}) · live id <code>{}</code> (last changed {})</p>",
        escape(&entry.policy),
        escape(&entry.policy_type),
        escape(entry.file.as_deref().unwrap_or("")),
        escape(&entry.desired_last_change.as_ref().map_or("unknown".to_string(), |c| format!("{} by {}", c.date, c.author))),
        escape(entry.live_id.as_deref().unwrap_or("")),
        escape(&entry.live_last_change.as_ref().map_or("unknown".to_string(), |l| format!("{}, {}", l.date, l.source)))
    );
    out.push_str("<table>\n<tr><th>Field</th><th>File</th><th>Live</th></tr>\n");
    for change in &entry.changes {
        let _ = writeln!(
            out,
            "<tr><td><code>{}</code></td><td><code>{}</code></td><td><code>{}</code></td></tr>",
            escape(&change.path),
            escape(&crate::textutil::short(&change.desired)),
            escape(&crate::textutil::short(&change.live))
        );
    }
    out.push_str("</table>\n");
    if let Some(diff) = &entry.diff {
        diff_block(out, diff);
    }
    out.push_str("</section>\n");
}

/// A unified diff in a `<pre>`, added, removed and hunk lines classed for colour.
fn diff_block(out: &mut String, diff: &str) {
    out.push_str("<pre>");
    for line in diff.lines() {
        let class = match line.chars().next() {
            Some('+') if !line.starts_with("+++") => "add",
            Some('-') if !line.starts_with("---") => "del",
            Some('@') => "hunk",
            _ => "",
        };
        let _ = writeln!(out, "<span class=\"{class}\">{}</span>", escape(line));
    }
    out.push_str("</pre>\n");
}

/// Suppressed findings with their accountability data (none when empty).
fn suppressed_table(out: &mut String, report: &Report) {
    if report.suppressed.is_empty() {
        return;
    }
    out.push_str("<h2>Suppressed findings</h2>\n<table>\n<tr><th>Rule</th><th>Policy</th><th>Reason</th><th>Expires</th><th>Owner</th><th>Ticket</th></tr>\n");
    for s in &report.suppressed {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&s.finding.rule),
            escape(s.finding.policy.as_deref().unwrap_or("")),
            escape(&s.reason),
            escape(&s.expires),
            escape(s.owner.as_deref().unwrap_or("")),
            escape(s.ticket.as_deref().unwrap_or(""))
        );
    }
    out.push_str("</table>\n");
}

/// `alerts`: the daily chart by severity, per-policy volume and FP ratio
/// bars, and the scorecard with a sparkline per policy.
fn alerts_sections(out: &mut String, alerts: &crate::model::AlertsSection) {
    use super::svg;
    let _ = writeln!(
        out,
        "<h2>Alerts {} to {}</h2>\n<p class=\"meta\">{} alerts in the window, {} archived.</p>",
        escape(&alerts.from),
        escape(&alerts.to),
        alerts.alerts_in_window,
        alerts.alerts_archived
    );
    let days: Vec<(String, [u64; 4])> = alerts
        .daily
        .iter()
        .map(|d| (d.date.clone(), d.by_severity))
        .collect();
    out.push_str(&svg::stacked_daily("Alerts per day by severity", &days));
    let volume: Vec<svg::Bar<'_>> = alerts
        .scorecard
        .iter()
        .filter(|r| r.alerts > 0)
        .map(|r| svg::Bar {
            label: &r.policy,
            value: r.alerts as f64,
            value_label: r.alerts.to_string(),
            colour: svg::BAR,
        })
        .collect();
    if !volume.is_empty() {
        out.push_str("<h3>Alerts per policy</h3>\n");
        out.push_str(&svg::bars("Alerts per policy", &volume, None));
    }
    let threshold = alerts.thresholds.as_ref().map_or(0.5, |t| t.fp_tune);
    let ratios: Vec<svg::Bar<'_>> = alerts
        .scorecard
        .iter()
        .filter_map(|r| {
            r.fp_ratio.map(|ratio| svg::Bar {
                label: &r.policy,
                value: ratio,
                value_label: format!("{:.0}%", ratio * 100.0),
                colour: if ratio > threshold {
                    svg::ALARM
                } else {
                    svg::BAR
                },
            })
        })
        .collect();
    if !ratios.is_empty() {
        out.push_str("<h3>False-positive ratio</h3>\n");
        out.push_str(&svg::bars(
            "False-positive ratio per policy",
            &ratios,
            Some(1.0),
        ));
    }
    scorecard_table(out, alerts);
}

fn scorecard_table(out: &mut String, alerts: &crate::model::AlertsSection) {
    out.push_str("<h3>Scorecard</h3>\n<table><tr><th>Verdict</th><th>Policy</th><th>Alerts</th><th>Open</th><th>Unread</th><th>TP</th><th>FP</th><th>Benign</th><th>FP ratio</th><th>TTR p50</th><th>Per day</th><th>Reasons</th></tr>\n");
    for row in &alerts.scorecard {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            row.verdict.as_str(),
            escape(&row.policy),
            row.alerts,
            row.open,
            row.unread,
            row.true_positive,
            row.false_positive,
            row.benign,
            row.fp_ratio.map_or("n/a".to_string(), |r| format!("{:.0}%", r * 100.0)),
            row.ttr_p50_hours.map_or("-".to_string(), |h| format!("{h:.1} h")),
            super::svg::sparkline(&row.daily),
            escape(&row.reasons.join("; "))
        );
    }
    out.push_str("</table>\n");
    for spike in &alerts.spikes {
        let _ = writeln!(
            out,
            "<p>{} on {}: <b>{}</b> alerts for {} (baseline {:.1}).</p>",
            if spike.kind == crate::model::SpikeKind::Spike {
                "Spike"
            } else {
                "Drop to zero"
            },
            escape(&spike.date),
            spike.count,
            escape(&spike.policy),
            spike.baseline
        );
    }
    for note in &alerts.notes {
        let _ = writeln!(out, "<p class=\"meta\">Note: {}</p>", escape(note));
    }
}

fn card(out: &mut String, label: &str, count: usize, class: &str) {
    let class = if count == 0 && class != "ok" {
        ""
    } else {
        class
    };
    let _ = writeln!(
        out,
        "<div class=\"card\"><b class=\"{class}\">{count}</b>{label}</div>"
    );
}

/// The policy type of the policy a finding is about, when known.
fn policy_type_of(report: &Report, finding: &crate::model::Finding) -> Option<String> {
    let name = finding.policy.as_deref()?;
    if let Some(drift) = &report.drift {
        if let Some(entry) = drift.entries.iter().find(|e| e.policy == name) {
            return Some(entry.policy_type.clone());
        }
    }
    let file = finding.location.as_ref()?.file.as_str();
    let source = report.sources.get(file)?;
    source.text.lines().find_map(|line| {
        let rest = line
            .trim()
            .strip_prefix("type")?
            .trim_start()
            .strip_prefix('=')?;
        Some(rest.trim().trim_matches('"').to_ascii_uppercase())
    })
}

/// A horizontal bar chart as inline SVG.
fn bar_chart(data: &BTreeMap<String, usize>) -> String {
    let max = data.values().copied().max().unwrap_or(1).max(1) as f64;
    let row = 22;
    let label_width = 360;
    let bar_width = 300.0;
    let height = data.len() * row + 4;
    let mut svg = format!(
        "<svg role=\"img\" width=\"{}\" height=\"{height}\" viewBox=\"0 0 {} {height}\" xmlns=\"http://www.w3.org/2000/svg\">\n",
        label_width + 360,
        label_width + 360
    );
    for (i, (label, count)) in data.iter().enumerate() {
        let y = i * row + 2;
        let width = (*count as f64 / max * bar_width).max(2.0);
        let _ = writeln!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text><rect x=\"{}\" y=\"{}\" width=\"{width:.0}\" height=\"16\" fill=\"#0969da\" rx=\"2\"/><text x=\"{:.0}\" y=\"{}\">{count}</text>",
            label_width - 8,
            y + 13,
            escape(label),
            label_width,
            y,
            label_width as f64 + width + 6.0,
            y + 13
        );
    }
    svg.push_str("</svg>\n");
    svg
}

/// Escapes text for HTML content and attribute values.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_markup() {
        assert_eq!(
            super::escape("<b a=\"1\">&'"),
            "&lt;b a=&quot;1&quot;&gt;&amp;&#39;"
        );
    }
}
