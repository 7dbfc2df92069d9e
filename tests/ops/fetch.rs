//! Reading the ops resources (`casguard::live::resources::fetch_resources`)
//! against the fake tenant and its Microsoft Graph stand-in
//! (tests/support/fake_tenant.rs), through the library API rather than the
//! CLI: every resource read, Graph paging and its traps (a nextLink to
//! another host, loops, endless pages), retries, one failing resource among
//! healthy ones, missing Graph credentials, credentials that must never
//! cross between MDCA and Graph, API token values that must never be kept,
//! and the promise that casguard only ever lists.

use super::fake_tenant;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use casguard::config::{AuthMethod, GraphAuth, TenantConfig};
use casguard::live::resources::{self, Target};
use casguard::live::snapshot::{Resource, ResourceStatus};
use casguard::live::{Auth, Event, Http, LiveError};
use fake_tenant::{
    ops_broken, ops_healthy, ops_unknown_shapes, route, route_key, FakeTenant, Fault, GraphPaging,
    OpsData, Recorded, GRAPH_SCOPE, MDCA_SCOPE,
};
use serde_json::{json, Value};

const NOW_MS: i64 = 1_795_305_600_000; // 2026-11-22T00:00:00Z
const DAY_MS: i64 = 86_400_000;
const WINDOW_FROM: i64 = NOW_MS - 7 * DAY_MS;

const GRAPH_NAMES: [&str; 3] = ["secure_scores", "secure_score_profiles", "message_center"];
const MDCA_NAMES: [&str; 6] = [
    "app_connectors",
    "discovery_streams",
    "log_collectors",
    "siem_agents",
    "api_tokens",
    "governance",
];

/// What one `fetch_resources` call returned and reported.
struct Run {
    resources: BTreeMap<String, Resource>,
    events: Vec<Event>,
    elapsed: Duration,
}

impl Run {
    fn get(&self, name: &str) -> &Resource {
        self.resources
            .get(name)
            .unwrap_or_else(|| panic!("no resource `{name}` in {:?}", self.resources.keys()))
    }

    fn assert_ok(&self, names: &[&str]) {
        for name in names {
            let resource = self.get(name);
            assert_eq!(
                resource.status,
                ResourceStatus::Ok,
                "{name}: {:?}",
                resource.detail
            );
            assert_eq!(resource.detail, None, "{name}");
        }
    }

    /// The `Retry` events of requests to `route`.
    fn retries(&self, route: &str) -> Vec<(Duration, String)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::Retry {
                    what, wait, reason, ..
                } if what
                    .split_whitespace()
                    .nth(1)
                    .is_some_and(|path| route_key(path) == route_key(route)) =>
                {
                    Some((*wait, reason.clone()))
                }
                _ => None,
            })
            .collect()
    }
}

/// How casguard signs in to each service.
#[derive(Clone, Copy, PartialEq)]
enum Creds {
    /// Legacy API token for MDCA, Entra client secret for Graph.
    TokenAndGraph,
    /// Entra client secret for both (two tokens, two scopes).
    EntraBoth,
    /// Legacy API token only: no Graph credentials configured at all.
    TokenOnly,
}

/// Tiny retry delays and no pacing, so faults cost milliseconds.
fn settings(tenant: &FakeTenant, creds: Creds) -> TenantConfig {
    TenantConfig {
        url: Some(tenant.url()),
        auth: if creds == Creds::EntraBoth {
            AuthMethod::EntraSecret
        } else {
            AuthMethod::Token
        },
        tenant_id: Some("contoso.onmicrosoft.com".into()),
        client_id: Some(tenant.with(|s| s.client_id.clone())),
        authority_host: Some(tenant.url()),
        graph_url: Some(tenant.url()),
        graph_auth: (creds != Creds::TokenOnly).then_some(GraphAuth::EntraSecret),
        max_requests_per_minute: 0,
        max_attempts: 4,
        retry_base_delay: Duration::from_millis(5),
        request_timeout: Duration::from_secs(2),
        connect_timeout: Duration::from_secs(2),
        deadline: Duration::from_secs(60),
        ..TenantConfig::default()
    }
}

/// The environment casguard would see: the API token, and the client secret
/// unless there are to be no Graph credentials.
fn environment(tenant: &FakeTenant, creds: Creds) -> impl Fn(&str) -> Option<String> {
    let (token, secret) = tenant.with(|s| (s.api_token.clone(), s.client_secret.clone()));
    move |key: &str| match key {
        "CASGUARD_API_TOKEN" => Some(token.clone()),
        "CASGUARD_CLIENT_SECRET" if creds != Creds::TokenOnly => Some(secret.clone()),
        _ => None,
    }
}

fn fetch(tenant: &FakeTenant, names: &[&'static str], creds: Creds) -> Run {
    let settings = settings(tenant, creds);
    let env = environment(tenant, creds);
    let mut mdca = Auth::from_config(&settings, &env).expect("MDCA credential");
    let mut graph = Auth::graph(&settings, &env).expect("Graph credential");
    assert_eq!(graph.is_some(), creds != Creds::TokenOnly);
    let mut http = Http::new(&settings).unwrap();
    let url = tenant.url();
    let mut target = Target {
        tenant: Some(&url),
        mdca: Some(&mut mdca),
        graph_url: &url,
        graph: graph.as_mut(),
        alerts_from_ms: WINDOW_FROM,
        governance_from_ms: WINDOW_FROM,
    };
    let names: BTreeSet<&'static str> = names.iter().copied().collect();
    let mut events = Vec::new();
    let started = Instant::now();
    let read = resources::fetch_resources(&names, &mut target, &mut http, &mut |e| events.push(e));
    Run {
        resources: read,
        events,
        elapsed: started.elapsed(),
    }
}

fn all_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = resources::parse_resources("ops,alerts")
        .unwrap()
        .into_iter()
        .collect();
    names.sort();
    names
}

