//! Every repository layout git reads, dated as git dates it: a linked
//! worktree of a shallow clone, policy files inside a submodule, the
//! SHA-256 object format, a committed symlink, `git replace`, an octopus
//! merge, policies in a subfolder of the repository with `-C` into it, and
//! a repository with a missing object (a note, never an older date).

use std::path::Path;

use casguard::history::{date_files, FileState};

use super::{assert_agrees_with_git, commit, git, write};

fn strings(files: &[&str]) -> Vec<String> {
    files.iter().map(|f| f.to_string()).collect()
}

/// A repository with three dated commits touching two policy files.
fn small_repo(dir: &Path, format: &str) {
    git(
        dir,
        "2026-01-01T00:00:00Z",
        &[
            "init",
            "-q",
            "-b",
            "main",
            &format!("--object-format={format}"),
        ],
    );
    write(dir, "policies/a.toml", "a1");
    write(dir, "policies/file/b.toml", "b1");
    commit(dir, "2026-01-02T10:00:00+02:00", "first");
    write(dir, "policies/a.toml", "a2");
    commit(dir, "2026-02-03T11:00:00Z", "second");
    write(dir, "policies/file/b.toml", "b2");
    commit(dir, "2026-03-04T12:00:00-07:00", "third");
}

#[test]
fn a_sha256_repository_is_dated() {
    let dir = tempfile::tempdir().unwrap();
    small_repo(dir.path(), "sha256");
    let files = strings(&["policies/a.toml", "policies/file/b.toml"]);
    let history = date_files(dir.path(), &files);
    assert_agrees_with_git(dir.path(), &files, &history);
    let change = history.files["policies/a.toml"]
        .last_change
        .clone()
        .unwrap();
    assert_eq!(change.commit.len(), 64, "a SHA-256 commit id");
    assert_eq!(change.date, "2026-02-03T11:00:00Z");
}

#[test]
fn a_linked_worktree_of_a_shallow_clone_keeps_its_dates() {
    let origin = tempfile::tempdir().unwrap();
    small_repo(origin.path(), "sha1");
    let place = tempfile::tempdir().unwrap();
    let clone = place.path().join("clone");
    let url = format!("file://{}", origin.path().display());
    git(
        place.path(),
        "2026-01-01T00:00:00Z",
        &["clone", "-q", "--depth", "2", &url, "clone"],
    );
    git(
        &clone,
        "2026-01-01T00:00:00Z",
        &["worktree", "add", "-q", "-b", "review", "../linked"],
    );
    let linked = place.path().join("linked");
    let files = strings(&["policies/a.toml", "policies/file/b.toml"]);
    for base in [&clone, &linked] {
        let history = date_files(base, &files);
        assert!(history.shallow, "{}", base.display());
        assert_agrees_with_git(base, &files, &history);
        // b changed in the newest commit: a date. a changed in the boundary
        // commit, whose parent is missing: truncated, never the boundary's date.
        assert_eq!(
            history.files["policies/file/b.toml"].state,
            FileState::Committed
        );
        assert_eq!(history.files["policies/a.toml"].state, FileState::Truncated);
    }
}

#[test]
fn files_inside_a_submodule_are_dated_by_the_submodule() {
    let place = tempfile::tempdir().unwrap();
    let shared = place.path().join("shared");
    std::fs::create_dir(&shared).unwrap();
    git(
        &shared,
        "2025-06-01T00:00:00Z",
        &["init", "-q", "-b", "main"],
    );
    write(&shared, "baseline.toml", "v1");
    write(&shared, "nested/deep.toml", "d1");
    commit(&shared, "2025-06-01T08:00:00+01:00", "baseline");
    write(&shared, "baseline.toml", "v2");
    commit(&shared, "2025-07-01T09:00:00Z", "baseline v2");
    let project = place.path().join("project");
    std::fs::create_dir(&project).unwrap();
    git(
        &project,
        "2026-01-01T00:00:00Z",
        &["init", "-q", "-b", "main"],
    );
    write(&project, "policies/own.toml", "own");
    commit(&project, "2026-01-05T00:00:00Z", "own policy");
    git(
        &project,
        "2026-01-06T00:00:00Z",
        &[
            "-c",
            "protocol.file.allow=always",
            "submodule",
            "add",
            "-q",
            shared.to_str().unwrap(),
            "policies/shared",
        ],
    );
    commit(&project, "2026-01-06T00:00:00Z", "add the shared baseline");
    let files = strings(&[
        "policies/own.toml",
        "policies/shared/baseline.toml",
        "policies/shared/nested/deep.toml",
    ]);
    let history = date_files(&project, &files);
    assert!(history.note.is_none(), "{:?}", history.note);
    assert_agrees_with_git(&project, &files[..1], &history);
    let submodule = project.join("policies/shared");
    let inside = strings(&["baseline.toml", "nested/deep.toml"]);
    let from_submodule = date_files(&submodule, &inside);
    assert_agrees_with_git(&submodule, &inside, &from_submodule);
    for (outer, inner) in files[1..].iter().zip(&inside) {
        assert_eq!(
            history.files[outer], from_submodule.files[inner],
            "{outer}: dated in the submodule's history, not untracked"
        );
    }
    assert_eq!(
        history.files["policies/shared/baseline.toml"]
            .last_change
            .as_ref()
            .unwrap()
            .date,
        "2025-07-01T09:00:00Z"
    );
}

