//! Last-change dates of policy files from git (the only module that reads
//! git, through `git2`).
//!
//! One revision walk from HEAD dates every file, with the answer
//! `git log -1 --format=%cI -- FILE` gives: commits are taken newest first
//! (by committer date, as git log does); a commit dates a path when it
//! changes it against its parent, or, for a merge, against every parent
//! (TREESAME to none). A path that a merge leaves as one parent had it
//! follows only that parent, which is git's history simplification. Paths
//! still undated travel through the walk as a bit set, so a commit costs one
//! tree diff per parent, and libgit2 skips subtrees whose ids are equal.
//! Object hash verification is switched off for this read-only walk.
//!
//! Uncommitted and untracked files are reported as such, never with a stale
//! date. In a shallow clone, a path whose last change lies beyond the
//! shallow boundary is marked truncated instead of being given the
//! boundary's date.

use std::collections::{BinaryHeap, HashMap};
use std::path::{Path, PathBuf};

use git2::{Oid, Repository, Status, StatusOptions};
use serde::Serialize;

pub use crate::model::FileState;
pub use crate::model::LastChange;

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

impl From<git2::Error> for HistoryError {
    fn from(error: git2::Error) -> Self {
        HistoryError(error.message().to_string())
    }
}

/// Dates `files` (paths as shown to users, relative to `base`, normally
/// the working directory).
pub fn date_files(base: &Path, files: &[String]) -> History {
    let cwd = base.to_path_buf();
    let repo = match Repository::discover(&cwd) {
        Ok(repo) => repo,
        Err(_) => {
            return History {
                note: Some(
                    "not a git repository: last-change dates of policy files are unknown".into(),
                ),
                ..History::default()
            }
        }
    };
    match walk(&repo, &cwd, files) {
        Ok(history) => history,
        Err(error) => History {
            note: Some(format!("cannot read git history: {error}")),
            ..History::default()
        },
    }
}

struct Pending {
    time: i64,
    seq: u64,
    oid: Oid,
}

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        (self.time, self.seq) == (other.time, other.seq)
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Pending {
    /// Newest first; among equal dates, the one reached first.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.time.cmp(&other.time).then(other.seq.cmp(&self.seq))
    }
}

/// A set of path indices.
#[derive(Clone, Default)]
struct Bits(Vec<u64>);

impl Bits {
    fn contains(&self, i: usize) -> bool {
        self.0.get(i / 64).is_some_and(|w| w >> (i % 64) & 1 == 1)
    }
    fn insert(&mut self, i: usize) {
        if self.0.len() <= i / 64 {
            self.0.resize(i / 64 + 1, 0);
        }
        self.0[i / 64] |= 1 << (i % 64);
    }
    fn remove(&mut self, i: usize) {
        if let Some(w) = self.0.get_mut(i / 64) {
            *w &= !(1 << (i % 64));
        }
    }
    fn union(&mut self, other: &Bits) {
        if self.0.len() < other.0.len() {
            self.0.resize(other.0.len(), 0);
        }
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a |= b;
        }
    }
    fn intersect(&mut self, other: &Bits) {
        for (i, word) in self.0.iter_mut().enumerate() {
            *word &= other.0.get(i).copied().unwrap_or(0);
        }
    }
    fn subtract(&mut self, other: &Bits) {
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a &= !b;
        }
    }
    fn is_empty(&self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }
    fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().enumerate().flat_map(|(i, w)| {
            (0..64)
                .filter(move |b| w >> b & 1 == 1)
                .map(move |b| i * 64 + b)
        })
    }
}

fn walk(repo: &Repository, cwd: &Path, files: &[String]) -> Result<History, HistoryError> {
    git2::opts::strict_hash_verification(false);
    let repo_paths = repository_paths(repo, cwd, files)?;
    let mut history = History {
        shallow: repo.is_shallow(),
        ..History::default()
    };
    // Working-tree state first: modified and untracked files get no date.
    let dirty = dirty_files(repo)?;
    let mut remaining = Bits::default();
    for (i, path) in repo_paths.iter().enumerate() {
        let state = match path.as_deref() {
            Some(path) => match dirty.get(path) {
                Some(state) => *state,
                None => {
                    remaining.insert(i);
                    continue;
                }
            },
            None => FileState::Untracked,
        };
        history.files.insert(files[i].clone(), undated(state));
    }
    let Some(head) = repo.head().ok().and_then(|h| h.target()) else {
        // No commit yet: everything is new.
        for i in remaining.iter() {
            history
                .files
                .insert(files[i].clone(), undated(FileState::Untracked));
        }
        return Ok(history);
    };
    let mut walk = Walk::new(repo, files, repo_paths, remaining, history)?;
    walk.run(head)?;
    Ok(walk.finish())
}

