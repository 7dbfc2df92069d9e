//! The monthly report as GitHub-flavoured Markdown (`casguard report monthly
//! --format markdown`), fit for a wiki page or an email: the same numbered
//! sections as the HTML page, tables for every list, a text sparkline
//! (▁▂▃▄▅▆▇█) per headline figure, patches in fenced `diff` blocks after the
//! recommendations table, and the author's threat notes with their headings
//! moved under the section's and raw HTML escaped.
//!
//! The words, figures and tables it shares with the HTML page come from
//! monthly_text.rs; this file lays them out as Markdown and escapes them.

use std::fmt::Write;

use super::markdown::{cell, text};

use super::monthly_text::{
    self, delta, drift_summary, format_value, glance, health_summary, humanize, last_changes,
    missing_in, month_name, month_totals, outline, provenance, recommendations_summary,
    severity_order, share, thousands, verdict_glyph, Cell, Part, Span, Table, NOTHING_COMPARED,
};
use super::plural;
use crate::model::{CheckStatus, Count, Kpi, MonthlyReport};

pub fn render(report: &MonthlyReport) -> String {
    let mut out = String::new();
    header(&mut out, report);
    for (n, (part, title)) in outline(report).into_iter().enumerate() {
        let _ = writeln!(out, "## {}. {title}\n", n + 1);
        for note in missing_in(report, part) {
            let _ = writeln!(out, "> ⚠️ **Not covered:** {}\n", text(note));
        }
        section(&mut out, report, part);
    }
    // One trailing newline.
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

/// Title, period, tenant, the summary paragraph and what could not be
/// covered.
fn header(out: &mut String, report: &MonthlyReport) {
    let _ = writeln!(
        out,
        "# Defender for Cloud Apps: monthly report, {}\n",
        text(&month_name(&report.month))
    );
    let _ = writeln!(
        out,
        "Tenant **{}** · {} to {} (UTC) · compared with {} · generated {} by casguard {}\n",
        text(report.tenant.as_deref().unwrap_or("not named")),
        text(&report.from),
        text(&report.to),
        text(&month_name(&report.previous_month)),
        text(&report.appendix.generated_at),
        text(&report.appendix.casguard_version)
    );
    let _ = writeln!(
        out,
        "**At a glance.** {}\n",
        text(&glance(report).join(" "))
    );
    if !report.missing.is_empty() {
        out.push_str("> ⚠️ **What this report could not cover**\n>\n");
        for note in &report.missing {
            let _ = writeln!(out, "> - {}", text(note));
        }
        out.push('\n');
    }
}

fn section(out: &mut String, report: &MonthlyReport, part: Part) {
    match part {
        Part::Kpis => kpis(out, report),
        Part::Incidents => incidents(out, report),
        Part::Trends => trends(out, report),
        Part::Health => health(out, report),
        Part::Recommendations => recommendations(out, report),
        Part::Configuration => configuration(out, report),
        Part::Platform => platform(out, report),
        Part::Threats => threats(out, report),
        Part::Appendix => appendix(out, report),
    }
}

fn kpis(out: &mut String, report: &MonthlyReport) {
    if report.kpis.is_empty() {
        out.push_str("_No headline figures._\n\n");
        return;
    }
    let _ = writeln!(
        out,
        "| KPI | {} | {} | Change | Last 6 months |\n|---|---:|---:|---|---|",
        text(&month_name(&report.month)),
        text(&month_name(&report.previous_month))
    );
    for kpi in &report.kpis {
        let change = match (kpi.value, delta(kpi)) {
            (None, _) => "-".to_string(),
            (Some(_), None) if kpi.series.len() <= 1 => "this month only".to_string(),
            (Some(_), None) => "no comparison".to_string(),
            (Some(_), Some(d)) => format!(
                "{} {}{}",
                d.arrow,
                d.text,
                match d.better {
                    Some(true) => ", better",
                    Some(false) => ", worse",
                    None => "",
                }
            ),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            cell(&kpi.label),
            kpi.value
                .map_or("no data".to_string(), |v| format_value(v, &kpi.unit)),
            kpi.previous
                .map_or("no data".to_string(), |v| format_value(v, &kpi.unit)),
            cell(&change),
            cell(&series_text(kpi))
        );
    }
    out.push_str(
        "\n▲ up, ▼ down, = unchanged; better or worse where a direction is good or bad. Changes of percentages are in percentage points (pp).\n",
    );
    let notes: Vec<String> = report
        .kpis
        .iter()
        .filter_map(|k| {
            k.note
                .as_ref()
                .map(|n| format!("- **{}**: {}", text(&k.label), text(n)))
        })
        .collect();
    if !notes.is_empty() {
        let _ = writeln!(out, "\n{}", notes.join("\n"));
    }
    out.push('\n');
}

/// "2026-05 ▁▂▅▄▅█ 2026-10", a `·` for a month without a value; from zero.
fn series_text(kpi: &Kpi) -> String {
    const LEVELS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let known = kpi.series.iter().filter(|(_, v)| v.is_some()).count();
    if kpi.series.len() < 2 || known < 2 {
        return "no history".into();
    }
    let max = kpi
        .series
        .iter()
        .filter_map(|(_, v)| *v)
        .fold(0.0_f64, f64::max);
    let line: String = kpi
        .series
        .iter()
        .map(|(_, v)| match v {
            None => '·',
            Some(_) if max <= 0.0 => LEVELS[0],
            Some(v) => LEVELS[((v.max(0.0) / max * 7.0).round() as usize).min(7)],
        })
        .collect();
    format!(
        "{} {line} {}",
        kpi.series[0].0,
        kpi.series[kpi.series.len() - 1].0
    )
}

fn incidents(out: &mut String, report: &MonthlyReport) {
    let types = &report.incident_types;
    if types.by_category.is_empty()
        && types.by_severity.is_empty()
        && types.by_app.is_empty()
        && types.by_policy_type.is_empty()
    {
        out.push_str("_No alerts to break down this month._\n\n");
        return;
    }
    let total: u64 = types.by_category.iter().map(|c| c.count).sum();
    let _ = writeln!(
        out,
        "The month's {} by four breakdowns; each alert counts once in each.\n",
        plural(total as usize, "alert")
    );
    let tables: [(&str, Vec<&Count>); 4] = [
        ("Category", types.by_category.iter().collect()),
        ("Severity", severity_order(&types.by_severity)),
        ("App", types.by_app.iter().collect()),
        ("Policy type", types.by_policy_type.iter().collect()),
    ];
    for (heading, counts) in tables {
        count_table(out, heading, &counts);
    }
}

fn count_table(out: &mut String, heading: &str, counts: &[&Count]) {
    if counts.is_empty() {
        let _ = writeln!(out, "_No data by {}._\n", heading.to_lowercase());
        return;
    }
    let total: u64 = counts.iter().map(|c| c.count).sum();
    let _ = writeln!(out, "| {heading} | Alerts | Share |\n|---|---:|---:|");
    for c in counts {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            cell(&humanize(&c.label)),
            thousands(c.count),
            share(c.count, total)
        );
    }
    out.push('\n');
}

