//! Turns drift into action, two ways. Pure: takes a drift `Report` (with the
//! policy files' texts) and returns text.
//!
//! - `adopt_live`: a unified patch (`git apply`-able: `a/` and `b/`
//!   prefixes, paths relative to the working directory) that brings the
//!   policy files in line with the tenant. Existing files are edited with
//!   `toml_edit`, so comments, key order and layout survive and only the
//!   drifted values change; unmanaged policies become new files (rendered by
//!   `import`); files of policies missing live are deleted only when asked.
//! - `restore_checklist`: a Markdown checklist of what to change in the
//!   tenant to restore the desired state, and where in the Defender portal.

use std::collections::BTreeSet;
use std::fmt::Write;

use serde_json::{Map, Value};
use toml_edit::{DocumentMut, Item};

use crate::import::RenderOptions;
use crate::json_to_toml;
use crate::model::{DriftEntry, DriftKind, Report};
use crate::normalize::{self, split_path, Typed};

/// Where a policy type is edited in the Defender portal (Cloud apps >
/// Policies > Policy management). The tab names follow the portal's typed
/// policy lists (mdca-api.md section 2); assumed, not verified per type.
pub fn portal_location(policy_type: &str) -> &'static str {
    match policy_type {
        "SESSION" | "ACCESS" | "INLINE" => {
            "Cloud apps > Policies > Policy management > Conditional access"
        }
        "FILE" => "Cloud apps > Policies > Policy management > Information protection",
        "NEW_SERVICE" | "DISCOVERY" | "ANOMALY_DISCOVERY" => {
            "Cloud apps > Policies > Policy management > Shadow IT"
        }
        "APP_PERMISSION" | "APP_PERMISSION_ANOMALY" => {
            "Cloud apps > Policies > Policy management > OAuth apps"
        }
        _ => "Cloud apps > Policies > Policy management > Threat detection",
    }
}

/// The patch that adopts the live state into the policy files. Every
/// file's diff changes something (`git apply` refuses empty ones), and
/// values go where the loader accepts them: a live value a typed key cannot
/// hold moves to `[extra]` under its live name, as `import` writes it.
pub fn adopt_live(
    report: &Report,
    live: &[Value],
    policies_dir: &str,
    include_removals: bool,
    options: RenderOptions<'_>,
) -> Result<String, String> {
    let drift = report.drift.as_ref().ok_or("no drift data")?;
    let mut patch = String::new();
    let mut taken: BTreeSet<String> = report
        .sources
        .keys()
        .map(|k| k.to_ascii_lowercase())
        .collect();
    for entry in &drift.entries {
        match entry.kind {
            DriftKind::Changed => {
                let file = entry
                    .file
                    .as_deref()
                    .ok_or("a changed policy without a file")?;
                let source = report
                    .sources
                    .get(file)
                    .ok_or_else(|| format!("no text for `{file}`"))?;
                let live_form = live_policy(live, entry)
                    .map(|raw| normalize::live(raw, options.comparison))
                    .unwrap_or(Value::Null);
                let edited =
                    edit(&source.text, entry, &live_form).map_err(|e| format!("{file}: {e}"))?;
                if *edited != *source.text {
                    patch.push_str(&file_diff(Some(file), Some(file), &source.text, &edited));
                }
            }
            DriftKind::Unmanaged => {
                let raw = live_policy(live, entry)
                    .ok_or_else(|| format!("live policy `{}` not found", entry.policy))?;
                let (files, _) =
                    crate::import::render_all(&[Value::Object(raw.clone())], options, &|_| None);
                let file = &files[0];
                let mut path = format!("{}/{}", policies_dir.trim_end_matches('/'), file.path);
                let stem = path.trim_end_matches(".toml").to_string();
                let mut n = 2;
                while taken.contains(&path.to_ascii_lowercase()) {
                    path = format!("{stem}-{n}.toml");
                    n += 1;
                }
                taken.insert(path.to_ascii_lowercase());
                patch.push_str(&file_diff(None, Some(&path), "", &file.text));
            }
            DriftKind::Missing if include_removals => {
                let file = entry
                    .file
                    .as_deref()
                    .ok_or("a missing policy without a file")?;
                let source = report
                    .sources
                    .get(file)
                    .ok_or_else(|| format!("no text for `{file}`"))?;
                patch.push_str(&file_diff(Some(file), None, &source.text, ""));
            }
            DriftKind::Missing => {}
        }
    }
    Ok(patch)
}

/// The live policy a drift entry is about (by its live `_id`).
fn live_policy<'a>(live: &'a [Value], entry: &DriftEntry) -> Option<&'a Map<String, Value>> {
    live.iter().filter_map(Value::as_object).find(|p| {
        p.get("_id")
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase)
            == entry.live_id
    })
}

