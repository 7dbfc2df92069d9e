//! `casguard alerts`: the per-policy scorecard, spikes, trends and where
//! alerts go, over the local archive (or a dump, analysed in memory);
//! `alerts sync` fills the archive from the tenant incrementally, `alerts
//! import` from a file, `alerts export` hands it to a SIEM or a data lake.
//! The analysis itself is `crate::alerts` (pure); the archive is
//! `crate::archive` (SQLite); fetching is `crate::live::alerts`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{Error, Finish, LiveSource, Project};
use crate::archive::{Archive, ExportFormat, SyncInfo, SyncSource};
use crate::live::alerts::AlertQuery;
use crate::live::{Event, Snapshot};
use crate::load::LoadOutcome;
use crate::model::{AlertPolicy, Report};
use crate::registry::families;
use crate::rules::RuleSet;

/// Days a cold archive is filled with: the 30-day window, plus the history
/// spikes (28 days), trends (the previous window) and the silent-policy check
/// (90 days) read.
pub const COLD_FILL_DAYS: i64 = 120;
/// New alerts are read from the newest archived one minus this much, so an
/// alert indexed late by the service is not missed.
pub const OVERLAP_MS: i64 = crate::archive::SYNC_OVERLAP_MS;
/// An alert sync of a large tenant takes longer than a policy fetch: at the
/// documented 30 requests per minute, 100,000 alerts are 1,000 requests.
const MIN_SYNC_DEADLINE: std::time::Duration = std::time::Duration::from_secs(3 * 3600);

pub struct AnalyseInput {
    /// The window in days; `[alerts] window_days` when `None`.
    pub since_days: Option<i64>,
    /// A raw dump to analyse instead of the archive.
    pub dump: Option<PathBuf>,
    /// Join to live policies too.
    pub live: bool,
    pub source: LiveSource,
}

pub fn analyse(
    project: &Project,
    rules: &RuleSet,
    input: &AnalyseInput,
    observe: &mut dyn FnMut(Event),
) -> Result<Report, Error> {
    let mut loaded = project.load_policies()?;
    let archive = match &input.dump {
        Some(dump) => {
            let path = project.env.resolve(dump);
            let mut archive = Archive::open_in_memory()?;
            let alerts = read_dump(project, &path)?;
            archive.store(&alerts, import_info(project, &path))?;
            archive
        }
        None => open_existing(project)?,
    };
    let snapshot = if input.live || input.source.given() {
        Some(super::read_live(project, &input.source, observe)?)
    } else {
        None
    };
    let records = archive.records(None, None)?;
    let mut thresholds = project.config.alerts.clone();
    if let Some(days) = input.since_days {
        thresholds.window_days = days;
    }
    let policies = alert_policies(&loaded, snapshot.as_ref());
    let outcome = crate::alerts::analyse(&crate::alerts::AlertsInput {
        alerts: &records,
        policies: &policies,
        thresholds: &thresholds,
        allowed_email_domains: &project.config.allowed_email_domains,
        today: project.env.today,
    });
    let mut findings = std::mem::take(&mut loaded.findings);
    findings.extend(outcome.findings);
    let mut report = Finish {
        command: "alerts",
        project,
        rules,
        families: families::ALERTS,
        complete: true,
    }
    .report(loaded, findings);
    let mut section = outcome.section;
    if snapshot.is_none() {
        section.notes.push("joined to the policy files only: pass --live or --snapshot FILE to join live policies (and their live recipients) too".into());
    }
    report.alerts = Some(section);
    Ok(report)
}

/// Alerts read from the tenant.
pub(super) struct Fetched {
    pub tenant: String,
    pub alerts: Vec<Value>,
    pub requests: usize,
}

/// Reads the alerts `queries` select from the tenant, one list read each;
/// an alert read twice keeps its later copy.
pub(super) fn fetch_from_tenant(
    project: &Project,
    source: &LiveSource,
    queries: &[AlertQuery],
    observe: &mut dyn FnMut(Event),
) -> Result<Fetched, Error> {
    let env = |key: &str| project.env.var(key).map(str::to_string);
    let mut settings = source.settings(project);
    settings.deadline = settings.deadline.max(MIN_SYNC_DEADLINE);
    let tenant = crate::live::tenant_url(source.tenant.as_deref(), &env, &settings)?;
    let mut auth = crate::live::Auth::from_config(&settings, &env)?;
    let mut http = crate::live::Http::new(&settings)?;
    // Later queries win: a re-read alert replaces the copy of the first query.
    let mut merged: Vec<Value> = Vec::new();
    let mut position: HashMap<String, usize> = HashMap::new();
    for query in queries {
        for alert in
            crate::live::alerts::fetch_alerts(&tenant, query, &mut http, &mut auth, observe)?
        {
            let id = alert
                .get("_id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            match position.get(&id) {
                Some(&i) => merged[i] = alert,
                None => {
                    position.insert(id, merged.len());
                    merged.push(alert);
                }
            }
        }
    }
    Ok(Fetched {
        tenant,
        alerts: merged,
        requests: http.requests,
    })
}

