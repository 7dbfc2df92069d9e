//! The words and figures both monthly renderers print (monthly_html.rs and
//! monthly_markdown.rs): the sections and their titles, which missing data
//! concerns which section, number and change formats, the "at a glance"
//! sentences, and every table the two formats share, built once as data
//! (`Table`) so that a renderer only lays it out and escapes it its way.
//!
//! Everything here is plain text; renderers escape it. Charts, badges'
//! colours, page breaks and the like belong to each renderer.

use std::fmt::Write;

use super::{ops, plural, svg};
use crate::model::{
    AlertBrief, CheckResult, CheckStatus, Commit, Configuration, Count, DailyCount, Direction,
    Drifting, GovernanceActions, Kpi, MonthlyReport, Overdue, Platform, ProductScore, RecipientRow,
    Recommendation, ScoreRow, Severity, SourceInput, Spike, SpikeKind, Trend, Verdict,
};

// ------------------------------------------------------------------ outline

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

// ------------------------------------------------------ numbers and changes

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

/// A ratio as a whole percentage: 0.04 as "4 %", none as "n/a".
fn percent(ratio: Option<f64>) -> String {
    ratio.map_or("n/a".to_string(), |r| format!("{:.0} %", r * 100.0))
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
    let sign = |n: f64| {
        if n > 0.0 {
            "+"
        } else if n < 0.0 {
            "-"
        } else {
            ""
        }
    };
    let percent = percent.map_or("n/a".to_string(), |p| {
        format!("{}{:.0} %", sign(p), p.abs())
    });
    format!(
        "{}{} ({percent})",
        sign(delta as f64),
        thousands(delta.unsigned_abs())
    )
}

/// "▲ rising", "▬ flat", "▼ falling".
pub(super) fn direction(direction: Direction) -> &'static str {
    match direction {
        Direction::Rising => "▲ rising",
        Direction::Flat => "▬ flat",
        Direction::Falling => "▼ falling",
    }
}

/// Severity codes in chart order: high, medium, low, informational.
const SEVERITY_ORDER: [usize; 4] = [2, 1, 0, 3];

/// The severity counts in chart order: high, medium, low, informational,
/// then anything else.
pub(super) fn severity_order(counts: &[Count]) -> Vec<&Count> {
    let rank = |label: &str| {
        SEVERITY_ORDER
            .iter()
            .position(|&s| svg::SEVERITY_NAMES[s] == label)
            .unwrap_or(4)
    };
    let mut sorted: Vec<&Count> = counts.iter().collect();
    sorted.sort_by_key(|c| rank(&c.label));
    sorted
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

// ------------------------------------------------------------- at a glance

fn kpi_by_key<'a>(report: &'a MonthlyReport, key: &str) -> Option<&'a Kpi> {
    report.kpis.iter().find(|k| k.key == key)
}

fn kpi_value(report: &MonthlyReport, key: &str) -> Option<f64> {
    kpi_by_key(report, key).and_then(|k| k.value)
}

/// The "at a glance" paragraph, as plain sentences (escape them to show):
/// one per sentence builder that has something to say.
pub(super) fn glance(report: &MonthlyReport) -> Vec<String> {
    let sentences: [fn(&MonthlyReport) -> Option<String>; 12] = [
        alerts_created,
        closed,
        verdicts,
        backlog,
        unusual_days,
        policy_health,
        recommended,
        drifting,
        overdue,
        platform_checks,
        secure_score,
        gaps,
    ];
    sentences.iter().filter_map(|s| s(report)).collect()
}

/// "In October 2026, 412 alerts were created, up 18.1 % from 349 in
/// September 2026." or that there are no alert figures.
fn alerts_created(report: &MonthlyReport) -> Option<String> {
    let month = month_name(&report.month);
    let previous = month_name(&report.previous_month);
    let Some((kpi, created)) =
        kpi_by_key(report, "alerts_created").and_then(|k| Some((k, k.value?)))
    else {
        return Some(format!(
            "There are no alert figures for {month}: see what this report could not cover."
        ));
    };
    let change = match kpi.previous {
        Some(prev) if prev > 0.0 && (created - prev).abs() >= 0.5 => format!(
            ", {} {:.1} % from {} in {previous}",
            if created > prev { "up" } else { "down" },
            (created - prev).abs() * 100.0 / prev,
            format_value(prev, "count")
        ),
        Some(prev) if (created - prev).abs() < 0.5 => format!(", as many as in {previous}"),
        _ => String::new(),
    };
    Some(format!(
        "In {month}, {} alerts were created{change}.",
        format_value(created, "count")
    ))
}

