//! Helpers shared by the integration tests.

use std::path::Path;

use casguard::config::Config;
use casguard::report::Report;

/// Lints `tests/fixtures/<name>` with its casguard.toml (or defaults) as of 2026-11-22.
pub fn lint_fixture(name: &str) -> Report {
    let root = Path::new("tests/fixtures").join(name);
    let config_file = root.join("casguard.toml");
    let config = if config_file.exists() {
        Config::discover(Some(&config_file)).expect("fixture config")
    } else {
        Config::parse("casguard.toml", "", &root).expect("default config")
    };
    let rules = casguard::lint::load_rules(&config).expect("rules load");
    casguard::lint::lint(&config, &rules, &[], jiff::civil::date(2026, 11, 22)).expect("lint runs")
}

/// Drift of the example tenant (policies/, casguard.toml) against the
/// shipped live snapshot (snapshots/contoso.json), as of 2026-11-22.
pub fn drift_example() -> Report {
    let config = Config::discover(Some(Path::new("casguard.toml"))).expect("example config");
    let rules = casguard::lint::load_rules(&config).expect("rules load");
    let snapshot = casguard::live::Snapshot::read(Path::new("snapshots/contoso.json"))
        .expect("example snapshot");
    let mut report =
        casguard::lint::drift(&config, &rules, &snapshot, jiff::civil::date(2026, 11, 22))
            .expect("drift runs");
    // Git dates change with every commit to this repository; snapshots must not.
    for entry in &mut report.drift.as_mut().expect("drift section").entries {
        entry.desired_last_change = None;
    }
    report
}
