//! `casguard fetch` against the fake tenant (tests/support/fake_tenant.rs):
//! every auth method, every fault, paging guards, atomic snapshots, and the
//! promise that casguard only reads and never shows a secret.

#[path = "support/fake_tenant.rs"]
mod fake_tenant;

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use fake_tenant::{policies, FakeTenant, Fault, Paging};
use serde_json::Value;

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn config(dir: &Path, tenant: &FakeTenant, extra: &str) {
    let text = format!(
        "[tenant]\nurl = \"{}\"\nmax_requests_per_minute = 0\nretry_base_delay_ms = 5\nmax_attempts = 4\nrequest_timeout_seconds = 2\n{extra}",
        tenant.url()
    );
    std::fs::write(dir.join("casguard.toml"), text).unwrap();
}

fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_casguard"));
    command.args(args).current_dir(dir).env("NO_COLOR", "1");
    for key in [
        "CASGUARD_API_TOKEN",
        "CASGUARD_CLIENT_SECRET",
        "CASGUARD_TENANT_URL",
        "AZURE_FEDERATED_TOKEN_FILE",
        "ACTIONS_ID_TOKEN_REQUEST_URL",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
        "AZURE_TENANT_ID",
        "AZURE_CLIENT_ID",
        "AZURE_AUTHORITY_HOST",
        "SSL_CERT_FILE",
    ] {
        command.env_remove(key);
    }
    for (key, value) in env {
        command.env(key, value);
    }
    let Output {
        status,
        stdout,
        stderr,
    } = command.output().expect("casguard runs");
    Run {
        code: status.code(),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: unwrap_lines(&String::from_utf8_lossy(&stderr)),
    }
}

/// Diagnostics are wrapped to the terminal width; tests match on one line per message.
fn unwrap_lines(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let trimmed = line.trim_start_matches([' ', '│']);
        let continuation =
            line.starts_with("  │ ") || (line.starts_with("        ") && !out.is_empty());
        if continuation {
            if !out.ends_with(' ') && !out.ends_with('/') {
                out.push(' ');
            }
            out.push_str(trimmed);
        } else {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(line);
        }
    }
    out
}

fn token(tenant: &FakeTenant) -> String {
    tenant.with(|s| s.api_token.clone())
}

fn fetch(dir: &Path, tenant: &FakeTenant, extra_args: &[&str]) -> Run {
    let token = token(tenant);
    let mut args = vec!["-v", "fetch", "--out", "snapshot.json"];
    args.extend_from_slice(extra_args);
    run(dir, &args, &[("CASGUARD_API_TOKEN", token.as_str())])
}

fn snapshot(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("snapshot.json")).unwrap()).unwrap()
}

/// casguard only reads: GET, or POST to list endpoints and the token endpoints.
fn assert_read_only(tenant: &FakeTenant) {
    for request in tenant.requests() {
        let list = request.method == "POST"
            && (request.path.ends_with("/policies/")
                || request.path.ends_with("/oauth2/v2.0/token"));
        assert!(
            request.method == "GET" || list,
            "mutating call: {} {}",
            request.method,
            request.path
        );
        if request.path.ends_with("/policies/") {
            let body: Value = serde_json::from_str(&request.body).unwrap();
            assert!(body["limit"].as_u64().unwrap() <= 100, "{}", request.body);
        }
    }
}

#[test]
fn fetches_every_page_with_the_api_token() {
    let tenant = FakeTenant::start(policies(250));
    let dir = tempfile::tempdir().unwrap();
    config(dir.path(), &tenant, "");
    let out = fetch(dir.path(), &tenant, &[]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(
        out.stdout.contains("fetched 250 policies"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("in 3 requests"), "{}", out.stdout);
    let snap = snapshot(dir.path());
    assert_eq!(snap["format_version"], 2);
    assert_eq!(snap["resources"]["policies"]["status"], "ok");
    assert_eq!(snap["tenant"], tenant.url());
    assert_eq!(snap["source"]["auth"], "token");
    assert!(snap["fetched_at"].as_str().unwrap().ends_with('Z'));
    let expected = tenant.with(|s| s.policies.clone());
    assert_eq!(
        snap["policies"].as_array().unwrap(),
        &expected,
        "raw objects, in order, untouched"
    );
    let requests = tenant.requests();
    assert_eq!(requests.len(), 3);
    assert!(requests.iter().all(|r| r.path == "/cas/api/v1/policies/"));
    let auth: Vec<_> = requests
        .iter()
        .map(|r| {
            r.headers
                .iter()
                .find(|(n, _)| n == "authorization")
                .unwrap()
                .1
                .clone()
        })
        .collect();
    assert!(auth
        .iter()
        .all(|a| a == &format!("Token {}", token(&tenant))));
    assert_read_only(&tenant);

    // The snapshot round-trips through --snapshot unchanged.
    let read = casguard::live::Snapshot::read(&dir.path().join("snapshot.json")).unwrap();
    assert_eq!(read.policies, expected);
    let out = run(
        dir.path(),
        &[
            "fetch",
            "--snapshot",
            "snapshot.json",
            "--out",
            "again.json",
        ],
        &[],
    );
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("again.json")).unwrap(),
        std::fs::read_to_string(dir.path().join("snapshot.json")).unwrap()
    );
}

#[test]
fn raw_dumps_become_snapshots_and_broken_ones_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let raw = serde_json::json!({"data": policies(3), "hasNext": false, "total": 3});
    std::fs::write(dir.path().join("mcas-dump.json"), raw.to_string()).unwrap();
    std::fs::write(
        dir.path().join("array.json"),
        Value::Array(policies(2)).to_string(),
    )
    .unwrap();
    let out = run(
        dir.path(),
        &["fetch", "--snapshot", "mcas-dump.json", "--out", "a.json"],
        &[],
    );
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let snap = snapshot_at(dir.path(), "a.json");
    assert_eq!(snap["policies"], Value::Array(policies(3)));
    assert_eq!(snap["source"]["kind"], "import");
    let out = run(
        dir.path(),
        &["fetch", "--snapshot", "array.json", "--out", "b.json"],
        &[],
    );
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    std::fs::write(dir.path().join("cut.json"), &raw.to_string()[..40]).unwrap();
    let out = run(
        dir.path(),
        &["fetch", "--snapshot", "cut.json", "--out", "a.json"],
        &[],
    );
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr.contains("the JSON ends early") && out.stderr.contains("truncated"),
        "{}",
        out.stderr
    );
    assert_eq!(
        snapshot_at(dir.path(), "a.json")["policies"],
        Value::Array(policies(3)),
        "the good file survives"
    );
    let out = run(
        dir.path(),
        &[
            "fetch",
            "--snapshot",
            "array.json",
            "--tenant",
            "https://x.example",
            "--out",
            "c.json",
        ],
        &[],
    );
    assert_eq!(
        out.code,
        Some(2),
        "--snapshot and --tenant exclude each other"
    );
}

fn snapshot_at(dir: &Path, name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join(name)).unwrap()).unwrap()
}

