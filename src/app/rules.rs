//! `casguard rules list | explain | test`: the rule set as data, with each
//! rule's effective level under casguard.toml.

use super::{Error, Project};
use crate::config::RuleLevel;
use crate::model::{ExampleOutcome, Explained, RuleMeta, RuleRow};
use crate::rules::RuleSet;

pub fn list(project: &Project, rules: &RuleSet) -> Vec<RuleRow> {
    rules.metas().iter().map(|m| row(project, m)).collect()
}

pub fn explain(project: &Project, rules: &RuleSet, id: &str) -> Result<Explained, Error> {
    if let Some(meta) = rules.get(id) {
        return Ok(Explained::Rule(row(project, meta)));
    }
    if let Some(retired) = crate::registry::retired(id) {
        let now = retired
            .replaced_by
            .and_then(|r| rules.get(r))
            .map(|m| row(project, m));
        return Ok(Explained::Retired { retired, now });
    }
    let ids: Vec<&str> = rules.metas().iter().map(|m| m.id.as_str()).collect();
    let near = crate::textutil::closest(id, &ids)
        .map(|c| format!("did you mean `{c}`? "))
        .unwrap_or_default();
    Err(Error::UnknownRule {
        id: id.to_string(),
        help: format!("{near}run `casguard rules list` to see every rule"),
    })
}

/// Runs every Rego rule's pass and fail examples.
pub fn test(project: &Project, rules: &RuleSet) -> Vec<ExampleOutcome> {
    rules.run_examples(&project.config)
}

fn row(project: &Project, meta: &RuleMeta) -> RuleRow {
    let level = match project.config.rule_level(&meta.id) {
        Some(RuleLevel::Off) => "off".into(),
        Some(RuleLevel::Severity(s)) => s.to_string(),
        None => meta.severity.to_string(),
    };
    RuleRow {
        meta: meta.clone(),
        level,
    }
}
