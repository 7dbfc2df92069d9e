//! The shape report (`casguard shape SNAPSHOT`): which live fields a
//! snapshot holds, of which JSON types, how often, and how casguard maps
//! each one: for policies (per policy type) modeled, server-managed or kept
//! verbatim under `[extra]`; for ops resources, read by which check as what,
//! or not read. Fields a check needs and cannot find are listed too.
//!
//! It exists to be pasted into a bug report so the field tables can be
//! corrected, so it shows no values at all, and field names that could be
//! data (an address, an id, free text used as a key) are masked.
//!
//! `live_notes` is the short form every command that reads policies prints
//! once per run (fetch, drift, import): which live fields were ignored as
//! server-managed, which casguard does not model, and which modeled ones
//! came with a type their policy-file key cannot hold.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::live::snapshot::{ResourceStatus, Snapshot};
use crate::model::{ShapeField, ShapeOutcome, ShapeSection};
use crate::normalize::{self, Comparison, Typed};
use crate::ops::fields::{self, TABLES};

/// How deep nested objects are described (`api.isConnected` is depth 2).
const MAX_DEPTH: usize = 3;

/// Counts per field path: items that have it, and its JSON types.
#[derive(Default)]
struct Seen {
    items: usize,
    types: BTreeMap<&'static str, usize>,
}

pub fn shape(snapshot: &Snapshot, source: &str, comparison: &Comparison) -> ShapeOutcome {
    let mut sections = Vec::new();
    if snapshot.has_policies() {
        let mut by_type: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
        for policy in &snapshot.policies {
            let kind = policy
                .get("policyType")
                .and_then(Value::as_str)
                .map(mask_word)
                .unwrap_or_else(|| "(no policyType)".into());
            by_type.entry(kind).or_default().push(policy);
        }
        for (kind, policies) in by_type {
            let seen = walk(policies.iter().copied());
            let fields = seen
                .into_iter()
                .map(|(path, seen)| {
                    let mapping = policy_mapping(&path, &policies, comparison);
                    field(path, seen, mapping)
                })
                .collect();
            sections.push(ShapeSection {
                title: format!("policies of type {kind}"),
                items: policies.len(),
                fields,
                notes: Vec::new(),
            });
        }
    }
    let refused = crate::live::policy_problems(&snapshot.policies);
    if !refused.is_empty() {
        sections.push(ShapeSection {
            title: "policies casguard refuses".into(),
            items: refused.len(),
            fields: Vec::new(),
            notes: refused,
        });
    }
    for (name, resource) in &snapshot.resources {
        if name == crate::live::snapshot::POLICIES {
            continue;
        }
        if resource.status != ResourceStatus::Ok {
            sections.push(ShapeSection {
                title: format!("resource {name}"),
                items: 0,
                fields: Vec::new(),
                notes: vec![format!(
                    "not read: {}",
                    resource.detail.as_deref().unwrap_or("no details")
                )],
            });
            continue;
        }
        sections.push(resource_section(name, &resource.items));
    }
    ShapeOutcome {
        source: source.to_string(),
        fetched_at: snapshot.fetched_at.clone(),
        sections,
    }
}

fn resource_section(name: &str, items: &[Value]) -> ShapeSection {
    let seen = walk(items.iter());
    let tables: Vec<_> = TABLES.iter().filter(|t| t.0 == name).collect();
    let fields = seen
        .into_iter()
        .map(|(path, seen)| {
            let mapping = tables
                .iter()
                .find_map(|(_, prefix, checks, table)| {
                    table.iter().find_map(|f| {
                        f.names
                            .iter()
                            .any(|n| joined(prefix, n) == path)
                            .then(|| format!("read by {checks} as {}", f.concept))
                    })
                })
                .unwrap_or_else(|| "kept verbatim, not read".into());
            field(path, seen, mapping)
        })
        .collect();
    let mut notes = Vec::new();
    for (_, prefix, checks, table) in &tables {
        let scope: Vec<Value> = if prefix.is_empty() {
            items.to_vec()
        } else {
            let key = prefix.trim_end_matches("[]");
            items
                .iter()
                .filter_map(|i| i.get(key).and_then(Value::as_array))
                .flatten()
                .cloned()
                .collect()
        };
        let reader = fields::Reader::new("this resource", &scope);
        for field in table.iter() {
            if reader.need(field).is_err() {
                notes.push(format!(
                    "unavailable: field {} not found (tried {}) — needed by {checks}{}",
                    field.concept,
                    field
                        .names
                        .iter()
                        .map(|n| joined(prefix, n))
                        .collect::<Vec<_>>()
                        .join(", "),
                    if field.verified {
                        ""
                    } else {
                        "; the names are guesses"
                    }
                ));
            }
        }
    }
    if name == "api_tokens" {
        notes.push("token values are never stored: fields that looked like one were replaced when the snapshot was written".into());
    }
    ShapeSection {
        title: format!("resource {name}"),
        items: items.len(),
        fields,
        notes,
    }
}