#[test]
fn empty_tenant_is_a_valid_snapshot() {
    let tenant = FakeTenant::start(Vec::new());
    let dir = tempfile::tempdir().unwrap();
    config(dir.path(), &tenant, "");
    let out = fetch(dir.path(), &tenant, &[]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(snapshot(dir.path())["policies"], Value::Array(vec![]));
}

#[test]
fn every_transient_fault_is_retried_and_shown_with_verbose() {
    let faults = [
        (
            Fault::TooManyRequests {
                retry_after: Some("1".into()),
                body: String::new(),
            },
            "429",
        ),
        (
            Fault::TooManyRequests {
                retry_after: None,
                body: "{\"message\":\"Too many requests\"}".into(),
            },
            "429",
        ),
        (
            Fault::TooManyRequests {
                retry_after: None,
                body: "Request was throttled".into(),
            },
            "429",
        ),
        (Fault::Status(502), "HTTP 502"),
        (Fault::Status(503), "HTTP 503"),
        (Fault::Status(504), "HTTP 504"),
        (Fault::Drop, "connection"),
        (Fault::Truncated, "cut short"),
        (Fault::BadJson, "not complete JSON"),
        (Fault::Slow(Duration::from_secs(3)), "timed out"),
    ];
    for (fault, shown) in faults {
        let tenant = FakeTenant::start(policies(150));
        tenant.push_fault(Fault::Status(200)); // placeholder popped by page 1 below
        tenant.with(|s| {
            s.faults.clear();
            s.faults.push_back(fault.clone());
        });
        let dir = tempfile::tempdir().unwrap();
        config(dir.path(), &tenant, "");
        let out = fetch(dir.path(), &tenant, &[]);
        assert_eq!(out.code, Some(0), "{fault:?}: {}", out.stderr);
        assert!(
            out.stderr.contains("retrying in"),
            "{fault:?}: {}",
            out.stderr
        );
        assert!(
            out.stderr.contains(shown),
            "{fault:?} should mention `{shown}`: {}",
            out.stderr
        );
        assert_eq!(
            snapshot(dir.path())["policies"].as_array().unwrap().len(),
            150,
            "{fault:?}"
        );
        assert_read_only(&tenant);
    }
}

#[test]
fn retry_after_is_honoured() {
    let tenant = FakeTenant::start(policies(10));
    tenant.push_fault(Fault::TooManyRequests {
        retry_after: Some("2".into()),
        body: String::new(),
    });
    let dir = tempfile::tempdir().unwrap();
    config(dir.path(), &tenant, "");
    let started = std::time::Instant::now();
    let out = fetch(dir.path(), &tenant, &[]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "waited only {:?}",
        started.elapsed()
    );
    assert!(out.stderr.contains("Retry-After 2 s"), "{}", out.stderr);
}

#[test]
fn persistent_failure_gives_up_and_keeps_the_old_snapshot() {
    let tenant = FakeTenant::start(policies(10));
    for _ in 0..10 {
        tenant.push_fault(Fault::Status(503));
    }
    let dir = tempfile::tempdir().unwrap();
    config(dir.path(), &tenant, "");
    std::fs::write(dir.path().join("snapshot.json"), "previous good snapshot").unwrap();
    let out = fetch(dir.path(), &tenant, &[]);
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr.contains("failed after 4 attempts"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("HTTP 503"), "{}", out.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("snapshot.json")).unwrap(),
        "previous good snapshot"
    );
    assert_eq!(tenant.policy_requests(), 4);
    let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(leftovers, 2, "only casguard.toml and the old snapshot");
}

#[test]
fn deadline_bounds_the_whole_fetch() {
    let tenant = FakeTenant::start(policies(10));
    tenant.push_fault(Fault::TooManyRequests {
        retry_after: Some("30".into()),
        body: String::new(),
    });
    let dir = tempfile::tempdir().unwrap();
    config(dir.path(), &tenant, "deadline_seconds = 3\n");
    let started = std::time::Instant::now();
    let out = fetch(dir.path(), &tenant, &[]);
    assert_eq!(out.code, Some(2));
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(out.stderr.contains("3 s deadline"), "{}", out.stderr);
    assert!(!dir.path().join("snapshot.json").exists());
}

#[test]
fn bad_paging_is_an_error_never_a_loop() {
    let cases = [
        (Paging::NeverEnds, "pages never end"),
        (Paging::Repeats, "no progress"),
        (Paging::IgnoresSkip, "no progress"),
        (Paging::WrongTotal, "`total` says 257"),
        (Paging::EmptyButHasNext, "empty but `hasNext` is true"),
    ];
    for (paging, message) in cases {
        let tenant = FakeTenant::start(policies(250));
        tenant.with(|s| s.paging = paging);
        let dir = tempfile::tempdir().unwrap();
        config(dir.path(), &tenant, "");
        let out = fetch(dir.path(), &tenant, &[]);
        assert_eq!(out.code, Some(2), "{paging:?}");
        assert!(out.stderr.contains(message), "{paging:?}: {}", out.stderr);
        assert!(
            out.stderr.contains("nothing was written"),
            "{paging:?}: {}",
            out.stderr
        );
        assert!(!dir.path().join("snapshot.json").exists(), "{paging:?}");
        assert!(
            tenant.policy_requests() <= 501,
            "{paging:?}: bounded requests"
        );
    }
}

