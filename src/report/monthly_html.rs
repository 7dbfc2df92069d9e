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
//! rendered from a safe subset by notes_html.rs), appendix. Each numbered
//! section after the first starts a new printed page; tables have fixed
//! layouts and wrap long text so nothing runs past the printable width.
//!
//! The words, figures and tables it shares with the Markdown renderer come
//! from monthly_text.rs; this file lays them out as HTML, escapes them, and
//! draws what only HTML has: KPI cards, charts, badges and patch rows.

use std::fmt::Write;

use super::monthly_text::{
    self, delta, drift_summary, format_value, glance, health_summary, humanize, last_changes,
    missing_in, month_name, month_totals, outline, provenance, recommendations_summary,
    severity_order, share, thousands, verdict_glyph, Cell, Part, Span, Table, NOTHING_COMPARED,
};
use super::notes_html::{esc, markdown_to_html};
use super::{plural, svg};
use crate::model::{CheckStatus, Count, Kpi, MonthlyReport, Platform, Recommendation, Severity};

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
    for (n, (part, title)) in outline(report).into_iter().enumerate() {
        let n = n + 1;
        let class = if n == 1 { "" } else { " class=\"page\"" };
        let _ = writeln!(
            out,
            "<section id=\"{}\"{class}>\n<h2>{n}. {}</h2>",
            part.id(),
            esc(title)
        );
        for note in missing_in(report, part) {
            let _ = writeln!(
                out,
                "<p class=\"missing\"><b>⚠ Not covered:</b> {}</p>",
                prose(note)
            );
        }
        section(&mut out, report, part);
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
    let (w, h, pad, plot_bottom) = (200.0, 46.0, 4.0, 30.0);
    let mut svg = format!(
        "<svg role=\"img\" viewBox=\"0 0 {w} {h}\" width=\"100%\" aria-label=\"{l}\"><title>{l}</title>\n<line x1=\"{pad}\" y1=\"{plot_bottom}\" x2=\"{}\" y2=\"{plot_bottom}\" stroke=\"#d0d7de\"/>\n",
        w - pad,
        l = esc(&sparkline_label(kpi))
    );
    let points = sparkline_points(kpi, w, pad, plot_bottom);
    sparkline_lines(&mut svg, &points);
    let last = points.len() - 1;
    for (i, point) in points.iter().enumerate() {
        if let Some((x, y)) = point {
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

/// "Closed, by month: 2026-05 58.0 %; 2026-06 no data; ...".
fn sparkline_label(kpi: &Kpi) -> String {
    let values = kpi
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
    format!("{}, by month: {values}", kpi.label)
}

/// Each month's point in the sparkline (none without a value), from zero
/// at `plot_bottom` to the largest value near the top.
fn sparkline_points(kpi: &Kpi, w: f64, pad: f64, plot_bottom: f64) -> Vec<Option<(f64, f64)>> {
    let plot_top = 4.0;
    let max = kpi
        .series
        .iter()
        .filter_map(|(_, v)| *v)
        .fold(0.0_f64, f64::max)
        .max(f64::MIN_POSITIVE);
    let step = (w - 2.0 * pad) / (kpi.series.len() - 1) as f64;
    kpi.series
        .iter()
        .enumerate()
        .map(|(i, (_, v))| {
            v.map(|v| {
                (
                    pad + i as f64 * step,
                    plot_bottom - (v.max(0.0) / max) * (plot_bottom - plot_top),
                )
            })
        })
        .collect()
}

/// Runs of consecutive known values as polylines.
fn sparkline_lines(svg: &mut String, points: &[Option<(f64, f64)>]) {
    for run in points.split(Option::is_none).filter(|run| run.len() > 1) {
        let coords: Vec<String> = run
            .iter()
            .flatten()
            .map(|(x, y)| format!("{x:.1},{y:.1}"))
            .collect();
        let _ = writeln!(
            svg,
            "<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\" points=\"{}\"/>",
            svg::BAR,
            coords.join(" ")
        );
    }
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
    daily_chart(out, report);
    out.push_str("<h3>Spikes and drops</h3>\n");
    table(out, &monthly_text::spikes(report));
    let _ = writeln!(
        out,
        "<h3>Per policy, against {}</h3>",
        esc(&month_name(&report.previous_month))
    );
    table(out, &monthly_text::policy_trends(report));
    out.push_str("<h3>How the month's alerts stand</h3>\n");
    let mix: Vec<&Count> = report.trends.resolution_mix.iter().collect();
    if mix.is_empty() {
        out.push_str("<p class=\"empty\">No alerts.</p>\n");
    } else {
        count_chart(out, "Resolution of the month's alerts today", &mix, false);
    }
    out.push_str("<h3>Governance actions</h3>\n");
    table(out, &monthly_text::governance(report));
}

/// Alerts per day, stacked by severity, with the month's totals.
fn daily_chart(out: &mut String, report: &MonthlyReport) {
    let daily = &report.trends.daily;
    out.push_str("<h3>Alerts per day</h3>\n");
    if daily.is_empty() {
        out.push_str("<p class=\"empty\">No daily counts.</p>\n");
        return;
    }
    let days: Vec<(String, [u64; 4])> = daily
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
    let _ = writeln!(
        out,
        "<p class=\"legend\">Month totals: {}. Every day's counts are in the appendix.</p>\n</figure>",
        esc(&month_totals(daily))
    );
}

fn health(out: &mut String, report: &MonthlyReport) {
    if !report.policy_health.is_empty() {
        let _ = writeln!(
            out,
            "<p>{}</p>",
            esc(&health_summary(&report.policy_health))
        );
    }
    dense_table(out, &monthly_text::health(report), |_, _| {});
}

fn recommendations(out: &mut String, report: &MonthlyReport) {
    let recs = &report.recommendations;
    if !recs.is_empty() {
        let _ = writeln!(
            out,
            "<p>{}</p>",
            prose(&recommendations_summary(recs, "printed under its row"))
        );
    }
    dense_table(out, &monthly_text::recommendations(report), |out, row| {
        patch_row(out, &recs[row])
    });
}

/// A recommendation's patch, in a row of its own under the recommendation.
fn patch_row(out: &mut String, rec: &Recommendation) {
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
    table(out, &monthly_text::commits(config));
    out.push_str("<dl class=\"facts\">");
    for (what, time) in last_changes(config) {
        let _ = write!(out, "<dt>{what}</dt><dd>{}</dd>", stamp(time));
    }
    out.push_str("</dl>\n");
    out.push_str("<h3>Drift now</h3>\n");
    match drift_summary(config) {
        Some(summary) => {
            let _ = writeln!(out, "<p>{}</p>", esc_content(&summary));
        }
        None => {
            let _ = writeln!(out, "<p class=\"empty\">{NOTHING_COMPARED}</p>");
        }
    }
    table(out, &monthly_text::drift(config));
    out.push_str("<h3>Overdue reviews</h3>\n");
    table(out, &monthly_text::overdue_reviews(config));
    out.push_str("<h3>Where alerts are sent</h3>\n");
    table(out, &monthly_text::recipients(config));
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
    table(out, &monthly_text::checks(p));
    out.push_str("<h3>Secure Score per product</h3>\n");
    if !p.secure_score.is_empty() {
        secure_score_chart(out, p);
    }
    table(out, &monthly_text::secure_scores(p, false));
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
    table(out, &monthly_text::system_alerts(p));
}

/// Each product's points as a share of its maximum; a drop since the
/// previous run in orange and marked ▼.
fn secure_score_chart(out: &mut String, p: &Platform) {
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
    out.push_str(
        "<p class=\"legend\">▼ and orange: fewer points than at the previous run.</p>\n</figure>\n",
    );
}

fn threats(out: &mut String, report: &MonthlyReport) {
    if let Some(notes) = &report.threat_notes {
        out.push_str("<p class=\"meta\">Written by the report's author; links lead outside this report.</p>\n<div class=\"threats\">\n");
        out.push_str(&markdown_to_html(notes));
        out.push_str("</div>\n");
    }
}

fn appendix(out: &mut String, report: &MonthlyReport) {
    out.push_str("<h3>Provenance</h3>\n<dl class=\"facts\">\n");
    for (what, value) in provenance(report) {
        let _ = writeln!(out, "<dt>{}</dt><dd>{}</dd>", esc(what), esc(&value));
    }
    out.push_str("</dl>\n");
    out.push_str("<h3>Data and its freshness</h3>\n");
    table(out, &monthly_text::sources(report));
    let method = &report.appendix.method;
    if !method.is_empty() {
        out.push_str("<h3>Method</h3>\n<ul>\n");
        for m in method {
            let _ = writeln!(out, "<li>{}</li>", prose(m));
        }
        out.push_str("</ul>\n");
    }
    let thresholds = monthly_text::thresholds(report);
    if !thresholds.rows.is_empty() {
        out.push_str("<h3>Thresholds</h3>\n");
        table(out, &thresholds);
    }
    let daily = monthly_text::daily(report);
    if !daily.rows.is_empty() {
        out.push_str("<h3>Alerts per day</h3>\n");
        dense_table(out, &daily, |_, _| {});
    }
}

// ------------------------------------------------------------------ tables

/// A fixed-layout table, or what to say when it has no rows.
fn table(out: &mut String, table: &Table) {
    write_table(out, "table", table, |_, _| {});
}

/// A table in a smaller font, for wide or long tables; `after_row` may add
/// a row under each (by its index).
fn dense_table(out: &mut String, table: &Table, after_row: impl Fn(&mut String, usize)) {
    write_table(out, "table class=\"dense\"", table, after_row);
}

fn write_table(out: &mut String, tag: &str, table: &Table, after_row: impl Fn(&mut String, usize)) {
    if table.rows.is_empty() {
        if let Some(empty) = table.empty {
            let _ = writeln!(out, "<p class=\"empty\">{empty}</p>");
        }
        return;
    }
    let _ = write!(out, "<{tag}>\n<colgroup>");
    for column in &table.columns {
        let _ = write!(out, "<col style=\"width:{}\">", column.width);
    }
    out.push_str("</colgroup>\n<thead><tr>");
    for column in &table.columns {
        let class = if column.numeric { " class=\"num\"" } else { "" };
        let _ = write!(out, "<th{class}>{}</th>", esc(column.heading));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for (i, row) in table.rows.iter().enumerate() {
        out.push_str("<tr>");
        for (column, cell) in table.columns.iter().zip(row) {
            let class = if column.numeric { " class=\"num\"" } else { "" };
            let _ = write!(out, "<td{class}>{}</td>", cell_html(cell));
        }
        out.push_str("</tr>\n");
        after_row(out, i);
    }
    out.push_str("</tbody></table>\n");
    if let Some(legend) = table.legend {
        let _ = writeln!(out, "<p class=\"legend\">{legend}</p>");
    }
}

fn cell_html(cell: &Cell) -> String {
    cell.iter().map(span_html).collect()
}

fn span_html(span: &Span) -> String {
    match span {
        Span::Text(text) => esc(text),
        Span::Prose(text) => prose(text),
        Span::Time(text) => stamp(text),
        Span::Paths(text) => path(text),
        Span::Code(text) | Span::Name(text) => format!("<code>{}</code>", esc(text)),
        Span::Path(text) => format!("<code>{}</code>", path(text)),
        Span::Hash(text) => format!("<code class=\"hash\">{}</code>", esc(text)),
        Span::Break => "<br>".into(),
        Span::Under(span) => format!("<br>{}", small(span)),
        Span::Note(text) => format!("<br><span class=\"small\">Note: {}</span>", prose(text)),
        Span::Warning(text) => format!("⚠ {}", esc(text)),
        Span::Flag { badge, meaning } => {
            format!("<span class=\"badge b-warning\">⚠ {badge}</span> {meaning}")
        }
        Span::Verdict(kind) => verdict_badge(kind),
        Span::Check {
            status,
            worst,
            words,
        } => check_badge(*status, *worst, words),
    }
}

/// Small print: code in a smaller font, anything else in a small span.
fn small(span: &Span) -> String {
    match span {
        Span::Code(text) => format!("<code class=\"small\">{}</code>", esc(text)),
        Span::Path(text) => format!("<code class=\"small\">{}</code>", path(text)),
        span => format!("<span class=\"small\">{}</span>", span_html(span)),
    }
}

// ------------------------------------------------------------ HTML helpers

/// `svg::bars` draws the value label after the bar, inside a fixed
/// viewBox: scaling to a quarter more than the largest value leaves room
/// for a label such as "100 % (40.0 of 40.0) ▼" after the longest bar.
const LABEL_ROOM: f64 = 1.25;

/// A verdict or recommendation kind as a badge: a glyph and the word.
fn verdict_badge(kind: &str) -> String {
    let class = match kind {
        "fix" => "b-error",
        "tune" | "unworked" => "b-warning",
        "retire" => "b-muted",
        "keep" => "b-ok",
        _ => "b-note",
    };
    format!(
        "<span class=\"badge {class}\">{}&nbsp;{}</span>",
        verdict_glyph(kind),
        esc(kind)
    )
}

/// A check's status as a badge, as in the weekly ops report: a glyph and
/// the status in words.
fn check_badge(status: CheckStatus, worst: Option<Severity>, words: &str) -> String {
    let (glyph, class) = match status {
        CheckStatus::Ok => ("✔", "b-ok"),
        CheckStatus::Findings if worst == Some(Severity::Error) => ("✖", "b-error"),
        CheckStatus::Findings => ("✖", "b-warning"),
        CheckStatus::Unavailable => ("–", "b-muted"),
        CheckStatus::Error => ("✖", "b-error"),
        CheckStatus::Skipped => ("·", "b-muted"),
    };
    format!(
        "<span class=\"badge {class}\">{glyph}&nbsp;{}</span>",
        esc(words)
    )
}

/// A severity's colour in every chart (unknown severities in reddish purple,
/// the palette colour no severity uses).
fn severity_colour(label: &str) -> &'static str {
    svg::SEVERITY_NAMES
        .iter()
        .position(|n| *n == label)
        .map_or("#CC79A7", |i| svg::SEVERITY_COLOURS[i])
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

/// Escapes text for element content only: `&`, `<` and `>` (a sentence's
/// apostrophes stay as they are).
fn esc_content(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
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
