//! The revision walk that finds, for each path, the commit
//! `git log -1 -- PATH` would show. Pure: objects arrive through the
//! [`Objects`] trait (the git store in `super::store`, or a test's map), so
//! the walk itself does no I/O and can be checked against git on generated
//! histories.
//!
//! Commits are taken newest first by committer date (ties: the commit
//! reached first), as git's default walk does. A commit dates a path when it
//! changes the path against its only parent, or, for a merge, against every
//! parent; a merge that leaves the path as one parent had it passes the path
//! on to that parent alone (git's default history simplification). Paths
//! still undated travel down each line of history as a bit set, so a commit
//! costs one tree comparison per parent, subtrees with equal ids are never
//! opened, and the walk stops as soon as every path is dated.
//!
//! A commit with no parents dates the paths it holds. A commit on the
//! boundary of a shallow clone may not: its parents are missing, so the
//! paths it holds are `Truncated`, never given the boundary's date.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::rc::Rc;

use gix::hashtable::HashMap as IdMap;
use gix::ObjectId;

/// What the walk needs of a commit.
#[derive(Debug, Clone)]
pub struct CommitNode {
    pub tree: ObjectId,
    /// Committer date, seconds since the epoch.
    pub time: i64,
    pub parents: Vec<ObjectId>,
}

/// A tree's entries in git's order (a subtree sorts as `name/`), names in
/// one buffer: one allocation per tree, not one per entry.
#[derive(Debug, Default)]
pub struct Tree {
    names: Vec<u8>,
    entries: Vec<Entry>,
}

#[derive(Debug)]
struct Entry {
    start: u32,
    len: u32,
    id: ObjectId,
    is_tree: bool,
}

impl Tree {
    /// Appends an entry; entries must come in the tree's stored order.
    pub fn push(&mut self, name: &[u8], id: ObjectId, is_tree: bool) {
        let start = self.names.len() as u32;
        self.names.extend_from_slice(name);
        if is_tree {
            self.names.push(b'/');
        }
        self.entries.push(Entry {
            start,
            len: self.names.len() as u32 - start,
            id,
            is_tree,
        });
    }

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

/// Where the walk reads commits and trees from.
pub trait Objects {
    type Error;
    fn commit(&mut self, id: &ObjectId) -> Result<CommitNode, Self::Error>;
    fn tree(&mut self, id: &ObjectId) -> Result<Tree, Self::Error>;
}

/// What the walk found for one path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// The commit `git log -1 -- PATH` shows.
    Commit(ObjectId),
    /// The path's last change lies at or beyond a shallow clone's boundary.
    Truncated,
}

/// Which folders a tree comparison opens.
pub enum Scope {
    /// Only these folders (and the root): the folders holding the paths of interest.
    Folders(HashSet<Vec<u8>>),
    /// Every folder on the way to `prefix`, and everything under it (empty: everything).
    Under(Vec<u8>),
}

impl Scope {
    /// The folders that hold `paths`.
    pub fn holding<'p>(paths: impl IntoIterator<Item = &'p str>) -> Scope {
        let mut folders = HashSet::new();
        for path in paths {
            let mut dir = path.as_bytes();
            while let Some(cut) = dir.iter().rposition(|&b| b == b'/') {
                dir = &dir[..cut];
                if !folders.insert(dir.to_vec()) {
                    break;
                }
            }
        }
        Scope::Folders(folders)
    }

    fn opens(&self, folder: &[u8]) -> bool {
        match self {
            Scope::Folders(folders) => folders.contains(folder),
            Scope::Under(prefix) => {
                prefix.is_empty()
                    || folder.starts_with(prefix)
                        && (folder.len() == prefix.len() || folder[prefix.len()] == b'/')
                    || prefix.starts_with(folder) && prefix[folder.len()] == b'/'
            }
        }
    }
}

/// Parsed trees, each loaded once while it is likely to be needed again (a
/// commit's tree is its child's parent tree), and the comparison of two.
pub struct Trees<'o, O: Objects> {
    objects: &'o mut O,
    cache: IdMap<ObjectId, Rc<Tree>>,
}

impl<'o, O: Objects> Trees<'o, O> {
    pub fn new(objects: &'o mut O) -> Self {
        Trees {
            objects,
            cache: IdMap::default(),
        }
    }

