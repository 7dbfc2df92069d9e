//! The canonical form desired and live policies are compared in, and the one
//! table that maps policy-file (TOML) fields to live MDCA JSON fields.
//!
//! The live policy JSON is only partly documented (mdca-api.md section 4), so
//! every assumption about field names lives in `FIELD_MAP`, with its status
//! and its converter, and is corrected in one place when a real tenant shows
//! otherwise. Server-managed fields are dropped by `ServerManaged` (an
//! explicit list and a narrow timestamp pattern, both replaceable in
//! casguard.toml), not by user exclude lists.
//!
//! A modeled field whose live value its typed policy-file key cannot hold
//! (`severity: 5`, recipients as objects, `dailyAlertLimit: "5"`) is kept
//! verbatim under `[extra]` by its live name and compared at its modeled
//! path, through the same converter on both sides (`typed` decides, for
//! import, adopt-live and the loader alike). So importing any live object
//! and comparing it with itself shows no drift.
//!
//! Canonical form, chosen so that noise never shows up as drift:
//! - TOML-shaped: keys are the policy file's paths (`alerts.enabled`), and
//!   unmodeled live fields sit under `extra` by their live names;
//! - `null`, empty strings, empty arrays and empty objects are dropped, so
//!   null, empty and absent are equal; strings are trimmed;
//! - enums (`type`, `severity`) are spelled one way whatever the case, and
//!   severity integers 0-3 become names;
//! - set-like arrays (alert recipients, every array under `filters`) are
//!   sorted and de-duplicated; arrays under `extra` keep their order;
//! - whole-valued floats become integers; object keys are sorted.
//!
//! Pure: no I/O.

use serde_json::{Map, Number, Value};

use crate::model::{PolicySeverity, PolicyTypeName};
use crate::textutil::is_email_address;

/// How sure we are of a live field name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evidence {
    Verified,
    Assumed,
}

/// How a modeled field's value is brought into canonical form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Convert {
    Text,
    Bool,
    Integer,
    Severity,
    PolicyType,
    /// A set of email addresses: trimmed, lower-cased, sorted, unique.
    AddressSet,
    /// The filters object: every array in it is a set.
    Filters,
    /// Used for matching only, never compared.
    Identity,
}

/// One modeled field: its TOML path, its live JSON name and its converter.
#[derive(Debug, Clone, Copy)]
pub struct FieldMapping {
    pub toml_path: &'static str,
    pub live_field: &'static str,
    pub evidence: Evidence,
    pub convert: Convert,
    /// What the Defender portal calls the setting, for instructions.
    pub portal_label: &'static str,
}

/// TOML path <-> live JSON field, per DESIGN.md "Concepts".
pub const FIELD_MAP: &[FieldMapping] = &[
    FieldMapping {
        toml_path: "id",
        live_field: "_id",
        evidence: Evidence::Verified,
        convert: Convert::Identity,
        portal_label: "Policy id",
    },
    FieldMapping {
        toml_path: "name",
        live_field: "name",
        evidence: Evidence::Verified,
        convert: Convert::Text,
        portal_label: "Policy name",
    },
    FieldMapping {
        toml_path: "type",
        live_field: "policyType",
        evidence: Evidence::Verified,
        convert: Convert::PolicyType,
        portal_label: "Policy type",
    },
    FieldMapping {
        toml_path: "enabled",
        live_field: "enabled",
        evidence: Evidence::Verified,
        convert: Convert::Bool,
        portal_label: "Policy state (enabled)",
    },
    FieldMapping {
        toml_path: "severity",
        live_field: "severity",
        evidence: Evidence::Verified,
        convert: Convert::Severity,
        portal_label: "Policy severity",
    },
    FieldMapping {
        toml_path: "description",
        live_field: "description",
        evidence: Evidence::Verified,
        convert: Convert::Text,
        portal_label: "Description",
    },
    FieldMapping {
        toml_path: "alerts.enabled",
        live_field: "alertsEnabled",
        evidence: Evidence::Verified,
        convert: Convert::Bool,
        portal_label: "Create alert",
    },
    FieldMapping {
        toml_path: "alerts.email_recipients",
        live_field: "alertEmailRecipients",
        evidence: Evidence::Assumed,
        convert: Convert::AddressSet,
        portal_label: "Send alert as email (recipients)",
    },
    FieldMapping {
        toml_path: "alerts.daily_limit",
        live_field: "dailyAlertLimit",
        evidence: Evidence::Assumed,
        convert: Convert::Integer,
        portal_label: "Daily alert limit",
    },
    FieldMapping {
        toml_path: "filters",
        live_field: "filters",
        evidence: Evidence::Verified,
        convert: Convert::Filters,
        portal_label: "Filters",
    },
];