fn undated(state: FileState) -> FileHistory {
    FileHistory {
        state,
        last_change: None,
    }
}

/// Repository-relative, `/`-separated path of each file (`None` outside the work tree).
fn repository_paths(
    repo: &Repository,
    cwd: &Path,
    files: &[String],
) -> Result<Vec<Option<String>>, HistoryError> {
    let workdir = repo
        .workdir()
        .ok_or_else(|| HistoryError("bare repository".into()))?
        .to_path_buf();
    let workdir = workdir.canonicalize().unwrap_or(workdir);
    let cwd = cwd.canonicalize().unwrap_or_else(|_| cwd.to_path_buf());
    Ok(files
        .iter()
        .map(|f| {
            let absolute = cwd.join(f);
            let absolute = absolute.canonicalize().unwrap_or(absolute);
            absolute
                .strip_prefix(&workdir)
                .ok()
                .map(|p| p.to_string_lossy().replace('\\', "/"))
        })
        .collect())
}

/// Files with uncommitted changes (modified) or unknown to git (untracked).
fn dirty_files(repo: &Repository) -> Result<HashMap<String, FileState>, HistoryError> {
    let mut options = StatusOptions::new();
    options
        .include_untracked(true)
        .recurse_untracked_dirs(true)
        .include_ignored(false);
    let statuses = repo.statuses(Some(&mut options))?;
    let mut dirty = HashMap::new();
    for entry in statuses.iter() {
        let Some(path) = entry.path() else { continue };
        let status = entry.status();
        let state = if status.contains(Status::WT_NEW)
            && !status.intersects(Status::INDEX_NEW | Status::INDEX_MODIFIED)
        {
            FileState::Untracked
        } else if status.intersects(
            Status::WT_MODIFIED
                | Status::INDEX_MODIFIED
                | Status::INDEX_NEW
                | Status::WT_RENAMED
                | Status::INDEX_RENAMED
                | Status::WT_TYPECHANGE
                | Status::INDEX_TYPECHANGE,
        ) {
            FileState::Modified
        } else {
            continue;
        };
        dirty.insert(path.to_string(), state);
    }
    Ok(dirty)
}

/// Folders that hold a file of interest: other subtrees are never opened.
fn wanted_dirs(repo_paths: &[Option<String>]) -> std::collections::HashSet<String> {
    let mut wanted = std::collections::HashSet::new();
    for path in repo_paths.iter().flatten() {
        let mut dir = path.as_str();
        while let Some(cut) = dir.rfind('/') {
            dir = &dir[..cut];
            if !wanted.insert(dir.to_string()) {
                break;
            }
        }
    }
    wanted
}

/// The commits of a shallow clone whose parents are missing.
fn shallow_roots(repo: &Repository) -> std::collections::HashSet<Oid> {
    std::fs::read_to_string(repo.path().join("shallow"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| Oid::from_str(l.trim()).ok())
        .collect()
}

/// One revision walk from HEAD, newest commit first, carrying the set of
/// still-undated paths down each line of history (git's TREESAME
/// simplification for merges), until every path is dated.
struct Walk<'r> {
    repo: &'r Repository,
    files: &'r [String],
    repo_paths: Vec<Option<String>>,
    /// Repository path -> indexes of the files naming it (`a/../b.toml` too).
    index: HashMap<String, Vec<usize>>,
    wanted_dirs: std::collections::HashSet<String>,
    shallow_roots: std::collections::HashSet<Oid>,
    /// Files not dated yet.
    remaining: Bits,
    history: History,
    queue: BinaryHeap<Pending>,
    /// Undated paths each queued commit is responsible for.
    carried: OidMap<Bits>,
    seq: u64,
    trees: TreeCache<'r>,
    /// Tree, time and parents of each commit, parsed once.
    commits: OidMap<(Oid, i64, Vec<Oid>)>,
    changed_paths: Vec<String>,
}