#[test]
fn overlapping_pages_are_deduplicated() {
    let tenant = FakeTenant::start(policies(250));
    tenant.with(|s| s.paging = Paging::Overlapping);
    let dir = tempfile::tempdir().unwrap();
    config(dir.path(), &tenant, "");
    let out = fetch(dir.path(), &tenant, &[]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let snap = snapshot(dir.path());
    let ids: std::collections::HashSet<_> = snap["policies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 250);
    assert_eq!(snap["policies"].as_array().unwrap().len(), 250);
}

#[test]
fn server_limit_below_ours_still_pages_correctly() {
    let tenant = FakeTenant::start(policies(120));
    tenant.with(|s| s.max_limit = 50);
    let dir = tempfile::tempdir().unwrap();
    config(dir.path(), &tenant, "");
    let out = fetch(dir.path(), &tenant, &[]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(
        snapshot(dir.path())["policies"].as_array().unwrap().len(),
        120
    );
    assert_eq!(tenant.policy_requests(), 3);
}

#[test]
fn wrong_token_names_the_auth_method() {
    let tenant = FakeTenant::start(policies(5));
    let dir = tempfile::tempdir().unwrap();
    config(dir.path(), &tenant, "");
    let out = run(
        dir.path(),
        &["fetch", "--out", "snapshot.json"],
        &[("CASGUARD_API_TOKEN", "wrong-token-value-123456")],
    );
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr.contains("(403) using auth method `token`"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("wrong-token-value-123456"));
    assert_eq!(tenant.policy_requests(), 1, "auth failures are not retried");
}

#[test]
fn missing_token_and_insecure_urls_are_refused_before_any_request() {
    let tenant = FakeTenant::start(policies(5));
    let dir = tempfile::tempdir().unwrap();
    config(dir.path(), &tenant, "");
    let out = run(dir.path(), &["fetch", "--out", "s.json"], &[]);
    assert_eq!(out.code, Some(2));
    assert!(out.stderr.contains("CASGUARD_API_TOKEN"), "{}", out.stderr);
    let out = run(
        dir.path(),
        &[
            "fetch",
            "--out",
            "s.json",
            "--tenant",
            "http://contoso.example",
        ],
        &[("CASGUARD_API_TOKEN", "x1234567890")],
    );
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr
            .contains("plain HTTP would send credentials in clear text"),
        "{}",
        out.stderr
    );
    std::fs::write(dir.path().join("casguard.toml"), "").unwrap();
    let out = run(
        dir.path(),
        &["fetch", "--out", "s.json"],
        &[("CASGUARD_API_TOKEN", "x1234567890")],
    );
    assert_eq!(out.code, Some(2));
    assert!(out.stderr.contains("no tenant URL"), "{}", out.stderr);
    assert!(tenant.requests().is_empty());
}

#[test]
fn tenant_url_from_flag_and_environment() {
    let tenant = FakeTenant::start(policies(3));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("casguard.toml"),
        "[tenant]\nurl = \"https://unused.example\"\nmax_requests_per_minute = 0\n",
    )
    .unwrap();
    let token = token(&tenant);
    let url = tenant.url();
    let out = run(
        dir.path(),
        &["fetch", "--out", "a.json"],
        &[
            ("CASGUARD_API_TOKEN", &token),
            ("CASGUARD_TENANT_URL", &url),
        ],
    );
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let out = run(
        dir.path(),
        &["fetch", "--out", "b.json", "--tenant", &url],
        &[
            ("CASGUARD_API_TOKEN", &token),
            ("CASGUARD_TENANT_URL", "https://also-unused.example"),
        ],
    );
    assert_eq!(out.code, Some(0), "{}", out.stderr);
}

#[test]
fn token_file_is_read_when_the_environment_has_none() {
    let tenant = FakeTenant::start(policies(3));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("token.txt"),
        format!("{}\n", token(&tenant)),
    )
    .unwrap();
    config(dir.path(), &tenant, "token_file = \"token.txt\"\n");
    let out = run(dir.path(), &["fetch", "--out", "s.json"], &[]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
}

#[test]
fn redirects_are_not_followed() {
    let tenant = FakeTenant::start(policies(3));
    tenant.push_fault(Fault::Redirect);
    let dir = tempfile::tempdir().unwrap();
    config(dir.path(), &tenant, "");
    let out = fetch(dir.path(), &tenant, &[]);
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr
            .contains("redirected to https://login.example.net/elsewhere"),
        "{}",
        out.stderr
    );
}

fn entra_config(dir: &Path, tenant: &FakeTenant, auth: &str) {
    let client_id = tenant.with(|s| s.client_id.clone());
    config(
        dir,
        tenant,
        &format!("auth = \"{auth}\"\ntenant_id = \"contoso.onmicrosoft.com\"\nclient_id = \"{client_id}\"\nauthority_host = \"{}\"\n", tenant.url()),
    );
}

#[test]
fn entra_client_secret_signs_in_once_and_refreshes_after_401() {
    let tenant = FakeTenant::start(policies(250));
    let dir = tempfile::tempdir().unwrap();
    entra_config(dir.path(), &tenant, "entra-secret");
    let secret = tenant.with(|s| s.client_secret.clone());
    let out = run(
        dir.path(),
        &["-v", "fetch", "--out", "snapshot.json"],
        &[("CASGUARD_CLIENT_SECRET", &secret)],
    );
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(
        tenant.with(|s| s.issued_tokens.len()),
        1,
        "the token is cached across pages"
    );
    let token_requests: Vec<_> = tenant
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/oauth2/v2.0/token"))
        .collect();
    assert_eq!(
        token_requests[0].path,
        "/contoso.onmicrosoft.com/oauth2/v2.0/token"
    );
    assert!(
        token_requests[0]
            .body
            .contains("scope=05a65629-4c1b-48c1-a78b-804c4abdd4af%2F.default"),
        "{}",
        token_requests[0].body
    );
    assert!(tenant
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/policies/"))
        .all(|r| r
            .headers
            .iter()
            .any(|(n, v)| n == "authorization" && v.starts_with("Bearer "))));
    assert_eq!(snapshot(dir.path())["source"]["auth"], "entra-secret");

    // A revoked token is refreshed once, transparently.
    let tenant = FakeTenant::start(policies(150));
    tenant.push_fault(Fault::Status(200));
    tenant.with(|s| {
        s.faults.clear();
        s.faults.push_back(Fault::RevokeTokens);
    });
    entra_config(dir.path(), &tenant, "entra-secret");
    let out = run(
        dir.path(),
        &["-v", "fetch", "--out", "snapshot.json"],
        &[("CASGUARD_CLIENT_SECRET", &secret)],
    );
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(out.stderr.contains("signing in again"), "{}", out.stderr);
    assert_eq!(
        tenant.with(|s| s.issued_tokens.len()),
        1,
        "the revoked one was cleared, one new issued"
    );
    assert_read_only(&tenant);
}

#[test]
fn entra_wrong_secret_and_bearer_refusal_explain_themselves() {
    let tenant = FakeTenant::start(policies(5));
    let dir = tempfile::tempdir().unwrap();
    entra_config(dir.path(), &tenant, "entra-secret");
    let out = run(
        dir.path(),
        &["fetch", "--out", "s.json"],
        &[("CASGUARD_CLIENT_SECRET", "not-the-right-secret")],
    );
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr
            .contains("Entra ID sign-in failed (entra-secret)"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("AADSTS7000215"), "{}", out.stderr);
    assert!(!out.stderr.contains("not-the-right-secret"));

    // Tokens revoked twice in a row: the refresh is tried once, then the 401 is explained.
    let secret = tenant.with(|s| s.client_secret.clone());
    tenant.push_fault(Fault::RevokeTokens);
    tenant.push_fault(Fault::RevokeTokens);
    let out = run(
        dir.path(),
        &["fetch", "--out", "s.json"],
        &[("CASGUARD_CLIENT_SECRET", &secret)],
    );
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr
            .contains("(401) using auth method `entra-secret`"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("MDCA may require the legacy API token"),
        "{}",
        out.stderr
    );
    let out = run(dir.path(), &["fetch", "--out", "s.json"], &[]);
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr.contains("CASGUARD_CLIENT_SECRET is not set"),
        "{}",
        out.stderr
    );
}