/// The modeled field a live JSON name maps to, if any (exact, case-sensitive).
pub fn mapping_for_live_field(live_field: &str) -> Option<&'static FieldMapping> {
    FIELD_MAP.iter().find(|m| m.live_field == live_field)
}

/// The live JSON name of a modeled policy-file path (`alerts.daily_limit`).
pub fn live_field_for(toml_path: &str) -> Option<&'static str> {
    FIELD_MAP
        .iter()
        .find(|m| m.toml_path == toml_path)
        .map(|m| m.live_field)
}

/// Which live fields the server manages (ids, tenant ids, change times):
/// never part of desired state, dropped before comparing, refused under
/// `[extra]`. An explicit list plus a narrow timestamp pattern; both are
/// replaced by `[drift] server_managed` and `server_managed_pattern`.
#[derive(Debug, Clone)]
pub struct ServerManaged {
    pub fields: Vec<String>,
    /// Matched against whole field names; `None` turns the pattern off.
    pub pattern: Option<regex::Regex>,
}

impl ServerManaged {
    /// The built-in list: ids, the tenant id, and the counters and authors
    /// seen or expected on policies. Guesses are marked in mdca-api.md.
    pub const DEFAULT_FIELDS: &'static [&'static str] = &[
        "_id",
        "_tid",
        "timestamp",
        "alertsCount",
        "createdBy",
        "modifiedBy",
        "lastModifiedBy",
    ];
    /// Change times only: `created`, `lastModified`, `lastUpdated`,
    /// `modified` or `updated`, alone or followed by Date, Time, Timestamp,
    /// DateTime, At or On. A setting named `createdAlerts` or `minCount` is compared.
    pub const DEFAULT_PATTERN: &'static str =
        "^(created|lastModified|lastUpdated|modified|updated)(Date|Time|Timestamp|DateTime|At|On)?$";

    pub fn contains(&self, live_field: &str) -> bool {
        self.fields.iter().any(|f| f == live_field)
            || self
                .pattern
                .as_ref()
                .is_some_and(|p| p.is_match(live_field))
    }

    /// The server-managed top-level fields of `policies`, sorted, once each:
    /// for the note each run prints.
    pub fn seen_in<'a>(&self, policies: impl IntoIterator<Item = &'a Value>) -> Vec<String> {
        let mut seen: Vec<String> = policies
            .into_iter()
            .filter_map(Value::as_object)
            .flat_map(|p| p.keys())
            .filter(|k| self.contains(k))
            .cloned()
            .collect();
        seen.sort();
        seen.dedup();
        seen
    }
}

impl Default for ServerManaged {
    fn default() -> Self {
        ServerManaged {
            fields: Self::DEFAULT_FIELDS.iter().map(|f| f.to_string()).collect(),
            pattern: Some(regex::Regex::new(Self::DEFAULT_PATTERN).expect("valid pattern")),
        }
    }
}

/// What a comparison leaves out: server-managed live fields and the field
/// paths `[drift] ignore` names.
#[derive(Debug, Clone, Default)]
pub struct Comparison {
    /// Field paths (TOML form, split: `["extra", "alertsPerUser"]`) never compared.
    pub ignore: Vec<Vec<String>>,
    pub server_managed: ServerManaged,
}

