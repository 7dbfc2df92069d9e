//! Review cadence and last-change dates: when each policy last changed in
//! git and in the tenant, when it was last reviewed, and when the next
//! review is due. Pure: git dates arrive from `history`, live dates from
//! snapshots.
//!
//! The status is computed here once and handed to the Rego rule CAS202
//! through the rule input; `lint` and `review` both run that one rule, so
//! they always agree (REVIEW001, which `review` used to report, is retired).
//! Live dates come from a timestamp field the tenant returns (configurable
//! names, epoch milliseconds or ISO 8601) or, failing that, from casguard's
//! own snapshot history: the first snapshot of the latest unbroken run in
//! which the policy's normalized content looked as it does now.

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::history::FileHistory;
use crate::model::{LiveChange, Policy, ReviewEntry, ReviewStatus};

/// Days before the due date from which a review counts as due soon.
pub const DUE_SOON_DAYS: i64 = 14;

/// Next due date (none when never reviewed) and status of a policy's review.
pub fn review_status(
    policy: &Policy,
    default_interval: i64,
    today: jiff::civil::Date,
) -> (Option<jiff::civil::Date>, ReviewStatus) {
    let interval = policy.meta.review_interval_days.unwrap_or(default_interval);
    let Some(reviewed) = policy.meta.last_reviewed else {
        return (None, ReviewStatus::Overdue);
    };
    let due = reviewed
        .checked_add(jiff::Span::new().days(interval))
        .unwrap_or(reviewed);
    let days_left = today
        .until(due)
        .map(|span| span.get_days() as i64)
        .unwrap_or(0);
    let status = if due < today {
        ReviewStatus::Overdue
    } else if days_left <= DUE_SOON_DAYS {
        ReviewStatus::DueSoon
    } else {
        ReviewStatus::Ok
    };
    (Some(due), status)
}

/// The part of the rule input CAS202 reads.
pub fn rule_input(policy: &Policy, default_interval: i64, today: jiff::civil::Date) -> Value {
    let (due, status) = review_status(policy, default_interval, today);
    json!({"next_due": due.map(|d| d.to_string()), "status": status.as_str(), "interval_days": policy.meta.review_interval_days.unwrap_or(default_interval)})
}

/// Reads a live timestamp: epoch milliseconds (possibly fractional) or ISO 8601.
pub fn parse_live_time(value: &Value) -> Option<jiff::Timestamp> {
    match value {
        Value::Number(n) => {
            let ms = n.as_f64()?;
            // Values this small are seconds, not milliseconds.
            let ms = if ms.abs() < 1.0e11 { ms * 1000.0 } else { ms };
            jiff::Timestamp::from_millisecond(ms as i64).ok()
        }
        Value::String(s) => s.parse::<jiff::Timestamp>().ok(),
        _ => None,
    }
}

/// Live change dates by live `_id` (lower case): a timestamp field first,
/// else the snapshot history (`history`: (fetched_at, policies), any order).
pub fn live_changes(
    live: &[Value],
    fields: &[String],
    history: &[(String, Vec<Value>)],
    comparison: &crate::normalize::Comparison,
) -> HashMap<String, LiveChange> {
    let mut changes = HashMap::new();
    let mut ordered: Vec<&(String, Vec<Value>)> = history.iter().collect();
    ordered.sort_by(|a, b| a.0.cmp(&b.0));
    let forms: Vec<(jiff::Timestamp, HashMap<String, Value>)> = ordered
        .iter()
        .filter_map(|(at, policies)| {
            let at = at.parse::<jiff::Timestamp>().ok()?;
            let by_id = policies
                .iter()
                .filter_map(|p| {
                    let object = p.as_object()?;
                    let id = object.get("_id")?.as_str()?.to_ascii_lowercase();
                    Some((id, crate::normalize::live(object, comparison)))
                })
                .collect();
            Some((at, by_id))
        })
        .collect();
    for policy in live.iter().filter_map(Value::as_object) {
        let Some(id) = policy
            .get("_id")
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase)
        else {
            continue;
        };
        let from_field = fields
            .iter()
            .find_map(|f| policy.get(f).and_then(parse_live_time).map(|t| (f, t)));
        if let Some((field, at)) = from_field {
            changes.insert(
                id,
                LiveChange {
                    date: at.to_string(),
                    source: format!("field {field}"),
                    epoch: at.as_second(),
                },
            );
            continue;
        }
        let current = crate::normalize::live(policy, comparison);
        let mut since = None;
        for (at, by_id) in forms.iter().rev() {
            match by_id.get(&id) {
                Some(form) if *form == current => since = Some(*at),
                _ => break,
            }
        }
        if let Some(at) = since {
            changes.insert(
                id,
                LiveChange {
                    date: at.to_string(),
                    source: "observed since (snapshot history)".into(),
                    epoch: at.as_second(),
                },
            );
        }
    }
    changes
}

