//! Alerts as data: the columns casguard extracts from a raw MDCA alert
//! (`AlertRecord`), the policies alerts are joined to (`AlertPolicy`), the
//! analysis thresholds (`AlertThresholds`, `[alerts]` in casguard.toml) and
//! the analysis outcome (`AlertsSection`) that every renderer reads.
//!
//! Codes are the API's (mdca-ops.md 1.1): `severity` 0 low, 1 medium,
//! 2 high, 3 informational; `status` 0 unread, 1 read, 2 archived;
//! `resolution` 0 open, 1 legacy dismissed, 2 legacy resolved, 3 false
//! positive, 4 benign, 5 true positive. An alert is closed only when its
//! resolution is 1-5, never because it has a `resolveTime`.

use std::sync::Arc;

use serde::Serialize;

use super::Location;

/// What analysis reads of one alert. Strings shared by many alerts (policy
/// ids, titles, services) are interned by whoever builds the records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRecord {
    /// `_id`.
    pub id: Box<str>,
    /// The `policyRule` entity's id (lower case), when there is one.
    pub policy_id: Option<Arc<str>>,
    /// `title`: normally the policy's name.
    pub title: Arc<str>,
    /// The `service` entity's label (the app), when there is one.
    pub service: Option<Arc<str>>,
    /// Creation time (`timestamp`), epoch milliseconds.
    pub timestamp_ms: i64,
    /// `resolveTime`, epoch milliseconds, when present and parseable.
    pub resolve_time_ms: Option<i64>,
    /// `severityValue`.
    pub severity: Option<u8>,
    /// `statusValue`.
    pub status: Option<u8>,
    /// `resolutionStatusValue`; absent in older tenants.
    pub resolution: Option<u8>,
    /// The first of `stories[]` (0 threat detection .. 8 configuration monitoring).
    pub story: Option<u8>,
    /// `isSystemAlert`.
    pub is_system: bool,
}

pub mod resolution {
    pub const OPEN: u8 = 0;
    pub const LEGACY_DISMISSED: u8 = 1;
    pub const LEGACY_RESOLVED: u8 = 2;
    pub const FALSE_POSITIVE: u8 = 3;
    pub const BENIGN: u8 = 4;
    pub const TRUE_POSITIVE: u8 = 5;
}

/// `severityValue` codes 0..3 by name.
pub const SEVERITY_NAMES: [&str; 4] = ["low", "medium", "high", "informational"];

/// The name of a `severityValue` code, "unknown" outside 0..3.
pub fn severity_name(code: Option<u8>) -> &'static str {
    code.and_then(|c| SEVERITY_NAMES.get(usize::from(c)).copied())
        .unwrap_or("unknown")
}

pub mod status {
    pub const UNREAD: u8 = 0;
    pub const READ: u8 = 1;
    pub const ARCHIVED: u8 = 2;
}

impl AlertRecord {
    /// Closed: resolution 1-5.
    pub fn is_closed(&self) -> bool {
        matches!(self.resolution, Some(1..=5))
    }

    /// Open: resolution 0. An alert without a resolution is neither.
    pub fn is_open(&self) -> bool {
        self.resolution == Some(resolution::OPEN)
    }

    pub fn is_unread(&self) -> bool {
        self.status == Some(status::UNREAD)
    }
}

/// A policy alerts can be joined to: desired, live, or both.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlertPolicy {
    /// The name shown in reports.
    pub name: String,
    /// `policyType`, upper case.
    pub policy_type: String,
    /// The live `_id` (lower case), when the policy is live.
    pub live_id: Option<String>,
    /// The policy file (display path), when declared.
    pub file: Option<String>,
    /// Where findings about it point (its file's `name` line).
    pub location: Option<Location>,
    /// Enabled (live when known, else desired).
    pub enabled: bool,
    /// Whether it sends alerts at all (`alertsEnabled` / `alerts.enabled`).
    pub alerts_enabled: bool,
    /// The daily alert limit, when known.
    pub daily_limit: Option<i64>,
    /// `alerts.email_recipients` in the file.
    pub recipients_desired: Vec<String>,
    /// The live recipients, when the tenant returns them.
    pub recipients_live: Vec<String>,
}

/// Whether false positives alone or also benign closures count as noise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FpNumerator {
    FpOnly,
    FpAndBenign,
}

/// `[alerts]` in casguard.toml: every window and threshold of the analysis
/// (defaults from mdca-ops.md section 3).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertThresholds {
    /// The scorecard's window, in days.
    pub window_days: i64,
    /// Below this many closed alerts the FP ratio is not shown.
    pub fp_min_sample: u64,
    /// FP ratio above which a policy needs tuning.
    pub fp_tune: f64,
    /// FP ratio from which a policy is flagged.
    pub fp_warn: f64,
    pub fp_numerator: FpNumerator,
    /// An enabled, alerting policy with no alert in this many days is dead.
    pub dead_days: i64,
    /// Days at the daily limit (or at a constant ceiling) that make a policy saturated.
    pub saturation_days: u64,
    /// Unread open alerts older than this many days are unworked.
    pub unworked_days: i64,
    /// Spikes need this many days of history.
    pub spike_min_history_days: i64,
    /// A spike has at least this many alerts.
    pub spike_min_count: u64,
    /// A spike is at least baseline + k * spread.
    pub spike_k: f64,
    /// A drop to zero is flagged after a baseline of at least this many a day.
    pub drop_min_baseline: f64,
    /// Trends compare with the previous window only from this many alerts.
    pub trend_min_previous: u64,
    /// Percent change that makes a trend rising or falling.
    pub trend_percent: f64,
    /// Open alerts older than this many days are backlog to clear.
    pub backlog_days: i64,
    /// MDCA sends at most this many mails per address per day.
    pub mail_cap_per_day: u64,
}