impl<'r> Walk<'r> {
    fn new(
        repo: &'r Repository,
        files: &'r [String],
        repo_paths: Vec<Option<String>>,
        remaining: Bits,
        history: History,
    ) -> Result<Walk<'r>, HistoryError> {
        let mut index: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, path) in repo_paths.iter().enumerate() {
            if let Some(path) = path {
                index.entry(path.clone()).or_default().push(i);
            }
        }
        let shallow = if history.shallow {
            shallow_roots(repo)
        } else {
            Default::default()
        };
        Ok(Walk {
            repo,
            files,
            wanted_dirs: wanted_dirs(&repo_paths),
            repo_paths,
            index,
            shallow_roots: shallow,
            remaining,
            history,
            queue: BinaryHeap::new(),
            carried: OidMap::default(),
            seq: 0,
            trees: TreeCache {
                odb: repo.odb()?,
                trees: OidMap::default(),
            },
            commits: OidMap::default(),
            changed_paths: Vec::new(),
        })
    }

    fn run(&mut self, head: Oid) -> Result<(), HistoryError> {
        let time = self.repo.find_commit(head)?.time().seconds();
        self.queue.push(Pending {
            time,
            seq: 0,
            oid: head,
        });
        self.carried.insert(head, self.remaining.clone());
        while let Some(Pending { oid, .. }) = self.queue.pop() {
            let Some(mut paths) = self.carried.remove(&oid) else {
                continue;
            };
            // Paths dated meanwhile by a newer commit no longer matter.
            paths.intersect(&self.remaining);
            if !paths.is_empty() {
                self.visit(oid, paths)?;
            }
        }
        Ok(())
    }

    /// Paths never found in history (e.g. only in the index) count as uncommitted.
    fn finish(mut self) -> History {
        for i in self.remaining.iter() {
            self.history
                .files
                .entry(self.files[i].clone())
                .or_insert(undated(FileState::Untracked));
        }
        self.history
    }

    fn info(&mut self, oid: Oid) -> Result<(Oid, i64, Vec<Oid>), git2::Error> {
        if let Some(found) = self.commits.get(&oid) {
            return Ok(found.clone());
        }
        let commit = self.repo.find_commit(oid)?;
        let found = (
            commit.tree_id(),
            commit.time().seconds(),
            commit.parent_ids().collect::<Vec<_>>(),
        );
        self.commits.insert(oid, found.clone());
        Ok(found)
    }

    /// Dates file `i` as changed by `oid` (the commit is parsed only when it
    /// dates something: most commits date nothing of interest).
    fn date(
        &mut self,
        i: usize,
        oid: Oid,
        stamp: &mut Option<LastChange>,
    ) -> Result<(), git2::Error> {
        if stamp.is_none() {
            *stamp = Some(last_change(&self.repo.find_commit(oid)?));
        }
        self.remaining.remove(i);
        self.history.files.insert(
            self.files[i].clone(),
            FileHistory {
                state: FileState::Committed,
                last_change: stamp.clone(),
            },
        );
        Ok(())
    }

    fn visit(&mut self, oid: Oid, paths: Bits) -> Result<(), HistoryError> {
        let (tree, _, all_parents) = self.info(oid)?;
        if all_parents.is_empty() || self.shallow_roots.contains(&oid) {
            return Ok(self.date_root(oid, tree, &paths)?);
        }
        let parents = all_parents;
        // Changed paths of interest against each parent.
        let mut changed_by_parent: Vec<Bits> = Vec::with_capacity(parents.len());
        for parent in &parents {
            let parent_tree = self.info(*parent)?.0;
            self.changed_paths.clear();
            self.trees.diff(
                Some(parent_tree),
                Some(tree),
                "",
                &self.wanted_dirs,
                &mut self.changed_paths,
            )?;
            let mut changed = Bits::default();
            for path in &self.changed_paths {
                for &i in self.index.get(path.as_str()).into_iter().flatten() {
                    changed.insert(i);
                }
            }
            changed.intersect(&paths);
            changed_by_parent.push(changed);
        }
        let follow = self.split(oid, paths, &changed_by_parent)?;
        self.enqueue(&parents, follow)?;
        Ok(())
    }

    /// A root commit, or the boundary of a shallow clone: it dates the paths
    /// it has (as `truncated` at a shallow boundary, where older history is
    /// missing).
    fn date_root(&mut self, oid: Oid, tree: Oid, paths: &Bits) -> Result<(), git2::Error> {
        let root_tree = self.repo.find_tree(tree)?;
        let truncated = self.shallow_roots.contains(&oid);
        let mut stamp = None;
        for i in paths.iter() {
            let present = self.repo_paths[i]
                .as_deref()
                .is_some_and(|p| root_tree.get_path(Path::new(p)).is_ok());
            if !present {
                continue;
            }
            if truncated {
                self.remaining.remove(i);
                self.history
                    .files
                    .insert(self.files[i].clone(), undated(FileState::Truncated));
            } else {
                self.date(i, oid, &mut stamp)?;
            }
        }
        Ok(())
    }

    /// Dates the paths this commit changed against every parent, and returns
    /// which undated paths each parent carries on.
    fn split(
        &mut self,
        oid: Oid,
        mut paths: Bits,
        changed_by_parent: &[Bits],
    ) -> Result<Vec<Bits>, git2::Error> {
        let mut stamp = None;
        let mut follow: Vec<Bits> = vec![Bits::default(); changed_by_parent.len()];
        if let [changed] = changed_by_parent {
            // The common case, in whole words: changed paths are dated, the rest move on.
            for i in changed.iter() {
                self.date(i, oid, &mut stamp)?;
            }
            paths.subtract(changed);
            follow[0] = paths;
            return Ok(follow);
        }
        let mut touched = Bits::default();
        for changed in changed_by_parent {
            touched.union(changed);
        }
        // Paths no parent changed are TREESAME to the first parent.
        let mut untouched = paths;
        untouched.subtract(&touched);
        follow[0] = untouched;
        for i in touched.iter() {
            // TREESAME to a parent: follow that parent only (git's simplification).
            match (0..changed_by_parent.len()).find(|&p| !changed_by_parent[p].contains(i)) {
                Some(p) => follow[p].insert(i),
                None => self.date(i, oid, &mut stamp)?,
            }
        }
        Ok(follow)
    }

    fn enqueue(&mut self, parents: &[Oid], follow: Vec<Bits>) -> Result<(), git2::Error> {
        for (parent, bits) in parents.iter().zip(follow) {
            if bits.is_empty() {
                continue;
            }
            match self.carried.get_mut(parent) {
                Some(existing) => existing.union(&bits),
                None => {
                    self.seq += 1;
                    let time = self.info(*parent)?.1;
                    self.carried.insert(*parent, bits);
                    self.queue.push(Pending {
                        time,
                        seq: self.seq,
                        oid: *parent,
                    });
                }
            }
        }
        Ok(())
    }
}

