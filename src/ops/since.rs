//! Checks that follow records across runs: the governance log (records
//! settle after they are written, so the newest version of each wins) and
//! drift since the last run (new, fixed, still drifting, with its age).

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use super::fields::{self, get, governance, Reader};
use super::{age, count, date, items, Checked, OpsInput};
use crate::model::DriftChange;
use crate::registry as r;

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;

/// The governance records of the window, one per `_id`: the version with the
/// newest `updateTimestamp` (a settled record replaces its pending one),
/// from this run and the previous one.
pub(crate) fn settled_records(input: &OpsInput<'_>) -> Vec<Value> {
    let from = input.now.as_millisecond() - input.thresholds.governance_days * DAY_MS;
    let previous = input
        .previous
        .get("governance")
        .map_or(&[][..], |p| p.items.as_slice());
    let mut records = newest_versions(previous.iter().chain(items(input, "governance")));
    records.retain(|record| {
        get(record, &governance::TIME)
            .and_then(fields::time_ms)
            .is_none_or(|t| t >= from)
    });
    records
}

/// One version of each governance record: by `_id`, the one with the newest
/// `updateTimestamp` (settled before pending at the same time); records
/// without an `_id` once each. Oldest first.
pub fn newest_versions<'a>(records: impl Iterator<Item = &'a Value>) -> Vec<Value> {
    let rank = |record: &Value| {
        (
            get(record, &governance::UPDATED)
                .and_then(fields::time_ms)
                .unwrap_or(0),
            get(record, &governance::STATUS).is_some(),
        )
    };
    let mut by_id: HashMap<String, Value> = HashMap::new();
    let mut anonymous: HashMap<String, Value> = HashMap::new();
    for record in records {
        match get(record, &governance::ID).and_then(fields::text) {
            Some(id) => match by_id.get(&id) {
                Some(kept) if rank(kept) >= rank(record) => {}
                _ => {
                    by_id.insert(id, record.clone());
                }
            },
            None => {
                anonymous.insert(record.to_string(), record.clone());
            }
        }
    }
    let mut records: Vec<Value> = by_id.into_values().chain(anonymous.into_values()).collect();
    records.sort_by_key(|record| get(record, &governance::TIME).and_then(fields::time_ms));
    records
}

/// Failed tasks grouped by task and app, and tasks pending too long. Parse
/// tasks are left to `log_upload`, which reports them per stream.
pub(crate) fn governance(input: &OpsInput<'_>) -> Checked {
    let raw = items(input, "governance");
    let reader = Reader::new("governance", raw);
    if let Err(reason) = reader
        .need(&governance::TASK)
        .and(reader.need(&governance::TIME))
    {
        return Checked::unavailable(reason);
    }
    let records = settled_records(input);
    let now = input.now.as_millisecond();
    let pending_ms = input.thresholds.governance_pending_hours * HOUR_MS;
    let mut checked = Checked::default();
    let mut failed: BTreeMap<(String, String), (usize, i64, Option<String>)> = BTreeMap::new();
    let mut pending: BTreeMap<String, (usize, i64)> = BTreeMap::new();
    let mut parse_tasks = 0;
    for record in &records {
        let task = get(record, &governance::TASK)
            .and_then(fields::text)
            .unwrap_or_else(|| "(unnamed task)".into());
        if task == "DiscoveryParseLogTask" {
            parse_tasks += 1;
            continue;
        }
        let time = get(record, &governance::TIME)
            .and_then(fields::time_ms)
            .unwrap_or(now);
        if get(record, &governance::STATUS).is_none() {
            if now - time > pending_ms {
                let slot = pending.entry(task).or_insert((0, time));
                slot.0 += 1;
                slot.1 = slot.1.min(time);
            }
            continue;
        }
        if get(record, &governance::SUCCESS).and_then(fields::boolean) == Some(false) {
            let app = get(record, &governance::APP)
                .and_then(fields::text)
                .unwrap_or_else(|| "no app".into());
            let template = get(record, &governance::TEMPLATE).and_then(fields::text);
            let slot = failed.entry((task, app)).or_insert((0, time, None));
            slot.0 += 1;
            if time >= slot.1 {
                slot.1 = time;
                slot.2 = template.or(slot.2.take());
            }
        }
    }
    for ((task, app), (n, last, template)) in failed {
        let why = template.map_or(String::new(), |t| format!("; last result {t}"));
        checked.finding(
            &r::OPS071,
            format!(
                "{task} failed {} for app {app}, last at {}{why}",
                times(n),
                date(last)
            ),
            None,
        );
    }
    for (task, (n, oldest)) in pending {
        checked.finding(
            &r::OPS072,
            format!(
                "{task}: {} pending for more than {} h, the oldest since {} ({} ago)",
                count(n, "task"),
                input.thresholds.governance_pending_hours,
                date(oldest),
                age(now - oldest)
            ),
            None,
        );
    }
    checked.looked_at = format!(
        "{} in the last {} days ({} parse tasks reported under log_upload)",
        count(records.len(), "record"),
        input.thresholds.governance_days,
        parse_tasks
    );
    if !input.previous.contains_key("governance") {
        checked.notes.push(
            "no previous run: records still pending at the last read cannot be settled from it"
                .into(),
        );
    }
    checked
}

