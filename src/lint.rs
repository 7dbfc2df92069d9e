//! The `lint` and `drift` pipelines: load policies, run the loader's checks
//! and the Rego rules (lint) or compare with live state (drift), apply rule
//! levels and suppressions, and return a `Report`. The only I/O is reading
//! policy files (in `load`); live state arrives as a snapshot; nothing is
//! printed.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use crate::config::{Config, RuleLevel};
use crate::load::{self, LoadError};
use crate::model::Finding;
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
    lint_loaded(
        config,
        rules,
        load::load_policies(&inputs)?,
        complete,
        today,
    )
}

/// `lint` of policies already loaded; `complete` says whether they are the
/// whole policies folder (only then can a suppression be called unused).
pub fn lint_loaded(
    config: &Config,
    rules: &RuleSet,
    mut loaded: load::LoadOutcome,
    complete: bool,
    today: jiff::civil::Date,
) -> Result<Report, LintError> {
    let skip: BTreeSet<String> = rules
        .metas()
        .iter()
        .filter(|m| config.rule_level(&m.id) == Some(RuleLevel::Off))
        .map(|m| m.id.clone())
        .collect();
    let mut findings = std::mem::take(&mut loaded.findings);
    findings.extend(crate::fix::check(&loaded.policies, &loaded.sources));
    findings.extend(rules.evaluate(
        &loaded.policies,
        &loaded.sources,
        config.rule_input(),
        today,
        &skip,
    )?);
    let ran: BTreeSet<String> = rules.metas().iter().map(|m| m.id.clone()).collect();
    Ok(Finish {
        command: "lint",
        config,
        rules,
        ran,
        complete,
        today,
    }
    .report(loaded, findings))
}

/// Last-change dates on both sides, and notes on what is unknown.
pub struct Dates {
    pub git: crate::history::History,
    /// By live `_id`.
    pub live: HashMap<String, crate::review::LiveChange>,
    pub notes: Vec<String>,
}

/// Git dates for the files (one revision walk), and timestamp fields or the
/// snapshot history for the live policies. Computed once per command, so
/// callers that need them twice (evidence) pass them along.
pub fn dates(
    config: &Config,
    files: &[String],
    live: Option<&crate::live::Snapshot>,
    history: &[(String, Vec<serde_json::Value>)],
) -> Dates {
    let git = crate::history::date_files(&std::env::current_dir().unwrap_or_default(), files);
    let mut notes: Vec<String> = git.note.iter().cloned().collect();
    if git.shallow {
        notes.push("shallow clone: changes older than the clone's depth show as `truncated`; fetch full history (`git fetch --unshallow`, or `fetch-depth: 0` in CI) for dates".into());
    }
    let live = live.map_or_else(HashMap::new, |s| {
        crate::review::live_changes(
            &s.policies,
            &config.review.live_timestamp_fields,
            history,
            &config.drift.ignore,
        )
    });
    Dates { git, live, notes }
}

/// Dates and review status of every policy (`casguard review`); live
/// dates only when live state is given.
pub fn review(
    config: &Config,
    rules: &RuleSet,
    live: Option<&crate::live::Snapshot>,
    history: &[(String, Vec<serde_json::Value>)],
    today: jiff::civil::Date,
) -> Result<Report, LintError> {
    let loaded = load::load_policies(std::slice::from_ref(&config.policies_dir))?;
    let dates = dates(config, &loaded.files, live, history);
    review_loaded(config, rules, loaded, live, &dates, today)
}

/// `review` of policies already loaded.
pub fn review_loaded(
    config: &Config,
    rules: &RuleSet,
    mut loaded: load::LoadOutcome,
    live: Option<&crate::live::Snapshot>,
    dates: &Dates,
    today: jiff::civil::Date,
) -> Result<Report, LintError> {
    let matched = match live {
        Some(snapshot) => {
            crate::drift::compare(
                &loaded.policies,
                &loaded.sources,
                &snapshot.policies,
                &config.drift,
            )
            .matched
        }
        None => HashMap::new(),
    };
    let (rows, review_findings) = crate::review::review(
        &loaded.policies,
        &loaded.sources,
        &dates.git.files,
        &dates.live,
        &matched,
        config.review_interval_days,
        today,
    );
    let mut findings = std::mem::take(&mut loaded.findings);
    findings.extend(review_findings);
    let ran = ids(&[
        load::LOADER_RULES,
        crate::review::REVIEW_RULES,
        suppress::CONFIG_RULES,
    ]);
    let mut report = Finish {
        command: "review",
        config,
        rules,
        ran,
        complete: true,
        today,
    }
    .report(loaded, findings);
    report.review = Some(crate::report::ReviewSection {
        rows,
        notes: dates.notes.clone(),
    });
    Ok(report)
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
    drift_with_history(config, rules, snapshot, &[], today)
}