/// One tree entry: where its sort key lies in the tree's name buffer (the
/// name, with `/` after a subtree's, which is git's tree order), its object
/// id, and whether it is a subtree.
struct Entry {
    start: u32,
    len: u32,
    oid: Oid,
    is_tree: bool,
}

/// A parsed tree: entries sorted by key, names in one buffer (one
/// allocation per tree, not one per entry).
struct Tree {
    names: Vec<u8>,
    entries: Vec<Entry>,
}

impl Tree {
    fn key(&self, entry: &Entry) -> &[u8] {
        &self.names[entry.start as usize..(entry.start + entry.len) as usize]
    }
    fn name(&self, entry: &Entry) -> &[u8] {
        let key = self.key(entry);
        if entry.is_tree {
            &key[..key.len() - 1]
        } else {
            key
        }
    }
}

/// Object ids are uniformly random: their first bytes are a perfect hash.
#[derive(Default, Clone, Copy)]
struct OidHasher(u64);

impl std::hash::Hasher for OidHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8).take(1) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 ^= u64::from_le_bytes(word);
        }
    }
    fn write_usize(&mut self, _: usize) {}
}

type OidMap<V> = HashMap<Oid, V, std::hash::BuildHasherDefault<OidHasher>>;

/// Parsed trees, each loaded once while it is likely to be needed again
/// (a commit's tree is its child's parent tree), and a comparison that
/// opens only subtrees whose ids differ.
struct TreeCache<'r> {
    odb: git2::Odb<'r>,
    trees: OidMap<std::rc::Rc<Tree>>,
}

