//! The shape report (`casguard shape SNAPSHOT`): which live fields a
//! snapshot holds, of which JSON types, how often, and how casguard maps
//! each one: for policies (per policy type) modeled, server-managed or kept
//! verbatim under `[extra]`; for ops resources, read by which check as what,
//! or not read. Fields a check needs and cannot find are listed too.
//!
//! It exists to be pasted into a bug report so the field tables can be
//! corrected, so it shows no values at all, and field names that could be
//! data (an address, an id, free text used as a key) are masked.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::live::snapshot::{ResourceStatus, Snapshot};
use crate::model::{ShapeField, ShapeOutcome, ShapeSection};
use crate::ops::fields::{self, TABLES};

/// How deep nested objects are described (`api.isConnected` is depth 2).
const MAX_DEPTH: usize = 3;

/// Counts per field path: items that have it, and its JSON types.
#[derive(Default)]
struct Seen {
    items: usize,
    types: BTreeMap<&'static str, usize>,
}

pub fn shape(snapshot: &Snapshot, source: &str) -> ShapeOutcome {
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
                    let mapping = policy_mapping(&path);
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

fn policy_mapping(path: &str) -> String {
    if path.contains('.') {
        return "inside its parent field".into();
    }
    if let Some(mapping) = crate::normalize::mapping_for_live_field(path) {
        return format!("modeled as `{}`", mapping.toml_path);
    }
    if crate::normalize::is_server_managed(path) {
        return "server-managed, not compared".into();
    }
    format!("kept verbatim as `extra.{path}`")
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
        let outcome = shape(&snapshot, "t");
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
