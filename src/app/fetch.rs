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
    /// `--resources`: what to read; the policies only when `None`.
    pub resources: Option<std::collections::BTreeSet<&'static str>>,
}

pub fn fetch(
    project: &Project,
    input: &FetchInput,
    observe: &mut dyn FnMut(Event),
) -> Result<FetchOutcome, Error> {
    let out = project.env.resolve(&input.out);
    let history = super::history_dir(project, &input.source);
    // Find a bad --out or history folder before a fetch that may take
    // minutes and spends the tenant's requests; missing folders are made.
    let folders = history.iter().map(|dir| (dir.join("snapshot.json"), dir));
    for (path, shown) in std::iter::once((out.clone(), &out)).chain(folders) {
        crate::fsutil::creatable(&path).map_err(|(dir, e)| Error::Write {
            path: project.display(shown),
            source: std::io::Error::new(e.kind(), format!("`{}`: {e}", project.display(&dir))),
        })?;
    }
    let snapshot = match &input.resources {
        Some(names) if input.source.snapshot.is_none() => {
            let snapshot = super::ops::read_resources(project, &input.source, names, observe)?;
            // A partial read is an error: nothing is written.
            if let Some((name, resource)) = snapshot
                .resources
                .iter()
                .find(|(_, r)| r.status == crate::live::snapshot::ResourceStatus::Error)
            {
                return Err(Error::ResourceFailed {
                    resource: name.clone(),
                    detail: resource.detail.clone().unwrap_or_default(),
                });
            }
            snapshot
        }
        _ => super::read_live(project, &input.source, observe)?,
    };
    // Both files are written in full before either is moved into place, so
    // a failing history copy leaves --out as it was.
    let kept = history.map(|dir| snapshot.history_path(&dir, project.env.now));
    let staged_copy = kept.as_ref().map(|path| snapshot.stage(path)).transpose()?;
    let staged_out = snapshot.stage(&out)?;
    let committed = |staged: crate::fsutil::Staged, path: &std::path::Path| {
        staged.commit().map_err(|source| Error::Write {
            path: project.display(path),
            source,
        })
    };
    if let (Some(staged), Some(path)) = (staged_copy, &kept) {
        committed(staged, path)?;
    }
    committed(staged_out, &out)?;
    let kept = kept.map(|path| project.display(&path));
    let from = match &input.source.snapshot {
        Some(path) => project.display(&project.env.resolve(path)),
        None => snapshot.tenant.clone().unwrap_or_default(),
    };
    Ok(FetchOutcome {
        resources: snapshot
            .resources
            .iter()
            .filter(|(name, _)| name.as_str() != crate::live::snapshot::POLICIES)
            .map(|(name, r)| {
                let status = match r.status {
                    crate::live::snapshot::ResourceStatus::Ok => {
                        crate::model::plural(r.items.len(), "item")
                    }
                    _ => format!("unavailable: {}", r.detail.clone().unwrap_or_default()),
                };
                (name.clone(), status)
            })
            .collect(),
        policies: snapshot.policies.len(),
        policies_read: snapshot.has_policies(),
        requests: snapshot
            .source
            .get("requests")
            .and_then(serde_json::Value::as_u64),
        out: project.display(&out),
        kept,
        from,
        from_file: input.source.snapshot.is_some(),
        notes: crate::shape::live_notes(&snapshot.policies, &project.config.drift.comparison),
    })
}
