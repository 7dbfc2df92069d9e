//! Platform health: system alerts, app connectors, Conditional Access App
//! Control apps, automatic log upload, SIEM agents and API tokens
//! (mdca-ops.md 1.5-1.8). Thresholds come from `[ops]`.

use std::collections::BTreeMap;

use serde_json::Value;

use super::fields::{self, collector, connector, get, governance, siem, stream, token, Reader};
use super::{age, count, date, items, Checked, OpsInput};
use crate::registry as r;

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;

/// Whether `field` is absent from `item` or JSON null (never a value that
/// merely failed to parse: that is a note, not "never").
fn is_null(item: &Value, field: &fields::Field) -> bool {
    field.names.iter().all(|name| {
        name.split('.')
            .try_fold(item, |value, part| value.get(part))
            .is_none_or(Value::is_null)
    })
}

fn name_of(item: &Value, field: &fields::Field, fallback: usize) -> String {
    get(item, field)
        .and_then(fields::text)
        .filter(|t| !t.is_empty())
        .map(|t| crate::textutil::clip(&t, 80))
        .unwrap_or_else(|| format!("#{}", fallback + 1))
}

/// Open system alerts raised in the last `system_alert_days`.
pub(crate) fn system_alerts(input: &OpsInput<'_>) -> Checked {
    let alerts = items(input, "alerts");
    let reader = Reader::new("alerts", alerts);
    if let Err(reason) = reader.need(&fields::alert::SYSTEM) {
        return Checked::unavailable(reason);
    }
    let now = input.now.as_millisecond();
    let from = now - input.thresholds.system_alert_days * DAY_MS;
    let mut checked = Checked::default();
    let mut interner = crate::live::alerts::Interner::default();
    let mut unreadable = 0;
    let mut system = 0;
    for raw in alerts {
        let Ok(alert) = crate::live::alerts::extract(raw, &mut interner) else {
            unreadable += 1;
            continue;
        };
        if !alert.is_system || alert.timestamp_ms < from {
            continue;
        }
        system += 1;
        if alert.is_open() {
            checked.finding(
                &r::OPS011,
                format!(
                    "open system alert `{}` raised {} ({} ago)",
                    alert.title,
                    date(alert.timestamp_ms),
                    age(now - alert.timestamp_ms)
                ),
                None,
            );
        }
    }
    if unreadable > 0 {
        checked.notes.push(format!(
            "{} without an `_id` or a creation time were left out",
            count(unreadable, "alert")
        ));
    }
    checked.looked_at = format!(
        "{} in the last {} days, {} open",
        count(system, "system alert"),
        input.thresholds.system_alert_days,
        checked.findings.len()
    );
    checked
}

/// API connectors: enabled but not connected, or silent too long.
pub(crate) fn app_connectors(input: &OpsInput<'_>) -> Checked {
    let connectors = items(input, "app_connectors");
    let reader = Reader::new("app_connectors", connectors);
    if let Err(reason) = reader
        .need(&connector::API_ENABLED)
        .and(reader.need(&connector::API_CONNECTED))
    {
        return Checked::unavailable(reason);
    }
    let now = input.now.as_millisecond();
    let stale_ms = input.thresholds.connector_stale_hours * HOUR_MS;
    let mut checked = Checked::default();
    let mut enabled = 0;
    for (index, item) in connectors.iter().enumerate() {
        let is = |f| get(item, f).and_then(fields::boolean);
        if is(&connector::API_ENABLED) != Some(true) {
            continue;
        }
        enabled += 1;
        let name = connector_name(item, index);
        if is(&connector::API_CONNECTED) == Some(false) {
            checked.finding(
                &r::OPS021,
                format!("app connector `{name}` is enabled but not connected"),
                None,
            );
            continue;
        }
        let last = get(item, &connector::API_LAST_CONNECTED).and_then(fields::time_ms);
        if let Some(last) = last.filter(|last| now - last > stale_ms) {
            checked.finding(
                &r::OPS022,
                format!(
                    "app connector `{name}` last connected {} ({} ago, more than {} h)",
                    date(last),
                    age(now - last),
                    input.thresholds.connector_stale_hours
                ),
                None,
            );
        }
    }
    if let Some(gap) = reader.gaps(&connector::API_LAST_CONNECTED) {
        checked.notes.push(gap);
    }
    checked.looked_at = format!(
        "{}, {} with the API enabled",
        count(connectors.len(), "connector"),
        enabled
    );
    checked
}