fn closed(report: &MonthlyReport) -> Option<String> {
    let closed = kpi_value(report, "closed_percent")?;
    let ttr = kpi_value(report, "ttr_p50_hours").map_or(String::new(), |h| {
        format!(
            ", with a median time to resolve of {}",
            format_value(h, "hours")
        )
    });
    Some(format!(
        "{} of them are closed{ttr}.",
        format_value(closed, "percent")
    ))
}

fn verdicts(report: &MonthlyReport) -> Option<String> {
    let tp = kpi_value(report, "true_positive_percent")?;
    let fp = kpi_value(report, "false_positive_percent")?;
    Some(format!(
        "Of the alerts closed with a verdict, {} were true positives and {} false positives.",
        format_value(tp, "percent"),
        format_value(fp, "percent")
    ))
}

fn backlog(report: &MonthlyReport) -> Option<String> {
    let open = kpi_value(report, "open_backlog")?;
    Some(format!(
        "{} {} open at the month's end.",
        format_value(open, "count"),
        if open == 1.0 {
            "alert was"
        } else {
            "alerts were"
        }
    ))
}

fn unusual_days(report: &MonthlyReport) -> Option<String> {
    let spikes = &report.trends.spikes;
    let up = spikes.iter().filter(|s| s.kind == SpikeKind::Spike).count();
    let drops = spikes.len() - up;
    let mut parts = Vec::new();
    if up > 0 {
        parts.push(plural(up, "spike"));
    }
    if drops > 0 {
        parts.push(format!("{} fell silent", plural(drops, "policy")));
    }
    (!parts.is_empty()).then(|| format!("Unusual days: {}.", parts.join(", ")))
}

fn policy_health(report: &MonthlyReport) -> Option<String> {
    let rows = &report.policy_health;
    (!rows.is_empty()).then(|| format!("Policy health: {}.", verdict_counts(rows)))
}

fn recommended(report: &MonthlyReport) -> Option<String> {
    let recs = &report.recommendations;
    if recs.is_empty() {
        return None;
    }
    let patches = recs.iter().filter(|r| r.patch.is_some()).count();
    Some(format!(
        "{} {} recommended, {patches} with a ready patch.",
        plural(recs.len(), "change"),
        if recs.len() == 1 { "is" } else { "are" }
    ))
}

fn drifting(report: &MonthlyReport) -> Option<String> {
    let drift = &report.configuration.drift;
    if drift.is_empty() {
        return None;
    }
    let oob = drift.iter().filter(|d| d.out_of_band).count();
    Some(format!(
        "{} {}{}.",
        plural(drift.len(), "policy"),
        if drift.len() == 1 {
            "drifts from its file"
        } else {
            "drift from their files"
        },
        if oob > 0 {
            format!(" ({oob} edited in the tenant after the last commit)")
        } else {
            String::new()
        }
    ))
}

fn overdue(report: &MonthlyReport) -> Option<String> {
    match report.configuration.overdue.len() {
        0 => None,
        1 => Some("1 policy review is overdue.".to_string()),
        n => Some(format!("{n} policy reviews are overdue.")),
    }
}

fn platform_checks(report: &MonthlyReport) -> Option<String> {
    let checks = &report.platform.checks;
    if checks.is_empty() {
        return None;
    }
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
    Some(format!("Platform checks: {}.", parts.join(", ")))
}