/// One row per policy, most urgent first. `live_ids` maps a policy's index
/// to the live `_id` it matched, for the live dates.
pub fn review(
    policies: &[Policy],
    git: &HashMap<String, FileHistory>,
    live_dates: &HashMap<String, LiveChange>,
    live_ids: &HashMap<usize, String>,
    default_interval: i64,
    today: jiff::civil::Date,
) -> Vec<ReviewEntry> {
    let mut rows: Vec<ReviewEntry> = policies
        .iter()
        .enumerate()
        .map(|(index, policy)| {
            let (due, status) = review_status(policy, default_interval, today);
            let file_history = git.get(&policy.file);
            ReviewEntry {
                policy: policy.name.clone(),
                file: policy.file.clone(),
                desired_last_change: file_history.and_then(|h| h.last_change.as_ref()).cloned(),
                desired_state: file_history.map(|h| h.state),
                live_last_change: live_ids
                    .get(&index)
                    .and_then(|id| live_dates.get(id))
                    .cloned(),
                last_reviewed: policy.meta.last_reviewed.map(|d| d.to_string()),
                next_review_due: due.map(|d| d.to_string()),
                status,
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        (a.status, &a.next_review_due, &a.file).cmp(&(b.status, &b.next_review_due, &b.file))
    });
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(meta: &str) -> Policy {
        let text = format!("name = \"P\"\ntype = \"FILE\"\nenabled = true\n[meta]\n{meta}\n");
        crate::load::parse_policy_text("p.toml", &text).0.unwrap()
    }

    #[test]
    fn statuses() {
        let today = jiff::civil::date(2026, 11, 22);
        assert_eq!(
            review_status(&policy("last_reviewed = 2026-11-01"), 90, today),
            (Some(jiff::civil::date(2027, 1, 30)), ReviewStatus::Ok)
        );
        assert_eq!(
            review_status(&policy("last_reviewed = 2026-09-01"), 90, today).1,
            ReviewStatus::DueSoon
        );
        assert_eq!(
            review_status(&policy("last_reviewed = 2026-08-24"), 90, today),
            (Some(today), ReviewStatus::DueSoon)
        );
        assert_eq!(
            review_status(&policy("last_reviewed = 2026-08-23"), 90, today).1,
            ReviewStatus::Overdue
        );
        assert_eq!(
            review_status(
                &policy("last_reviewed = 2026-08-23\nreview_interval_days = 365"),
                90,
                today
            )
            .1,
            ReviewStatus::Ok
        );
        assert_eq!(
            review_status(&policy("owner = \"x@y.z\""), 90, today),
            (None, ReviewStatus::Overdue)
        );
    }

    #[test]
    fn live_times() {
        assert_eq!(
            parse_live_time(&json!(1607952165309.8032_f64))
                .unwrap()
                .to_string(),
            "2020-12-14T13:22:45.309Z"
        );
        assert_eq!(
            parse_live_time(&json!("2026-01-02T03:04:05Z"))
                .unwrap()
                .as_second(),
            1767323045
        );
        assert!(parse_live_time(&json!(true)).is_none());
    }

    #[test]
    fn observed_since_is_the_start_of_the_latest_unchanged_run() {
        let v = |name: &str| json!({"_id": "A", "name": name});
        let history = vec![
            ("2026-11-03T00:00:00Z".to_string(), vec![v("new")]),
            ("2026-11-01T00:00:00Z".to_string(), vec![v("old")]),
            ("2026-11-02T00:00:00Z".to_string(), vec![v("new")]),
        ];
        let none = crate::normalize::Comparison::default();
        let changes = live_changes(&[v("new")], &[], &history, &none);
        assert_eq!(changes["a"].date, "2026-11-02T00:00:00Z");
        assert!(changes["a"].source.contains("observed since"));
        let with_field = live_changes(
            &[json!({"_id": "A", "lastModified": 1767323045000u64})],
            &["lastModified".into()],
            &history,
            &none,
        );
        assert_eq!(with_field["a"].source, "field lastModified");
    }
}