fn connector_name(item: &Value, index: usize) -> String {
    let name = name_of(item, &connector::NAME, index);
    match get(item, &connector::INSTANCE).and_then(fields::text) {
        Some(instance) if !instance.is_empty() => format!("{name} ({instance})"),
        _ => name,
    }
}

/// Conditional Access App Control: configured apps not connected or suspended.
pub(crate) fn conditional_access_apps(input: &OpsInput<'_>) -> Checked {
    let connectors = items(input, "app_connectors");
    let reader = Reader::new("app_connectors", connectors);
    if let Err(reason) = reader
        .need(&connector::PROXY_CONFIGURED)
        .and(reader.need(&connector::PROXY_CONNECTED))
    {
        return Checked::unavailable(reason);
    }
    let mut checked = Checked::default();
    let mut configured = 0;
    for (index, item) in connectors.iter().enumerate() {
        let is = |f| get(item, f).and_then(fields::boolean);
        if is(&connector::PROXY_CONFIGURED) != Some(true) {
            continue;
        }
        configured += 1;
        let name = connector_name(item, index);
        if is(&connector::PROXY_SUSPENDED) == Some(true) {
            checked.finding(
                &r::OPS032,
                format!("Conditional Access App Control app `{name}` is suspended"),
                None,
            );
        } else if is(&connector::PROXY_CONNECTED) == Some(false) {
            checked.finding(
                &r::OPS031,
                format!(
                    "Conditional Access App Control app `{name}` is configured but not connected"
                ),
                None,
            );
        }
    }
    checked.looked_at = format!(
        "{} configured for session control",
        count(configured, "app")
    );
    checked
}

/// Streams without data, growing failure counts, unhealthy collectors, and
/// parse results from the governance log.
pub(crate) fn log_upload(input: &OpsInput<'_>) -> Checked {
    let streams = items(input, "discovery_streams");
    let reader = Reader::new("discovery_streams", streams);
    if let Err(reason) = reader.need(&stream::LAST_DATA) {
        return Checked::unavailable(reason);
    }
    let mut checked = Checked::default();
    let names = stream_names(streams);
    let input_streams = stale_streams(input, streams, &mut checked);
    failures_growing(input, streams, &names, &mut checked);
    let collectors = collectors(input, &mut checked);
    let parses = parse_results(input, &names, &mut checked);
    checked.looked_at = format!(
        "{}, {}, {}",
        count(input_streams, "input stream"),
        collectors,
        parses
    );
    checked
}

/// Stream id -> display name.
fn stream_names(streams: &[Value]) -> BTreeMap<String, String> {
    streams
        .iter()
        .enumerate()
        .filter_map(|(index, item)| {
            let id = get(item, &stream::ID).and_then(fields::text)?;
            Some((id, name_of(item, &stream::NAME, index)))
        })
        .collect()
}

/// OPS041 for input streams silent too long; returns how many input streams there are.
fn stale_streams(input: &OpsInput<'_>, streams: &[Value], checked: &mut Checked) -> usize {
    let now = input.now.as_millisecond();
    let stale_ms = input.thresholds.stream_stale_hours * HOUR_MS;
    let mut count = 0;
    for (index, item) in streams.iter().enumerate() {
        // Views (3) and previews (5) receive no logs of their own.
        let kind = get(item, &stream::TYPE).and_then(fields::number);
        if kind.is_some_and(|k| k != 1.0) {
            continue;
        }
        count += 1;
        let name = name_of(item, &stream::NAME, index);
        match get(item, &stream::LAST_DATA).and_then(fields::time_ms) {
            Some(last) if now - last > stale_ms => checked.finding(
                &r::OPS041,
                format!(
                    "continuous report `{name}` has received no data since {} ({} ago)",
                    date(last),
                    age(now - last)
                ),
                None,
            ),
            Some(_) => {}
            None if is_null(item, &stream::LAST_DATA) => checked.finding(
                &r::OPS041,
                format!("continuous report `{name}` has never received data"),
                None,
            ),
            None => checked.notes.push(format!(
                "continuous report `{name}`: its last-data time cannot be read"
            )),
        }
    }
    count
}

