//! Bad inputs that are generated rather than committed: a 10 MB policy file,
//! a symbolic-link loop, absurd nesting, unwritable report paths. None may
//! panic; each gives a clear finding or error and the right exit code, and
//! no good file is ever overwritten by a failed run.

#[path = "bad_input/mutation.rs"]
mod mutation;

use std::path::Path;
use std::process::{Command, Output};

fn casguard(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_casguard"))
        .args(args)
        .current_dir(dir)
        .env("CASGUARD_TODAY", "2026-11-22")
        .env("NO_COLOR", "1")
        .output()
        .expect("casguard runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const VALID: &str = "name = \"Valid\"\ntype = \"FILE\"\nenabled = true\ndescription = \"d\"\n[meta]\nowner = \"a@contoso.com\"\nlast_reviewed = 2026-11-01\n";

fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("policies")).unwrap();
    std::fs::write(dir.path().join("policies/valid.toml"), VALID).unwrap();
    dir
}

#[test]
fn ten_megabyte_policy_file_is_refused_with_a_finding() {
    let dir = repo();
    let mut big = String::from(VALID);
    big.push_str("[extra]\nblob = \"");
    big.push_str(&"x".repeat(10 * 1024 * 1024));
    big.push_str("\"\n");
    std::fs::write(dir.path().join("policies/huge.toml"), big).unwrap();
    let out = casguard(dir.path(), &["lint", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = json["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0]["rule"], "CAS001");
    assert_eq!(findings[0]["file"], "policies/huge.toml");
    assert!(findings[0]["message"]
        .as_str()
        .unwrap()
        .contains("10.0 MiB, more than the 4 MiB allowed"));
    assert_eq!(json["summary"]["policies"], 1);
}

#[test]
fn large_but_allowed_policy_file_is_linted() {
    let dir = repo();
    let mut big = String::from("name = \"Big filters\"\ntype = \"FILE\"\nenabled = true\ndescription = \"d\"\n[meta]\nowner = \"a@contoso.com\"\nlast_reviewed = 2026-11-01\n[filters.\"service.appId\"]\neq = [");
    for i in 0..300_000 {
        big.push_str(&format!("{i}, "));
    }
    big.push_str("1]\n");
    assert!(big.len() > 2 * 1024 * 1024);
    std::fs::write(dir.path().join("policies/big.toml"), big).unwrap();
    let out = casguard(dir.path(), &["lint"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(text(&out.stdout).contains("2 policies in 2 files checked"));
}

#[cfg(unix)]
#[test]
fn symlink_loop_is_reported_not_followed_forever() {
    let dir = repo();
    std::fs::create_dir(dir.path().join("policies/team")).unwrap();
    std::os::unix::fs::symlink("..", dir.path().join("policies/team/loop")).unwrap();
    let out = casguard(dir.path(), &["lint", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let finding = &json["findings"][0];
    assert_eq!(finding["rule"], "CAS001");
    assert_eq!(finding["file"], "policies/team/loop");
    assert!(
        finding["message"]
            .as_str()
            .unwrap()
            .contains("symbolic link loop"),
        "{finding}"
    );
    assert_eq!(
        json["summary"]["policies"], 1,
        "the valid policy is still linted"
    );
}

#[test]
fn absurd_nesting_is_a_syntax_finding_not_a_crash() {
    let dir = repo();
    let deep = format!(
        "name = \"Deep\"\ntype = \"FILE\"\nenabled = true\n[filters]\nx = {}1{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    std::fs::write(dir.path().join("policies/deep.toml"), deep).unwrap();
    let out = casguard(dir.path(), &["lint", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["findings"][0]["rule"], "CAS001");
    assert_eq!(json["findings"][0]["file"], "policies/deep.toml");
}

#[test]
fn reports_are_written_whole_and_failures_keep_good_files() {
    let dir = repo();
    let out = casguard(
        dir.path(),
        &[
            "lint",
            "--report",
            "sarif=out.sarif",
            "--report",
            "json=out.json",
            "--report",
            "junit=out.xml",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let good = std::fs::read_to_string(dir.path().join("out.json")).unwrap();
    serde_json::from_str::<serde_json::Value>(
        &std::fs::read_to_string(dir.path().join("out.sarif")).unwrap(),
    )
    .unwrap();
    assert!(std::fs::read_to_string(dir.path().join("out.xml"))
        .unwrap()
        .starts_with("<?xml"));

    // A broken config stops the run before any report is touched.
    std::fs::write(
        dir.path().join("casguard.toml"),
        "review_interval_days = \"often\"\n",
    )
    .unwrap();
    let out = casguard(dir.path(), &["lint", "--report", "json=out.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("casguard.toml"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out.json")).unwrap(),
        good
    );

    // A report that cannot be written is an error, and leaves no temp files.
    std::fs::remove_file(dir.path().join("casguard.toml")).unwrap();
    let out = casguard(dir.path(), &["lint", "--report", "json=missing/out.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("cannot write report `missing/out.json`"),
        "{}",
        text(&out.stderr)
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn unreadable_directory_argument_is_exit_two() {
    let dir = repo();
    let out = casguard(dir.path(), &["lint", "does-not-exist"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("policy path `does-not-exist` does not exist"));
}

#[test]
fn a_file_named_twice_is_linted_once_and_an_empty_folder_is_flagged() {
    let dir = repo();
    let out = casguard(
        dir.path(),
        &[
            "lint",
            "--format",
            "json",
            "policies",
            "./policies",
            "policies/valid.toml",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["summary"]["files"], 1);
    std::fs::remove_file(dir.path().join("policies/valid.toml")).unwrap();
    let out = casguard(
        dir.path(),
        &["lint", "--format", "json", "--fail-on", "warning"],
    );
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["findings"][0]["rule"], "CAS004");
}

/// Runs casguard and returns its output with how long it took.
fn timed(dir: &Path, args: &[&str]) -> (Output, std::time::Duration) {
    let started = std::time::Instant::now();
    let out = casguard(dir, args);
    (out, started.elapsed())
}

#[test]
fn a_finding_past_column_65535_is_located_not_framed() {
    let dir = repo();
    let long = format!(
        "name = \"Long\"\ntype = \"FILE\"\nenabled = true\ndescription = \"{}\" bogus = 1\n",
        "a".repeat(70_000)
    );
    std::fs::write(dir.path().join("policies/long.toml"), long).unwrap();
    let out = casguard(dir.path(), &["lint"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("policies/long.toml:4:70018: TOML syntax error"),
        "{stdout}"
    );
    assert!(stdout.len() < 2_000, "no frame of the long line: {stdout}");
}

#[test]
fn a_huge_suppression_glob_is_refused_by_length() {
    let dir = repo();
    std::fs::write(
        dir.path().join("casguard.toml"),
        format!(
            "[[suppress]]\nrule = \"CAS101\"\nreason = \"r\"\nexpires = 2099-01-01\npolicy = \"{}\"\n",
            "a*".repeat(75_000)
        ),
    )
    .unwrap();
    let out = casguard(dir.path(), &["lint"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("`suppress.policy` is not a valid glob: it is 150000 characters long"),
        "{stderr}"
    );
    assert!(stderr.len() < 2_000, "{stderr}");
}

#[test]
fn a_deeply_nested_custom_rule_is_refused_before_parsing() {
    let dir = repo();
    std::fs::create_dir(dir.path().join("custom")).unwrap();
    std::fs::write(
        dir.path().join("casguard.toml"),
        "rules_dirs = [\"custom\"]\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("custom/deep.rego"),
        format!(
            "package casguard.custom.deep\n\nx := {}1{}\n",
            "[".repeat(50),
            "]".repeat(50)
        ),
    )
    .unwrap();
    let (out, took) = timed(dir.path(), &["lint"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("custom/deep.rego: brackets nested more than 16 deep at line 3"),
        "{}",
        text(&out.stderr)
    );
    assert!(took.as_secs() < 20, "took {took:?}");
}

#[test]
fn a_million_config_errors_on_one_line_are_quick_and_short() {
    let dir = repo();
    let mut config = String::from("rules_dirs = [");
    config.push_str(&"1,".repeat(1_000_000));
    config.push_str("1]\n");
    std::fs::write(dir.path().join("casguard.toml"), config).unwrap();
    let (out, took) = timed(dir.path(), &["lint"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("casguard.toml: 1000001 problems"),
        "{stderr}"
    );
    assert!(stderr.len() < 10_000, "{} bytes", stderr.len());
    assert!(took.as_secs() < 20, "took {took:?}");
}

#[cfg(unix)]
#[test]
fn a_policy_link_out_of_the_folder_is_refused_without_its_content() {
    let dir = repo();
    let outside = tempfile::tempdir().unwrap();
    let secret = "CASGUARD_API_TOKEN=tok3n-never-shown";
    std::fs::write(outside.path().join("env"), format!("{secret}\n")).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("env"),
        dir.path().join("policies/env.toml"),
    )
    .unwrap();
    std::os::unix::fs::symlink("valid.toml", dir.path().join("policies/alias.toml")).unwrap();
    for args in [
        &["lint"][..],
        &["lint", "--format", "json"],
        &["lint", "policies/env.toml"],
    ] {
        let out = casguard(dir.path(), args);
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert_eq!(out.status.code(), Some(1), "{args:?}: {all}");
        assert!(!all.contains("tok3n"), "{args:?}: {all}");
        assert!(
            all.contains("a symbolic link to a file outside"),
            "{args:?}: {all}"
        );
    }
    let out = casguard(dir.path(), &["lint", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["findings"][0]["file"], "policies/env.toml");
    assert_eq!(json["findings"].as_array().unwrap().len(), 1, "{json:#}");
}

#[cfg(unix)]
#[test]
fn fixes_and_reports_keep_modes_and_write_through_links() {
    use std::os::unix::fs::{symlink, PermissionsExt};
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let dir = repo();
    let messy = VALID.replace("\"FILE\"", "\"file\"");
    std::fs::create_dir(dir.path().join("policies/shared")).unwrap();
    let real = dir.path().join("policies/shared/messy.toml");
    std::fs::write(&real, &messy).unwrap();
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o644)).unwrap();
    // Both the real file and a link to it lie inside policies/: linted once each path.
    let link = dir.path().join("policies/linked.toml");
    symlink("shared/messy.toml", &link).unwrap();
    let group = dir.path().join("policies/valid.toml");
    std::fs::set_permissions(&group, std::fs::Permissions::from_mode(0o664)).unwrap();

    let out = casguard(dir.path(), &["lint", "--fix", "policies/linked.toml"]);
    assert!(
        text(&out.stderr).contains("fixed policies/linked.toml"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link stays a link"
    );
    assert!(
        std::fs::read_to_string(&real).unwrap().contains("\"FILE\""),
        "fixed through the link"
    );
    assert_eq!(mode(&real), 0o644, "lint --fix keeps the mode");

    // Reports: an existing report keeps its mode, a linked one is written through.
    std::fs::write(dir.path().join("old.json"), "{}").unwrap();
    std::fs::set_permissions(
        dir.path().join("old.json"),
        std::fs::Permissions::from_mode(0o640),
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("reports")).unwrap();
    symlink("reports/latest.sarif", dir.path().join("latest.sarif")).unwrap();
    let out = casguard(
        dir.path(),
        &[
            "lint",
            "--report",
            "json=old.json",
            "--report",
            "sarif=latest.sarif",
        ],
    );
    // 1: the same policy is declared twice, through the link.
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(mode(&dir.path().join("old.json")), 0o640);
    assert!(
        std::fs::read_to_string(dir.path().join("reports/latest.sarif"))
            .unwrap()
            .contains("\"runs\"")
    );
    assert_eq!(mode(&group), 0o664);
}
