//! The canonical form desired and live policies are compared in, and the one
//! table that maps policy-file (TOML) fields to live MDCA JSON fields.
//!
//! The live policy JSON is only partly documented (mdca-api.md section 4), so
//! every assumption about field names lives in `FIELD_MAP`, with its status
//! and its converter, and is corrected in one place when a real tenant shows
//! otherwise. Server-managed fields are dropped by `is_server_managed`, not by
//! user exclude lists.
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

use crate::model::{PolicySeverity, PolicyType};

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
}

/// TOML path <-> live JSON field, per DESIGN.md "Concepts".
pub const FIELD_MAP: &[FieldMapping] = &[
    FieldMapping {
        toml_path: "id",
        live_field: "_id",
        evidence: Evidence::Verified,
        convert: Convert::Identity,
    },
    FieldMapping {
        toml_path: "name",
        live_field: "name",
        evidence: Evidence::Verified,
        convert: Convert::Text,
    },
    FieldMapping {
        toml_path: "type",
        live_field: "policyType",
        evidence: Evidence::Verified,
        convert: Convert::PolicyType,
    },
    FieldMapping {
        toml_path: "enabled",
        live_field: "enabled",
        evidence: Evidence::Verified,
        convert: Convert::Bool,
    },
    FieldMapping {
        toml_path: "severity",
        live_field: "severity",
        evidence: Evidence::Verified,
        convert: Convert::Severity,
    },
    FieldMapping {
        toml_path: "description",
        live_field: "description",
        evidence: Evidence::Verified,
        convert: Convert::Text,
    },
    FieldMapping {
        toml_path: "alerts.enabled",
        live_field: "alertsEnabled",
        evidence: Evidence::Verified,
        convert: Convert::Bool,
    },
    FieldMapping {
        toml_path: "alerts.email_recipients",
        live_field: "alertEmailRecipients",
        evidence: Evidence::Assumed,
        convert: Convert::AddressSet,
    },
    FieldMapping {
        toml_path: "alerts.daily_limit",
        live_field: "dailyAlertLimit",
        evidence: Evidence::Assumed,
        convert: Convert::Integer,
    },
    FieldMapping {
        toml_path: "filters",
        live_field: "filters",
        evidence: Evidence::Verified,
        convert: Convert::Filters,
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

/// Live fields the server manages (ids, tenant ids, timestamps, counters):
/// never part of desired state and dropped before comparing.
pub fn is_server_managed(live_field: &str) -> bool {
    const EXACT: &[&str] = &["_id", "_tid", "timestamp"];
    const PREFIXES: &[&str] = &["created", "lastModified", "lastUpdated", "modified"];
    EXACT.contains(&live_field)
        || PREFIXES.iter().any(|p| live_field.starts_with(p))
        || live_field.ends_with("Count")
}

/// The canonical form of a desired policy (as its rule-input document).
pub fn desired(policy: &crate::model::Policy, ignore: &[Vec<String>]) -> Value {
    let mut shaped = Map::new();
    let mut set = |path: &str, value: Value| insert_path(&mut shaped, &split_path(path), value);
    set("name", Value::String(policy.name.clone()));
    set("type", Value::String(policy.policy_type.as_str().into()));
    set("enabled", Value::Bool(policy.enabled));
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
    set("extra", Value::Object(policy.extra.clone()));
    finish(shaped, ignore)
}

/// The canonical form of a raw live policy.
pub fn live(raw: &Map<String, Value>, ignore: &[Vec<String>]) -> Value {
    let mut shaped = Map::new();
    let mut extra = Map::new();
    for (key, value) in raw {
        match mapping_for_live_field(key) {
            Some(mapping) if mapping.convert == Convert::Identity => {}
            Some(mapping) => {
                insert_path(&mut shaped, &split_path(mapping.toml_path), value.clone())
            }
            None if is_server_managed(key) => {}
            None => {
                extra.insert(key.clone(), value.clone());
            }
        }
    }
    shaped.insert("extra".into(), Value::Object(extra));
    finish(shaped, ignore)
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
        (Convert::PolicyType, Value::String(s)) => Value::String(
            PolicyType::parse(&s)
                .map_or_else(|| s.trim().to_ascii_uppercase(), |p| p.as_str().to_string()),
        ),
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

fn whole(n: Number) -> Number {
    match n.as_f64() {
        Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 9.0e15 => Number::from(f as i64),
        _ => n,
    }
}

/// Splits a TOML path (`filters."service.appId".eq`) into keys.
pub fn split_path(path: &str) -> Vec<String> {
    let mut keys = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => quoted = !quoted,
            '\\' if quoted => {
                if let Some(next) = chars.next() {
                    current.push(next);
                }
            }
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
        for field in [
            "_id",
            "_tid",
            "createdDate",
            "lastModified",
            "lastUpdatedTimestamp",
            "modifiedBy",
            "alertsCount",
            "timestamp",
        ] {
            assert!(is_server_managed(field), "{field}");
        }
        for field in [
            "name",
            "filters",
            "alertsEnabled",
            "governanceActions",
            "counter",
        ] {
            assert!(!is_server_managed(field), "{field}");
        }
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
            live(a.as_object().unwrap(), &[]),
            live(b.as_object().unwrap(), &[])
        );
        let canonical = live(a.as_object().unwrap(), &[]);
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
        let ignore = vec![split_path("extra.alertsPerUser"), split_path("filters.x")];
        let canonical = live(raw.as_object().unwrap(), &ignore);
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
    }
}
