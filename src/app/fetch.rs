//! `casguard fetch`: live state into a snapshot file (atomically), and a
//! dated copy in the history folder when one is configured. Local inputs are
//! checked before the first request.

use std::path::PathBuf;

use super::{Error, LiveSource, Project};
use crate::live::Event;
use crate::model::FetchOutcome;

pub struct FetchInput {
    pub out: PathBuf,
    pub source: LiveSource,
}

pub fn fetch(
    project: &Project,
    input: &FetchInput,
    observe: &mut dyn FnMut(Event),
) -> Result<FetchOutcome, Error> {
    let out = project.env.resolve(&input.out);
    // Find a bad --out before a fetch that may take minutes.
    let folder = out.parent().unwrap_or(&project.env.cwd);
    if !folder.is_dir() {
        return Err(Error::Write {
            path: project.display(&out),
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("folder `{}` does not exist", project.display(folder)),
            ),
        });
    }
    let snapshot = super::read_live(project, &input.source, observe)?;
    snapshot.write(&out)?;
    let kept = match super::history_dir(project, &input.source) {
        Some(dir) => Some(project.display(&snapshot.keep_in_history(&dir, project.env.now)?)),
        None => None,
    };
    let from = match &input.source.snapshot {
        Some(path) => project.display(&project.env.resolve(path)),
        None => snapshot.tenant.clone().unwrap_or_default(),
    };
    Ok(FetchOutcome {
        policies: snapshot.policies.len(),
        requests: snapshot
            .source
            .get("requests")
            .and_then(serde_json::Value::as_u64),
        out: project.display(&out),
        kept,
        from,
        from_file: input.source.snapshot.is_some(),
    })
}