#[test]
fn workload_identity_from_a_token_file_and_from_github_oidc() {
    let tenant = FakeTenant::start(policies(120));
    let dir = tempfile::tempdir().unwrap();
    entra_config(dir.path(), &tenant, "entra-workload-identity");
    let assertion = tenant.with(|s| s.federated_assertion.clone());
    std::fs::write(dir.path().join("federated.jwt"), &assertion).unwrap();
    let file = dir.path().join("federated.jwt").display().to_string();
    let out = run(
        dir.path(),
        &["fetch", "--out", "a.json"],
        &[("AZURE_FEDERATED_TOKEN_FILE", &file)],
    );
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let token_request = tenant
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("/token"))
        .unwrap();
    assert!(token_request.body.contains(
        "client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"
    ));

    let request_token = tenant.with(|s| s.oidc_request_token.clone());
    let oidc_url = format!("{}/oidc/token?api-version=2.0", tenant.url());
    let out = run(
        dir.path(),
        &["fetch", "--out", "b.json"],
        &[
            ("ACTIONS_ID_TOKEN_REQUEST_URL", &oidc_url),
            ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", &request_token),
        ],
    );
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let oidc = tenant
        .requests()
        .into_iter()
        .find(|r| r.path == "/oidc/token")
        .unwrap();
    assert_eq!(oidc.method, "GET");
    let out = run(dir.path(), &["fetch", "--out", "c.json"], &[]);
    assert_eq!(out.code, Some(2));
    assert!(out.stderr.contains("id-token: write"), "{}", out.stderr);
    assert_read_only(&tenant);
}

#[test]
fn secrets_never_appear_in_any_output() {
    let tenant = FakeTenant::start(policies(150));
    let dir = tempfile::tempdir().unwrap();
    let (api_token, secret, assertion, request_token) = tenant.with(|s| {
        (
            s.api_token.clone(),
            s.client_secret.clone(),
            s.federated_assertion.clone(),
            s.oidc_request_token.clone(),
        )
    });
    let mut outputs = String::new();
    let faults = [
        Some(Fault::TooManyRequests {
            retry_after: Some("0".into()),
            body: format!("echo {api_token}"),
        }),
        Some(Fault::Status(502)),
        Some(Fault::Drop),
        Some(Fault::Truncated),
        Some(Fault::BadJson),
        Some(Fault::Redirect),
        None,
    ];
    for fault in faults.iter().cloned() {
        config(dir.path(), &tenant, "");
        if let Some(fault) = fault {
            tenant.push_fault(fault);
        }
        let out = run(
            dir.path(),
            &["-vv", "fetch", "--out", "snapshot.json"],
            &[("CASGUARD_API_TOKEN", &api_token)],
        );
        outputs.push_str(&out.stdout);
        outputs.push_str(&out.stderr);
        // A wrong token is quoted nowhere either.
        let out = run(
            dir.path(),
            &["-vv", "fetch", "--out", "x.json"],
            &[("CASGUARD_API_TOKEN", "Zz9-wrong-token-zz9Zz9")],
        );
        outputs.push_str(&out.stdout);
        outputs.push_str(&out.stderr);
    }
    for auth in ["entra-secret", "entra-workload-identity"] {
        entra_config(dir.path(), &tenant, auth);
        tenant.push_fault(Fault::RevokeTokens);
        let oidc_url = format!("{}/oidc/token?api-version=2.0", tenant.url());
        let out = run(
            dir.path(),
            &["-vv", "fetch", "--out", "snapshot.json"],
            &[
                ("CASGUARD_CLIENT_SECRET", &secret),
                ("ACTIONS_ID_TOKEN_REQUEST_URL", &oidc_url),
                ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", &request_token),
            ],
        );
        assert_eq!(out.code, Some(0), "{auth}: {}", out.stderr);
        outputs.push_str(&out.stdout);
        outputs.push_str(&out.stderr);
        outputs.push_str(&std::fs::read_to_string(dir.path().join("snapshot.json")).unwrap());
    }
    // Every report format of the other commands, run in the same folder.
    std::fs::create_dir_all(dir.path().join("policies")).unwrap();
    config(dir.path(), &tenant, "");
    for format in [
        "human", "json", "sarif", "junit", "github", "markdown", "html",
    ] {
        let out = run(
            dir.path(),
            &["-vv", "drift", "--format", format, "--fail-on", "never"],
            &[("CASGUARD_API_TOKEN", &api_token)],
        );
        assert_eq!(out.code, Some(0), "{format}: {}", out.stderr);
        outputs.push_str(&out.stdout);
        outputs.push_str(&out.stderr);
        let out = run(
            dir.path(),
            &["-vv", "lint", "--format", format, "--fail-on", "never"],
            &[
                ("CASGUARD_API_TOKEN", &api_token),
                ("CASGUARD_CLIENT_SECRET", &secret),
            ],
        );
        outputs.push_str(&out.stdout);
        outputs.push_str(&out.stderr);
    }
    // An evidence bundle read through the API, with a signing key from the environment.
    let signing_key = "7f".repeat(32);
    let out = run(
        dir.path(),
        &["-vv", "evidence", "--out", "bundle.tar.gz"],
        &[
            ("CASGUARD_API_TOKEN", &api_token),
            ("CASGUARD_SIGNING_KEY", &signing_key),
        ],
    );
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    outputs.push_str(&out.stdout);
    outputs.push_str(&out.stderr);
    let archive = std::fs::read(dir.path().join("bundle.tar.gz")).unwrap();
    let mut unpacked = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(archive.as_slice()),
        &mut unpacked,
    )
    .unwrap();
    let bundle = String::from_utf8_lossy(&unpacked).into_owned();
    assert!(bundle.contains("manifest.json") && bundle.contains("live-raw.json"));
    assert!(
        !bundle.contains(&signing_key),
        "signing key leaked into the bundle"
    );
    outputs.push_str(&bundle);
    assert!(outputs.len() > 1000, "the outputs were captured");
    let issued = tenant.with(|s| s.issued_tokens.clone());
    for (name, secret) in [
        ("api token", api_token.as_str()),
        ("wrong token", "Zz9-wrong-token-zz9Zz9"),
        ("client secret", &secret),
        ("assertion", &assertion),
        ("oidc request token", &request_token),
    ]
    .into_iter()
    .chain(issued.iter().map(|t| ("access token", t.as_str())))
    {
        assert!(!outputs.contains(secret), "{name} leaked");
    }
}

#[test]
fn default_pacing_sends_the_minimum_number_of_requests() {
    let tenant = FakeTenant::start(policies(500));
    let dir = tempfile::tempdir().unwrap();
    config(dir.path(), &tenant, "");
    std::fs::write(
        dir.path().join("casguard.toml"),
        format!("[tenant]\nurl = \"{}\"\n", tenant.url()),
    )
    .unwrap();
    let started = std::time::Instant::now();
    let out = fetch(dir.path(), &tenant, &[]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(tenant.policy_requests(), 5);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "5 requests fit the 30-per-minute budget without waiting"
    );
}

