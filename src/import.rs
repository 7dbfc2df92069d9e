//! Live policy -> policy file: the TOML text `import` writes and
//! `suggest --adopt-live` proposes for unmanaged policies. Pure.
//!
//! Documents are built with `toml_edit` (quoting, escaping and table layout
//! handled by the crate that also edits files in place) in a fixed order:
//! modeled fields, `[alerts]`, `[filters]`, `[extra]`, then a commented
//! `[meta]` to fill in. Same input, same bytes. Values go through the same
//! mapping table as drift (`normalize::FIELD_MAP`), so importing a snapshot
//! and comparing it with that snapshot shows no drift; JSON becomes TOML
//! through `json_to_toml`, the converter `suggest --adopt-live` uses too.

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use toml_edit::{DocumentMut, Item, Table};

use crate::json_to_toml;

pub use crate::model::Skipped;
use crate::model::{PolicySeverity, PolicyType};
use crate::normalize::{self, Convert};

/// One file to write: its path relative to the output folder, and its text.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyFile {
    pub path: String,
    pub text: String,
    pub name: String,
}

/// Renders every live policy as a policy file, with stable, collision-free
/// paths `<type>/<slug>.toml`.
pub fn render_all(live: &[Value], origin: Option<&str>) -> (Vec<PolicyFile>, Vec<Skipped>) {
    let mut sorted: Vec<&Map<String, Value>> = live.iter().filter_map(Value::as_object).collect();
    let key = |p: &Map<String, Value>| {
        let text = |k: &str| p.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        (
            text("policyType").trim().to_ascii_uppercase(),
            text("name").trim().to_lowercase(),
            text("_id"),
        )
    };
    sorted.sort_by_key(|p| key(p));
    let mut taken: BTreeMap<String, usize> = BTreeMap::new();
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    for raw in sorted {
        let (text, name, policy_type, mut skips) = render(raw, origin);
        skipped.append(&mut skips);
        let folder = slug(&policy_type);
        let base = format!(
            "{}/{}",
            if folder.is_empty() {
                "other".into()
            } else {
                folder
            },
            slug_or_default(&name)
        );
        let count = taken.entry(base.to_ascii_lowercase()).or_insert(0);
        *count += 1;
        let path = if *count == 1 {
            format!("{base}.toml")
        } else {
            format!("{base}-{count}.toml")
        };
        files.push(PolicyFile { path, text, name });
    }
    (files, skipped)
}

