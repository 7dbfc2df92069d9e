//! `casguard import`: one policy file per live policy, grouped by type.
//! A live policy that a policy file already declares (by pinned id, else by
//! type and name, as drift matches) is left alone, so `init` then `import`
//! never gives one policy two files; `--force` rewrites such files from the
//! tenant instead, keeping their `[meta]`. Everything is rendered and
//! checked before the first byte is written; each file is written
//! atomically.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{Error, LiveSource, Project};
use crate::import::{RenderOptions, Rendered};
use crate::live::Event;
use crate::model::ImportOutcome;

pub struct ImportInput {
    pub out: PathBuf,
    pub force: bool,
    pub source: LiveSource,
}

/// One file to write, new or replacing a declared policy's file.
struct Planned {
    path: PathBuf,
    text: String,
    replaces_declared: bool,
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
    let comparison = &project.config.drift.comparison;
    let options = RenderOptions {
        origin: Some(&origin),
        comparison,
        owner_domain: RenderOptions::owner_domain(&project.config.allowed_email_domains),
    };
    let declared = declared_files(project, &out, &snapshot.policies)?;
    let mut outcome = ImportOutcome {
        written: 0,
        updated: Vec::new(),
        out: project.display(&out),
        already_declared: Vec::new(),
        notes: Vec::new(),
        run_notes: crate::shape::live_notes(&snapshot.policies, comparison),
    };
    let (new_policies, declared_policies): (Vec<&Value>, Vec<&Value>) = snapshot
        .policies
        .iter()
        .partition(|p| live_id(p).is_none_or(|id| !declared.contains_key(&id)));
    let mut planned = Vec::new();
    let new_owned: Vec<Value> = new_policies.into_iter().cloned().collect();
    let meta_of = |path: &str| match input.force {
        true => existing_meta(&out.join(path)),
        false => None,
    };
    let (files, notes) = crate::import::render_all(&new_owned, options, &meta_of);
    outcome.notes.extend(notes);
    for file in files {
        planned.push(Planned {
            path: out.join(&file.path),
            text: file.text,
            replaces_declared: false,
        });
    }
    for raw in declared_policies.iter().filter_map(|p| p.as_object()) {
        let Some(file) = live_id(&Value::Object(raw.clone())).and_then(|id| declared.get(&id))
        else {
            continue;
        };
        let name = raw.get("name").and_then(Value::as_str).unwrap_or("").trim();
        if !input.force {
            outcome
                .already_declared
                .push((name.to_string(), project.display(file)));
            continue;
        }
        let meta = existing_meta(file);
        let Rendered { text, notes, .. } = crate::import::render(raw, options, meta.as_ref());
        outcome.notes.extend(notes);
        planned.push(Planned {
            path: file.clone(),
            text,
            replaces_declared: true,
        });
    }
    let existing: Vec<&PathBuf> = planned
        .iter()
        .filter(|p| !p.replaces_declared && p.path.exists())
        .map(|p| &p.path)
        .collect();
    if !existing.is_empty() && !input.force {
        return Err(Error::WouldOverwrite {
            count: existing.len(),
            first: project.display(existing[0]),
        });
    }
    write_all(project, &planned)?;
    for file in &planned {
        if file.replaces_declared {
            outcome.updated.push(project.display(&file.path));
        } else {
            outcome.written += 1;
        }
    }
    outcome.updated.sort();
    outcome.already_declared.sort();
    Ok(outcome)
}

/// The lower-case `_id` of a live policy.
fn live_id(policy: &Value) -> Option<String> {
    policy
        .get("_id")
        .and_then(Value::as_str)
        .map(str::to_ascii_lowercase)
}

/// Live `_id` -> the file that already declares it, over the policies
/// folder and the output folder. Files that do not load are not matched.
fn declared_files(
    project: &Project,
    out: &Path,
    live: &[Value],
) -> Result<HashMap<String, PathBuf>, Error> {
    let inputs: Vec<PathBuf> = [project.config.policies_dir.clone(), out.to_path_buf()]
        .into_iter()
        .filter(|dir| dir.exists())
        .collect();
    if inputs.is_empty() {
        return Ok(HashMap::new());
    }
    let loaded = project.load(&inputs)?;
    Ok(crate::drift::match_live(&loaded.policies, live)
        .into_iter()
        .map(|(index, id)| (id, project.env.root.join(&loaded.policies[index].file)))
        .collect())
}

/// The `[meta]` table of an existing policy file, to carry over.
fn existing_meta(path: &Path) -> Option<toml_edit::Item> {
    let text = std::fs::read_to_string(path).ok()?;
    let doc: toml_edit::DocumentMut = text.parse().ok()?;
    doc.get("meta").cloned()
}

/// Creates the folders, then writes every file atomically; fsync waits on
/// the disk, so several writers overlap those waits.
fn write_all(project: &Project, planned: &[Planned]) -> Result<(), Error> {
    let folders: std::collections::BTreeSet<PathBuf> = planned
        .iter()
        .filter_map(|f| f.path.parent().map(PathBuf::from))
        .collect();
    for folder in folders {
        std::fs::create_dir_all(&folder).map_err(|source| Error::Write {
            path: project.display(&folder),
            source,
        })?;
    }
    let chunk = planned.len().div_ceil(8).max(1);
    let failures: Vec<Error> = std::thread::scope(|scope| {
        let handles: Vec<_> = planned
            .chunks(chunk)
            .map(|group| {
                scope.spawn(move || {
                    group.iter().find_map(|file| {
                        super::write_file(project, &file.path, file.text.as_bytes()).err()
                    })
                })
            })
            .collect();
        handles
            .into_iter()
            .filter_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    match failures.into_iter().next() {
        Some(failure) => Err(failure),
        None => Ok(()),
    }
}
