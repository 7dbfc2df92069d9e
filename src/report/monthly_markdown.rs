//! The monthly report as GitHub-flavoured Markdown (`casguard report monthly
//! --format markdown`), fit for a wiki page or an email: the same numbered
//! sections as the HTML page, tables for every list, a text sparkline
//! (▁▂▃▄▅▆▇█) per headline figure, patches in fenced `diff` blocks after the
//! recommendations table, and the author's threat notes with their headings
//! moved under the section's and raw HTML escaped.

use std::fmt::Write;

use super::monthly_html::{
    closed_cell, delta, direction, format_value, glance, humanize, list_or_dash, missing_in,
    month_name, open_cell, outline, policy_place, score_change, severity_name, severity_order,
    share, short_id, thousands, trend_change, ttr_cell, verdict_counts, Part, VERDICT_LEGEND,
};
use super::plural;
use crate::model::{CheckStatus, Count, Kpi, MonthlyReport, SpikeKind};

pub fn render(report: &MonthlyReport) -> String {
    let mut out = String::new();
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
    for (n, (part, title)) in outline(report).into_iter().enumerate() {
        let _ = writeln!(out, "## {}. {title}\n", n + 1);
        for note in missing_in(report, part) {
            let _ = writeln!(out, "> ⚠️ **Not covered:** {}\n", text(note));
        }
        match part {
            Part::Kpis => kpis(&mut out, report),
            Part::Incidents => incidents(&mut out, report),
            Part::Trends => trends(&mut out, report),
            Part::Health => health(&mut out, report),
            Part::Recommendations => recommendations(&mut out, report),
            Part::Configuration => configuration(&mut out, report),
            Part::Platform => platform(&mut out, report),
            Part::Threats => threats(&mut out, report),
            Part::Appendix => appendix(&mut out, report),
        }
    }
    // One trailing newline.
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
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
    let trends = &report.trends;
    out.push_str("### Alerts per day\n\n");
    if trends.daily.is_empty() {
        out.push_str("_No daily counts._\n\n");
    } else {
        let totals: Vec<u32> = trends
            .daily
            .iter()
            .map(|d| d.by_severity.iter().sum::<u64>().min(u32::MAX as u64) as u32)
            .collect();
        let mut by_severity = [0u64; 4];
        for d in &trends.daily {
            for (t, c) in by_severity.iter_mut().zip(d.by_severity) {
                *t += c;
            }
        }
        let busiest = trends.daily.iter().max_by_key(|d| {
            (
                d.by_severity.iter().sum::<u64>(),
                std::cmp::Reverse(&d.date),
            )
        });
        let _ = writeln!(
            out,
            "`{} {} {}` (all severities, from zero)\n\nMonth totals: {}{}. Every day's counts by severity are in the appendix.\n",
            trends.daily[0].date,
            super::svg::blocks(&totals),
            trends.daily[trends.daily.len() - 1].date,
            [2usize, 1, 0, 3]
                .iter()
                .map(|&s| format!("{} {}", super::svg::SEVERITY_NAMES[s], thousands(by_severity[s])))
                .collect::<Vec<_>>()
                .join(" · "),
            busiest.map_or(String::new(), |d| format!(
                "; busiest day {} ({})",
                d.date,
                plural(d.by_severity.iter().sum::<u64>() as usize, "alert")
            ))
        );
    }

    out.push_str("### Spikes and drops\n\n");
    if trends.spikes.is_empty() {
        out.push_str("_No policy spiked or fell silent this month._\n\n");
    } else {
        out.push_str(
            "| Date | Policy | What | Alerts that day | Usual per day |\n|---|---|---|---:|---:|\n",
        );
        for s in &trends.spikes {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {:.1} |",
                cell(&s.date),
                cell(&s.policy),
                match s.kind {
                    SpikeKind::Spike => "▲ spike",
                    SpikeKind::Drop => "▼ drop to zero",
                },
                thousands(s.count),
                s.baseline
            );
        }
        out.push('\n');
    }

    let _ = writeln!(
        out,
        "### Per policy, against {}\n",
        text(&month_name(&report.previous_month))
    );
    if trends.policies.is_empty() {
        out.push_str("_No policy raised alerts in either month._\n\n");
    } else {
        out.push_str("| Policy | Previous | This month | Change | Per week (slope) | Trend |\n|---|---:|---:|---:|---:|---|\n");
        for t in &trends.policies {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                cell(&t.policy),
                thousands(t.previous),
                thousands(t.current),
                trend_change(t.delta, t.percent),
                t.slope_per_week.map_or("n/a".to_string(), |s| format!(
                    "{}{s:.1}",
                    if s > 0.0 { "+" } else { "" }
                )),
                direction(t.direction)
            );
        }
        out.push_str("\nChange in % only from 5 alerts in the previous month; the slope is the Theil-Sen slope of weekly totals.\n\n");
    }

    out.push_str("### How the month's alerts stand\n\n");
    let mix: Vec<&Count> = trends.resolution_mix.iter().collect();
    if mix.is_empty() {
        out.push_str("_No alerts._\n\n");
    } else {
        count_table(out, "Resolution today", &mix);
    }

    out.push_str("### Governance actions\n\n");
    if trends.governance.is_empty() {
        out.push_str("_No governance actions recorded for the month._\n\n");
    } else {
        out.push_str("| Action | Total | Succeeded | Failed | Pending | Success rate |\n|---|---:|---:|---:|---:|---:|\n");
        for g in &trends.governance {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                cell(&g.task),
                thousands(g.total),
                thousands(g.succeeded),
                thousands(g.failed),
                thousands(g.pending),
                share(g.succeeded, g.total)
            );
        }
        out.push_str("\nSuccess rate: succeeded of all actions of the task, pending included.\n\n");
    }
}

