//! Renderers: turn a `Report` (pure data) into text, one file per format, as
//! ruff's `render/` and typos' `Report` do. Renderers never decide anything;
//! they only present what analysis produced. Each is snapshot-tested on the
//! same fixtures (tests/report_formats.rs).

mod github;
mod html;
mod human;
mod json;
mod junit;
mod markdown;
mod sarif;

use serde::Serialize;

use crate::model::{Finding, Severity, Sources};
use crate::rules::RuleMeta;
use crate::suppress::SuppressedFinding;

/// Output formats of `--format` and `--report FORMAT=PATH`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Junit,
    Github,
    Markdown,
    Html,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Junit => "junit",
            Format::Github => "github",
            Format::Markdown => "markdown",
            Format::Html => "html",
        }
    }
}

/// Everything a renderer may show.
#[derive(Debug, Default)]
pub struct Report {
    /// The command that produced it (`lint`, ...).
    pub command: String,
    /// Active findings, sorted.
    pub findings: Vec<Finding>,
    pub suppressed: Vec<SuppressedFinding>,
    /// Every known rule, for SARIF's rule table and titles.
    pub rules: Vec<RuleMeta>,
    /// Files checked (display paths), in order.
    pub files: Vec<String>,
    pub policies_checked: usize,
    pub sources: Sources,
    /// Set by `drift`: what differs, policy by policy.
    pub drift: Option<DriftSection>,
    /// Set by `review`: dates and review status, most urgent first.
    pub review: Option<ReviewSection>,
}

/// The review part of a report.
#[derive(Debug, Default)]
pub struct ReviewSection {
    pub rows: Vec<crate::review::ReviewEntry>,
    /// Why git dates are missing (not a repository, shallow clone...).
    pub notes: Vec<String>,
}

/// The drift part of a report.
#[derive(Debug, Default)]
pub struct DriftSection {
    pub entries: Vec<crate::drift::DriftEntry>,
    pub in_sync: usize,
    pub live_count: usize,
    /// Where live state came from.
    pub tenant: Option<String>,
    pub fetched_at: Option<String>,
    /// False when invalid policy files stopped the comparison.
    pub compared: bool,
}

impl DriftSection {
    pub fn count(&self, kind: crate::drift::DriftKind) -> usize {
        self.entries.iter().filter(|e| e.kind == kind).count()
    }

    /// "12 in sync, 1 missing, 1 unmanaged, 3 changed"
    pub fn counts(&self) -> String {
        use crate::drift::DriftKind;
        format!(
            "{} in sync, {} missing, {} unmanaged, {} changed",
            self.in_sync,
            self.count(DriftKind::Missing),
            self.count(DriftKind::Unmanaged),
            self.count(DriftKind::Changed)
        )
    }
}

/// Counts shown by every format.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub files: usize,
    pub policies: usize,
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
    pub suppressed: usize,
}

impl Report {
    pub fn summary(&self) -> Summary {
        let count = |s: Severity| self.findings.iter().filter(|f| f.severity == s).count();
        Summary {
            files: self.files.len(),
            policies: self.policies_checked,
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            notes: count(Severity::Note),
            suppressed: self.suppressed.len(),
        }
    }

    pub fn rule(&self, id: &str) -> Option<&RuleMeta> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// "CAS101: Alerting policy without email recipients", or just the id.
    pub fn rule_title(&self, id: &str) -> String {
        match self.rule(id) {
            Some(rule) => format!("{id}: {}", rule.title),
            None => id.to_string(),
        }
    }
}

impl Summary {
    /// "2 errors, 1 warning, 0 notes"
    pub fn counts(&self) -> String {
        format!(
            "{}, {}, {}",
            plural(self.errors, "error"),
            plural(self.warnings, "warning"),
            plural(self.notes, "note")
        )
    }
}

pub fn plural(n: usize, word: &str) -> String {
    match (n, word.strip_suffix('y')) {
        (1, _) => format!("{n} {word}"),
        (_, Some(stem)) => format!("{n} {stem}ies"),
        _ => format!("{n} {word}s"),
    }
}

/// Presentation choices that are not part of the data.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
    pub width: usize,
}

impl Default for Style {
    fn default() -> Self {
        Style {
            color: false,
            width: 100,
        }
    }
}

/// Renders `report` in `format`.
pub fn render(format: Format, report: &Report, style: Style) -> String {
    match format {
        Format::Human => human::render(report, style),
        Format::Json => json::render(report),
        Format::Sarif => sarif::render(report),
        Format::Junit => junit::render(report),
        Format::Github => github::render(report),
        Format::Markdown => markdown::render(report),
        Format::Html => html::render(report),
    }
}