    pub fn commit(&mut self, id: &ObjectId) -> Result<CommitNode, O::Error> {
        self.objects.commit(id)
    }

    fn load(&mut self, id: &ObjectId) -> Result<Rc<Tree>, O::Error> {
        if let Some(tree) = self.cache.get(id) {
            return Ok(tree.clone());
        }
        // Small and cleared often: reuse is between neighbouring commits.
        if self.cache.len() > 1024 {
            self.cache.clear();
        }
        let tree = Rc::new(self.objects.tree(id)?);
        self.cache.insert(*id, tree.clone());
        Ok(tree)
    }

    /// Calls `changed` with the path and new id (`None`: deleted) of every
    /// non-tree entry that differs between trees `old` and `new` (`None`:
    /// the empty tree), opening only the folders `scope` allows.
    pub fn diff(
        &mut self,
        old: Option<&ObjectId>,
        new: Option<&ObjectId>,
        scope: &Scope,
        changed: &mut dyn FnMut(&[u8], Option<&ObjectId>),
    ) -> Result<(), O::Error> {
        let mut path = Vec::new();
        self.diff_in(old, new, scope, &mut path, changed)
    }

    fn diff_in(
        &mut self,
        old: Option<&ObjectId>,
        new: Option<&ObjectId>,
        scope: &Scope,
        path: &mut Vec<u8>,
        changed: &mut dyn FnMut(&[u8], Option<&ObjectId>),
    ) -> Result<(), O::Error> {
        if old == new {
            return Ok(());
        }
        let empty = Rc::new(Tree::default());
        let left = match old {
            Some(id) => self.load(id)?,
            None => empty.clone(),
        };
        let right = match new {
            Some(id) => self.load(id)?,
            None => empty,
        };
        // A merge join over two sorted lists: no hashing, no allocation for equal entries.
        let (mut i, mut j) = (0, 0);
        while i < left.entries.len() || j < right.entries.len() {
            let order = match (left.entries.get(i), right.entries.get(j)) {
                (Some(l), Some(r)) => left.key(l).cmp(right.key(r)),
                (Some(_), None) => Ordering::Less,
                _ => Ordering::Greater,
            };
            let (before, after) = match order {
                Ordering::Equal => {
                    i += 1;
                    j += 1;
                    if left.entries[i - 1].id == right.entries[j - 1].id {
                        continue;
                    }
                    (Some(&left.entries[i - 1]), Some(&right.entries[j - 1]))
                }
                Ordering::Less => {
                    i += 1;
                    (Some(&left.entries[i - 1]), None)
                }
                Ordering::Greater => {
                    j += 1;
                    (None, Some(&right.entries[j - 1]))
                }
            };
            let (name, is_tree) = match (before, after) {
                (Some(e), _) => (left.name(e), e.is_tree),
                (None, Some(e)) => (right.name(e), e.is_tree),
                (None, None) => continue,
            };
            let depth = path.len();
            if depth > 0 {
                path.push(b'/');
            }
            path.extend_from_slice(name);
            // Keys of equal order have equal tree-ness (a folder's key ends in
            // `/`), so a file and a folder of one name never pair up.
            if !is_tree {
                changed(path, after.map(|e| &e.id));
            } else if scope.opens(path) {
                let (a, b) = (before.map(|e| e.id), after.map(|e| e.id));
                self.diff_in(a.as_ref(), b.as_ref(), scope, path, changed)?;
            }
            path.truncate(depth);
        }
        Ok(())
    }
}

/// Commits waiting in the walk: newest first; among equal dates, the one
/// reached first.
struct Pending {
    time: i64,
    seq: u64,
    id: ObjectId,
}

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        (self.time, self.seq) == (other.time, other.seq)
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Pending {
    fn cmp(&self, other: &Self) -> Ordering {
        self.time.cmp(&other.time).then(other.seq.cmp(&self.seq))
    }
}

/// Commits in git's default order from `head` (newest committer date first,
/// ties in the order reached), each once.
pub struct ByDate {
    queue: BinaryHeap<Pending>,
    seen: HashSet<ObjectId>,
    seq: u64,
}

impl ByDate {
    pub fn new() -> Self {
        ByDate {
            queue: BinaryHeap::new(),
            seen: HashSet::new(),
            seq: 0,
        }
    }