fn joined(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

fn field(path: String, seen: Seen, mapping: String) -> ShapeField {
    ShapeField {
        path,
        seen: seen.items,
        types: seen
            .types
            .into_iter()
            .map(|(t, n)| format!("{t} ({n})"))
            .collect(),
        mapping,
    }
}

fn policy_mapping(path: &str, policies: &[&Value], comparison: &Comparison) -> String {
    if path.contains('.') {
        return "inside its parent field".into();
    }
    if let Some(mapping) = normalize::mapping_for_live_field(path) {
        let verbatim = verbatim_values(mapping, policies.iter().copied());
        if verbatim.is_empty() {
            return format!("modeled as `{}`", mapping.toml_path);
        }
        let reasons: Vec<String> = verbatim
            .iter()
            .map(|(why, n)| format!("{} ({why})", crate::model::plural(*n, "item")))
            .collect();
        return format!(
            "modeled as `{}`; kept verbatim as `extra.{path}` for {}",
            mapping.toml_path,
            reasons.join(", ")
        );
    }
    if comparison.server_managed.contains(path) {
        return "server-managed, not compared".into();
    }
    format!("kept verbatim as `extra.{path}`")
}

/// How many of `policies` hold `mapping`'s field in a type its typed key
/// cannot hold, per reason.
fn verbatim_values<'a>(
    mapping: &normalize::FieldMapping,
    policies: impl Iterator<Item = &'a Value>,
) -> BTreeMap<&'static str, usize> {
    let mut reasons = BTreeMap::new();
    for value in policies.filter_map(|p| p.get(mapping.live_field)) {
        if let Typed::Verbatim(why) = normalize::typed(mapping, value) {
            *reasons.entry(why).or_default() += 1;
        }
    }
    reasons
}

/// What a run over these live policies should say once: the fields ignored
/// as server-managed, the fields casguard does not model (with their JSON
/// types), and the modeled fields whose values came in a type their typed
/// key cannot hold. Names only (masked when they look like data), no values.
pub fn live_notes(policies: &[Value], comparison: &Comparison) -> Vec<String> {
    let mut notes = Vec::new();
    let managed = comparison.server_managed.seen_in(policies);
    if !managed.is_empty() {
        notes.push(format!(
            "live fields ignored as server-managed (never compared): {}; `server_managed` under [drift] changes the list",
            managed.join(", ")
        ));
    }
    let mut unmodeled: BTreeMap<String, BTreeMap<&'static str, usize>> = BTreeMap::new();
    for policy in policies.iter().filter_map(Value::as_object) {
        for (key, value) in policy {
            if normalize::mapping_for_live_field(key).is_none()
                && !comparison.server_managed.contains(key)
            {
                *unmodeled
                    .entry(mask_key(key))
                    .or_default()
                    .entry(json_type(value))
                    .or_default() += 1;
            }
        }
    }
    if !unmodeled.is_empty() {
        let fields: Vec<String> = unmodeled
            .iter()
            .map(|(name, types)| {
                let types: Vec<&str> = types.keys().copied().collect();
                format!("{name} ({})", types.join(", "))
            })
            .collect();
        notes.push(format!(
            "live fields casguard does not model, kept verbatim under [extra] and compared as they are: {}",
            fields.join(", ")
        ));
    }
    let mut odd = Vec::new();
    for mapping in normalize::FIELD_MAP {
        let verbatim = verbatim_values(mapping, policies.iter());
        let count: usize = verbatim.values().sum();
        if count > 0 {
            let reasons: Vec<&str> = verbatim.keys().copied().collect();
            odd.push(format!(
                "{} in {} ({})",
                mapping.live_field,
                crate::model::plural(count, "policy"),
                reasons.join("; ")
            ));
        }
    }
    if !odd.is_empty() {
        notes.push(format!(
            "modeled live fields with a type casguard did not expect, kept verbatim under [extra] by their live names: {}",
            odd.join(", ")
        ));
    }
    if !unmodeled.is_empty() || !odd.is_empty() {
        notes.push("`casguard shape SNAPSHOT` lists every field, its types and how it is mapped, without values; paste it into a bug report to correct the field table".into());
    }
    notes
}

