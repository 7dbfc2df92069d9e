//! Last-change dates of policy files from git: the only module that reads
//! git. Each date is the one `git log -1 --format=%cI -- FILE` prints, or a
//! state that says why there is none: `modified` or `untracked` (the file
//! is not as committed), `truncated` (a shallow clone lacks the history
//! that would date it). When history cannot be read (a missing object, a
//! corrupt pack), there is a note and no date at all, never an older one.
//!
//! `walk` finds the commits (pure, one revision walk for every file),
//! `store` reads objects with gix, `worktree` maps files to repository
//! paths and checks their status. Files inside a submodule are dated in
//! the submodule's own repository.

mod store;
mod walk;
mod worktree;

use std::collections::{HashMap, HashSet};
use std::path::Path;

use gix::ObjectId;
use serde::Serialize;

pub use crate::model::FileState;
pub use crate::model::LastChange;
pub use walk::{last_changes, CommitNode, Found, Objects, Tree};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileHistory {
    pub state: FileState,
    /// Only for committed files.
    pub last_change: Option<LastChange>,
}

#[derive(Debug, Default)]
pub struct History {
    /// Keyed by the paths given to `date_files`.
    pub files: HashMap<String, FileHistory>,
    /// Set when the folder is not in a git repository, or git cannot be read.
    pub note: Option<String>,
    pub shallow: bool,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HistoryError(String);

impl From<walk::Interrupted> for HistoryError {
    fn from(interrupted: walk::Interrupted) -> Self {
        HistoryError(interrupted.to_string())
    }
}

/// Dates `files` (paths as shown to users, relative to `base`, normally
/// the project root).
pub fn date_files(base: &Path, files: &[String]) -> History {
    read(base, files, Depth::Dates)
}

/// How far to read: dates need the revision walk, the status does not.
#[derive(Clone, Copy, PartialEq)]
enum Depth {
    Dates,
    Status,
}

fn read(base: &Path, files: &[String], depth: Depth) -> History {
    let mut history = History::default();
    let repo = match gix::discover(base) {
        Ok(repo) => repo,
        Err(error) => {
            history.note = Some(not_opened(base, &error));
            return history;
        }
    };
    let Some(workdir) = work_tree(&repo) else {
        history.note = Some("a bare repository has no policy files to date".into());
        return history;
    };
    let mut members = Vec::new();
    for (i, file) in files.iter().enumerate() {
        match worktree::repository_path(&workdir, base, file) {
            Some(path) => members.push(Member { file: i, path }),
            None => {
                history
                    .files
                    .insert(file.clone(), undated(FileState::Untracked));
            }
        }
    }
    let mut notes = Vec::new();
    date_in(
        &repo,
        &workdir,
        members,
        files,
        depth,
        &mut history,
        &mut notes,
    );
    if !notes.is_empty() {
        history.note = Some(notes.join("; "));
    }
    history
}

/// The note for a folder git cannot open: not a repository at all, or one
/// it cannot read (an unknown format, a broken `.git`).
fn not_opened(base: &Path, error: &dyn std::fmt::Display) -> String {
    let absolute = base.canonicalize().unwrap_or_else(|_| base.to_path_buf());
    if absolute.ancestors().any(|dir| dir.join(".git").exists()) {
        format!("cannot open the git repository: {error}; last-change dates of policy files are unknown")
    } else {
        "not a git repository: last-change dates of policy files are unknown".into()
    }
}

fn work_tree(repo: &gix::Repository) -> Option<std::path::PathBuf> {
    let workdir = repo.workdir()?;
    Some(
        workdir
            .canonicalize()
            .unwrap_or_else(|_| workdir.to_path_buf()),
    )
}

/// A file of interest and its path in the repository being read.
struct Member {
    file: usize,
    path: String,
}

fn undated(state: FileState) -> FileHistory {
    FileHistory {
        state,
        last_change: None,
    }
}

/// Dates the members in `repo`, those inside submodules in their own
/// repositories. What cannot be read becomes a note, and those files get
/// no entry (unknown, not undated).
fn date_in(
    repo: &gix::Repository,
    workdir: &Path,
    members: Vec<Member>,
    files: &[String],
    depth: Depth,
    history: &mut History,
    notes: &mut Vec<String>,
) {
    let index = match repo.index_or_empty() {
        Ok(index) => index,
        Err(error) => {
            notes.push(format!("cannot read the git index: {error}"));
            return;
        }
    };
    let (own, nested) = split_submodules(&worktree::submodules(&index), members);
    for (submodule, members) in nested {
        let folder = workdir.join(&submodule);
        match gix::open(&folder) {
            Ok(sub) => {
                let subdir = work_tree(&sub).unwrap_or(folder);
                date_in(&sub, &subdir, members, files, depth, history, notes);
            }
            Err(error) => {
                notes.push(format!("cannot open submodule {submodule}: {error}"));
            }
        }
    }
    if own.is_empty() {
        return;
    }
    if let Err(error) = date_own(repo, &index, own, files, depth, history) {
        notes.push(format!("cannot read git history: {error}"));
    }
}

/// Members inside a submodule, by submodule, with paths made relative to
/// it; the rest stay.
fn split_submodules(
    submodules: &[String],
    members: Vec<Member>,
) -> (Vec<Member>, Vec<(String, Vec<Member>)>) {
    if submodules.is_empty() {
        return (members, Vec::new());
    }
    let mut own = Vec::new();
    let mut nested: HashMap<&str, Vec<Member>> = HashMap::new();
    for member in members {
        let inside = submodules.iter().find(|s| {
            member.path.len() > s.len()
                && member.path.starts_with(s.as_str())
                && member.path.as_bytes()[s.len()] == b'/'
        });
        match inside {
            Some(submodule) => {
                let path = member.path[submodule.len() + 1..].to_string();
                nested.entry(submodule).or_default().push(Member {
                    file: member.file,
                    path,
                });
            }
            None => own.push(member),
        }
    }
    let mut nested: Vec<(String, Vec<Member>)> = nested
        .into_iter()
        .map(|(s, m)| (s.to_string(), m))
        .collect();
    nested.sort_by(|a, b| a.0.cmp(&b.0));
    (own, nested)
}

/// Status first (modified and untracked files get no date), then one walk
/// from HEAD for the files as committed.
fn date_own(
    repo: &gix::Repository,
    index: &gix::index::State,
    members: Vec<Member>,
    files: &[String],
    depth: Depth,
    history: &mut History,
) -> Result<(), HistoryError> {
    let err = |e: &dyn std::fmt::Display| HistoryError(e.to_string());
    let shallow = repo.is_shallow().map_err(|e| err(&e))?;
    history.shallow |= shallow;
    let mut store = store::Store::new(repo, shallow);
    let head = match repo.head_id() {
        Ok(id) => Some(id.detach()),
        Err(_) if repo.head().is_ok_and(|h| h.is_unborn()) => None,
        Err(error) => return Err(err(&error)),
    };
    let head_tree = match head {
        Some(id) => Some(store.commit(&id)?.tree),
        None => None,
    };
    let paths: Vec<String> = members.iter().map(|m| m.path.clone()).collect();
    let status = {
        let mut trees = walk::Trees::new(&mut store);
        worktree::Status::new(repo, index, head_tree, &paths, &mut trees)?
    };
    let mut clean = Vec::new();
    for member in members {
        match status.dirty(&member.path) {
            Some(state) => {
                history
                    .files
                    .insert(files[member.file].clone(), undated(state));
            }
            None => clean.push(member),
        }
    }
    let Some(head) = head else {
        return Ok(());
    };
    if depth == Depth::Status {
        for member in clean {
            let state = undated(FileState::Committed);
            history.files.insert(files[member.file].clone(), state);
        }
        return Ok(());
    }
    // Two names for one file (`a/../b.toml` and `b.toml`) are one path to date.
    let mut slots: HashMap<&str, usize> = HashMap::new();
    let mut paths: Vec<String> = Vec::new();
    let slot_of: Vec<usize> = clean
        .iter()
        .map(|m| {
            *slots.entry(m.path.as_str()).or_insert_with(|| {
                paths.push(m.path.clone());
                paths.len() - 1
            })
        })
        .collect();
    let boundary: HashSet<ObjectId> = match repo.shallow_commits().map_err(|e| err(&e))? {
        Some(commits) => commits.iter().copied().collect(),
        None => HashSet::new(),
    };
    // One object store (and one mapping of each pack) for every thread.
    let shared = repo.clone().into_sync();
    let open = || -> Result<store::Store, HistoryError> {
        Ok(store::Store::new(&shared.to_thread_local(), shallow))
    };
    let found = last_changes(open, head, &paths, &boundary)?;
    let mut changes: HashMap<ObjectId, LastChange> = HashMap::new();
    for (member, slot) in clean.iter().zip(slot_of) {
        let entry = match found[slot] {
            Some(Found::Commit(id)) => {
                let change = match changes.get(&id) {
                    Some(change) => change.clone(),
                    None => {
                        let change = store::last_change(repo, id)?;
                        changes.insert(id, change.clone());
                        change
                    }
                };
                FileHistory {
                    state: FileState::Committed,
                    last_change: Some(change),
                }
            }
            Some(Found::Truncated) => undated(FileState::Truncated),
            // As committed at HEAD, yet in no commit: only an incomplete
            // history does that, so no date rather than a wrong one.
            None => undated(FileState::Truncated),
        };
        history.files.insert(files[member.file].clone(), entry);
    }
    Ok(())
}

/// What `git add -A` would make of a file about to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GitExposure {
    /// Not inside a git work tree.
    OutsideRepository,
    /// Inside one, and git ignores it.
    Ignored,
    /// Inside one, and git would add it: the work tree's root.
    WouldBeAdded(std::path::PathBuf),
    /// Inside one, and git could not say (not installed, or failed).
    Unknown(String),
}