    pub fn push(&mut self, id: ObjectId, time: i64) {
        if self.seen.insert(id) {
            self.seq += 1;
            self.queue.push(Pending {
                time,
                seq: self.seq,
                id,
            });
        }
    }

    pub fn pop(&mut self) -> Option<ObjectId> {
        self.queue.pop().map(|p| p.id)
    }
}

/// A set of path indices, in whole words.
#[derive(Clone, Default)]
struct Bits(Vec<u64>);

impl Bits {
    fn all(count: usize) -> Bits {
        let mut bits = Bits(vec![u64::MAX; count.div_ceil(64)]);
        if count % 64 != 0 {
            if let Some(last) = bits.0.last_mut() {
                *last = (1u64 << (count % 64)) - 1;
            }
        }
        bits
    }
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
        self.0.iter().enumerate().flat_map(|(i, &w)| {
            let mut word = w;
            std::iter::from_fn(move || {
                (word != 0).then(|| {
                    let bit = word.trailing_zeros() as usize;
                    word &= word - 1;
                    i * 64 + bit
                })
            })
        })
    }
}

/// For each of `paths` (repository-relative, `/`-separated, distinct), what
/// `git log -1 -- PATH` shows from `head`; `None` for a path no commit
/// holds. `boundary`: the commits of a shallow clone whose parents are
/// missing. `open` gives each thread its own object reader.
///
/// The tree comparisons, which are nearly all the work, run ahead of the
/// walk on worker threads: one thread lists the commits in walk order, the
/// workers compare each with its parents in chunks of neighbours (so a
/// tree read for one commit serves the next), and the walk itself only
/// combines their answers. It stops them once every path is dated.
pub fn last_changes<O, F>(
    open: F,
    head: ObjectId,
    paths: &[String],
    boundary: &HashSet<ObjectId>,
) -> Result<Vec<Option<Found>>, O::Error>
where
    O: Objects,
    O::Error: Send + From<Interrupted>,
    F: Fn() -> Result<O, O::Error> + Sync,
{
    if paths.is_empty() {
        return Ok(Vec::new());
    }
    let index: HashMap<&[u8], u32> = paths
        .iter()
        .enumerate()
        .map(|(i, p)| (p.as_bytes(), i as u32))
        .collect();
    let scope = Scope::holding(paths.iter().map(String::as_str));
    let ahead = Ahead::new();
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get().clamp(1, 4));
    let context = Context {
        open: &open,
        index: &index,
        scope: &scope,
        boundary,
    };
    let (context, ahead) = (&context, &ahead);
    std::thread::scope(|threads| {
        let mut helpers = vec![threads.spawn(move || {
            let _guard = StopOnPanic(ahead);
            ahead.list(context, head)
        })];
        for _ in 0..workers {
            helpers.push(threads.spawn(move || {
                let _guard = StopOnPanic(ahead);
                ahead.compare(context)
            }));
        }
        let mut walk = Walk {
            context,
            ahead,
            found: vec![None; paths.len()],
            remaining: Bits::all(paths.len()),
            carried: IdMap::default(),
            taken: HashSet::new(),
            own: None,
        };
        let outcome = walk.run(head);
        ahead.stop();
        // Joined here, a helper's panic (a bug) becomes an error, not a crash.
        let joined = helpers.into_iter().all(|h| h.join().is_ok());
        match outcome {
            Ok(()) if joined => Ok(walk.found),
            Ok(()) => Err(Interrupted.into()),
            Err(error) => Err(error),
        }
    })
}

/// A thread reading history ended without finishing its work (it panicked).
#[derive(Debug)]
pub struct Interrupted;

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a thread reading git history stopped unexpectedly")
    }
}

/// Stops the walk when the thread holding it unwinds, so nobody waits for
/// work that will never come.
struct StopOnPanic<'a, E: Send>(&'a Ahead<E>);

impl<E: Send> Drop for StopOnPanic<'_, E> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.stop();
        }
    }
}

/// What every thread of one walk shares, read-only.
struct Context<'a, F> {
    open: &'a F,
    /// Path -> its index in `paths`.
    index: &'a HashMap<&'a [u8], u32>,
    scope: &'a Scope,
    boundary: &'a HashSet<ObjectId>,
}

