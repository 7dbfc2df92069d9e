//! JSON Schema of the policy file format (v1), for editor completion and
//! validation (taplo / Even Better TOML read JSON Schemas for TOML files).
//!
//! Generated with `schemars` from the mirror types below. The loader
//! validates by hand (see `load`), so a test checks that both know the same
//! keys; enum values come from the model's own lists.

use schemars::JsonSchema;
use serde_json::{json, Map, Value};

use crate::model::{PolicySeverity, PolicyType};

/// A casguard policy file (format v1): one Microsoft Defender for Cloud Apps policy.
#[allow(dead_code)]
#[derive(JsonSchema)]
#[schemars(title = "casguard policy file (format v1)", deny_unknown_fields)]
struct PolicyFile {
    /// Policy name as shown in the Defender portal. Matched with the tenant by (type, name), ignoring case.
    name: String,
    /// MDCA policy type (`policyType` in the API). Types casguard does not know are kept (lint warns, CAS005).
    #[serde(rename = "type")]
    policy_type: String,
    /// Whether the policy is enabled in the tenant. Left out only when the live policy has no `enabled` field (lint warns, CAS006).
    enabled: Option<bool>,
    /// Policy severity.
    severity: Option<String>,
    /// What the policy detects and why; shown in the portal and in alerts.
    description: Option<String>,
    /// Pins this file to a live policy `_id` (24 hexadecimal digits).
    #[schemars(regex(pattern = r"^[0-9a-fA-F]{24}$"))]
    id: Option<String>,
    alerts: Option<AlertsTable>,
    /// The live `filters` object, field -> operator -> value(s). Value lists are compared as sets.
    filters: Option<Map<String, Value>>,
    /// Live fields casguard does not model, under their live names, compared verbatim; also a modeled field whose live value its typed key cannot hold (e.g. `severity = 5`).
    extra: Option<Map<String, Value>>,
    meta: Option<MetaTable>,
}

/// Alert settings.
#[allow(dead_code)]
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
struct AlertsTable {
    /// Whether the policy raises alerts (`alertsEnabled`).
    enabled: Option<bool>,
    /// Addresses alert emails go to; compared as a set.
    email_recipients: Option<Vec<String>>,
    /// Most alerts per day.
    #[schemars(range(min = 0))]
    daily_limit: Option<i64>,
}

/// Governance metadata: never sent to or compared with the tenant. Other keys are allowed.
#[allow(dead_code)]
#[derive(JsonSchema)]
struct MetaTable {
    /// Person or team accountable for the policy.
    owner: Option<String>,
    /// Date of the last review (a TOML date such as 2026-09-30).
    #[schemars(extend("format" = "date"))]
    last_reviewed: Option<String>,
    /// Review cadence for this policy, in days (default from casguard.toml, else 90).
    #[schemars(range(min = 1, max = 3650))]
    review_interval_days: Option<i64>,
    /// Why the policy is disabled; required when `enabled = false`.
    disabled_reason: Option<String>,
}

/// The schema as JSON.
pub fn policy_schema() -> Value {
    let mut schema =
        serde_json::to_value(schemars::schema_for!(PolicyFile)).expect("schema serializes");
    schema["$id"] = json!("https://casguard.dev/schema/policy-v1.json");
    let properties = &mut schema["properties"];
    // The known types complete in editors; any other non-empty string is valid.
    let description = properties["type"]["description"].clone();
    properties["type"] = json!({
        "description": description,
        "anyOf": [
            {"enum": PolicyType::allowed()},
            {"type": "string", "minLength": 1},
        ],
    });
    let mut severities: Vec<Value> = PolicySeverity::allowed()
        .into_iter()
        .map(Value::from)
        .collect();
    severities.push(Value::Null);
    properties["severity"]["enum"] = Value::Array(severities);
    schema
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(object: &Value) -> Vec<String> {
        let mut keys: Vec<String> = object.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    }

    #[test]
    fn schema_and_loader_know_the_same_keys() {
        let schema = policy_schema();
        let defs = &schema["$defs"];
        for (table, known) in crate::load::known_keys() {
            let properties = match table {
                "" => &schema["properties"],
                "alerts" => &defs["AlertsTable"]["properties"],
                _ => &defs["MetaTable"]["properties"],
            };
            let mut expected: Vec<String> = known.iter().map(|k| k.to_string()).collect();
            expected.sort();
            assert_eq!(keys(properties), expected, "table `{table}`");
        }
        assert_eq!(schema["required"], json!(["name", "type"]));
    }
}