/// OPS042: more failed log files than at the previous run.
fn failures_growing(
    input: &OpsInput<'_>,
    streams: &[Value],
    names: &BTreeMap<String, String>,
    checked: &mut Checked,
) {
    let Some(previous) = input.previous.get("discovery_streams") else {
        checked
            .notes
            .push("no previous run: failed log file counts are recorded for the next one".into());
        return;
    };
    let before: BTreeMap<String, f64> = previous
        .items
        .iter()
        .filter_map(|item| {
            let id = get(item, &stream::ID).and_then(fields::text)?;
            Some((id, get(item, &stream::FAILS).and_then(fields::number)?))
        })
        .collect();
    for item in streams {
        let Some(id) = get(item, &stream::ID).and_then(fields::text) else {
            continue;
        };
        let now = get(item, &stream::FAILS).and_then(fields::number);
        if let (Some(now), Some(then)) = (now, before.get(&id)) {
            if now > *then {
                checked.finding(
                    &r::OPS042,
                    format!(
                        "continuous report `{}`: failed log files grew from {then} to {now} since {}",
                        names.get(&id).cloned().unwrap_or(id.clone()),
                        previous.fetched_at
                    ),
                    None,
                );
            }
        }
    }
}

/// How a log collector's status reads. Unknown words are noted, never findings.
enum Health {
    Good,
    Bad,
    Unknown,
}

fn collector_health(status: &str) -> Health {
    let word: String = status
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    match word.as_str() {
        "healthy" | "connected" | "running" | "ok" => Health::Good,
        "disconnected" | "unhealthy" | "error" | "failed" | "stopped" | "down" | "notconnected"
        | "connectionerror" => Health::Bad,
        _ => Health::Unknown,
    }
}

/// OPS043; returns "N collectors".
fn collectors(input: &OpsInput<'_>, checked: &mut Checked) -> String {
    if let Some(why) = super::not_read(input, "log_collectors") {
        checked
            .notes
            .push(format!("log collectors not checked: {why}"));
        return "log collectors not read".into();
    }
    let collectors = items(input, "log_collectors");
    let reader = Reader::new("log_collectors", collectors);
    if let Err(reason) = reader.need(&collector::STATUS) {
        checked
            .notes
            .push(format!("log collectors not checked: {reason}"));
        return format!(
            "{} (status unknown)",
            count(collectors.len(), "log collector")
        );
    }
    for (index, item) in collectors.iter().enumerate() {
        let name = name_of(item, &collector::NAME, index);
        let Some(status) = get(item, &collector::STATUS).and_then(fields::text) else {
            continue;
        };
        match collector_health(&status) {
            Health::Good => {}
            Health::Bad => checked.finding(
                &r::OPS043,
                format!("log collector `{name}` is not healthy (status `{status}`)"),
                None,
            ),
            Health::Unknown => checked.notes.push(format!(
                "log collector `{name}` has a status casguard does not know: `{}`",
                crate::textutil::clip(&status, 40)
            )),
        }
    }
    count(collectors.len(), "log collector")
}