/// A commit in walk order, as listed: its tree and its parents' trees.
struct Plan {
    id: ObjectId,
    tree: ObjectId,
    parents: Vec<ObjectId>,
    parent_trees: Vec<ObjectId>,
    parent_times: Vec<i64>,
    /// No parents, or a shallow boundary: compared with the empty tree.
    root: bool,
}

impl Plan {
    /// The plan for commit `id`; `parent` reads a parent's node.
    fn of<E>(
        id: ObjectId,
        node: CommitNode,
        boundary: &HashSet<ObjectId>,
        mut parent: impl FnMut(&ObjectId) -> Result<CommitNode, E>,
    ) -> Result<Plan, E> {
        let root = node.parents.is_empty() || boundary.contains(&id);
        let mut plan = Plan {
            id,
            tree: node.tree,
            parents: Vec::new(),
            parent_trees: Vec::new(),
            parent_times: Vec::new(),
            root,
        };
        if !root {
            for id in &node.parents {
                let parent_node = parent(id)?;
                plan.parent_trees.push(parent_node.tree);
                plan.parent_times.push(parent_node.time);
            }
            plan.parents = node.parents;
        }
        Ok(plan)
    }
}

/// A commit compared: per parent (once, against the empty tree, for a
/// root), the indices of the paths of interest that differ.
struct Step {
    plan: Plan,
    changed: Vec<Vec<u32>>,
}

/// Commits per unit of work: neighbours share trees, so one worker takes a run.
const CHUNK: usize = 1024;

/// Commits a worker compares before handing them to the walk.
const PUBLISH: usize = 32;

/// The work ahead of the walk, shared by its threads.
struct Ahead<E> {
    state: std::sync::Mutex<AheadState<E>>,
    /// More commits listed, or listing ended.
    listed: std::sync::Condvar,
    /// A commit compared, or a failure.
    compared: std::sync::Condvar,
}

struct AheadState<E> {
    /// Listed, not yet claimed by a worker.
    plans: std::collections::VecDeque<Plan>,
    listing_done: bool,
    steps: IdMap<ObjectId, Step>,
    failure: Option<E>,
    stopped: bool,
}

