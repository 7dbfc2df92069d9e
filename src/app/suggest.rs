//! `casguard suggest`: turns drift into action, either a checklist that
//! restores the tenant to the desired state, or a patch (`git apply`) that
//! adopts the live state into the policy files.

use std::path::PathBuf;

use super::{Error, LiveSource, Project};
use crate::live::Event;
use crate::model::SuggestOutcome;
use crate::rules::RuleSet;

pub struct SuggestInput {
    pub adopt_live: bool,
    pub include_removals: bool,
    /// Write here (atomically) instead of returning the text for stdout.
    pub out: Option<PathBuf>,
    pub source: LiveSource,
}

pub fn suggest(
    project: &Project,
    rules: &RuleSet,
    input: &SuggestInput,
    observe: &mut dyn FnMut(Event),
) -> Result<SuggestOutcome, Error> {
    let (report, snapshot) = super::drift::drift(project, rules, &input.source, observe)?;
    if !report.drift.as_ref().is_some_and(|d| d.compared) {
        return Err(Error::InvalidPolicies);
    }
    let text = if input.adopt_live {
        let policies_dir = project.display(&project.config.policies_dir);
        crate::suggest::adopt_live(
            &report,
            &snapshot.policies,
            &policies_dir,
            input.include_removals,
            crate::import::RenderOptions {
                origin: Some("the live tenant"),
                comparison: &project.config.drift.comparison,
                owner_domain: crate::import::RenderOptions::owner_domain(
                    &project.config.allowed_email_domains,
                ),
            },
        )
        .map_err(Error::Patch)?
    } else {
        crate::suggest::restore_checklist(&report)
    };
    let written = match &input.out {
        Some(out) => {
            let path = project.env.resolve(out);
            super::write_file(project, &path, text.as_bytes())?;
            Some(project.display(&path))
        }
        None => None,
    };
    Ok(SuggestOutcome { text, written })
}
