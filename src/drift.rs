//! Desired vs live: matching, field-level changes and unified diffs.
//!
//! Both sides go through `normalize` first, so only real differences remain.
//! Policies are matched by pinned `id`, else by (type, name) with names
//! trimmed and case-folded; a name that matches several live policies is
//! reported as ambiguous, never guessed. The result is data: entries for the
//! JSON report's `drift[]`, and ordinary findings (DRIFT001-004, DRIFT006)
//! located at the policy file's lines, so suppressions, `--fail-on` and every
//! report format apply. Pure: no I/O.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::Value;

use crate::config::DriftConfig;
use crate::load::{join_path, name_key};
use crate::model::{Finding, Location, Policy, Severity, Sources};
use crate::normalize;
use crate::rules::RuleDoc;

pub const DRIFT001: RuleDoc = RuleDoc {
    id: "DRIFT001",
    title: "Policy missing from the tenant",
    severity: Severity::Error,
    rationale: "A policy declared in git does not exist in the tenant: the protection it describes is not in force.",
    remediation: "Create the policy in the Defender portal (Cloud apps > Policies > Policy management), or delete the file if the policy was retired on purpose. If it exists under another name, pin its `id`.",
};

pub const DRIFT002: RuleDoc = RuleDoc {
    id: "DRIFT002",
    title: "Unmanaged policy in the tenant",
    severity: Severity::Warning,
    rationale: "A live policy that no file declares is invisible to review and can change without anyone noticing.",
    remediation: "Declare it in a policy file so it is reviewed like the others, delete it from the tenant, or list its name under `ignore_unmanaged` in [drift].",
};

pub const DRIFT003: RuleDoc = RuleDoc {
    id: "DRIFT003",
    title: "Policy setting differs from the tenant",
    severity: Severity::Error,
    rationale: "The tenant no longer matches what was reviewed and approved in git: someone changed it in the portal, or the file changed and was never applied.",
    remediation: "Restore the desired value in the portal, or, if the live value is right, adopt it in the policy file so git says so.",
};

pub const DRIFT004: RuleDoc = RuleDoc {
    id: "DRIFT004",
    title: "Policy disabled in the tenant",
    severity: Severity::Error,
    rationale: "A policy that should be enabled is disabled live, so it protects nothing. MDCA also disables policies by itself when their configuration breaks.",
    remediation: "Check the policy in the Defender portal for a configuration error, fix it and enable it; or set `enabled = false` with `meta.disabled_reason` if this is intended.",
};

pub const DRIFT006: RuleDoc = RuleDoc {
    id: "DRIFT006",
    title: "Ambiguous match",
    severity: Severity::Error,
    rationale: "Several live policies have the same type and name, so casguard cannot tell which one a file describes; it does not guess.",
    remediation: "Pin the file to one live policy with `id = \"<_id>\"` (see the live ids in the message), or rename the duplicates in the portal.",
};

pub const DRIFT_RULES: &[RuleDoc] = &[DRIFT001, DRIFT002, DRIFT003, DRIFT004, DRIFT006];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DriftKind {
    Missing,
    Unmanaged,
    Changed,
}

/// One differing field, by its policy-file path.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub path: String,
    /// `null` when the field is not set in the file.
    pub desired: Value,
    /// `null` when the tenant does not set it.
    pub live: Value,
}

/// A policy that is missing, unmanaged or changed.
#[derive(Debug, Clone, Serialize)]
pub struct DriftEntry {
    pub kind: DriftKind,
    pub policy: String,
    pub policy_type: String,
    pub file: Option<String>,
    pub live_id: Option<String>,
    pub changes: Vec<Change>,
    /// Unified diff of the canonical forms (changed policies only).
    #[serde(skip)]
    pub diff: Option<String>,
    /// When the file last changed in git (set by the pipeline).
    pub desired_last_change: Option<crate::review::DesiredChange>,
    /// When the live policy last changed, and how that is known.
    pub live_last_change: Option<crate::review::LiveChange>,
}

