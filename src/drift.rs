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

use serde_json::Value;

use crate::config::DriftConfig;
use crate::model::{Change, DriftEntry, DriftKind, Finding, Location, Policy, Severity, Sources};
use crate::normalize;
use crate::registry::{DRIFT001, DRIFT002, DRIFT003, DRIFT004, DRIFT005, DRIFT006};
use crate::textutil::{join_path, name_key, short};

#[derive(Debug, Default)]
pub struct DriftOutcome {
    pub entries: Vec<DriftEntry>,
    pub findings: Vec<Finding>,
    /// Matched policies with no difference.
    pub in_sync: usize,
    pub live_count: usize,
    /// Desired policy index -> the live `_id` it matched (lower case).
    pub matched: HashMap<usize, String>,
}

struct Live<'a> {
    raw: &'a serde_json::Map<String, Value>,
    id: Option<String>,
    name: String,
    policy_type: String,
}

/// What a desired policy matched live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Match {
    None,
    One(usize),
    /// Several live policies share its type and name (DRIFT006).
    Ambiguous,
    /// The one live policy of its type and name is matched by another file
    /// (desired index): the file declares it again (CAS002), and is not
    /// called missing (DRIFT006 names the file that matched).
    DeclaredAgain(usize),
}

/// Compares desired `policies` with `live` raw objects.
pub fn compare(
    policies: &[Policy],
    sources: &Sources,
    live: &[Value],
    config: &DriftConfig,
) -> DriftOutcome {
    let empty = serde_json::Map::new();
    let live: Vec<Live> = live.iter().map(|v| live_view(v, &empty)).collect();
    let mut outcome = DriftOutcome {
        live_count: live.len(),
        ..DriftOutcome::default()
    };
    let matching = match_policies(policies, sources, &live, &mut outcome.findings);
    let matched: Vec<(usize, usize)> = matching
        .matches
        .iter()
        .enumerate()
        .filter_map(|(d, m)| match m {
            Match::One(l) => Some((d, *l)),
            _ => None,
        })
        .collect();
    outcome.matched = matched
        .iter()
        .filter_map(|&(d, l)| live[l].id.clone().map(|id| (d, id)))
        .collect();
    for (index, policy) in policies.iter().enumerate() {
        if let Match::DeclaredAgain(first) = matching.matches[index] {
            outcome.findings.push(declared_again_finding(
                policy,
                &policies[first],
                sources,
                &live,
                &matching.matches[first],
            ));
        }
        if matching.matches[index] == Match::None {
            outcome.findings.push(missing_finding(policy, sources));
            outcome
                .entries
                .push(entry(DriftKind::Missing, policy, None, Vec::new(), None));
        }
    }
    let compared = compare_matched(policies, &live, &matched, config);
    for (&(d, l), (changes, diff)) in matched.iter().zip(compared) {
        let policy = &policies[d];
        if changes.is_empty() {
            outcome.in_sync += 1;
            continue;
        }
        outcome
            .findings
            .extend(changes.iter().map(|c| change_finding(policy, sources, c)));
        let live_id = live[l].id.clone();
        outcome
            .entries
            .push(entry(DriftKind::Changed, policy, live_id, changes, diff));
    }
    for (index, policy) in live.iter().enumerate() {
        if matching.claimed[index] || config.ignores_unmanaged(&policy.name) {
            continue;
        }
        if let Some(severity) = config.unmanaged {
            outcome.findings.push(unmanaged_finding(policy, severity));
            outcome.entries.push(unmanaged_entry(policy));
        }
    }
    outcome.entries.sort_by(|a, b| {
        (a.kind as u8, &a.file, &a.policy).cmp(&(b.kind as u8, &b.file, &b.policy))
    });
    outcome
}

fn live_view<'a>(value: &'a Value, empty: &'a serde_json::Map<String, Value>) -> Live<'a> {
    let raw = value.as_object().unwrap_or(empty);
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
}