#[cfg(unix)]
#[test]
fn a_committed_symlink_is_dated_as_the_link() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    git(d, "2026-01-01T00:00:00Z", &["init", "-q", "-b", "main"]);
    write(d, "policies/target.toml", "t1");
    commit(d, "2026-01-01T10:00:00Z", "target");
    std::os::unix::fs::symlink("target.toml", d.join("policies/link.toml")).unwrap();
    commit(d, "2026-02-01T10:00:00Z", "link");
    write(d, "policies/target.toml", "t2");
    commit(d, "2026-03-01T10:00:00Z", "change the target");
    let files = strings(&["policies/link.toml", "policies/target.toml"]);
    let history = date_files(d, &files);
    assert_agrees_with_git(d, &files, &history);
    let link = history.files["policies/link.toml"]
        .last_change
        .clone()
        .unwrap();
    assert_eq!(link.summary, "link");
}

#[test]
fn git_replace_is_honoured() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    small_repo(d, "sha1");
    // Replace "second" by a copy committed on another date, as
    // `git replace` is used to fix a history without rewriting it.
    let second = git(d, "2026-01-01T00:00:00Z", &["rev-parse", "HEAD~1"]);
    let tree = git(d, "2026-01-01T00:00:00Z", &["rev-parse", "HEAD~1^{tree}"]);
    let parent = git(d, "2026-01-01T00:00:00Z", &["rev-parse", "HEAD~2"]);
    let copy = git(
        d,
        "2026-02-20T08:30:00+01:00",
        &[
            "commit-tree",
            &tree,
            "-p",
            &parent,
            "-m",
            "second, corrected",
        ],
    );
    git(d, "2026-01-01T00:00:00Z", &["replace", &second, &copy]);
    let files = strings(&["policies/a.toml", "policies/file/b.toml"]);
    let history = date_files(d, &files);
    assert_agrees_with_git(d, &files, &history);
    assert_eq!(
        history.files["policies/a.toml"]
            .last_change
            .as_ref()
            .unwrap()
            .date,
        "2026-02-20T08:30:00+01:00"
    );
}

#[test]
fn octopus_merges_and_a_subfolder_with_dash_c_agree_with_git() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    git(d, "2026-01-01T00:00:00Z", &["init", "-q", "-b", "main"]);
    for name in ["a", "b", "c", "d"] {
        write(d, &format!("config/policies/{name}.toml"), "1");
    }
    write(d, "README.md", "not a policy");
    commit(d, "2026-01-01T00:00:00Z", "initial");
    for (branch, file, date) in [
        ("one", "a", "2026-01-02T00:00:00Z"),
        ("two", "b", "2026-01-03T00:00:00Z"),
        ("three", "c", "2026-01-04T00:00:00Z"),
    ] {
        git(d, date, &["checkout", "-q", "-b", branch, "main"]);
        write(d, &format!("config/policies/{file}.toml"), branch);
        commit(d, date, &format!("{branch}: {file}"));
    }
    git(d, "2026-01-05T00:00:00Z", &["checkout", "-q", "main"]);
    write(d, "config/policies/d.toml", "main");
    commit(d, "2026-01-05T00:00:00Z", "main: d");
    git(
        d,
        "2026-01-06T00:00:00Z",
        &[
            "merge", "-q", "--no-ff", "-m", "octopus", "one", "two", "three",
        ],
    );
    let parents = git(d, "2026-01-01T00:00:00Z", &["log", "-1", "--format=%P"]);
    assert_eq!(parents.split(' ').count(), 4, "an octopus merge");
    // Run from the subfolder, as `casguard -C config` does.
    let base = d.join("config");
    let files = strings(&[
        "policies/a.toml",
        "policies/b.toml",
        "policies/c.toml",
        "policies/d.toml",
    ]);
    let history = date_files(&base, &files);
    assert_agrees_with_git(&base, &files, &history);
    assert_eq!(
        history.files["policies/b.toml"]
            .last_change
            .as_ref()
            .unwrap()
            .summary,
        "two: b"
    );
}

#[test]
fn a_missing_object_gives_a_note_and_no_date() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    small_repo(d, "sha1");
    // The first commit's tree of `policies/file`: only the oldest history needs it.
    let tree = git(
        d,
        "2026-01-01T00:00:00Z",
        &["rev-parse", "HEAD~2:policies/file"],
    );
    let loose = d.join(".git/objects").join(&tree[..2]).join(&tree[2..]);
    std::fs::remove_file(&loose).expect("objects are loose in a fresh repository");
    let files = strings(&["policies/a.toml", "policies/file/b.toml"]);
    let history = date_files(d, &files);
    let note = history.note.expect("a note says why there are no dates");
    assert!(note.contains("cannot read git history"), "{note}");
    assert!(
        history.files.values().all(|f| f.last_change.is_none()),
        "no date at all rather than a wrong one: {:?}",
        history.files
    );
}

#[test]
fn a_file_in_a_merge_conflict_is_modified() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    small_repo(d, "sha1");
    git(
        d,
        "2026-04-01T00:00:00Z",
        &["checkout", "-q", "-b", "other", "HEAD~1"],
    );
    write(d, "policies/a.toml", "a-other");
    commit(d, "2026-04-01T00:00:00Z", "other a");
    git(d, "2026-04-02T00:00:00Z", &["checkout", "-q", "main"]);
    write(d, "policies/a.toml", "a-main");
    commit(d, "2026-04-02T00:00:00Z", "main a");
    let merge = std::process::Command::new("git")
        .args(["merge", "-q", "other"])
        .current_dir(d)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", d)
        .env("GIT_COMMITTER_NAME", "Ada Admin")
        .env("GIT_COMMITTER_EMAIL", "ada@contoso.com")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&merge.stdout);
    assert!(said.contains("CONFLICT"), "the merge conflicts: {said}");
    let files = strings(&["policies/a.toml", "policies/file/b.toml"]);
    let history = date_files(d, &files);
    assert_eq!(history.files["policies/a.toml"].state, FileState::Modified);
    assert_agrees_with_git(d, &files, &history);
}