fn trends(out: &mut String, report: &MonthlyReport) {
    daily_line(out, report);
    out.push_str("### Spikes and drops\n\n");
    table(out, &monthly_text::spikes(report));
    let _ = writeln!(
        out,
        "### Per policy, against {}\n",
        text(&month_name(&report.previous_month))
    );
    table(out, &monthly_text::policy_trends(report));
    out.push_str("### How the month's alerts stand\n\n");
    let mix: Vec<&Count> = report.trends.resolution_mix.iter().collect();
    if mix.is_empty() {
        out.push_str("_No alerts._\n\n");
    } else {
        count_table(out, "Resolution today", &mix);
    }
    out.push_str("### Governance actions\n\n");
    table(out, &monthly_text::governance(report));
}

/// Alerts per day as a line of blocks, with the month's totals.
fn daily_line(out: &mut String, report: &MonthlyReport) {
    let daily = &report.trends.daily;
    out.push_str("### Alerts per day\n\n");
    if daily.is_empty() {
        out.push_str("_No daily counts._\n\n");
        return;
    }
    let totals: Vec<u32> = daily
        .iter()
        .map(|d| d.by_severity.iter().sum::<u64>().min(u32::MAX as u64) as u32)
        .collect();
    let _ = writeln!(
        out,
        "`{} {} {}` (all severities, from zero)\n\nMonth totals: {}. Every day's counts by severity are in the appendix.\n",
        daily[0].date,
        super::svg::blocks(&totals),
        daily[daily.len() - 1].date,
        month_totals(daily)
    );
}