impl TreeCache<'_> {
    fn load(&mut self, oid: Oid) -> Result<std::rc::Rc<Tree>, git2::Error> {
        if let Some(tree) = self.trees.get(&oid) {
            return Ok(tree.clone());
        }
        // Small and cleared often: reuse is between neighbouring commits.
        if self.trees.len() > 2048 {
            self.trees.clear();
        }
        // Raw tree bytes, parsed here: `<mode> <name>\0<20-byte id>` per
        // entry; cheaper than libgit2's tree objects for a one-pass walk.
        let odb_object = self.odb.read(oid)?;
        let data = odb_object.data();
        let mut names = Vec::with_capacity(data.len());
        let mut entries = Vec::new();
        let mut at = 0;
        while at < data.len() {
            let space = data[at..].iter().position(|&b| b == b' ').map(|p| at + p);
            let nul = space.and_then(|s| data[s..].iter().position(|&b| b == 0).map(|p| s + p));
            let (Some(space), Some(nul)) = (space, nul) else {
                break;
            };
            if nul + 21 > data.len() {
                break;
            }
            let is_tree = &data[at..space] == b"40000";
            let start = names.len() as u32;
            names.extend_from_slice(&data[space + 1..nul]);
            if is_tree {
                names.push(b'/');
            }
            let entry_oid = Oid::from_bytes(&data[nul + 1..nul + 21])?;
            entries.push(Entry {
                start,
                len: names.len() as u32 - start,
                oid: entry_oid,
                is_tree,
            });
            at = nul + 21;
        }
        let mut tree = Tree {
            names,
            entries: Vec::new(),
        };
        // Git stores entries in exactly this key order (a subtree sorts as `name/`).
        tree.entries = entries;
        let tree = std::rc::Rc::new(tree);
        self.trees.insert(oid, tree.clone());
        Ok(tree)
    }

    /// Appends the paths of blobs that differ between trees `a` and `b`.
    fn diff(
        &mut self,
        a: Option<Oid>,
        b: Option<Oid>,
        prefix: &str,
        wanted: &std::collections::HashSet<String>,
        out: &mut Vec<String>,
    ) -> Result<(), git2::Error> {
        if a == b {
            return Ok(());
        }
        let empty = std::rc::Rc::new(Tree {
            names: Vec::new(),
            entries: Vec::new(),
        });
        let left = match a {
            Some(oid) => self.load(oid)?,
            None => empty.clone(),
        };
        let right = match b {
            Some(oid) => self.load(oid)?,
            None => empty,
        };
        // Merge join over two sorted lists: no hashing, no allocation for equal entries.
        let (mut i, mut j) = (0, 0);
        while i < left.entries.len() || j < right.entries.len() {
            let order = match (left.entries.get(i), right.entries.get(j)) {
                (Some(l), Some(r)) => left.key(l).cmp(right.key(r)),
                (Some(_), None) => std::cmp::Ordering::Less,
                _ => std::cmp::Ordering::Greater,
            };
            let (old, new) = match order {
                std::cmp::Ordering::Equal => {
                    i += 1;
                    j += 1;
                    if left.entries[i - 1].oid == right.entries[j - 1].oid {
                        continue;
                    }
                    (Some(&left.entries[i - 1]), Some(&right.entries[j - 1]))
                }
                std::cmp::Ordering::Less => {
                    i += 1;
                    (Some(&left.entries[i - 1]), None)
                }
                std::cmp::Ordering::Greater => {
                    j += 1;
                    (None, Some(&right.entries[j - 1]))
                }
            };
            let (name, is_tree) = match (old, new) {
                (Some(e), _) => (left.name(e), e.is_tree),
                (None, Some(e)) => (right.name(e), e.is_tree),
                (None, None) => unreachable!("one side is set"),
            };
            let name = String::from_utf8_lossy(name);
            let path = if prefix.is_empty() {
                name.into_owned()
            } else {
                format!("{prefix}/{name}")
            };
            if is_tree {
                if wanted.contains(&path) {
                    self.diff(old.map(|e| e.oid), new.map(|e| e.oid), &path, wanted, out)?;
                }
            } else {
                out.push(path);
            }
        }
        Ok(())
    }
}