#[derive(Debug, Default)]
pub struct DriftOutcome {
    pub entries: Vec<DriftEntry>,
    pub findings: Vec<Finding>,
    /// Matched policies with no difference.
    pub in_sync: usize,
    pub live_count: usize,
    /// Desired policy index -> the live `_id` it matched (lower case).
    pub matched: std::collections::HashMap<usize, String>,
}

struct Live<'a> {
    raw: &'a serde_json::Map<String, Value>,
    id: Option<String>,
    name: String,
    policy_type: String,
}

/// Compares desired `policies` with `live` raw objects.
pub fn compare(
    policies: &[Policy],
    sources: &Sources,
    live: &[Value],
    config: &DriftConfig,
) -> DriftOutcome {
    let empty = serde_json::Map::new();
    let live: Vec<Live> = live
        .iter()
        .map(|value| {
            let raw = value.as_object().unwrap_or(&empty);
            let text = |key: &str| {
                raw.get(key)
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string()
            };
            Live {
                raw,
                id: raw
                    .get("_id")
                    .and_then(Value::as_str)
                    .map(|id| id.to_ascii_lowercase()),
                name: text("name"),
                policy_type: text("policyType").trim().to_ascii_uppercase(),
            }
        })
        .collect();
    let mut by_id: HashMap<&str, usize> = HashMap::new();
    let mut by_key: HashMap<(String, String), Vec<usize>> = HashMap::new();
    for (index, policy) in live.iter().enumerate() {
        if let Some(id) = &policy.id {
            by_id.entry(id.as_str()).or_insert(index);
        }
        by_key
            .entry((policy.policy_type.clone(), name_key(&policy.name)))
            .or_default()
            .push(index);
    }

    // Pinned ids first, so a pinned policy is never taken by a name match.
    let mut claimed = vec![false; live.len()];
    let mut ambiguous = vec![false; live.len()];
    let mut matches: Vec<Option<usize>> = vec![None; policies.len()];
    let mut outcome = DriftOutcome {
        live_count: live.len(),
        ..DriftOutcome::default()
    };
    for (index, policy) in policies.iter().enumerate() {
        if let Some(id) = &policy.id {
            if let Some(&live_index) = by_id.get(id.as_str()) {
                claimed[live_index] = true;
                matches[index] = Some(live_index);
            }
        }
    }
    for (index, policy) in policies.iter().enumerate() {
        if policy.id.is_some() {
            continue;
        }
        let key = (
            policy.policy_type.as_str().to_string(),
            name_key(&policy.name),
        );
        let candidates: Vec<usize> = by_key
            .get(&key)
            .into_iter()
            .flatten()
            .copied()
            .filter(|&i| !claimed[i])
            .collect();
        match candidates.as_slice() {
            [] => {}
            [single] => {
                claimed[*single] = true;
                matches[index] = Some(*single);
            }
            several => {
                let ids: Vec<String> = several
                    .iter()
                    .map(|&i| live[i].id.clone().unwrap_or_else(|| "(no _id)".into()))
                    .collect();
                for &i in several {
                    ambiguous[i] = true;
                }
                outcome.findings.push(
                    Finding::new(
                        DRIFT006.id,
                        DRIFT006.severity,
                        format!(
                            "{} live {} policies are named `{}`: {}",
                            several.len(),
                            policy.policy_type,
                            policy.name,
                            ids.join(", ")
                        ),
                    )
                    .policy(&policy.name)
                    .at(locate(policy, sources, "name"))
                    .label("matches several live policies")
                    .help(DRIFT006.remediation),
                );
                matches[index] = Some(usize::MAX);
            }
        }
    }

    let desired_forms = crate::parallel::map(policies, |p| normalize::desired(p, &config.ignore));
    let matched: Vec<(usize, usize)> = matches
        .iter()
        .enumerate()
        .filter_map(|(d, m)| m.filter(|&l| l != usize::MAX).map(|l| (d, l)))
        .collect();
    let compared = crate::parallel::map(&matched, |&(d, l)| {
        let live_form = normalize::live(live[l].raw, &config.ignore);
        let mut changes = Vec::new();
        diff_values("", Some(&desired_forms[d]), Some(&live_form), &mut changes);
        // Names match ignoring case and outer spaces; a difference in case alone is not drift.
        changes.retain(|c| {
            !(c.path == "name"
                && name_key(c.desired.as_str().unwrap_or(""))
                    == name_key(c.live.as_str().unwrap_or("")))
        });
        let diff = (!changes.is_empty()).then(|| {
            unified_diff(
                &policies[d].file,
                live[l].id.as_deref(),
                &desired_forms[d],
                &live_form,
            )
        });
        (changes, diff)
    });

    outcome.matched = matched
        .iter()
        .filter_map(|&(d, l)| live[l].id.clone().map(|id| (d, id)))
        .collect();
    for (index, policy) in policies.iter().enumerate() {
        if matches[index].is_none() {
            let how = match &policy.id {
                Some(id) => format!("no live policy has the pinned id `{id}`"),
                None => "no live policy has this type and name".to_string(),
            };
            outcome.findings.push(
                Finding::new(
                    DRIFT001.id,
                    DRIFT001.severity,
                    format!(
                        "{} `{}` is declared but not in the tenant: {how}",
                        policy.policy_type, policy.name
                    ),
                )
                .policy(&policy.name)
                .at(locate(
                    policy,
                    sources,
                    if policy.id.is_some() { "id" } else { "name" },
                ))
                .label("missing live")
                .help(DRIFT001.remediation),
            );
            outcome.entries.push(DriftEntry {
                kind: DriftKind::Missing,
                policy: policy.name.clone(),
                policy_type: policy.policy_type.as_str().into(),
                file: Some(policy.file.clone()),
                live_id: None,
                changes: Vec::new(),
                diff: None,
                desired_last_change: None,
                live_last_change: None,
            });
        }
    }
    for (&(d, l), (changes, diff)) in matched.iter().zip(compared) {
        let policy = &policies[d];
        if changes.is_empty() {
            outcome.in_sync += 1;
            continue;
        }
        for change in &changes {
            outcome
                .findings
                .push(change_finding(policy, sources, change));
        }
        outcome.entries.push(DriftEntry {
            kind: DriftKind::Changed,
            policy: policy.name.clone(),
            policy_type: policy.policy_type.as_str().into(),
            file: Some(policy.file.clone()),
            live_id: live[l].id.clone(),
            changes,
            diff,
            desired_last_change: None,
            live_last_change: None,
        });
    }
    for (index, policy) in live.iter().enumerate() {
        if claimed[index] || ambiguous[index] || config.ignores_unmanaged(&policy.name) {
            continue;
        }
        let Some(severity) = config.unmanaged else {
            continue;
        };
        let id = policy.id.clone().unwrap_or_else(|| "(no _id)".into());
        outcome.findings.push(
            Finding::new(
                DRIFT002.id,
                severity,
                format!(
                    "{} `{}` (id {id}) exists in the tenant but no policy file declares it",
                    display_type(&policy.policy_type),
                    policy.name
                ),
            )
            .policy(&policy.name)
            .help(DRIFT002.remediation),
        );
        outcome.entries.push(DriftEntry {
            kind: DriftKind::Unmanaged,
            policy: policy.name.clone(),
            policy_type: policy.policy_type.clone(),
            file: None,
            live_id: policy.id.clone(),
            changes: Vec::new(),
            diff: None,
            desired_last_change: None,
            live_last_change: None,
        });
    }
    outcome.entries.sort_by(|a, b| {
        (a.kind as u8, &a.file, &a.policy).cmp(&(b.kind as u8, &b.file, &b.policy))
    });
    outcome
}

