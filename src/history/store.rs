//! Git objects for the walk, read with gix (gitoxide).
//!
//! gix rather than libgit2 (git2): it reads every layout git itself reads,
//! which libgit2 does not: a linked worktree of a shallow clone (the
//! `shallow` file lives in the common git dir), the SHA-256 object format,
//! `git replace` refs (honoured unless `GIT_NO_REPLACE_OBJECTS` is set, as
//! git does) and commit-graph files. It is pure Rust, so there is no C
//! library to build and no dynamic libz to ship, and it checks what it
//! parses instead of having object checks switched off for the process.
//! Trees are parsed with the repository's own hash kind; a malformed tree
//! or commit is an error, never a silently shortened list.

use gix::objs::Find;
use gix::ObjectId;

use super::walk::{CommitNode, Objects, Tree};
use super::HistoryError;
use crate::model::LastChange;

/// Per reading thread (git's `core.deltaBaseCacheLimit` is 96 MiB for its
/// one thread). Measured on the history benchmark: 8 to 96 MiB take the
/// same time; memory grows with it.
const DELTA_BASE_CACHE_BYTES: usize = 8 * 1024 * 1024;

pub struct Store {
    objects: gix::OdbHandle,
    hash: gix::hash::Kind,
    buffer: Vec<u8>,
    /// Parents, root trees and dates without decoding commits, when the
    /// repository has a commit-graph file (git's own shortcut).
    graph: Option<gix::commitgraph::Graph>,
}

impl Store {
    pub fn new(repo: &gix::Repository, shallow: bool) -> Store {
        // Git ignores the commit-graph in a shallow clone: the parents it
        // lists may be missing. gix already ignores it under `git replace`.
        let graph = if shallow {
            None
        } else {
            repo.commit_graph_if_enabled().ok().flatten()
        };
        let mut objects = repo.objects.clone();
        // Delta bases stay decoded between reads: neighbouring trees are
        // deltas of each other, and re-inflating each base dominated the walk.
        objects.set_pack_cache(|| {
            Box::new(gix::odb::pack::cache::lru::MemoryCappedHashmap::new(
                DELTA_BASE_CACHE_BYTES,
            ))
        });
        Store {
            objects,
            hash: repo.object_hash(),
            buffer: Vec::new(),
            graph,
        }
    }

    fn find(&mut self, id: &ObjectId, kind: gix::object::Kind) -> Result<&[u8], HistoryError> {
        let data = self
            .objects
            .try_find(id, &mut self.buffer)
            .map_err(|e| HistoryError(format!("cannot read object {id}: {e}")))?
            .ok_or_else(|| HistoryError(format!("object {id} is missing")))?;
        if data.kind != kind {
            return Err(HistoryError(format!(
                "object {id} is a {}, expected a {kind}",
                data.kind
            )));
        }
        Ok(data.data)
    }
}

impl Objects for Store {
    type Error = HistoryError;

    fn commit(&mut self, id: &ObjectId) -> Result<CommitNode, HistoryError> {
        if let Some(node) = self.graph.as_ref().and_then(|g| from_graph(g, id)) {
            return Ok(node);
        }
        let hash = self.hash;
        let data = self.find(id, gix::object::Kind::Commit)?;
        let malformed = |e: &dyn std::fmt::Display| HistoryError(format!("commit {id}: {e}"));
        let (mut tree, mut time, mut parents) = (None, None, Vec::new());
        for token in gix::objs::CommitRefIter::from_bytes(data, hash) {
            match token.map_err(|e| malformed(&e))? {
                gix::objs::commit::ref_iter::Token::Tree { id } => tree = Some(id),
                gix::objs::commit::ref_iter::Token::Parent { id } => parents.push(id),
                gix::objs::commit::ref_iter::Token::Committer { signature } => {
                    time = Some(signature.time().map_err(|e| malformed(&e))?.seconds);
                    break;
                }
                _ => {}
            }
        }
        match (tree, time) {
            (Some(tree), Some(time)) => Ok(CommitNode {
                tree,
                time,
                parents,
            }),
            _ => Err(malformed(&"no tree or no committer")),
        }
    }

    fn tree(&mut self, id: &ObjectId) -> Result<Tree, HistoryError> {
        let hash = self.hash;
        let data = self.find(id, gix::object::Kind::Tree)?;
        let mut tree = Tree::default();
        for entry in gix::objs::TreeRefIter::from_bytes(data, hash) {
            let entry = entry.map_err(|e| HistoryError(format!("tree {id} is malformed: {e}")))?;
            tree.push(entry.filename, entry.oid.to_owned(), entry.mode.is_tree());
        }
        Ok(tree)
    }
}

fn from_graph(graph: &gix::commitgraph::Graph, id: &ObjectId) -> Option<CommitNode> {
    let commit = graph.commit_by_id(id)?;
    let parents = commit
        .iter_parents()
        .map(|p| p.ok().map(|p| graph.id_at(p).to_owned()))
        .collect::<Option<Vec<_>>>()?;
    Some(CommitNode {
        tree: commit.root_tree_id().to_owned(),
        time: i64::try_from(commit.committer_timestamp()).ok()?,
        parents,
    })
}

/// Date, author and subject of a commit, as `git log --format='%cI %an %ae %s'`.
pub fn last_change(repo: &gix::Repository, id: ObjectId) -> Result<LastChange, HistoryError> {
    let bad = |e: &dyn std::fmt::Display| HistoryError(format!("commit {id}: {e}"));
    let commit = repo.find_commit(id).map_err(|e| bad(&e))?;
    let committer = commit.committer().map_err(|e| bad(&e))?;
    let time = committer.time().map_err(|e| bad(&e))?;
    let author = commit.author().map_err(|e| bad(&e))?;
    let summary = commit
        .message()
        .map(|m| m.summary().to_string())
        .unwrap_or_default();
    Ok(LastChange {
        date: iso_date(time.seconds, time.offset),
        commit: id.to_string(),
        author: author.name.to_string(),
        email: author.email.to_string(),
        summary,
        epoch: time.seconds,
    })
}

/// As `%cI` prints it: the committer's offset, and `Z` for UTC.
fn iso_date(seconds: i64, offset_seconds: i32) -> String {
    let offset = jiff::tz::Offset::from_seconds(offset_seconds).unwrap_or(jiff::tz::Offset::UTC);
    let format = if offset_seconds == 0 {
        "%Y-%m-%dT%H:%M:%SZ"
    } else {
        "%Y-%m-%dT%H:%M:%S%:z"
    };
    jiff::Timestamp::from_second(seconds)
        .map(|t| {
            t.to_zoned(jiff::tz::TimeZone::fixed(offset))
                .strftime(format)
                .to_string()
        })
        .unwrap_or_default()
}
