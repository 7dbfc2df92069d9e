//! `report monthly --live` without an archive or snapshots: the alerts of
//! the six months, the policies and the ops resources come from the fake
//! tenant and its Graph stand-in, and the report says where they came from.

use super::fake_tenant::{self, FakeTenant};

#[test]
fn live_reads_what_is_missing() {
    let now = jiff::Timestamp::now();
    let now_ms = now.as_millisecond();
    let policies = fake_tenant::policies(4);
    let alerts = fake_tenant::alerts(300, &policies, 60, now_ms);
    let tenant = FakeTenant::start_ops(policies, alerts, fake_tenant::ops_broken(now_ms));
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    std::fs::create_dir_all(dir.path().join("policies")).unwrap();
    let (token, secret, client_id) = tenant.with(|s| {
        (
            s.api_token.clone(),
            s.client_secret.clone(),
            s.client_id.clone(),
        )
    });
    std::fs::write(
        dir.path().join("casguard.toml"),
        format!(
            "[tenant]\nurl = \"{url}\"\ngraph_url = \"{url}\"\nauthority_host = \"{url}\"\ntenant_id = \"contoso.onmicrosoft.com\"\nclient_id = \"{client_id}\"\nmax_requests_per_minute = 0\nretry_base_delay_ms = 5\n",
            url = tenant.url()
        ),
    )
    .unwrap();
    // Last month: always inside the 60 days of alerts, whatever today is.
    let month = now
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
        .first_of_month()
        .saturating_sub(jiff::ToSpan::months(1));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_casguard"))
        .current_dir(dir.path())
        .args(["report", "monthly", "--live", "--format", "json", "--month"])
        .arg(format!("{:04}-{:02}", month.year(), month.month()))
        .env("CASGUARD_API_TOKEN", &token)
        .env("CASGUARD_CLIENT_SECRET", &secret)
        .env_remove("CASGUARD_TENANT_URL")
        .env_remove("CASGUARD_CONFIG")
        .env_remove("CASGUARD_GRAPH_URL")
        .env_remove("AZURE_TENANT_ID")
        .env_remove("AZURE_CLIENT_ID")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert!(
        report["kpis"]["alerts_created"]["value"].as_f64().unwrap() > 0.0,
        "{stdout}"
    );
    assert_eq!(report["platform"]["checks"].as_array().unwrap().len(), 10);
    assert!(
        report["kpis"]["secure_score_mdca"]["value"].is_number(),
        "{stdout}"
    );
    let sources = report["sources"].to_string();
    assert!(sources.contains("read live, since"), "{sources}");
    for secret in [token, secret] {
        assert!(!stdout.contains(&secret), "a secret leaked");
    }
}