/// OPS044 and OPS045 from the governance log's parse tasks; returns "N parses".
fn parse_results(
    input: &OpsInput<'_>,
    names: &BTreeMap<String, String>,
    checked: &mut Checked,
) -> String {
    if let Some(why) = super::not_read(input, "governance") {
        checked.notes.push(format!("log parses not checked: {why}"));
        return "governance log not read".into();
    }
    let records = super::since::settled_records(input);
    let parses: Vec<&Value> = records
        .iter()
        .filter(|r| {
            get(r, &governance::TASK).and_then(fields::text).as_deref()
                == Some("DiscoveryParseLogTask")
        })
        .collect();
    // Per stream: failures (with data sources) and the last success.
    let mut failed: BTreeMap<String, (usize, Vec<String>)> = BTreeMap::new();
    let mut last_success: BTreeMap<String, i64> = BTreeMap::new();
    let mut last_any: BTreeMap<String, i64> = BTreeMap::new();
    for record in &parses {
        let stream = get(record, &governance::STREAM)
            .and_then(fields::text)
            .unwrap_or_else(|| "(no stream)".into());
        let time = get(record, &governance::TIME)
            .and_then(fields::time_ms)
            .unwrap_or(0);
        let entry = last_any.entry(stream.clone()).or_insert(time);
        *entry = (*entry).max(time);
        match get(record, &governance::SUCCESS).and_then(fields::boolean) {
            Some(true) => {
                let entry = last_success.entry(stream).or_insert(time);
                *entry = (*entry).max(time);
            }
            Some(false) => {
                let source = get(record, &governance::DATA_SOURCE).and_then(fields::text);
                let slot = failed.entry(stream).or_default();
                slot.0 += 1;
                slot.1.extend(source);
            }
            None => {}
        }
    }
    let label = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_string());
    for (stream, (failures, mut sources)) in failed {
        sources.sort();
        sources.dedup();
        let sources = if sources.is_empty() {
            String::new()
        } else {
            format!(" (data source {})", sources.join(", "))
        };
        checked.finding(
            &r::OPS044,
            format!(
                "{} of stream `{}` failed{sources}",
                count(failures, "log parse"),
                label(&stream)
            ),
            None,
        );
    }
    let ages = ParseAges {
        last_success: &last_success,
        last_any: &last_any,
    };
    ages.report(input, &label, checked);
    count(parses.len(), "log parse")
}

/// Per stream, the last parse and the last successful one.
struct ParseAges<'a> {
    last_success: &'a BTreeMap<String, i64>,
    last_any: &'a BTreeMap<String, i64>,
}

impl ParseAges<'_> {
    /// A note with each stream's last success, and OPS045 where it is too old
    /// or missing.
    fn report(&self, input: &OpsInput<'_>, label: &dyn Fn(&str) -> String, checked: &mut Checked) {
        let now = input.now.as_millisecond();
        let max_ms = input.thresholds.parse_success_max_age_hours * HOUR_MS;
        for stream in self.last_any.keys() {
            match self.last_success.get(stream) {
                Some(success) => {
                    checked.notes.push(format!(
                        "last successful parse of `{}`: {} ago",
                        label(stream),
                        age(now - success)
                    ));
                    if now - success > max_ms {
                        checked.finding(
                            &r::OPS045,
                            format!(
                                "stream `{}`: last successful parse {} ago",
                                label(stream),
                                age(now - success)
                            ),
                            None,
                        );
                    }
                }
                None => checked.finding(
                    &r::OPS045,
                    format!(
                        "stream `{}`: none of its log parses in the governance log ({} days) succeeded",
                        label(stream),
                        input.thresholds.governance_days
                    ),
                    None,
                ),
            }
        }
    }
}

