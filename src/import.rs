//! Live policy -> policy file: the TOML text `import` writes and
//! `suggest --adopt-live` proposes for unmanaged policies. Pure.
//!
//! Documents are built with `toml_edit` (quoting, escaping and table layout
//! handled by the crate that also edits files in place) in a fixed order:
//! modeled fields, `[alerts]`, `[filters]`, `[extra]`, then a commented
//! `[meta]` to fill in (or the `[meta]` of the file being replaced). Same
//! input, same bytes. Values go through the same mapping table as drift
//! (`normalize::FIELD_MAP`) and are written in canonical spelling, so the
//! files are clean on the fixable rules; a modeled value its typed key
//! cannot hold is kept verbatim under `[extra]`, with a comment saying why
//! (`normalize::typed` decides). So importing any snapshot and comparing it
//! with that snapshot shows no drift. JSON becomes TOML through
//! `json_to_toml`, the converter `suggest --adopt-live` uses too.

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use toml_edit::{DocumentMut, Item, Table};

use crate::json_to_toml;

pub use crate::model::ImportNote;
use crate::model::PolicyTypeName;
use crate::normalize::{self, Comparison, Typed};

/// One file to write: its path relative to the output folder, and its text.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyFile {
    pub path: String,
    pub text: String,
    pub name: String,
}

/// What every rendered file shares.
#[derive(Debug, Clone, Copy)]
pub struct RenderOptions<'a> {
    /// Where the live state came from, for the file's first comment.
    pub origin: Option<&'a str>,
    /// Which live fields are server-managed (left out of the file).
    pub comparison: &'a Comparison,
    /// The domain of the `[meta]` template's example owner: one that
    /// `allowed_email_domains` allows.
    pub owner_domain: &'a str,
}

impl RenderOptions<'_> {
    /// The example owner's domain: the first allowed one, else example.com.
    pub fn owner_domain(allowed: &[String]) -> &str {
        allowed.first().map_or("example.com", String::as_str)
    }
}

/// Renders every live policy as a policy file, with stable, collision-free
/// paths `<type>/<slug>.toml`. `meta_of(path)` gives the `[meta]` to keep
/// for a file that replaces one at that path (`import --force`).
pub fn render_all(
    live: &[Value],
    options: RenderOptions<'_>,
    meta_of: &dyn Fn(&str) -> Option<Item>,
) -> (Vec<PolicyFile>, Vec<ImportNote>) {
    let mut sorted: Vec<&Map<String, Value>> = live.iter().filter_map(Value::as_object).collect();
    let key = |p: &Map<String, Value>| {
        let text = |k: &str| p.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        (
            PolicyTypeName::new(&text("policyType")),
            text("name").trim().to_lowercase(),
            text("_id"),
        )
    };
    sorted.sort_by_key(|p| key(p));
    let mut taken: BTreeMap<String, usize> = BTreeMap::new();
    let mut files = Vec::new();
    let mut notes = Vec::new();
    for raw in sorted {
        let stem = path_stem(raw);
        let count = taken.entry(stem.to_ascii_lowercase()).or_insert(0);
        *count += 1;
        let path = if *count == 1 {
            format!("{stem}.toml")
        } else {
            format!("{stem}-{count}.toml")
        };
        let mut rendered = render(raw, options, meta_of(&path).as_ref());
        notes.append(&mut rendered.notes);
        files.push(PolicyFile {
            path,
            text: rendered.text,
            name: rendered.name,
        });
    }
    (files, notes)
}

/// One live policy as a policy file.
pub struct Rendered {
    pub text: String,
    pub name: String,
    /// Fields kept verbatim, or left out, and why.
    pub notes: Vec<ImportNote>,
}

/// `<type>/<slug>` of a live policy, without `.toml` or a number.
fn path_stem(raw: &Map<String, Value>) -> String {
    let text = |k: &str| raw.get(k).and_then(Value::as_str).unwrap_or("");
    let folder = slug(PolicyTypeName::new(text("policyType")).as_str());
    format!(
        "{}/{}",
        if folder.is_empty() {
            "other".into()
        } else {
            folder
        },
        slug_or_default(text("name").trim())
    )
}