fn secure_score(report: &MonthlyReport) -> Option<String> {
    let points = kpi_value(report, "secure_score_mdca")?;
    let max: f64 = report
        .platform
        .secure_score
        .iter()
        .map(|s| s.max_points)
        .sum();
    Some(format!(
        "Secure Score for Defender for Cloud Apps: {}.",
        if max > 0.0 {
            format!("{points:.1} of {max:.0} points")
        } else {
            format_value(points, "points")
        }
    ))
}

fn gaps(report: &MonthlyReport) -> Option<String> {
    let gaps = report.missing.len();
    (gaps > 0).then(|| {
        format!(
            "{} in the data {} listed below.",
            plural(gaps, "gap"),
            if gaps == 1 { "is" } else { "are" }
        )
    })
}

// ------------------------------------------------------- section sentences

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

/// The glyph of a verdict or recommendation kind, beside its word.
pub(super) fn verdict_glyph(kind: &str) -> &'static str {
    match kind {
        "fix" => "✖",
        "tune" => "◆",
        "retire" => "○",
        "unworked" => "!",
        "keep" => "✔",
        _ => "•",
    }
}

/// "7 policies: 1 to fix, 1 to tune, 5 to keep."
pub(super) fn health_summary(rows: &[ScoreRow]) -> String {
    format!(
        "{}: {}.",
        plural(rows.len(), "policy"),
        verdict_counts(rows)
    )
}

/// "5 recommendations, 3 with a patch to apply with `git apply` ({where_})."
pub(super) fn recommendations_summary(recs: &[Recommendation], where_: &str) -> String {
    format!(
        "{}, {} with a patch to apply with `git apply` ({where_}).",
        plural(recs.len(), "recommendation"),
        recs.iter().filter(|r| r.patch.is_some()).count()
    )
}

/// What the drift section says when no policy was compared.
pub(super) const NOTHING_COMPARED: &str = "No policy was compared with the tenant.";

/// "18 policies in sync, 3 drifting (1 edited in the tenant after the
/// file's last commit)."; `None` when no policy was compared.
pub(super) fn drift_summary(config: &Configuration) -> Option<String> {
    if config.in_sync == 0 && config.drift.is_empty() {
        return None;
    }
    let oob = config.drift.iter().filter(|d| d.out_of_band).count();
    Some(format!(
        "{} in sync, {} drifting{}.",
        plural(config.in_sync, "policy"),
        config.drift.len(),
        match oob {
            0 => String::new(),
            n => format!(" ({n} edited in the tenant after the file's last commit)"),
        }
    ))
}

