//! The `lint` pipeline: load policies, run the loader's checks and the Rego
//! rules, apply rule levels and suppressions, and return a `Report`.
//! The only I/O is reading policy files (in `load`); nothing is printed.

use std::collections::BTreeSet;
use std::path::PathBuf;

use crate::config::{Config, RuleLevel};
use crate::load::{self, LoadError};
use crate::report::Report;
use crate::rules::{RuleError, RuleSet};
use crate::suppress;

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum LintError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Rules(#[from] RuleError),
}

/// Lints `paths` (or the configured policies folder when empty).
pub fn lint(
    config: &Config,
    rules: &RuleSet,
    paths: &[PathBuf],
    today: jiff::civil::Date,
) -> Result<Report, LintError> {
    let complete = paths.is_empty();
    let inputs = if complete {
        vec![config.policies_dir.clone()]
    } else {
        paths.to_vec()
    };
    let loaded = load::load_policies(&inputs)?;
    let skip: BTreeSet<String> = rules
        .metas()
        .iter()
        .filter(|m| config.rule_level(&m.id) == Some(RuleLevel::Off))
        .map(|m| m.id.clone())
        .collect();
    let mut findings = loaded.findings;
    findings.extend(rules.evaluate(
        &loaded.policies,
        &loaded.sources,
        config.rule_input(),
        today,
        &skip,
    )?);
    let ran: BTreeSet<String> = rules.metas().iter().map(|m| m.id.clone()).collect();
    let outcome = suppress::apply(findings, config, today, &ran, complete);
    let mut sources = loaded.sources;
    if let Some(source) = &config.source {
        sources.insert(source.path.clone(), source.clone());
    }
    Ok(Report {
        command: "lint".into(),
        findings: outcome.active,
        suppressed: outcome.suppressed,
        rules: rules.metas().to_vec(),
        files: loaded.files,
        policies_checked: loaded.policies.len(),
        sources,
    })
}

/// Every rule: the Rust-implemented ones plus built-in and custom Rego rules,
/// with the config's rule ids checked against them.
pub fn load_rules(config: &Config) -> Result<RuleSet, crate::cli::Trouble> {
    let rust_rules: Vec<_> = load::LOADER_RULES
        .iter()
        .chain(suppress::CONFIG_RULES)
        .copied()
        .collect();
    let rules = RuleSet::load(&rust_rules, &config.rules_dirs, config.rule_timeout)?;
    let ids: Vec<&str> = rules.metas().iter().map(|m| m.id.as_str()).collect();
    config.check_rule_ids(&ids)?;
    Ok(rules)
}
