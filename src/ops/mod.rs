//! The weekly operations check (mdca-ops.md 2.4), over resources already
//! read: pure, no I/O. Each check reads its resources through the field
//! table (`fields`), returns a status line and findings of its own rule
//! family, and is
//! - `unavailable` when its data was not read (no Graph credentials, not in
//!   the snapshot) or lacks a field it needs: a note, never a finding;
//! - `error` when reading its data failed: casguard could not do its job.
//!
//! Comparisons "since the last run" (failure counts, Secure Score, message
//! center, governance records that settled, drift) use the previous
//! snapshot the caller found; without one they say so in a note.

pub mod fields;
mod health;
mod posture;
mod since;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::live::snapshot::{Resource, ResourceStatus, Snapshot};
use crate::model::{
    CheckResult, CheckStatus, DriftChange, Finding, OpsCheck, OpsSection, OpsThresholds,
    ProductScore, RuleDoc,
};

pub use since::{newest_versions, DriftRun, DriftState};

/// What the checks look at.
pub struct OpsInput<'a> {
    pub now: jiff::Timestamp,
    pub thresholds: &'a OpsThresholds,
    /// The state read now.
    pub current: &'a Snapshot,
    /// Per resource, the newest earlier snapshot that read it successfully.
    pub previous: &'a BTreeMap<String, Previous>,
    /// Drift now and at earlier runs, computed by the drift engine.
    pub drift: Option<&'a DriftRun>,
    /// The checks to run.
    pub selected: &'a BTreeSet<OpsCheck>,
}

/// A resource as an earlier run read it.
#[derive(Debug, Clone)]
pub struct Previous {
    pub fetched_at: String,
    pub items: Vec<Value>,
}

/// Everything the checks found.
pub struct OpsOutcome {
    pub section: OpsSection,
    pub findings: Vec<Finding>,
}

/// Which resources each check reads.
pub fn resources_of(check: OpsCheck) -> &'static [&'static str] {
    match check {
        OpsCheck::SystemAlerts => &["alerts"],
        OpsCheck::AppConnectors | OpsCheck::ConditionalAccessApps => &["app_connectors"],
        OpsCheck::LogUpload => &["discovery_streams", "log_collectors", "governance"],
        OpsCheck::SiemAgents => &["siem_agents"],
        OpsCheck::ApiTokens => &["api_tokens"],
        OpsCheck::Governance => &["governance"],
        OpsCheck::SecureScore => &["secure_scores", "secure_score_profiles"],
        OpsCheck::MessageCenter => &["message_center"],
        OpsCheck::Drift => &["policies"],
    }
}

/// One check's findings and status, before it is turned into a `CheckResult`.
#[derive(Default)]
pub(crate) struct Checked {
    pub findings: Vec<Finding>,
    /// What was looked at: "4 connectors".
    pub looked_at: String,
    pub notes: Vec<String>,
    /// Set when a needed field is missing: the check is unavailable.
    pub unavailable: Option<String>,
    pub scores: Vec<ProductScore>,
    pub drift: Vec<DriftChange>,
}

impl Checked {
    pub fn unavailable(reason: String) -> Checked {
        Checked {
            unavailable: Some(reason),
            ..Checked::default()
        }
    }

    pub fn finding(&mut self, rule: &RuleDoc, message: String, help: Option<String>) {
        let mut finding = Finding::new(rule.id, rule.severity, message);
        finding.help = help;
        self.findings.push(finding);
    }
}

