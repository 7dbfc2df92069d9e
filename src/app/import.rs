//! `casguard import`: one policy file per live policy, grouped by type.
//! A live policy that a policy file already declares (by pinned id, else by
//! type and name, as drift matches) is left alone, so `init` then `import`
//! never gives one policy two files; `--force` rewrites such files from the
//! tenant instead, keeping their `[meta]`. Local inputs are checked before
//! the first request; everything is rendered and checked before the first
//! byte is written; then all the files are written, or none (`write_all`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{Error, LiveSource, Project};
use crate::fsutil::Staged;
use crate::import::{RenderOptions, Rendered};
use crate::live::Event;
use crate::load::LoadOutcome;
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
    // Local inputs first: a bad --out or policy folder must not cost the
    // tenant's requests.
    crate::fsutil::creatable(&out.join("policy.toml")).map_err(|(dir, e)| Error::Write {
        path: project.display(&out),
        source: std::io::Error::new(e.kind(), format!("`{}`: {e}", project.display(&dir))),
    })?;
    let declared_files = load_declared(project, &out)?;
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
    let declared = declared(project, declared_files.as_ref(), &snapshot.policies);
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

/// The policy files already in the policies folder and the output folder,
/// or `None` when neither exists. Files that do not load are not matched.
fn load_declared(project: &Project, out: &Path) -> Result<Option<LoadOutcome>, Error> {
    let inputs: Vec<PathBuf> = [project.config.policies_dir.clone(), out.to_path_buf()]
        .into_iter()
        .filter(|dir| dir.exists())
        .collect();
    if inputs.is_empty() {
        return Ok(None);
    }
    project.load(&inputs).map(Some)
}

/// Live `_id` -> the file that already declares it.
fn declared(
    project: &Project,
    loaded: Option<&LoadOutcome>,
    live: &[Value],
) -> HashMap<String, PathBuf> {
    let Some(loaded) = loaded else {
        return HashMap::new();
    };
    crate::drift::match_live(&loaded.policies, live)
        .into_iter()
        .map(|(index, id)| (id, project.env.root.join(&loaded.policies[index].file)))
        .collect()
}

/// The `[meta]` table of an existing policy file, to carry over.
fn existing_meta(path: &Path) -> Option<toml_edit::Item> {
    let text = std::fs::read_to_string(path).ok()?;
    let doc: toml_edit::DocumentMut = text.parse().ok()?;
    doc.get("meta").cloned()
}

/// Writes every file or none: each is first written in full next to its
/// target (several writers overlap the fsync waits), and only when all are
/// staged are they moved into place. A failure removes the staged files
/// and the folders made for them; a failure while moving them into place
/// (rare: the renames stay within each folder) also restores the files
/// already replaced and removes the ones already added.
fn write_all(project: &Project, planned: &[Planned]) -> Result<(), Error> {
    let mut made = MadeFolders::default();
    let folders: std::collections::BTreeSet<PathBuf> = planned
        .iter()
        .filter_map(|f| f.path.parent().map(PathBuf::from))
        .collect();
    for folder in folders {
        made.create(&folder).map_err(|source| Error::Write {
            path: project.display(&folder),
            source,
        })?;
    }
    let chunk = planned.len().div_ceil(8).max(1);
    let staged: Vec<Result<Vec<Staged>, Error>> = std::thread::scope(|scope| {
        let handles: Vec<_> = planned
            .chunks(chunk)
            .map(|group| {
                scope.spawn(move || {
                    group
                        .iter()
                        .map(|file| {
                            crate::fsutil::stage(&file.path, file.text.as_bytes(), false).map_err(
                                |source| Error::Write {
                                    path: project.display(&file.path),
                                    source,
                                },
                            )
                        })
                        .collect::<Result<Vec<Staged>, Error>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    let staged: Vec<Staged> = match staged.into_iter().collect::<Result<Vec<_>, Error>>() {
        Ok(groups) => groups.into_iter().flatten().collect(),
        Err(failure) => {
            made.remove();
            return Err(failure);
        }
    };
    let mut done: Vec<(&Path, Option<Vec<u8>>)> = Vec::new();
    for (file, staged) in planned.iter().zip(staged) {
        let before = std::fs::read(&file.path).ok();
        if let Err(source) = staged.commit() {
            for (path, before) in done.into_iter().rev() {
                let _ = match before {
                    Some(bytes) => crate::fsutil::write_atomic(path, &bytes),
                    None => std::fs::remove_file(path),
                };
            }
            made.remove();
            return Err(Error::Write {
                path: project.display(&file.path),
                source,
            });
        }
        done.push((&file.path, before));
    }
    Ok(())
}

/// The folders an import made, deepest last, to remove when it fails.
#[derive(Default)]
struct MadeFolders(Vec<PathBuf>);

impl MadeFolders {
    fn create(&mut self, folder: &Path) -> std::io::Result<()> {
        let missing: Vec<PathBuf> = folder
            .ancestors()
            .take_while(|dir| !dir.as_os_str().is_empty() && !dir.exists())
            .map(Path::to_path_buf)
            .collect();
        std::fs::create_dir_all(folder)?;
        self.0.extend(missing.into_iter().rev());
        Ok(())
    }

    /// Removes them, innermost first; a folder something else wrote into
    /// meanwhile is not empty and stays.
    fn remove(self) {
        for folder in self.0.iter().rev() {
            let _ = std::fs::remove_dir(folder);
        }
    }
}
