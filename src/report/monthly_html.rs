//! The monthly report as one self-contained HTML page (`casguard report
//! monthly --format html`): inline CSS and SVG, no scripts, no network
//! assets, readable on screen and printable to PDF on A4 or Letter. A CISO
//! reads the title block ("at a glance", what the report could not cover)
//! and the headline figures; an auditor follows every figure down to the
//! appendix, which names each input with its SHA-256.
//!
//! Sections, numbered in this order (threats only when there are notes):
//! headline KPIs, incident types, alert trends and how they were addressed,
//! policy health, recommendations (patches printed under their row),
//! configuration, platform health, latest threats (the author's Markdown,
//! rendered from a safe subset), appendix. Each numbered section after the
//! first starts a new printed page; tables have fixed layouts and wrap long
//! text so nothing runs past the printable width.
//!
//! Presentation helpers shared with the Markdown renderer (number formats,
//! deltas, the "at a glance" sentences, which missing data concerns which
//! section) live here as `pub(super)`.

use std::fmt::Write;

use super::plural;
use super::svg;
use crate::model::{
    CheckResult, CheckStatus, Count, Kpi, MonthlyReport, Recommendation, ScoreRow, SpikeKind,
    Verdict,
};

const STYLE: &str = "
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;max-width:62rem;padding:0 1rem;color:#1f2328}
h1{font-size:1.6rem;margin:0 0 .2rem}
h2{font-size:1.25rem;margin:2rem 0 .6rem;border-bottom:2px solid #d0d7de;padding-bottom:.3rem}
h3{font-size:1.02rem;margin:1.2rem 0 .4rem}
h4,h5{font-size:.95rem;margin:1rem 0 .3rem}
p,li,td,th,dd,figcaption,h1,h2,h3,h4,h5{overflow-wrap:anywhere}
.meta{color:#59636e;margin:0 0 .8rem}
.glance{font-size:1.05rem;border-left:4px solid #0072B2;background:#f6f8fa;padding:.6rem .9rem;margin:1rem 0}
.missing{border:1px solid #b35900;border-left-width:4px;background:#fff8f0;padding:.5rem .9rem;margin:1rem 0}
.missing h2{border:0;margin:.2rem 0 .3rem;font-size:1.05rem;padding:0}
.missing ul{margin:.2rem 0;padding-left:1.2rem}
p.missing{margin:.5rem 0 .9rem}
.toc ol{columns:2;column-gap:2rem;margin:.3rem 0;padding-left:1.4rem}
.empty{color:#59636e;font-style:italic}
.kpis{display:grid;grid-template-columns:repeat(auto-fill,minmax(13.5rem,1fr));gap:.7rem;margin:.8rem 0}
.kpi{border:1px solid #d0d7de;border-radius:6px;padding:.55rem .75rem;break-inside:avoid;page-break-inside:avoid;min-width:0}
.kpi h3{font-size:.9rem;font-weight:600;margin:0 0 .2rem;color:#1f2328}
.kpi .value{font-size:1.6rem;font-weight:700;margin:0;line-height:1.2}
.kpi .value.none{font-size:1.1rem;color:#59636e;font-weight:600}
.kpi p{margin:.15rem 0}
.kpi svg{display:block;margin-top:.3rem}
.delta{font-weight:600}
.better{color:#005a8c}.worse{color:#a33d00}.neutral{color:#59636e}
.small,.kpi .note,.prev{font-size:.85rem;color:#59636e}
table{border-collapse:collapse;width:100%;margin:.4rem 0 1rem;table-layout:fixed}
th,td{border:1px solid #d0d7de;padding:.3rem .45rem;text-align:left;vertical-align:top;word-break:break-word}
th{background:#f6f8fa;font-weight:600;font-size:.9em;word-break:normal;overflow-wrap:break-word}
thead{display:table-header-group}
td.num,th.num{text-align:right}
tr,figure,.kpi,li{break-inside:avoid;page-break-inside:avoid}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;overflow-wrap:anywhere}
code.hash{word-break:break-all}
code.small{font-size:11px;color:#59636e}
pre{background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;padding:.5rem .6rem;margin:.2rem 0;font:11.5px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace;white-space:pre-wrap;overflow-wrap:anywhere;word-break:break-all}
td.patch{background:#fcfcfd;padding-top:.1rem}
.add{color:#116329;background:#e6ffec}.del{color:#82071e;background:#ffebe9}.hunk{color:#6639ba}
figure{margin:.5rem 0 1.1rem}
figcaption{font-weight:600;margin-bottom:.3rem}
svg{max-width:100%;height:auto}
svg text{font:12px system-ui,sans-serif;fill:#1f2328}
.legend{font-size:.85rem;color:#59636e;margin:.2rem 0}
.badge{display:inline-block;padding:0 .45em;border:1px solid currentColor;border-radius:1em;font-weight:600;font-size:.85em;max-width:100%}
table.dense{font-size:12.5px}
.b-ok{color:#1a7f37;background:#dafbe1}.b-error{color:#cf222e;background:#ffebe9}.b-warning{color:#9a6700;background:#fff8c5}
.b-note{color:#0969da;background:#ddf4ff}.b-muted{color:#59636e;background:#f6f8fa}
.threats{border-left:3px solid #d0d7de;padding-left:.9rem}
.threats a{color:#0969da}
dl.facts{display:grid;grid-template-columns:minmax(8rem,max-content) 1fr;gap:.2rem 1rem;margin:.4rem 0 1rem}
dl.facts dt{font-weight:600}dl.facts dd{margin:0}
@page{size:auto;margin:15mm}
@media print{
body{margin:0;max-width:none;padding:0;font-size:10.5pt}
section.page{break-before:page;page-break-before:always}
h2,h3{break-after:avoid;page-break-after:avoid}
.badge,.glance,.missing,th,.add,.del,pre{-webkit-print-color-adjust:exact;print-color-adjust:exact}
.threats a[href]::after{content:' (' attr(href) ')';font-size:.85em;color:#59636e;overflow-wrap:anywhere}
}
";

/// The whole page. Changes are coloured blue (better) or vermillion (worse),
/// the Okabe-Ito pair darkened for text, and never without the arrow, the
/// sign and the word.
pub fn render(report: &MonthlyReport) -> String {
    let mut out = String::new();
    let month = month_name(&report.month);
    let title = format!(
        "Defender for Cloud Apps monthly report, {month}{}",
        report
            .tenant
            .as_deref()
            .map_or(String::new(), |t| format!(" ({t})"))
    );
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc(&title)
    );
    header(&mut out, report);
    let outline = outline(report);
    for (n, (part, title)) in outline.iter().enumerate() {
        let n = n + 1;
        let class = if n == 1 { "" } else { " class=\"page\"" };
        let _ = writeln!(
            out,
            "<section id=\"{}\"{class}>\n<h2>{n}. {}</h2>",
            part.id(),
            esc(title)
        );
        for note in missing_in(report, *part) {
            let _ = writeln!(
                out,
                "<p class=\"missing\"><b>⚠ Not covered:</b> {}</p>",
                prose(note)
            );
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
        out.push_str("</section>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}

/// Title, period, tenant, the summary paragraph, what could not be
/// covered, and the contents.
fn header(out: &mut String, report: &MonthlyReport) {
    let _ = writeln!(
        out,
        "<header>\n<h1>Defender for Cloud Apps: monthly report, {}</h1>",
        esc(&month_name(&report.month))
    );
    let _ = writeln!(
        out,
        "<p class=\"meta\">Tenant <b>{}</b> · {} to {} (UTC) · compared with {} · generated {} by casguard {}</p>",
        esc(report.tenant.as_deref().unwrap_or("not named")),
        esc(&report.from),
        esc(&report.to),
        esc(&month_name(&report.previous_month)),
        esc(&report.appendix.generated_at),
        esc(&report.appendix.casguard_version)
    );
    let _ = writeln!(
        out,
        "<p class=\"glance\"><b>At a glance.</b> {}</p>",
        esc(&glance(report).join(" "))
    );
    if !report.missing.is_empty() {
        out.push_str("<div class=\"missing\" id=\"missing\">\n<h2>⚠ What this report could not cover</h2>\n<ul>\n");
        for note in &report.missing {
            let _ = writeln!(out, "<li>{}</li>", prose(note));
        }
        out.push_str("</ul>\n</div>\n");
    }
    out.push_str("<nav class=\"toc\"><b>Contents</b>\n<ol>\n");
    for (part, title) in outline(report) {
        let _ = writeln!(
            out,
            "<li><a href=\"#{}\">{}</a></li>",
            part.id(),
            esc(title)
        );
    }
    out.push_str("</ol>\n</nav>\n</header>\n");
}

// ---------------------------------------------------------------- sections

fn kpis(out: &mut String, report: &MonthlyReport) {
    if report.kpis.is_empty() {
        out.push_str("<p class=\"empty\">No headline figures.</p>\n");
        return;
    }
    let _ = writeln!(
        out,
        "<p class=\"meta\">{} against {}. ▲ up, ▼ down, = unchanged; <span class=\"better\">better</span> or <span class=\"worse\">worse</span> where a direction is good or bad. Changes of percentages are in percentage points (pp). The line shows the last six months.</p>",
        esc(&month_name(&report.month)),
        esc(&month_name(&report.previous_month))
    );
    out.push_str("<div class=\"kpis\">\n");
    for kpi in &report.kpis {
        kpi_card(out, kpi, &report.previous_month);
    }
    out.push_str("</div>\n");
}

fn kpi_card(out: &mut String, kpi: &Kpi, previous_month: &str) {
    let _ = writeln!(
        out,
        "<div class=\"kpi\" id=\"kpi-{}\">\n<h3>{}</h3>",
        esc(&kpi.key),
        esc(&kpi.label)
    );
    match kpi.value {
        Some(value) => {
            let _ = writeln!(
                out,
                "<p class=\"value\">{}</p>",
                esc(&format_value(value, &kpi.unit))
            );
            if let Some(d) = delta(kpi) {
                let (class, word) = match d.better {
                    Some(true) => ("better", " · better"),
                    Some(false) => ("worse", " · worse"),
                    None => ("neutral", ""),
                };
                let _ = writeln!(
                    out,
                    "<p class=\"delta {class}\">{} {}{word}</p>",
                    d.arrow,
                    esc(&d.text)
                );
            }
        }
        None => out.push_str("<p class=\"value none\">no data</p>\n"),
    }
    // Without a value, the note says why; nothing else to show.
    let previous = match kpi.previous {
        Some(p) => Some(format!(
            "{}: {}",
            month_name(previous_month),
            format_value(p, &kpi.unit)
        )),
        None if kpi.value.is_none() => None,
        None if kpi.series.len() <= 1 => Some("Known for this month only.".to_string()),
        None => Some(format!("{}: no data", month_name(previous_month))),
    };
    if let Some(previous) = previous {
        let _ = writeln!(out, "<p class=\"prev\">{}</p>", esc(&previous));
    }
    if kpi.series.len() > 1 && kpi.series.iter().any(|(_, v)| v.is_some()) {
        out.push_str(&kpi_sparkline(kpi));
    }
    if let Some(note) = &kpi.note {
        let _ = writeln!(out, "<p class=\"note\">{}</p>", prose(note));
    }
    out.push_str("</div>\n");
}

/// Six months as a line (broken where a month has no value), a dot per
/// month, the first and last month under it, and every value in its title.
fn kpi_sparkline(kpi: &Kpi) -> String {
    let known = kpi.series.iter().filter(|(_, v)| v.is_some()).count();
    if kpi.series.len() < 2 || known < 2 {
        return "<p class=\"small\">No monthly history.</p>\n".to_string();
    }
    let (w, h, pad, plot_top, plot_bottom) = (200.0, 46.0, 4.0, 4.0, 30.0);
    let max = kpi
        .series
        .iter()
        .filter_map(|(_, v)| *v)
        .fold(0.0_f64, f64::max)
        .max(f64::MIN_POSITIVE);
    let step = (w - 2.0 * pad) / (kpi.series.len() - 1) as f64;
    let point = |i: usize, v: f64| {
        (
            pad + i as f64 * step,
            plot_bottom - (v.max(0.0) / max) * (plot_bottom - plot_top),
        )
    };
    let label = kpi
        .series
        .iter()
        .map(|(m, v)| {
            format!(
                "{m} {}",
                v.map_or("no data".to_string(), |v| format_value(v, &kpi.unit))
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    let label = format!("{}, by month: {label}", kpi.label);
    let mut svg = format!(
        "<svg role=\"img\" viewBox=\"0 0 {w} {h}\" width=\"100%\" aria-label=\"{l}\"><title>{l}</title>\n<line x1=\"{pad}\" y1=\"{plot_bottom}\" x2=\"{}\" y2=\"{plot_bottom}\" stroke=\"#d0d7de\"/>\n",
        w - pad,
        l = esc(&label)
    );
    // Runs of consecutive known values become polylines.
    let mut run: Vec<String> = Vec::new();
    let flush = |run: &mut Vec<String>, svg: &mut String| {
        if run.len() > 1 {
            let _ = writeln!(
                svg,
                "<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\" points=\"{}\"/>",
                svg::BAR,
                run.join(" ")
            );
        }
        run.clear();
    };
    for (i, (_, v)) in kpi.series.iter().enumerate() {
        match v {
            Some(v) => {
                let (x, y) = point(i, *v);
                run.push(format!("{x:.1},{y:.1}"));
            }
            None => flush(&mut run, &mut svg),
        }
    }
    flush(&mut run, &mut svg);
    let last = kpi.series.len() - 1;
    for (i, (_, v)) in kpi.series.iter().enumerate() {
        if let Some(v) = v {
            let (x, y) = point(i, *v);
            let _ = writeln!(
                svg,
                "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{}\" fill=\"{}\"/>",
                if i == last { 3.5 } else { 2.0 },
                svg::BAR
            );
        }
    }
    let _ = writeln!(
        svg,
        "<text x=\"{pad}\" y=\"{}\" text-anchor=\"start\" style=\"font-size:11px\">{}</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\" style=\"font-size:11px\">{}</text>",
        h - 2.0,
        esc(&kpi.series[0].0),
        w - pad,
        h - 2.0,
        esc(&kpi.series[last].0)
    );
    svg.push_str("</svg>\n");
    svg
}

fn incidents(out: &mut String, report: &MonthlyReport) {
    let types = &report.incident_types;
    let total: u64 = types.by_category.iter().map(|c| c.count).sum();
    if types.by_category.is_empty()
        && types.by_severity.is_empty()
        && types.by_app.is_empty()
        && types.by_policy_type.is_empty()
    {
        out.push_str("<p class=\"empty\">No alerts to break down this month.</p>\n");
        return;
    }
    let _ = writeln!(
        out,
        "<p class=\"meta\">The month's {} by four breakdowns; each alert counts once in each. Bars show the count and its share.</p>",
        esc(&plural(total as usize, "alert"))
    );
    let severity = severity_order(&types.by_severity);
    let charts: [(&str, Vec<&Count>, bool); 4] = [
        (
            "By category (the alert's story)",
            types.by_category.iter().collect(),
            false,
        ),
        ("By severity", severity, true),
        ("By app", types.by_app.iter().collect(), false),
        (
            "By policy type",
            types.by_policy_type.iter().collect(),
            false,
        ),
    ];
    for (title, counts, by_severity) in charts {
        count_chart(out, title, &counts, by_severity);
    }
}

/// Counts as horizontal bars with "count (share)" after each bar, under a
/// caption; severities in their chart colours.
fn count_chart(out: &mut String, title: &str, counts: &[&Count], by_severity: bool) {
    let _ = writeln!(out, "<figure>\n<figcaption>{}</figcaption>", esc(title));
    if counts.is_empty() {
        out.push_str("<p class=\"empty\">No data.</p>\n</figure>\n");
        return;
    }
    let total: u64 = counts.iter().map(|c| c.count).sum();
    let labels: Vec<String> = counts.iter().map(|c| humanize(&c.label)).collect();
    let bars: Vec<svg::Bar<'_>> = counts
        .iter()
        .zip(&labels)
        .map(|(c, label)| svg::Bar {
            label,
            value: c.count as f64,
            value_label: format!("{} ({})", thousands(c.count), share(c.count, total)),
            colour: if by_severity {
                severity_colour(&c.label)
            } else {
                svg::BAR
            },
        })
        .collect();
    let max = counts.iter().map(|c| c.count).max().unwrap_or(0) as f64;
    out.push_str(&svg::bars(
        &format!("{title}: alerts, count and share"),
        &bars,
        Some(max * LABEL_ROOM),
    ));
    out.push_str("</figure>\n");
}

fn trends(out: &mut String, report: &MonthlyReport) {
    let trends = &report.trends;
    out.push_str("<h3>Alerts per day</h3>\n");
    if trends.daily.is_empty() {
        out.push_str("<p class=\"empty\">No daily counts.</p>\n");
    } else {
        let days: Vec<(String, [u64; 4])> = trends
            .daily
            .iter()
            .map(|d| (d.date.clone(), d.by_severity))
            .collect();
        let _ = writeln!(
            out,
            "<figure>\n<figcaption>Alerts per day by severity, {} to {} (bar height: alerts that day)</figcaption>",
            esc(&report.from),
            esc(&report.to)
        );
        out.push_str(&svg::stacked_daily(
            "Alerts per day by severity (stacked: high, medium, low, informational)",
            &days,
        ));
        let mut totals = [0u64; 4];
        for d in &trends.daily {
            for (t, c) in totals.iter_mut().zip(d.by_severity) {
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
            "<p class=\"legend\">Month totals: {}{}. Every day's counts are in the appendix.</p>\n</figure>",
            [2usize, 1, 0, 3]
                .iter()
                .map(|&s| format!("{} {}", svg::SEVERITY_NAMES[s], thousands(totals[s])))
                .collect::<Vec<_>>()
                .join(" · "),
            busiest.map_or(String::new(), |d| format!(
                "; busiest day {} ({})",
                esc(&d.date),
                plural(d.by_severity.iter().sum::<u64>() as usize, "alert")
            ))
        );
    }

    out.push_str("<h3>Spikes and drops</h3>\n");
    if trends.spikes.is_empty() {
        out.push_str("<p class=\"empty\">No policy spiked or fell silent this month.</p>\n");
    } else {
        table_head(
            out,
            &[
                ("Date", "16%", false),
                ("Policy", "38%", false),
                ("What", "18%", false),
                ("Alerts that day", "14%", true),
                ("Usual per day", "14%", true),
            ],
        );
        for spike in &trends.spikes {
            let what = match spike.kind {
                SpikeKind::Spike => "▲ spike",
                SpikeKind::Drop => "▼ drop to zero",
            };
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{what}</td><td class=\"num\">{}</td><td class=\"num\">{:.1}</td></tr>",
                esc(&spike.date),
                esc(&spike.policy),
                thousands(spike.count),
                spike.baseline
            );
        }
        out.push_str("</tbody></table>\n");
    }

    let _ = writeln!(
        out,
        "<h3>Per policy, against {}</h3>",
        esc(&month_name(&report.previous_month))
    );
    if trends.policies.is_empty() {
        out.push_str("<p class=\"empty\">No policy raised alerts in either month.</p>\n");
    } else {
        table_head(
            out,
            &[
                ("Policy", "34%", false),
                ("Previous", "13%", true),
                ("This month", "12%", true),
                ("Change", "17%", true),
                ("Per week (slope)", "11%", true),
                ("Trend", "13%", false),
            ],
        );
        for t in &trends.policies {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                esc(&t.policy),
                thousands(t.previous),
                thousands(t.current),
                esc(&trend_change(t.delta, t.percent)),
                t.slope_per_week.map_or("n/a".to_string(), |s| format!("{}{s:.1}", if s > 0.0 { "+" } else { "" })),
                direction(t.direction)
            );
        }
        out.push_str("</tbody></table>\n<p class=\"legend\">Change in % only from 5 alerts in the previous month; the slope is the Theil-Sen slope of weekly totals.</p>\n");
    }

    out.push_str("<h3>How the month's alerts stand</h3>\n");
    let mix: Vec<&Count> = trends.resolution_mix.iter().collect();
    if mix.is_empty() {
        out.push_str("<p class=\"empty\">No alerts.</p>\n");
    } else {
        count_chart(out, "Resolution of the month's alerts today", &mix, false);
    }

    out.push_str("<h3>Governance actions</h3>\n");
    if trends.governance.is_empty() {
        out.push_str("<p class=\"empty\">No governance actions recorded for the month.</p>\n");
    } else {
        table_head(
            out,
            &[
                ("Action", "32%", false),
                ("Total", "11%", true),
                ("Succeeded", "15%", true),
                ("Failed", "11%", true),
                ("Pending", "13%", true),
                ("Success rate", "18%", true),
            ],
        );
        for g in &trends.governance {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                esc(&g.task),
                thousands(g.total),
                thousands(g.succeeded),
                thousands(g.failed),
                thousands(g.pending),
                share(g.succeeded, g.total)
            );
        }
        out.push_str("</tbody></table>\n<p class=\"legend\">Success rate: succeeded of all actions of the task, pending included.</p>\n");
    }
}

fn health(out: &mut String, report: &MonthlyReport) {
    let rows = &report.policy_health;
    if rows.is_empty() {
        out.push_str("<p class=\"empty\">No policy to assess.</p>\n");
        return;
    }
    let _ = writeln!(
        out,
        "<p>{}: {}.</p>",
        esc(&plural(rows.len(), "policy")),
        esc(&verdict_counts(rows))
    );
    dense_table_head(
        out,
        &[
            ("Verdict", "15%", false),
            ("Policy", "21%", false),
            ("Alerts", "9%", true),
            ("Open", "13%", false),
            ("Closed as TP / FP / benign", "12%", false),
            ("FP ratio", "8%", true),
            ("Time to resolve p50 / p90", "10%", false),
            ("Why", "12%", false),
        ],
    );
    for row in rows {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}<br><span class=\"small\">{}</span></td><td class=\"num\">{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
            verdict_badge(row.verdict.as_str()),
            esc(&row.policy),
            path(&policy_place(row)),
            thousands(row.alerts),
            esc(&open_cell(row)),
            esc(&closed_cell(row)),
            row.fp_ratio.map_or("n/a".to_string(), |r| format!("{:.0} %", r * 100.0)),
            esc(&ttr_cell(row)),
            prose(&row.reasons.join("; "))
        );
    }
    out.push_str("</tbody></table>\n");
    let _ = writeln!(out, "<p class=\"legend\">{}</p>", esc(VERDICT_LEGEND));
}

fn recommendations(out: &mut String, report: &MonthlyReport) {
    let recs = &report.recommendations;
    if recs.is_empty() {
        out.push_str("<p class=\"empty\">No change to recommend.</p>\n");
        return;
    }
    let patches = recs.iter().filter(|r| r.patch.is_some()).count();
    let _ = writeln!(
        out,
        "<p>{}, {} with a patch to apply with <code>git apply</code> (printed under its row).</p>",
        esc(&plural(recs.len(), "recommendation")),
        patches
    );
    dense_table_head(
        out,
        &[
            ("Policy", "19%", false),
            ("Kind", "13%", false),
            ("Evidence", "20%", false),
            ("Change", "20%", false),
            ("Who is affected", "14%", false),
            ("Expected alerts", "14%", false),
        ],
    );
    for rec in recs {
        recommendation_row(out, rec);
    }
    out.push_str("</tbody></table>\n");
}

fn recommendation_row(out: &mut String, rec: &Recommendation) {
    let _ = writeln!(
        out,
        "<tr><td>{}{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        esc(&rec.policy),
        rec.file.as_deref().map_or(String::new(), |f| format!(
            "<br><code class=\"small\">{}</code>",
            path(f)
        )),
        verdict_badge(&rec.kind),
        prose(&rec.evidence),
        prose(&rec.change),
        prose(&rec.affected),
        prose(rec.expected_alerts.as_deref().unwrap_or("not estimated"))
    );
    if let Some(patch) = &rec.patch {
        let _ = writeln!(
            out,
            "<tr><td colspan=\"6\" class=\"patch\"><span class=\"small\">Patch for {}:</span>\n{}</td></tr>",
            esc(rec.file.as_deref().unwrap_or(&rec.policy)),
            diff_block(patch)
        );
    }
}

fn configuration(out: &mut String, report: &MonthlyReport) {
    let config = &report.configuration;
    out.push_str("<h3>Changes this month</h3>\n");
    if config.commits.is_empty() {
        out.push_str("<p class=\"empty\">No commit changed a policy file this month.</p>\n");
    } else {
        table_head(
            out,
            &[
                ("Date", "17%", false),
                ("Author", "16%", false),
                ("Change", "37%", false),
                ("Files", "30%", false),
            ],
        );
        for c in &config.commits {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}<br><code class=\"small\">{}</code></td><td>{}</td></tr>",
                stamp(&c.date),
                esc(&c.author),
                esc(&c.summary),
                esc(short_id(&c.id)),
                c.files
                    .iter()
                    .map(|f| format!("<code>{}</code>", path(f)))
                    .collect::<Vec<_>>()
                    .join("<br>")
            );
        }
        out.push_str("</tbody></table>\n");
    }
    let _ = writeln!(
        out,
        "<dl class=\"facts\"><dt>Policy files last changed</dt><dd>{}</dd><dt>Tenant last changed</dt><dd>{}</dd></dl>",
        stamp(config.last_change_desired.as_deref().unwrap_or("unknown")),
        stamp(config.last_change_live.as_deref().unwrap_or("unknown"))
    );

    out.push_str("<h3>Drift now</h3>\n");
    if config.in_sync == 0 && config.drift.is_empty() {
        out.push_str("<p class=\"empty\">No policy was compared with the tenant.</p>\n");
    } else {
        let _ = writeln!(
            out,
            "<p>{} in sync, {} drifting{}.</p>",
            esc(&plural(config.in_sync, "policy")),
            config.drift.len(),
            match config.drift.iter().filter(|d| d.out_of_band).count() {
                0 => String::new(),
                n => format!(" ({n} edited in the tenant after the file's last commit)"),
            }
        );
    }
    if !config.drift.is_empty() {
        table_head(
            out,
            &[
                ("Policy", "32%", false),
                ("Drift", "22%", false),
                ("Fields", "28%", false),
                ("Out of band", "18%", false),
            ],
        );
        for d in &config.drift {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&d.policy),
                esc(super::ops::drift_kind(&d.kind)),
                if d.fields.is_empty() {
                    "-".to_string()
                } else {
                    d.fields
                        .iter()
                        .map(|f| format!("<code>{}</code>", esc(f)))
                        .collect::<Vec<_>>()
                        .join("<br>")
                },
                if d.out_of_band {
                    "<span class=\"badge b-warning\">⚠ yes</span> edited after the last commit"
                } else {
                    "no"
                }
            );
        }
        out.push_str("</tbody></table>\n");
    }

    out.push_str("<h3>Overdue reviews</h3>\n");
    if config.overdue.is_empty() {
        out.push_str("<p class=\"empty\">No review is overdue.</p>\n");
    } else {
        table_head(
            out,
            &[
                ("Policy", "40%", false),
                ("File", "40%", false),
                ("Due", "20%", false),
            ],
        );
        for o in &config.overdue {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
                esc(&o.policy),
                path(&o.file),
                esc(o.due.as_deref().unwrap_or("now (no review recorded)"))
            );
        }
        out.push_str("</tbody></table>\n");
    }

    out.push_str("<h3>Where alerts are sent</h3>\n");
    if config.recipients.is_empty() {
        out.push_str("<p class=\"empty\">No policy mails its alerts.</p>\n");
    } else {
        table_head(
            out,
            &[
                ("Policy", "20%", false),
                ("Recipients (policy file)", "24%", false),
                ("Recipients (tenant)", "22%", false),
                ("Outside allowed domains", "23%", false),
                ("Unread", "11%", true),
            ],
        );
        for r in &config.recipients {
            let live = if r.live == r.desired {
                "same as the file".to_string()
            } else {
                list_or_dash(&r.live)
            };
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td></tr>",
                esc(&r.policy),
                esc(&list_or_dash(&r.desired)),
                esc(&live),
                if r.outside_allowed.is_empty() {
                    "none".to_string()
                } else {
                    format!("⚠ {}", esc(&r.outside_allowed.join(", ")))
                },
                r.unread_share
                    .map_or("n/a".to_string(), |s| format!("{:.0} %", s * 100.0))
            );
        }
        out.push_str("</tbody></table>\n<p class=\"legend\">Unread: share of the policy's alerts this month still unread.</p>\n");
    }
}

fn platform(out: &mut String, report: &MonthlyReport) {
    let p = &report.platform;
    let _ = writeln!(
        out,
        "<p class=\"meta\">{}</p>",
        p.fetched_at.as_deref().map_or_else(
            || "No ops run to report on.".to_string(),
            |at| format!(
                "From the last <code>casguard ops</code> run, which read the tenant at {}.",
                stamp(at)
            )
        )
    );
    out.push_str("<h3>Operations checks</h3>\n");
    if p.checks.is_empty() {
        out.push_str("<p class=\"empty\">No check results.</p>\n");
    } else {
        table_head(
            out,
            &[
                ("Check", "26%", false),
                ("Status", "18%", false),
                ("Detail", "56%", false),
            ],
        );
        for c in &p.checks {
            let notes: String = c
                .notes
                .iter()
                .map(|n| format!("<br><span class=\"small\">Note: {}</span>", prose(n)))
                .collect();
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}{notes}</td></tr>",
                esc(c.check.title()),
                check_badge(c),
                prose(super::ops::detail(c))
            );
        }
        out.push_str("</tbody></table>\n");
    }

    out.push_str("<h3>Secure Score per product</h3>\n");
    if p.secure_score.is_empty() {
        out.push_str("<p class=\"empty\">No Secure Score (it needs an ops run with Graph credentials).</p>\n");
    } else {
        let labels: Vec<&str> = p.secure_score.iter().map(|s| s.product.as_str()).collect();
        let bars: Vec<svg::Bar<'_>> = p
            .secure_score
            .iter()
            .zip(&labels)
            .map(|(s, label)| {
                let share = if s.max_points > 0.0 {
                    s.points / s.max_points
                } else {
                    0.0
                };
                let dropped = s.previous_points.is_some_and(|prev| prev > s.points);
                svg::Bar {
                    label,
                    value: share,
                    value_label: format!(
                        "{:.0} % ({:.1} of {:.1}){}",
                        share * 100.0,
                        s.points,
                        s.max_points,
                        if dropped { " ▼" } else { "" }
                    ),
                    colour: if dropped { svg::ALARM } else { svg::BAR },
                }
            })
            .collect();
        out.push_str("<figure>\n<figcaption>Secure Score points per product, as a share of its maximum</figcaption>\n");
        out.push_str(&svg::bars(
            "Secure Score per product, share of its maximum",
            &bars,
            Some(LABEL_ROOM),
        ));
        out.push_str("<p class=\"legend\">▼ and orange: fewer points than at the previous run.</p>\n</figure>\n");
        table_head(
            out,
            &[
                ("Product", "20%", false),
                ("Points", "15%", true),
                ("Previous run", "14%", true),
                ("Change", "12%", true),
                ("Controls at 0 %", "39%", false),
            ],
        );
        for s in &p.secure_score {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td class=\"num\">{:.1} / {:.1}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{} of {}{}</td></tr>",
                esc(&s.product),
                s.points,
                s.max_points,
                s.previous_points.map_or("-".to_string(), |prev| format!("{prev:.1}")),
                score_change(s.points, s.previous_points),
                s.zero_controls.len(),
                s.controls,
                if s.zero_controls.is_empty() {
                    String::new()
                } else {
                    format!(": {}", s.zero_controls.iter().map(|c| format!("<code>{}</code>", esc(c))).collect::<Vec<_>>().join(", "))
                }
            );
        }
        out.push_str("</tbody></table>\n");
    }

    out.push_str("<h3>Message-center posts that need action</h3>\n");
    if p.actions.is_empty() {
        out.push_str("<p class=\"empty\">None.</p>\n");
    } else {
        out.push_str("<ul>\n");
        for a in &p.actions {
            let _ = writeln!(out, "<li>{}</li>", esc(a));
        }
        out.push_str("</ul>\n");
    }

    out.push_str("<h3>Open system alerts</h3>\n");
    if p.system_alerts.is_empty() {
        out.push_str("<p class=\"empty\">None.</p>\n");
    } else {
        table_head(
            out,
            &[
                ("Created", "20%", false),
                ("Age", "10%", true),
                ("Severity", "13%", false),
                ("Alert", "35%", false),
                ("Policy", "22%", false),
            ],
        );
        for a in &p.system_alerts {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td class=\"num\">{}</td><td>{}</td><td>{}<br><code class=\"small\">{}</code></td><td>{}</td></tr>",
                stamp(&a.created),
                esc(&super::ops::days(a.age_days)),
                severity_name(a.severity),
                esc(&a.title),
                esc(&a.id),
                esc(a.policy.as_deref().unwrap_or("-"))
            );
        }
        out.push_str("</tbody></table>\n");
    }
}

fn threats(out: &mut String, report: &MonthlyReport) {
    if let Some(notes) = &report.threat_notes {
        out.push_str("<p class=\"meta\">Written by the report's author; links lead outside this report.</p>\n<div class=\"threats\">\n");
        out.push_str(&markdown_to_html(notes));
        out.push_str("</div>\n");
    }
}

fn appendix(out: &mut String, report: &MonthlyReport) {
    let a = &report.appendix;
    out.push_str("<h3>Provenance</h3>\n<dl class=\"facts\">\n");
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
        let _ = writeln!(out, "<dt>{}</dt><dd>{}</dd>", esc(k), esc(&v));
    }
    out.push_str("</dl>\n");

    out.push_str("<h3>Data and its freshness</h3>\n");
    if report.sources.is_empty() {
        out.push_str("<p class=\"empty\">No inputs recorded.</p>\n");
    } else {
        table_head(
            out,
            &[
                ("Input", "14%", false),
                ("Path", "28%", false),
                ("Read from the tenant", "20%", false),
                ("SHA-256", "38%", false),
            ],
        );
        for s in &report.sources {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td><code class=\"hash\">{}</code></td></tr>",
                esc(&s.kind),
                path(&s.path),
                stamp(s.fetched_at.as_deref().unwrap_or("-")),
                esc(&s.sha256)
            );
        }
        out.push_str("</tbody></table>\n");
    }

    if !a.method.is_empty() {
        out.push_str("<h3>Method</h3>\n<ul>\n");
        for m in &a.method {
            let _ = writeln!(out, "<li>{}</li>", prose(m));
        }
        out.push_str("</ul>\n");
    }
    if !a.thresholds.is_empty() {
        out.push_str("<h3>Thresholds</h3>\n");
        table_head(out, &[("Threshold", "40%", false), ("Value", "60%", false)]);
        for (k, v) in &a.thresholds {
            let _ = writeln!(out, "<tr><td>{}</td><td>{}</td></tr>", esc(k), prose(v));
        }
        out.push_str("</tbody></table>\n");
    }
    if !report.trends.daily.is_empty() {
        out.push_str("<h3>Alerts per day</h3>\n");
        dense_table_head(
            out,
            &[
                ("Date", "25%", false),
                ("High", "15%", true),
                ("Medium", "15%", true),
                ("Low", "15%", true),
                ("Informational", "15%", true),
                ("Total", "15%", true),
            ],
        );
        for d in &report.trends.daily {
            let s = d.by_severity;
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                esc(&d.date),
                s[2],
                s[1],
                s[0],
                s[3],
                s.iter().sum::<u64>()
            );
        }
        out.push_str("</tbody></table>\n");
    }
}

// ------------------------------------------------------------ HTML helpers

/// `svg::bars` draws the value label after the bar, inside a fixed
/// viewBox: scaling to a quarter more than the largest value leaves room
/// for a label such as "100 % (40.0 of 40.0) ▼" after the longest bar.
const LABEL_ROOM: f64 = 1.25;

/// Opens a fixed-layout table: (heading, width, numeric) per column.
fn table_head(out: &mut String, columns: &[(&str, &str, bool)]) {
    table_open(out, "table", columns);
}

/// A table with a smaller font, for wide or long tables.
fn dense_table_head(out: &mut String, columns: &[(&str, &str, bool)]) {
    table_open(out, "table class=\"dense\"", columns);
}

fn table_open(out: &mut String, tag: &str, columns: &[(&str, &str, bool)]) {
    let _ = write!(out, "<{tag}>\n<colgroup>");
    for (_, width, _) in columns {
        let _ = write!(out, "<col style=\"width:{width}\">");
    }
    out.push_str("</colgroup>\n<thead><tr>");
    for (heading, _, numeric) in columns {
        let class = if *numeric { " class=\"num\"" } else { "" };
        let _ = write!(out, "<th{class}>{}</th>", esc(heading));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
}

/// A verdict or recommendation kind as a badge: a glyph and the word.
fn verdict_badge(kind: &str) -> String {
    let (glyph, class) = match kind {
        "fix" => ("✖", "b-error"),
        "tune" => ("◆", "b-warning"),
        "retire" => ("○", "b-muted"),
        "unworked" => ("!", "b-warning"),
        "keep" => ("✔", "b-ok"),
        _ => ("•", "b-note"),
    };
    format!(
        "<span class=\"badge {class}\">{glyph}&nbsp;{}</span>",
        esc(kind)
    )
}

/// A check's status as a badge, as in the weekly ops report: a glyph and
/// the status in words.
fn check_badge(result: &CheckResult) -> String {
    let (glyph, class) = match result.status {
        CheckStatus::Ok => ("✔", "b-ok"),
        CheckStatus::Findings if result.worst == Some(crate::model::Severity::Error) => {
            ("✖", "b-error")
        }
        CheckStatus::Findings => ("✖", "b-warning"),
        CheckStatus::Unavailable => ("–", "b-muted"),
        CheckStatus::Error => ("✖", "b-error"),
        CheckStatus::Skipped => ("·", "b-muted"),
    };
    format!(
        "<span class=\"badge {class}\">{glyph}&nbsp;{}</span>",
        esc(&super::ops::status_words(result))
    )
}

/// A unified diff in a `<pre>`, added, removed and hunk lines classed.
fn diff_block(diff: &str) -> String {
    let mut out = String::from("<pre>");
    for line in diff.lines() {
        let class = match line.chars().next() {
            Some('+') if !line.starts_with("+++") => "add",
            Some('-') if !line.starts_with("---") => "del",
            Some('@') => "hunk",
            _ => "",
        };
        if class.is_empty() {
            let _ = writeln!(out, "{}", esc(line));
        } else {
            let _ = writeln!(out, "<span class=\"{class}\">{}</span>", esc(line));
        }
    }
    out.push_str("</pre>");
    out
}

/// Escapes prose from the data, showing `code` spans as code.
fn prose(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find('`') {
        match rest[start + 1..].find('`') {
            Some(len) if len > 0 => {
                let _ = write!(
                    out,
                    "{}<code>{}</code>",
                    esc(&rest[..start]),
                    esc(&rest[start + 1..start + 1 + len])
                );
                rest = &rest[start + len + 2..];
            }
            _ => break,
        }
    }
    out.push_str(&esc(rest));
    out
}

/// A path, escaped, free to wrap after each `/`.
fn path(text: &str) -> String {
    esc(text).replace('/', "/<wbr>")
}

/// An RFC 3339 time, escaped, free to wrap after its date.
fn stamp(time: &str) -> String {
    let escaped = esc(time);
    let dated = time.len() > 11
        && time.as_bytes()[10] == b'T'
        && time[..10].chars().all(|c| c.is_ascii_digit() || c == '-');
    if dated {
        format!("{}<wbr>{}", &escaped[..11], &escaped[11..])
    } else {
        escaped
    }
}

/// Escapes text for HTML content and attribute values.
fn esc(text: &str) -> String {
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

/// The author's Markdown as HTML, from a safe subset: paragraphs, headings
/// `#` to `###` (one level below the section's), bullet and numbered lists,
/// fenced code, `**bold**`, `*emphasis*`, `` `code` `` and links whose
/// target is http(s). Everything else is text, escaped; raw HTML included.
pub(super) fn markdown_to_html(markdown: &str) -> String {
    let mut out = String::new();
    let mut paragraph: Vec<&str> = Vec::new();
    // (ordered, items)
    let mut list: Option<(bool, Vec<String>)> = None;
    let mut fence: Option<Vec<&str>> = None;
    fn flush_paragraph(out: &mut String, paragraph: &mut Vec<&str>) {
        if !paragraph.is_empty() {
            let _ = writeln!(out, "<p>{}</p>", inline(&paragraph.join(" "), true));
            paragraph.clear();
        }
    }
    fn flush_list(out: &mut String, list: &mut Option<(bool, Vec<String>)>) {
        if let Some((ordered, items)) = list.take() {
            let tag = if ordered { "ol" } else { "ul" };
            let _ = writeln!(out, "<{tag}>");
            for item in items {
                let _ = writeln!(out, "<li>{}</li>", inline(&item, true));
            }
            let _ = writeln!(out, "</{tag}>");
        }
    }
    for line in markdown.lines() {
        let trimmed = line.trim();
        if let Some(code) = fence.as_mut() {
            if trimmed.starts_with("```") {
                let _ = writeln!(out, "<pre><code>{}</code></pre>", esc(&code.join("\n")));
                fence = None;
            } else {
                code.push(line);
            }
            continue;
        }
        if trimmed.starts_with("```") {
            flush_paragraph(&mut out, &mut paragraph);
            flush_list(&mut out, &mut list);
            fence = Some(Vec::new());
            continue;
        }
        if trimmed.is_empty() {
            flush_paragraph(&mut out, &mut paragraph);
            flush_list(&mut out, &mut list);
            continue;
        }
        if let Some((level, text)) = heading(trimmed) {
            flush_paragraph(&mut out, &mut paragraph);
            flush_list(&mut out, &mut list);
            let tag = (level + 2).min(5);
            let _ = writeln!(out, "<h{tag}>{}</h{tag}>", inline(text, true));
            continue;
        }
        if let Some((ordered, text)) = list_item(trimmed) {
            flush_paragraph(&mut out, &mut paragraph);
            if list.as_ref().is_some_and(|(o, _)| *o != ordered) {
                flush_list(&mut out, &mut list);
            }
            list.get_or_insert_with(|| (ordered, Vec::new()))
                .1
                .push(text.to_string());
            continue;
        }
        if let Some((_, items)) = list.as_mut() {
            if line.starts_with([' ', '\t']) {
                if let Some(last) = items.last_mut() {
                    last.push(' ');
                    last.push_str(trimmed);
                }
                continue;
            }
            flush_list(&mut out, &mut list);
        }
        paragraph.push(trimmed);
    }
    if let Some(code) = fence {
        let _ = writeln!(out, "<pre><code>{}</code></pre>", esc(&code.join("\n")));
    }
    flush_paragraph(&mut out, &mut paragraph);
    flush_list(&mut out, &mut list);
    out
}

/// `# Title` to `###### Title`: (level, text).
fn heading(line: &str) -> Option<(usize, &str)> {
    let level = line.chars().take_while(|c| *c == '#').count();
    let rest = &line[level..];
    ((1..=6).contains(&level) && rest.starts_with(' ')).then(|| (level, rest.trim()))
}

/// `- item`, `* item`, `+ item` or `1. item`: (ordered, text).
fn list_item(line: &str) -> Option<(bool, &str)> {
    for bullet in ["- ", "* ", "+ "] {
        if let Some(rest) = line.strip_prefix(bullet) {
            return Some((false, rest.trim()));
        }
    }
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && digits < 10 {
        let rest = &line[digits..];
        if let Some(text) = rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") ")) {
            return Some((true, text.trim()));
        }
    }
    None
}

/// Inline Markdown: code spans, strong, emphasis and (when `links`) links
/// to http(s) targets; the rest escaped.
fn inline(text: &str, links: bool) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '\\' {
            if let Some(next) = rest[1..]
                .chars()
                .next()
                .filter(|n| n.is_ascii_punctuation())
            {
                out.push_str(&esc(&next.to_string()));
                rest = &rest[1 + next.len_utf8()..];
                continue;
            }
        }
        if c == '`' {
            if let Some(end) = rest[1..].find('`') {
                let _ = write!(out, "<code>{}</code>", esc(&rest[1..1 + end]));
                rest = &rest[end + 2..];
                continue;
            }
        }
        if let Some(after) = rest.strip_prefix("**") {
            if let Some(end) = after.find("**").filter(|e| *e > 0) {
                let _ = write!(out, "<strong>{}</strong>", inline(&after[..end], links));
                rest = &after[end + 2..];
                continue;
            }
        }
        if let Some(after) = rest.strip_prefix('*') {
            if let Some(end) = after
                .find('*')
                .filter(|e| *e > 0 && !after.starts_with(' '))
            {
                let _ = write!(out, "<em>{}</em>", inline(&after[..end], links));
                rest = &after[end + 1..];
                continue;
            }
        }
        if c == '[' && links {
            if let Some((label, url, len)) = link(rest) {
                let _ = write!(out, "<a href=\"{}\">{}</a>", esc(url), inline(label, false));
                rest = &rest[len..];
                continue;
            }
        }
        out.push_str(&esc(&c.to_string()));
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// `[label](http(s)://target)` at the start of `text`: (label, target,
/// length). Other targets (`javascript:`, relative paths) are no links.
fn link(text: &str) -> Option<(&str, &str, usize)> {
    let close = text.find("](")?;
    let label = &text[1..close];
    if label.is_empty() || label.contains('[') {
        return None;
    }
    let after = &text[close + 2..];
    let end = after.find(')')?;
    let url = &after[..end];
    let lower = url.to_ascii_lowercase();
    let safe = (lower.starts_with("https://") || lower.starts_with("http://"))
        && url.len() > "https://".len()
        && !url
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`' | '\\'));
    safe.then_some((label, url, close + 2 + end + 1))
}

// ------------------------------------ shared with the Markdown renderer

/// The parts of the report, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Part {
    Kpis,
    Incidents,
    Trends,
    Health,
    Recommendations,
    Configuration,
    Platform,
    Threats,
    Appendix,
}

impl Part {
    /// The section's anchor.
    pub(super) fn id(self) -> &'static str {
        match self {
            Part::Kpis => "kpis",
            Part::Incidents => "incident-types",
            Part::Trends => "trends",
            Part::Health => "policy-health",
            Part::Recommendations => "recommendations",
            Part::Configuration => "configuration",
            Part::Platform => "platform",
            Part::Threats => "threats",
            Part::Appendix => "appendix",
        }
    }
}

/// The numbered sections of `report` with their titles: every one, but
/// the threats only when there are notes.
pub(super) fn outline(report: &MonthlyReport) -> Vec<(Part, &'static str)> {
    [
        (Part::Kpis, "Headline KPIs"),
        (Part::Incidents, "Incident types"),
        (Part::Trends, "Alert trends and how they were addressed"),
        (Part::Health, "Policy health"),
        (Part::Recommendations, "Recommendations"),
        (Part::Configuration, "Configuration"),
        (Part::Platform, "Platform health"),
        (Part::Threats, "Latest threats"),
        (Part::Appendix, "Appendix: method and data"),
    ]
    .into_iter()
    .filter(|(part, _)| *part != Part::Threats || report.threat_notes.is_some())
    .collect()
}

/// The `missing` notes that concern `part`, by the words they use (every
/// note is also listed at the top).
pub(super) fn missing_in(report: &MonthlyReport, part: Part) -> Vec<&str> {
    report
        .missing
        .iter()
        .filter(|note| concerns(note, part))
        .map(String::as_str)
        .collect()
}

fn concerns(note: &str, part: Part) -> bool {
    let lower = note.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric() && c != '_')
        .collect();
    let any = |phrases: &[&str]| {
        phrases.iter().any(|p| {
            if p.contains(' ') {
                lower.contains(p)
            } else {
                words.contains(p)
            }
        })
    };
    let alerts = any(&["alert archive", "no alerts", "alert dump", "alerts were"]);
    match part {
        Part::Kpis => alerts || any(&["secure score", "live state", "drift"]),
        Part::Incidents | Part::Health => alerts,
        Part::Trends => alerts || any(&["governance"]),
        Part::Recommendations => alerts || any(&["policy files"]),
        Part::Configuration => any(&[
            "live state",
            "drift",
            "git",
            "review",
            "reviews",
            "commit",
            "commits",
            "recipients",
        ]),
        Part::Platform => any(&[
            "no ops run",
            "secure score",
            "graph",
            "message center",
            "system alerts",
            "platform",
        ]),
        Part::Threats => any(&["threat", "threats", "notes"]),
        Part::Appendix => false,
    }
}

/// "2026-10" as "October 2026"; anything else as it is.
pub(super) fn month_name(month: &str) -> String {
    const NAMES: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let parsed = month.split_once('-').and_then(|(y, m)| {
        let m: usize = m.parse().ok()?;
        (y.len() == 4 && y.chars().all(|c| c.is_ascii_digit()) && (1..=12).contains(&m))
            .then(|| format!("{} {y}", NAMES[m - 1]))
    });
    parsed.unwrap_or_else(|| month.to_string())
}

/// 12345 as "12,345".
pub(super) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `part` of `whole` as "12.5 %" ("-" of nothing).
pub(super) fn share(part: u64, whole: u64) -> String {
    if whole == 0 {
        "-".into()
    } else {
        format!("{:.1} %", part as f64 * 100.0 / whole as f64)
    }
}

/// Decimals shown for a unit.
fn decimals(unit: &str) -> usize {
    match unit {
        "count" | "days" => 0,
        _ => 1,
    }
}

/// A KPI value in its unit: "1,204", "74.3 %", "6.5 h", "143 days", "41.5 points".
pub(super) fn format_value(value: f64, unit: &str) -> String {
    let number = |v: f64| {
        if decimals(unit) == 0 && v.fract() == 0.0 && (0.0..1e15).contains(&v) {
            thousands(v as u64)
        } else if decimals(unit) == 0 && v.fract() == 0.0 {
            format!("{v:.0}")
        } else {
            format!("{v:.1}")
        }
    };
    match unit {
        "count" => number(value),
        "percent" => format!("{value:.1} %"),
        "hours" => format!("{value:.1} h"),
        "days" if value == 1.0 => "1 day".into(),
        "days" => format!("{} days", number(value)),
        "points" => format!("{value:.1} points"),
        other => format!("{} {other}", number(value)),
    }
}

/// A KPI's change against the previous month.
pub(super) struct Delta {
    /// ▲, ▼ or =.
    pub arrow: &'static str,
    /// "+63 (+18.1 %)", "+8.1 pp", "-3.3 h (-33.7 %)", "no change".
    pub text: String,
    /// Better (true) or worse (false), when the KPI has a good direction.
    pub better: Option<bool>,
}

/// The change of `kpi` against the previous month, when both are known;
/// rounded as shown, so that a change too small to show is "no change".
pub(super) fn delta(kpi: &Kpi) -> Option<Delta> {
    let (value, previous) = (kpi.value?, kpi.previous?);
    let scale = 10f64.powi(decimals(&kpi.unit) as i32);
    let d = ((value - previous) * scale).round() / scale;
    if d == 0.0 {
        return Some(Delta {
            arrow: "=",
            text: "no change".into(),
            better: None,
        });
    }
    let sign = if d > 0.0 { "+" } else { "-" };
    let magnitude = d.abs();
    let relative = if previous != 0.0 && kpi.unit != "percent" {
        format!(
            " ({sign}{:.1} %)",
            (value - previous).abs() * 100.0 / previous.abs()
        )
    } else {
        String::new()
    };
    let text = match kpi.unit.as_str() {
        "percent" => format!("{sign}{magnitude:.1} pp"),
        "count" => format!("{sign}{}{relative}", format_value(magnitude, "count")),
        "days" if magnitude == 1.0 => format!("{sign}1 day{relative}"),
        unit => format!("{sign}{}{relative}", format_value(magnitude, unit)),
    };
    Some(Delta {
        arrow: if d > 0.0 { "▲" } else { "▼" },
        text,
        better: kpi.higher_is_better.map(|higher| higher == (d > 0.0)),
    })
}

fn kpi_by_key<'a>(report: &'a MonthlyReport, key: &str) -> Option<&'a Kpi> {
    report.kpis.iter().find(|k| k.key == key)
}

/// The "at a glance" paragraph, as plain sentences (escape them to show).
pub(super) fn glance(report: &MonthlyReport) -> Vec<String> {
    let month = month_name(&report.month);
    let previous = month_name(&report.previous_month);
    let value = |key: &str| kpi_by_key(report, key).and_then(|k| k.value);
    let mut out = Vec::new();
    match kpi_by_key(report, "alerts_created").and_then(|k| Some((k, k.value?))) {
        Some((kpi, created)) => {
            let change = match kpi.previous {
                Some(prev) if prev > 0.0 && (created - prev).abs() >= 0.5 => format!(
                    ", {} {:.1} % from {} in {previous}",
                    if created > prev { "up" } else { "down" },
                    (created - prev).abs() * 100.0 / prev,
                    format_value(prev, "count")
                ),
                Some(prev) if (created - prev).abs() < 0.5 => {
                    format!(", as many as in {previous}")
                }
                _ => String::new(),
            };
            out.push(format!(
                "In {month}, {} alerts were created{change}.",
                format_value(created, "count")
            ));
        }
        None => out.push(format!(
            "There are no alert figures for {month}: see what this report could not cover."
        )),
    }
    if let Some(closed) = value("closed_percent") {
        let ttr = value("ttr_p50_hours").map_or(String::new(), |h| {
            format!(
                ", with a median time to resolve of {}",
                format_value(h, "hours")
            )
        });
        out.push(format!(
            "{} of them are closed{ttr}.",
            format_value(closed, "percent")
        ));
    }
    if let (Some(tp), Some(fp)) = (
        value("true_positive_percent"),
        value("false_positive_percent"),
    ) {
        out.push(format!(
            "Of the alerts closed with a verdict, {} were true positives and {} false positives.",
            format_value(tp, "percent"),
            format_value(fp, "percent")
        ));
    }
    if let Some(open) = value("open_backlog") {
        out.push(format!(
            "{} {} open at the month's end.",
            format_value(open, "count"),
            if open == 1.0 {
                "alert was"
            } else {
                "alerts were"
            }
        ));
    }
    let spikes = report
        .trends
        .spikes
        .iter()
        .filter(|s| s.kind == SpikeKind::Spike)
        .count();
    let drops = report.trends.spikes.len() - spikes;
    if spikes + drops > 0 {
        let mut parts = Vec::new();
        if spikes > 0 {
            parts.push(plural(spikes, "spike"));
        }
        if drops > 0 {
            parts.push(format!("{} fell silent", plural(drops, "policy")));
        }
        out.push(format!("Unusual days: {}.", parts.join(", ")));
    }
    if !report.policy_health.is_empty() {
        out.push(format!(
            "Policy health: {}.",
            verdict_counts(&report.policy_health)
        ));
    }
    let recs = &report.recommendations;
    if !recs.is_empty() {
        let patches = recs.iter().filter(|r| r.patch.is_some()).count();
        out.push(format!(
            "{} {} recommended, {patches} with a ready patch.",
            plural(recs.len(), "change"),
            if recs.len() == 1 { "is" } else { "are" }
        ));
    }
    let config = &report.configuration;
    if !config.drift.is_empty() {
        let oob = config.drift.iter().filter(|d| d.out_of_band).count();
        out.push(format!(
            "{} {}{}.",
            plural(config.drift.len(), "policy"),
            if config.drift.len() == 1 {
                "drifts from its file"
            } else {
                "drift from their files"
            },
            if oob > 0 {
                format!(" ({oob} edited in the tenant after the last commit)")
            } else {
                String::new()
            }
        ));
    }
    if !config.overdue.is_empty() {
        out.push(format!(
            "{} overdue.",
            match config.overdue.len() {
                1 => "1 policy review is".to_string(),
                n => format!("{n} policy reviews are"),
            }
        ));
    }
    let checks = &report.platform.checks;
    if !checks.is_empty() {
        let count = |s: CheckStatus| checks.iter().filter(|c| c.status == s).count();
        let mut parts = vec![format!("{} ok", count(CheckStatus::Ok))];
        for (status, words) in [
            (CheckStatus::Findings, "with findings"),
            (CheckStatus::Unavailable, "unavailable"),
            (CheckStatus::Error, "in error"),
        ] {
            if count(status) > 0 {
                parts.push(format!("{} {words}", count(status)));
            }
        }
        out.push(format!("Platform checks: {}.", parts.join(", ")));
    }
    if let Some(kpi) = kpi_by_key(report, "secure_score_mdca") {
        if let Some(points) = kpi.value {
            let max: f64 = report
                .platform
                .secure_score
                .iter()
                .map(|s| s.max_points)
                .sum();
            out.push(format!(
                "Secure Score for Defender for Cloud Apps: {}.",
                if max > 0.0 {
                    format!("{points:.1} of {max:.0} points")
                } else {
                    format_value(points, "points")
                }
            ));
        }
    }
    if !report.missing.is_empty() {
        out.push(format!(
            "{} in the data {} listed below.",
            plural(report.missing.len(), "gap"),
            if report.missing.len() == 1 {
                "is"
            } else {
                "are"
            }
        ));
    }
    out
}

/// "1 to fix, 1 to tune, 1 to retire, 1 unworked, 3 to keep" (non-zero only).
pub(super) fn verdict_counts(rows: &[ScoreRow]) -> String {
    let count = |v: Verdict| rows.iter().filter(|r| r.verdict == v).count();
    [
        (Verdict::Fix, "to fix"),
        (Verdict::Tune, "to tune"),
        (Verdict::Retire, "to retire"),
        (Verdict::Unworked, "unworked"),
        (Verdict::Keep, "to keep"),
    ]
    .into_iter()
    .filter(|(v, _)| count(*v) > 0)
    .map(|(v, words)| format!("{} {words}", count(v)))
    .collect::<Vec<_>>()
    .join(", ")
}

pub(super) const VERDICT_LEGEND: &str = "keep: works as intended; tune: too many false positives; retire: no alert in the silence window, retire it or find out why; fix: at its daily limit, or silent where it should alert; unworked: alerts nobody reads.";

/// The file (or live id) and type under a policy's name.
pub(super) fn policy_place(row: &ScoreRow) -> String {
    let place = row
        .file
        .clone()
        .or_else(|| {
            row.policy_id
                .as_ref()
                .map(|id| format!("live only, id {id}"))
        })
        .unwrap_or_else(|| "live only".into());
    format!("{} · {place}", humanize(&row.policy_type))
}

/// "31 (4 unread); oldest 2026-10-02".
pub(super) fn open_cell(row: &ScoreRow) -> String {
    let mut out = format!("{} ({} unread)", thousands(row.open), thousands(row.unread));
    if let Some(oldest) = &row.oldest_open {
        let _ = write!(out, "; oldest {}", super::ops::day(oldest));
    }
    out
}

/// "41 / 9 / 12", plus legacy closures when there are any.
pub(super) fn closed_cell(row: &ScoreRow) -> String {
    let legacy = row.legacy_dismissed + row.legacy_resolved;
    let mut out = format!(
        "{} / {} / {}",
        thousands(row.true_positive),
        thousands(row.false_positive),
        thousands(row.benign)
    );
    if legacy > 0 {
        let _ = write!(out, "; {} legacy", thousands(legacy));
    }
    out
}

/// "5.5 h / 40.0 h".
pub(super) fn ttr_cell(row: &ScoreRow) -> String {
    let h = |v: Option<f64>| v.map_or("n/a".to_string(), |h| format!("{h:.1} h"));
    format!("{} / {}", h(row.ttr_p50_hours), h(row.ttr_p90_hours))
}

/// A Secure Score's change since the previous run: "▲ +2.0", "▼ -1.0", "=", "-".
pub(super) fn score_change(points: f64, previous: Option<f64>) -> String {
    let Some(previous) = previous else {
        return "-".into();
    };
    let d = ((points - previous) * 10.0).round() / 10.0;
    if d > 0.0 {
        format!("▲ +{d:.1}")
    } else if d < 0.0 {
        format!("▼ -{:.1}", d.abs())
    } else {
        "=".into()
    }
}

/// "+45 (+88.2 %)", "+15 (n/a)".
pub(super) fn trend_change(delta: i64, percent: Option<f64>) -> String {
    let sign = if delta > 0 {
        "+"
    } else if delta < 0 {
        "-"
    } else {
        ""
    };
    let percent = percent.map_or("n/a".to_string(), |p| {
        format!(
            "{}{:.0} %",
            if p > 0.0 {
                "+"
            } else if p < 0.0 {
                "-"
            } else {
                ""
            },
            p.abs()
        )
    });
    format!("{sign}{} ({percent})", thousands(delta.unsigned_abs()))
}

/// "▲ rising", "▬ flat", "▼ falling".
pub(super) fn direction(direction: crate::model::Direction) -> &'static str {
    match direction {
        crate::model::Direction::Rising => "▲ rising",
        crate::model::Direction::Flat => "▬ flat",
        crate::model::Direction::Falling => "▼ falling",
    }
}

/// The severity counts in chart order: high, medium, low, informational,
/// then anything else.
pub(super) fn severity_order(counts: &[Count]) -> Vec<&Count> {
    let rank = |label: &str| {
        [2usize, 1, 0, 3]
            .iter()
            .position(|&s| svg::SEVERITY_NAMES[s] == label)
            .unwrap_or(4)
    };
    let mut sorted: Vec<&Count> = counts.iter().collect();
    sorted.sort_by_key(|c| rank(&c.label));
    sorted
}

/// A severity's colour in every chart (unknown severities in reddish purple,
/// the palette colour no severity uses).
fn severity_colour(label: &str) -> &'static str {
    svg::SEVERITY_NAMES
        .iter()
        .position(|n| *n == label)
        .map_or("#CC79A7", |i| svg::SEVERITY_COLOURS[i])
}

/// A severity code in words.
pub(super) fn severity_name(code: Option<u8>) -> &'static str {
    code.and_then(|c| svg::SEVERITY_NAMES.get(c as usize).copied())
        .unwrap_or("unknown")
}

/// `ANOMALY_DETECTION` as "anomaly detection"; other labels as they are.
pub(super) fn humanize(label: &str) -> String {
    if !label.is_empty()
        && label
            .chars()
            .all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit())
    {
        label.to_ascii_lowercase().replace('_', " ")
    } else {
        label.to_string()
    }
}

/// The first 12 characters of a commit id.
pub(super) fn short_id(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

/// "a, b" or "-".
pub(super) fn list_or_dash(items: &[String]) -> String {
    if items.is_empty() {
        "-".into()
    } else {
        items.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_subset_is_safe() {
        let html = markdown_to_html(
            "# T\n\nA **b** *c* `<d>` [ok](https://x.example/a?b=1&c=2) [no](javascript:alert(1))\n\n- one\n  more\n- two <i>\n\n1. first\n",
        );
        assert!(html.contains("<h3>T</h3>"));
        assert!(html.contains("<strong>b</strong> <em>c</em> <code>&lt;d&gt;</code>"));
        assert!(html.contains("<a href=\"https://x.example/a?b=1&amp;c=2\">ok</a>"));
        assert!(html.contains("[no](javascript:alert(1))"));
        assert!(html.contains("<li>one more</li>\n<li>two &lt;i&gt;</li>"));
        assert!(html.contains("<ol>\n<li>first</li>"));
        assert!(!html.contains("<i>"));
    }

    #[test]
    fn numbers_and_deltas() {
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(thousands(12), "12");
        assert_eq!(month_name("2026-10"), "October 2026");
        assert_eq!(month_name("bad"), "bad");
        let kpi = |unit: &str, value, previous, better| Kpi {
            key: "k".into(),
            label: "K".into(),
            value: Some(value),
            previous: Some(previous),
            unit: unit.into(),
            higher_is_better: better,
            series: Vec::new(),
            note: None,
        };
        let d = delta(&kpi("count", 412.0, 349.0, None)).unwrap();
        assert_eq!(
            (d.arrow, d.text.as_str(), d.better),
            ("▲", "+63 (+18.1 %)", None)
        );
        let d = delta(&kpi("percent", 21.4, 27.9, Some(false))).unwrap();
        assert_eq!(
            (d.arrow, d.text.as_str(), d.better),
            ("▼", "-6.5 pp", Some(true))
        );
        let d = delta(&kpi("hours", 6.52, 6.5, Some(false))).unwrap();
        assert_eq!((d.arrow, d.text.as_str()), ("=", "no change"));
        assert_eq!(format_value(1.0, "days"), "1 day");
        assert_eq!(trend_change(-27, Some(-30.68)), "-27 (-31 %)");
    }
}
