//! Recommendations: one row per proposed change, from the month's verdicts
//! (fix, tune, retire, unworked) and MDCA's own Secure Score controls at
//! 0 %, each with its evidence, the concrete change, a `git apply` patch
//! where the change is mechanical, who it affects (the policy's scope, from
//! its filters) and the expected change in alert volume.

use serde_json::Value;

use super::MonthlyInput;
use crate::model::{AlertsSection, Policy, Recommendation, ScoreRow, Verdict};

pub(super) fn recommendations(
    input: &MonthlyInput<'_>,
    analysis: &AlertsSection,
) -> Vec<Recommendation> {
    let mut out: Vec<Recommendation> = analysis
        .scorecard
        .iter()
        .filter(|row| row.verdict != Verdict::Keep)
        .map(|row| from_verdict(input, row))
        .collect();
    out.extend(posture(input));
    out
}

fn policy_of<'a>(input: &'a MonthlyInput<'_>, row: &ScoreRow) -> Option<&'a Policy> {
    let file = row.file.as_deref()?;
    input.files.policies.iter().find(|p| p.file == file)
}

fn from_verdict(input: &MonthlyInput<'_>, row: &ScoreRow) -> Recommendation {
    let policy = policy_of(input, row);
    let closed = row.true_positive + row.false_positive + row.benign;
    let evidence = format!(
        "{} alerts this month, {} open ({} unread), {} true / {} false positive / {} benign{}",
        row.alerts,
        row.open,
        row.unread,
        row.true_positive,
        row.false_positive,
        row.benign,
        if row.reasons.is_empty() {
            String::new()
        } else {
            format!("; {}", row.reasons.join("; "))
        }
    );
    let limit = policy.and_then(|p| p.alerts.daily_limit);
    let (change, patch, expected) = match row.verdict {
        Verdict::Fix => match limit {
            Some(limit) => (
                format!("raise the daily alert limit from {limit} to {}, or narrow the policy so fewer activities match", limit.saturating_mul(2)),
                policy.and_then(|p| patch(input, p, "alerts.daily_limit", Value::from(limit.saturating_mul(2)))),
                Some("more alerts: the limit hid some on its busiest days".to_string()),
            ),
            None => (
                "check why it saturates or stays silent (its filters, its app connector), then set a daily alert limit".to_string(),
                None,
                None,
            ),
        },
        Verdict::Tune => (
            "narrow its filters (exclude the users, apps or IP ranges behind the false positives) or raise its threshold".to_string(),
            None,
            Some(format!("about {} fewer alerts a month if the false-positive pattern is excluded ({} of {closed} closed alerts)", row.false_positive, row.false_positive)),
        ),
        Verdict::Retire => (
            "disable it (or delete its file) if it no longer serves a purpose; if it should fire, fix its filters".to_string(),
            policy.and_then(|p| patch(input, p, "enabled", Value::Bool(false))),
            Some("none: it raised no alert in the silent-policy window".to_string()),
        ),
        Verdict::Unworked => (
            "send its alerts to a watched mailbox or the SIEM, lower its severity, or turn off its alerts if nobody acts on them".to_string(),
            None,
            Some(format!("{} unread open alerts to work or close", row.unread)),
        ),
        Verdict::Keep => (String::new(), None, None),
    };
    Recommendation {
        policy: row.policy.clone(),
        file: row.file.clone(),
        kind: row.verdict.as_str().to_string(),
        evidence,
        change,
        patch,
        affected: policy.map_or_else(
            || "a policy without a file: its scope is not known to casguard (import it to manage it)".to_string(),
            scope,
        ),
        expected_alerts: expected,
    }
}

/// A `git apply` patch setting one key of the policy's file.
fn patch(input: &MonthlyInput<'_>, policy: &Policy, key: &str, value: Value) -> Option<String> {
    let source = input.files.sources.get(&policy.file)?;
    let mut doc: toml_edit::DocumentMut = source.text.parse().ok()?;
    let keys: Vec<String> = key.split('.').map(str::to_string).collect();
    crate::json_to_toml::set_path(doc.as_table_mut(), &keys, &value);
    let edited = doc.to_string();
    (*edited != *source.text).then(|| {
        crate::suggest::file_diff(
            Some(&policy.file),
            Some(&policy.file),
            &source.text,
            &edited,
        )
    })
}

/// Who a policy affects, from its filters: "apps: 11161, 20893; users: tags
/// neq 2 values". Without filters, everyone.
fn scope(policy: &Policy) -> String {
    if policy.filters.is_empty() {
        return "every user and app the policy type covers (no filters)".into();
    }
    let mut parts = Vec::new();
    for (key, filter) in &policy.filters {
        let Some(filter) = filter.as_object() else {
            parts.push(key.to_string());
            continue;
        };
        for (field, condition) in filter {
            let text = match condition {
                Value::Object(ops) => ops
                    .iter()
                    .map(|(op, values)| format!("{op} {}", list(values)))
                    .collect::<Vec<_>>()
                    .join(", "),
                other => list(other),
            };
            parts.push(format!("{key}.{field} {text}"));
        }
    }
    parts.join("; ")
}

fn list(values: &Value) -> String {
    match values {
        Value::Array(items) if items.len() <= 4 => items
            .iter()
            .map(crate::textutil::short)
            .collect::<Vec<_>>()
            .join(", "),
        Value::Array(items) => format!("{} values", items.len()),
        other => crate::textutil::short(other),
    }
}

/// MDCA's own Secure Score controls at 0 % map straight to a change
/// (mdca-ops.md 3.8).
fn posture(input: &MonthlyInput<'_>) -> Vec<Recommendation> {
    const ADVICE: [(&str, &str); 5] = [
        ("McasFirewallLogUpload", "deploy a log collector (automatic log upload) so Cloud Discovery sees firewall and proxy traffic"),
        ("McasCloudAppNotification", "create an app discovery policy that alerts on new and trending apps"),
        ("McasOAuthAppNotification", "create an OAuth app policy that alerts on newly consented apps"),
        ("McasCutomActivityPolicy", "create a custom activity policy for the activities your organisation cares about"),
        ("mcas_mda_enabled", "finish onboarding Defender for Cloud Apps (connect Microsoft 365, enable the integrations)"),
    ];
    let Some(ops) = &input.ops else {
        return Vec::new();
    };
    ops.section
        .secure_score
        .iter()
        .filter(|p| p.product == "MCAS")
        .flat_map(|p| p.zero_controls.iter())
        .filter_map(|control| {
            let (_, change) = ADVICE.iter().find(|(id, _)| id == control)?;
            Some(Recommendation {
                policy: control.clone(),
                file: None,
                kind: "posture".into(),
                evidence: format!("Secure Score control {control} scores 0 %"),
                change: change.to_string(),
                patch: None,
                affected: "no end-user impact: alerting and visibility for the security team"
                    .into(),
                expected_alerts: Some("new alerts, from a policy that does not exist yet".into()),
            })
        })
        .collect()
}
