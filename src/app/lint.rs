//! `casguard lint`: the loader's checks, the style checks and the Rego rules
//! of the lint and review families over the desired policies, offline.
//! `--fix` first applies the safe fixes (CAS205, CAS206) to valid files.

use std::path::PathBuf;

use super::{Error, Finish, Project};
use crate::model::{LintOutcome, Report};
use crate::registry::{families, CAS001};
use crate::rules::RuleSet;

pub struct LintInput {
    /// Files or folders (relative to the working directory); empty means the
    /// configured policies folder.
    pub paths: Vec<PathBuf>,
    pub fix: bool,
}

pub fn lint(project: &Project, rules: &RuleSet, input: &LintInput) -> Result<LintOutcome, Error> {
    let complete = input.paths.is_empty();
    let inputs: Vec<PathBuf> = if complete {
        vec![project.config.policies_dir.clone()]
    } else {
        input.paths.iter().map(|p| project.env.resolve(p)).collect()
    };
    let fixed = if input.fix {
        fix(project, &inputs)?
    } else {
        Vec::new()
    };
    let loaded = project.load(&inputs)?;
    let report = lint_loaded(project, rules, loaded, complete)?;
    Ok(LintOutcome { report, fixed })
}

/// `lint` of policies already loaded; `complete` says whether they are the
/// whole policies folder.
pub fn lint_loaded(
    project: &Project,
    rules: &RuleSet,
    mut loaded: crate::load::LoadOutcome,
    complete: bool,
) -> Result<Report, Error> {
    let mut findings = std::mem::take(&mut loaded.findings);
    findings.extend(crate::fix::check(&loaded.policies, &loaded.sources));
    findings.extend(crate::coverage::check(&loaded.policies, &loaded.sources));
    findings.extend(super::run_rules(project, rules, &loaded, families::LINT)?);
    Ok(Finish {
        command: "lint",
        project,
        rules,
        families: families::LINT,
        complete,
    }
    .report(loaded, findings))
}

/// Applies the safe fixes to every valid policy file under `inputs`; returns
/// (file, what changed) per file written. Files that are not valid policies
/// are never touched, and a fix that would not read back as a valid policy
/// is not written.
fn fix(project: &Project, inputs: &[PathBuf]) -> Result<Vec<(String, Vec<String>)>, Error> {
    let loaded = project.load(inputs)?;
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
        let (reparsed, problems, _) = crate::load::parse_policy_text(&policy.file, &text);
        if reparsed.is_none() || problems.iter().any(|f| f.rule == CAS001.id) {
            continue;
        }
        let path = project.env.root.join(&policy.file);
        super::write_file(project, &path, text.as_bytes())?;
        fixed.push((policy.file.clone(), changes));
    }
    Ok(fixed)
}