fn verdict_icon(kind: &str) -> String {
    let glyph = match kind {
        "fix" => "✖",
        "tune" => "◆",
        "retire" => "○",
        "unworked" => "!",
        "keep" => "✔",
        _ => "•",
    };
    format!("{glyph} {}", cell(kind))
}

fn health(out: &mut String, report: &MonthlyReport) {
    let rows = &report.policy_health;
    if rows.is_empty() {
        out.push_str("_No policy to assess._\n\n");
        return;
    }
    let _ = writeln!(
        out,
        "{}: {}.\n",
        plural(rows.len(), "policy"),
        verdict_counts(rows)
    );
    out.push_str("| Verdict | Policy | Alerts | Open | Closed as TP / FP / benign | FP ratio | Time to resolve p50 / p90 | Why |\n|---|---|---:|---|---|---:|---|---|\n");
    for row in rows {
        let _ = writeln!(
            out,
            "| {} | {} ({}) | {} | {} | {} | {} | {} | {} |",
            verdict_icon(row.verdict.as_str()),
            cell(&row.policy),
            cell(&policy_place(row)),
            thousands(row.alerts),
            cell(&open_cell(row)),
            cell(&closed_cell(row)),
            row.fp_ratio
                .map_or("n/a".to_string(), |r| format!("{:.0} %", r * 100.0)),
            cell(&ttr_cell(row)),
            cell(&row.reasons.join("; "))
        );
    }
    let _ = writeln!(out, "\n{VERDICT_LEGEND}\n");
}