/// Whether `path` (a file that may not exist yet) would be committed by
/// `git add -A`. Asks `git check-ignore` itself, so the answer includes
/// every ignore source git reads (nested .gitignore files, info/exclude,
/// the global excludes file).
pub fn exposure(path: &Path) -> GitExposure {
    // The folders the file goes into may not exist yet (keygen makes them):
    // ask from the nearest one that does, about the rest of the path, which
    // `git check-ignore` accepts without the file being there.
    let mut folder = path.parent().filter(|p| !p.as_os_str().is_empty());
    while let Some(dir) = folder.filter(|d| !d.is_dir()) {
        folder = dir.parent().filter(|p| !p.as_os_str().is_empty());
    }
    let folder = folder.unwrap_or(Path::new("."));
    let Ok(repo) = gix::discover(folder) else {
        return GitExposure::OutsideRepository;
    };
    let Some(workdir) = work_tree(&repo) else {
        return GitExposure::OutsideRepository;
    };
    let rest = path.strip_prefix(folder).unwrap_or(path);
    if rest.as_os_str().is_empty() {
        return GitExposure::Unknown("the path has no file name".into());
    }
    let answer = std::process::Command::new("git")
        .arg("-C")
        .arg(folder)
        .args(["check-ignore", "-q", "--"])
        .arg(rest)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
    match answer.map(|s| s.code()) {
        Ok(Some(0)) => GitExposure::Ignored,
        Ok(Some(1)) => GitExposure::WouldBeAdded(workdir),
        Ok(code) => GitExposure::Unknown(format!(
            "`git check-ignore` failed (exit {})",
            code.map_or("by signal".into(), |c| c.to_string())
        )),
        Err(e) => GitExposure::Unknown(format!("cannot run git ({e})")),
    }
}