struct Matching {
    /// Per desired policy.
    matches: Vec<Match>,
    /// Per live policy: taken by a desired policy, or part of an ambiguous match.
    claimed: Vec<bool>,
}

/// Desired policy index -> the live `_id` it matched (lower case), without
/// comparing anything: for commands that only need to know which live policy
/// each file describes (review's live dates, alerts' join).
pub fn match_live(policies: &[Policy], live: &[Value]) -> HashMap<usize, String> {
    let empty = serde_json::Map::new();
    let live: Vec<Live> = live.iter().map(|v| live_view(v, &empty)).collect();
    let matching = match_policies(policies, &Sources::new(), &live, &mut Vec::new());
    matching
        .matches
        .iter()
        .enumerate()
        .filter_map(|(d, m)| match m {
            Match::One(l) => live[*l].id.clone().map(|id| (d, id)),
            _ => None,
        })
        .collect()
}

/// Matches by pinned id first, so a pinned policy is never taken by a name
/// match; then by (type, name). A name that matches several live policies is
/// reported (DRIFT006), never guessed.
fn match_policies(
    policies: &[Policy],
    sources: &Sources,
    live: &[Live],
    findings: &mut Vec<Finding>,
) -> Matching {
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
    let mut matching = Matching {
        matches: vec![Match::None; policies.len()],
        claimed: vec![false; live.len()],
    };
    // Live index -> the desired policy that took it.
    let mut taken_by: HashMap<usize, usize> = HashMap::new();
    for (index, policy) in policies.iter().enumerate() {
        if let Some(&l) = policy.id.as_deref().and_then(|id| by_id.get(id)) {
            matching.claimed[l] = true;
            matching.matches[index] = Match::One(l);
            taken_by.entry(l).or_insert(index);
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
            .filter(|&i| !matching.claimed[i])
            .collect();
        match candidates.as_slice() {
            [] => {
                // Its live policy went to another file of the same type and name.
                let first = by_key
                    .get(&key)
                    .into_iter()
                    .flatten()
                    .find_map(|l| taken_by.get(l).copied());
                if let Some(first) = first {
                    matching.matches[index] = Match::DeclaredAgain(first);
                }
            }
            [single] => {
                matching.claimed[*single] = true;
                matching.matches[index] = Match::One(*single);
                taken_by.entry(*single).or_insert(index);
            }
            several => {
                for &i in several {
                    matching.claimed[i] = true;
                }
                findings.push(ambiguous_finding(policy, sources, several, live));
                matching.matches[index] = Match::Ambiguous;
            }
        }
    }
    matching
}

/// Field changes and a unified diff per matched (desired, live) pair, on every core.
fn compare_matched(
    policies: &[Policy],
    live: &[Live],
    matched: &[(usize, usize)],
    config: &DriftConfig,
) -> Vec<(Vec<Change>, Option<String>)> {
    crate::parallel::map(matched, |&(d, l)| {
        let desired_form = normalize::desired(&policies[d], &config.comparison);
        let live_form = normalize::live(live[l].raw, &config.comparison);
        let mut changes = Vec::new();
        diff_values("", Some(&desired_form), Some(&live_form), &mut changes);
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
                &desired_form,
                &live_form,
            )
        });
        (changes, diff)
    })
}

fn entry(
    kind: DriftKind,
    policy: &Policy,
    live_id: Option<String>,
    changes: Vec<Change>,
    diff: Option<String>,
) -> DriftEntry {
    DriftEntry {
        kind,
        policy: policy.name.clone(),
        policy_type: policy.policy_type.as_str().into(),
        file: Some(policy.file.clone()),
        live_id,
        changes,
        diff,
        desired_last_change: None,
        live_last_change: None,
    }
}