pub(super) fn import_info(project: &Project, file: &Path) -> SyncInfo {
    let now = project.env.now.as_millisecond();
    SyncInfo {
        source: SyncSource::Import,
        origin: project.display(file),
        started_ms: now,
        finished_ms: now,
        window_from_ms: None,
        window_to_ms: None,
    }
}

/// The archive, which must exist already (analysis never creates one).
fn open_existing(project: &Project) -> Result<Archive, Error> {
    let path = project.config.archive_path();
    if !path.is_file() {
        return Err(Error::NoArchive {
            path: project.display(&path),
        });
    }
    Ok(Archive::open(&path)?)
}

pub(super) fn read_dump(project: &Project, path: &Path) -> Result<Vec<Value>, Error> {
    let display = project.display(path);
    let bytes = std::fs::read(path).map_err(|e| Error::ReadInput {
        path: display.clone(),
        detail: e.to_string(),
    })?;
    Ok(crate::archive::parse_dump(&bytes, &display)?)
}

/// Every policy alerts can be joined to: the policy files (with their live
/// ids when live state is given, else their pinned ids), and live policies
/// no file declares.
pub(super) fn alert_policies(loaded: &LoadOutcome, live: Option<&Snapshot>) -> Vec<AlertPolicy> {
    let live_by_id: HashMap<String, &serde_json::Map<String, Value>> = live
        .map(|s| {
            s.policies
                .iter()
                .filter_map(Value::as_object)
                .filter_map(|p| {
                    let id = p.get("_id")?.as_str()?.to_ascii_lowercase();
                    Some((id, p))
                })
                .collect()
        })
        .unwrap_or_default();
    let matched = super::live_matches(loaded, live);
    let mut policies: Vec<AlertPolicy> = loaded
        .policies
        .iter()
        .enumerate()
        .map(|(index, policy)| {
            let live_id = matched.get(&index).cloned().or_else(|| policy.id.clone());
            let raw = live_id.as_ref().and_then(|id| live_by_id.get(id));
            let mut entry = AlertPolicy {
                name: policy.name.trim().to_string(),
                policy_type: policy.policy_type.as_str().into(),
                live_id: live_id.clone(),
                file: Some(policy.file.clone()),
                location: policy.locate(&loaded.sources, "name"),
                enabled: policy.enabled.unwrap_or(false),
                alerts_enabled: policy.alerts.enabled.unwrap_or(false),
                daily_limit: policy.alerts.daily_limit,
                recipients_desired: policy.alerts.email_recipients.clone(),
                recipients_live: Vec::new(),
            };
            if let Some(raw) = raw {
                apply_live(&mut entry, raw);
            }
            entry
        })
        .collect();
    // Live policies no file claims (by a match or a pinned id).
    let claimed: std::collections::HashSet<String> =
        policies.iter().filter_map(|p| p.live_id.clone()).collect();
    for (id, raw) in &live_by_id {
        if claimed.contains(id) {
            continue;
        }
        let text = |field: &str| {
            raw.get(field)
                .and_then(Value::as_str)
                .unwrap_or("")
                .trim()
                .to_string()
        };
        let mut entry = AlertPolicy {
            name: text("name"),
            policy_type: text("policyType").to_ascii_uppercase(),
            live_id: Some(id.clone()),
            ..AlertPolicy::default()
        };
        apply_live(&mut entry, raw);
        policies.push(entry);
    }
    policies.sort_by(|a, b| a.name.cmp(&b.name));
    policies
}

/// What the live object says about state, alerting, limit and recipients
/// (through the one field table); a field the tenant does not send keeps
/// the desired value.
fn apply_live(entry: &mut AlertPolicy, raw: &serde_json::Map<String, Value>) {
    let field = |path: &str| crate::normalize::live_field_for(path).and_then(|f| raw.get(f));
    if let Some(enabled) = field("enabled").and_then(Value::as_bool) {
        entry.enabled = enabled;
    }
    if let Some(alerts) = field("alerts.enabled").and_then(Value::as_bool) {
        entry.alerts_enabled = alerts;
    }
    if let Some(limit) = field("alerts.daily_limit").and_then(Value::as_i64) {
        entry.daily_limit = Some(limit);
    }
    if let Some(list) = field("alerts.email_recipients").and_then(Value::as_array) {
        entry.recipients_live = list
            .iter()
            .filter_map(Value::as_str)
            .map(|r| r.trim().to_ascii_lowercase())
            .collect();
    }
}