fn healthy_tenant() -> (FakeTenant, OpsData) {
    let policies = fake_tenant::policies(3);
    let alerts = fake_tenant::alerts(40, &policies, 30, NOW_MS);
    let ops = ops_healthy(NOW_MS);
    (FakeTenant::start_ops(policies, alerts, ops.clone()), ops)
}

/// Governance records as the server filters them for `from`, sorted by id
/// and update for comparison.
fn governance_from(records: &[Value], from: i64) -> Vec<Value> {
    let mut kept: Vec<Value> = records
        .iter()
        .filter(|r| r["timestamp"].as_i64().unwrap() >= from)
        .cloned()
        .collect();
    kept.sort_by_key(|r| (r["_id"].to_string(), r["updateTimestamp"].as_i64()));
    kept
}

fn sorted_governance(items: &[Value]) -> Vec<Value> {
    governance_from(items, i64::MIN)
}

/// casguard only lists: GET to a read route, or POST with `skip`/`limit` to
/// a list route, plus the Entra token endpoint. Nothing else, ever.
fn assert_list_reads(tenant: &FakeTenant) {
    let requests = tenant.requests();
    assert!(!requests.is_empty());
    for request in &requests {
        let shown = format!(
            "{} {}?{} {}",
            request.method, request.path, request.query, request.body
        );
        if request.path.ends_with("/oauth2/v2.0/token") {
            assert_eq!(request.method, "POST", "{shown}");
            continue;
        }
        match request.method.as_str() {
            "GET" => {
                let readable = route::GET_LISTS
                    .iter()
                    .chain(route::GRAPH.iter())
                    .chain([route::DISCOVERY_STREAMS, route::POLICIES, route::ALERTS].iter())
                    .any(|r| request.is(r));
                assert!(readable, "GET to a route that is not a read: {shown}");
                assert!(request.body.is_empty(), "{shown}");
                if route::GET_LISTS.iter().any(|r| request.is(r)) {
                    let skip = request.query_param("skip").expect("skip in the query");
                    let limit = request.query_param("limit").expect("limit in the query");
                    assert!(skip.parse::<usize>().is_ok(), "{shown}");
                    let limit: usize = limit.parse().unwrap();
                    assert!((1..=100).contains(&limit), "{shown}");
                }
            }
            "POST" => {
                assert!(
                    route::POST_LISTS.iter().any(|r| request.is(r)),
                    "POST to a route that is not a list: {shown}"
                );
                let body: Value = serde_json::from_str(&request.body).expect("a JSON body");
                assert!(body["skip"].as_u64().is_some(), "{shown}");
                let limit = body["limit"].as_u64().expect("limit");
                assert!((1..=100).contains(&limit), "{shown}");
                if request.is(route::GOVERNANCE) {
                    assert_eq!(
                        body["filters"],
                        json!({"timestamp": {"gte": WINDOW_FROM}}),
                        "only the timestamp filter works on the server: {shown}"
                    );
                }
            }
            _ => panic!("a call that is not a read: {shown}"),
        }
    }
}

fn authorization(request: &Recorded) -> String {
    request.header("authorization").to_string()
}

#[test]
fn healthy_tenant_every_resource_is_read_ok() {
    let (tenant, ops) = healthy_tenant();
    let run = fetch(&tenant, &all_names(), Creds::TokenAndGraph);
    assert_eq!(run.resources.len(), 10, "{:?}", run.resources.keys());
    run.assert_ok(&all_names());
    // Raw items, untouched, in the order served.
    for name in [
        "app_connectors",
        "discovery_streams",
        "log_collectors",
        "siem_agents",
        "api_tokens",
        "secure_score_profiles",
        "message_center",
    ] {
        assert_eq!(run.get(name).items, ops.get(name), "{name}");
    }
    // `$top=1`: only the newest Secure Score, its nextLink not followed.
    assert_eq!(run.get("secure_scores").items, ops.secure_scores[..1]);
    assert_eq!(tenant.requests_to(route::SECURE_SCORES).len(), 1);
    assert_eq!(
        tenant.requests_to(route::SECURE_SCORES)[0].query_param("$top"),
        Some("1".into())
    );
    // Governance: the server's timestamp filter drops the 10-day-old failure.
    let governance = &run.get("governance").items;
    assert_eq!(
        sorted_governance(governance),
        governance_from(&ops.governance, WINDOW_FROM)
    );
    assert!(governance.len() < ops.governance.len());
    // Alerts of the window, system alerts included; the 10-day-old one is not.
    let alerts = &run.get("alerts").items;
    let expected = tenant.with(|s| {
        s.alerts
            .iter()
            .filter(|a| a["timestamp"].as_i64().unwrap() >= WINDOW_FROM)
            .count()
    });
    assert_eq!(alerts.len(), expected);
    assert_eq!(
        alerts.iter().filter(|a| a["isSystemAlert"] == true).count(),
        1
    );
    // Where each came from.
    let url = tenant.url();
    for (name, endpoint) in [
        (
            "app_connectors",
            "POST /cas/api/v1/app_connectors/".to_string(),
        ),
        ("discovery_streams", "GET /api/discovery/streams/".into()),
        (
            "log_collectors",
            "GET /cas/api/v1/discovery/log_collectors/".into(),
        ),
        ("siem_agents", "GET /api/v1/agents/siem/".into()),
        ("api_tokens", "POST /cas/api/v1/tokens/".into()),
        ("governance", "POST /api/v1/governance/".into()),
        (
            "secure_scores",
            format!("GET {url}/v1.0/security/secureScores?$top=1"),
        ),
        (
            "message_center",
            format!("GET {url}/v1.0/admin/serviceAnnouncement/messages"),
        ),
    ] {
        assert_eq!(run.get(name).endpoint.as_deref(), Some(endpoint.as_str()));
    }
    // 11 profiles and 5 posts at 3 a page.
    assert_eq!(tenant.requests_to(route::SECURE_SCORE_PROFILES).len(), 4);
    assert_eq!(tenant.requests_to(route::MESSAGE_CENTER).len(), 2);
    // One request per MDCA resource, one Graph sign-in.
    for r in [
        route::APP_CONNECTORS,
        route::DISCOVERY_STREAMS,
        route::LOG_COLLECTORS,
        route::SIEM_AGENTS,
        route::API_TOKENS,
        route::GOVERNANCE,
    ] {
        assert_eq!(tenant.requests_to(r).len(), 1, "{r}");
    }
    assert_eq!(tenant.with(|s| s.tokens_minted), 1);
    assert_list_reads(&tenant);
    assert!(run.elapsed < Duration::from_secs(10), "{:?}", run.elapsed);
}

