//! The `lint` and `drift` pipelines: load policies, run the loader's checks
//! and the Rego rules (lint) or compare with live state (drift), apply rule
//! levels and suppressions, and return a `Report`. The only I/O is reading
//! policy files (in `load`); live state arrives as a snapshot; nothing is
//! printed.

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
    #[error("cannot write `{0}`: {1}")]
    #[diagnostic(help("check the file's permissions; the file was left as it was"))]
    Write(String, std::io::Error),
}

/// Applies the safe fixes (`lint --fix`) to every valid policy file under
/// `paths` (or the policies folder); returns (file, what changed) per file
/// written. Files that are not valid policies are never touched.
pub fn fix(config: &Config, paths: &[PathBuf]) -> Result<Vec<(String, Vec<String>)>, LintError> {
    let inputs = if paths.is_empty() {
        vec![config.policies_dir.clone()]
    } else {
        paths.to_vec()
    };
    let loaded = load::load_policies(&inputs)?;
    let mut fixed = Vec::new();
    for policy in &loaded.policies {
        let Some(source) = loaded.sources.get(&policy.file) else {
            continue;
        };
        let Ok((text, changes)) = crate::fix::fix(&source.text) else {
            continue;
        };
        if changes.is_empty() {
            continue;
        }
        // Only write what still reads as a valid policy.
        let (reparsed, problems, _) = load::parse_policy_text(&policy.file, &text);
        if reparsed.is_none() || problems.iter().any(|f| f.rule == load::CAS001.id) {
            continue;
        }
        let path = std::path::Path::new(&policy.file);
        crate::fsutil::write_atomic(path, text.as_bytes())
            .map_err(|e| LintError::Write(policy.file.clone(), e))?;
        fixed.push((policy.file.clone(), changes));
    }
    Ok(fixed)
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
    findings.extend(crate::fix::check(&loaded.policies, &loaded.sources));
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
        drift: None,
    })
}

/// Compares the configured policies folder with `snapshot`. Invalid policy
/// files stop the comparison (their live counterparts would otherwise show
/// up as unmanaged): then only the loader's findings are reported.
pub fn drift(
    config: &Config,
    rules: &RuleSet,
    snapshot: &crate::live::Snapshot,
    today: jiff::civil::Date,
) -> Result<Report, LintError> {
    let loaded = load::load_policies(std::slice::from_ref(&config.policies_dir))?;
    let mut findings = loaded.findings;
    let compared = !findings.iter().any(|f| f.rule == load::CAS001.id);
    let outcome = if compared {
        crate::drift::compare(
            &loaded.policies,
            &loaded.sources,
            &snapshot.policies,
            &config.drift,
        )
    } else {
        crate::drift::DriftOutcome::default()
    };
    findings.extend(outcome.findings);
    let ran: BTreeSet<String> = load::LOADER_RULES
        .iter()
        .chain(crate::drift::DRIFT_RULES)
        .chain(suppress::CONFIG_RULES)
        .map(|r| r.id.to_string())
        .collect();
    let suppressed = suppress::apply(findings, config, today, &ran, true);
    let mut sources = loaded.sources;
    if let Some(source) = &config.source {
        sources.insert(source.path.clone(), source.clone());
    }
    Ok(Report {
        command: "drift".into(),
        findings: suppressed.active,
        suppressed: suppressed.suppressed,
        rules: rules.metas().to_vec(),
        files: loaded.files,
        policies_checked: loaded.policies.len(),
        sources,
        drift: Some(crate::report::DriftSection {
            entries: outcome.entries,
            in_sync: outcome.in_sync,
            live_count: snapshot.policies.len(),
            tenant: snapshot.tenant.clone(),
            fetched_at: snapshot.fetched_at.clone(),
            compared,
        }),
    })
}

/// Every rule: the Rust-implemented ones plus built-in and custom Rego rules,
/// with the config's rule ids checked against them.
pub fn load_rules(config: &Config) -> Result<RuleSet, crate::cli::Trouble> {
    let rust_rules: Vec<_> = load::LOADER_RULES
        .iter()
        .chain(crate::fix::FIX_RULES)
        .chain(crate::drift::DRIFT_RULES)
        .chain(suppress::CONFIG_RULES)
        .copied()
        .collect();
    let rules = RuleSet::load(&rust_rules, &config.rules_dirs, config.rule_timeout)?;
    let ids: Vec<&str> = rules.metas().iter().map(|m| m.id.as_str()).collect();
    config.check_rule_ids(&ids)?;
    Ok(rules)
}
