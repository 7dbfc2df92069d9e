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

// ---------------------------------------------------------------------------
// Import, lint, drift and adopt-live over arbitrary live objects.
//
// Live policies built from anything the API could send: any keys (dots,
// quotes, spaces, control characters, empty), any JSON types at any depth,
// the modeled fields in their expected types and in the odd ones real
// tenants may send (`severity: 5`, recipients as objects, `dailyAlertLimit`
// as "5" or 2.5, `filters` as an array, `description` as an object, no
// `enabled`), unknown policy types and ids that cannot be pinned. For each
// set: import's own files lint without errors and clean on the fixable
// rules; drift against the same snapshot is clean; after arbitrary live
// edits (fields changed, retyped, removed or added, a policy added and one
// removed), the `suggest --adopt-live --include-removals` patch applies
// with `git apply`, its files lint without errors and drift is clean again.
// Runs through the application layer (as the CLI does), with a fixed seed.

mod import_round_trip {
    use std::path::{Path, PathBuf};

    use casguard::app::{self, LiveSource, Project};
    use casguard::env::Env;
    use casguard::model::{Report, Severity};
    use proptest::prelude::*;
    use proptest::test_runner::{Config, RngSeed, TestRunner};
    use serde_json::{json, Map, Number, Value};

    /// CAS101 (alerts on, nobody mailed) is a true finding about a live
    /// policy, not a flaw of the files import writes, so it is off here;
    /// every other error counts.
    const CONFIG: &str = "[rules]\nCAS101 = \"off\"\n";

