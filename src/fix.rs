//! Safe, mechanical fixes, and the rules that offer them (`lint --fix`):
//! CAS205, an enum value spelled in another case than the canonical one;
//! CAS206, an alert recipient list with duplicates or out of order.
//!
//! Both are notes: casguard already reads these spellings correctly, the
//! fixes only keep files tidy and diffs small. Fixes edit the text with
//! `toml_edit`, so comments and layout survive; a file that is not a valid
//! policy is never touched. Pure: text in, text out.

use toml_edit::{DocumentMut, Item, Value};

use crate::model::{Finding, Policy, PolicySeverity, PolicyTypeName, Sources};
use crate::registry::{CAS205, CAS206};

fn tidy_recipients(list: &[String]) -> Vec<String> {
    let mut tidy: Vec<String> = list.iter().map(|r| r.trim().to_lowercase()).collect();
    tidy.sort();
    tidy.dedup();
    tidy
}

/// Findings for what `fix` would change, located at the values.
pub fn check(policies: &[Policy], sources: &Sources) -> Vec<Finding> {
    let mut findings = Vec::new();
    for policy in policies {
        let Some(source) = sources.get(&policy.file) else {
            continue;
        };
        let written = |path: &str| {
            policy.spans.get(path).map(|span| {
                source.text[span.clone()]
                    .trim_matches(['"', '\''])
                    .to_string()
            })
        };
        for (path, canonical) in [
            ("type", policy.policy_type.as_str()),
            ("severity", policy.severity.map_or("", |s| s.as_str())),
        ] {
            if let (Some(text), Some(span)) = (written(path), policy.spans.get(path)) {
                if !canonical.is_empty() && text != canonical {
                    findings.push(
                        Finding::new(CAS205.id, CAS205.severity, format!("`{path}` is written `{text}`; the canonical spelling is `{canonical}`"))
                            .policy(&policy.name)
                            .at(source.location(span.clone()))
                            .label(format!("fix: \"{canonical}\""))
                            .help(CAS205.remediation),
                    );
                }
            }
        }
        let recipients = &policy.alerts.email_recipients;
        if !recipients.is_empty() && *recipients != tidy_recipients(recipients) {
            if let Some(span) = policy.spans.get("alerts.email_recipients") {
                findings.push(
                    Finding::new(CAS206.id, CAS206.severity, "`alerts.email_recipients` is not sorted, lower-case and free of duplicates".to_string())
                        .policy(&policy.name)
                        .at(source.location(span.clone()))
                        .label("fixable")
                        .help(CAS206.remediation),
                );
            }
        }
    }
    findings
}

/// Applies every fix to a valid policy file's text; returns the new text
/// and what changed (empty when nothing did).
pub fn fix(text: &str) -> Result<(String, Vec<String>), String> {
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| e.to_string())?;
    let mut changes = Vec::new();
    let mut canonical = |item: Option<&mut Item>, key: &str, parse: fn(&str) -> Option<String>| {
        let Some(item) = item else { return };
        let Some(value) = item.as_value_mut() else {
            return;
        };
        let Some(text) = value.as_str().map(str::to_string) else {
            return;
        };
        if let Some(fixed) = parse(&text).filter(|f| *f != text) {
            let decor = value.decor().clone();
            *value = Value::from(fixed.clone());
            *value.decor_mut() = decor;
            changes.push(format!("`{key}` \"{text}\" -> \"{fixed}\""));
        }
    };
    canonical(doc.get_mut("type"), "type", |t| {
        Some(PolicyTypeName::new(t).as_str().to_string()).filter(|t| !t.is_empty())
    });
    canonical(doc.get_mut("severity"), "severity", |s| {
        PolicySeverity::parse(s).map(|p| p.as_str().to_string())
    });
    if let Some(value) = doc
        .get_mut("alerts")
        .and_then(|a| a.get_mut("email_recipients"))
        .and_then(Item::as_value_mut)
    {
        if let Some(array) = value.as_array() {
            let list: Vec<String> = array
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect();
            let tidy = tidy_recipients(&list);
            if list.len() == array.len() && list != tidy {
                let decor = value.decor().clone();
                *value = Value::Array(tidy.iter().map(String::as_str).collect());
                *value.decor_mut() = decor;
                changes
                    .push("`alerts.email_recipients` sorted, lower-cased and de-duplicated".into());
            }
        }
    }
    Ok((doc.to_string(), changes))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "# keep me\nname = \"A\"\ntype = \"file\"   # portal: File policy\nenabled = true\nseverity = \"HIGH\"\n\n[alerts]\nenabled = true\nemail_recipients = [\"SOC@contoso.com\", \"dlp@contoso.com\", \"soc@contoso.com\"] # who\n";

    #[test]
    fn fixes_keep_comments() {
        let (fixed, changes) = fix(TEXT).unwrap();
        assert_eq!(changes.len(), 3, "{changes:?}");
        assert_eq!(fixed, "# keep me\nname = \"A\"\ntype = \"FILE\"   # portal: File policy\nenabled = true\nseverity = \"high\"\n\n[alerts]\nenabled = true\nemail_recipients = [\"dlp@contoso.com\", \"soc@contoso.com\"] # who\n");
        let (again, changes) = fix(&fixed).unwrap();
        assert!(changes.is_empty());
        assert_eq!(again, fixed);
    }

    #[test]
    fn check_points_at_what_fix_changes() {
        let (policy, _, source) = crate::load::parse_policy_text("p.toml", TEXT);
        let mut sources = Sources::new();
        sources.insert(source.path.clone(), source);
        let rules: Vec<(String, usize)> = check(&[policy.unwrap()], &sources)
            .iter()
            .map(|f| (f.rule.clone(), f.location.as_ref().unwrap().line))
            .collect();
        assert_eq!(
            rules,
            [
                ("CAS205".to_string(), 3),
                ("CAS205".to_string(), 5),
                ("CAS206".to_string(), 9)
            ]
        );
    }
}