impl<E: Send> Ahead<E> {
    fn new() -> Self {
        Ahead {
            state: std::sync::Mutex::new(AheadState {
                plans: std::collections::VecDeque::new(),
                listing_done: false,
                steps: IdMap::default(),
                failure: None,
                stopped: false,
            }),
            listed: std::sync::Condvar::new(),
            compared: std::sync::Condvar::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, AheadState<E>> {
        // A panicking thread cannot leave the state half-updated: every
        // change is a single push or insert.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn stop(&self) {
        self.lock().stopped = true;
        self.listed.notify_all();
        self.compared.notify_all();
    }

    fn fail(&self, error: E) {
        let mut state = self.lock();
        state.failure.get_or_insert(error);
        state.stopped = true;
        drop(state);
        self.listed.notify_all();
        self.compared.notify_all();
    }

    /// Lists every commit from `head` in walk order (the walk visits a subset, in the same order).
    fn list<O: Objects<Error = E>, F: Fn() -> Result<O, E>>(
        &self,
        context: &Context<F>,
        head: ObjectId,
    ) {
        if let Err(error) = self.try_list(context, head) {
            self.fail(error);
        }
        self.lock().listing_done = true;
        self.listed.notify_all();
    }

    fn try_list<O: Objects<Error = E>, F: Fn() -> Result<O, E>>(
        &self,
        context: &Context<F>,
        head: ObjectId,
    ) -> Result<(), E> {
        let mut objects = (context.open)()?;
        let mut nodes: IdMap<ObjectId, CommitNode> = IdMap::default();
        let mut queue = ByDate::new();
        let node = objects.commit(&head)?;
        queue.push(head, node.time);
        nodes.insert(head, node);
        let mut batch = Vec::with_capacity(CHUNK);
        while let Some(id) = queue.pop() {
            let node = match nodes.remove(&id) {
                Some(node) => node,
                None => objects.commit(&id)?,
            };
            let plan = Plan::of(id, node, context.boundary, |parent| {
                let parent_node = match nodes.get(parent) {
                    Some(parent_node) => parent_node.clone(),
                    None => {
                        let parent_node = objects.commit(parent)?;
                        // Listed already (a child dated after its parent): read, not kept.
                        if !queue.seen.contains(parent) {
                            nodes.insert(*parent, parent_node.clone());
                        }
                        parent_node
                    }
                };
                queue.push(*parent, parent_node.time);
                Ok(parent_node)
            })?;
            batch.push(plan);
            if batch.len() == CHUNK || queue.queue.is_empty() {
                let mut state = self.lock();
                if state.stopped {
                    return Ok(());
                }
                state.plans.extend(batch.drain(..));
                drop(state);
                self.listed.notify_all();
            }
        }
        Ok(())
    }

    /// Compares listed commits with their parents, a chunk at a time, until
    /// the list ends or the walk stops.
    fn compare<O: Objects<Error = E>, F: Fn() -> Result<O, E>>(&self, context: &Context<F>) {
        let mut objects = match (context.open)() {
            Ok(objects) => objects,
            Err(error) => return self.fail(error),
        };
        let mut trees = Trees::new(&mut objects);
        loop {
            let chunk = {
                let mut state = self.lock();
                while !state.stopped && !state.listing_done && state.plans.len() < CHUNK {
                    state = self.listed.wait(state).unwrap_or_else(|p| p.into_inner());
                }
                if state.stopped || state.plans.is_empty() {
                    return;
                }
                let end = state.plans.len().min(CHUNK);
                state.plans.drain(..end).collect::<Vec<_>>()
            };
            let count = chunk.len();
            let mut done = Vec::with_capacity(PUBLISH);
            for (i, plan) in chunk.into_iter().enumerate() {
                match step(&mut trees, context, plan) {
                    Ok(step) => done.push(step),
                    Err(error) => return self.fail(error),
                }
                // In batches: a wake-up per commit costs more than comparing it.
                if done.len() == PUBLISH || i + 1 == count {
                    let mut state = self.lock();
                    if state.stopped {
                        return;
                    }
                    state.steps.extend(done.drain(..).map(|s| (s.plan.id, s)));
                    drop(state);
                    self.compared.notify_all();
                }
            }
        }
    }

    /// The step for `id` once a worker has it; `None` if it was taken before.
    fn take(&self, id: &ObjectId, taken_before: bool) -> Result<Option<Step>, E>
    where
        E: From<Interrupted>,
    {
        if taken_before {
            return Ok(None);
        }
        let mut state = self.lock();
        loop {
            if let Some(error) = state.failure.take() {
                return Err(error);
            }
            if let Some(step) = state.steps.remove(id) {
                return Ok(Some(step));
            }
            if state.stopped {
                return Err(Interrupted.into());
            }
            state = self.compared.wait(state).unwrap_or_else(|p| p.into_inner());
        }
    }
}

/// Compares one commit with each parent (a root with the empty tree).
fn step<O: Objects, F>(
    trees: &mut Trees<'_, O>,
    context: &Context<F>,
    plan: Plan,
) -> Result<Step, O::Error> {
    let mut changed = Vec::new();
    let olds: Vec<Option<ObjectId>> = if plan.root {
        vec![None]
    } else {
        plan.parent_trees.iter().copied().map(Some).collect()
    };
    for old in olds {
        let mut indices = Vec::new();
        trees.diff(
            old.as_ref(),
            Some(&plan.tree),
            context.scope,
            &mut |path, _| {
                if let Some(&i) = context.index.get(path) {
                    indices.push(i);
                }
            },
        )?;
        changed.push(indices);
    }
    Ok(Step { plan, changed })
}

/// The walk proper: which commit dates which path.
struct Walk<'c, 'a, F, O: Objects> {
    context: &'c Context<'a, F>,
    ahead: &'c Ahead<O::Error>,
    found: Vec<Option<Found>>,
    /// Paths not dated yet.
    remaining: Bits,
    /// Undated paths each queued commit is responsible for.
    carried: IdMap<ObjectId, Bits>,
    /// Commits whose step the walk has used (a second visit computes its own).
    taken: HashSet<ObjectId>,
    /// This thread's reader, opened for second visits only.
    own: Option<O>,
}

impl<F, O> Walk<'_, '_, F, O>
where
    O: Objects,
    O::Error: Send + From<Interrupted>,
    F: Fn() -> Result<O, O::Error>,
{
    fn run(&mut self, head: ObjectId) -> Result<(), O::Error> {
        let mut queue = ByDate::new();
        queue.push(head, 0);
        self.carried.insert(head, self.remaining.clone());
        while let Some(id) = queue.pop() {
            let Some(mut paths) = self.carried.remove(&id) else {
                continue;
            };
            // Paths dated meanwhile by a newer commit no longer matter.
            paths.intersect(&self.remaining);
            if !paths.is_empty() {
                self.visit(id, paths, &mut queue)?;
            }
            if self.remaining.is_empty() {
                break;
            }
        }
        Ok(())
    }

    fn step(&mut self, id: ObjectId) -> Result<Step, O::Error> {
        let again = !self.taken.insert(id);
        if let Some(step) = self.ahead.take(&id, again)? {
            return Ok(step);
        }
        // A second visit (a child dated after its parent): compare here.
        if self.own.is_none() {
            self.own = Some((self.context.open)()?);
        }
        let objects = self.own.as_mut().expect("opened above");
        let node = objects.commit(&id)?;
        let plan = Plan::of(id, node, self.context.boundary, |p| objects.commit(p))?;
        step(&mut Trees::new(objects), self.context, plan)
    }

    fn visit(&mut self, id: ObjectId, paths: Bits, queue: &mut ByDate) -> Result<(), O::Error> {
        let step = self.step(id)?;
        let changed_by_parent: Vec<Bits> = step
            .changed
            .iter()
            .map(|indices| {
                let mut bits = Bits::default();
                for &i in indices {
                    bits.insert(i as usize);
                }
                bits.intersect(&paths);
                bits
            })
            .collect();
        if step.plan.root {
            // Every path it holds is new against the empty tree.
            let shallow = self.context.boundary.contains(&id);
            for i in changed_by_parent[0].iter() {
                let found = if shallow {
                    Found::Truncated
                } else {
                    Found::Commit(id)
                };
                self.settle(i, found);
            }
            return Ok(());
        }
        let follow = self.split(id, paths, &changed_by_parent);
        let plan = &step.plan;
        for ((parent, time), bits) in plan.parents.iter().zip(&plan.parent_times).zip(follow) {
            if bits.is_empty() {
                continue;
            }
            match self.carried.get_mut(parent) {
                Some(existing) => existing.union(&bits),
                None => {
                    self.carried.insert(*parent, bits);
                    // A commit visited before (a child dated later than its
                    // parent) is queued again for the paths that arrive late.
                    queue.seen.remove(parent);
                    queue.push(*parent, *time);
                }
            }
        }
        Ok(())
    }

    fn settle(&mut self, i: usize, found: Found) {
        self.remaining.remove(i);
        self.found[i] = Some(found);
    }

    /// Dates the paths this commit changed against every parent, and returns
    /// which undated paths each parent carries on.
    fn split(&mut self, id: ObjectId, mut paths: Bits, changed_by_parent: &[Bits]) -> Vec<Bits> {
        let mut follow: Vec<Bits> = vec![Bits::default(); changed_by_parent.len()];
        if let [changed] = changed_by_parent {
            // The common case, in whole words: changed paths are dated, the rest move on.
            for i in changed.iter() {
                self.settle(i, Found::Commit(id));
            }
            paths.subtract(changed);
            follow[0] = paths;
            return follow;
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
                None => self.settle(i, Found::Commit(id)),
            }
        }
        follow
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u8) -> ObjectId {
        ObjectId::Sha1([n; 20])
    }

    /// Objects in memory; reading `poison` panics, reading an unknown id fails.
    #[derive(Clone, Default)]
    struct Memory {
        commits: HashMap<ObjectId, CommitNode>,
        trees: HashMap<ObjectId, Vec<(&'static str, ObjectId, bool)>>,
        poison: Option<ObjectId>,
    }

    #[derive(Debug, PartialEq)]
    struct Failure(String);

    impl From<Interrupted> for Failure {
        fn from(interrupted: Interrupted) -> Self {
            Failure(interrupted.to_string())
        }
    }

    impl Objects for Memory {
        type Error = Failure;
        fn commit(&mut self, id: &ObjectId) -> Result<CommitNode, Failure> {
            self.commits
                .get(id)
                .cloned()
                .ok_or(Failure(format!("no commit {id}")))
        }
        fn tree(&mut self, id: &ObjectId) -> Result<Tree, Failure> {
            assert_ne!(self.poison, Some(*id), "a reader bug");
            let entries = self.trees.get(id).ok_or(Failure(format!("no tree {id}")))?;
            let mut tree = Tree::default();
            for (name, entry, is_tree) in entries {
                tree.push(name.as_bytes(), *entry, *is_tree);
            }
            Ok(tree)
        }
    }

    /// c1 (root) adds p/a and p/b; c2 changes p/a; c3 changes nothing of interest.
    fn history() -> Memory {
        let mut memory = Memory::default();
        memory
            .trees
            .insert(id(11), vec![("a", id(101), false), ("b", id(102), false)]);
        memory
            .trees
            .insert(id(12), vec![("a", id(103), false), ("b", id(102), false)]);
        memory.trees.insert(id(21), vec![("p", id(11), true)]);
        memory.trees.insert(id(22), vec![("p", id(12), true)]);
        memory
            .trees
            .insert(id(23), vec![("other", id(104), false), ("p", id(12), true)]);
        for (commit, tree, parents, time) in [
            (1, 21, vec![], 100),
            (2, 22, vec![id(1)], 200),
            (3, 23, vec![id(2)], 300),
        ] {
            let node = CommitNode {
                tree: id(tree),
                time,
                parents,
            };
            memory.commits.insert(id(commit), node);
        }
        memory
    }

    fn paths() -> Vec<String> {
        vec!["p/a".into(), "p/b".into(), "p/never".into()]
    }

    #[test]
    fn each_path_is_dated_by_its_last_change() {
        let memory = history();
        let found = last_changes(|| Ok(memory.clone()), id(3), &paths(), &HashSet::new());
        assert_eq!(
            found,
            Ok(vec![
                Some(Found::Commit(id(2))),
                Some(Found::Commit(id(1))),
                None
            ])
        );
        let boundary = HashSet::from([id(2)]);
        let found = last_changes(|| Ok(memory.clone()), id(3), &paths(), &boundary);
        assert_eq!(
            found,
            Ok(vec![Some(Found::Truncated), Some(Found::Truncated), None]),
            "at a shallow boundary, never the boundary's date"
        );
    }

    #[test]
    fn a_missing_object_or_a_panicking_reader_is_an_error_not_a_hang() {
        let mut memory = history();
        memory.trees.remove(&id(11));
        let found = last_changes(|| Ok(memory.clone()), id(3), &paths(), &HashSet::new());
        assert_eq!(found, Err(Failure(format!("no tree {}", id(11)))));
        let mut memory = history();
        memory.poison = Some(id(11));
        let found = last_changes(|| Ok(memory.clone()), id(3), &paths(), &HashSet::new());
        assert_eq!(
            found,
            Err(Failure(
                "a thread reading git history stopped unexpectedly".into()
            ))
        );
    }

    #[test]
    fn bits_iterate_in_order_and_all_covers_exactly_count() {
        let all = Bits::all(130);
        assert_eq!(all.iter().count(), 130);
        assert!(all.contains(129) && !all.contains(130));
        let mut bits = Bits::default();
        for i in [3, 64, 65, 200] {
            bits.insert(i);
        }
        assert_eq!(bits.iter().collect::<Vec<_>>(), vec![3, 64, 65, 200]);
        bits.remove(64);
        assert_eq!(bits.iter().collect::<Vec<_>>(), vec![3, 65, 200]);
        assert!(Bits::all(0).is_empty());
    }

    #[test]
    fn scope_opens_the_way_to_a_prefix_and_everything_below() {
        let scope = Scope::Under(b"config/policies".to_vec());
        assert!(scope.opens(b"config"));
        assert!(scope.opens(b"config/policies"));
        assert!(scope.opens(b"config/policies/file"));
        assert!(!scope.opens(b"config/policies-old"));
        assert!(!scope.opens(b"other"));
        let holding = Scope::holding(["policies/a/x.toml", "policies/b.toml"]);
        assert!(holding.opens(b"policies") && holding.opens(b"policies/a"));
        assert!(!holding.opens(b"policies/c"));
    }
}