fn unmanaged_entry(policy: &Live) -> DriftEntry {
    DriftEntry {
        kind: DriftKind::Unmanaged,
        policy: policy.name.clone(),
        policy_type: policy.policy_type.clone(),
        file: None,
        live_id: policy.id.clone(),
        changes: Vec::new(),
        diff: None,
        desired_last_change: None,
        live_last_change: None,
    }
}

fn ambiguous_finding(
    policy: &Policy,
    sources: &Sources,
    several: &[usize],
    live: &[Live],
) -> Finding {
    let ids: Vec<String> = several
        .iter()
        .map(|&i| live[i].id.clone().unwrap_or_else(|| "(no _id)".into()))
        .collect();
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
    .help(DRIFT006.remediation)
}

/// DRIFT006 for a second file of one live policy: it names the file that
/// matched rather than calling this one missing.
fn declared_again_finding(
    policy: &Policy,
    first: &Policy,
    sources: &Sources,
    live: &[Live],
    first_match: &Match,
) -> Finding {
    let id = match first_match {
        Match::One(l) => live[*l].id.clone(),
        _ => None,
    }
    .map_or(String::new(), |id| format!(" (id {id})"));
    Finding::new(
        DRIFT006.id,
        DRIFT006.severity,
        format!(
            "{} `{}` is also declared in `{}`, which matched the live policy{id}; this file matches nothing",
            policy.policy_type, policy.name, first.file
        ),
    )
    .policy(&policy.name)
    .at(locate(policy, sources, "name"))
    .label("declared twice")
    .related(locate(first, sources, "name"), "matched the live policy")
    .help("keep one file per policy: delete or merge this one (CAS002), or pin each file to its own live `id` if the tenant really has two")
}

fn missing_finding(policy: &Policy, sources: &Sources) -> Finding {
    let how = match &policy.id {
        Some(id) => format!("no live policy has the pinned id `{id}`"),
        None => "no live policy has this type and name".to_string(),
    };
    let at = if policy.id.is_some() { "id" } else { "name" };
    Finding::new(
        DRIFT001.id,
        DRIFT001.severity,
        format!(
            "{} `{}` is declared but not in the tenant: {how}",
            policy.policy_type, policy.name
        ),
    )
    .policy(&policy.name)
    .at(locate(policy, sources, at))
    .label("missing live")
    .help(DRIFT001.remediation)
}

/// An unmanaged policy has no file: the finding carries no location here,
/// and the command anchors it on the configuration (see `app`).
fn unmanaged_finding(policy: &Live, severity: Severity) -> Finding {
    let id = policy.id.clone().unwrap_or_else(|| "(no _id)".into());
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
    .help(DRIFT002.remediation)
}

/// DRIFT005: changed policies whose live change is newer than their file's
/// last commit were edited out of band. Needs the entries' dates set.
pub fn out_of_band(entries: &[DriftEntry], sources: &Sources) -> Vec<Finding> {
    entries
        .iter()
        .filter(|e| e.kind == DriftKind::Changed)
        .filter_map(|entry| {
            let (desired, live) = (
                entry.desired_last_change.as_ref()?,
                entry.live_last_change.as_ref()?,
            );
            if live.epoch <= desired.epoch {
                return None;
            }
            let file = entry.file.as_deref()?;
            let mut finding = Finding::new(
                DRIFT005.id,
                DRIFT005.severity,
                format!(
                    "changed in the tenant on {} ({}), after the file's last commit on {} by {}",
                    live.date, live.source, desired.date, desired.author
                ),
            )
            .policy(&entry.policy)
            .help(DRIFT005.remediation);
            finding.location = sources.get(file).map(|s| s.file_location());
            Some(finding)
        })
        .collect()
}

fn display_type(policy_type: &str) -> &str {
    if policy_type.is_empty() {
        "policy"
    } else {
        policy_type
    }
}

fn locate(policy: &Policy, sources: &Sources, path: &str) -> Location {
    policy
        .locate(sources, path)
        .unwrap_or_else(|| Location::whole_file(policy.file.clone()))
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
