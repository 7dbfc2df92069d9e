//! What commands produce, as data: the report every finding-producing
//! command returns (lint, drift, review, evidence), with its optional drift
//! and review sections. The renderers read these types; the
//! analysis modules fill them. Nothing here computes or prints.

use serde::Serialize;
use serde_json::Value;

use super::{Finding, RuleMeta, Severity, Sources};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DriftKind {
    Missing,
    Unmanaged,
    Changed,
}

/// One differing field, by its policy-file path.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub path: String,
    /// `null` when the field is not set in the file.
    pub desired: Value,
    /// `null` when the tenant does not set it.
    pub live: Value,
}

/// A policy that is missing, unmanaged or changed.
#[derive(Debug, Clone, Serialize)]
pub struct DriftEntry {
    pub kind: DriftKind,
    pub policy: String,
    pub policy_type: String,
    pub file: Option<String>,
    pub live_id: Option<String>,
    pub changes: Vec<Change>,
    /// Unified diff of the canonical forms (changed policies only).
    #[serde(skip)]
    pub diff: Option<String>,
    /// When the file last changed in git (set by the pipeline).
    pub desired_last_change: Option<LastChange>,
    /// When the live policy last changed, and how that is known.
    pub live_last_change: Option<LiveChange>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum ReviewStatus {
    #[serde(rename = "overdue")]
    Overdue,
    #[serde(rename = "due soon")]
    DueSoon,
    #[serde(rename = "ok")]
    Ok,
}

impl ReviewStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::Overdue => "overdue",
            ReviewStatus::DueSoon => "due soon",
            ReviewStatus::Ok => "ok",
        }
    }
}

/// When a live policy last changed, and how that is known.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LiveChange {
    /// RFC 3339.
    pub date: String,
    /// `field lastModified`, or `observed since (snapshot history)`.
    pub source: String,
    #[serde(skip)]
    pub epoch: i64,
}

/// One row of `casguard review`.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewEntry {
    pub policy: String,
    pub file: String,
    pub desired_last_change: Option<LastChange>,
    pub desired_state: Option<FileState>,
    pub live_last_change: Option<LiveChange>,
    pub last_reviewed: Option<String>,
    pub next_review_due: Option<String>,
    pub status: ReviewStatus,
}

/// The last commit that changed a policy file (the desired side's date).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LastChange {
    /// Committer date, RFC 3339 with the committer's offset (as `%cI`).
    pub date: String,
    pub commit: String,
    pub author: String,
    pub email: String,
    pub summary: String,
    /// Seconds since the epoch, for comparisons.
    #[serde(skip)]
    pub epoch: i64,
}

/// What git says about one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileState {
    Committed,
    Modified,
    Untracked,
    Truncated,
}

/// A finding hidden by a suppression, with the suppression's accountability data.
#[derive(Debug, Clone, Serialize)]
pub struct SuppressedFinding {
    #[serde(skip)]
    pub finding: Finding,
    pub reason: String,
    pub expires: String,
    pub owner: Option<String>,
    pub ticket: Option<String>,
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
    /// Set by `alerts`: the scorecard, spikes, trends and where alerts go.
    pub alerts: Option<super::AlertsSection>,
    /// Set by `ops`: one status per check, Secure Score, drift since the last run.
    pub ops: Option<super::OpsSection>,
    /// Where the project root sits in its git repository (`mdca/`, or
    /// empty): SARIF paths are relative to the repository, as code scanning
    /// expects; every other format shows paths relative to the project root.
    pub repository_prefix: String,
}

/// The review part of a report.
#[derive(Debug, Clone, Default)]
pub struct ReviewSection {
    pub rows: Vec<ReviewEntry>,
    /// Why git dates are missing (not a repository, shallow clone...).
    pub notes: Vec<String>,
}

/// The drift part of a report.
#[derive(Debug, Clone, Default)]
pub struct DriftSection {
    pub entries: Vec<DriftEntry>,
    pub in_sync: usize,
    pub live_count: usize,
    /// Where live state came from.
    pub tenant: Option<String>,
    pub fetched_at: Option<String>,
    /// False when invalid policy files stopped the comparison.
    pub compared: bool,
    /// Files that did not load (CAS001), when they stopped the comparison.
    pub invalid_files: usize,
    /// What the run should say once (on stderr, and in the JSON report's
    /// `live.notes`): fields ignored as server-managed or not modeled.
    pub notes: Vec<String>,
    /// Said on stderr as warnings (and in `live.warnings`): a snapshot of
    /// another tenant than the configured one.
    pub warnings: Vec<String>,
}

impl DriftSection {
    pub fn count(&self, kind: DriftKind) -> usize {
        self.entries.iter().filter(|e| e.kind == kind).count()
    }

    /// "12 in sync, 1 missing, 1 unmanaged, 3 changed", or why nothing was compared.
    pub fn counts(&self) -> String {
        if !self.compared {
            return format!(
                "comparison skipped: {} (fix them first; `casguard lint` shows why)",
                plural(self.invalid_files, "invalid policy file")
            );
        }
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

    /// A display path (relative to the project root) made relative to the
    /// repository root, for GitHub; absolute paths stay as they are.
    pub fn repository_path(&self, file: &str) -> String {
        if file.starts_with('/') {
            file.to_string()
        } else {
            format!("{}{file}", self.repository_prefix)
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

/// "1 error", "2 policies": a count with its noun, in the plural when needed.
pub fn plural(n: usize, word: &str) -> String {
    // "policy" -> "policies", but "day" -> "days", "key" -> "keys".
    let consonant_y = word
        .strip_suffix('y')
        .filter(|stem| !stem.ends_with(['a', 'e', 'i', 'o', 'u']));
    match (n, consonant_y) {
        (1, _) => format!("{n} {word}"),
        (_, Some(stem)) => format!("{n} {stem}ies"),
        _ => format!("{n} {word}s"),
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