/// Renders one live policy; returns (text, name, type, skipped fields).
pub fn render(
    raw: &Map<String, Value>,
    origin: Option<&str>,
) -> (String, String, String, Vec<Skipped>) {
    let mut doc = DocumentMut::new();
    let mut skipped = Vec::new();
    let name = raw
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim()
        .to_string();
    let policy_type = raw
        .get("policyType")
        .and_then(Value::as_str)
        .map(|t| {
            PolicyType::parse(t)
                .map_or_else(|| t.trim().to_ascii_uppercase(), |p| p.as_str().to_string())
        })
        .unwrap_or_default();
    let mut skip = |field: &str, reason: &str| {
        skipped.push(Skipped {
            policy: name.clone(),
            field: field.to_string(),
            reason: reason.to_string(),
        })
    };
    doc["name"] = toml_edit::value(name.clone());
    doc["type"] = toml_edit::value(policy_type.clone());
    doc["enabled"] = toml_edit::value(raw.get("enabled").and_then(Value::as_bool).unwrap_or(false));
    if raw.get("enabled").is_some_and(|v| !v.is_boolean()) {
        skip("enabled", "not a boolean; written as false");
    }
    let (alerts, filters) = modeled_fields(raw, &mut doc, &mut skip);
    if !alerts.is_empty() {
        doc["alerts"] = Item::Table(alerts);
    }
    if let Some(filters) = filters {
        doc["filters"] = filters;
    }
    let extra: Map<String, Value> = raw
        .iter()
        .filter(|(k, v)| {
            normalize::mapping_for_live_field(k).is_none()
                && !normalize::is_server_managed(k)
                && !v.is_null()
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if !extra.is_empty() {
        let extra = json_to_toml::table(&extra);
        if !extra.is_empty() {
            doc["extra"] = Item::Table(extra);
        }
    }
    let mut text = String::new();
    match origin {
        Some(origin) => text.push_str(&format!("# Imported by casguard from {origin}.\n")),
        None => text.push_str("# Imported by casguard.\n"),
    }
    text.push_str(&doc.to_string());
    text.push_str("\n# [meta]\n# owner = \"team@example.com\"\n# last_reviewed = YYYY-MM-DD\n# review_interval_days = 90\n");
    (text, name, policy_type, skipped)
}

/// The modeled fields other than name, type and enabled, through the one
/// mapping table: top-level ones into `doc`; returns `[alerts]` and
/// `[filters]`. Values the typed form cannot hold are reported to `skip`.
fn modeled_fields(
    raw: &Map<String, Value>,
    doc: &mut DocumentMut,
    skip: &mut dyn FnMut(&str, &str),
) -> (Table, Option<Item>) {
    let mut alerts = Table::new();
    let mut filters: Option<Item> = None;
    for mapping in normalize::FIELD_MAP {
        let Some(value) = raw.get(mapping.live_field).filter(|v| !v.is_null()) else {
            continue;
        };
        match (mapping.convert, mapping.toml_path) {
            (_, "name" | "type" | "enabled") => {}
            (Convert::Identity, _) => {
                if let Some(id) = value.as_str() {
                    doc["id"] = toml_edit::value(id.to_ascii_lowercase());
                }
            }
            (Convert::Severity, _) => match severity(value) {
                Some(s) => doc["severity"] = toml_edit::value(s.as_str()),
                None => skip(mapping.live_field, "not a known severity"),
            },
            (Convert::Text, path) => match value.as_str() {
                Some(text) if !text.trim().is_empty() => doc[path] = toml_edit::value(text.trim()),
                Some(_) => {}
                None => skip(mapping.live_field, "not a string"),
            },
            (Convert::Filters, _) => match value {
                Value::Object(map) if !map.is_empty() => {
                    filters = Some(Item::Table(json_to_toml::table(map)))
                }
                Value::Object(_) => {}
                _ => skip(mapping.live_field, "not an object"),
            },
            (_, path) => {
                let key = path.trim_start_matches("alerts.");
                match (mapping.convert, value) {
                    (Convert::Bool, Value::Bool(b)) => {
                        alerts[key] = toml_edit::value(*b);
                    }
                    (Convert::Integer, Value::Number(n))
                        if n.as_f64().is_some_and(|f| f.fract() == 0.0) =>
                    {
                        alerts[key] = toml_edit::value(n.as_f64().unwrap_or_default() as i64);
                    }
                    (Convert::AddressSet, Value::Array(items))
                        if items.iter().all(Value::is_string) =>
                    {
                        if !items.is_empty() {
                            alerts[key] = Item::Value(toml_edit::Value::Array(
                                items
                                    .iter()
                                    .filter_map(Value::as_str)
                                    .map(str::trim)
                                    .collect(),
                            ));
                        }
                    }
                    _ => skip(mapping.live_field, "unexpected type"),
                }
            }
        }
    }
    (alerts, filters)
}

fn severity(value: &Value) -> Option<PolicySeverity> {
    match value {
        Value::Number(n) => n
            .as_f64()
            .filter(|f| f.fract() == 0.0)
            .and_then(|f| PolicySeverity::from_live_code(f as i64)),
        Value::String(s) => PolicySeverity::parse(s),
        _ => None,
    }
}

/// A file-system-safe slug (Windows too): lower-case ASCII letters, digits
/// and single dashes.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let mut out = out.trim_end_matches('-').to_string();
    if out.len() > 80 {
        out.truncate(80);
        out = out.trim_end_matches('-').to_string();
    }
    out
}

fn slug_or_default(name: &str) -> String {
    const RESERVED: &[&str] = &[
        "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
        "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
    ];
    let slug = slug(name);
    if slug.is_empty() {
        "policy".into()
    } else if RESERVED.contains(&slug.as_str()) {
        format!("{slug}-policy")
    } else {
        slug
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn slugs_are_safe() {
        assert_eq!(
            slug("Mass download by a single user"),
            "mass-download-by-a-single-user"
        );
        assert_eq!(slug("  «Café» / \"quotes\" & CON "), "caf-quotes-con");
        assert_eq!(slug_or_default("CON"), "con-policy");
        assert_eq!(slug_or_default("日本語"), "policy");
        assert_eq!(slug("ANOMALY_DETECTION"), "anomaly-detection");
    }

    #[test]
    fn collisions_get_numbers_and_output_is_deterministic() {
        let live = vec![
            json!({"_id": "b", "name": "Same name", "policyType": "FILE", "enabled": true}),
            json!({"_id": "a", "name": "Same  name", "policyType": "FILE", "enabled": true}),
        ];
        let (files, _) = render_all(&live, None);
        let paths: Vec<_> = files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["file/same-name.toml", "file/same-name-2.toml"]);
        assert_eq!(render_all(&live, None).0, files);
    }

    #[test]
    fn renders_every_part_in_order() {
        let raw = json!({"_id": "5F01DCE13DE79160FBEC4150", "_tid": 1, "name": "Say \"hi\" — ünïcode", "policyType": "file", "enabled": true,
            "severity": 2, "description": "d", "alertsEnabled": true, "alertEmailRecipients": ["soc@contoso.com"], "dailyAlertLimit": 5,
            "filters": {"service.appId": {"eq": [1, 2]}}, "governanceActions": [{"type": "Quarantine", "params": null}], "scope": null,
            "lastModified": 17});
        let (text, ..) = render(raw.as_object().unwrap(), Some("snap.json"));
        let (policy, findings, _) = crate::load::parse_policy_text("x.toml", &text);
        assert!(findings.is_empty(), "{findings:?}\n{text}");
        let policy = policy.unwrap();
        assert_eq!(policy.name, "Say \"hi\" — ünïcode");
        assert_eq!(policy.id.as_deref(), Some("5f01dce13de79160fbec4150"));
        let order: Vec<usize> = [
            "name =",
            "[alerts]",
            "[filters.\"service.appId\"]",
            "[[extra.governanceActions]]",
            "# [meta]",
        ]
        .iter()
        .map(|s| text.find(s).unwrap())
        .collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{text}");
        assert!(!text.contains("lastModified") && !text.contains("scope"));
    }
}