impl Default for AlertThresholds {
    fn default() -> Self {
        AlertThresholds {
            window_days: 30,
            fp_min_sample: 5,
            fp_tune: 0.50,
            fp_warn: 0.20,
            fp_numerator: FpNumerator::FpOnly,
            dead_days: 90,
            saturation_days: 3,
            unworked_days: 7,
            spike_min_history_days: 28,
            spike_min_count: 5,
            spike_k: 3.0,
            drop_min_baseline: 3.0,
            trend_min_previous: 5,
            trend_percent: 25.0,
            backlog_days: 180,
            mail_cap_per_day: 500,
        }
    }
}

/// A policy's verdict, most urgent first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Broken: saturating its daily limit, or silent where it should alert.
    Fix,
    /// Too many false positives.
    Tune,
    /// No alert in `dead_days`: retire it or fix it.
    Retire,
    /// Alerts nobody reads.
    Unworked,
    Keep,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Fix => "fix",
            Verdict::Tune => "tune",
            Verdict::Retire => "retire",
            Verdict::Unworked => "unworked",
            Verdict::Keep => "keep",
        }
    }
}

/// One row of the scorecard.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreRow {
    pub policy: String,
    pub policy_id: Option<String>,
    pub file: Option<String>,
    pub policy_type: String,
    pub alerts: u64,
    pub open: u64,
    pub unread: u64,
    pub true_positive: u64,
    pub false_positive: u64,
    pub benign: u64,
    pub legacy_dismissed: u64,
    pub legacy_resolved: u64,
    /// `None` below `fp_min_sample` closed alerts.
    pub fp_ratio: Option<f64>,
    pub ttr_p50_hours: Option<f64>,
    pub ttr_p90_hours: Option<f64>,
    /// Creation date of the oldest open alert (RFC 3339).
    pub oldest_open: Option<String>,
    pub verdict: Verdict,
    pub reasons: Vec<String>,
    /// Alerts per day over the window, oldest first (sparklines).
    #[serde(skip)]
    pub daily: Vec<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SpikeKind {
    Spike,
    Drop,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Spike {
    pub policy: String,
    /// YYYY-MM-DD (UTC).
    pub date: String,
    pub count: u64,
    pub baseline: f64,
    pub kind: SpikeKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Rising,
    Flat,
    Falling,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trend {
    pub policy: String,
    /// Alerts in the last window and the one before.
    pub current: u64,
    pub previous: u64,
    pub delta: i64,
    /// `None` ("n/a") when `previous` is below `trend_min_previous`.
    pub percent: Option<f64>,
    /// Theil-Sen slope of weekly totals, alerts per week.
    pub slope_per_week: Option<f64>,
    pub direction: Direction,
}

/// Where one policy's alerts are mailed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecipientRow {
    pub policy: String,
    pub desired: Vec<String>,
    pub live: Vec<String>,
    /// Recipients outside `allowed_email_domains`.
    pub outside_allowed: Vec<String>,
    /// Share of its alerts in the window still unread (0..1).
    pub unread_share: Option<f64>,
}

/// One alert, briefly, for the system-alert and backlog lists.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertBrief {
    pub id: String,
    pub title: String,
    pub policy: Option<String>,
    /// RFC 3339.
    pub created: String,
    pub age_days: i64,
    pub severity: Option<u8>,
}

/// Alerts per day and severity over the window (the daily chart).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DailyCount {
    /// YYYY-MM-DD (UTC).
    pub date: String,
    /// By severity code 0..3 (low, medium, high, informational).
    pub by_severity: [u64; 4],
}

/// The `alerts` part of a report.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AlertsSection {
    /// First and last day of the window (YYYY-MM-DD).
    pub from: String,
    pub to: String,
    /// Alerts in the window, and in the archive.
    pub alerts_in_window: u64,
    pub alerts_archived: u64,
    pub scorecard: Vec<ScoreRow>,
    pub spikes: Vec<Spike>,
    pub trends: Vec<Trend>,
    pub recipients: Vec<RecipientRow>,
    pub system_alerts: Vec<AlertBrief>,
    pub backlog: Vec<AlertBrief>,
    pub daily: Vec<DailyCount>,
    /// Resolution samples dropped because `resolveTime` was before creation.
    pub negative_ttr_dropped: u64,
    /// What could not be computed, and why.
    pub notes: Vec<String>,
    pub thresholds: Option<AlertThresholds>,
}