fn display_type(policy_type: &str) -> &str {
    if policy_type.is_empty() {
        "policy"
    } else {
        policy_type
    }
}

fn locate(policy: &Policy, sources: &Sources, path: &str) -> Location {
    match sources.get(&policy.file) {
        Some(source) => policy
            .span_of(path)
            .map_or_else(|| source.file_location(), |span| source.location(span)),
        None => Location::whole_file(policy.file.clone()),
    }
}

fn change_finding(policy: &Policy, sources: &Sources, change: &Change) -> Finding {
    let disabled_live = change.path == "enabled"
        && change.desired == Value::Bool(true)
        && change.live == Value::Bool(false);
    let location = locate(policy, sources, &change.path);
    if disabled_live {
        return Finding::new(
            DRIFT004.id,
            DRIFT004.severity,
            "enabled in the policy file but disabled in the tenant".to_string(),
        )
        .policy(&policy.name)
        .at(location)
        .label("live: false")
        .help(DRIFT004.remediation);
    }
    let message = match (&change.desired, &change.live) {
        (Value::Null, live) => format!(
            "`{}` is not set in the file but is {} live",
            change.path,
            short(live)
        ),
        (desired, Value::Null) => format!(
            "`{}` is {} in the file but not set live",
            change.path,
            short(desired)
        ),
        (desired, live) => format!(
            "`{}` differs: file {}, live {}",
            change.path,
            short(desired),
            short(live)
        ),
    };
    Finding::new(DRIFT003.id, DRIFT003.severity, message)
        .policy(&policy.name)
        .at(location)
        .label(format!("live: {}", short(&change.live)))
        .help(DRIFT003.remediation)
}

