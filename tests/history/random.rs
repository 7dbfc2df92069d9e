//! Random histories, seeded: commits that add, change, delete and rename
//! files in nested folders, side branches, merges of two or three parents
//! (taking either side or something new), equal timestamps and clocks that
//! run backwards. Each is built with `git fast-import`, and every file's
//! date or state must be what `git log -1 -- FILE` says.
//! `CASGUARD_HISTORY_CASES` and `CASGUARD_HISTORY_SEED` search longer.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use casguard::history::date_files;

use super::assert_agrees_with_git;

/// A commit as fast-import gets it, with its full tree for later merges.
struct Built {
    mark: usize,
    tree: BTreeMap<String, String>,
    time: i64,
}

struct Generator {
    rng: fastrand::Rng,
    stream: Vec<u8>,
    commits: Vec<Built>,
    /// Branch name -> index in `commits` of its head.
    branches: BTreeMap<String, usize>,
    clock: i64,
}

const PATHS: [&str; 9] = [
    "policies/a.toml",
    "policies/b.toml",
    "policies/file/c.toml",
    "policies/file/d.toml",
    "policies/file/deep/e.toml",
    "policies/session/f.toml",
    "policies/session/g.toml",
    "other/readme.md",
    "top.toml",
];

impl Generator {
    fn new(seed: u64) -> Self {
        Generator {
            rng: fastrand::Rng::with_seed(seed),
            stream: Vec::new(),
            commits: Vec::new(),
            branches: BTreeMap::new(),
            clock: 1_760_000_000,
        }
    }

    /// Mostly forward in time; sometimes the same second, sometimes backwards.
    fn tick(&mut self) -> i64 {
        self.clock += match self.rng.u8(..20) {
            0 => 0,
            1 => -3_600,
            _ => self.rng.i64(60..86_400),
        };
        self.clock
    }

    fn content(&mut self) -> String {
        format!("version {}", self.rng.u32(..))
    }

    fn emit(&mut self, branch: &str, parents: &[usize], tree: BTreeMap<String, String>) -> usize {
        let mark = self.commits.len() + 1;
        let time = self.tick();
        let zone = ["+0000", "+0200", "-0500", "+0530"][self.rng.usize(..4)];
        let base = parents
            .first()
            .map(|&p| self.commits[p].tree.clone())
            .unwrap_or_default();
        let out = &mut self.stream;
        writeln!(out, "commit refs/heads/{branch}\nmark :{mark}").unwrap();
        writeln!(out, "author A <a@contoso.com> {time} {zone}").unwrap();
        writeln!(out, "committer A <a@contoso.com> {time} {zone}").unwrap();
        let message = format!("commit {mark}");
        writeln!(out, "data {}\n{message}", message.len()).unwrap();
        for (i, parent) in parents.iter().enumerate() {
            let kind = if i == 0 { "from" } else { "merge" };
            writeln!(out, "{kind} :{}", self.commits[*parent].mark).unwrap();
        }
        for path in base.keys() {
            if !tree.contains_key(path) {
                writeln!(out, "D {path}").unwrap();
            }
        }
        for (path, text) in &tree {
            if base.get(path) != Some(text) {
                writeln!(out, "M 100644 inline {path}\ndata {}\n{text}", text.len()).unwrap();
            }
        }
        writeln!(out).unwrap();
        self.commits.push(Built { mark, tree, time });
        self.branches.insert(branch.to_string(), mark - 1);
        mark - 1
    }

