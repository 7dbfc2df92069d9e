//! `casguard drift`: desired policies against live state (the API or a
//! snapshot). Invalid policy files stop the comparison (their live
//! counterparts would otherwise show as unmanaged): then only the loader's
//! findings are reported, and the drift section says it was skipped. Drifted
//! policies are dated on both sides; a live change newer than the file's last
//! commit is an out-of-band edit (DRIFT005).

use super::{Dates, Error, Finish, LiveSource, Project};
use crate::live::{Event, Snapshot};
use crate::load::LoadOutcome;
use crate::model::{DriftSection, Report};
use crate::registry::{families, CAS001};
use crate::rules::RuleSet;

/// Reads live state and its history, then compares.
pub fn drift(
    project: &Project,
    rules: &RuleSet,
    source: &LiveSource,
    observe: &mut dyn FnMut(Event),
) -> Result<(Report, Snapshot), Error> {
    // Local inputs first: a bad policies folder fails before any request.
    let loaded = project.load_policies()?;
    let history = super::read_history(project, source)?;
    let snapshot = super::read_live(project, source, observe)?;
    let mut report = drift_loaded(project, rules, loaded, &snapshot, &history, None)?;
    if let Some(drift) = report.drift.as_mut() {
        drift
            .warnings
            .extend(super::other_tenant(project, source, &snapshot));
    }
    Ok((report, snapshot))
}

/// `drift` of policies already loaded; `known_dates` saves a second git
/// walk when the caller has dated the files already.
pub fn drift_loaded(
    project: &Project,
    rules: &RuleSet,
    mut loaded: LoadOutcome,
    snapshot: &Snapshot,
    history: &[(String, Vec<serde_json::Value>)],
    known_dates: Option<&Dates>,
) -> Result<Report, Error> {
    let mut findings = std::mem::take(&mut loaded.findings);
    let invalid: std::collections::BTreeSet<&str> = findings
        .iter()
        .filter(|f| f.rule == CAS001.id)
        .filter_map(|f| f.location.as_ref().map(|l| l.file.as_str()))
        .collect();
    let compared = !findings.iter().any(|f| f.rule == CAS001.id);
    let invalid_files = invalid.len().max(usize::from(!compared));
    let outcome = if compared {
        crate::drift::compare(
            &loaded.policies,
            &loaded.sources,
            &snapshot.policies,
            &project.config.drift,
        )
    } else {
        crate::drift::DriftOutcome::default()
    };
    findings.extend(outcome.findings);
    let mut entries = outcome.entries;
    // Only drifted policies need dates; skip the git walk when nothing drifted.
    if !entries.is_empty() {
        let computed;
        let dates = match known_dates {
            Some(known) => known,
            None => {
                computed = super::dates(project, &loaded.files, Some(snapshot), history);
                &computed
            }
        };
        for entry in &mut entries {
            entry.desired_last_change = entry
                .file
                .as_ref()
                .and_then(|f| dates.git.files.get(f))
                .and_then(|h| h.last_change.as_ref())
                .cloned();
            entry.live_last_change = entry
                .live_id
                .as_ref()
                .and_then(|id| dates.live.get(id))
                .cloned();
        }
        findings.extend(crate::drift::out_of_band(&entries, &loaded.sources));
    }
    let mut report = Finish {
        command: "drift",
        project,
        rules,
        families: families::DRIFT,
        complete: true,
    }
    .report(loaded, findings);
    report.drift = Some(DriftSection {
        entries,
        in_sync: outcome.in_sync,
        live_count: snapshot.policies.len(),
        tenant: snapshot.tenant.clone(),
        fetched_at: snapshot.fetched_at.clone(),
        compared,
        invalid_files,
        notes: crate::shape::live_notes(&snapshot.policies, &project.config.drift.comparison),
        warnings: Vec::new(),
    });
    Ok(report)
}