fn recommendations(out: &mut String, report: &MonthlyReport) {
    let recs = &report.recommendations;
    if recs.is_empty() {
        out.push_str("_No change to recommend._\n\n");
        return;
    }
    let patches: Vec<_> = recs.iter().filter(|r| r.patch.is_some()).collect();
    let _ = writeln!(
        out,
        "{}, {} with a patch to apply with `git apply` (after the table).\n",
        plural(recs.len(), "recommendation"),
        patches.len()
    );
    out.push_str("| Policy | Kind | Evidence | Change | Who is affected | Expected alerts |\n|---|---|---|---|---|---|\n");
    for rec in recs {
        let _ = writeln!(
            out,
            "| {}{} | {} | {} | {} | {} | {} |",
            cell(&rec.policy),
            rec.file
                .as_deref()
                .map_or(String::new(), |f| format!(" (`{}`)", cell(f))),
            verdict_icon(&rec.kind),
            cell(&rec.evidence),
            cell(&rec.change),
            cell(&rec.affected),
            cell(rec.expected_alerts.as_deref().unwrap_or("not estimated"))
        );
    }
    out.push('\n');
    for rec in patches {
        let patch = rec.patch.as_deref().unwrap_or_default();
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
    if config.commits.is_empty() {
        out.push_str("_No commit changed a policy file this month._\n\n");
    } else {
        out.push_str("| Date | Author | Change | Files |\n|---|---|---|---|\n");
        for c in &config.commits {
            let _ = writeln!(
                out,
                "| {} | {} | {} (`{}`) | {} |",
                cell(&c.date),
                cell(&c.author),
                cell(&c.summary),
                cell(short_id(&c.id)),
                c.files
                    .iter()
                    .map(|f| format!("`{}`", cell(f)))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "- Policy files last changed: {}\n- Tenant last changed: {}\n",
        text(config.last_change_desired.as_deref().unwrap_or("unknown")),
        text(config.last_change_live.as_deref().unwrap_or("unknown"))
    );

    out.push_str("### Drift now\n\n");
    let oob = config.drift.iter().filter(|d| d.out_of_band).count();
    if config.in_sync == 0 && config.drift.is_empty() {
        out.push_str("_No policy was compared with the tenant._\n\n");
    } else {
        let _ = writeln!(
            out,
            "{} in sync, {} drifting{}.\n",
            plural(config.in_sync, "policy"),
            config.drift.len(),
            if oob > 0 {
                format!(" ({oob} edited in the tenant after the file's last commit)")
            } else {
                String::new()
            }
        );
    }
    if !config.drift.is_empty() {
        out.push_str("| Policy | Drift | Fields | Out of band |\n|---|---|---|---|\n");
        for d in &config.drift {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                cell(&d.policy),
                cell(super::ops::drift_kind(&d.kind)),
                if d.fields.is_empty() {
                    "-".to_string()
                } else {
                    d.fields
                        .iter()
                        .map(|f| format!("`{}`", cell(f)))
                        .collect::<Vec<_>>()
                        .join(", ")
                },
                if d.out_of_band {
                    "⚠️ yes, edited after the last commit"
                } else {
                    "no"
                }
            );
        }
        out.push('\n');
    }

    out.push_str("### Overdue reviews\n\n");
    if config.overdue.is_empty() {
        out.push_str("_No review is overdue._\n\n");
    } else {
        out.push_str("| Policy | File | Due |\n|---|---|---|\n");
        for o in &config.overdue {
            let _ = writeln!(
                out,
                "| {} | `{}` | {} |",
                cell(&o.policy),
                cell(&o.file),
                cell(o.due.as_deref().unwrap_or("now (no review recorded)"))
            );
        }
        out.push('\n');
    }

    out.push_str("### Where alerts are sent\n\n");
    if config.recipients.is_empty() {
        out.push_str("_No policy mails its alerts._\n\n");
    } else {
        out.push_str("| Policy | Recipients (policy file) | Recipients (tenant) | Outside allowed domains | Unread |\n|---|---|---|---|---:|\n");
        for r in &config.recipients {
            let live = if r.live == r.desired {
                "same as the file".to_string()
            } else {
                list_or_dash(&r.live)
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                cell(&r.policy),
                cell(&list_or_dash(&r.desired)),
                cell(&live),
                if r.outside_allowed.is_empty() {
                    "none".to_string()
                } else {
                    format!("⚠️ {}", cell(&r.outside_allowed.join(", ")))
                },
                r.unread_share
                    .map_or("n/a".to_string(), |s| format!("{:.0} %", s * 100.0))
            );
        }
        out.push_str("\nUnread: share of the policy's alerts this month still unread.\n\n");
    }
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
    if p.checks.is_empty() {
        out.push_str("_No check results._\n\n");
    } else {
        out.push_str("| Check | Status | Detail |\n|---|---|---|\n");
        for c in &p.checks {
            let icon = match c.status {
                CheckStatus::Ok => "✅",
                CheckStatus::Findings => "⚠️",
                CheckStatus::Unavailable => "➖",
                CheckStatus::Error => "⛔",
                CheckStatus::Skipped => "⏭️",
            };
            let notes: String = c
                .notes
                .iter()
                .map(|n| format!(" (note: {})", cell(n)))
                .collect();
            let _ = writeln!(
                out,
                "| {} | {icon} {} | {}{notes} |",
                cell(c.check.title()),
                super::ops::status_words(c),
                cell(super::ops::detail(c))
            );
        }
        out.push('\n');
    }

    out.push_str("### Secure Score per product\n\n");
    if p.secure_score.is_empty() {
        out.push_str("_No Secure Score (it needs an ops run with Graph credentials)._\n\n");
    } else {
        out.push_str("| Product | Points | Share | Previous run | Change | Controls at 0 % |\n|---|---:|---:|---:|---:|---|\n");
        for s in &p.secure_score {
            let share = if s.max_points > 0.0 {
                format!("{:.0} %", s.points * 100.0 / s.max_points)
            } else {
                "-".into()
            };
            let _ = writeln!(
                out,
                "| {} | {:.1} / {:.1} | {share} | {} | {} | {} of {}{} |",
                cell(&s.product),
                s.points,
                s.max_points,
                s.previous_points
                    .map_or("-".to_string(), |prev| format!("{prev:.1}")),
                score_change(s.points, s.previous_points),
                s.zero_controls.len(),
                s.controls,
                if s.zero_controls.is_empty() {
                    String::new()
                } else {
                    format!(": {}", cell(&s.zero_controls.join(", ")))
                }
            );
        }
        out.push('\n');
    }

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
    if p.system_alerts.is_empty() {
        out.push_str("_None._\n\n");
    } else {
        out.push_str("| Created | Age | Severity | Alert | Policy |\n|---|---:|---|---|---|\n");
        for a in &p.system_alerts {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} (`{}`) | {} |",
                cell(&a.created),
                super::ops::days(a.age_days),
                severity_name(a.severity),
                cell(&a.title),
                cell(&a.id),
                cell(a.policy.as_deref().unwrap_or("-"))
            );
        }
        out.push('\n');
    }
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
    let a = &report.appendix;
    out.push_str("### Provenance\n\n");
    for (k, v) in [
        (
            "Month",
            format!("{} ({} to {}, UTC)", report.month, report.from, report.to),
        ),
        ("Compared with", report.previous_month.clone()),
        (
            "Tenant",
            report.tenant.clone().unwrap_or_else(|| "not named".into()),
        ),
        ("casguard version", a.casguard_version.clone()),
        (
            "Policy repository commit",
            a.git_commit
                .clone()
                .unwrap_or_else(|| "none (not a git repository)".into()),
        ),
        ("Generated at", a.generated_at.clone()),
    ] {
        let _ = writeln!(out, "- {k}: {}", text(&v));
    }
    out.push('\n');

    out.push_str("### Data and its freshness\n\n");
    if report.sources.is_empty() {
        out.push_str("_No inputs recorded._\n\n");
    } else {
        out.push_str("| Input | Path | Read from the tenant | SHA-256 |\n|---|---|---|---|\n");
        for s in &report.sources {
            let _ = writeln!(
                out,
                "| {} | `{}` | {} | `{}` |",
                cell(&s.kind),
                cell(&s.path),
                cell(s.fetched_at.as_deref().unwrap_or("-")),
                cell(&s.sha256)
            );
        }
        out.push('\n');
    }
    if !a.method.is_empty() {
        out.push_str("### Method\n\n");
        for m in &a.method {
            let _ = writeln!(out, "- {}", text(m));
        }
        out.push('\n');
    }
    if !a.thresholds.is_empty() {
        out.push_str("### Thresholds\n\n| Threshold | Value |\n|---|---|\n");
        for (k, v) in &a.thresholds {
            let _ = writeln!(out, "| {} | {} |", cell(k), cell(v));
        }
        out.push('\n');
    }
    if !report.trends.daily.is_empty() {
        out.push_str("### Alerts per day\n\n| Date | High | Medium | Low | Informational | Total |\n|---|---:|---:|---:|---:|---:|\n");
        for d in &report.trends.daily {
            let s = d.by_severity;
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                cell(&d.date),
                s[2],
                s[1],
                s[0],
                s[3],
                s.iter().sum::<u64>()
            );
        }
        out.push('\n');
    }
}

/// Escapes text outside a table: HTML and line breaks.
fn text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace(['\r', '\n'], " ")
}

/// Escapes text for a table cell: pipes, newlines and HTML.
fn cell(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "\\|")
        .replace(['\r', '\n'], " ")
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
