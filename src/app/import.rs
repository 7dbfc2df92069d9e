//! `casguard import`: one policy file per live policy, grouped by type.
//! Everything is rendered and checked before the first byte is written;
//! each file is written atomically.

use std::path::PathBuf;

use super::{Error, LiveSource, Project};
use crate::live::Event;
use crate::model::ImportOutcome;

pub struct ImportInput {
    pub out: PathBuf,
    pub force: bool,
    pub source: LiveSource,
}

pub fn import(
    project: &Project,
    input: &ImportInput,
    observe: &mut dyn FnMut(Event),
) -> Result<ImportOutcome, Error> {
    let out = project.env.resolve(&input.out);
    let snapshot = super::read_live(project, &input.source, observe)?;
    let origin = match (
        &snapshot.tenant,
        &snapshot.fetched_at,
        &input.source.snapshot,
    ) {
        (Some(tenant), Some(at), _) => format!("{tenant} (live state of {at})"),
        (Some(tenant), None, _) => tenant.clone(),
        (None, _, Some(path)) => project.display(&project.env.resolve(path)),
        (None, _, None) => "the tenant".into(),
    };
    let (files, skipped) = crate::import::render_all(&snapshot.policies, Some(&origin));
    let existing: Vec<PathBuf> = files
        .iter()
        .map(|f| out.join(&f.path))
        .filter(|p| p.exists())
        .collect();
    if !existing.is_empty() && !input.force {
        return Err(Error::WouldOverwrite {
            count: existing.len(),
            first: project.display(&existing[0]),
        });
    }
    let folders: std::collections::BTreeSet<PathBuf> = files
        .iter()
        .filter_map(|f| out.join(&f.path).parent().map(PathBuf::from))
        .collect();
    for folder in folders {
        std::fs::create_dir_all(&folder).map_err(|source| Error::Write {
            path: project.display(&folder),
            source,
        })?;
    }
    // fsync waits on the disk, so several writers overlap those waits.
    let chunk = files.len().div_ceil(8).max(1);
    let failures: Vec<Error> = std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|group| {
                let out = &out;
                scope.spawn(move || {
                    group.iter().find_map(|file| {
                        let path = out.join(&file.path);
                        super::write_file(project, &path, file.text.as_bytes()).err()
                    })
                })
            })
            .collect();
        handles
            .into_iter()
            .filter_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    if let Some(failure) = failures.into_iter().next() {
        return Err(failure);
    }
    Ok(ImportOutcome {
        written: files.len(),
        out: project.display(&out),
        skipped,
    })
}
