//! Property tests of drift (proptest): for random policies, live JSON that
//! differs only in noise (array order, severity as integer or upper case,
//! enum and address casing, null vs absent vs empty, floats for integers,
//! server-managed fields) yields no drift; changing one modeled field yields
//! exactly one change, at that field's path.

use casguard::config::DriftConfig;
use casguard::drift::compare;
use casguard::model::Sources;
use proptest::prelude::*;
use serde_json::{json, Map, Value};

const TYPES: [&str; 6] = [
    "FILE",
    "ANOMALY_DETECTION",
    "SESSION",
    "ACCESS",
    "AUDIT",
    "APP_PERMISSION",
];
const SEVERITIES: [&str; 4] = ["low", "medium", "high", "informational"];

#[derive(Debug, Clone)]
struct Spec {
    name: String,
    policy_type: usize,
    enabled: bool,
    severity: Option<usize>,
    description: Option<String>,
    alerts_enabled: Option<bool>,
    recipients: Vec<String>,
    daily_limit: Option<i64>,
    filters: Vec<(String, Vec<i64>)>,
    extra: Vec<(String, i64)>,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        "[A-Z][a-z]{2,8}( [a-z]{2,8}){0,3}",
        0..TYPES.len(),
        any::<bool>(),
        proptest::option::of(0..4usize),
        proptest::option::of("[A-Z][a-z ]{0,30}[a-z]"),
        proptest::option::of(any::<bool>()),
        proptest::collection::btree_set("[a-z]{1,6}@contoso\\.com", 0..4),
        proptest::option::of(0..100i64),
        proptest::collection::btree_map(
            "[a-z]{3,8}(\\.[a-z]{2,5})?",
            proptest::collection::btree_set(0..50_000i64, 1..5),
            0..3,
        ),
        proptest::collection::btree_map("x[a-z]{2,8}", 1..1000i64, 0..3),
    )
        .prop_map(
            |(
                name,
                policy_type,
                enabled,
                severity,
                description,
                alerts_enabled,
                recipients,
                daily_limit,
                filters,
                extra,
            )| Spec {
                name,
                policy_type,
                enabled,
                severity,
                description,
                alerts_enabled,
                recipients: recipients.into_iter().collect(),
                daily_limit,
                filters: filters
                    .into_iter()
                    .map(|(k, v)| (k, v.into_iter().collect()))
                    .collect(),
                extra: extra.into_iter().collect(),
            },
        )
}

fn toml_text(spec: &Spec) -> String {
    let mut text = format!(
        "name = {:?}\ntype = \"{}\"\nenabled = {}\n",
        spec.name, TYPES[spec.policy_type], spec.enabled
    );
    if let Some(s) = spec.severity {
        text.push_str(&format!("severity = \"{}\"\n", SEVERITIES[s]));
    }
    if let Some(d) = &spec.description {
        text.push_str(&format!("description = {d:?}\n"));
    }
    text.push_str("[alerts]\n");
    if let Some(e) = spec.alerts_enabled {
        text.push_str(&format!("enabled = {e}\n"));
    }
    text.push_str(&format!("email_recipients = {:?}\n", spec.recipients));
    if let Some(l) = spec.daily_limit {
        text.push_str(&format!("daily_limit = {l}\n"));
    }
    for (key, values) in &spec.filters {
        text.push_str(&format!("[filters.{key:?}]\neq = {values:?}\n"));
    }
    if !spec.extra.is_empty() {
        text.push_str("[extra]\n");
        for (key, value) in &spec.extra {
            text.push_str(&format!("{key} = {value}\n"));
        }
    }
    text
}