/// Applies an entry's changes to a policy file's text, keeping its layout.
/// Inside a typed `[filters]` table each changed value is edited where it
/// is; any other modeled field is rewritten whole from `live_form` (the live
/// policy's canonical form), under its typed key when that can hold the
/// value, else verbatim under `[extra]`, so the file always loads.
fn edit(text: &str, entry: &DriftEntry, live_form: &Value) -> Result<String, String> {
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| e.to_string())?;
    let mut whole: Vec<&normalize::FieldMapping> = Vec::new();
    for change in &entry.changes {
        let keys = split_path(&change.path);
        match modeled_field_of(&keys) {
            Some(mapping) if mapping.convert == normalize::Convert::Filters && keys.len() > 1 => {
                json_to_toml::set_path(doc.as_table_mut(), &keys, &change.live)
            }
            Some(mapping) => {
                if !whole.iter().any(|m| m.toml_path == mapping.toml_path) {
                    whole.push(mapping);
                }
            }
            None => json_to_toml::set_path(doc.as_table_mut(), &keys, &change.live),
        }
    }
    for mapping in whole {
        let typed_keys = split_path(mapping.toml_path);
        let extra_keys = vec!["extra".to_string(), mapping.live_field.to_string()];
        let live = get_path(live_form, &typed_keys)
            .cloned()
            .unwrap_or(Value::Null);
        json_to_toml::remove_path(doc.as_table_mut(), &extra_keys);
        match normalize::typed(mapping, &live) {
            Typed::Value(value) => json_to_toml::set_path(doc.as_table_mut(), &typed_keys, &value),
            Typed::Absent => json_to_toml::remove_path(doc.as_table_mut(), &typed_keys),
            Typed::Verbatim(why) => {
                json_to_toml::remove_path(doc.as_table_mut(), &typed_keys);
                json_to_toml::set_path(doc.as_table_mut(), &extra_keys, &live);
                if let Some(extra) = doc.get_mut("extra").and_then(Item::as_table_mut) {
                    json_to_toml::annotate(
                        extra,
                        mapping.live_field,
                        &crate::import::verbatim_comment(mapping.live_field, why),
                    );
                }
            }
        }
    }
    Ok(doc.to_string())
}

/// The modeled field a split policy-file path is or lies in.
fn modeled_field_of(keys: &[String]) -> Option<&'static normalize::FieldMapping> {
    normalize::FIELD_MAP.iter().find(|m| {
        let field = split_path(m.toml_path);
        keys.len() >= field.len() && keys[..field.len()] == field[..]
    })
}

fn get_path<'v>(value: &'v Value, keys: &[String]) -> Option<&'v Value> {
    keys.iter().try_fold(value, |v, k| v.get(k))
}

