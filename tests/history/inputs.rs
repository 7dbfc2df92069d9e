//! What an evidence bundle says of git: the commit, and whether the files
//! its results come from (policy files, casguard.toml, custom rules) differ
//! from it. Files that play no part, such as notes beside the policies, do
//! not make a bundle "dirty".

use std::path::Path;
use std::process::Command;

use super::{commit, git, write};

fn copy(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// `git.dirty` of a fresh bundle of the project at `dir`.
fn dirty(dir: &Path) -> serde_json::Value {
    let out = dir.join("bundle");
    let _ = std::fs::remove_dir_all(&out);
    let run = Command::new(env!("CARGO_BIN_EXE_casguard"))
        .args([
            "-C",
            dir.to_str().unwrap(),
            "evidence",
            "--snapshot",
            "contoso.json",
        ])
        .args(["--out", out.to_str().unwrap()])
        .env("NO_COLOR", "1")
        .env_remove("CASGUARD_SIGNING_KEY")
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    manifest["git"]["dirty"].clone()
}

#[test]
fn a_bundle_is_dirty_only_when_its_inputs_differ_from_the_commit() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let example = Path::new(env!("CARGO_MANIFEST_DIR"));
    copy(&example.join("policies"), &d.join("policies"));
    std::fs::copy(
        example.join("snapshots/contoso.json"),
        d.join("contoso.json"),
    )
    .unwrap();
    write(
        d,
        "casguard.toml",
        "policies_dir = \"policies\"\nallowed_email_domains = [\"contoso.com\"]\n",
    );
    write(d, ".gitignore", "bundle/\n");
    git(d, "2026-01-01T00:00:00Z", &["init", "-q", "-b", "main"]);
    commit(d, "2026-01-01T00:00:00Z", "policies");
    assert_eq!(dirty(d), serde_json::json!(false));
    write(d, "notes.txt", "not an input");
    assert_eq!(
        dirty(d),
        serde_json::json!(false),
        "an unrelated untracked file"
    );
    let policy = walkdir::WalkDir::new(d.join("policies"))
        .into_iter()
        .filter_map(Result::ok)
        .find(|e| e.path().extension().is_some_and(|x| x == "toml"))
        .unwrap()
        .into_path();
    let text = std::fs::read_to_string(&policy).unwrap();
    std::fs::write(&policy, format!("{text}\n# edited\n")).unwrap();
    assert_eq!(dirty(d), serde_json::json!(true), "an edited policy file");
    std::fs::write(&policy, text).unwrap();
    assert_eq!(dirty(d), serde_json::json!(false));
    write(d, "casguard.toml", "policies_dir = \"policies\"\nallowed_email_domains = [\"contoso.com\", \"fabrikam.com\"]\n");
    assert_eq!(dirty(d), serde_json::json!(true), "an edited casguard.toml");
}