#[test]
fn hostile_or_broken_answers_never_panic_or_overrun() {
    // A Retry-After far beyond the deadline ends the fetch cleanly.
    let tenant = FakeTenant::start(policies(10));
    tenant.push_fault(Fault::TooManyRequests {
        retry_after: Some("18446744073709551615".into()),
        body: String::new(),
    });
    let dir = tempfile::tempdir().unwrap();
    config(dir.path(), &tenant, "deadline_seconds = 5\n");
    let out = fetch(dir.path(), &tenant, &[]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(out.stderr.contains("deadline"), "{}", out.stderr);

    // The deadline also bounds a request that is merely slow.
    let tenant = FakeTenant::start(policies(250));
    for _ in 0..3 {
        tenant.push_fault(Fault::Slow(Duration::from_millis(1500)));
    }
    config(
        dir.path(),
        &tenant,
        "deadline_seconds = 2\nrequest_timeout_seconds = 60\n",
    );
    let started = std::time::Instant::now();
    let out = fetch(dir.path(), &tenant, &[]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn urls_with_queries_unknown_hosts_and_missing_out_folders_fail_fast() {
    let tenant = FakeTenant::start(policies(3));
    let dir = tempfile::tempdir().unwrap();
    config(dir.path(), &tenant, "");
    let token = token(&tenant);
    let with_query = format!("{}?q=1#frag", tenant.url());
    let out = run(
        dir.path(),
        &["fetch", "--out", "s.json", "--tenant", &with_query],
        &[("CASGUARD_API_TOKEN", &token)],
    );
    assert_eq!(out.code, Some(2));
    assert!(out.stderr.contains("query or a fragment"), "{}", out.stderr);
    let started = std::time::Instant::now();
    let out = run(
        dir.path(),
        &[
            "fetch",
            "--out",
            "s.json",
            "--tenant",
            "https://no-such-tenant.invalid",
        ],
        &[("CASGUARD_API_TOKEN", &token)],
    );
    assert_eq!(out.code, Some(2));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "DNS failures are not retried: {:?}",
        started.elapsed()
    );
    assert!(out.stderr.contains("not retried"), "{}", out.stderr);
    std::fs::write(dir.path().join("a-file"), "").unwrap();
    for args in [
        ["fetch", "--out", "a-file/s.json", "--history=h"],
        ["fetch", "--out", "s.json", "--history=a-file/history"],
    ] {
        let out = run(dir.path(), &args, &[("CASGUARD_API_TOKEN", &token)]);
        assert_eq!(out.code, Some(2), "{args:?}");
        assert!(
            out.stderr.contains("`a-file`: not a folder"),
            "{}",
            out.stderr
        );
    }
    assert!(
        tenant.requests().is_empty(),
        "nothing was fetched for a bad --out or --history"
    );
    // Missing folders are made.
    let out = run(
        dir.path(),
        &[
            "fetch",
            "--out",
            "new/deeper/s.json",
            "--history",
            "kept/history",
        ],
        &[("CASGUARD_API_TOKEN", &token)],
    );
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(dir.path().join("new/deeper/s.json").is_file());
    assert_eq!(
        std::fs::read_dir(dir.path().join("kept/history"))
            .unwrap()
            .count(),
        1
    );
}

#[test]
fn a_failing_history_copy_leaves_the_snapshot_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("casguard.toml"), "").unwrap();
    std::fs::write(dir.path().join("out.json"), "good").unwrap();
    let snapshot = serde_json::json!({"format_version": 1, "fetched_at": "2026-11-22T06:00:00Z", "policies": []});
    std::fs::write(dir.path().join("in.json"), snapshot.to_string()).unwrap();
    // The dated copy's name is taken by a folder: the copy cannot be written.
    std::fs::create_dir_all(
        dir.path()
            .join("history/snapshot-2026-11-22T06-00-00Z.json"),
    )
    .unwrap();
    let out = run(
        dir.path(),
        &[
            "fetch",
            "--snapshot",
            "in.json",
            "--out",
            "out.json",
            "--history",
            "history",
        ],
        &[],
    );
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("history/snapshot-2026-11-22T06-00-00Z.json"),
        "{}",
        out.stderr
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out.json")).unwrap(),
        "good"
    );
    for folder in [dir.path().to_path_buf(), dir.path().join("history")] {
        let left: Vec<_> = std::fs::read_dir(&folder)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".casguard"))
            .collect();
        assert!(left.is_empty(), "staging files left: {left:?}");
    }
}

#[test]
fn a_snapshot_time_that_is_not_rfc3339_names_no_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("casguard.toml"), "").unwrap();
    std::fs::create_dir(dir.path().join("history")).unwrap();
    let fetch_at = |at: &str| {
        let snapshot = serde_json::json!({"format_version": 1, "fetched_at": at, "policies": []});
        std::fs::write(dir.path().join("in.json"), snapshot.to_string()).unwrap();
        let args = [
            "fetch",
            "--snapshot",
            "in.json",
            "--out",
            "out.json",
            "--history",
            "history",
        ];
        run(dir.path(), &args, &[])
    };
    for at in ["x/../../../escaped", "2026-13-40T00:00:00Z", "yesterday"] {
        let out = fetch_at(at);
        assert_eq!(out.code, Some(2), "{at}: {}", out.stderr);
        assert!(out.stderr.contains("RFC 3339"), "{}", out.stderr);
        assert!(!dir.path().join("out.json").exists());
        let kept = std::fs::read_dir(dir.path().join("history")).unwrap();
        assert_eq!(kept.count(), 0);
    }
    assert!(!dir.path().parent().unwrap().join("escaped.json").exists());
    // An offset is read and named in UTC.
    let out = fetch_at("2026-11-22T07:00:00+01:00");
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let kept = dir
        .path()
        .join("history/snapshot-2026-11-22T06-00-00Z.json");
    assert!(kept.is_file());
}

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[test]
fn refused_connections_and_tls_to_a_plain_port_fail_at_once_with_a_hint() {
    let tenant = FakeTenant::start(policies(3));
    let token = token(&tenant);
    let dir = tempfile::tempdir().unwrap();
    // Retries would take seconds at this base delay: failing at once does not.
    config(dir.path(), &tenant, "");
    let text = std::fs::read_to_string(dir.path().join("casguard.toml")).unwrap();
    std::fs::write(
        dir.path().join("casguard.toml"),
        text.replace("retry_base_delay_ms = 5", "retry_base_delay_ms = 2000"),
    )
    .unwrap();
    let https = tenant.url().replace("http://", "https://");
    let refused = format!("http://127.0.0.1:{}", closed_port());
    for (url, hint) in [
        (refused.as_str(), "nothing listens on that port"),
        (https.as_str(), "the server did not answer with TLS"),
    ] {
        let started = std::time::Instant::now();
        let out = run(
            dir.path(),
            &["fetch", "--tenant", url, "--out", "s.json"],
            &[("CASGUARD_API_TOKEN", &token)],
        );
        assert_eq!(out.code, Some(2), "{}", out.stderr);
        assert!(out.stderr.contains(hint), "{url}: {}", out.stderr);
        assert!(out.stderr.contains("not retried"), "{}", out.stderr);
        assert!(!out.stderr.contains("max_attempts"), "{}", out.stderr);
        assert!(
            started.elapsed() < Duration::from_millis(1500),
            "{url} was retried: {:?}",
            started.elapsed()
        );
    }
}