/// A modeled field's live value as its typed policy-file key holds it.
#[derive(Debug, Clone, PartialEq)]
pub enum Typed {
    /// Null or empty, which is the same as absent: the key is left out.
    Absent,
    /// What to write under the typed key, canonical (`"high"`, lower-case
    /// sorted addresses); the filters object as it came.
    Value(Value),
    /// The typed key cannot hold it: it is kept verbatim under `[extra]` by
    /// its live name. Says why.
    Verbatim(&'static str),
}

/// Whether `mapping`'s typed key can hold `raw` (a live value, or a value
/// read back from a policy file), and as what. One decision for import,
/// `suggest --adopt-live` and the loader, so they always agree.
pub fn typed(mapping: &FieldMapping, raw: &Value) -> Typed {
    let Some(canonical) = canonical(convert(mapping.convert, raw.clone())) else {
        return Typed::Absent;
    };
    let holds = match (mapping.convert, &canonical) {
        (Convert::Text | Convert::PolicyType, Value::String(_)) => Ok(()),
        (Convert::Text | Convert::PolicyType, _) => Err("it is not a string"),
        (Convert::Bool, Value::Bool(_)) => Ok(()),
        (Convert::Bool, _) => Err("it is not true or false"),
        (Convert::Integer, Value::Number(n)) if n.as_i64().is_some_and(|i| i >= 0) => Ok(()),
        (Convert::Integer, _) => Err("it is not a whole number of 0 or more"),
        (Convert::Severity, Value::String(s)) if PolicySeverity::parse(s).is_some() => Ok(()),
        (Convert::Severity, _) => {
            Err("it is not a severity casguard knows (0-3, or low, medium, high, informational)")
        }
        (Convert::AddressSet, Value::Array(items))
            if items
                .iter()
                .all(|i| i.as_str().is_some_and(is_email_address)) =>
        {
            Ok(())
        }
        (Convert::AddressSet, _) => Err("it is not a list of email addresses"),
        (Convert::Filters, Value::Object(_)) => return Typed::Value(raw.clone()),
        (Convert::Filters, _) => Err("it is not an object"),
        (Convert::Identity, Value::String(id))
            if id.len() == 24 && id.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            return Typed::Value(Value::String(id.to_ascii_lowercase()))
        }
        (Convert::Identity, _) => Err("it is not an id of 24 hexadecimal digits"),
    };
    match holds {
        Ok(()) => Typed::Value(canonical),
        Err(why) => Typed::Verbatim(why),
    }
}

/// The canonical form of a desired policy (as its rule-input document).
pub fn desired(policy: &crate::model::Policy, comparison: &Comparison) -> Value {
    let mut shaped = Map::new();
    let mut set = |path: &str, value: Value| insert_path(&mut shaped, &split_path(path), value);
    set("name", Value::String(policy.name.clone()));
    set("type", Value::String(policy.policy_type.as_str().into()));
    set("enabled", policy.enabled.map_or(Value::Null, Value::Bool));
    set(
        "severity",
        policy
            .severity
            .map_or(Value::Null, |s| Value::String(s.as_str().into())),
    );
    set(
        "description",
        policy
            .description
            .clone()
            .map_or(Value::Null, Value::String),
    );
    set(
        "alerts.enabled",
        policy.alerts.enabled.map_or(Value::Null, Value::Bool),
    );
    set(
        "alerts.email_recipients",
        Value::from(policy.alerts.email_recipients.clone()),
    );
    set(
        "alerts.daily_limit",
        policy.alerts.daily_limit.map_or(Value::Null, Value::from),
    );
    set("filters", Value::Object(policy.filters.clone()));
    // A modeled field kept verbatim under [extra] is compared at its own path.
    let mut extra = Map::new();
    for (key, value) in &policy.extra {
        match mapping_for_live_field(key) {
            Some(mapping) => set(mapping.toml_path, value.clone()),
            None => {
                extra.insert(key.clone(), value.clone());
            }
        }
    }
    set("extra", Value::Object(extra));
    finish(shaped, &comparison.ignore)
}

