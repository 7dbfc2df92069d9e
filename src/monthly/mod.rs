//! The monthly summary for management (`casguard report monthly`), over data
//! already read: the archived alerts, the policies, the last ops run, drift,
//! review and git. Pure: no I/O. Figures come from the same engines as the
//! other commands (`crate::alerts` for the scorecard, spikes and trends, the
//! ops section for platform health) so that every number in the report can
//! be traced to a command an auditor can rerun.
//!
//! Months are calendar months in UTC. An alert belongs to the month it was
//! created in; "closed" means `resolutionStatusValue` 1-5, as everywhere.

mod advice;
mod kpis;

use std::collections::BTreeMap;

use jiff::civil::Date;

use crate::model::{
    AlertPolicy, AlertRecord, AlertThresholds, Appendix, Commit, Configuration, Count,
    DriftSection, Drifting, Finding, GovernanceActions, IncidentTypes, MonthTrends, MonthlyReport,
    OpsSection, Overdue, Platform, ReviewEntry, ReviewStatus, SourceInput,
};

pub use kpis::{month_bounds, previous_month, start_ms};

/// Everything the report is made of.
pub struct MonthlyInput<'a> {
    /// The first day of the month reported on.
    pub month: Date,
    /// The report's "today": a month not over yet ends here.
    pub today: Date,
    pub alerts: &'a [AlertRecord],
    /// Whether there is an archive (or dump) at all, even an empty one.
    pub have_alerts: bool,
    pub policies: &'a [AlertPolicy],
    /// Policy files, for recommendations' patches and scopes.
    pub files: &'a crate::load::LoadOutcome,
    pub thresholds: &'a AlertThresholds,
    pub allowed_email_domains: &'a [String],
    /// The last ops run, its findings and raw governance records.
    pub ops: Option<OpsRun<'a>>,
    pub drift: Option<&'a DriftSection>,
    pub review: &'a [ReviewEntry],
    /// Commits touching policy files in the month, newest first.
    pub commits: Vec<Commit>,
    pub last_change_desired: Option<String>,
    pub last_change_live: Option<String>,
    pub threat_notes: Option<String>,
    /// Where the alerts are known to start (a live read's window); else the
    /// earliest alert is taken as the start.
    pub coverage_from_ms: Option<i64>,
    pub sources: Vec<SourceInput>,
    pub tenant: Option<String>,
    pub git_commit: Option<String>,
    pub generated_at: jiff::Timestamp,
    /// What the caller could not find ("no ops run ...").
    pub missing: Vec<String>,
}

/// The last ops run.
pub struct OpsRun<'a> {
    pub section: &'a OpsSection,
    pub findings: &'a [Finding],
    pub governance: &'a [serde_json::Value],
}

pub fn monthly(input: MonthlyInput<'_>) -> MonthlyReport {
    let (from, to) = month_bounds(input.month, input.today);
    let mut missing = input.missing.clone();
    let month_alerts: Vec<&AlertRecord> = input
        .alerts
        .iter()
        .filter(|a| kpis::in_range(a.timestamp_ms, from, to))
        .collect();
    let month_days = (input.month.last_of_month() - input.month.first_of_month()).get_days() + 1;
    if to < input.month.last_of_month() {
        missing.push(format!(
            "{} is not over: its figures run to {to} ({} of {month_days} days), against the whole of {}",
            kpis::month_key(input.month),
            (to - from).get_days() + 1,
            kpis::month_key(kpis::previous_month(input.month))
        ));
    }
    if let Some(earliest) = kpis::coverage_from(&input) {
        let series_start = kpis::start_ms(
            input
                .month
                .first_of_month()
                .saturating_sub(jiff::ToSpan::months(5)),
        );
        // A day of slack: an archive rarely starts with an alert at midnight.
        if earliest > series_start + 86_400_000 {
            missing.push(format!(
                "the alert archive starts {}: earlier months have no data, and that month's figures are partial",
                crate::ops::date(earliest).get(..10).unwrap_or_default()
            ));
        }
    }
    if !input.have_alerts {
        missing.push("no alert archive: alert figures, incident types, trends and policy health are empty (run `casguard alerts sync`, or pass --dump FILE)".into());
    } else if month_alerts.is_empty() {
        missing.push(format!(
            "no alerts were created in {}",
            kpis::month_key(input.month)
        ));
    }
    // The scorecard, spikes and trends of the month, from the alerts engine.
    let mut thresholds = input.thresholds.clone();
    thresholds.window_days = (to - from).get_days() as i64 + 1;
    let analysis = crate::alerts::analyse(&crate::alerts::AlertsInput {
        alerts: input.alerts,
        policies: input.policies,
        thresholds: &thresholds,
        allowed_email_domains: input.allowed_email_domains,
        today: to,
    })
    .section;
    let kpis = kpis::kpis(&input, &analysis);
    let incident_types = incident_types(&month_alerts, input.policies);
    let trends = MonthTrends {
        daily: analysis.daily.clone(),
        spikes: analysis.spikes.clone(),
        policies: analysis
            .trends
            .iter()
            .filter(|t| t.current + t.previous > 0)
            .cloned()
            .collect(),
        resolution_mix: resolution_mix(&month_alerts),
        governance: governance(&input, from, to, &mut missing),
    };
    let recommendations = advice::recommendations(&input, &analysis);
    let configuration = configuration(&input, &analysis);
    let platform = platform(&input, &analysis, &mut missing);
    MonthlyReport {
        month: kpis::month_key(input.month),
        previous_month: kpis::month_key(kpis::previous_month(input.month)),
        from: from.to_string(),
        to: to.to_string(),
        tenant: input.tenant.clone(),
        kpis,
        incident_types,
        trends,
        policy_health: analysis.scorecard.clone(),
        recommendations,
        configuration,
        platform,
        threat_notes: input.threat_notes.clone(),
        sources: input.sources.clone(),
        appendix: appendix(&input, &thresholds),
        missing,
    }
}