/// Runs the selected checks.
pub fn run(input: &OpsInput<'_>) -> OpsOutcome {
    let mut section = OpsSection {
        fetched_at: input.current.fetched_at.clone(),
        tenant: input.current.tenant.clone(),
        ..OpsSection::default()
    };
    let mut findings = Vec::new();
    for check in OpsCheck::ALL {
        if !input.selected.contains(&check) {
            section.checks.push(CheckResult {
                worst: None,
                check,
                status: CheckStatus::Skipped,
                detail: "not selected".into(),
                findings: 0,
                notes: Vec::new(),
            });
            continue;
        }
        if let Some(result) = unreadable(input.current, check) {
            section.checks.push(result);
            continue;
        }
        let checked = match check {
            OpsCheck::SystemAlerts => health::system_alerts(input),
            OpsCheck::AppConnectors => health::app_connectors(input),
            OpsCheck::ConditionalAccessApps => health::conditional_access_apps(input),
            OpsCheck::LogUpload => health::log_upload(input),
            OpsCheck::SiemAgents => health::siem_agents(input),
            OpsCheck::ApiTokens => health::api_tokens(input),
            OpsCheck::Governance => since::governance(input),
            OpsCheck::SecureScore => posture::secure_score(input),
            OpsCheck::MessageCenter => posture::message_center(input),
            OpsCheck::Drift => since::drift(input),
        };
        let result = match &checked.unavailable {
            Some(reason) => CheckResult {
                worst: None,
                check,
                status: CheckStatus::Unavailable,
                detail: reason.clone(),
                findings: 0,
                notes: checked.notes.clone(),
            },
            None => CheckResult {
                worst: None,
                check,
                status: if checked.findings.is_empty() {
                    CheckStatus::Ok
                } else {
                    CheckStatus::Findings
                },
                detail: checked.looked_at.clone(),
                findings: checked.findings.len(),
                notes: checked.notes.clone(),
            },
        };
        section.checks.push(result);
        if checked.unavailable.is_none() {
            findings.extend(checked.findings);
            section.secure_score.extend(checked.scores);
            section.drift.extend(checked.drift);
        }
    }
    section.previous_at = input.previous.values().map(|p| p.fetched_at.clone()).max();
    OpsOutcome { section, findings }
}

/// The resources a check cannot run without. Log upload's collectors and
/// governance log are extras: when they cannot be read, the stream checks
/// still run and a note says what was left out.
fn required_of(check: OpsCheck) -> &'static [&'static str] {
    match check {
        OpsCheck::LogUpload => &["discovery_streams"],
        other => resources_of(other),
    }
}

/// Why an optional resource of a check was not read, when it was not.
pub(crate) fn not_read(input: &OpsInput<'_>, name: &str) -> Option<String> {
    match input.current.resource(name) {
        None => Some(format!("{name} not in the snapshot")),
        Some(Resource {
            status: ResourceStatus::Ok,
            ..
        }) => None,
        Some(resource) => Some(format!(
            "{name} could not be read: {}",
            resource.detail.as_deref().unwrap_or("no details")
        )),
    }
}

/// The status of a check whose resources were not read successfully.
fn unreadable(snapshot: &Snapshot, check: OpsCheck) -> Option<CheckResult> {
    let result = |status, detail: String| CheckResult {
        worst: None,
        check,
        status,
        detail,
        findings: 0,
        notes: Vec::new(),
    };
    for name in required_of(check) {
        match snapshot.resource(name) {
            None => {
                return Some(result(
                    CheckStatus::Unavailable,
                    format!(
                    "{name} not in the snapshot (read it with `casguard fetch --resources all`)"
                ),
                ))
            }
            Some(Resource {
                status: ResourceStatus::Error,
                detail,
                ..
            }) => {
                return Some(result(
                    CheckStatus::Error,
                    format!(
                        "reading {name} failed: {}",
                        detail.as_deref().unwrap_or("no details")
                    ),
                ))
            }
            Some(Resource {
                status: ResourceStatus::Unavailable,
                detail,
                ..
            }) => {
                return Some(result(
                    CheckStatus::Unavailable,
                    detail.as_deref().unwrap_or("not read").to_string(),
                ))
            }
            Some(_) => {}
        }
    }
    None
}

/// The items of a resource read now (empty when absent).
pub(crate) fn items<'a>(input: &'a OpsInput<'_>, name: &str) -> &'a [Value] {
    input
        .current
        .resource(name)
        .map_or(&[], |r| r.items.as_slice())
}

/// "3 h", "2 d": an age for people.
pub(crate) fn age(ms: i64) -> String {
    let hours = ms.max(0) / 3_600_000;
    if hours < 48 {
        format!("{hours} h")
    } else {
        format!("{} d", hours / 24)
    }
}

/// An epoch-ms time as RFC 3339 (UTC, seconds).
pub(crate) fn date(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|_| ms.to_string())
}

/// "1 connector", "3 connectors".
pub(crate) fn count(n: usize, noun: &str) -> String {
    crate::model::plural(n, noun)
}
