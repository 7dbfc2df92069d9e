//! Where each policy file sits in git, and whether its content is the
//! committed one: a file with staged or unstaged changes is `Modified`, one
//! git does not track is `Untracked`, and neither gets a date. Only the
//! files asked about are checked (hashed as git hashes blobs), so the cost
//! does not grow with the rest of the repository. Files inside a submodule
//! belong to the submodule's repository; the superproject only sees a link.

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path};

use gix::bstr::ByteSlice;
use gix::ObjectId;

use super::walk::{Scope, Trees};
use super::HistoryError;
use crate::model::FileState;

/// `file` (relative to `base`) as a `/`-separated path inside the work
/// tree at `workdir` (canonical), or `None` outside it. Folders are
/// resolved, the file itself is not: a committed symlink is the link, as
/// git sees it, not its target.
pub fn repository_path(workdir: &Path, base: &Path, file: &str) -> Option<String> {
    let absolute = base.join(file);
    let resolved = match (absolute.parent(), absolute.file_name()) {
        (Some(parent), Some(name)) => parent.canonicalize().ok()?.join(name),
        _ => absolute.canonicalize().ok()?,
    };
    let relative = resolved.strip_prefix(workdir).ok()?;
    let parts: Vec<String> = relative
        .components()
        .map(|c| match c {
            Component::Normal(part) => Some(part.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect::<Option<_>>()?;
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// The folders of the index that are submodules (git links).
pub fn submodules(index: &gix::index::State) -> Vec<String> {
    index
        .entries()
        .iter()
        .filter(|e| e.mode == gix::index::entry::Mode::COMMIT)
        .map(|e| e.path(index).to_str_lossy().into_owned())
        .collect()
}

/// What git's status says of each file of interest.
pub struct Status<'r> {
    repo: &'r gix::Repository,
    index: &'r gix::index::State,
    /// Blob ids at HEAD of the paths of interest.
    head: HashMap<Vec<u8>, ObjectId>,
    /// `core.autocrlf` or a `.gitattributes` may turn CRLF into LF on commit.
    crlf_normalized: bool,
}

impl<'r> Status<'r> {
    pub fn new(
        repo: &'r gix::Repository,
        index: &'r gix::index::State,
        head_tree: Option<ObjectId>,
        paths: &[String],
        trees: &mut Trees<'_, super::store::Store>,
    ) -> Result<Status<'r>, HistoryError> {
        let mut head = HashMap::new();
        if let Some(tree) = head_tree {
            let wanted: HashSet<&[u8]> = paths.iter().map(|p| p.as_bytes()).collect();
            let scope = Scope::holding(paths.iter().map(String::as_str));
            trees.diff(None, Some(&tree), &scope, &mut |path, id| {
                if let (true, Some(id)) = (wanted.contains(path), id) {
                    head.insert(path.to_vec(), *id);
                }
            })?;
        }
        let autocrlf = repo
            .config_snapshot()
            .string("core.autocrlf")
            .is_some_and(|v| !v.eq_ignore_ascii_case(b"false"));
        let workdir = repo.workdir().unwrap_or(Path::new("."));
        let attributes =
            std::fs::read_to_string(workdir.join(".gitattributes")).unwrap_or_default();
        Ok(Status {
            repo,
            index,
            head,
            crlf_normalized: autocrlf || attributes.contains("text") || attributes.contains("eol"),
        })
    }

    /// `None` when the file is exactly as committed at HEAD.
    pub fn dirty(&self, path: &str) -> Option<FileState> {
        let path_in_index = path.as_bytes().as_bstr();
        let Some(entry) = self.index.entry_by_path(path_in_index) else {
            // Only conflict stages (a merge in progress) is a change too.
            return Some(match self.index.entry_range(path_in_index) {
                Some(_) => FileState::Modified,
                None => FileState::Untracked,
            });
        };
        if self.head.get(path.as_bytes()) != Some(&entry.id) {
            // Staged: added, changed or re-added since HEAD.
            return Some(FileState::Modified);
        }
        let on_disk = self.repo.workdir().map(|w| w.join(path));
        match on_disk.and_then(|file| self.worktree_blob(&file)) {
            Some(ids) if ids.contains(&entry.id) => None,
            _ => Some(FileState::Modified),
        }
    }

    /// The blob id git would store for the file (and, where line endings
    /// are normalized on commit, the id with CRLF turned into LF).
    fn worktree_blob(&self, file: &Path) -> Option<Vec<ObjectId>> {
        let kind = self.repo.object_hash();
        let metadata = std::fs::symlink_metadata(file).ok()?;
        let content = if metadata.file_type().is_symlink() {
            link_bytes(&std::fs::read_link(file).ok()?)
        } else {
            std::fs::read(file).ok()?
        };
        let hash =
            |bytes: &[u8]| gix::objs::compute_hash(kind, gix::object::Kind::Blob, bytes).ok();
        let mut ids = vec![hash(&content)?];
        if self.crlf_normalized && content.windows(2).any(|w| w == b"\r\n") {
            let normalized = content.replace(b"\r\n", b"\n");
            ids.push(hash(&normalized)?);
        }
        Some(ids)
    }
}

/// A symlink's content as git stores it: the target path, `/`-separated.
fn link_bytes(target: &Path) -> Vec<u8> {
    target.to_string_lossy().replace('\\', "/").into_bytes()
}
