//! The weekly operations check as data: which checks exist (`OpsCheck`,
//! each a rule family of its own), how each one ended (`CheckResult`), the
//! thresholds they use (`OpsThresholds`, `[ops]` in casguard.toml), and the
//! section every renderer reads (`OpsSection`). Nothing here computes.

use serde::Serialize;

/// One check of `casguard ops`. Each is a rule family: its findings carry
/// rule ids of that family only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OpsCheck {
    SystemAlerts,
    AppConnectors,
    ConditionalAccessApps,
    LogUpload,
    SiemAgents,
    ApiTokens,
    Governance,
    SecureScore,
    MessageCenter,
    Drift,
}

impl OpsCheck {
    /// Every check, in report order.
    pub const ALL: [OpsCheck; 10] = [
        OpsCheck::SystemAlerts,
        OpsCheck::AppConnectors,
        OpsCheck::ConditionalAccessApps,
        OpsCheck::LogUpload,
        OpsCheck::SiemAgents,
        OpsCheck::ApiTokens,
        OpsCheck::Governance,
        OpsCheck::SecureScore,
        OpsCheck::MessageCenter,
        OpsCheck::Drift,
    ];

    /// The name used on the command line, in JSON and as the rule family.
    pub fn as_str(self) -> &'static str {
        match self {
            OpsCheck::SystemAlerts => "system_alerts",
            OpsCheck::AppConnectors => "app_connectors",
            OpsCheck::ConditionalAccessApps => "conditional_access_apps",
            OpsCheck::LogUpload => "log_upload",
            OpsCheck::SiemAgents => "siem_agents",
            OpsCheck::ApiTokens => "api_tokens",
            OpsCheck::Governance => "governance",
            OpsCheck::SecureScore => "secure_score",
            OpsCheck::MessageCenter => "message_center",
            OpsCheck::Drift => "drift",
        }
    }

    /// A heading for people.
    pub fn title(self) -> &'static str {
        match self {
            OpsCheck::SystemAlerts => "System alerts",
            OpsCheck::AppConnectors => "App connectors",
            OpsCheck::ConditionalAccessApps => "Conditional Access App Control apps",
            OpsCheck::LogUpload => "Automatic log upload",
            OpsCheck::SiemAgents => "SIEM agents",
            OpsCheck::ApiTokens => "API tokens",
            OpsCheck::Governance => "Governance log",
            OpsCheck::SecureScore => "Secure Score",
            OpsCheck::MessageCenter => "Message center",
            OpsCheck::Drift => "Drift since the last run",
        }
    }

    pub fn parse(name: &str) -> Option<OpsCheck> {
        let name = name.trim().replace('-', "_").to_ascii_lowercase();
        OpsCheck::ALL.into_iter().find(|c| c.as_str() == name)
    }
}

/// How a check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    /// Ran and found nothing.
    Ok,
    /// Ran and reported findings.
    Findings,
    /// Could not run: no credentials, or the tenant's data lacks a field the
    /// check needs. A note, never a finding and never an error.
    Unavailable,
    /// Its data could not be read (network, refused credentials, paging):
    /// casguard could not do its job (exit 2).
    Error,
    /// Not asked for (`--check` named others).
    Skipped,
}

impl CheckStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckStatus::Ok => "ok",
            CheckStatus::Findings => "findings",
            CheckStatus::Unavailable => "unavailable",
            CheckStatus::Error => "error",
            CheckStatus::Skipped => "skipped",
        }
    }
}

/// One check's outcome: a status line and what it looked at.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckResult {
    pub check: OpsCheck,
    pub status: CheckStatus,
    /// One line: "4 connectors, 1 not connected", or why it is unavailable.
    pub detail: String,
    /// How many findings it reported.
    pub findings: usize,
    /// The most severe of them, when there are any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worst: Option<super::Severity>,
    /// What it could not tell (fields missing on some items, and so on).
    pub notes: Vec<String>,
}

/// Secure Score points of one product (`service`: MCAS, MDA_<App>, AppG).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProductScore {
    pub product: String,
    pub points: f64,
    pub max_points: f64,
    /// Points at the previous run, when it had them.
    pub previous_points: Option<f64>,
    pub controls: usize,
    /// Controls scoring 0 %, by id.
    pub zero_controls: Vec<String>,
}

/// One policy's drift state between the previous run and this one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DriftChange {
    pub policy: String,
    /// missing | unmanaged | changed.
    pub kind: String,
    /// new | fixed | still, or present when there is no previous run.
    pub state: String,
    /// For drift now: the first kept snapshot in the unbroken run of
    /// snapshots showing it (RFC 3339), when known. For fixed drift: the
    /// previous run, the last that showed it.
    pub since: Option<String>,
    /// Whole days since `since`.
    pub age_days: Option<i64>,
}

/// Thresholds of the checks (`[ops]` in casguard.toml), with the defaults
/// of mdca-ops.md 2.4.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpsThresholds {
    /// System alerts raised in this many days are reported while open.
    pub system_alert_days: i64,
    /// An app connector or a continuous report silent this long is stale.
    pub connector_stale_hours: i64,
    pub stream_stale_hours: i64,
    /// A SIEM agent down this long is in "connection error", then "disconnected".
    pub siem_error_hours: i64,
    pub siem_disconnected_hours: i64,
    /// An API token unused this long is inactive; older than this, very old.
    pub token_inactive_days: i64,
    pub token_max_age_days: i64,
    /// Governance records of this many days are read.
    pub governance_days: i64,
    /// A governance task pending this long is stuck.
    pub governance_pending_hours: i64,
    /// A stream whose last successful parse is older than this is reported.
    pub parse_success_max_age_hours: i64,
    /// Message-center posts whose action is due within this many days.
    pub action_due_days: i64,
    /// A product's Secure Score points may drop this much before it is reported.
    pub score_drop_points: f64,
}

impl Default for OpsThresholds {
    fn default() -> Self {
        OpsThresholds {
            system_alert_days: 7,
            connector_stale_hours: 24,
            stream_stale_hours: 24,
            siem_error_hours: 2,
            siem_disconnected_hours: 12,
            token_inactive_days: 7,
            token_max_age_days: 365,
            governance_days: 7,
            governance_pending_hours: 1,
            parse_success_max_age_hours: 48,
            action_due_days: 30,
            score_drop_points: 0.0,
        }
    }
}

/// Everything `casguard ops` found, for the renderers.
#[derive(Debug, Clone, Default, Serialize)]
pub struct OpsSection {
    /// When the state checked was read (RFC 3339), and from where.
    pub fetched_at: Option<String>,
    pub tenant: Option<String>,
    /// The previous run compared against, when there was one.
    pub previous_at: Option<String>,
    pub checks: Vec<CheckResult>,
    /// Secure Score per product, largest first.
    pub secure_score: Vec<ProductScore>,
    /// Drift since the previous run.
    pub drift: Vec<DriftChange>,
    /// Notes on the run as a whole.
    pub notes: Vec<String>,
}

impl OpsSection {
    pub fn count(&self, status: CheckStatus) -> usize {
        self.checks.iter().filter(|c| c.status == status).count()
    }

    pub fn check(&self, check: OpsCheck) -> Option<&CheckResult> {
        self.checks.iter().find(|c| c.check == check)
    }
}