#[test]
fn graph_paging_follows_next_links_across_pages() {
    let (tenant, ops) = healthy_tenant();
    tenant.with(|s| s.graph_page_size = 2);
    let run = fetch(&tenant, &GRAPH_NAMES, Creds::TokenAndGraph);
    run.assert_ok(&GRAPH_NAMES);
    assert_eq!(
        run.get("secure_score_profiles").items,
        ops.secure_score_profiles
    );
    assert_eq!(run.get("message_center").items, ops.message_center);
    // Profiles page by `$skiptoken`, messages by `$skip`, as Graph does.
    let tokens: Vec<Option<String>> = tenant
        .requests_to(route::SECURE_SCORE_PROFILES)
        .iter()
        .map(|r| r.query_param("$skiptoken"))
        .collect();
    let expected: Vec<Option<String>> = [None, Some(2), Some(4), Some(6), Some(8), Some(10)]
        .iter()
        .map(|o| o.map(|n: i32| n.to_string()))
        .collect();
    assert_eq!(tokens, expected);
    let skips: Vec<Option<String>> = tenant
        .requests_to(route::MESSAGE_CENTER)
        .iter()
        .map(|r| r.query_param("$skip"))
        .collect();
    assert_eq!(skips, [None, Some("2".into()), Some("4".into())]);
    // A page event per page.
    let pages = run
        .events
        .iter()
        .filter(|e| {
            matches!(
                e,
                Event::Page {
                    noun: "secure_score_profiles",
                    ..
                }
            )
        })
        .count();
    assert_eq!(pages, 6);
    assert_list_reads(&tenant);
}

#[test]
fn next_link_to_another_host_is_refused_and_never_contacted() {
    let (tenant, _) = healthy_tenant();
    let elsewhere = FakeTenant::start(Vec::new());
    elsewhere.set_ops(Vec::new(), ops_healthy(NOW_MS));
    tenant.set_graph_paging(
        route::SECURE_SCORE_PROFILES,
        GraphPaging::OtherHost(elsewhere.url()),
    );
    tenant.set_graph_paging(
        route::MESSAGE_CENTER,
        GraphPaging::OtherHost("http://127.0.0.2:1".into()),
    );
    let run = fetch(&tenant, &GRAPH_NAMES, Creds::TokenAndGraph);
    for name in ["secure_score_profiles", "message_center"] {
        let resource = run.get(name);
        assert_eq!(resource.status, ResourceStatus::Error, "{name}");
        let detail = resource.detail.as_deref().unwrap();
        assert!(detail.contains("@odata.nextLink"), "{detail}");
        assert!(
            detail.contains(&format!("leaves {}", tenant.url())),
            "{detail}"
        );
        assert!(resource.items.is_empty(), "a partial read is no read");
    }
    run.assert_ok(&["secure_scores"]);
    assert!(
        elsewhere.requests().is_empty(),
        "the Graph token went elsewhere: {:?}",
        elsewhere.requests()
    );
    assert_eq!(tenant.requests_to(route::SECURE_SCORE_PROFILES).len(), 1);
    assert_eq!(tenant.requests_to(route::MESSAGE_CENTER).len(), 1);
}

#[test]
fn next_link_loops_and_endless_pages_end_in_an_error() {
    let (tenant, _) = healthy_tenant();
    // 11 profiles at 3 a page: the fourth page links back to the second.
    tenant.set_graph_paging(route::SECURE_SCORE_PROFILES, GraphPaging::LoopBack);
    tenant.set_graph_paging(route::MESSAGE_CENTER, GraphPaging::Endless);
    let run = fetch(&tenant, &GRAPH_NAMES, Creds::TokenAndGraph);
    let profiles = run.get("secure_score_profiles");
    assert_eq!(profiles.status, ResourceStatus::Error);
    assert!(
        profiles.detail.as_deref().unwrap().contains("already read"),
        "{:?}",
        profiles.detail
    );
    assert_eq!(tenant.requests_to(route::SECURE_SCORE_PROFILES).len(), 4);
    let messages = run.get("message_center");
    assert_eq!(messages.status, ResourceStatus::Error);
    assert!(
        messages.detail.as_deref().unwrap().contains("never end"),
        "{:?}",
        messages.detail
    );
    let pages = tenant.requests_to(route::MESSAGE_CENTER).len();
    assert!((2..=200).contains(&pages), "{pages} pages");
    run.assert_ok(&["secure_scores"]);
    assert!(run.elapsed < Duration::from_secs(20), "{:?}", run.elapsed);

    // A single page that links to itself.
    let (tenant, _) = healthy_tenant();
    tenant.with(|s| s.graph_page_size = 50);
    tenant.set_graph_paging(route::MESSAGE_CENTER, GraphPaging::LoopBack);
    let run = fetch(&tenant, &["message_center"], Creds::TokenAndGraph);
    assert_eq!(run.get("message_center").status, ResourceStatus::Error);
    assert_eq!(tenant.requests_to(route::MESSAGE_CENTER).len(), 1);
}

