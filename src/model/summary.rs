//! The monthly summary for management (`casguard report monthly`) as data:
//! headline figures against the previous month, incident types, alert trends
//! and how they were handled, policy health, recommendations, configuration
//! changes, platform health, the author's notes on the threat landscape, and
//! the appendix that ties every figure to its inputs. Renderers (HTML,
//! Markdown, JSON) read it; `crate::monthly` fills it.

use serde::Serialize;

use super::{
    AlertBrief, CheckResult, DailyCount, ProductScore, RecipientRow, ScoreRow, Spike, Trend,
};

/// A headline figure, this month and last, with its monthly history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Kpi {
    /// Stable key: `alerts_created`, `closed_percent`, ...
    pub key: String,
    pub label: String,
    /// `None` when it cannot be computed (no data); `missing` says why.
    pub value: Option<f64>,
    pub previous: Option<f64>,
    /// `count`, `percent`, `hours`, `days`, `points`.
    pub unit: String,
    /// Whether a higher value is better (for the arrow's colour), if either.
    pub higher_is_better: Option<bool>,
    /// Six months, oldest first, ending with this month: (YYYY-MM, value).
    pub series: Vec<(String, Option<f64>)>,
    /// Why `value` is missing, or what it is based on.
    pub note: Option<String>,
}

/// A count under a label (incident types, resolution mix).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Count {
    pub label: String,
    pub count: u64,
}

/// Incident types of the month.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct IncidentTypes {
    /// By `stories[]` category (threat detection, DLP, ...).
    pub by_category: Vec<Count>,
    pub by_severity: Vec<Count>,
    /// By app (the `service` entity).
    pub by_app: Vec<Count>,
    pub by_policy_type: Vec<Count>,
}

/// Governance actions of one task, with their success rate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GovernanceActions {
    pub task: String,
    pub total: u64,
    pub succeeded: u64,
    pub failed: u64,
    pub pending: u64,
}

/// Alert trends of the month and how alerts were addressed.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MonthTrends {
    /// Alerts per day and severity, every day of the month.
    pub daily: Vec<DailyCount>,
    pub spikes: Vec<Spike>,
    /// Per policy, this month against the previous.
    pub policies: Vec<Trend>,
    /// How this month's alerts stand: open, true positive, benign, ...
    pub resolution_mix: Vec<Count>,
    /// From the governance log of the last ops run, when it covers the month.
    pub governance: Vec<GovernanceActions>,
}

/// One proposed policy change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommendation {
    pub policy: String,
    pub file: Option<String>,
    /// fix | tune | retire | unworked, or a posture item.
    pub kind: String,
    /// The counts behind it.
    pub evidence: String,
    /// The concrete change.
    pub change: String,
    /// A `git apply` patch, when casguard can write one.
    pub patch: Option<String>,
    /// Who is affected: the policy's scope from its filters.
    pub affected: String,
    /// The expected change in alert volume per month, when it can be estimated.
    pub expected_alerts: Option<String>,
}

/// A git commit that touched policy files.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Commit {
    pub id: String,
    /// RFC 3339.
    pub date: String,
    pub author: String,
    pub summary: String,
    pub files: Vec<String>,
}

/// A policy whose review is overdue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Overdue {
    pub policy: String,
    pub file: String,
    /// YYYY-MM-DD.
    pub due: Option<String>,
}

/// A policy that drifts now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Drifting {
    pub policy: String,
    /// missing | unmanaged | changed.
    pub kind: String,
    /// Changed fields (policy-file paths).
    pub fields: Vec<String>,
    /// A live change newer than the file's last commit: an out-of-band edit.
    pub out_of_band: bool,
}

/// Configuration: changes, dates, drift, reviews, where alerts go.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Configuration {
    pub commits: Vec<Commit>,
    /// Last change of any policy file in git (RFC 3339).
    pub last_change_desired: Option<String>,
    /// Last change seen on a live policy (RFC 3339), and how it is known.
    pub last_change_live: Option<String>,
    pub drift: Vec<Drifting>,
    pub in_sync: usize,
    pub overdue: Vec<Overdue>,
    pub recipients: Vec<RecipientRow>,
}

/// Platform health from the last ops run.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Platform {
    /// When that run read the tenant.
    pub fetched_at: Option<String>,
    pub checks: Vec<CheckResult>,
    pub secure_score: Vec<ProductScore>,
    /// Message-center posts that need action, as "MC123456: title (due date)".
    pub actions: Vec<String>,
    /// Open system alerts.
    pub system_alerts: Vec<AlertBrief>,
}

/// One input of the report, hashed so the report ties to an evidence bundle.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceInput {
    /// alerts | ops | live policies | policy files | trends notes.
    pub kind: String,
    pub path: String,
    pub fetched_at: Option<String>,
    pub sha256: String,
}

/// Method, windows, thresholds and provenance.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Appendix {
    pub method: Vec<String>,
    pub thresholds: Vec<(String, String)>,
    pub casguard_version: String,
    /// The git commit of the policy repository, when there is one.
    pub git_commit: Option<String>,
    /// RFC 3339.
    pub generated_at: String,
}

/// The whole monthly report.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MonthlyReport {
    /// YYYY-MM.
    pub month: String,
    pub previous_month: String,
    /// First and last day (YYYY-MM-DD).
    pub from: String,
    pub to: String,
    pub tenant: Option<String>,
    pub kpis: Vec<Kpi>,
    pub incident_types: IncidentTypes,
    pub trends: MonthTrends,
    pub policy_health: Vec<ScoreRow>,
    pub recommendations: Vec<Recommendation>,
    pub configuration: Configuration,
    pub platform: Platform,
    /// The author's notes on the latest threats (Markdown), when configured.
    pub threat_notes: Option<String>,
    pub sources: Vec<SourceInput>,
    pub appendix: Appendix,
    /// What is missing and what that leaves out ("no alert archive: ...").
    pub missing: Vec<String>,
}
