//! `casguard review`: when each policy last changed in git (and live, given
//! live state), when it was last reviewed and when the next review is due,
//! with CAS202 for every overdue policy: the same registered rule `lint`
//! runs, so the two commands always agree.

use super::{Dates, Error, Finish, LiveSource, Project};
use crate::live::{Event, Snapshot};
use crate::load::LoadOutcome;
use crate::model::{Report, ReviewSection};
use crate::registry::families;
use crate::rules::RuleSet;

/// Loads the policies, reads live state when `source` names some (or `live`
/// is set), dates both sides and reviews.
pub fn review(
    project: &Project,
    rules: &RuleSet,
    source: &LiveSource,
    live: bool,
    observe: &mut dyn FnMut(Event),
) -> Result<Report, Error> {
    let loaded = project.load_policies()?;
    let history = super::read_history(project, source)?;
    let snapshot = if live || source.given() {
        Some(super::read_live(project, source, observe)?)
    } else {
        None
    };
    let dates = super::dates(project, &loaded.files, snapshot.as_ref(), &history);
    review_loaded(project, rules, loaded, snapshot.as_ref(), &dates)
}

/// `review` of policies already loaded and dated.
pub fn review_loaded(
    project: &Project,
    rules: &RuleSet,
    mut loaded: LoadOutcome,
    live: Option<&Snapshot>,
    dates: &Dates,
) -> Result<Report, Error> {
    let config = &project.config;
    let matched = super::live_matches(&loaded, live);
    let rows = crate::review::review(
        &loaded.policies,
        &dates.git.files,
        &dates.live,
        &matched,
        config.review_interval_days,
        project.env.today,
    );
    let mut findings = std::mem::take(&mut loaded.findings);
    findings.extend(super::run_rules(project, rules, &loaded, families::REVIEW)?);
    let mut report = Finish {
        command: "review",
        project,
        rules,
        families: families::REVIEW,
        complete: true,
    }
    .report(loaded, findings);
    report.review = Some(ReviewSection {
        rows,
        notes: dates.notes.clone(),
    });
    Ok(report)
}