#[test]
fn throttling_and_transient_faults_on_ops_routes_are_retried() {
    let (tenant, ops) = healthy_tenant();
    let throttled = |retry_after: Option<&str>| Fault::TooManyRequests {
        retry_after: retry_after.map(str::to_string),
        body: "{\"detail\":\"Too many requests\"}".into(),
    };
    tenant.push_route_fault(route::SIEM_AGENTS, throttled(Some("0")));
    tenant.push_route_fault(route::LOG_COLLECTORS, throttled(None));
    tenant.push_route_fault(route::APP_CONNECTORS, Fault::Status(503));
    tenant.push_route_fault(route::GOVERNANCE, Fault::Status(502));
    tenant.push_route_fault(route::API_TOKENS, Fault::Drop);
    tenant.push_route_fault(route::DISCOVERY_STREAMS, Fault::Truncated);
    tenant.push_route_fault(route::SECURE_SCORES, Fault::BadJson);
    tenant.push_route_fault(route::SECURE_SCORE_PROFILES, Fault::Status(504));
    tenant.push_route_fault(route::MESSAGE_CENTER, throttled(Some("0")));
    let names: Vec<&'static str> = MDCA_NAMES.iter().chain(&GRAPH_NAMES).copied().collect();
    let run = fetch(&tenant, &names, Creds::TokenAndGraph);
    run.assert_ok(&names);
    assert_eq!(run.get("siem_agents").items, ops.siem_agents);
    assert_eq!(run.get("message_center").items, ops.message_center);
    assert_eq!(run.get("secure_scores").items, ops.secure_scores[..1]);
    // Each faulted route was asked once more, and only once.
    for (r, expected) in [
        (route::SIEM_AGENTS, 2),
        (route::LOG_COLLECTORS, 2),
        (route::APP_CONNECTORS, 2),
        (route::GOVERNANCE, 2),
        (route::API_TOKENS, 2),
        (route::DISCOVERY_STREAMS, 2),
        (route::SECURE_SCORES, 2),
        (route::SECURE_SCORE_PROFILES, 5),
        (route::MESSAGE_CENTER, 3),
    ] {
        assert_eq!(tenant.requests_to(r).len(), expected, "{r}");
        assert_eq!(run.retries(r).len(), 1, "{r}: {:?}", run.events);
    }
    // Retry-After is honoured (0 s); without it, 5x the 5 ms base, +-20 %.
    let (wait, reason) = &run.retries(route::SIEM_AGENTS)[0];
    assert_eq!(*wait, Duration::ZERO, "{reason}");
    assert!(reason.contains("429"), "{reason}");
    assert_eq!(run.retries(route::MESSAGE_CENTER)[0].0, Duration::ZERO);
    let (wait, _) = &run.retries(route::LOG_COLLECTORS)[0];
    assert!(
        *wait >= Duration::from_millis(20) && *wait <= Duration::from_millis(30),
        "{wait:?}"
    );
    assert!(run.retries(route::APP_CONNECTORS)[0].1.contains("503"));
    assert_list_reads(&tenant);
    assert!(run.elapsed < Duration::from_secs(10), "{:?}", run.elapsed);
}

#[test]
fn a_failing_route_fails_only_its_resource() {
    let (tenant, ops) = healthy_tenant();
    tenant.fail_route(route::SIEM_AGENTS, Fault::Status(500));
    tenant.fail_route(route::API_TOKENS, Fault::Status(403));
    tenant.fail_route(route::MESSAGE_CENTER, Fault::Status(503));
    tenant.fail_route(route::SECURE_SCORES, Fault::Status(403));
    let run = fetch(&tenant, &all_names(), Creds::TokenAndGraph);
    let error = |name: &str| {
        let resource = run.get(name);
        assert_eq!(resource.status, ResourceStatus::Error, "{name}");
        assert!(resource.items.is_empty(), "{name}");
        assert!(resource.endpoint.is_some(), "{name}");
        resource.detail.clone().unwrap()
    };
    // 500 is not transient: one request, no retry.
    let detail = error("siem_agents");
    assert!(detail.contains("HTTP 500"), "{detail}");
    assert_eq!(tenant.requests_to(route::SIEM_AGENTS).len(), 1);
    // 403: the token's user may not list API tokens.
    let detail = error("api_tokens");
    assert!(detail.contains("(403)"), "{detail}");
    // 503 every time: retried up to max_attempts, then given up.
    let detail = error("message_center");
    assert!(detail.contains("after 4 attempts"), "{detail}");
    assert_eq!(tenant.requests_to(route::MESSAGE_CENTER).len(), 4);
    // A Graph refusal points at Graph permissions, not MDCA's.
    let detail = error("secure_scores");
    assert!(detail.contains("Microsoft Graph"), "{detail}");
    let ok: Vec<&str> = all_names()
        .into_iter()
        .filter(|n| {
            ![
                "siem_agents",
                "api_tokens",
                "message_center",
                "secure_scores",
            ]
            .contains(n)
        })
        .collect();
    assert_eq!(ok.len(), 6);
    run.assert_ok(&ok);
    assert_eq!(run.get("app_connectors").items, ops.app_connectors);
    assert_eq!(
        run.get("secure_score_profiles").items,
        ops.secure_score_profiles
    );

    // Healed, the same tenant reads in full.
    for r in [
        route::SIEM_AGENTS,
        route::API_TOKENS,
        route::MESSAGE_CENTER,
        route::SECURE_SCORES,
    ] {
        tenant.heal_route(r);
    }
    fetch(&tenant, &all_names(), Creds::TokenAndGraph).assert_ok(&all_names());
}