fn times(n: usize) -> String {
    if n == 1 {
        "once".into()
    } else {
        format!("{n} times")
    }
}

/// One policy's drift at one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriftState {
    pub policy: String,
    /// missing | unmanaged | changed.
    pub kind: String,
}

/// Drift now and at earlier runs, as the drift engine computed it against
/// today's desired state.
#[derive(Debug, Clone, Default)]
pub struct DriftRun {
    pub current: Vec<DriftState>,
    /// Earlier snapshots holding policies, newest first, as (fetched_at, drift).
    pub earlier: Vec<(String, Vec<DriftState>)>,
    /// Set when the desired state could not be compared (invalid files).
    pub not_compared: Option<String>,
}

/// New, fixed and still drifting since the previous run, with the age of
/// each drift: how long the unbroken run of snapshots showing it goes back.
pub(crate) fn drift(input: &OpsInput<'_>) -> Checked {
    let Some(run) = input.drift else {
        return Checked::unavailable("no desired state to compare (no policies folder)".into());
    };
    if let Some(reason) = &run.not_compared {
        return Checked::unavailable(reason.clone());
    }
    let now = input.now.as_millisecond();
    let mut checked = Checked::default();
    let previous = run.earlier.first();
    for state in &run.current {
        let since = run
            .earlier
            .iter()
            .take_while(|(_, states)| states.contains(state))
            .last()
            .map(|(at, _)| at.clone());
        let age_days = since
            .as_deref()
            .and_then(|at| fields::time_ms(&Value::String(at.to_string())))
            .map(|at| (now - at) / DAY_MS);
        let label = match (previous, &since) {
            (None, _) => "present",
            (Some(_), None) => "new",
            (Some(_), Some(_)) => "still",
        };
        match label {
            "new" => checked.finding(
                &r::OPS101,
                format!(
                    "`{}` is {} since the last run ({})",
                    state.policy,
                    describe(&state.kind),
                    previous.map_or("", |p| p.0.as_str())
                ),
                None,
            ),
            _ => checked.finding(
                &r::OPS102,
                format!(
                    "`{}` is {}{}{}",
                    state.policy,
                    if previous.is_some() { "still " } else { "" },
                    describe(&state.kind),
                    match (&since, age_days) {
                        (Some(at), Some(days)) => format!(", since {at} ({days} days)"),
                        _ => String::new(),
                    }
                ),
                None,
            ),
        }
        checked.drift.push(DriftChange {
            policy: state.policy.clone(),
            kind: state.kind.clone(),
            state: label.into(),
            since,
            age_days,
        });
    }
    if let Some((at, states)) = previous {
        for state in states.iter().filter(|s| !run.current.contains(s)) {
            checked.drift.push(DriftChange {
                policy: state.policy.clone(),
                kind: state.kind.clone(),
                state: "fixed".into(),
                since: Some(at.clone()),
                age_days: None,
            });
        }
    } else {
        checked.notes.push("no previous run in the snapshot history: drift is listed without new/fixed (keep history with `history_dir` under [review])".into());
    }
    let fixed = checked.drift.iter().filter(|d| d.state == "fixed").count();
    let new = checked.drift.iter().filter(|d| d.state == "new").count();
    checked.looked_at = if previous.is_some() {
        format!(
            "{} drifting ({new} new), {fixed} fixed since the last run",
            count(run.current.len(), "policy"),
        )
    } else {
        format!(
            "{} drifting; no previous run to compare with",
            count(run.current.len(), "policy")
        )
    };
    checked
}

fn describe(kind: &str) -> &'static str {
    match kind {
        "missing" => "missing from the tenant",
        "unmanaged" => "unmanaged (live only)",
        _ => "changed in the tenant",
    }
}
