//! Human output: miette's graphical rendering of each finding (code frames
//! with carets, labels and help), then the review table (`review`), each
//! drifted policy's diff and the drift counts (`drift`), the scorecard,
//! spikes, trends, recipients, system alerts and backlog (`alerts`), a
//! status line per check with its findings as one-liners (`ops`, whose
//! findings have no place in a file worth framing), and a one-line summary.
//! Colour only when asked for (a terminal), never the only signal.
//!
//! miette is built with `fancy-no-backtrace`: the graphical handler without
//! the `backtrace` crates, since casguard's diagnostics are about policy
//! files and tenants, never about where in casguard they were raised.

use std::fmt::{self, Write};

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode,
};

use super::{plural, DriftSection, Report, ReviewSection, Style};
use crate::model::{
    AlertsSection, CheckResult, CheckStatus, Finding, Location, OpsCheck, OpsSection, ProductScore,
    ReviewEntry, ScoreRow, Severity, Sources,
};

pub fn render(report: &Report, style: Style) -> String {
    let mut out = String::new();
    findings(&mut out, report, style);
    if let Some(review) = &report.review {
        review_table(&mut out, review);
    }
    if let Some(drift) = &report.drift {
        drift_diffs(&mut out, drift, style);
    }
    if let Some(alerts) = &report.alerts {
        alerts_section(&mut out, alerts);
    }
    if let Some(ops) = &report.ops {
        ops_section(&mut out, report, ops, style);
    }
    summary_line(&mut out, report);
    if let Some(ops) = &report.ops {
        let _ = writeln!(
            out,
            "{}: {}",
            plural(ops.checks.len(), "check"),
            super::ops::check_counts(ops)
        );
    }
    out
}

/// Every active finding through miette's graphical handler.
fn findings(out: &mut String, report: &Report, style: Style) {
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .with_links(false);
    for finding in &report.findings {
        if super::ops::in_section(report, finding) {
            continue;
        }
        let diagnostic = FindingDiagnostic::new(finding, &report.sources);
        if handler.render_report(out, &diagnostic).is_err() {
            let _ = writeln!(out, "{}: {}", finding.rule, finding.message);
        }
        out.push('\n');
    }
}

/// `review`: dates and review status in aligned columns, one row per policy.
fn review_table(out: &mut String, review: &ReviewSection) {
    let _ = writeln!(
        out,
        "{:<9} {:<11} {:<26} {:<26} {:<11} POLICY",
        "STATUS", "NEXT DUE", "FILE LAST CHANGED", "LIVE LAST CHANGED", "REVIEWED"
    );
    for row in &review.rows {
        review_row(out, row);
    }
    out.push('\n');
}

fn review_row(out: &mut String, row: &ReviewEntry) {
    let desired = match (&row.desired_last_change, row.desired_state) {
        (Some(change), _) => change.date.clone(),
        (None, Some(state)) => format!(
            "({})",
            serde_json::to_value(state)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default()
        ),
        (None, None) => "(unknown)".into(),
    };
    let live = row
        .live_last_change
        .as_ref()
        .map_or("-".to_string(), |l| l.date.clone());
    let _ = writeln!(
        out,
        "{:<9} {:<11} {:<26} {:<26} {:<11} {}",
        row.status.as_str(),
        row.next_review_due.as_deref().unwrap_or("now"),
        desired,
        live,
        row.last_reviewed.as_deref().unwrap_or("never"),
        row.policy
    );
}

