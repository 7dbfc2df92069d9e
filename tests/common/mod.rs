//! Helpers shared by the integration tests.

// Each test binary uses only some of these helpers.
#![allow(dead_code)]

use std::path::Path;

use casguard::app::{self, LiveSource, Project};
use casguard::env::Env;
use casguard::model::Report;

/// The date every test runs at.
pub fn today() -> jiff::civil::Date {
    jiff::civil::date(2026, 11, 22)
}

/// The project rooted at `root` (relative to the crate), as of `today()`.
pub fn project(root: &str) -> Project {
    let root = std::env::current_dir().unwrap().join(root);
    Project::open(Env::at(&root, today())).expect("project opens")
}

/// Lints `tests/fixtures/<name>` with its casguard.toml (or defaults) as of 2026-11-22.
pub fn lint_fixture(name: &str) -> Report {
    let project = project(&format!("tests/fixtures/{name}"));
    let rules = project.rules().expect("rules load");
    let input = app::lint::LintInput {
        paths: Vec::new(),
        fix: false,
    };
    app::lint::lint(&project, &rules, &input)
        .expect("lint runs")
        .report
}

/// Drift of the example tenant (policies/, casguard.toml) against the
/// shipped live snapshot (snapshots/contoso.json), as of 2026-11-22.
pub fn drift_example() -> Report {
    let project = project(".");
    let rules = project.rules().expect("rules load");
    let source = LiveSource {
        snapshot: Some(Path::new("snapshots/contoso.json").to_path_buf()),
        ..LiveSource::default()
    };
    let (mut report, _) =
        app::drift::drift(&project, &rules, &source, &mut |_| {}).expect("drift runs");
    // Git dates change with every commit to this repository; snapshots must not.
    for entry in &mut report.drift.as_mut().expect("drift section").entries {
        entry.desired_last_change = None;
    }
    report
}