#[test]
fn without_graph_credentials_graph_resources_are_unavailable() {
    let (tenant, ops) = healthy_tenant();
    let run = fetch(&tenant, &all_names(), Creds::TokenOnly);
    for name in GRAPH_NAMES {
        let resource = run.get(name);
        assert_eq!(resource.status, ResourceStatus::Unavailable, "{name}");
        let detail = resource.detail.as_deref().unwrap();
        assert!(detail.contains("Graph"), "{detail}");
        assert!(resource.items.is_empty() && resource.endpoint.is_none());
    }
    run.assert_ok(&MDCA_NAMES);
    run.assert_ok(&["alerts"]);
    assert_eq!(run.get("log_collectors").items, ops.log_collectors);
    assert!(
        tenant
            .requests()
            .iter()
            .all(|r| !r.path.starts_with("/v1.0/") && !r.path.ends_with("/oauth2/v2.0/token")),
        "nothing was sent to Graph or Entra ID"
    );

    // `graph_auth = "none"` keeps Graph off even with a client secret at hand.
    let mut settings = settings(&tenant, Creds::TokenAndGraph);
    settings.graph_auth = Some(GraphAuth::None);
    let env = environment(&tenant, Creds::TokenAndGraph);
    assert!(Auth::graph(&settings, &env).unwrap().is_none());
    // Unset, it follows CASGUARD_CLIENT_SECRET.
    settings.graph_auth = None;
    assert!(Auth::graph(&settings, &env).unwrap().unwrap().is_graph());
}

#[test]
fn credentials_never_cross_between_mdca_and_graph() {
    // Legacy token for MDCA, Entra for Graph.
    let (tenant, _) = healthy_tenant();
    let run = fetch(&tenant, &all_names(), Creds::TokenAndGraph);
    run.assert_ok(&all_names());
    let api_token = tenant.with(|s| s.api_token.clone());
    let scope = |request: &Recorded| {
        let header = authorization(request);
        let token = header.strip_prefix("Bearer ").unwrap_or("");
        tenant.with(|s| s.token_scopes.get(token).cloned())
    };
    for request in tenant.requests() {
        if request.path.ends_with("/oauth2/v2.0/token") {
            assert!(request
                .body
                .contains("scope=https%3A%2F%2Fgraph.microsoft.com%2F.default"));
            assert!(authorization(&request).is_empty());
        } else if request.path.starts_with("/v1.0/") {
            assert_eq!(
                scope(&request).as_deref(),
                Some(GRAPH_SCOPE),
                "{}",
                request.path
            );
            assert!(!authorization(&request).contains(&api_token));
        } else {
            assert_eq!(authorization(&request), format!("Token {api_token}"));
        }
    }

    // Entra for both: two tokens, one per scope, each only where it belongs.
    let (tenant, _) = healthy_tenant();
    let run = fetch(&tenant, &all_names(), Creds::EntraBoth);
    run.assert_ok(&all_names());
    let scopes: BTreeSet<String> = tenant.with(|s| s.token_scopes.values().cloned().collect());
    assert_eq!(
        scopes,
        BTreeSet::from([MDCA_SCOPE.to_string(), GRAPH_SCOPE.to_string()])
    );
    assert_eq!(tenant.with(|s| s.tokens_minted), 2, "each token cached");
    let mut seen = BTreeSet::new();
    for request in tenant
        .requests()
        .iter()
        .filter(|r| !r.path.ends_with("/oauth2/v2.0/token"))
    {
        let header = authorization(request);
        let token = header.strip_prefix("Bearer ").expect("a bearer token");
        let scope = tenant.with(|s| s.token_scopes.get(token).cloned()).unwrap();
        let expected = if request.path.starts_with("/v1.0/") {
            GRAPH_SCOPE
        } else {
            MDCA_SCOPE
        };
        assert_eq!(scope, expected, "{}", request.path);
        seen.insert(token.to_string());
    }
    assert_eq!(seen.len(), 2);
    assert_list_reads(&tenant);

    // And the fake would have noticed: a token on the wrong service is refused.
    let settings = settings(&tenant, Creds::EntraBoth);
    let env = environment(&tenant, Creds::EntraBoth);
    let mut http = Http::new(&settings).unwrap();
    let mut graph = Auth::graph(&settings, &env).unwrap().unwrap();
    let mut mdca = Auth::from_config(&settings, &env).unwrap();
    let mut legacy = Auth::from_config(
        &TenantConfig {
            auth: AuthMethod::Token,
            ..settings.clone()
        },
        &env,
    )
    .unwrap();
    let url = tenant.url();
    let status = |result: Result<Value, LiveError>| match result {
        Err(LiveError::Unauthorized { status, .. }) => status,
        other => panic!("expected a refusal, got {other:?}"),
    };
    let siem = format!("{url}{}?skip=0&limit=100", route::SIEM_AGENTS);
    let profiles = format!("{url}{}", route::SECURE_SCORE_PROFILES);
    assert_eq!(
        status(http.get_json(&siem, "graph token to MDCA", &mut graph, &mut |_| {})),
        403
    );
    assert_eq!(
        status(http.get_json(&profiles, "MDCA token to Graph", &mut mdca, &mut |_| {})),
        403
    );
    assert_eq!(
        status(http.get_json(&profiles, "API token to Graph", &mut legacy, &mut |_| {})),
        401
    );
}