/// SIEM agents: connection error after 2 h down, disconnected after 12 h.
pub(crate) fn siem_agents(input: &OpsInput<'_>) -> Checked {
    let agents = items(input, "siem_agents");
    let reader = Reader::new("siem_agents", agents);
    if let Err(reason) = reader.need_either(&siem::LAST_SEEN, &siem::STATUS) {
        return Checked::unavailable(reason);
    }
    let now = input.now.as_millisecond();
    let t = input.thresholds;
    let mut checked = Checked::default();
    for (index, item) in agents.iter().enumerate() {
        let name = name_of(item, &siem::NAME, index);
        if let Some(seen) = get(item, &siem::LAST_SEEN).and_then(fields::time_ms) {
            let down = now - seen;
            if down > t.siem_disconnected_hours * HOUR_MS {
                checked.finding(
                    &r::OPS052,
                    format!(
                        "SIEM agent `{name}` disconnected: last seen {} ({} ago)",
                        date(seen),
                        age(down)
                    ),
                    None,
                );
            } else if down > t.siem_error_hours * HOUR_MS {
                checked.finding(
                    &r::OPS051,
                    format!(
                        "SIEM agent `{name}` in connection error: last seen {} ({} ago)",
                        date(seen),
                        age(down)
                    ),
                    None,
                );
            }
            continue;
        }
        let status = get(item, &siem::STATUS)
            .and_then(fields::text)
            .unwrap_or_default();
        let word = status.to_ascii_lowercase().replace(['_', '-'], " ");
        if word.contains("disconnected") {
            checked.finding(&r::OPS052, format!("SIEM agent `{name}` is {status}"), None);
        } else if word.contains("error") {
            checked.finding(
                &r::OPS051,
                format!("SIEM agent `{name}` is in {status}"),
                None,
            );
        } else if !status.is_empty()
            && !matches!(word.as_str(), "connected" | "running" | "healthy" | "ok")
        {
            checked.notes.push(format!(
                "SIEM agent `{name}` has a status casguard does not know: `{}`",
                crate::textutil::clip(&status, 40)
            ));
        }
    }
    checked.looked_at = count(agents.len(), "SIEM agent");
    checked
}

/// API tokens: inactive, never used, very old. Never shows a token value:
/// only names, dates and owners are read.
pub(crate) fn api_tokens(input: &OpsInput<'_>) -> Checked {
    let tokens = items(input, "api_tokens");
    let reader = Reader::new("api_tokens", tokens);
    if let Err(reason) = reader.need_either(&token::LAST_USED, &token::STATUS) {
        return Checked::unavailable(reason);
    }
    let now = input.now.as_millisecond();
    let t = input.thresholds;
    let mut checked = Checked::default();
    // "Never used" needs the last-used field to exist in this tenant's shape.
    let knows_last_used = tokens.iter().any(|t| fields::present(t, &token::LAST_USED));
    for (index, item) in tokens.iter().enumerate() {
        let mut name = name_of(item, &token::NAME, index);
        if let Some(owner) = get(item, &token::OWNER).and_then(fields::text) {
            name = format!("{name}` of `{}", crate::textutil::clip(&owner, 60));
        }
        let status = get(item, &token::STATUS)
            .and_then(fields::text)
            .unwrap_or_default()
            .to_ascii_lowercase();
        let last_used = get(item, &token::LAST_USED).and_then(fields::time_ms);
        let created = get(item, &token::CREATED).and_then(fields::time_ms);
        match last_used {
            Some(used) if now - used > t.token_inactive_days * DAY_MS => checked.finding(
                &r::OPS061,
                format!(
                    "API token `{name}` last used {} ({} ago)",
                    date(used),
                    age(now - used)
                ),
                None,
            ),
            Some(_) => {}
            None if (knows_last_used && is_null(item, &token::LAST_USED))
                || status == "generated" =>
            {
                checked.finding(
                    &r::OPS062,
                    format!(
                        "API token `{name}` has never been used{}",
                        created.map_or(String::new(), |c| format!(" (generated {})", date(c)))
                    ),
                    None,
                )
            }
            None if status == "inactive" => checked.finding(
                &r::OPS061,
                format!(
                    "API token `{name}` is inactive (unused for more than {} days)",
                    t.token_inactive_days
                ),
                None,
            ),
            None => {}
        }
        if let Some(created) = created.filter(|c| now - c > t.token_max_age_days * DAY_MS) {
            checked.finding(
                &r::OPS063,
                format!(
                    "API token `{name}` was generated {} ({} ago)",
                    date(created),
                    age(now - created)
                ),
                None,
            );
        }
    }
    if !tokens.is_empty() && reader.need(&token::CREATED).is_err() {
        checked.notes.push(format!(
            "token age not checked: {}",
            fields::missing("api_tokens", &token::CREATED)
        ));
    }
    checked.looked_at = count(tokens.len(), "API token");
    checked
}