fn last_change(commit: &git2::Commit) -> LastChange {
    let time = commit.committer().when();
    let offset =
        jiff::tz::Offset::from_seconds(time.offset_minutes() * 60).unwrap_or(jiff::tz::Offset::UTC);
    // As `%cI` prints it: the committer's offset, and `Z` for UTC.
    let format = if time.offset_minutes() == 0 {
        "%Y-%m-%dT%H:%M:%SZ"
    } else {
        "%Y-%m-%dT%H:%M:%S%:z"
    };
    let date = jiff::Timestamp::from_second(time.seconds())
        .map(|t| {
            t.to_zoned(jiff::tz::TimeZone::fixed(offset))
                .strftime(format)
                .to_string()
        })
        .unwrap_or_default();
    let author = commit.author();
    LastChange {
        date,
        commit: commit.id().to_string(),
        author: author.name().unwrap_or("").to_string(),
        email: author.email().unwrap_or("").to_string(),
        summary: commit.summary().unwrap_or("").to_string(),
        epoch: time.seconds(),
    }
}

/// The HEAD commit of the repository holding `base`, and whether its
/// working tree has uncommitted changes; `None`s outside a repository.
pub fn head_state(base: &Path) -> (Option<String>, Option<bool>) {
    let Ok(repo) = Repository::discover(base) else {
        return (None, None);
    };
    let commit = repo
        .head()
        .ok()
        .and_then(|h| h.target())
        .map(|oid| oid.to_string());
    let mut options = StatusOptions::new();
    options.include_untracked(true).include_ignored(false);
    let dirty = repo
        .statuses(Some(&mut options))
        .ok()
        .map(|s| !s.is_empty());
    (commit, dirty)
}

/// Where git keeps this working directory's repository, if anywhere.
pub fn repository_root() -> Option<PathBuf> {
    Repository::discover(".")
        .ok()
        .and_then(|r| r.workdir().map(Path::to_path_buf))
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
    let repo = Repository::discover(base)?;
    let workdir = repo
        .workdir()
        .ok_or_else(|| HistoryError("a bare repository has no policy files".into()))?
        .to_path_buf();
    let absolute = if folder.is_absolute() {
        folder.to_path_buf()
    } else {
        base.join(folder)
    };
    let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    let prefix = canonical(&absolute)
        .strip_prefix(canonical(&workdir))
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let prefix = prefix.to_string_lossy().replace('\\', "/");
    let mut walk = repo.revwalk()?;
    if walk.push_head().is_err() {
        return Ok(Vec::new());
    }
    walk.set_sorting(git2::Sort::TIME)?;
    let mut out = Vec::new();
    for oid in walk {
        let commit = repo.find_commit(oid?)?;
        let time = commit.time().seconds();
        if time >= to {
            continue;
        }
        if time < from {
            break;
        }
        let tree = commit.tree()?;
        let parent = commit.parents().next().map(|p| p.tree()).transpose()?;
        let diff = repo.diff_tree_to_tree(parent.as_ref(), Some(&tree), None)?;
        let files: Vec<String> = diff
            .deltas()
            .filter_map(|d| {
                d.new_file()
                    .path()
                    .or_else(|| d.old_file().path())
                    .map(Path::to_path_buf)
            })
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .filter(|p| prefix.is_empty() || p.starts_with(&format!("{prefix}/")))
            .collect();
        if files.is_empty() {
            continue;
        }
        let change = last_change(&commit);
        out.push(crate::model::Commit {
            id: change.commit,
            date: change.date,
            author: change.author,
            summary: change.summary,
            files,
        });
        if out.len() >= limit {
            break;
        }
    }
    Ok(out)
}
