//! Last-change dates from git, checked against git itself: on generated
//! repositories with commits at known dates, merges, renames, deletions and
//! re-additions, every date casguard reports equals
//! `git log -1 --format=%cI -- FILE`. Plus the states that get no date:
//! dirty and untracked files, shallow clones, and no repository at all.
//! `layouts`: every repository layout git itself reads. `random`: seeded
//! random histories, each file's date compared with git's.

mod inputs;
mod layouts;
mod random;

use std::path::Path;
use std::process::Command;

use casguard::history::{date_files, FileState, History};

fn git(dir: &Path, date: &str, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Ada Admin")
        .env("GIT_AUTHOR_EMAIL", "ada@contoso.com")
        .env("GIT_COMMITTER_NAME", "Ada Admin")
        .env("GIT_COMMITTER_EMAIL", "ada@contoso.com")
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn write(dir: &Path, path: &str, text: &str) {
    let path = dir.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn commit(dir: &Path, date: &str, message: &str) {
    git(dir, date, &["add", "-A"]);
    git(dir, date, &["commit", "-q", "--allow-empty", "-m", message]);
}

/// A history with every case: edits at known dates (several time zones),
/// a side branch merged with and without conflicts, a rename, a deletion
/// and re-addition, and a merge that keeps mainline's version.
fn generated_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    git(
        d,
        "2026-01-01T09:00:00+01:00",
        &["init", "-q", "-b", "main"],
    );
    write(d, "policies/a.toml", "a1");
    write(d, "policies/b.toml", "b1");
    write(d, "policies/file/c.toml", "c1");
    write(d, "policies/file/d.toml", "d1");
    write(d, "policies/old-name.toml", "renamed");
    write(d, "policies/kept.toml", "kept1");
    commit(d, "2026-01-01T09:00:00+01:00", "initial policies");
    write(d, "policies/a.toml", "a2");
    commit(d, "2026-02-03T10:30:00-05:00", "tune a");
    git(d, "2026-02-04T00:00:00Z", &["checkout", "-q", "-b", "side"]);
    write(d, "policies/b.toml", "b-side");
    write(d, "policies/kept.toml", "kept-side");
    commit(d, "2026-02-05T12:00:00+09:00", "side: change b and kept");
    git(d, "2026-02-06T00:00:00Z", &["checkout", "-q", "main"]);
    write(d, "policies/file/c.toml", "c2");
    commit(d, "2026-02-06T08:00:00Z", "mainline: change c");
    git(
        d,
        "2026-02-07T00:00:00Z",
        &["merge", "-q", "--no-ff", "-m", "merge side", "side"],
    );
    git(
        d,
        "2026-02-08T00:00:00Z",
        &["mv", "policies/old-name.toml", "policies/new-name.toml"],
    );
    commit(d, "2026-02-08T00:00:00Z", "rename");
    git(
        d,
        "2026-03-01T00:00:00Z",
        &["rm", "-q", "policies/file/d.toml"],
    );
    commit(d, "2026-03-01T00:00:00Z", "retire d");
    write(d, "policies/file/d.toml", "d-again");
    commit(d, "2026-03-15T16:45:00+05:30", "bring d back");
    // A branch whose change to kept.toml is discarded by the merge (ours).
    git(
        d,
        "2026-03-20T00:00:00Z",
        &["checkout", "-q", "-b", "discarded"],
    );
    write(d, "policies/kept.toml", "kept-discarded");
    write(d, "policies/a.toml", "a-conflict");
    commit(d, "2026-03-20T00:00:00Z", "discarded change");
    git(d, "2026-03-21T00:00:00Z", &["checkout", "-q", "main"]);
    write(d, "policies/a.toml", "a-main");
    commit(d, "2026-03-21T00:00:00Z", "mainline a");
    let _ = Command::new("git")
        .args([
            "merge",
            "-q",
            "--no-ff",
            "-m",
            "merge discarded",
            "discarded",
        ])
        .current_dir(d)
        .env("GIT_AUTHOR_DATE", "2026-03-22T00:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-03-22T00:00:00Z")
        .env("GIT_AUTHOR_NAME", "A")
        .env("GIT_AUTHOR_EMAIL", "a@contoso.com")
        .env("GIT_COMMITTER_NAME", "A")
        .env("GIT_COMMITTER_EMAIL", "a@contoso.com")
        .output();
    write(d, "policies/a.toml", "a-resolved");
    write(d, "policies/a.toml", "a-resolved");
    git(
        d,
        "2026-03-22T00:00:00Z",
        &["checkout", "-q", "main", "--", "policies/kept.toml"],
    );
    git(d, "2026-03-22T00:00:00Z", &["add", "-A"]);
    git(d, "2026-03-22T00:00:00Z", &["commit", "-q", "--no-edit"]);
    dir
}

const FILES: [&str; 7] = [
    "policies/a.toml",
    "policies/b.toml",
    "policies/file/c.toml",
    "policies/file/d.toml",
    "policies/new-name.toml",
    "policies/kept.toml",
    "policies/file/../b.toml",
];

#[test]
fn every_date_equals_git_log() {
    let repo = generated_repo();
    let d = repo.path();
    let files: Vec<String> = FILES.iter().map(|f| f.to_string()).collect();
    let history = date_files(d, &files);
    assert!(history.note.is_none(), "{:?}", history.note);
    for file in &files {
        let expected = git(
            d,
            "2026-01-01T00:00:00Z",
            &["log", "-1", "--format=%cI %H %s", "--", file],
        );
        let got = &history.files[file];
        assert_eq!(got.state, FileState::Committed, "{file}");
        let change = got.last_change.as_ref().unwrap();
        assert_eq!(
            format!("{} {} {}", change.date, change.commit, change.summary),
            expected,
            "{file}"
        );
        assert_eq!(change.email, "ada@contoso.com");
    }
    // The cases the history was built for, spelled out.
    let summary = |f: &str| {
        history.files[f]
            .last_change
            .as_ref()
            .unwrap()
            .summary
            .clone()
    };
    assert_eq!(
        summary("policies/a.toml"),
        "merge discarded",
        "a conflict resolved in the merge dates the merge"
    );
    assert_eq!(
        summary("policies/b.toml"),
        "side: change b and kept",
        "a merged side change dates the side commit"
    );
    assert_eq!(
        summary("policies/kept.toml"),
        "side: change b and kept",
        "a discarded side change does not count"
    );
    assert_eq!(summary("policies/new-name.toml"), "rename");
    assert_eq!(summary("policies/file/d.toml"), "bring d back");
    assert_eq!(
        history.files["policies/file/d.toml"]
            .last_change
            .as_ref()
            .unwrap()
            .date,
        "2026-03-15T16:45:00+05:30"
    );
}

#[test]
fn dirty_and_untracked_files_get_no_date() {
    let repo = generated_repo();
    let d = repo.path();
    write(d, "policies/a.toml", "edited, not committed");
    write(d, "policies/new.toml", "untracked");
    let files: Vec<String> = ["policies/a.toml", "policies/new.toml", "policies/b.toml"]
        .iter()
        .map(|f| f.to_string())
        .collect();
    let history = date_files(d, &files);
    assert_eq!(
        history.files["policies/a.toml"],
        casguard::history::FileHistory {
            state: FileState::Modified,
            last_change: None
        }
    );
    assert_eq!(
        history.files["policies/new.toml"].state,
        FileState::Untracked
    );
    assert_eq!(history.files["policies/b.toml"].state, FileState::Committed);
}

#[test]
fn shallow_clones_mark_older_changes_as_truncated() {
    let repo = generated_repo();
    let clone = tempfile::tempdir().unwrap();
    let url = format!("file://{}", repo.path().display());
    let target = clone.path().join("c");
    let out = Command::new("git")
        .args([
            "clone",
            "-q",
            "--depth",
            "1",
            &url,
            target.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let files: Vec<String> = FILES[..6].iter().map(|f| f.to_string()).collect();
    let history = date_files(&target, &files);
    assert!(history.shallow);
    for file in &files {
        let state = history.files[file].state;
        assert_eq!(
            state,
            FileState::Truncated,
            "{file}: a depth-1 clone cannot date anything"
        );
        assert!(history.files[file].last_change.is_none());
    }
}

#[test]
fn outside_a_repository_there_is_a_note_and_no_dates() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "policies/a.toml", "x");
    let history = date_files(dir.path(), &["policies/a.toml".to_string()]);
    assert!(history
        .note
        .as_deref()
        .unwrap()
        .contains("not a git repository"));
    assert!(history.files.is_empty());
}

/// Asserts that every file's date or state is what git says, asked from
/// `base`: a date equals `git log -1 --format=%cI -- FILE`; `truncated`
/// only where git's answer is a shallow boundary commit; `modified` and
/// `untracked` only where `git status` lists the file.
pub fn assert_agrees_with_git(base: &Path, files: &[String], history: &History) {
    assert!(history.note.is_none(), "{:?}", history.note);
    for file in files {
        let got = history
            .files
            .get(file)
            .unwrap_or_else(|| panic!("{file}: no entry"));
        let expected = git(
            base,
            "2026-01-01T00:00:00Z",
            &["log", "-1", "--format=%cI %H", "--", file],
        );
        match got.state {
            FileState::Committed => {
                let change = got
                    .last_change
                    .as_ref()
                    .expect("a committed file has a date");
                assert_eq!(
                    format!("{} {}", change.date, change.commit),
                    expected,
                    "{file} in {}",
                    base.display()
                );
            }
            FileState::Truncated => {
                let commit = expected.split(' ').nth(1).unwrap_or_default();
                let shallow = git(
                    base,
                    "2026-01-01T00:00:00Z",
                    &["rev-parse", "--git-path", "shallow"],
                );
                let shallow = std::fs::read_to_string(base.join(shallow)).unwrap_or_default();
                assert!(
                    !commit.is_empty() && shallow.contains(commit),
                    "{file}: truncated, but git dates it by {expected:?}, not a boundary commit"
                );
            }
            FileState::Modified | FileState::Untracked => {
                let status = git(
                    base,
                    "2026-01-01T00:00:00Z",
                    &["status", "--porcelain", "--ignored", "--", file],
                );
                assert!(
                    !status.is_empty(),
                    "{file}: {:?}, but git status is clean",
                    got.state
                );
            }
        }
    }
}