/// `drift`, dating live changes also from a snapshot history; a changed
/// policy whose live change is newer than its file's last commit is an
/// out-of-band edit (DRIFT005).
pub fn drift_with_history(
    config: &Config,
    rules: &RuleSet,
    snapshot: &crate::live::Snapshot,
    history: &[(String, Vec<serde_json::Value>)],
    today: jiff::civil::Date,
) -> Result<Report, LintError> {
    let loaded = load::load_policies(std::slice::from_ref(&config.policies_dir))?;
    drift_loaded(config, rules, loaded, snapshot, history, None, today)
}

/// `drift` of policies already loaded.
pub fn drift_loaded(
    config: &Config,
    rules: &RuleSet,
    mut loaded: load::LoadOutcome,
    snapshot: &crate::live::Snapshot,
    history: &[(String, Vec<serde_json::Value>)],
    known_dates: Option<&Dates>,
    today: jiff::civil::Date,
) -> Result<Report, LintError> {
    let mut findings = std::mem::take(&mut loaded.findings);
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
    let mut entries = outcome.entries;
    if !entries.is_empty() {
        // Only drifted policies need dates; skip the git walk when nothing drifted.
        let computed;
        let Dates {
            git,
            live: live_dates,
            ..
        } = match known_dates {
            Some(known) => known,
            None => {
                computed = dates(config, &loaded.files, Some(snapshot), history);
                &computed
            }
        };
        for entry in &mut entries {
            let desired = entry
                .file
                .as_ref()
                .and_then(|f| git.files.get(f))
                .and_then(|h| h.last_change.as_ref());
            entry.desired_last_change = desired.map(crate::review::DesiredChange::from);
            entry.live_last_change = entry
                .live_id
                .as_ref()
                .and_then(|id| live_dates.get(id))
                .cloned();
            let (Some(desired), Some(live)) = (desired, &entry.live_last_change) else {
                continue;
            };
            if entry.kind == crate::drift::DriftKind::Changed && live.epoch > desired.epoch {
                let location = entry
                    .file
                    .as_ref()
                    .and_then(|f| loaded.sources.get(f))
                    .map(|s| s.file_location());
                let mut finding = Finding::new(
                    crate::review::DRIFT005.id,
                    crate::review::DRIFT005.severity,
                    format!("changed in the tenant on {} ({}), after the file's last commit on {} by {}", live.date, live.source, desired.date, desired.author),
                )
                .policy(&entry.policy)
                .help(crate::review::DRIFT005.remediation);
                finding.location = location;
                findings.push(finding);
            }
        }
    }
    let ran = ids(&[
        load::LOADER_RULES,
        crate::drift::DRIFT_RULES,
        crate::review::REVIEW_RULES,
        suppress::CONFIG_RULES,
    ]);
    let live_count = snapshot.policies.len();
    let mut report = Finish {
        command: "drift",
        config,
        rules,
        ran,
        complete: true,
        today,
    }
    .report(loaded, findings);
    report.drift = Some(crate::report::DriftSection {
        entries,
        in_sync: outcome.in_sync,
        live_count,
        tenant: snapshot.tenant.clone(),
        fetched_at: snapshot.fetched_at.clone(),
        compared,
    });
    Ok(report)
}

/// The common end of every pipeline: rule levels and suppressions applied,
/// the config file added to the sources (suppression findings point into
/// it), and the report assembled.
struct Finish<'a> {
    command: &'a str,
    config: &'a Config,
    rules: &'a RuleSet,
    ran: BTreeSet<String>,
    complete: bool,
    today: jiff::civil::Date,
}

impl Finish<'_> {
    fn report(self, loaded: load::LoadOutcome, findings: Vec<Finding>) -> Report {
        let outcome = suppress::apply(findings, self.config, self.today, &self.ran, self.complete);
        let mut sources = loaded.sources;
        if let Some(source) = &self.config.source {
            sources.insert(source.path.clone(), source.clone());
        }
        Report {
            command: self.command.into(),
            findings: outcome.active,
            suppressed: outcome.suppressed,
            rules: self.rules.metas().to_vec(),
            files: loaded.files,
            policies_checked: loaded.policies.len(),
            sources,
            drift: None,
            review: None,
        }
    }
}

/// Ids of the Rust-implemented rules given, for `suppress::apply`.
fn ids(docs: &[&[crate::rules::RuleDoc]]) -> BTreeSet<String> {
    docs.iter()
        .flat_map(|d| d.iter())
        .map(|r| r.id.to_string())
        .collect()
}

/// Every rule: the Rust-implemented ones plus built-in and custom Rego rules,
/// with the config's rule ids checked against them.
pub fn load_rules(config: &Config) -> Result<RuleSet, crate::cli::Trouble> {
    let rust_rules: Vec<_> = load::LOADER_RULES
        .iter()
        .chain(crate::fix::FIX_RULES)
        .chain(crate::drift::DRIFT_RULES)
        .chain(crate::review::REVIEW_RULES)
        .chain(suppress::CONFIG_RULES)
        .copied()
        .collect();
    let rules = RuleSet::load(&rust_rules, &config.rules_dirs, config.rule_timeout)?;
    let ids: Vec<&str> = rules.metas().iter().map(|m| m.id.as_str()).collect();
    config.check_rule_ids(&ids)?;
    Ok(rules)
}