/// The canonical form of a raw live policy.
pub fn live(raw: &Map<String, Value>, comparison: &Comparison) -> Value {
    let mut shaped = Map::new();
    let mut extra = Map::new();
    for (key, value) in raw {
        match mapping_for_live_field(key) {
            Some(mapping) if mapping.convert == Convert::Identity => {}
            Some(mapping) => {
                insert_path(&mut shaped, &split_path(mapping.toml_path), value.clone())
            }
            None if comparison.server_managed.contains(key) => {}
            None => {
                extra.insert(key.clone(), value.clone());
            }
        }
    }
    shaped.insert("extra".into(), Value::Object(extra));
    finish(shaped, &comparison.ignore)
}

/// Applies every converter, drops ignored paths, prunes empties, sorts keys.
fn finish(mut shaped: Map<String, Value>, ignore: &[Vec<String>]) -> Value {
    for mapping in FIELD_MAP {
        let path = split_path(mapping.toml_path);
        if let Some(value) = take_path(&mut shaped, &path) {
            insert_path(&mut shaped, &path, convert(mapping.convert, value));
        }
    }
    for path in ignore {
        take_path(&mut shaped, path);
    }
    canonical(Value::Object(shaped)).unwrap_or_else(|| Value::Object(Map::new()))
}

fn convert(how: Convert, value: Value) -> Value {
    match (how, value) {
        (Convert::Text, Value::String(s)) => Value::String(s.trim().to_string()),
        (Convert::Severity, Value::Number(n)) => {
            let code = n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64);
            match code.and_then(PolicySeverity::from_live_code) {
                Some(severity) => Value::String(severity.as_str().into()),
                None => Value::Number(n),
            }
        }
        (Convert::Severity, Value::String(s)) => Value::String(
            PolicySeverity::parse(&s)
                .map_or_else(|| s.trim().to_ascii_lowercase(), |p| p.as_str().to_string()),
        ),
        (Convert::PolicyType, Value::String(s)) => {
            Value::String(PolicyTypeName::new(&s).as_str().to_string())
        }
        (Convert::AddressSet, Value::Array(items)) => mark_sets(Value::Array(
            items
                .into_iter()
                .map(|v| match v {
                    Value::String(s) => Value::String(s.trim().to_lowercase()),
                    other => other,
                })
                .collect(),
        )),
        (Convert::AddressSet | Convert::Filters, value) => mark_sets(value),
        (_, value) => value,
    }
}

/// Arrays to be compared as sets are wrapped so `canonical` sorts them.
const SET_MARKER: &str = "\u{0}set";

fn mark_sets(value: Value) -> Value {
    match value {
        Value::Array(items) => {
            let mut wrapped = Map::new();
            wrapped.insert(
                SET_MARKER.into(),
                Value::Array(items.into_iter().map(mark_sets).collect()),
            );
            Value::Object(wrapped)
        }
        Value::Object(map) => {
            Value::Object(map.into_iter().map(|(k, v)| (k, mark_sets(v))).collect())
        }
        other => other,
    }
}

/// Canonical value, or `None` when it is null or empty (absent).
fn canonical(value: Value) -> Option<Value> {
    match value {
        Value::Null => None,
        Value::String(s) if s.is_empty() => None,
        Value::Number(n) => Some(Value::Number(whole(n))),
        Value::Array(items) => {
            let items: Vec<Value> = items.into_iter().filter_map(canonical).collect();
            (!items.is_empty()).then_some(Value::Array(items))
        }
        Value::Object(mut map) => {
            if let Some(Value::Array(items)) = map.remove(SET_MARKER) {
                let mut items: Vec<(String, Value)> = items
                    .into_iter()
                    .filter_map(canonical)
                    .map(|v| (v.to_string(), v))
                    .collect();
                items.sort_by(|a, b| a.0.cmp(&b.0));
                items.dedup_by(|a, b| a.0 == b.0);
                return (!items.is_empty())
                    .then(|| Value::Array(items.into_iter().map(|(_, v)| v).collect()));
            }
            let mut entries: Vec<(String, Value)> = map
                .into_iter()
                .filter_map(|(k, v)| canonical(v).map(|v| (k, v)))
                .collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            (!entries.is_empty()).then(|| Value::Object(entries.into_iter().collect()))
        }
        other => Some(other),
    }
}