/// `drift`: the diff of each policy that has one, then the drift counts.
fn drift_diffs(out: &mut String, drift: &DriftSection, style: Style) {
    for entry in drift.entries.iter().filter(|e| e.diff.is_some()) {
        let _ = writeln!(
            out,
            "Drift in {} ({}):",
            entry.policy,
            entry.file.as_deref().unwrap_or("?")
        );
        for line in entry.diff.as_deref().unwrap_or("").lines() {
            diff_line(out, line, style);
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "drift against {} ({} live): {}",
        drift.tenant.as_deref().unwrap_or("a snapshot"),
        drift.live_count,
        drift.counts()
    );
}

/// One indented diff line, coloured by its kind when colour is on.
fn diff_line(out: &mut String, line: &str, style: Style) {
    let colour = match line.chars().next() {
        _ if !style.color => None,
        Some('+') if !line.starts_with("+++") => Some("\x1b[32m"),
        Some('-') if !line.starts_with("---") => Some("\x1b[31m"),
        Some('@') => Some("\x1b[36m"),
        _ => None,
    };
    match colour {
        Some(code) => {
            let _ = writeln!(out, "  {code}{line}\x1b[0m");
        }
        None => {
            let _ = writeln!(out, "  {line}");
        }
    }
}

/// `alerts`: one line per policy, then the lists, then what could not be computed.
fn alerts_section(out: &mut String, alerts: &AlertsSection) {
    let _ = writeln!(
        out,
        "Alerts {} to {}: {} in the window, {} archived\n",
        alerts.from, alerts.to, alerts.alerts_in_window, alerts.alerts_archived
    );
    let _ = writeln!(
        out,
        "{:<9} {:>6} {:>5} {:>6} {:>4} {:>4} {:>4} {:>5} {:>8} {:>8}  {:<30} POLICY",
        "VERDICT",
        "ALERTS",
        "OPEN",
        "UNREAD",
        "TP",
        "FP",
        "BEN",
        "FP%",
        "TTR P50",
        "TTR P90",
        "PER DAY"
    );
    for row in &alerts.scorecard {
        score_row(out, row);
    }
    out.push('\n');
    for spike in &alerts.spikes {
        let _ = writeln!(
            out,
            "{:<5} {}  {}: {} alerts (baseline {:.1})",
            serde_kind(&spike.kind),
            spike.date,
            spike.policy,
            spike.count,
            spike.baseline
        );
    }
    for trend in alerts
        .trends
        .iter()
        .filter(|t| t.direction != crate::model::Direction::Flat)
    {
        let _ = writeln!(
            out,
            "trend {}: {} ({} vs {} the window before, {})",
            trend.policy,
            serde_kind(&trend.direction),
            trend.current,
            trend.previous,
            trend
                .percent
                .map_or("n/a".to_string(), |p| format!("{p:+.0}%"))
        );
    }
    for row in alerts
        .recipients
        .iter()
        .filter(|r| !r.outside_allowed.is_empty())
    {
        let _ = writeln!(
            out,
            "mail  {}: outside the allowed domains: {}",
            row.policy,
            row.outside_allowed.join(", ")
        );
    }
    for alert in &alerts.system_alerts {
        let _ = writeln!(
            out,
            "system alert {}: {} ({} days old)",
            alert.created, alert.title, alert.age_days
        );
    }
    if !alerts.backlog.is_empty() {
        let _ = writeln!(
            out,
            "backlog: {} open alerts older than the backlog threshold; oldest {} ({})",
            alerts.backlog.len(),
            alerts.backlog[0].created,
            alerts.backlog[0].title
        );
    }
    for note in &alerts.notes {
        let _ = writeln!(out, "note: {note}");
    }
    out.push('\n');
}

fn score_row(out: &mut String, row: &ScoreRow) {
    let hours = |h: Option<f64>| h.map_or("-".to_string(), |h| format!("{h:.1}h"));
    let _ = writeln!(
        out,
        "{:<9} {:>6} {:>5} {:>6} {:>4} {:>4} {:>4} {:>5} {:>8} {:>8}  {:<30} {}",
        row.verdict.as_str(),
        row.alerts,
        row.open,
        row.unread,
        row.true_positive,
        row.false_positive,
        row.benign,
        row.fp_ratio
            .map_or("-".to_string(), |r| format!("{:.0}%", r * 100.0)),
        hours(row.ttr_p50_hours),
        hours(row.ttr_p90_hours),
        super::svg::blocks(&row.daily),
        row.policy
    );
    if row.verdict != crate::model::Verdict::Keep || !row.reasons.is_empty() {
        for reason in &row.reasons {
            let _ = writeln!(out, "{:<9} - {reason}", "");
        }
    }
}

const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[33m";
const CYAN: &str = "\x1b[36m";
const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";

/// `text` in `code` when colour is on.
fn paint(style: Style, code: &str, text: &str) -> String {
    if style.color {
        format!("{code}{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

fn severity_colour(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => RED,
        Severity::Warning => YELLOW,
        Severity::Note => CYAN,
    }
}

/// `ops`: where the state came from, then each check in report order: its
/// status line, its tables (Secure Score, drift fixed since the last run),
/// its findings one per line and its notes; then the notes on the run.
fn ops_section(out: &mut String, report: &Report, ops: &OpsSection, style: Style) {
    let _ = writeln!(
        out,
        "{} of {}, state read {}; {}\n",
        paint(style, BOLD, "Weekly operations check"),
        ops.tenant.as_deref().unwrap_or("a snapshot"),
        ops.fetched_at.as_deref().unwrap_or("at an unknown time"),
        ops.previous_at.as_deref().map_or_else(
            || "no previous run to compare with".to_string(),
            |at| format!("compared with the run of {at}")
        )
    );
    for result in &ops.checks {
        let findings = super::ops::findings_of(report, result.check);
        check_line(out, result, style);
        let before = out.len();
        if result.status == CheckStatus::Skipped {
            continue;
        }
        if result.check == OpsCheck::SecureScore && !ops.secure_score.is_empty() {
            score_table(out, &ops.secure_score);
        }
        for finding in &findings {
            finding_line(out, finding, style);
        }
        if result.check == OpsCheck::Drift {
            for change in ops.drift.iter().filter(|d| d.state == "fixed") {
                let _ = writeln!(
                    out,
                    "  {} {:<7} `{}` no longer {} since the last run",
                    paint(style, GREEN, &format!("{:<7}", "fixed")),
                    "",
                    change.policy,
                    super::ops::drift_kind(&change.kind)
                );
            }
        }
        for note in &result.notes {
            let _ = writeln!(out, "  {} {note}", paint(style, DIM, "note:"));
        }
        // A blank line closes a check that printed more than its status line.
        if out.len() > before {
            out.push('\n');
        }
    }
    for note in &ops.notes {
        let _ = writeln!(out, "note: {note}");
    }
    if !out.ends_with("\n\n") {
        out.push('\n');
    }
}

/// "✔ App connectors: ok — 3 connectors": a glyph, the title, the status in
/// words and the detail. Skipped checks are one dim line.
fn check_line(out: &mut String, result: &CheckResult, style: Style) {
    let (glyph, colour) = match result.status {
        CheckStatus::Ok => ("✔", GREEN),
        CheckStatus::Findings => ("✖", result.worst.map_or(YELLOW, severity_colour)),
        CheckStatus::Unavailable => ("–", YELLOW),
        CheckStatus::Error => ("✖", RED),
        CheckStatus::Skipped => ("·", DIM),
    };
    let line = format!(
        "{glyph} {}: {} — {}",
        result.check.title(),
        super::ops::status_words(result),
        result.detail.as_str()
    );
    let _ = writeln!(out, "{}", paint(style, colour, &line));
}

/// "  error   OPS021  app connector `Microsoft 365` is enabled but not connected"
fn finding_line(out: &mut String, finding: &Finding, style: Style) {
    let severity = format!("{:<7}", finding.severity.as_str());
    let mut message = finding.message.clone();
    if let Some(policy) = &finding.policy {
        if !message.contains(policy.as_str()) {
            message = format!("{message} [policy: {policy}]");
        }
    }
    let _ = writeln!(
        out,
        "  {} {:<7} {message}",
        paint(style, severity_colour(finding.severity), &severity),
        finding.rule
    );
    if let Some(help) = &finding.help {
        let _ = writeln!(out, "  {:<15} help: {help}", "");
    }
}

/// Secure Score per product: points of the maximum, the previous run's
/// points, and the controls at 0 %.
fn score_table(out: &mut String, scores: &[ProductScore]) {
    let width = scores
        .iter()
        .map(|s| s.product.chars().count())
        .max()
        .unwrap_or(0)
        .max("PRODUCT".len());
    let _ = writeln!(
        out,
        "  {:<width$}  {:>13}  {:>8}  CONTROLS AT 0 %",
        "PRODUCT", "POINTS", "PREVIOUS"
    );
    for score in scores {
        let [product, points, previous, zero] = super::ops::score_cells(score);
        let _ = writeln!(
            out,
            "  {product:<width$}  {points:>13}  {previous:>8}  {zero}"
        );
    }
}

/// The serde name of a unit enum value (`spike`, `rising`).
fn serde_kind<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

/// "casguard lint: 0 errors, 0 warnings, 0 notes (1 suppressed); 15 policies
/// in 15 files checked"
fn summary_line(out: &mut String, report: &Report) {
    let summary = report.summary();
    let _ = write!(out, "casguard {}: {}", report.command, summary.counts());
    if summary.suppressed > 0 {
        let _ = write!(out, " ({} suppressed)", summary.suppressed);
    }
    // `ops` reads policy files only for its drift check.
    if summary.files == 0 && report.ops.is_some() {
        out.push('\n');
        return;
    }
    let _ = writeln!(
        out,
        "; {} in {} checked",
        plural(summary.policies, "policy"),
        plural(summary.files, "file")
    );
}

/// Adapts a finding (and its related locations) to miette.
struct FindingDiagnostic {
    message: String,
    code: String,
    severity: Severity,
    help: Option<String>,
    source: Option<NamedSource<String>>,
    label: Option<LabeledSpan>,
    related: Vec<FindingDiagnostic>,
}

impl FindingDiagnostic {
    fn new(finding: &Finding, sources: &Sources) -> FindingDiagnostic {
        let mut message = finding.message.clone();
        if let Some(policy) = &finding.policy {
            if !message.contains(policy.as_str()) {
                message = format!("{message} [policy: {policy}]");
            }
        }
        let (source, label) = framed(
            finding.location.as_ref(),
            finding.label.clone(),
            sources,
            &mut message,
        );
        let related = finding
            .related
            .iter()
            .map(|r| {
                let mut message = r.message.clone();
                let (source, label) = framed(
                    Some(&r.location),
                    Some(r.message.clone()),
                    sources,
                    &mut message,
                );
                FindingDiagnostic {
                    message,
                    code: String::new(),
                    severity: Severity::Note,
                    help: None,
                    source,
                    label,
                    related: Vec::new(),
                }
            })
            .collect();
        FindingDiagnostic {
            message,
            code: finding.rule.clone(),
            severity: finding.severity,
            help: finding.help.clone(),
            source,
            label,
            related,
        }
    }
}

/// The source and label for a location; without a span the file name is
/// put into the message instead, so every finding names its file.
fn framed(
    location: Option<&Location>,
    label: Option<String>,
    sources: &Sources,
    message: &mut String,
) -> (Option<NamedSource<String>>, Option<LabeledSpan>) {
    let Some(location) = location else {
        return (None, None);
    };
    match (&location.span, sources.get(&location.file)) {
        (Some(span), Some(source)) if !source.frames(span) => {
            let (line, column) = source.line_col(span.start);
            *message = format!("{}:{line}:{column}: {message}", location.file);
            (None, None)
        }
        (Some(span), Some(source)) => {
            let named = NamedSource::new(source.path.clone(), source.text.to_string())
                .with_language("toml");
            let labeled = LabeledSpan::new(label, span.start, span.end.saturating_sub(span.start));
            (Some(named), Some(labeled))
        }
        _ => {
            *message = format!("{}: {message}", location.file);
            (None, None)
        }
    }
}

impl fmt::Debug for FindingDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for FindingDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FindingDiagnostic {}

impl Diagnostic for FindingDiagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        (!self.code.is_empty()).then(|| Box::new(&self.code) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.label
            .clone()
            .map(|l| Box::new(std::iter::once(l)) as Box<dyn Iterator<Item = LabeledSpan>>)
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(self.related.iter().map(|d| d as &dyn Diagnostic)))
    }
}