#[test]
fn throttling_is_said_on_stderr_without_verbose() {
    let tenant = FakeTenant::start(policies(10));
    tenant.push_fault(Fault::TooManyRequests {
        retry_after: Some("1".into()),
        body: String::new(),
    });
    let dir = tempfile::tempdir().unwrap();
    config(dir.path(), &tenant, "");
    let token = token(&tenant);
    let out = run(
        dir.path(),
        &["fetch", "--out", "snapshot.json"],
        &[("CASGUARD_API_TOKEN", &token)],
    );
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(
        out.stderr.contains(
            "the tenant is throttling requests (HTTP 429 Too Many Requests (Retry-After 1 s))"
        ) && out.stderr.contains("retrying in 1.0 s (attempt 2 of 4)"),
        "{}",
        out.stderr
    );
    // Once per run: what casguard ignored as server-managed.
    assert!(
        out.stderr.contains("live fields ignored as server-managed (never compared): _id, _tid, createdDate, lastModified"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_sign_in_that_keeps_failing_is_reported_as_the_sign_in() {
    let tenant = FakeTenant::start(policies(3));
    let dir = tempfile::tempdir().unwrap();
    let client_id = tenant.with(|s| s.client_id.clone());
    config(
        dir.path(),
        &tenant,
        &format!(
            "auth = \"entra-secret\"\ntenant_id = \"contoso.onmicrosoft.com\"\nclient_id = \"{client_id}\"\nauthority_host = \"http://127.0.0.1:{}\"\n",
            closed_port()
        ),
    );
    let out = run(
        dir.path(),
        &["fetch", "--out", "s.json"],
        &[("CASGUARD_CLIENT_SECRET", "secret")],
    );
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr
            .contains("Entra ID sign-in failed (entra-secret): cannot reach")
            && out.stderr.contains("(after 4 attempts)"),
        "{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("/cas/api/v1/policies/"),
        "{}",
        out.stderr
    );
    assert!(tenant.requests_to("/cas/api/v1/policies/").is_empty());
}

#[test]
fn the_api_and_files_refuse_the_same_objects_by_index() {
    let mut live = policies(3);
    live[1].as_object_mut().unwrap().remove("name");
    live[2]["_id"] = serde_json::json!(17);
    let tenant = FakeTenant::start(live[..2].to_vec());
    let dir = tempfile::tempdir().unwrap();
    config(dir.path(), &tenant, "");
    let out = fetch(dir.path(), &tenant, &[]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("policy #1 (from 0) has no `name` string"),
        "{}",
        out.stderr
    );
    assert!(!dir.path().join("snapshot.json").exists());
    std::fs::write(
        dir.path().join("dump.json"),
        serde_json::json!({ "data": live }).to_string(),
    )
    .unwrap();
    for command in [
        vec!["fetch", "--snapshot", "dump.json", "--out", "s.json"],
        vec!["import", "--snapshot", "dump.json", "--out", "policies"],
    ] {
        let out = run(dir.path(), &command, &[]);
        assert_eq!(out.code, Some(2), "{command:?}: {}", out.stderr);
        assert!(
            out.stderr.contains(
                "policy #1 (from 0) has no `name` string; policy #2 (from 0) has no string `_id`"
            ),
            "{}",
            out.stderr
        );
        assert!(!dir.path().join("s.json").exists() && !dir.path().join("policies").exists());
    }
}

#[test]
fn files_people_already_have_are_read_or_refused_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let policy = policies(1).remove(0);
    let text = serde_json::to_string_pretty(&serde_json::json!({ "data": [policy] })).unwrap();
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    std::fs::write(dir.path().join("utf16.json"), utf16).unwrap();
    std::fs::write(
        dir.path().join("bom.json"),
        [&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat(),
    )
    .unwrap();
    std::fs::write(dir.path().join("one.json"), policy.to_string()).unwrap();
    for file in ["utf16.json", "bom.json", "one.json"] {
        let out = run(
            dir.path(),
            &["fetch", "--snapshot", file, "--out", "s.json"],
            &[],
        );
        assert_eq!(out.code, Some(0), "{file}: {}", out.stderr);
        let snapshot: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.path().join("s.json")).unwrap())
                .unwrap();
        assert_eq!(snapshot["policies"][0], policy, "{file}");
    }
    // PowerShell's ConvertTo-Json at its default depth (2) cuts the filters.
    let mut cut = policy.clone();
    cut["filters"] = serde_json::json!({"service.appId": "@{eq=System.Object[]}"});
    std::fs::write(
        dir.path().join("cut.json"),
        serde_json::json!([cut]).to_string(),
    )
    .unwrap();
    let out = run(
        dir.path(),
        &["import", "--snapshot", "cut.json", "--out", "p"],
        &[],
    );
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(
        out.stderr.contains("cut.json")
            && out
                .stderr
                .contains("policy #0 (from 0) holds a PowerShell type name")
            && out.stderr.contains("ConvertTo-Json -Depth 20"),
        "{}",
        out.stderr
    );
    assert!(!dir.path().join("p").exists());
}

/// `secret` in the forms it may travel in: raw, percent-encoded, JSON-escaped, base64.
fn encoded_forms(secret: &str) -> Vec<String> {
    use base64::Engine;
    let percent: String = secret
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    vec![
        secret.to_string(),
        percent,
        serde_json::to_string(secret).unwrap(),
        base64::engine::general_purpose::STANDARD.encode(secret),
    ]
}

fn assert_no_secret(out: &Run, secret: &str) {
    for form in encoded_forms(secret) {
        let form = form.trim_matches('"').trim_end_matches('=');
        assert!(
            !out.stdout.contains(form) && !out.stderr.contains(form),
            "`{form}` shown:\n{}\n{}",
            out.stdout,
            out.stderr
        );
    }
}

#[test]
fn secrets_echoed_by_the_server_are_never_shown() {
    let tenant = FakeTenant::start(policies(3));
    let secret = token(&tenant);
    let dir = tempfile::tempdir().unwrap();
    config(dir.path(), &tenant, "");

    // A redirect whose Location carries the token in user information and query.
    tenant.push_fault(Fault::RedirectTo(format!(
        "https://user:{secret}@evil.example/x?token={secret}"
    )));
    let refused_showing = |shown: &str| {
        let out = fetch(dir.path(), &tenant, &[]);
        assert_eq!(out.code, Some(2), "{}", out.stderr);
        assert!(out.stderr.contains(shown), "{}", out.stderr);
        assert_no_secret(&out, &secret);
    };
    refused_showing("redirected to https://[redacted]@evil.example/x?[redacted]");

    // An item without `_id` that echoes the token in every encoding.
    let echo: Vec<String> = encoded_forms(&secret)
        .into_iter()
        .map(|f| f.trim_matches('"').to_string())
        .collect();
    tenant.push_fault(Fault::Reply(
        200,
        serde_json::json!({"data": [{"name": "x", "echo": echo}], "hasNext": false, "total": 1})
            .to_string(),
    ));
    refused_showing("has no string `_id` (it has keys `name`, `echo`)");

    // A refusal whose body quotes the token percent-encoded.
    tenant.push_fault(Fault::Reply(400, format!("bad token {}", echo[1])));
    refused_showing("bad token [redacted]");
}