/// Whole floats become integers; integers beyond i64 (which a policy file
/// cannot hold, so they come back as floats) become floats.
fn whole(n: Number) -> Number {
    if n.is_u64() && n.as_i64().is_none() {
        return n.as_f64().and_then(Number::from_f64).unwrap_or(n);
    }
    match n.as_f64() {
        Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 9.0e15 => Number::from(f as i64),
        _ => n,
    }
}

/// Splits a TOML path (`filters."service.appId".eq`) into keys. Quoted
/// keys are read back as `textutil::join_path` writes them (Rust string
/// escapes: `\"`, `\\`, `\n`, `\u{1b}` ...).
pub fn split_path(path: &str) -> Vec<String> {
    let mut keys = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => quoted = !quoted,
            '\\' if quoted => match chars.next() {
                Some('n') => current.push('\n'),
                Some('r') => current.push('\r'),
                Some('t') => current.push('\t'),
                Some('0') => current.push('\0'),
                Some('u') if chars.peek() == Some(&'{') => {
                    chars.next();
                    let hex: String = chars.by_ref().take_while(|c| *c != '}').collect();
                    if let Some(c) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                        current.push(c);
                    }
                }
                Some(other) => current.push(other),
                None => {}
            },
            '.' if !quoted => keys.push(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }
    keys.push(current);
    keys
}