/// `stories[]` codes (mdca-ops.md 1.1).
fn category(story: Option<u8>) -> &'static str {
    match story {
        Some(0) => "threat detection",
        Some(1) => "privileged accounts",
        Some(2) => "compliance",
        Some(3) => "data loss prevention",
        Some(4) => "sharing control",
        Some(5) => "access control",
        Some(6) => "cloud discovery",
        Some(7) => "shadow IT",
        Some(8) => "configuration monitoring",
        _ => "uncategorised",
    }
}

fn counts(labels: impl Iterator<Item = String>) -> Vec<Count> {
    let mut map: BTreeMap<String, u64> = BTreeMap::new();
    for label in labels {
        *map.entry(label).or_default() += 1;
    }
    let mut out: Vec<Count> = map
        .into_iter()
        .map(|(label, count)| Count { label, count })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then(a.label.cmp(&b.label)));
    out
}

fn incident_types(alerts: &[&AlertRecord], policies: &[AlertPolicy]) -> IncidentTypes {
    let type_of: BTreeMap<&str, &str> = policies
        .iter()
        .filter_map(|p| Some((p.live_id.as_deref()?, p.policy_type.as_str())))
        .collect();
    IncidentTypes {
        by_category: counts(alerts.iter().map(|a| category(a.story).to_string())),
        by_severity: counts(
            alerts
                .iter()
                .map(|a| crate::model::alert::severity_name(a.severity).to_string()),
        ),
        by_app: counts(alerts.iter().map(|a| {
            a.service
                .as_deref()
                .map_or_else(|| "(no app)".to_string(), str::to_string)
        })),
        by_policy_type: counts(alerts.iter().map(|a| {
            let kind = a
                .policy_id
                .as_deref()
                .and_then(|id| type_of.get(id).copied())
                .filter(|t| !t.is_empty());
            match (kind, a.is_system) {
                (Some(kind), _) => kind.to_string(),
                (None, true) => "system".to_string(),
                (None, false) => "built-in or unknown".to_string(),
            }
        })),
    }
}

fn resolution_mix(alerts: &[&AlertRecord]) -> Vec<Count> {
    counts(alerts.iter().map(|a| {
        match a.resolution {
            Some(0) => "open",
            Some(1) => "dismissed (legacy)",
            Some(2) => "resolved (legacy)",
            Some(3) => "false positive",
            Some(4) => "benign",
            Some(5) => "true positive",
            _ => "no resolution recorded",
        }
        .to_string()
    }))
}

/// Governance actions of the month, per task, from the last ops run's log.
fn governance(
    input: &MonthlyInput<'_>,
    from: Date,
    to: Date,
    missing: &mut Vec<String>,
) -> Vec<GovernanceActions> {
    use crate::ops::fields::{self, get, governance as g};
    let Some(ops) = &input.ops else {
        return Vec::new();
    };
    let mut by_task: BTreeMap<String, GovernanceActions> = BTreeMap::new();
    let mut earliest: Option<i64> = None;
    // Pending and settled versions of one record are one action.
    for record in &crate::ops::newest_versions(ops.governance.iter()) {
        let Some(time) = get(record, &g::TIME).and_then(fields::time_ms) else {
            continue;
        };
        earliest = Some(earliest.map_or(time, |e| e.min(time)));
        if !kpis::in_range(time, from, to) {
            continue;
        }
        let task = get(record, &g::TASK)
            .and_then(fields::text)
            .unwrap_or_else(|| "(unnamed task)".into());
        let row = by_task.entry(task.clone()).or_insert(GovernanceActions {
            task,
            total: 0,
            succeeded: 0,
            failed: 0,
            pending: 0,
        });
        row.total += 1;
        match get(record, &g::SUCCESS).and_then(fields::boolean) {
            Some(true) => row.succeeded += 1,
            Some(false) => row.failed += 1,
            None => row.pending += 1,
        }
    }
    let month_start = kpis::start_ms(from);
    if earliest.is_none_or(|e| e > month_start) {
        missing.push(format!(
            "the governance log of the last ops run starts {}: governance actions cover only part of the month (set `governance_days` under [ops] to 31 for monthly reports)",
            earliest.map_or("nowhere (no records)".into(), crate::ops::date)
        ));
    }
    let mut rows: Vec<GovernanceActions> = by_task.into_values().collect();
    rows.sort_by(|a, b| b.total.cmp(&a.total).then(a.task.cmp(&b.task)));
    rows
}