    fn key() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => "[a-zA-Z_][a-zA-Z0-9_]{0,8}",
            1 => "\\PC{0,6}",
            1 => prop::sample::select(vec![
                "", "a.b", "with space", "quote\"d", "back\\slash", "new\nline", "tab\tbed",
                "esc\u{1b}", "é", "severity", "filters", "enabled", "alerts", "extra", "meta",
                "name", "type", "id", "createdAlerts", "minimumEventCount", "[x]", "#", "=",
            ])
            .prop_map(str::to_string),
        ]
    }

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            "[ -~]{0,12}",
            "\\PC{0,8}",
            prop::sample::select(vec!["", " ", "\n", "a\u{0}b", "\u{7f}", "'''", "\"\"\""])
                .prop_map(str::to_string),
        ]
    }

    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            (-1.0e6..1.0e6f64).prop_map(|f| json!(f)),
            any::<f64>().prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
            text().prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec((key(), inner), 0..4)
                    .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
            ]
        })
    }

    fn address() -> impl Strategy<Value = String> {
        "[a-zA-Z]{1,5}@(contoso|example)\\.(com|org)"
    }

    /// A value for live field `field`: usually its expected type, often an odd one.
    fn field_value(field: &'static str) -> BoxedStrategy<Value> {
        let expected: BoxedStrategy<Value> = match field {
            "enabled" | "alertsEnabled" => any::<bool>().prop_map(Value::Bool).boxed(),
            "severity" => prop_oneof![
                (0..4i64).prop_map(Value::from),
                (0..4i64).prop_map(|n| json!(n as f64)),
                prop::sample::select(vec!["LOW", "Medium", " high ", "informational", "critical"])
                    .prop_map(Value::from),
                Just(json!(5)),
            ]
            .boxed(),
            "description" => text().prop_map(Value::String).boxed(),
            "alertEmailRecipients" => prop_oneof![
                prop::collection::vec(address(), 0..4).prop_map(|v| json!(v)),
                prop::collection::vec(address(), 1..3).prop_map(|v| json!(v
                    .iter()
                    .map(|a| json!({"address": a}))
                    .collect::<Vec<_>>())),
                Just(json!(["not an address", "a@contoso.com"])),
            ]
            .boxed(),
            "dailyAlertLimit" => prop_oneof![
                (0..100i64).prop_map(Value::from),
                Just(json!("5")),
                Just(json!(2.5)),
                Just(json!(-1)),
                Just(json!(5.0)),
            ]
            .boxed(),
            _ => prop_oneof![
                prop::collection::btree_map(
                    "[a-z]{1,6}(\\.[a-zA-Z]{1,5})?",
                    prop::collection::vec(0..20_000i64, 0..4).prop_map(|v| json!({"eq": v})),
                    0..3
                )
                .prop_map(|m| json!(m)),
                Just(json!([1, 2])),
                Just(json!({"service.appId": {"eq": [11161, 15600]}, "x": null})),
            ]
            .boxed(),
        };
        prop_oneof![3 => expected, 1 => any_json(), 1 => Just(Value::Null)].boxed()
    }

    const MODELED: [&str; 7] = [
        "enabled",
        "severity",
        "description",
        "alertsEnabled",
        "alertEmailRecipients",
        "dailyAlertLimit",
        "filters",
    ];

    fn policy_type() -> impl Strategy<Value = String> {
        prop_oneof![
            3 => prop::sample::select(vec!["FILE", "anomaly_detection", " Session ", "DISCOVERY", "ACCESS"])
                .prop_map(str::to_string),
            1 => "[A-Za-z][A-Za-z_ ]{0,10}",
        ]
    }

    /// One live policy: valid `_id`, `name` and `policyType` (what the API
    /// path requires), anything else.
    fn live_policy() -> impl Strategy<Value = Map<String, Value>> {
        let modeled: Vec<BoxedStrategy<Option<Value>>> = MODELED
            .iter()
            .map(|f| proptest::option::weighted(0.8, field_value(f)).boxed())
            .collect();
        (
            "[A-Z][A-Za-z0-9 ,.'()&-]{0,14}|\\PC{1,6}",
            policy_type(),
            modeled,
            prop::collection::vec((key(), any_json()), 0..4),
            prop::option::of(any::<u32>()),
        )
            .prop_filter("a name", |(name, ..)| !name.trim().is_empty())
            .prop_map(|(name, policy_type, modeled, extra, tid)| {
                let mut object: Map<String, Value> = extra.into_iter().collect();
                for (field, value) in MODELED.iter().zip(modeled) {
                    match value {
                        Some(value) => object.insert(field.to_string(), value),
                        None => object.remove(*field),
                    };
                }
                if let Some(tid) = tid {
                    object.insert("_tid".into(), json!(tid));
                    object.insert(
                        "lastModified".into(),
                        json!(1_700_000_000_000u64 + tid as u64),
                    );
                }
                object.insert("name".into(), json!(name));
                object.insert("policyType".into(), json!(policy_type));
                object
            })
    }

    /// Several policies with distinct ids; one id may be unpinnable (then
    /// its name is made unique, so matching by type and name is unambiguous).
    fn tenant() -> impl Strategy<Value = Vec<Value>> {
        (
            prop::collection::vec(live_policy(), 1..4),
            any::<u64>(),
            any::<bool>(),
        )
            .prop_map(|(policies, seed, odd_id)| {
                policies
                    .into_iter()
                    .enumerate()
                    .map(|(i, mut p)| {
                        let id = if odd_id && i == 0 {
                            p.insert(
                                "name".into(),
                                json!(format!("{} #{i}", p["name"].as_str().unwrap())),
                            );
                            format!("id-{i}")
                        } else {
                            format!("{:016x}{:08x}", seed, i)
                        };
                        p.insert("_id".into(), json!(id));
                        Value::Object(p)
                    })
                    .collect()
            })
    }

    /// A live edit: set, retype or remove a field of a policy.
    fn edits() -> impl Strategy<Value = Vec<(usize, String, Option<Value>)>> {
        prop::collection::vec(
            (
                0..4usize,
                prop_oneof![
                    prop::sample::select(MODELED.to_vec()).prop_map(str::to_string),
                    key(),
                ],
                proptest::option::weighted(0.8, any_json()),
            ),
            0..4,
        )
    }

    fn write_snapshot(dir: &Path, name: &str, policies: &[Value]) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(
            &path,
            serde_json::to_vec(&json!({"data": policies})).unwrap(),
        )
        .unwrap();
        path
    }

    fn errors(report: &Report) -> Vec<String> {
        report
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error || f.rule == "CAS205" || f.rule == "CAS206")
            .map(|f| {
                format!(
                    "{} {} {:?}",
                    f.rule,
                    f.message,
                    f.location.as_ref().map(|l| &l.file)
                )
            })
            .collect()
    }

    fn lint(project: &Project, rules: &casguard::rules::RuleSet) -> Report {
        let input = app::lint::LintInput {
            paths: Vec::new(),
            fix: false,
        };
        app::lint::lint(project, rules, &input).unwrap().report
    }

    fn drift_findings(
        project: &Project,
        rules: &casguard::rules::RuleSet,
        snapshot: &Path,
    ) -> Vec<String> {
        let source = LiveSource {
            snapshot: Some(snapshot.to_path_buf()),
            ..LiveSource::default()
        };
        let (report, _) = app::drift::drift(project, rules, &source, &mut |_| {}).unwrap();
        assert!(report.drift.as_ref().unwrap().compared);
        report
            .findings
            .iter()
            .map(|f| format!("{} {}", f.rule, f.message))
            .collect()
    }

    fn files(dir: &Path) -> String {
        let mut out = String::new();
        for entry in walkdir(dir) {
            out.push_str(&format!(
                "== {}\n{}\n",
                entry.display(),
                std::fs::read_to_string(&entry).unwrap()
            ));
        }
        out
    }

    fn walkdir(dir: &Path) -> Vec<PathBuf> {
        let mut found = Vec::new();
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                found.extend(walkdir(&path));
            } else {
                found.push(path);
            }
        }
        found.sort();
        found
    }

    fn round_trip(
        rules: &casguard::rules::RuleSet,
        live: Vec<Value>,
        edits: Vec<(usize, String, Option<Value>)>,
        added: Map<String, Value>,
        remove_one: bool,
    ) -> Result<(), TestCaseError> {
        prop_assert!(casguard::live::policy_problems(&live).is_empty());
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("casguard.toml"), CONFIG).unwrap();
        let project = Project::open(Env::at(dir.path(), jiff::civil::date(2026, 11, 22))).unwrap();
        let before = write_snapshot(dir.path(), "before.json", &live);
        let input = app::import::ImportInput {
            out: PathBuf::from("policies"),
            force: false,
            source: LiveSource {
                snapshot: Some(before.clone()),
                ..LiveSource::default()
            },
        };
        let imported = app::import::import(&project, &input, &mut |_| {}).unwrap();
        prop_assert_eq!(imported.written, live.len());
        let policies = dir.path().join("policies");
        let lint_errors = errors(&lint(&project, rules));
        prop_assert!(
            lint_errors.is_empty(),
            "{:#?}\n{}",
            lint_errors,
            files(&policies)
        );
        let drift = drift_findings(&project, rules, &before);
        prop_assert!(
            drift.is_empty(),
            "import then drift: {:#?}\n{}",
            drift,
            files(&policies)
        );

        // The tenant changes; the files adopt the change.
        let mut after = live.clone();
        for (index, field, value) in edits {
            let count = after.len();
            let policy = after[index % count].as_object_mut().unwrap();
            if ["_id", "name", "policyType"].contains(&field.as_str()) {
                continue;
            }
            match value {
                Some(value) => policy.insert(field, value),
                None => policy.remove(&field),
            };
        }
        if remove_one && after.len() > 1 {
            after.pop();
        }
        let mut added = added;
        added.insert("_id".into(), json!("ffffffffffffffffffffffff"));
        after.push(Value::Object(added));
        let changed = write_snapshot(dir.path(), "after.json", &after);
        let input = app::suggest::SuggestInput {
            adopt_live: true,
            include_removals: true,
            out: None,
            source: LiveSource {
                snapshot: Some(changed.clone()),
                ..LiveSource::default()
            },
        };
        let patch = app::suggest::suggest(&project, rules, &input, &mut |_| {})
            .unwrap()
            .text;
        std::fs::write(dir.path().join("adopt.patch"), &patch).unwrap();
        let applied = std::process::Command::new("git")
            .args(["apply", "adopt.patch"])
            .current_dir(dir.path())
            .output()
            .unwrap();
        prop_assert!(
            applied.status.success(),
            "git apply: {}\n{patch}",
            String::from_utf8_lossy(&applied.stderr)
        );
        let lint_errors = errors(&lint(&project, rules));
        prop_assert!(
            lint_errors.is_empty(),
            "after the patch: {:#?}\n{patch}",
            lint_errors
        );
        let drift = drift_findings(&project, rules, &changed);
        prop_assert!(
            drift.is_empty(),
            "drift after the patch: {:#?}\n{patch}",
            drift
        );
        Ok(())
    }

    #[test]
    fn any_live_object_imports_lints_and_adopts_cleanly() {
        // A longer or different search: CASGUARD_PROPTEST_CASES, CASGUARD_PROPTEST_SEED.
        let setting = |name: &str, default: u64| {
            std::env::var(name)
                .ok()
                .and_then(|n| n.parse().ok())
                .unwrap_or(default)
        };
        let cases = setting("CASGUARD_PROPTEST_CASES", 96) as u32;
        let mut runner = TestRunner::new(Config {
            cases,
            rng_seed: RngSeed::Fixed(setting("CASGUARD_PROPTEST_SEED", 13)),
            failure_persistence: None,
            ..Config::default()
        });
        // The built-in rules, compiled once (the generated projects add none).
        let rules = casguard::rules::RuleSet::builtin().unwrap();
        let started = std::time::Instant::now();
        runner
            .run(
                &(tenant(), edits(), live_policy(), any::<bool>()),
                |(live, edits, added, remove_one)| {
                    round_trip(&rules, live, edits, added, remove_one)
                },
            )
            .unwrap();
        eprintln!(
            "{cases} generated tenants in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
}