pub struct SyncInput {
    /// Cold fill, in days back from `to` (default `COLD_FILL_DAYS`).
    pub since_days: Option<i64>,
    pub from: Option<jiff::civil::Date>,
    pub to: Option<jiff::civil::Date>,
    pub source: LiveSource,
}

/// Fetches what is new (or the whole window on a cold archive) and stores it
/// in one transaction.
pub fn sync(
    project: &Project,
    input: &SyncInput,
    observe: &mut dyn FnMut(Event),
) -> Result<crate::model::SyncOutcome, Error> {
    let path = project.config.archive_path();
    let mut archive = Archive::open(&path)?;
    let now_ms = project.env.now.as_millisecond();
    let to_ms = input.to.map_or(now_ms, end_of_day_ms);
    let cold_from = input
        .from
        .map(start_of_day_ms)
        .unwrap_or_else(|| to_ms - input.since_days.unwrap_or(COLD_FILL_DAYS) * 86_400_000);
    let explicit = input.from.is_some() || input.since_days.is_some();
    let plan = archive.sync_plan(OVERLAP_MS)?;
    let incremental = !explicit && plan.created_from_ms.is_some();
    let queries = if incremental {
        vec![
            AlertQuery {
                created_from_ms: plan.created_from_ms,
                created_to_ms: Some(to_ms),
                ..AlertQuery::default()
            },
            AlertQuery {
                open_only: true,
                ..AlertQuery::default()
            },
            AlertQuery {
                resolved_from_ms: plan.resolved_since_ms,
                ..AlertQuery::default()
            },
        ]
    } else {
        vec![AlertQuery {
            created_from_ms: Some(cold_from),
            created_to_ms: Some(to_ms),
            ..AlertQuery::default()
        }]
    };
    let Fetched {
        tenant,
        alerts: merged,
        requests,
    } = fetch_from_tenant(project, &input.source, &queries, observe)?;
    let info = SyncInfo {
        source: SyncSource::Api,
        origin: tenant.clone(),
        started_ms: now_ms,
        finished_ms: now_ms,
        window_from_ms: queries[0].created_from_ms,
        window_to_ms: Some(to_ms),
    };
    let stored = archive.store(&merged, info)?;
    Ok(crate::model::SyncOutcome {
        archive: project.display(&path),
        source: tenant,
        fetched: merged.len(),
        inserted: stored.inserted as usize,
        updated: stored.updated as usize,
        requests: requests as u64,
        incremental,
        total: archive.count()?,
    })
}

/// `alerts import FILE`: a raw dump into the archive, in one transaction.
pub fn import(project: &Project, file: &Path) -> Result<crate::model::SyncOutcome, Error> {
    let path = project.env.resolve(file);
    let alerts = read_dump(project, &path)?;
    let archive_path = project.config.archive_path();
    let mut archive = Archive::open(&archive_path)?;
    let stored = archive.store(&alerts, import_info(project, &path))?;
    Ok(crate::model::SyncOutcome {
        archive: project.display(&archive_path),
        source: project.display(&path),
        fetched: alerts.len(),
        inserted: stored.inserted as usize,
        updated: stored.updated as usize,
        requests: 0,
        incremental: false,
        total: archive.count()?,
    })
}

/// `alerts export`: the whole archive as NDJSON or CSV, to `out` (atomically) or returned.
pub fn export(
    project: &Project,
    format: ExportFormat,
    out: Option<&Path>,
) -> Result<Option<Vec<u8>>, Error> {
    let archive = open_existing(project)?;
    let mut bytes = Vec::new();
    archive.export(format, &mut bytes)?;
    match out {
        Some(out) => {
            let path = project.env.resolve(out);
            super::write_file(project, &path, &bytes)?;
            Ok(None)
        }
        None => Ok(Some(bytes)),
    }
}

fn start_of_day_ms(date: jiff::civil::Date) -> i64 {
    date.to_zoned(jiff::tz::TimeZone::UTC)
        .map(|z| z.timestamp().as_millisecond())
        .unwrap_or(0)
}

fn end_of_day_ms(date: jiff::civil::Date) -> i64 {
    start_of_day_ms(date) + 86_400_000 - 1
}