fn health(out: &mut String, report: &MonthlyReport) {
    if !report.policy_health.is_empty() {
        let _ = writeln!(out, "{}\n", health_summary(&report.policy_health));
    }
    table(out, &monthly_text::health(report));
}

fn recommendations(out: &mut String, report: &MonthlyReport) {
    let recs = &report.recommendations;
    if !recs.is_empty() {
        let _ = writeln!(
            out,
            "{}\n",
            recommendations_summary(recs, "after the table")
        );
    }
    table(out, &monthly_text::recommendations(report));
    for rec in recs {
        let Some(patch) = rec.patch.as_deref() else {
            continue;
        };
        let fence = fence_for(patch);
        let _ = writeln!(
            out,
            "Patch for **{}**{}:\n\n{fence}diff\n{}{}{fence}\n",
            text(&rec.policy),
            rec.file
                .as_deref()
                .map_or(String::new(), |f| format!(" (`{}`)", text(f))),
            patch,
            if patch.ends_with('\n') { "" } else { "\n" }
        );
    }
}

/// A code fence longer than any run of backticks in `body`.
fn fence_for(body: &str) -> String {
    let longest = body.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

fn configuration(out: &mut String, report: &MonthlyReport) {
    let config = &report.configuration;
    out.push_str("### Changes this month\n\n");
    table(out, &monthly_text::commits(config));
    for (what, time) in last_changes(config) {
        let _ = writeln!(out, "- {what}: {}", text(time));
    }
    out.push('\n');
    out.push_str("### Drift now\n\n");
    match drift_summary(config) {
        Some(summary) => {
            let _ = writeln!(out, "{summary}\n");
        }
        None => {
            let _ = writeln!(out, "_{NOTHING_COMPARED}_\n");
        }
    }
    table(out, &monthly_text::drift(config));
    out.push_str("### Overdue reviews\n\n");
    table(out, &monthly_text::overdue_reviews(config));
    out.push_str("### Where alerts are sent\n\n");
    table(out, &monthly_text::recipients(config));
}

fn platform(out: &mut String, report: &MonthlyReport) {
    let p = &report.platform;
    let _ = writeln!(
        out,
        "{}\n",
        p.fetched_at.as_deref().map_or_else(
            || "No ops run to report on.".to_string(),
            |at| format!(
                "From the last `casguard ops` run, which read the tenant at {}.",
                text(at)
            )
        )
    );
    out.push_str("### Operations checks\n\n");
    table(out, &monthly_text::checks(p));
    out.push_str("### Secure Score per product\n\n");
    table(out, &monthly_text::secure_scores(p, true));
    out.push_str("### Message-center posts that need action\n\n");
    if p.actions.is_empty() {
        out.push_str("_None._\n\n");
    } else {
        for a in &p.actions {
            let _ = writeln!(out, "- {}", text(a));
        }
        out.push('\n');
    }
    out.push_str("### Open system alerts\n\n");
    table(out, &monthly_text::system_alerts(p));
}

fn threats(out: &mut String, report: &MonthlyReport) {
    if let Some(notes) = &report.threat_notes {
        out.push_str("_Written by the report's author; links lead outside this report._\n\n");
        out.push_str(&notes_markdown(notes));
        out.push_str("\n\n");
    }
}

/// The author's Markdown under the section: headings two levels down, raw
/// HTML escaped outside code, links to anything but http(s) defused.
fn notes_markdown(notes: &str) -> String {
    let mut lines = Vec::new();
    let mut in_fence = false;
    for line in notes.trim_end().lines() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            lines.push(line.to_string());
            continue;
        }
        if in_fence {
            lines.push(line.to_string());
            continue;
        }
        let level = line.chars().take_while(|c| *c == '#').count();
        let line = if (1..=6).contains(&level) && line[level..].starts_with(' ') {
            format!("{}{}", "#".repeat((level + 2).min(6)), &line[level..])
        } else {
            line.to_string()
        };
        lines.push(defuse(&line));
    }
    lines.join("\n")
}