/// Every field path of `items`, with how many items have it and its types.
fn walk<'a>(items: impl Iterator<Item = &'a Value>) -> BTreeMap<String, Seen> {
    let mut out: BTreeMap<String, Seen> = BTreeMap::new();
    for item in items {
        let mut paths: BTreeMap<String, Vec<&'static str>> = BTreeMap::new();
        collect(item, "", 1, &mut paths);
        for (path, types) in paths {
            let seen = out.entry(path).or_default();
            seen.items += 1;
            for t in types {
                *seen.types.entry(t).or_default() += 1;
            }
        }
    }
    out
}

fn collect(
    value: &Value,
    prefix: &str,
    depth: usize,
    out: &mut BTreeMap<String, Vec<&'static str>>,
) {
    let Value::Object(object) = value else {
        return;
    };
    for (key, child) in object {
        let path = joined(prefix, &mask_key(key));
        out.entry(path.clone()).or_default().push(json_type(child));
        if depth >= MAX_DEPTH {
            continue;
        }
        match child {
            Value::Object(_) => collect(child, &path, depth + 1, out),
            Value::Array(items) => {
                let inner = format!("{path}[]");
                for item in items.iter().filter(|i| i.is_object()) {
                    collect(item, &inner, depth + 1, out);
                }
            }
            _ => {}
        }
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A key that may be data rather than a name: an address, text with spaces,
/// something long or id-like.
fn mask_key(key: &str) -> String {
    let looks_like_data = key.contains('@')
        || key.contains(char::is_whitespace)
        || key.chars().count() > 40
        || (key.len() >= 16 && key.chars().all(|c| c.is_ascii_hexdigit() || c == '-'))
        || key.chars().any(|c| c.is_control());
    if looks_like_data {
        "<key>".into()
    } else {
        key.to_string()
    }
}

/// A policy type as a heading: short upper-case words only, else masked.
fn mask_word(text: &str) -> String {
    if text.len() <= 40 && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        text.to_string()
    } else {
        "<unusual policyType>".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shows_no_values_and_masks_data_keys() {
        let snapshot = Snapshot::from_value(
            json!([{"_id": "5f01", "name": "Secret project", "policyType": "FILE", "alertEmailRecipients": ["ceo@contoso.com"],
                    "customData": {"ceo@contoso.com": true, "x": {"y": 1}}, "createdAt": 1}]),
            "t",
        )
        .unwrap();
        let outcome = shape(&snapshot, "t", &Comparison::default());
        let text = format!("{outcome:?}");
        assert!(!text.contains("ceo@contoso.com"));
        assert!(!text.contains("Secret project"));
        let section = &outcome.sections[0];
        assert_eq!(section.title, "policies of type FILE");
        let mapping = |path: &str| {
            section
                .fields
                .iter()
                .find(|f| f.path == path)
                .map(|f| f.mapping.clone())
        };
        assert_eq!(
            mapping("alertEmailRecipients").unwrap(),
            "modeled as `alerts.email_recipients`"
        );
        assert_eq!(
            mapping("createdAt").unwrap(),
            "server-managed, not compared"
        );
        assert_eq!(
            mapping("customData").unwrap(),
            "kept verbatim as `extra.customData`"
        );
        assert!(mapping("customData.<key>").is_some());
    }
}