/// Renders one live policy. `meta` is the `[meta]` table of the file it
/// replaces (`import --force`), kept as it is; without one, a commented
/// template follows.
pub fn render(
    raw: &Map<String, Value>,
    options: RenderOptions<'_>,
    meta: Option<&Item>,
) -> Rendered {
    let mut doc = DocumentMut::new();
    let mut notes = Vec::new();
    let name = raw
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim()
        .to_string();
    let policy_type =
        PolicyTypeName::new(raw.get("policyType").and_then(Value::as_str).unwrap_or(""));
    let mut note = |field: &str, detail: String| {
        notes.push(ImportNote {
            policy: name.clone(),
            field: field.to_string(),
            detail,
        })
    };
    doc["name"] = toml_edit::value(name.clone());
    doc["type"] = toml_edit::value(policy_type.as_str());
    let mut alerts = Table::new();
    let mut filters = None;
    let mut extra: Map<String, Value> = Map::new();
    let mut verbatim: BTreeMap<&str, &str> = BTreeMap::new();
    for mapping in normalize::FIELD_MAP {
        let Some(value) = raw.get(mapping.live_field) else {
            if mapping.toml_path == "enabled" {
                note(
                    "enabled",
                    "the live policy has no `enabled` field, so the file leaves it out (CAS006)"
                        .into(),
                );
            }
            continue;
        };
        match normalize::typed(mapping, value) {
            Typed::Absent => {}
            Typed::Verbatim(why) if mapping.toml_path == "id" => note(
                "_id",
                format!("not pinned: {why}; the file matches by type and name"),
            ),
            Typed::Verbatim(why) => {
                note(
                    mapping.live_field,
                    format!("kept verbatim as `extra.{}`: {why}", mapping.live_field),
                );
                verbatim.insert(mapping.live_field, why);
                extra.insert(mapping.live_field.to_string(), value.clone());
            }
            Typed::Value(typed) => match mapping.toml_path {
                "name" | "type" => {}
                "filters" => {
                    if let Value::Object(map) = &typed {
                        filters = Some(Item::Table(json_to_toml::table(map)));
                    }
                }
                path => {
                    let Some(item) = json_to_toml::value(&typed) else {
                        continue;
                    };
                    match path.strip_prefix("alerts.") {
                        Some(key) => alerts[key] = Item::Value(item),
                        None => doc[path] = Item::Value(item),
                    }
                }
            },
        }
    }
    if !alerts.is_empty() {
        doc["alerts"] = Item::Table(alerts);
    }
    if let Some(filters) = filters.filter(|f| f.as_table().is_some_and(|t| !t.is_empty())) {
        doc["filters"] = filters;
    }
    for (key, value) in raw {
        let unmodeled = normalize::mapping_for_live_field(key).is_none();
        if unmodeled && !options.comparison.server_managed.contains(key) && !value.is_null() {
            extra.insert(key.clone(), value.clone());
        }
    }
    let mut extra = json_to_toml::table(&extra);
    for (field, why) in &verbatim {
        json_to_toml::annotate(&mut extra, field, &verbatim_comment(field, why));
    }
    if !extra.is_empty() {
        doc["extra"] = Item::Table(extra);
    }
    let mut text = String::new();
    match options.origin {
        Some(origin) => text.push_str(&format!("# Imported by casguard from {origin}.\n")),
        None => text.push_str("# Imported by casguard.\n"),
    }
    match meta {
        Some(meta) => {
            doc["meta"] = meta.clone();
            text.push_str(&doc.to_string());
        }
        None => {
            text.push_str(&doc.to_string());
            text.push_str(&format!(
                "\n# [meta]\n# owner = \"team@{}\"\n# last_reviewed = YYYY-MM-DD\n# review_interval_days = 90\n",
                options.owner_domain
            ));
        }
    }
    Rendered { text, name, notes }
}

