//! Human output: miette's graphical rendering of each finding (code frames
//! with carets, labels and help), then the review table (`review`), each
//! drifted policy's diff and the drift counts (`drift`), and a one-line
//! summary. Colour only when asked for (a terminal).

use std::fmt::{self, Write};

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode,
};

use super::{plural, DriftSection, Report, ReviewSection, Style};
use crate::model::{Finding, Location, ReviewEntry, Severity, Sources};

pub fn render(report: &Report, style: Style) -> String {
    let mut out = String::new();
    findings(&mut out, report, style);
    if let Some(review) = &report.review {
        review_table(&mut out, review);
    }
    if let Some(drift) = &report.drift {
        drift_diffs(&mut out, drift, style);
    }
    summary_line(&mut out, report);
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

/// "casguard lint: 0 errors, 0 warnings, 0 notes (1 suppressed); 15 policies
/// in 15 files checked"
fn summary_line(out: &mut String, report: &Report) {
    let summary = report.summary();
    let _ = write!(out, "casguard {}: {}", report.command, summary.counts());
    if summary.suppressed > 0 {
        let _ = write!(out, " ({} suppressed)", summary.suppressed);
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
