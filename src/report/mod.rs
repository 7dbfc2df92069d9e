//! Renderers: turn a `Report` (pure data) into text, one file per format, as
//! ruff's `render/` and typos' `Report` do. Renderers never decide anything;
//! they only present what analysis produced. Each is snapshot-tested on the
//! same fixtures (tests/report_formats.rs).

mod csv;
mod github;
mod html;
mod human;
mod json;
mod junit;
mod markdown;
pub mod monthly_html;
pub mod monthly_json;
pub mod monthly_markdown;
mod monthly_text;
mod notes_html;
mod ops;
mod sarif;
pub mod svg;
pub mod text;

pub use crate::model::{DriftSection, Report, ReviewSection, Summary};

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
    Csv,
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
            Format::Csv => "csv",
        }
    }
}

pub use crate::model::plural;

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

/// The Markdown report inside an evidence bundle; `live` is (tenant, fetched_at).
pub fn evidence_markdown(
    live: (Option<&str>, Option<&str>),
    git_commit: Option<&str>,
    git_dirty: Option<bool>,
    reports: &[&Report],
) -> String {
    markdown::evidence(live, git_commit, git_dirty, reports)
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
        Format::Csv => csv::render(report),
    }
}
