//! `casguard drift` end to end: the same live data gives the same drift
//! whether it comes from the API (the fake tenant) or from a snapshot, and a
//! failed or inconsistent read is an error (exit 2) that reports no drift.

#[path = "support/fake_tenant.rs"]
mod fake_tenant;

use std::process::Command;

use fake_tenant::{FakeTenant, Fault, Paging};
use serde_json::Value;

fn casguard(args: &[&str], token: &str) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_casguard"))
        .args(args)
        .env("CASGUARD_API_TOKEN", token)
        .env("CASGUARD_TODAY", "2026-11-22")
        .env_remove("CASGUARD_TENANT_URL")
        .output()
        .expect("casguard runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn example_live() -> Vec<Value> {
    let snapshot =
        casguard::live::Snapshot::read(std::path::Path::new("snapshots/contoso.json")).unwrap();
    snapshot.policies
}

#[test]
fn drift_from_the_api_equals_drift_from_the_snapshot() {
    let tenant = FakeTenant::start(example_live());
    tenant.push_fault(Fault::Status(503));
    let token = tenant.with(|s| s.api_token.clone());
    let url = tenant.url();
    let (code, from_api, stderr) = casguard(
        &[
            "drift",
            "--tenant",
            &url,
            "--max-requests-per-minute",
            "0",
            "--format",
            "json",
        ],
        &token,
    );
    assert_eq!(code, Some(1), "{stderr}");
    let (code, from_file, stderr) = casguard(
        &[
            "drift",
            "--snapshot",
            "snapshots/contoso.json",
            "--format",
            "json",
        ],
        &token,
    );
    assert_eq!(code, Some(1), "{stderr}");
    let mut api: Value = serde_json::from_str(&from_api).unwrap();
    let mut file: Value = serde_json::from_str(&from_file).unwrap();
    // Only where the data came from differs.
    api.as_object_mut().unwrap().remove("live");
    file.as_object_mut().unwrap().remove("live");
    assert_eq!(api, file);
    assert!(!api["drift"].as_array().unwrap().is_empty());
}

#[test]
fn a_failed_or_partial_read_is_never_drift() {
    for setup in [
        Box::new(|t: &FakeTenant| (0..10).for_each(|_| t.push_fault(Fault::Status(503))))
            as Box<dyn Fn(&FakeTenant)>,
        Box::new(|t: &FakeTenant| t.with(|s| s.paging = Paging::WrongTotal)),
        Box::new(|t: &FakeTenant| t.with(|s| s.paging = Paging::Repeats)),
        Box::new(|t: &FakeTenant| t.push_fault(Fault::Status(403))),
    ] {
        let mut live = example_live();
        live.extend(fake_tenant::policies(150));
        let tenant = FakeTenant::start(live);
        setup(&tenant);
        let token = tenant.with(|s| s.api_token.clone());
        let url = tenant.url();
        // Quick retries, so the persistent failure is reached in milliseconds.
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("casguard.toml");
        let policies = std::fs::canonicalize("policies").unwrap();
        std::fs::write(
            &config,
            format!(
                "policies_dir = {:?}\n[tenant]\nretry_base_delay_ms = 2\n",
                policies.display().to_string()
            ),
        )
        .unwrap();
        let config = config.display().to_string();
        let (code, stdout, stderr) = casguard(
            &[
                "--config",
                &config,
                "drift",
                "--tenant",
                &url,
                "--max-requests-per-minute",
                "0",
                "--format",
                "json",
            ],
            &token,
        );
        assert_eq!(code, Some(2), "{stderr}");
        assert!(stdout.is_empty(), "no report at all: {stdout}");
        assert!(!stderr.contains("DRIFT0"), "{stderr}");
    }
}