#[test]
fn api_token_values_never_reach_the_items() {
    let (tenant, ops) = healthy_tenant();
    let secrets = [
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90",
        "ZXhhbXBsZS1hcGkta2V5LXZhbHVlLTAxMjM0NTY3ODk",
        "c2VjcmV0LWhhc2gtMDEyMzQ1Njc4OWFiY2RlZg",
    ];
    tenant.with(|s| {
        s.api_tokens[0]["token"] = json!(secrets[0]);
        s.api_tokens[0]["accessToken"] = json!(secrets[1]);
        s.api_tokens[1]["apiKey"] = json!(secrets[2]);
        s.api_tokens[1]["details"] = json!({"tokenHash": secrets[3], "scope": "read"});
    });
    let run = fetch(&tenant, &["api_tokens"], Creds::TokenOnly);
    run.assert_ok(&["api_tokens"]);
    let items = &run.get("api_tokens").items;
    let text = serde_json::to_string(items).unwrap();
    for secret in secrets {
        assert!(!text.contains(secret), "a token value was kept: {text}");
    }
    // What the checks need is kept as it was.
    assert_eq!(items.len(), ops.api_tokens.len());
    for (item, raw) in items.iter().zip(&ops.api_tokens) {
        for key in ["_id", "name", "created", "lastUsed", "status", "createdBy"] {
            assert_eq!(item[key], raw[key], "{key}");
        }
    }
    assert_eq!(items[1]["details"]["scope"], "read");
}

/// `without_token_values` walks into arrays but only redacts strings that
/// are values of an object key: a list of token strings under a key that
/// says "token" is kept as it came (src/live/resources.rs).
#[test]

fn api_token_values_in_arrays_never_reach_the_items() {
    let (tenant, _) = healthy_tenant();
    let secret = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    tenant.with(|s| s.api_tokens[0]["tokens"] = json!([secret]));
    let run = fetch(&tenant, &["api_tokens"], Creds::TokenOnly);
    run.assert_ok(&["api_tokens"]);
    let text = serde_json::to_string(&run.get("api_tokens").items).unwrap();
    assert!(!text.contains(secret), "a token value was kept: {text}");
}

#[test]
fn casguard_only_sends_list_reads() {
    let policies = fake_tenant::policies(2);
    let alerts = fake_tenant::alerts(120, &policies, 10, NOW_MS);
    let tenant = FakeTenant::start_ops(policies, alerts, ops_broken(NOW_MS));
    tenant.with(|s| {
        s.max_limit = 2;
        s.graph_page_size = 1;
    });
    let names: Vec<&'static str> = all_names()
        .into_iter()
        .filter(|n| *n != "governance")
        .collect();
    fetch(&tenant, &names, Creds::EntraBoth).assert_ok(&names);
    fetch(&tenant, &names, Creds::TokenAndGraph).assert_ok(&names);
    tenant.with(|s| s.max_limit = 100);
    fetch(&tenant, &["governance"], Creds::EntraBoth).assert_ok(&["governance"]);
    assert_list_reads(&tenant);
    let methods: BTreeSet<String> = tenant.requests().into_iter().map(|r| r.method).collect();
    assert_eq!(methods, BTreeSet::from(["GET".into(), "POST".into()]));
}