/// When the policy files and the tenant last changed (RFC 3339 or "unknown").
pub(super) fn last_changes(config: &Configuration) -> [(&'static str, &str); 2] {
    [
        ("Policy files last changed", &config.last_change_desired),
        ("Tenant last changed", &config.last_change_live),
    ]
    .map(|(what, time)| (what, time.as_deref().unwrap_or("unknown")))
}

/// "high 40 · medium 120 · low 200 · informational 52; busiest day
/// 2026-10-14 (60 alerts)".
pub(super) fn month_totals(daily: &[DailyCount]) -> String {
    let mut totals = [0u64; 4];
    for d in daily {
        for (t, c) in totals.iter_mut().zip(d.by_severity) {
            *t += c;
        }
    }
    let day_total = |d: &DailyCount| d.by_severity.iter().sum::<u64>();
    let busiest = daily
        .iter()
        .max_by_key(|d| (day_total(d), std::cmp::Reverse(&d.date)));
    format!(
        "{}{}",
        SEVERITY_ORDER
            .iter()
            .map(|&s| format!("{} {}", svg::SEVERITY_NAMES[s], thousands(totals[s])))
            .collect::<Vec<_>>()
            .join(" · "),
        busiest.map_or(String::new(), |d| format!(
            "; busiest day {} ({})",
            d.date,
            plural(day_total(d) as usize, "alert")
        ))
    )
}

/// The appendix's provenance: (what, value).
pub(super) fn provenance(report: &MonthlyReport) -> [(&'static str, String); 6] {
    let a = &report.appendix;
    [
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
    ]
}

// ------------------------------------------------------------------ tables

/// A table both formats print: HTML as a `<table>` with fixed column
/// widths, Markdown as a pipe table.
pub(super) struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
    /// What to say instead of an empty table; `None`: nothing (the section
    /// leaves the table out).
    pub empty: Option<&'static str>,
    /// A fixed sentence under the table (nothing to escape).
    pub legend: Option<&'static str>,
}

/// A column: its heading, its share of the width (HTML) and whether it
/// holds numbers (right-aligned).
pub(super) struct Column {
    pub heading: &'static str,
    pub width: &'static str,
    pub numeric: bool,
}

/// A column of text.
fn col(heading: &'static str, width: &'static str) -> Column {
    Column {
        heading,
        width,
        numeric: false,
    }
}

/// A column of numbers.
fn num(heading: &'static str, width: &'static str) -> Column {
    Column {
        heading,
        width,
        numeric: true,
    }
}

/// A cell: spans of text in a row.
pub(super) type Cell = Vec<Span>;

/// A piece of a cell: text from the data and how it is marked. Each
/// renderer shows a span its way and escapes its text.
pub(super) enum Span {
    /// Text.
    Text(String),
    /// Prose whose `code` spans HTML shows as code (Markdown does anyway).
    Prose(String),
    /// An RFC 3339 time; HTML lets it wrap after the date.
    Time(String),
    /// Text naming files; HTML lets it wrap after each `/`.
    Paths(String),
    /// Code.
    Code(String),
    /// A file path as code; HTML lets it wrap after each `/`.
    Path(String),
    /// A SHA-256 as code; HTML breaks it anywhere.
    Hash(String),
    /// A name in a list: code in HTML, text in Markdown.
    Name(String),
    /// Between the items of a list: a new line in HTML, ", " in Markdown.
    Break,
    /// Small print: under the text in HTML, in parentheses in Markdown.
    Under(Box<Span>),
    /// A note under the text: "Note: …" in HTML, "(note: …)" in Markdown.
    Note(String),
    /// Text after a warning sign.
    Warning(String),
    /// A warning badge (`badge`) and what it means.
    Flag {
        badge: &'static str,
        meaning: &'static str,
    },
    /// A verdict or recommendation kind, with its glyph.
    Verdict(String),
    /// An ops check's status in words; the status and the worst finding
    /// pick its mark.
    Check {
        status: CheckStatus,
        worst: Option<Severity>,
        words: String,
    },
}

/// A cell of plain text.
fn text(text: impl Into<String>) -> Cell {
    vec![Span::Text(text.into())]
}

/// A cell of prose.
fn prose(text: impl Into<String>) -> Cell {
    vec![Span::Prose(text.into())]
}

/// Items in a cell: one per line in HTML, separated by commas in Markdown.
fn lines(items: impl IntoIterator<Item = Span>) -> Cell {
    let mut cell = Vec::new();
    for item in items {
        if !cell.is_empty() {
            cell.push(Span::Break);
        }
        cell.push(item);
    }
    cell
}

/// Text with small print under it.
fn with_under(main: &str, under: Option<Span>) -> Cell {
    let mut cell = text(main);
    cell.extend(under.map(|u| Span::Under(Box::new(u))));
    cell
}

pub(super) fn spikes(report: &MonthlyReport) -> Table {
    Table {
        columns: vec![
            col("Date", "16%"),
            col("Policy", "38%"),
            col("What", "18%"),
            num("Alerts that day", "14%"),
            num("Usual per day", "14%"),
        ],
        rows: report.trends.spikes.iter().map(spike_row).collect(),
        empty: Some("No policy spiked or fell silent this month."),
        legend: None,
    }
}

fn spike_row(s: &Spike) -> Vec<Cell> {
    let what = match s.kind {
        SpikeKind::Spike => "▲ spike",
        SpikeKind::Drop => "▼ drop to zero",
    };
    vec![
        text(&s.date),
        text(&s.policy),
        text(what),
        text(thousands(s.count)),
        text(format!("{:.1}", s.baseline)),
    ]
}

pub(super) fn policy_trends(report: &MonthlyReport) -> Table {
    Table {
        columns: vec![
            col("Policy", "34%"),
            num("Previous", "13%"),
            num("This month", "12%"),
            num("Change", "17%"),
            num("Per week (slope)", "11%"),
            col("Trend", "13%"),
        ],
        rows: report.trends.policies.iter().map(trend_row).collect(),
        empty: Some("No policy raised alerts in either month."),
        legend: Some("Change in % only from 5 alerts in the previous month; the slope is the Theil-Sen slope of weekly totals."),
    }
}

fn trend_row(t: &Trend) -> Vec<Cell> {
    let slope = |s: f64| format!("{}{s:.1}", if s > 0.0 { "+" } else { "" });
    vec![
        text(&t.policy),
        text(thousands(t.previous)),
        text(thousands(t.current)),
        text(trend_change(t.delta, t.percent)),
        text(t.slope_per_week.map_or("n/a".to_string(), slope)),
        text(direction(t.direction)),
    ]
}

pub(super) fn governance(report: &MonthlyReport) -> Table {
    Table {
        columns: vec![
            col("Action", "32%"),
            num("Total", "11%"),
            num("Succeeded", "15%"),
            num("Failed", "11%"),
            num("Pending", "13%"),
            num("Success rate", "18%"),
        ],
        rows: report
            .trends
            .governance
            .iter()
            .map(governance_row)
            .collect(),
        empty: Some("No governance actions recorded for the month."),
        legend: Some("Success rate: succeeded of all actions of the task, pending included."),
    }
}

fn governance_row(g: &GovernanceActions) -> Vec<Cell> {
    vec![
        text(&g.task),
        text(thousands(g.total)),
        text(thousands(g.succeeded)),
        text(thousands(g.failed)),
        text(thousands(g.pending)),
        text(share(g.succeeded, g.total)),
    ]
}

pub(super) fn health(report: &MonthlyReport) -> Table {
    Table {
        columns: vec![
            col("Verdict", "15%"),
            col("Policy", "21%"),
            num("Alerts", "9%"),
            col("Open", "13%"),
            col("Closed as TP / FP / benign", "12%"),
            num("FP ratio", "8%"),
            col("Time to resolve p50 / p90", "10%"),
            col("Why", "12%"),
        ],
        rows: report.policy_health.iter().map(health_row).collect(),
        empty: Some("No policy to assess."),
        legend: Some(VERDICT_LEGEND),
    }
}

fn health_row(row: &ScoreRow) -> Vec<Cell> {
    vec![
        vec![Span::Verdict(row.verdict.as_str().to_string())],
        with_under(&row.policy, Some(Span::Paths(policy_place(row)))),
        text(thousands(row.alerts)),
        text(open_cell(row)),
        text(closed_cell(row)),
        text(percent(row.fp_ratio)),
        text(ttr_cell(row)),
        prose(row.reasons.join("; ")),
    ]
}

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
        let _ = write!(out, "; oldest {}", ops::day(oldest));
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

/// The recommendations; HTML prints each patch under its row, Markdown
/// after the table.
pub(super) fn recommendations(report: &MonthlyReport) -> Table {
    Table {
        columns: vec![
            col("Policy", "19%"),
            col("Kind", "13%"),
            col("Evidence", "20%"),
            col("Change", "20%"),
            col("Who is affected", "14%"),
            col("Expected alerts", "14%"),
        ],
        rows: report
            .recommendations
            .iter()
            .map(recommendation_row)
            .collect(),
        empty: Some("No change to recommend."),
        legend: None,
    }
}

fn recommendation_row(rec: &Recommendation) -> Vec<Cell> {
    vec![
        with_under(&rec.policy, rec.file.clone().map(Span::Path)),
        vec![Span::Verdict(rec.kind.clone())],
        prose(&rec.evidence),
        prose(&rec.change),
        prose(&rec.affected),
        prose(rec.expected_alerts.as_deref().unwrap_or("not estimated")),
    ]
}

pub(super) fn commits(config: &Configuration) -> Table {
    Table {
        columns: vec![
            col("Date", "17%"),
            col("Author", "16%"),
            col("Change", "37%"),
            col("Files", "30%"),
        ],
        rows: config.commits.iter().map(commit_row).collect(),
        empty: Some("No commit changed a policy file this month."),
        legend: None,
    }
}

fn commit_row(c: &Commit) -> Vec<Cell> {
    vec![
        vec![Span::Time(c.date.clone())],
        text(&c.author),
        with_under(&c.summary, Some(Span::Code(short_id(&c.id).into()))),
        lines(c.files.iter().cloned().map(Span::Path)),
    ]
}

/// The drifting policies; the section says how many are in sync.
pub(super) fn drift(config: &Configuration) -> Table {
    Table {
        columns: vec![
            col("Policy", "32%"),
            col("Drift", "22%"),
            col("Fields", "28%"),
            col("Out of band", "18%"),
        ],
        rows: config.drift.iter().map(drift_row).collect(),
        empty: None,
        legend: None,
    }
}

fn drift_row(d: &Drifting) -> Vec<Cell> {
    let fields = if d.fields.is_empty() {
        text("-")
    } else {
        lines(d.fields.iter().cloned().map(Span::Code))
    };
    let out_of_band = if d.out_of_band {
        vec![Span::Flag {
            badge: "yes",
            meaning: "edited after the last commit",
        }]
    } else {
        text("no")
    };
    vec![
        text(&d.policy),
        text(ops::drift_kind(&d.kind)),
        fields,
        out_of_band,
    ]
}

pub(super) fn overdue_reviews(config: &Configuration) -> Table {
    Table {
        columns: vec![col("Policy", "40%"), col("File", "40%"), col("Due", "20%")],
        rows: config.overdue.iter().map(overdue_row).collect(),
        empty: Some("No review is overdue."),
        legend: None,
    }
}

fn overdue_row(o: &Overdue) -> Vec<Cell> {
    vec![
        text(&o.policy),
        vec![Span::Path(o.file.clone())],
        text(o.due.as_deref().unwrap_or("now (no review recorded)")),
    ]
}

pub(super) fn recipients(config: &Configuration) -> Table {
    Table {
        columns: vec![
            col("Policy", "20%"),
            col("Recipients (policy file)", "24%"),
            col("Recipients (tenant)", "22%"),
            col("Outside allowed domains", "23%"),
            num("Unread", "11%"),
        ],
        rows: config.recipients.iter().map(recipient_row).collect(),
        empty: Some("No policy mails its alerts."),
        legend: Some("Unread: share of the policy's alerts this month still unread."),
    }
}

fn recipient_row(r: &RecipientRow) -> Vec<Cell> {
    let live = if r.live == r.desired {
        "same as the file".to_string()
    } else {
        list_or_dash(&r.live)
    };
    let outside = if r.outside_allowed.is_empty() {
        text("none")
    } else {
        vec![Span::Warning(r.outside_allowed.join(", "))]
    };
    vec![
        text(&r.policy),
        text(list_or_dash(&r.desired)),
        text(live),
        outside,
        text(percent(r.unread_share)),
    ]
}

pub(super) fn checks(platform: &Platform) -> Table {
    Table {
        columns: vec![
            col("Check", "26%"),
            col("Status", "18%"),
            col("Detail", "56%"),
        ],
        rows: platform.checks.iter().map(check_row).collect(),
        empty: Some("No check results."),
        legend: None,
    }
}

fn check_row(c: &CheckResult) -> Vec<Cell> {
    let mut detail = prose(c.detail.as_str());
    detail.extend(c.notes.iter().cloned().map(Span::Note));
    vec![
        text(c.check.title()),
        vec![Span::Check {
            status: c.status,
            worst: c.worst,
            words: ops::status_words(c),
        }],
        detail,
    ]
}

/// Secure Score per product; with `share`, a column of the share of its
/// maximum (which HTML draws as a chart instead).
pub(super) fn secure_scores(platform: &Platform, share: bool) -> Table {
    let mut columns = vec![col("Product", "20%"), num("Points", "15%")];
    if share {
        columns.push(num("Share", "10%"));
    }
    columns.extend([
        num("Previous run", "14%"),
        num("Change", "12%"),
        col("Controls at 0 %", "39%"),
    ]);
    Table {
        columns,
        rows: platform
            .secure_score
            .iter()
            .map(|s| secure_score_row(s, share))
            .collect(),
        empty: Some("No Secure Score (it needs an ops run with Graph credentials)."),
        legend: None,
    }
}

fn secure_score_row(s: &ProductScore, share: bool) -> Vec<Cell> {
    let mut row = vec![
        text(&s.product),
        text(format!("{:.1} / {:.1}", s.points, s.max_points)),
    ];
    if share {
        row.push(text(if s.max_points > 0.0 {
            format!("{:.0} %", s.points * 100.0 / s.max_points)
        } else {
            "-".into()
        }));
    }
    let mut controls = text(format!("{} of {}", s.zero_controls.len(), s.controls));
    for (i, control) in s.zero_controls.iter().enumerate() {
        controls.push(Span::Text(if i == 0 { ": " } else { ", " }.into()));
        controls.push(Span::Name(control.clone()));
    }
    row.extend([
        text(
            s.previous_points
                .map_or("-".to_string(), |prev| format!("{prev:.1}")),
        ),
        text(score_change(s.points, s.previous_points)),
        controls,
    ]);
    row
}

pub(super) fn system_alerts(platform: &Platform) -> Table {
    Table {
        columns: vec![
            col("Created", "20%"),
            num("Age", "10%"),
            col("Severity", "13%"),
            col("Alert", "35%"),
            col("Policy", "22%"),
        ],
        rows: platform
            .system_alerts
            .iter()
            .map(system_alert_row)
            .collect(),
        empty: Some("None."),
        legend: None,
    }
}

fn system_alert_row(a: &AlertBrief) -> Vec<Cell> {
    vec![
        vec![Span::Time(a.created.clone())],
        text(ops::days(a.age_days)),
        text(severity_name(a.severity)),
        with_under(&a.title, Some(Span::Code(a.id.clone()))),
        text(a.policy.as_deref().unwrap_or("-")),
    ]
}

pub(super) fn sources(report: &MonthlyReport) -> Table {
    Table {
        columns: vec![
            col("Input", "14%"),
            col("Path", "28%"),
            col("Read from the tenant", "20%"),
            col("SHA-256", "38%"),
        ],
        rows: report.sources.iter().map(source_row).collect(),
        empty: Some("No inputs recorded."),
        legend: None,
    }
}

fn source_row(s: &SourceInput) -> Vec<Cell> {
    vec![
        text(&s.kind),
        vec![Span::Path(s.path.clone())],
        vec![Span::Time(s.fetched_at.as_deref().unwrap_or("-").into())],
        vec![Span::Hash(s.sha256.clone())],
    ]
}

/// The thresholds; the appendix leaves the table out when there are none.
pub(super) fn thresholds(report: &MonthlyReport) -> Table {
    let thresholds = &report.appendix.thresholds;
    Table {
        columns: vec![col("Threshold", "40%"), col("Value", "60%")],
        rows: thresholds
            .iter()
            .map(|(k, v)| vec![text(k), prose(v)])
            .collect(),
        empty: None,
        legend: None,
    }
}

/// Every day's alerts by severity; left out when there are none.
pub(super) fn daily(report: &MonthlyReport) -> Table {
    let mut columns = vec![col("Date", "25%")];
    for heading in ["High", "Medium", "Low", "Informational", "Total"] {
        columns.push(num(heading, "15%"));
    }
    Table {
        columns,
        rows: report.trends.daily.iter().map(day_row).collect(),
        empty: None,
        legend: None,
    }
}

fn day_row(d: &DailyCount) -> Vec<Cell> {
    let s = d.by_severity;
    let mut row = vec![text(&d.date)];
    row.extend(SEVERITY_ORDER.iter().map(|&i| text(s[i].to_string())));
    row.push(text(s.iter().sum::<u64>().to_string()));
    row
}

#[cfg(test)]
mod tests {
    use super::*;

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