fn insert_path(map: &mut Map<String, Value>, path: &[String], value: Value) {
    match path {
        [] => {}
        [last] => {
            map.insert(last.clone(), value);
        }
        [first, rest @ ..] => {
            let child = map
                .entry(first.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            if !child.is_object() {
                *child = Value::Object(Map::new());
            }
            if let Value::Object(child) = child {
                insert_path(child, rest, value);
            }
        }
    }
}

fn take_path(map: &mut Map<String, Value>, path: &[String]) -> Option<Value> {
    match path {
        [] => None,
        [last] => map.remove(last),
        [first, rest @ ..] => match map.get_mut(first) {
            Some(Value::Object(child)) => take_path(child, rest),
            _ => None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn server_managed_fields() {
        let managed = ServerManaged::default();
        for field in [
            "_id",
            "_tid",
            "createdDate",
            "created",
            "lastModified",
            "lastUpdatedTimestamp",
            "modifiedBy",
            "alertsCount",
            "timestamp",
        ] {
            assert!(managed.contains(field), "{field}");
        }
        // Real settings that merely look like counters or start like a timestamp.
        for field in [
            "name",
            "filters",
            "alertsEnabled",
            "governanceActions",
            "counter",
            "minimumEventCount",
            "createdAlertsLimit",
            "modifiedFilesThreshold",
        ] {
            assert!(!managed.contains(field), "{field}");
        }
    }

    #[test]
    fn typed_keys_hold_what_they_can_and_nothing_else() {
        let verdict = |toml_path: &str, raw: Value| {
            let mapping = FIELD_MAP.iter().find(|m| m.toml_path == toml_path).unwrap();
            typed(mapping, &raw)
        };
        assert_eq!(verdict("severity", json!(2.0)), Typed::Value(json!("high")));
        assert_eq!(
            verdict("severity", json!(" HIGH")),
            Typed::Value(json!("high"))
        );
        assert!(matches!(verdict("severity", json!(5)), Typed::Verbatim(_)));
        assert!(matches!(
            verdict("alerts.daily_limit", json!("5")),
            Typed::Verbatim(_)
        ));
        assert!(matches!(
            verdict("alerts.daily_limit", json!(2.5)),
            Typed::Verbatim(_)
        ));
        assert!(matches!(
            verdict("alerts.daily_limit", json!(-1)),
            Typed::Verbatim(_)
        ));
        assert_eq!(
            verdict("alerts.daily_limit", json!(5.0)),
            Typed::Value(json!(5))
        );
        assert_eq!(
            verdict(
                "alerts.email_recipients",
                json!(["B@x.com", null, "a@x.com", "b@x.com"])
            ),
            Typed::Value(json!(["a@x.com", "b@x.com"]))
        );
        assert!(matches!(
            verdict("alerts.email_recipients", json!([{"address": "a@x.com"}])),
            Typed::Verbatim(_)
        ));
        assert!(matches!(
            verdict("filters", json!([1, 2])),
            Typed::Verbatim(_)
        ));
        assert!(matches!(
            verdict("description", json!({"x": 1})),
            Typed::Verbatim(_)
        ));
        assert_eq!(verdict("description", json!("  ")), Typed::Absent);
        assert!(matches!(
            verdict("enabled", json!("true")),
            Typed::Verbatim(_)
        ));
    }

    #[test]
    fn huge_integers_compare_as_the_floats_a_policy_file_keeps() {
        let live = json!({"name": "P", "big": u64::MAX});
        let read_back = json!({"name": "P", "big": u64::MAX as f64});
        let c = Comparison::default();
        assert_eq!(
            super::live(live.as_object().unwrap(), &c),
            super::live(read_back.as_object().unwrap(), &c)
        );
    }

    #[test]
    fn every_live_field_maps_once() {
        for m in FIELD_MAP {
            assert_eq!(
                mapping_for_live_field(m.live_field).unwrap().toml_path,
                m.toml_path
            );
        }
    }

    #[test]
    fn live_noise_disappears() {
        let a = json!({"_id": "1", "_tid": 5, "name": "P ", "policyType": "file", "severity": 2, "enabled": true,
            "alertEmailRecipients": ["B@x.com", "a@x.com", "a@x.com"], "description": null, "lastModified": 17,
            "filters": {"f": {"eq": [3, 1, 2.0]}, "empty": {}}, "scope": [], "custom": {"b": 1, "a": [2, 1]}});
        let b = json!({"name": "P", "policyType": "FILE", "severity": "HIGH", "enabled": true,
            "alertEmailRecipients": ["a@x.com", "b@x.com"], "filters": {"f": {"eq": [1, 2, 3]}},
            "custom": {"a": [2, 1], "b": 1.0}});
        assert_eq!(
            live(a.as_object().unwrap(), &Comparison::default()),
            live(b.as_object().unwrap(), &Comparison::default())
        );
        let canonical = live(a.as_object().unwrap(), &Comparison::default());
        assert_eq!(canonical["severity"], "high");
        assert_eq!(
            canonical["alerts"]["email_recipients"],
            json!(["a@x.com", "b@x.com"])
        );
        assert_eq!(
            canonical["extra"]["custom"]["a"],
            json!([2, 1]),
            "extra arrays keep their order"
        );
        assert!(canonical.get("description").is_none());
    }

    #[test]
    fn ignored_paths_are_dropped() {
        let raw = json!({"name": "P", "alertsPerUser": 3, "filters": {"x": {"eq": [1]}, "y": {"eq": [2]}}});
        let comparison = Comparison {
            ignore: vec![split_path("extra.alertsPerUser"), split_path("filters.x")],
            ..Comparison::default()
        };
        let canonical = live(raw.as_object().unwrap(), &comparison);
        assert_eq!(
            canonical,
            json!({"filters": {"y": {"eq": [2]}}, "name": "P"})
        );
    }

    #[test]
    fn paths_split_like_toml() {
        assert_eq!(
            split_path("filters.\"service.appId\".eq"),
            ["filters", "service.appId", "eq"]
        );
        assert_eq!(split_path("name"), ["name"]);
        for key in ["a\"b", "back\\slash", "new\nline", "esc\u{1b}", "", "é x.y"] {
            let path = crate::textutil::join_path("extra", key);
            assert_eq!(split_path(&path), ["extra", key], "{path}");
        }
    }
}