/// Escapes `<` outside code spans and breaks `[text](target)` links whose
/// target is not http(s).
fn defuse(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut in_code = false;
    let mut rest = line;
    while let Some(c) = rest.chars().next() {
        if c == '`' {
            in_code = !in_code;
        } else if !in_code && c == '<' {
            out.push_str("&lt;");
            rest = &rest[1..];
            continue;
        } else if !in_code && rest.starts_with("](") {
            let target = rest[2..].to_ascii_lowercase();
            if !(target.starts_with("https://") || target.starts_with("http://")) {
                out.push_str("\\](");
                rest = &rest[2..];
                continue;
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

fn appendix(out: &mut String, report: &MonthlyReport) {
    out.push_str("### Provenance\n\n");
    for (what, value) in provenance(report) {
        let _ = writeln!(out, "- {what}: {}", text(&value));
    }
    out.push('\n');
    out.push_str("### Data and its freshness\n\n");
    table(out, &monthly_text::sources(report));
    let method = &report.appendix.method;
    if !method.is_empty() {
        out.push_str("### Method\n\n");
        for m in method {
            let _ = writeln!(out, "- {}", text(m));
        }
        out.push('\n');
    }
    let thresholds = monthly_text::thresholds(report);
    if !thresholds.rows.is_empty() {
        out.push_str("### Thresholds\n\n");
        table(out, &thresholds);
    }
    let daily = monthly_text::daily(report);
    if !daily.rows.is_empty() {
        out.push_str("### Alerts per day\n\n");
        table(out, &daily);
    }
}

// ------------------------------------------------------------------ tables

/// A pipe table with its legend under it, or what to say when it has no
/// rows.
fn table(out: &mut String, table: &Table) {
    if table.rows.is_empty() {
        if let Some(empty) = table.empty {
            let _ = writeln!(out, "_{empty}_\n");
        }
        return;
    }
    let headings: Vec<&str> = table.columns.iter().map(|c| c.heading).collect();
    let align: Vec<&str> = table
        .columns
        .iter()
        .map(|c| if c.numeric { "---:" } else { "---" })
        .collect();
    let _ = writeln!(out, "| {} |\n|{}|", headings.join(" | "), align.join("|"));
    for row in &table.rows {
        let cells: Vec<String> = row.iter().map(cell_markdown).collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
    out.push('\n');
    if let Some(legend) = table.legend {
        let _ = writeln!(out, "{legend}\n");
    }
}

fn cell_markdown(cell: &Cell) -> String {
    cell.iter().map(span_markdown).collect()
}

fn span_markdown(span: &Span) -> String {
    match span {
        Span::Text(text)
        | Span::Prose(text)
        | Span::Time(text)
        | Span::Paths(text)
        | Span::Name(text) => cell(text),
        Span::Code(text) | Span::Path(text) | Span::Hash(text) => format!("`{}`", cell(text)),
        Span::Break => ", ".into(),
        Span::Under(span) => format!(" ({})", span_markdown(span)),
        Span::Note(text) => format!(" (note: {})", cell(text)),
        Span::Warning(text) => format!("⚠️ {}", cell(text)),
        Span::Flag { badge, meaning } => format!("⚠️ {badge}, {meaning}"),
        Span::Verdict(kind) => format!("{} {}", verdict_glyph(kind), cell(kind)),
        Span::Check { status, words, .. } => format!("{} {}", check_icon(*status), cell(words)),
    }
}

/// A check's status as an emoji.
fn check_icon(status: CheckStatus) -> &'static str {
    match status {
        CheckStatus::Ok => "✅",
        CheckStatus::Findings => "⚠️",
        CheckStatus::Unavailable => "➖",
        CheckStatus::Error => "⛔",
        CheckStatus::Skipped => "⏭️",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_are_defused() {
        let md = notes_markdown(
            "# Top\n<b>x</b> `<ok>` [a](https://e.example) [b](javascript:x)\n```\n<raw>\n```",
        );
        assert_eq!(
            md,
            "### Top\n&lt;b>x&lt;/b> `<ok>` [a](https://e.example) [b\\](javascript:x)\n```\n<raw>\n```"
        );
        assert_eq!(fence_for("a ``` b"), "````");
        assert_eq!(fence_for("plain"), "```");
    }
}