/// The comment over a modeled field kept verbatim under `[extra]`.
pub fn verbatim_comment(live_field: &str, why: &str) -> String {
    format!("# `{live_field}` is modeled, but {why}: kept verbatim and compared as it is")
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

    fn options(comparison: &Comparison) -> RenderOptions<'_> {
        RenderOptions {
            origin: Some("snap.json"),
            comparison,
            owner_domain: "contoso.com",
        }
    }

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
        let comparison = Comparison::default();
        let (files, _) = render_all(&live, options(&comparison), &|_| None);
        let paths: Vec<_> = files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["file/same-name.toml", "file/same-name-2.toml"]);
        assert_eq!(render_all(&live, options(&comparison), &|_| None).0, files);
    }

    #[test]
    fn renders_every_part_in_order() {
        let raw = json!({"_id": "5F01DCE13DE79160FBEC4150", "_tid": 1, "name": "Say \"hi\" — ünïcode", "policyType": "file", "enabled": true,
            "severity": 2, "description": "d", "alertsEnabled": true, "alertEmailRecipients": ["soc@contoso.com"], "dailyAlertLimit": 5,
            "filters": {"service.appId": {"eq": [1, 2]}}, "governanceActions": [{"type": "Quarantine", "params": null}], "scope": null,
            "lastModified": 17});
        let comparison = Comparison::default();
        let text = render(raw.as_object().unwrap(), options(&comparison), None).text;
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
        assert!(text.contains("# owner = \"team@contoso.com\""), "{text}");
    }

    #[test]
    fn values_the_typed_keys_cannot_hold_are_kept_verbatim_with_a_reason() {
        let raw = json!({"_id": "1", "name": "Odd", "policyType": "NEW_KIND", "severity": 5,
            "alertEmailRecipients": [{"address": "a@contoso.com"}], "dailyAlertLimit": "5",
            "filters": [1, 2], "description": {"x": 1}, "alertsEnabled": true});
        let comparison = Comparison::default();
        let rendered = render(raw.as_object().unwrap(), options(&comparison), None);
        let text = &rendered.text;
        let (policy, findings, _) = crate::load::parse_policy_text("x.toml", text);
        assert!(findings.is_empty(), "{findings:?}\n{text}");
        let policy = policy.unwrap();
        assert_eq!(policy.enabled, None);
        assert_eq!(policy.id, None, "`1` is not an id to pin");
        assert_eq!(policy.policy_type.as_str(), "NEW_KIND");
        assert_eq!(policy.extra["severity"], json!(5));
        assert_eq!(policy.extra["dailyAlertLimit"], json!("5"));
        assert!(
            text.contains("# `severity` is modeled, but it is not a severity"),
            "{text}"
        );
        assert!(
            text.contains("# `description` is modeled, but it is not a string"),
            "{text}"
        );
        let fields: Vec<&str> = rendered.notes.iter().map(|n| n.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "_id",
                "enabled",
                "severity",
                "description",
                "alertEmailRecipients",
                "dailyAlertLimit",
                "filters"
            ]
        );
        let desired = normalize::desired(&policy, &comparison);
        assert_eq!(
            desired,
            normalize::live(raw.as_object().unwrap(), &comparison)
        );
    }

    #[test]
    fn recipients_are_written_tidy() {
        let raw = json!({"_id": "5f01dce13de79160fbec4150", "name": "P", "policyType": "file", "enabled": true,
            "severity": "HIGH", "alertEmailRecipients": ["B@contoso.com", " a@contoso.com", "b@contoso.com"]});
        let comparison = Comparison::default();
        let text = render(raw.as_object().unwrap(), options(&comparison), None).text;
        assert!(
            text.contains("email_recipients = [\"a@contoso.com\", \"b@contoso.com\"]"),
            "{text}"
        );
        assert!(
            text.contains("type = \"FILE\"") && text.contains("severity = \"high\""),
            "{text}"
        );
    }
}