/// A git-style diff of one file; `None` for the side where it does not exist.
pub fn file_diff(old_path: Option<&str>, new_path: Option<&str>, old: &str, new: &str) -> String {
    let path = new_path.or(old_path).unwrap_or_default();
    let mut out = format!("diff --git a/{path} b/{path}\n");
    match (old_path, new_path) {
        (None, Some(_)) => out.push_str("new file mode 100644\n"),
        (Some(_), None) => out.push_str("deleted file mode 100644\n"),
        _ => {}
    }
    let from = old_path.map_or_else(|| "/dev/null".to_string(), |p| format!("a/{p}"));
    let to = new_path.map_or_else(|| "/dev/null".to_string(), |p| format!("b/{p}"));
    let diff = similar::TextDiff::from_lines(old, new);
    let body = diff
        .unified_diff()
        .context_radius(3)
        .header(&from, &to)
        .to_string();
    out.push_str(&body);
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// The Markdown checklist that restores the desired state in the tenant.
pub fn restore_checklist(report: &Report) -> String {
    let mut out = String::new();
    let Some(drift) = &report.drift else {
        return out;
    };
    let tenant = drift.tenant.as_deref().unwrap_or("the tenant");
    let _ = writeln!(out, "# Restore the desired state in {tenant}\n");
    if drift.entries.is_empty() {
        let _ = writeln!(
            out,
            "Nothing to do: all {} policies match their files.",
            drift.in_sync
        );
        return out;
    }
    let _ = writeln!(
        out,
        "Live state{}: {}. Tick each box once done, then run `casguard drift` again.\n",
        drift
            .fetched_at
            .as_deref()
            .map_or(String::new(), |t| format!(" of {t}")),
        drift.counts()
    );
    for entry in &drift.entries {
        let where_ = portal_location(&entry.policy_type);
        match entry.kind {
            DriftKind::Changed => {
                let _ = writeln!(
                    out,
                    "## {} ({})\n\nIn {where_}, open **{}**{}:\n",
                    entry.policy,
                    entry.policy_type,
                    entry.policy,
                    entry
                        .file
                        .as_deref()
                        .map_or(String::new(), |f| format!(" (declared in `{f}`)"))
                );
                for change in &entry.changes {
                    let setting = portal_setting(&change.path);
                    let step = match (&change.path[..], &change.desired, &change.live) {
                        ("enabled", Value::Bool(true), _) => "enable the policy (it is disabled live; check it for a configuration error first)".to_string(),
                        (_, Value::Null, live) => format!("{setting}: the policy file does not set it, the tenant has {}; if the portal cannot clear it, adopt the live value instead (`casguard suggest --adopt-live`)", inline(live)),
                        (_, desired, Value::Null) => format!("set {setting} to {} (not set live)", inline(desired)),
                        (_, desired, live) => format!("set {setting} to {} (live: {})", inline(desired), inline(live)),
                    };
                    let _ = writeln!(out, "- [ ] {step}");
                }
                out.push('\n');
            }
            DriftKind::Missing => {
                let _ = writeln!(
                    out,
                    "## {} ({}): missing\n\n- [ ] In {where_}, create **{}** as declared in `{}`\n",
                    entry.policy,
                    entry.policy_type,
                    entry.policy,
                    entry.file.as_deref().unwrap_or("?")
                );
            }
            DriftKind::Unmanaged => {
                let _ = writeln!(
                    out,
                    "## {} ({}): not declared in git\n\n- [ ] Decide: delete it in {where_}, or declare it (`casguard suggest --adopt-live` writes the file), or list it under `[drift] ignore_unmanaged` (live id `{}`)\n",
                    entry.policy,
                    entry.policy_type,
                    entry.live_id.as_deref().unwrap_or("?")
                );
            }
        }
    }
    out
}

/// A setting as the Defender portal names it (**Daily alert limit**), for
/// people who will look for it there; a setting casguard does not model is
/// named by its live field.
fn portal_setting(path: &str) -> String {
    let keys = split_path(path);
    if keys.first().map(String::as_str) == Some("extra") && keys.len() > 1 {
        return format!(
            "the setting `{}` (a live field casguard does not model)",
            keys[1..].join(".")
        );
    }
    match modeled_field_of(&keys) {
        Some(mapping) => {
            let depth = split_path(mapping.toml_path).len();
            match keys.get(depth..).filter(|rest| !rest.is_empty()) {
                Some(rest) => format!("**{}** `{}`", mapping.portal_label, rest.join(" ")),
                None => format!("**{}**", mapping.portal_label),
            }
        }
        None => format!("`{path}`"),
    }
}

fn inline(value: &Value) -> String {
    match value {
        Value::Null => "unset".into(),
        other => format!("`{}`", crate::textutil::short(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Change;
    use serde_json::json;

    #[test]
    fn edits_keep_comments_and_layout() {
        let text = "# Owned by SecOps\nname = \"A\"   # the portal name\ntype = \"FILE\"\nenabled = true\nseverity = \"high\"\n\n[alerts]\nenabled = true\nemail_recipients = [\"a@contoso.com\", \"b@contoso.com\"]\n\n[filters.\"ip.category\"]\nneq = [1, 4]\n";
        let entry = DriftEntry {
            kind: DriftKind::Changed,
            policy: "A".into(),
            policy_type: "FILE".into(),
            file: Some("p.toml".into()),
            live_id: None,
            changes: vec![
                Change {
                    path: "alerts.email_recipients".into(),
                    desired: json!(["a@contoso.com", "b@contoso.com"]),
                    live: json!(["a@contoso.com"]),
                },
                Change {
                    path: "filters.\"ip.category\".neq".into(),
                    desired: json!([1, 4]),
                    live: json!([1, 4, 5]),
                },
                Change {
                    path: "severity".into(),
                    desired: json!("high"),
                    live: Value::Null,
                },
                Change {
                    path: "extra.scope".into(),
                    desired: Value::Null,
                    live: json!("all"),
                },
            ],
            diff: None,
            desired_last_change: None,
            live_last_change: None,
        };
        let live_form = json!({"alerts": {"email_recipients": ["a@contoso.com"]}, "filters": {"ip.category": {"neq": [1, 4, 5]}}, "extra": {"scope": "all"}});
        let edited = edit(text, &entry, &live_form).unwrap();
        assert!(
            edited.starts_with("# Owned by SecOps\nname = \"A\"   # the portal name\n"),
            "{edited}"
        );
        assert!(
            edited.contains("email_recipients = [\"a@contoso.com\"]\n"),
            "{edited}"
        );
        assert!(edited.contains("neq = [1, 4, 5]"), "{edited}");
        assert!(!edited.contains("severity"), "{edited}");
        assert!(edited.contains("[extra]\nscope = \"all\""), "{edited}");
    }

    #[test]
    fn diffs_are_git_style() {
        let diff = file_diff(None, Some("policies/x.toml"), "", "a = 1\n");
        assert!(diff.starts_with("diff --git a/policies/x.toml b/policies/x.toml\nnew file mode 100644\n--- /dev/null\n+++ b/policies/x.toml\n@@ -0,0 +1 @@\n+a = 1\n"), "{diff}");
    }
}