/// A value for a one-line message, shortened.
pub fn short(value: &Value) -> String {
    let text = match value {
        Value::Null => "unset".to_string(),
        other => other.to_string(),
    };
    if text.chars().count() > 80 {
        format!("{}…", text.chars().take(80).collect::<String>())
    } else {
        text
    }
}

/// Collects the differing leaves of two canonical values.
fn diff_values(
    path: &str,
    desired: Option<&Value>,
    live: Option<&Value>,
    changes: &mut Vec<Change>,
) {
    // A table absent on one side is compared key by key with an empty one,
    // so each change is reported at its own path.
    let empty = Value::Object(serde_json::Map::new());
    let (desired, live) = match (desired, live) {
        (Some(d @ Value::Object(_)), None) => (Some(d), Some(&empty)),
        (None, Some(l @ Value::Object(_))) => (Some(&empty), Some(l)),
        other => other,
    };
    match (desired, live) {
        (Some(Value::Object(d)), Some(Value::Object(l))) => {
            let mut keys: Vec<&String> = d.keys().chain(l.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                diff_values(&join_path(path, key), d.get(key), l.get(key), changes);
            }
        }
        (d, l) if d == l => {}
        (d, l) => changes.push(Change {
            path: path.to_string(),
            desired: d.cloned().unwrap_or(Value::Null),
            live: l.cloned().unwrap_or(Value::Null),
        }),
    }
}