/// The HEAD commit of the repository holding `base`, if any.
pub fn head_commit(base: &Path) -> Option<String> {
    let repo = gix::discover(base).ok()?;
    let id = repo.head_id().ok()?;
    Some(id.to_string())
}

/// The HEAD commit of the repository holding `base`, and whether any of
/// `files` (the inputs of a result: policy files, configuration, rules)
/// differs from it; `None`s outside a repository.
pub fn head_state(base: &Path, files: &[String]) -> (Option<String>, Option<bool>) {
    if gix::discover(base).is_err() {
        return (None, None);
    }
    let commit = head_commit(base);
    let history = read(base, files, Depth::Status);
    let dirty = history.note.is_none().then(|| {
        history
            .files
            .values()
            .any(|f| matches!(f.state, FileState::Modified | FileState::Untracked))
    });
    (commit, dirty)
}

/// Commits that changed files under `folder` (a folder of the project at
/// `base`) and were committed from `from` to `to` (epoch seconds, `to`
/// excluded), newest first, each with the files it changed there. At most
/// `limit`; first-parent diffs, so a merge shows what it brought in.
pub fn commits_touching(
    base: &Path,
    folder: &Path,
    from: i64,
    to: i64,
    limit: usize,
) -> Result<Vec<crate::model::Commit>, HistoryError> {
    let err = |e: &dyn std::fmt::Display| HistoryError(e.to_string());
    let repo = gix::discover(base).map_err(|e| err(&e))?;
    let workdir = work_tree(&repo)
        .ok_or_else(|| HistoryError("a bare repository has no policy files".into()))?;
    let absolute = if folder.is_absolute() {
        folder.to_path_buf()
    } else {
        base.join(folder)
    };
    let canonical = absolute.canonicalize().unwrap_or(absolute);
    let prefix = canonical
        .strip_prefix(&workdir)
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .unwrap_or_default();
    let Ok(head) = repo.head_id() else {
        return Ok(Vec::new());
    };
    let shallow = repo.is_shallow().unwrap_or(false);
    let mut store = store::Store::new(&repo, shallow);
    let mut trees = walk::Trees::new(&mut store);
    let scope = walk::Scope::Under(prefix.clone().into_bytes());
    let mut queue = walk::ByDate::new();
    queue.push(head.detach(), trees.commit(&head.detach())?.time);
    let mut out = Vec::new();
    while let Some(id) = queue.pop() {
        let node = trees.commit(&id)?;
        for parent in &node.parents {
            queue.push(*parent, trees.commit(parent)?.time);
        }
        if node.time >= to {
            continue;
        }
        if node.time < from || out.len() >= limit {
            break;
        }
        let parent_tree = match node.parents.first() {
            Some(parent) => Some(trees.commit(parent)?.tree),
            None => None,
        };
        let mut changed = Vec::new();
        trees.diff(
            parent_tree.as_ref(),
            Some(&node.tree),
            &scope,
            &mut |path, _| {
                let path = String::from_utf8_lossy(path);
                if prefix.is_empty() || path.starts_with(&format!("{prefix}/")) {
                    changed.push(path.into_owned());
                }
            },
        )?;
        if changed.is_empty() {
            continue;
        }
        let change = store::last_change(&repo, id)?;
        out.push(crate::model::Commit {
            id: change.commit,
            date: change.date,
            author: change.author,
            summary: change.summary,
            files: changed,
        });
    }
    Ok(out)
}