#[test]
fn ops_lists_page_when_the_server_caps_the_page_size() {
    let tenant = FakeTenant::start_ops(Vec::new(), Vec::new(), ops_broken(NOW_MS));
    let ops = ops_broken(NOW_MS);
    tenant.with(|s| s.max_limit = 2);
    let names = [
        "app_connectors",
        "log_collectors",
        "siem_agents",
        "api_tokens",
    ];
    let run = fetch(&tenant, &names, Creds::TokenOnly);
    run.assert_ok(&names);
    for name in names {
        assert_eq!(run.get(name).items, ops.get(name), "{name}");
    }
    // 5 connectors, 3 agents and 5 tokens at 2 a page.
    assert_eq!(tenant.requests_to(route::APP_CONNECTORS).len(), 3);
    assert_eq!(tenant.requests_to(route::API_TOKENS).len(), 3);
    let skips: Vec<Option<String>> = tenant
        .requests_to(route::SIEM_AGENTS)
        .iter()
        .map(|r| r.query_param("skip"))
        .collect();
    assert_eq!(skips, [Some("0".into()), Some("2".into())]);
    let bodies: Vec<u64> = tenant
        .requests_to(route::APP_CONNECTORS)
        .iter()
        .map(|r| {
            serde_json::from_str::<Value>(&r.body).unwrap()["skip"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(bodies, [0, 2, 4]);
}

/// The governance log has no `hasNext` (mdca-ops.md 0.3); casguard relies on
/// full pages of 100 instead, so a server that returns smaller pages gives a
/// paging error (`total` disagrees) rather than the whole log
/// (src/live/mod.rs `fetch_list`: `hasNext` defaults to `data.len() >= 100`).
#[test]

fn governance_pages_until_total_when_pages_are_short() {
    let mut ops = ops_healthy(NOW_MS);
    ops.governance = parse_records(120, 30);
    let tenant = FakeTenant::start_ops(Vec::new(), Vec::new(), ops);
    tenant.with(|s| s.max_limit = 50);
    let run = fetch(&tenant, &["governance"], Creds::TokenOnly);
    run.assert_ok(&["governance"]);
    assert_eq!(run.get("governance").items.len(), 120);
}

/// `n` settled DiscoveryParseLogTask records, `spacing_minutes` apart back
/// from now.
fn parse_records(n: i64, spacing_minutes: i64) -> Vec<Value> {
    let minute = 60_000;
    (0..n)
        .map(|i| {
            let at = NOW_MS - i * spacing_minutes * minute;
            json!({"_id": format!("6b{i:022x}"), "taskName": "DiscoveryParseLogTask", "timestamp": at,
                "updateTimestamp": at + minute, "inputStreamId": "6a0000020000000000000000",
                "status": {"isSuccess": true, "templateMessage": {"template": "REPOOPER_COMPLETION_STATUS_BASELOGPARSER_PARSED_LOG_FILE_ALL_RELEVANT",
                "parameters": {"transactionsCount": 100 + i, "cloudServicesCount": 7}}}})
        })
        .collect()
}

#[test]
fn governance_pages_without_has_next_and_keeps_both_versions_of_a_record() {
    let mut ops = ops_healthy(NOW_MS);
    // 45 minutes apart: the last 10 are older than 7 days.
    ops.governance = parse_records(260, 45);
    let in_window = governance_from(&ops.governance, WINDOW_FROM).len();
    assert!(in_window > 200 && in_window < 260, "{in_window}");
    let tenant = FakeTenant::start_ops(Vec::new(), Vec::new(), ops.clone());
    let run = fetch(&tenant, &["governance"], Creds::TokenOnly);
    run.assert_ok(&["governance"]);
    let items = &run.get("governance").items;
    assert_eq!(items.len(), in_window);
    let skips: Vec<u64> = tenant
        .requests_to(route::GOVERNANCE)
        .iter()
        .map(|r| {
            serde_json::from_str::<Value>(&r.body).unwrap()["skip"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(skips, [0, 100, 200]);
    // Newest first, as casguard asks.
    assert!(items
        .windows(2)
        .all(|w| w[0]["timestamp"].as_i64() >= w[1]["timestamp"].as_i64()));

    // The broken log: a record listed twice (queued, then settled) is kept twice.
    let broken = ops_broken(NOW_MS);
    let tenant = FakeTenant::start_ops(Vec::new(), Vec::new(), broken.clone());
    let run = fetch(&tenant, &["governance"], Creds::TokenOnly);
    run.assert_ok(&["governance"]);
    let items = &run.get("governance").items;
    assert_eq!(
        sorted_governance(items),
        governance_from(&broken.governance, WINDOW_FROM)
    );
    let mut versions: BTreeMap<String, Vec<bool>> = BTreeMap::new();
    for item in items {
        versions
            .entry(item["_id"].as_str().unwrap().to_string())
            .or_default()
            .push(item.get("status").is_some());
    }
    let twice: Vec<_> = versions.values().filter(|v| v.len() == 2).collect();
    assert_eq!(twice.len(), 1, "{versions:?}");
    assert!(twice[0].contains(&true) && twice[0].contains(&false));

    // The fake, like the real log, answers other filters with nothing at all.
    let settings = settings(&tenant, Creds::TokenOnly);
    let env = environment(&tenant, Creds::TokenOnly);
    let mut auth = Auth::from_config(&settings, &env).unwrap();
    let mut http = Http::new(&settings).unwrap();
    let url = format!("{}{}", tenant.url(), route::GOVERNANCE);
    let body =
        json!({"skip": 0, "limit": 100, "filters": {"taskName": {"eq": ["QuarantineTask"]}}});
    let reply = http
        .post_json(&url, &body, "governance by task", &mut auth, &mut |_| {})
        .unwrap();
    assert_eq!(reply, json!({"total": 0, "data": []}));
}

#[test]
fn broken_tenant_is_read_in_full_with_its_problems() {
    let policies = fake_tenant::policies(2);
    let ops = ops_broken(NOW_MS);
    assert_eq!(ops, ops_broken(NOW_MS), "deterministic");
    let tenant = FakeTenant::start_ops(policies, Vec::new(), ops.clone());
    let run = fetch(&tenant, &all_names(), Creds::TokenAndGraph);
    run.assert_ok(&all_names());
    for name in OpsData::NAMES
        .into_iter()
        .filter(|n| !["governance", "secure_scores"].contains(n))
    {
        assert_eq!(run.get(name).items, ops.get(name), "{name}");
    }
    // The documented problems are all in what casguard read.
    let connectors = &run.get("app_connectors").items;
    let count =
        |items: &[Value], test: &dyn Fn(&Value) -> bool| items.iter().filter(|i| test(i)).count();
    assert_eq!(
        count(connectors, &|c| c["api"]["isEnabled"] == true
            && c["api"]["isConnected"] == false),
        1
    );
    assert_eq!(
        count(connectors, &|c| c["api"]["isEnabled"] == true
            && c["api"]["lastConnected"].as_i64().unwrap()
                < NOW_MS - DAY_MS),
        1
    );
    assert_eq!(
        count(connectors, &|c| c["proxy"]["isConfigured"] == true
            && c["proxy"]["isConnected"] == false),
        1
    );
    assert_eq!(count(connectors, &|c| c["proxy"]["isSuspended"] == true), 1);
    let streams = &run.get("discovery_streams").items;
    let stale = |s: &Value| {
        let last: jiff::Timestamp = s["lastDataReceived"].as_str().unwrap().parse().unwrap();
        last.as_millisecond() < NOW_MS - DAY_MS
    };
    assert_eq!(count(streams, &stale), 1);
    assert_eq!(
        count(&run.get("log_collectors").items, &|c| c["status"]
            == "Disconnected"),
        1
    );
    assert_eq!(
        count(&run.get("siem_agents").items, &|a| a["lastSeen"]
            .as_i64()
            .unwrap()
            < NOW_MS - 2 * 3_600_000),
        2
    );
    let tokens = &run.get("api_tokens").items;
    assert_eq!(count(tokens, &|t| t["lastUsed"].is_null()), 1);
    assert_eq!(
        count(tokens, &|t| t["created"].as_i64().unwrap()
            < NOW_MS - 365 * DAY_MS),
        1
    );
    let governance = &run.get("governance").items;
    let failed = |task: &str| {
        count(governance, &|r| {
            r["taskName"] == task && r["status"]["isSuccess"] == false
        })
    };
    assert_eq!(failed("QuarantineTask"), 2);
    assert_eq!(
        failed("DiscoveryParseLogTask"),
        1,
        "the 10-day-old one is not read"
    );
    assert_eq!(
        count(governance, &|r| r["status"]["templateMessage"]
            ["parameters"]["dataSource"]
            == "GENERIC_CEF"),
        1
    );
    let scores = &run.get("secure_scores").items;
    let firewall = scores[0]["controlScores"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["controlName"] == "McasFirewallLogUpload")
        .unwrap();
    assert_eq!(firewall["on"], "false", "a string, as Graph sends it");
    assert_eq!(firewall["score"], 0.0);
    let due = count(&run.get("message_center").items, &|m| {
        m["services"]
            .as_array()
            .unwrap()
            .contains(&json!("Microsoft Defender for Cloud Apps"))
            && !m["actionRequiredByDateTime"].is_null()
    });
    assert_eq!(due, 1);
    let open_system = count(&run.get("alerts").items, &|a| {
        a["isSystemAlert"] == true && a["resolutionStatusValue"] == 0
    });
    assert_eq!(open_system, 2);
}

#[test]
fn unknown_shapes_are_read_as_they_come() {
    let ops = ops_unknown_shapes(NOW_MS);
    let tenant = FakeTenant::start_ops(Vec::new(), Vec::new(), ops.clone());
    let names = ["log_collectors", "siem_agents", "api_tokens"];
    let run = fetch(&tenant, &names, Creds::TokenOnly);
    // Reading does not judge fields: the checks report what they cannot use.
    run.assert_ok(&names);
    for name in names {
        assert_eq!(run.get(name).items, ops.get(name), "{name}");
        assert!(run
            .get(name)
            .items
            .iter()
            .all(|i| i.get("status").is_none()));
    }
    assert_list_reads(&tenant);
}

#[test]
fn graph_sign_in_refused_is_an_error_not_unavailable() {
    let (tenant, _) = healthy_tenant();
    tenant.with(|s| s.refused_scopes.push(GRAPH_SCOPE.into()));
    let run = fetch(&tenant, &all_names(), Creds::TokenAndGraph);
    for name in GRAPH_NAMES {
        let resource = run.get(name);
        assert_eq!(resource.status, ResourceStatus::Error, "{name}");
        let detail = resource.detail.as_deref().unwrap();
        assert!(detail.contains("AADSTS65001"), "{detail}");
    }
    run.assert_ok(&MDCA_NAMES);
    run.assert_ok(&["alerts"]);
    assert!(tenant
        .requests()
        .iter()
        .all(|r| !r.path.starts_with("/v1.0/")));
}

#[test]
fn replies_of_the_wrong_shape_are_errors() {
    let (tenant, _) = healthy_tenant();
    let reply = |body: &str| Fault::Reply(200, body.to_string());
    let cases = [
        (
            "siem_agents",
            route::SIEM_AGENTS,
            "{\"detail\":\"Invalid page\"}",
        ),
        ("governance", route::GOVERNANCE, "{\"total\":3}"),
        (
            "discovery_streams",
            route::DISCOVERY_STREAMS,
            "{\"streams\":{\"_id\":\"x\"}}",
        ),
        ("secure_scores", route::SECURE_SCORES, "[]"),
        (
            "secure_score_profiles",
            route::SECURE_SCORE_PROFILES,
            "{\"error\":{\"code\":\"UnknownError\"}}",
        ),
        (
            "message_center",
            route::MESSAGE_CENTER,
            "{\"value\":[],\"@odata.nextLink\":42}",
        ),
    ];
    for (_, r, body) in cases {
        tenant.push_route_fault(r, reply(body));
    }
    let run = fetch(&tenant, &all_names(), Creds::TokenAndGraph);
    for (name, _, body) in cases {
        let resource = run.get(name);
        assert_eq!(resource.status, ResourceStatus::Error, "{name}: {body}");
        assert!(resource.items.is_empty(), "{name}");
    }
    run.assert_ok(&["app_connectors", "log_collectors", "api_tokens", "alerts"]);
}

/// `unwrap_items` takes a reply object with neither `streams` nor `data` as
/// one bare stream (the docs example's shape), whatever it holds: an error
/// body answered with 200 becomes a "stream" with no fields a check can use.
#[test]

fn a_stream_reply_without_streams_is_not_a_stream() {
    let (tenant, _) = healthy_tenant();
    tenant.push_route_fault(
        route::DISCOVERY_STREAMS,
        Fault::Reply(
            200,
            "{\"error\":true,\"detail\":\"Service unavailable\"}".into(),
        ),
    );
    let run = fetch(&tenant, &["discovery_streams"], Creds::TokenOnly);
    let resource = run.get("discovery_streams");
    assert_eq!(
        resource.status,
        ResourceStatus::Error,
        "read as streams: {:?}",
        resource.items
    );
}

#[test]

fn unknown_resource_error_names_each_resource_once() {
    let error = resources::parse_resources("polices").unwrap_err();
    assert_eq!(error.matches("alerts").count(), 1, "{error}");
}
