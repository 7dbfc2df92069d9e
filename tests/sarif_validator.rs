//! Every SARIF file casguard emits (lint, drift, review, alerts) validates with
//! Microsoft's SARIF validator (`sarif-multitool validate`, pinned in
//! tools/sarif and run by scripts/validate-sarif.sh) under both the SARIF
//! spec's rules and GitHub's (`--rule-kind "Gh;Sarif"`): code scanning rejects
//! a whole upload when one result breaks them. Needs node and npm; where they
//! are missing the test says so and passes, except in CI (CI=true), where it
//! fails. A command that gains SARIF output is added to `runs` below.

mod common;

use std::process::Command;

use casguard::report::{render, Format, Style};

#[test]
fn emitted_sarif_passes_microsofts_validator() {
    if Command::new("npm").arg("--version").output().is_err() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must validate SARIF: install node and npm"
        );
        eprintln!("skipping SARIF validation: npm is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    // Every command that emits SARIF, through the binary, on data with findings
    // of every kind (including DRIFT002, which has no policy file of its own).
    let runs: &[(&str, &str, &[&str])] = &[
        ("lint-rules", "tests/fixtures/rules", &["lint"]),
        ("lint-bad", "tests/fixtures/bad", &["lint"]),
        ("lint-custom", "tests/fixtures/custom-rules", &["lint"]),
        (
            "drift",
            ".",
            &["drift", "--snapshot", "snapshots/contoso.json"],
        ),
        ("review", ".", &["review"]),
        (
            "review-live",
            ".",
            &["review", "--snapshot", "snapshots/contoso.json"],
        ),
        ("review-overdue", "tests/fixtures/rules", &["review"]),
        (
            "alerts",
            ".",
            &[
                "alerts",
                "--dump",
                "snapshots/contoso-alerts.json",
                "--snapshot",
                "snapshots/contoso.json",
            ],
        ),
        (
            "ops",
            ".",
            &[
                "ops",
                "--snapshot",
                "snapshots/contoso-ops.json",
                "--previous",
                "snapshots/contoso-ops-previous.json",
            ],
        ),
    ];
    for (name, cwd, args) in runs {
        let path = dir.path().join(format!("{name}.sarif"));
        let output = Command::new(env!("CARGO_BIN_EXE_casguard"))
            .current_dir(cwd)
            .args(*args)
            .args(["--fail-on", "never", "--format", "json"])
            .arg("--report")
            .arg(format!("sarif={}", path.display()))
            .env("CASGUARD_TODAY", "2026-11-22")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let sarif: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let results = sarif["runs"][0]["results"].as_array().unwrap().len();
        assert!(
            results > 0 || name.starts_with("review"),
            "{name}: the SARIF should have results to validate"
        );
        files.push(path);
    }
    // The renderer on the shared fixtures too.
    let path = dir.path().join("drift-example.sarif");
    std::fs::write(
        &path,
        render(Format::Sarif, &common::drift_example(), Style::default()),
    )
    .unwrap();
    files.push(path);
    let output = Command::new("bash")
        .arg("scripts/validate-sarif.sh")
        .args(&files)
        .output()
        .expect("validator runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "SARIF validation failed:\n{stdout}\n{stderr}"
    );
    assert!(
        !stdout.contains(": warning "),
        "validator warnings:\n{stdout}"
    );
}