    fn change(&mut self, branch: &str) {
        let head = self.branches[branch];
        let mut tree = self.commits[head].tree.clone();
        for _ in 0..self.rng.usize(1..4) {
            let path = PATHS[self.rng.usize(..PATHS.len())].to_string();
            match self.rng.u8(..6) {
                // Delete.
                0 if tree.len() > 1 => {
                    tree.remove(&path);
                }
                // Rename: the content moves to another path.
                1 => {
                    if let Some(text) = tree.remove(&path) {
                        let to = PATHS[self.rng.usize(..PATHS.len())].to_string();
                        tree.insert(to, text);
                    }
                }
                // Back to a content the file had before.
                2 => {
                    let earlier = self.rng.usize(..self.commits.len().max(1));
                    if let Some(text) = self.commits.get(earlier).and_then(|c| c.tree.get(&path)) {
                        tree.insert(path, text.clone());
                    }
                }
                _ => {
                    let text = self.content();
                    tree.insert(path, text);
                }
            }
        }
        self.emit(branch, &[head], tree);
    }

    fn merge(&mut self, into: &str) {
        let others: Vec<String> = self
            .branches
            .keys()
            .filter(|b| *b != into)
            .cloned()
            .collect();
        if others.is_empty() {
            return self.change(into);
        }
        let count = if others.len() > 1 && self.rng.bool() {
            2
        } else {
            1
        };
        let mut parents = vec![self.branches[into]];
        for _ in 0..count {
            let other = &others[self.rng.usize(..others.len())];
            let head = self.branches[other];
            if !parents.contains(&head) {
                parents.push(head);
            }
        }
        // Each path from one parent, now and then something new.
        let mut tree = BTreeMap::new();
        for path in PATHS {
            let pick = match self.rng.u8(..8) {
                0 => Some(self.content()),
                1 => None,
                _ => {
                    let parent = parents[self.rng.usize(..parents.len())];
                    self.commits[parent].tree.get(path).cloned()
                }
            };
            if let Some(text) = pick {
                tree.insert(path.to_string(), text);
            }
        }
        if tree.is_empty() {
            tree.insert(PATHS[0].to_string(), self.content());
        }
        self.emit(into, &parents, tree);
    }

    fn history(&mut self) {
        let mut initial = BTreeMap::new();
        for path in &PATHS[..self.rng.usize(2..PATHS.len())] {
            let text = self.content();
            initial.insert(path.to_string(), text);
        }
        self.emit("main", &[], initial);
        for _ in 0..self.rng.usize(8..30) {
            let branches: Vec<String> = self.branches.keys().cloned().collect();
            let branch = branches[self.rng.usize(..branches.len())].clone();
            match self.rng.u8(..10) {
                0 | 1 if branches.len() < 4 => {
                    let name = format!("side{}", self.commits.len());
                    let from = self.rng.usize(..self.commits.len());
                    self.branches.insert(name.clone(), from);
                    self.change(&name);
                }
                2 | 3 => self.merge(&branch),
                _ => self.change(&branch),
            }
        }
        self.merge("main");
    }
}

fn import(dir: &Path, stream: &[u8]) {
    let mut child = Command::new("git")
        .args(["fast-import", "--quiet"])
        .current_dir(dir)
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stream).unwrap();
    assert!(child.wait().unwrap().success());
}

#[test]
fn random_histories_are_dated_as_git_log_dates_them() {
    let cases: u64 = std::env::var("CASGUARD_HISTORY_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40);
    let seed: u64 = std::env::var("CASGUARD_HISTORY_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(7);
    let mut compared = 0;
    for case in 0..cases {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        super::git(d, "2026-01-01T00:00:00Z", &["init", "-q", "-b", "main"]);
        let mut generator = Generator::new(seed.wrapping_mul(1_000_003).wrapping_add(case));
        generator.history();
        import(d, &generator.stream);
        super::git(d, "2026-01-01T00:00:00Z", &["checkout", "-q", "-f", "main"]);
        let head = &generator.commits[generator.branches["main"]];
        let files: Vec<String> = head.tree.keys().cloned().collect();
        let history = date_files(d, &files);
        eprintln!(
            "case {case}: {} commits, {} files, latest {}",
            generator.commits.len(),
            files.len(),
            head.time
        );
        assert_agrees_with_git(d, &files, &history);
        compared += files.len();
    }
    assert!(compared >= cases as usize * 2, "{compared} files compared");
}