#[test]
fn a_tenant_url_with_credentials_is_refused_without_showing_them() {
    let tenant = FakeTenant::start(policies(1));
    let dir = tempfile::tempdir().unwrap();
    config(dir.path(), &tenant, "");
    let secret = "url-secret-4711-abcdef";
    for url in [
        format!("https://admin:{secret}@contoso.portal.cloudappsecurity.com"),
        format!("https://contoso.portal.cloudappsecurity.com/?token={secret}"),
        format!("https://contoso.portal.cloudappsecurity.com/#{secret}"),
    ] {
        let out = run(
            dir.path(),
            &["fetch", "--out", "s.json", "--tenant", &url],
            &[("CASGUARD_API_TOKEN", "t0ken-for-this-test")],
        );
        assert_eq!(out.code, Some(2), "{url}: {}", out.stderr);
        assert!(out.stderr.contains("[redacted]"), "{url}: {}", out.stderr);
        assert_no_secret(&out, secret);
    }
    assert_eq!(tenant.policy_requests(), 0);
}

#[test]
fn plain_http_to_loopback_never_goes_through_a_proxy() {
    let tenant = FakeTenant::start(policies(2));
    // A "proxy" that records whether anything reached it.
    let proxy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    proxy.set_nonblocking(true).unwrap();
    let proxy_url = format!("http://{}", proxy.local_addr().unwrap());
    let dir = tempfile::tempdir().unwrap();
    config(dir.path(), &tenant, "");
    let secret = token(&tenant);
    let mut command = Command::new(env!("CARGO_BIN_EXE_casguard"));
    command
        .args(["fetch", "--out", "s.json"])
        .current_dir(dir.path())
        .env("CASGUARD_API_TOKEN", &secret)
        .env_remove("CASGUARD_TENANT_URL");
    for key in ["NO_PROXY", "no_proxy"] {
        command.env_remove(key);
    }
    for key in ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"] {
        command.env(key, &proxy_url);
    }
    let out = command.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        proxy.accept().is_err(),
        "a request went to the proxy in clear text"
    );
    assert_eq!(tenant.policy_requests(), 1);
}

#[test]
fn outputs_are_checked_before_the_first_request() {
    let tenant = FakeTenant::start(policies(3));
    let dir = tempfile::tempdir().unwrap();
    config(dir.path(), &tenant, "");
    std::fs::create_dir(dir.path().join("policies")).unwrap();
    std::fs::create_dir(dir.path().join("a-folder")).unwrap();
    let token = token(&tenant);
    for args in [
        vec!["drift", "--report", "json=missing/drift.json"],
        vec!["review", "--live", "--report", "sarif=missing/review.sarif"],
        vec!["ops", "--report", "json=a-folder"],
        vec!["suggest", "--out", "missing/fix.patch"],
        vec![
            "report",
            "monthly",
            "--live",
            "--out",
            "missing/monthly.html",
        ],
    ] {
        let out = run(dir.path(), &args, &[("CASGUARD_API_TOKEN", &token)]);
        assert_eq!(out.code, Some(2), "{args:?}: {}", out.stderr);
        assert!(
            out.stderr.contains("does not exist") || out.stderr.contains("it is a folder"),
            "{args:?}: {}",
            out.stderr
        );
    }
    assert!(tenant.requests().is_empty(), "{:?}", tenant.requests());
    // An existing bundle without --force, and a bundle under a file.
    std::fs::create_dir(dir.path().join("bundle")).unwrap();
    std::fs::write(dir.path().join("a-file"), "x").unwrap();
    for (out, expected) in [("bundle", "already exists"), ("a-file/b", "not a folder")] {
        let args = ["evidence", "--out", out];
        let run = run(dir.path(), &args, &[("CASGUARD_API_TOKEN", &token)]);
        assert_eq!(run.code, Some(2), "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(expected), "{args:?}: {}", run.stderr);
    }
    assert!(tenant.requests().is_empty(), "{:?}", tenant.requests());

    // A wrong policies_dir is found before the tenant is read.
    config(dir.path(), &tenant, "");
    let text = std::fs::read_to_string(dir.path().join("casguard.toml")).unwrap();
    let text = format!("policies_dir = \"no-such-folder\"\n{text}");
    std::fs::write(dir.path().join("casguard.toml"), text).unwrap();
    for args in [
        vec!["drift"],
        vec!["review", "--live"],
        vec!["ops"],
        vec!["suggest"],
        vec!["evidence", "--out", "bundle.tar.gz"],
        vec!["report", "monthly", "--live", "--out", "monthly.html"],
    ] {
        let out = run(dir.path(), &args, &[("CASGUARD_API_TOKEN", &token)]);
        assert_eq!(out.code, Some(2), "{args:?}: {}", out.stderr);
        assert!(
            out.stderr.contains("no-such-folder"),
            "{args:?}: {}",
            out.stderr
        );
        assert!(
            tenant.requests().is_empty(),
            "{args:?}: {:?}",
            tenant.requests()
        );
    }
}

#[test]
fn a_token_endpoint_echoing_the_client_secret_percent_encoded_shows_none_of_it() {
    let tenant = FakeTenant::start(policies(1));
    let dir = tempfile::tempdir().unwrap();
    entra_config(dir.path(), &tenant, "entra-secret");
    tenant.with(|s| s.echo_token_form = true);
    // Characters a form encoder escapes, so the echo differs from the raw secret.
    let secret = "s3cret/with+odd=chars&~ünï";
    let out = run(
        dir.path(),
        &["-v", "fetch", "--out", "snapshot.json"],
        &[("CASGUARD_CLIENT_SECRET", secret)],
    );
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(out.stderr.contains("AADSTS900144"), "{}", out.stderr);
    assert!(out.stderr.contains("[redacted]"), "{}", out.stderr);
    assert_no_secret(&out, secret);
    for form in ["s3cret%2Fwith", "odd%3Dchars", "%C3%BCn"] {
        assert!(
            !out.stderr.contains(form),
            "`{form}` shown:\n{}",
            out.stderr
        );
    }
}

/// A tenant behind a TLS-inspecting proxy: an HTTPS server on 127.0.0.1 whose
/// certificate (tests/fixtures/tls/server.pem, for IP 127.0.0.1) is signed by
/// a private CA (ca.pem) that no public list holds. It answers every request
/// with an empty policy list and counts the connections it accepts.
mod tls_proxy {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    pub struct Server {
        pub url: String,
        connections: Arc<AtomicUsize>,
    }

    impl Server {
        pub fn connections(&self) -> usize {
            self.connections.load(Ordering::SeqCst)
        }
    }

    fn pem_items(path: &str) -> Vec<ureq::tls::PemItem<'static>> {
        let pem = std::fs::read(path).unwrap();
        ureq::tls::parse_pem(&pem).map(Result::unwrap).collect()
    }

    pub fn start() -> Server {
        let certificate = match pem_items("tests/fixtures/tls/server.pem").remove(0) {
            ureq::tls::PemItem::Certificate(c) => {
                rustls::pki_types::CertificateDer::from(c.der().to_vec())
            }
            _ => panic!("server.pem holds the certificate"),
        };
        let key = match pem_items("tests/fixtures/tls/server-key.pem").remove(0) {
            ureq::tls::PemItem::PrivateKey(k) => {
                rustls::pki_types::PrivateKeyDer::try_from(k.der().to_vec()).unwrap()
            }
            _ => panic!("server-key.pem holds the key"),
        };
        let config = Arc::new(
            rustls::ServerConfig::builder_with_provider(Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![certificate], key)
            .unwrap(),
        );
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!(
            "https://127.0.0.1:{}",
            listener.local_addr().unwrap().port()
        );
        let connections = Arc::new(AtomicUsize::new(0));
        let counter = connections.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                counter.fetch_add(1, Ordering::SeqCst);
                let config = config.clone();
                std::thread::spawn(move || serve(config, stream));
            }
        });
        Server { url, connections }
    }

    /// One request on one connection; a client that refuses the certificate
    /// ends the handshake, and with it this connection.
    fn serve(config: Arc<rustls::ServerConfig>, tcp: TcpStream) {
        let Ok(connection) = rustls::ServerConnection::new(config) else {
            return;
        };
        let mut tls = rustls::StreamOwned::new(connection, tcp);
        let mut reader = BufReader::new(&mut tls);
        let mut length = 0;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let reply = r#"{"data": [], "hasNext": false, "total": 0}"#;
        let _ = write!(
            tls,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
            reply.len()
        );
        tls.conn.send_close_notify();
        let _ = tls.flush();
    }
}