fn unified_diff(file: &str, live_id: Option<&str>, desired: &Value, live: &Value) -> String {
    let desired = serde_json::to_string_pretty(desired).unwrap_or_default() + "\n";
    let live = serde_json::to_string_pretty(live).unwrap_or_default() + "\n";
    similar::TextDiff::from_lines(&desired, &live)
        .unified_diff()
        .context_radius(3)
        .header(
            &format!("desired: {file}"),
            &format!("live: {}", live_id.unwrap_or("(no _id)")),
        )
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn policy(text: &str) -> (Policy, Sources) {
        let (policy, findings, source) = crate::load::parse_policy_text("p.toml", text);
        assert!(findings.is_empty(), "{findings:?}");
        let mut sources = Sources::new();
        sources.insert(source.path.clone(), source);
        (policy.unwrap(), sources)
    }

    const TEXT: &str = "name = \"Mass download\"\ntype = \"ANOMALY_DETECTION\"\nenabled = true\nseverity = \"high\"\n[alerts]\nenabled = true\nemail_recipients = [\"soc@contoso.com\", \"dlp@contoso.com\"]\n[filters.\"service.appId\"]\neq = [11161, 15600]\n";

    fn live(extra: Value) -> Value {
        let mut base = json!({"_id": "5f01dce13de79160fbec4150", "_tid": 1, "name": "mass download ", "policyType": "anomaly_detection",
            "enabled": true, "severity": 2, "alertsEnabled": true, "alertEmailRecipients": ["DLP@contoso.com", "soc@contoso.com"],
            "filters": {"service.appId": {"eq": [15600, 11161]}}, "description": null, "lastModified": 1700000000000u64});
        for (k, v) in extra.as_object().unwrap() {
            base[k] = v.clone();
        }
        base
    }

    #[test]
    fn noise_only_is_in_sync() {
        let (p, sources) = policy(TEXT);
        let out = compare(&[p], &sources, &[live(json!({}))], &DriftConfig::default());
        assert!(out.findings.is_empty(), "{:#?}", out.findings);
        assert_eq!(out.in_sync, 1);
    }

    #[test]
    fn changes_point_at_their_lines() {
        let (p, sources) = policy(TEXT);
        let out = compare(
            &[p],
            &sources,
            &[live(
                json!({"enabled": false, "alertEmailRecipients": ["soc@contoso.com"], "scope": "all"}),
            )],
            &DriftConfig::default(),
        );
        let found: Vec<_> = out
            .findings
            .iter()
            .map(|f| {
                (
                    f.rule.as_str(),
                    f.location.as_ref().unwrap().line,
                    f.message.clone(),
                )
            })
            .collect();
        assert_eq!(found.len(), 3, "{found:#?}");
        assert_eq!(found[0].0, "DRIFT003");
        assert_eq!(found[0].1, 7);
        assert_eq!((found[1].0, found[1].1), ("DRIFT004", 3));
        assert!(found[2].2.contains("`extra.scope` is not set in the file"));
        let entry = &out.entries[0];
        assert_eq!(entry.kind, DriftKind::Changed);
        assert!(entry
            .diff
            .as_ref()
            .unwrap()
            .contains("-      \"dlp@contoso.com\","));
    }

    #[test]
    fn missing_unmanaged_and_ambiguous() {
        let (p, sources) = policy(TEXT);
        let other =
            json!({"_id": "aaaaaaaaaaaaaaaaaaaaaaaa", "name": "Other", "policyType": "FILE"});
        let out = compare(
            std::slice::from_ref(&p),
            &sources,
            std::slice::from_ref(&other),
            &DriftConfig::default(),
        );
        let rules: Vec<_> = out
            .findings
            .iter()
            .map(|f| (f.rule.as_str(), f.severity))
            .collect();
        assert_eq!(
            rules,
            [
                ("DRIFT001", Severity::Error),
                ("DRIFT002", Severity::Warning)
            ]
        );
        let twins = [
            live(json!({"_id": "bbbbbbbbbbbbbbbbbbbbbbbb"})),
            live(json!({"_id": "cccccccccccccccccccccccc"})),
        ];
        let out = compare(&[p], &sources, &twins, &DriftConfig::default());
        assert_eq!(out.findings.len(), 1, "{:#?}", out.findings);
        assert_eq!(out.findings[0].rule, "DRIFT006");
        assert!(out.findings[0]
            .message
            .contains("bbbbbbbbbbbbbbbbbbbbbbbb, cccccccccccccccccccccccc"));
    }

    #[test]
    fn pinned_id_wins_over_names() {
        let (p, sources) = policy(&format!(
            "id = \"5F01DCE13DE79160FBEC4150\"\n{}",
            TEXT.replace("Mass download", "Renamed in git")
        ));
        let out = compare(&[p], &sources, &[live(json!({}))], &DriftConfig::default());
        assert_eq!(out.findings.len(), 1);
        assert!(out.findings[0].message.contains("`name` differs"));
    }
}