fn configuration(
    input: &MonthlyInput<'_>,
    analysis: &crate::model::AlertsSection,
) -> Configuration {
    let (drift, in_sync) = match input.drift {
        Some(section) => (
            section
                .entries
                .iter()
                .map(|e| Drifting {
                    policy: e.policy.clone(),
                    kind: match e.kind {
                        crate::model::DriftKind::Missing => "missing",
                        crate::model::DriftKind::Unmanaged => "unmanaged",
                        crate::model::DriftKind::Changed => "changed",
                    }
                    .to_string(),
                    fields: e.changes.iter().map(|c| c.path.clone()).collect(),
                    out_of_band: match (&e.live_last_change, &e.desired_last_change) {
                        (Some(live), Some(desired)) => live.epoch > desired.epoch,
                        _ => false,
                    },
                })
                .collect(),
            section.in_sync,
        ),
        None => (Vec::new(), 0),
    };
    Configuration {
        commits: input.commits.clone(),
        last_change_desired: input.last_change_desired.clone(),
        last_change_live: input.last_change_live.clone(),
        drift,
        in_sync,
        overdue: input
            .review
            .iter()
            .filter(|r| r.status == ReviewStatus::Overdue)
            .map(|r| Overdue {
                policy: r.policy.clone(),
                file: r.file.clone(),
                due: r.next_review_due.clone(),
            })
            .collect(),
        recipients: analysis.recipients.clone(),
    }
}

fn platform(
    input: &MonthlyInput<'_>,
    analysis: &crate::model::AlertsSection,
    missing: &mut Vec<String>,
) -> Platform {
    let Some(ops) = &input.ops else {
        return Platform {
            system_alerts: analysis.system_alerts.clone(),
            ..Platform::default()
        };
    };
    if ops.section.secure_score.is_empty() {
        let why = ops
            .section
            .check(crate::model::OpsCheck::SecureScore)
            .map(|c| c.detail.clone())
            .unwrap_or_else(|| "not checked".into());
        missing.push(format!("Secure Score is missing: {why}"));
    }
    Platform {
        fetched_at: ops.section.fetched_at.clone(),
        checks: ops.section.checks.clone(),
        secure_score: ops.section.secure_score.clone(),
        actions: ops
            .findings
            .iter()
            .filter(|f| f.rule == crate::registry::OPS092.id)
            .map(|f| f.message.clone())
            .collect(),
        system_alerts: analysis
            .system_alerts
            .iter()
            .filter(|a| input.alerts.iter().any(|r| *r.id == *a.id && r.is_open()))
            .cloned()
            .collect(),
    }
}

fn appendix(input: &MonthlyInput<'_>, thresholds: &AlertThresholds) -> Appendix {
    let t = thresholds;
    Appendix {
        method: vec![
            "Months are calendar months in UTC; an alert counts in the month it was created.".into(),
            "Closed means resolutionStatusValue 1 to 5; time to resolve is resolveTime minus creation, negative values dropped.".into(),
            "TP / FP / benign rates are shares of the month's alerts closed as true positive, false positive or benign.".into(),
            "The open backlog is the alerts created up to the month's end and open at that time (closed later, or still open).".into(),
            "Verdicts, spikes and trends come from `casguard alerts` over the month (see its README section for every method).".into(),
            "Platform health and Secure Score come from the last `casguard ops` run; drift and reviews from `casguard drift` and `casguard review`.".into(),
        ],
        thresholds: vec![
            ("FP ratio to tune".into(), format!("{:.2}", t.fp_tune)),
            ("FP ratio minimum sample".into(), format!("{} closed alerts", t.fp_min_sample)),
            ("silent policy".into(), format!("no alert in {} days", t.dead_days)),
            ("saturation".into(), format!("{} days at the daily limit", t.saturation_days)),
            ("unworked".into(), format!("unread open alerts older than {} days", t.unworked_days)),
            ("spike".into(), format!("at least {} alerts and baseline + {} x spread", t.spike_min_count, t.spike_k)),
            ("trend".into(), format!("{} % change, from {} alerts", t.trend_percent, t.trend_min_previous)),
            ("backlog".into(), format!("open alerts older than {} days", t.backlog_days)),
        ],
        casguard_version: env!("CARGO_PKG_VERSION").into(),
        git_commit: input.git_commit.clone(),
        generated_at: input.generated_at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
    }
}