#[test]
fn a_tls_inspecting_proxy_is_trusted_through_ca_file_or_ssl_cert_file() {
    let server = tls_proxy::start();
    let ca = std::env::current_dir()
        .unwrap()
        .join("tests/fixtures/tls/ca.pem");
    let dir = tempfile::tempdir().unwrap();
    let write_config = |extra: &str| {
        std::fs::write(
            dir.path().join("casguard.toml"),
            format!(
                "[tenant]\nurl = \"{}\"\nmax_requests_per_minute = 0\nretry_base_delay_ms = 5\n{extra}",
                server.url
            ),
        )
        .unwrap()
    };
    let token = [("CASGUARD_API_TOKEN", "proxy-test-token-0123456789")];

    // The built-in Mozilla list does not hold the proxy's CA: refused, and
    // the message says where to name it.
    write_config("");
    let refused = run(dir.path(), &["fetch", "--out", "s.json"], &token);
    assert_eq!(refused.code, Some(2), "{}", refused.stderr);
    assert_eq!(server.connections(), 1, "not retried: {}", refused.stderr);
    assert!(
        refused.stderr.contains("certificate is not trusted"),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains("`ca_file`"), "{}", refused.stderr);
    assert!(!dir.path().join("s.json").exists());

    // The Entra sign-in meets the same proxy: one try, and the same advice
    // (a certificate problem is not retried, there as for the tenant).
    let before = server.connections();
    write_config(&format!(
        "auth = \"entra-secret\"\ntenant_id = \"contoso.onmicrosoft.com\"\nclient_id = \"app\"\nauthority_host = \"{}\"\n",
        server.url
    ));
    let sign_in = run(
        dir.path(),
        &["fetch", "--out", "s.json"],
        &[("CASGUARD_CLIENT_SECRET", "proxy-test-secret-0123456789")],
    );
    assert_eq!(sign_in.code, Some(2), "{}", sign_in.stderr);
    assert!(sign_in.stderr.contains("`ca_file`"), "{}", sign_in.stderr);
    assert_eq!(server.connections() - before, 1, "{}", sign_in.stderr);

    // `ca_file` (relative to casguard.toml) trusts it.
    std::fs::copy(&ca, dir.path().join("proxy-ca.pem")).unwrap();
    write_config("ca_file = \"proxy-ca.pem\"\n");
    let trusted = run(dir.path(), &["fetch", "--out", "s.json"], &token);
    assert_eq!(trusted.code, Some(0), "{}", trusted.stderr);
    assert_eq!(
        snapshot_at(dir.path(), "s.json")["policies"],
        serde_json::json!([])
    );

    // So does SSL_CERT_FILE when `ca_file` is unset.
    write_config("");
    let ca_text = ca.display().to_string();
    let mut env = token.to_vec();
    env.push(("SSL_CERT_FILE", ca_text.as_str()));
    let from_env = run(dir.path(), &["fetch", "--out", "s2.json"], &env);
    assert_eq!(from_env.code, Some(0), "{}", from_env.stderr);

    // A file that is not a CA bundle stops casguard before any request, naming it.
    let before = server.connections();
    for (name, content, expected) in [
        ("missing.pem", None, "No such file"),
        ("/dev/zero", None, "larger than 16 MiB"),
        (
            "key.pem",
            Some(std::fs::read("tests/fixtures/tls/server-key.pem").unwrap()),
            "holds no PEM certificate",
        ),
        (
            "junk.pem",
            Some(b"-----BEGIN CERTIFICATE-----\nnot base64!\n".to_vec()),
            "not valid PEM",
        ),
    ] {
        if let Some(content) = content {
            std::fs::write(dir.path().join(name), content).unwrap();
        }
        write_config(&format!("ca_file = \"{name}\"\n"));
        let bad = run(dir.path(), &["fetch", "--out", "s3.json"], &token);
        assert_eq!(bad.code, Some(2), "{name}: {}", bad.stderr);
        assert!(
            bad.stderr.contains(&format!("{name}` is not usable")),
            "{name}: {}",
            bad.stderr
        );
        assert!(bad.stderr.contains(expected), "{name}: {}", bad.stderr);
    }
    assert_eq!(server.connections(), before, "a bad ca_file sends nothing");
    assert!(!dir.path().join("s3.json").exists());
}

#[test]
fn a_credential_file_that_is_not_one_fails_at_once() {
    let tenant = FakeTenant::start(policies(1));
    let dir = tempfile::tempdir().unwrap();
    // /dev/zero never ends: read without a cap, it would fill the memory.
    config(dir.path(), &tenant, "token_file = \"/dev/zero\"\n");
    let run = run(dir.path(), &["fetch", "--out", "snapshot.json"], &[]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("token_file `/dev/zero` cannot be read: it is larger than 64 KiB"),
        "{}",
        run.stderr
    );
    assert_eq!(tenant.requests().len(), 0, "nothing is sent");
}