/// The live object for `spec`, with every kind of noise that must not matter.
fn noisy_live(spec: &Spec, seed: u64) -> Value {
    let flip = |bit: u64| seed >> bit & 1 == 1;
    let mut live = Map::new();
    live.insert("_id".into(), json!("5f01dce13de79160fbec4150"));
    live.insert("_tid".into(), json!(26034820));
    live.insert(
        "name".into(),
        json!(if flip(0) {
            format!("  {}  ", spec.name.to_uppercase())
        } else {
            spec.name.clone()
        }),
    );
    let policy_type = if flip(1) {
        TYPES[spec.policy_type].to_lowercase()
    } else {
        TYPES[spec.policy_type].to_string()
    };
    let policy_type = if flip(12) {
        format!(" {policy_type} ")
    } else {
        policy_type
    };
    live.insert("policyType".into(), json!(policy_type));
    live.insert("enabled".into(), json!(spec.enabled));
    match spec.severity {
        Some(s) if flip(2) && flip(11) => live.insert("severity".into(), json!(s as f64)),
        Some(s) if flip(2) => live.insert("severity".into(), json!(s)),
        Some(s) => live.insert("severity".into(), json!(SEVERITIES[s].to_uppercase())),
        None if flip(3) => live.insert("severity".into(), Value::Null),
        None => None,
    };
    match &spec.description {
        Some(d) => live.insert("description".into(), json!(format!("{d} "))),
        None => live.insert(
            "description".into(),
            if flip(4) { Value::Null } else { json!("") },
        ),
    };
    if let Some(e) = spec.alerts_enabled {
        live.insert("alertsEnabled".into(), json!(e));
    }
    let mut recipients: Vec<Value> = spec
        .recipients
        .iter()
        .rev()
        .map(|r| json!(if flip(5) { r.to_uppercase() } else { r.clone() }))
        .collect();
    if flip(6) && !recipients.is_empty() {
        recipients.push(recipients[0].clone());
    }
    if !recipients.is_empty() || flip(7) {
        live.insert("alertEmailRecipients".into(), Value::Array(recipients));
    }
    if let Some(l) = spec.daily_limit {
        live.insert(
            "dailyAlertLimit".into(),
            if flip(8) { json!(l as f64) } else { json!(l) },
        );
    }
    let mut filters = Map::new();
    for (key, values) in &spec.filters {
        let values: Vec<Value> = values.iter().rev().map(|v| json!(v)).collect();
        filters.insert(key.clone(), json!({"eq": values}));
    }
    if flip(9) {
        filters.insert("unusedField".into(), json!({}));
    }
    live.insert("filters".into(), Value::Object(filters));
    for (key, value) in &spec.extra {
        live.insert(key.clone(), json!(value));
    }
    live.insert(
        "scope".into(),
        if flip(10) { Value::Null } else { json!([]) },
    );
    live.insert("createdDate".into(), json!(1_700_000_000_000u64));
    live.insert("lastModified".into(), json!(1_710_000_000_000.5));
    live.insert("alertsCount".into(), json!(seed % 1000));
    Value::Object(live)
}

fn drift_of(spec: &Spec, live: Value) -> casguard::drift::DriftOutcome {
    let (policy, findings, source) = casguard::load::parse_policy_text("p.toml", &toml_text(spec));
    assert!(
        findings.is_empty(),
        "generated file is invalid: {findings:?}\n{}",
        toml_text(spec)
    );
    let mut sources = Sources::new();
    sources.insert(source.path.clone(), source);
    compare(
        &[policy.unwrap()],
        &sources,
        &[live],
        &DriftConfig::default(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn noise_is_never_drift(spec in spec(), seed in any::<u64>()) {
        let outcome = drift_of(&spec, noisy_live(&spec, seed));
        prop_assert!(outcome.findings.is_empty(), "{:#?}", outcome.findings);
        prop_assert_eq!(outcome.in_sync, 1);
    }

    #[test]
    fn one_changed_field_is_one_change_at_its_path(spec in spec(), seed in any::<u64>(), which in 0..7usize) {
        let mut live = noisy_live(&spec, seed);
        let object = live.as_object_mut().unwrap();
        let expected = match which {
            0 => { object.insert("enabled".into(), json!(!spec.enabled)); "enabled".to_string() }
            1 => {
                let other = (spec.severity.unwrap_or(0) + 1) % 4;
                object.insert("severity".into(), json!(other));
                "severity".to_string()
            }
            2 => { object.insert("description".into(), json!("Changed in the portal")); "description".to_string() }
            3 => { object.insert("dailyAlertLimit".into(), json!(spec.daily_limit.unwrap_or(0) + 1000)); "alerts.daily_limit".to_string() }
            4 => {
                let mut list = object.get("alertEmailRecipients").cloned().unwrap_or(json!([]));
                list.as_array_mut().unwrap().push(json!("intruder@example.net"));
                object.insert("alertEmailRecipients".into(), list);
                "alerts.email_recipients".to_string()
            }
            5 => {
                let filters = object.get_mut("filters").unwrap().as_object_mut().unwrap();
                filters.insert("addedInPortal".into(), json!({"eq": [1]}));
                "filters.addedInPortal.eq".to_string()
            }
            _ => { object.insert("xaddedlive".into(), json!(7)); "extra.xaddedlive".to_string() }
        };
        let outcome = drift_of(&spec, live);
        let entry = outcome.entries.iter().find(|e| !e.changes.is_empty());
        prop_assert!(entry.is_some(), "no change found for {}", expected);
        let paths: Vec<&str> = entry.unwrap().changes.iter().map(|c| c.path.as_str()).collect();
        prop_assert_eq!(paths, vec![expected.as_str()]);
        prop_assert_eq!(outcome.findings.len(), 1);
    }
}
