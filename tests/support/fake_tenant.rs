//! A fake MDCA tenant for tests and benchmarks: a small HTTP/1.1 server on
//! 127.0.0.1 (ephemeral port) that speaks the API shapes of mdca-api.md and
//! mdca-ops.md, stands in for Microsoft Graph on the same port, and injects
//! faults on demand.
//!
//! Written on std's TcpListener rather than an HTTP server crate because the
//! faults need the raw socket: a connection dropped mid-response, a body cut
//! short of its Content-Length, a reply that stalls.
//!
//! It serves (every list read only; anything else is 404 or 405):
//! - `GET|POST /cas/api/v1/policies/` and `/api/v1/policies/`: list with
//!   `skip`/`limit` (body or query), limit capped at 100, envelope
//!   `{data, hasNext, total}`.
//! - `GET|POST /api/v1/alerts/` and `/cas/api/v1/alerts/`: the same list
//!   envelope over `alerts`, oldest first, with the server-side filters
//!   casguard sends (`date` gte/lte on `timestamp`, `alertOpen`,
//!   `resolutionDate` gte on `resolveTime`); faults and paging modes apply.
//! - The ops resources of mdca-ops.md 1.4-1.7 (`route::*`), each from its own
//!   raw `Vec<Value>` in `State`:
//!   - `POST /cas/api/v1/app_connectors/` and `POST /cas/api/v1/tokens/`:
//!     `skip`/`limit` in the body, `{data, hasNext, total}`;
//!   - `GET /api/discovery/streams/`: `{"streams": [...]}`, no paging;
//!   - `GET /cas/api/v1/discovery/log_collectors/` and
//!     `GET /api/v1/agents/siem/`: `?skip=&limit=`, `{data, hasNext, total}`;
//!   - `POST /api/v1/governance/`: `{total, data}` with no `hasNext`, as the
//!     real API; only `filters.timestamp` (gte/lte) is honoured, any other
//!     filter gives an empty set, not an error (mdca-ops.md 0.3);
//!
//!   each answers only the method the real API lists with (405 otherwise).
//! - Microsoft Graph (casguard reaches it through `[tenant] graph_url`):
//!   `GET /v1.0/security/secureScores?$top=N` (`{@odata.context, value}`),
//!   `GET /v1.0/security/secureScoreControlProfiles` (paged by
//!   `$skiptoken`) and `GET /v1.0/admin/serviceAnnouncement/messages` (paged
//!   by `$skip`): `graph_page_size` items a page (default 3) and an absolute
//!   `@odata.nextLink` on this server, or the broken links of `GraphPaging`.
//! - `POST /{tenant}/oauth2/v2.0/token`: Entra ID client credentials, with a
//!   secret or a federated `client_assertion`, for the MDCA scope or the
//!   Graph scope; it remembers which scope each token was issued for.
//! - `GET /oidc/token`: a GitHub Actions OIDC token endpoint.
//!
//! Authentication comes before faults, as a real gateway would. MDCA routes
//! take `Token <api token>` (403 when wrong) or `Bearer <token issued for the
//! MDCA scope>`; Graph routes only `Bearer <token issued for the Graph
//! scope>`. A missing or unknown credential is 401, a token issued for the
//! other service 403.
//!
//! Faults: `faults` is served to the next request of any API route;
//! `push_route_fault` queues one for a single route (served first), and
//! `fail_route` makes a route fail on every request until `heal_route`.
//! `Fault::Reply` answers any status and body (a 200 of the wrong shape);
//! `refused_scopes` makes the token endpoint refuse a scope (no consent).
//!
//! The data generators at the end (`policies`, `alerts`, `ops_healthy`,
//! `ops_broken`, `ops_unknown_shapes`) are pure and deterministic.
//!
//! Every request is recorded, so tests can assert that casguard only reads.

#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::{json, Value};

/// The Entra scope of the MDCA API.
pub const MDCA_SCOPE: &str = "05a65629-4c1b-48c1-a78b-804c4abdd4af/.default";
/// The Entra scope of Microsoft Graph.
pub const GRAPH_SCOPE: &str = "https://graph.microsoft.com/.default";

/// The routes the fake serves, as the real API spells them.
pub mod route {
    pub const POLICIES: &str = "/cas/api/v1/policies/";
    pub const ALERTS: &str = "/api/v1/alerts/";
    pub const APP_CONNECTORS: &str = "/cas/api/v1/app_connectors/";
    pub const DISCOVERY_STREAMS: &str = "/api/discovery/streams/";
    pub const LOG_COLLECTORS: &str = "/cas/api/v1/discovery/log_collectors/";
    pub const SIEM_AGENTS: &str = "/api/v1/agents/siem/";
    pub const API_TOKENS: &str = "/cas/api/v1/tokens/";
    pub const GOVERNANCE: &str = "/api/v1/governance/";
    pub const SECURE_SCORES: &str = "/v1.0/security/secureScores";
    pub const SECURE_SCORE_PROFILES: &str = "/v1.0/security/secureScoreControlProfiles";
    pub const MESSAGE_CENTER: &str = "/v1.0/admin/serviceAnnouncement/messages";
    /// The list routes casguard may POST to (with `skip`/`limit`).
    pub const POST_LISTS: [&str; 5] = [POLICIES, ALERTS, APP_CONNECTORS, API_TOKENS, GOVERNANCE];
    /// The MDCA routes listed with GET and `?skip=&limit=`.
    pub const GET_LISTS: [&str; 2] = [LOG_COLLECTORS, SIEM_AGENTS];
    /// The Graph routes.
    pub const GRAPH: [&str; 3] = [SECURE_SCORES, SECURE_SCORE_PROFILES, MESSAGE_CENTER];
}

/// A fault served instead of (or on top of) the next response.
#[derive(Debug, Clone)]
pub enum Fault {
    /// 429 with the given `Retry-After` header value, or none.
    TooManyRequests {
        retry_after: Option<String>,
        body: String,
    },
    /// Any status with a short body.
    Status(u16),
    /// Close the connection without answering.
    Drop,
    /// Answer 200 with a body cut in half (Content-Length says more).
    Truncated,
    /// Answer 200 with JSON that is cut off but complete as bytes.
    BadJson,
    /// Wait this long before answering normally.
    Slow(Duration),
    /// Revoke every issued Entra token, then answer 401 (expiry, rotation).
    RevokeTokens,
    /// Answer with a redirect to another host.
    Redirect,
    /// Answer with a redirect to this location.
    RedirectTo(String),
    /// Answer this status and body (valid JSON of the wrong shape, an
    /// error body under 200, ...).
    Reply(u16, String),
}

/// How a `{data, hasNext, total}` list pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paging {
    /// Correct paging.
    Normal,
    /// `hasNext` is always true and pages keep coming (ids never repeat).
    NeverEnds,
    /// Every page returns the first page again, with `hasNext: true`.
    Repeats,
    /// Pages overlap: each page also repeats the last item of the previous one.
    Overlapping,
    /// `total` claims more items than exist.
    WrongTotal,
    /// Empty pages with `hasNext: true`.
    EmptyButHasNext,
    /// Ignores `skip`: always serves from the start.
    IgnoresSkip,
}

/// How a paged Graph collection links its pages (`@odata.nextLink`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GraphPaging {
    /// Absolute links on this server until the last page.
    Normal,
    /// The last page links back to a page already served: the second page
    /// when there are two or more, else the first URL itself.
    LoopBack,
    /// The first page links to this base URL (another host or port) instead
    /// of this server, e.g. `http://127.0.0.2:1` or another `FakeTenant`.
    OtherHost(String),
    /// Every page links to a next one, with fresh items once the real ones
    /// run out: pages never end.
    Endless,
}

#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    /// The query string, without `?` (empty when none).
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Recorded {
    /// The value of header `name` (lowercase), or "".
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// The value of query parameter `key`, percent-decoded.
    pub fn query_param(&self, key: &str) -> Option<String> {
        query_param(&self.query, key)
    }

    /// Whether this request went to `route` (trailing slash ignored).
    pub fn is(&self, route: &str) -> bool {
        route_key(&self.path) == route_key(route)
    }
}

/// The ops resources as raw items, named as casguard's resource table names
/// them (`casguard::live::resources::RESOURCES`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OpsData {
    pub app_connectors: Vec<Value>,
    pub discovery_streams: Vec<Value>,
    pub log_collectors: Vec<Value>,
    pub siem_agents: Vec<Value>,
    pub api_tokens: Vec<Value>,
    pub governance: Vec<Value>,
    pub secure_scores: Vec<Value>,
    pub secure_score_profiles: Vec<Value>,
    pub message_center: Vec<Value>,
    /// System alerts (`isSystemAlert: true`), served among the alerts.
    pub system_alerts: Vec<Value>,
}

impl OpsData {
    /// The names of the nine ops resources, as casguard names them.
    pub const NAMES: [&'static str; 9] = [
        "app_connectors",
        "discovery_streams",
        "log_collectors",
        "siem_agents",
        "api_tokens",
        "governance",
        "secure_scores",
        "secure_score_profiles",
        "message_center",
    ];

    /// The raw items of resource `name` (panics on an unknown name).
    pub fn get(&self, name: &str) -> &[Value] {
        match name {
            "app_connectors" => &self.app_connectors,
            "discovery_streams" => &self.discovery_streams,
            "log_collectors" => &self.log_collectors,
            "siem_agents" => &self.siem_agents,
            "api_tokens" => &self.api_tokens,
            "governance" => &self.governance,
            "secure_scores" => &self.secure_scores,
            "secure_score_profiles" => &self.secure_score_profiles,
            "message_center" => &self.message_center,
            "system_alerts" => &self.system_alerts,
            other => panic!("no ops resource `{other}`"),
        }
    }
}

#[derive(Debug)]
pub struct State {
    pub policies: Vec<Value>,
    /// Raw alerts, in the shapes of shared/samples/ops (quirks included).
    pub alerts: Vec<Value>,
    /// The ops resources, raw (see `OpsData`).
    pub app_connectors: Vec<Value>,
    pub discovery_streams: Vec<Value>,
    pub log_collectors: Vec<Value>,
    pub siem_agents: Vec<Value>,
    pub api_tokens: Vec<Value>,
    pub governance: Vec<Value>,
    pub secure_scores: Vec<Value>,
    pub secure_score_profiles: Vec<Value>,
    pub message_center: Vec<Value>,
    /// The legacy API token the tenant accepts.
    pub api_token: String,
    /// Entra app credentials the token endpoint accepts.
    pub client_id: String,
    pub client_secret: String,
    /// The federated assertion the token endpoint accepts.
    pub federated_assertion: String,
    /// The bearer the GitHub OIDC endpoint requires.
    pub oidc_request_token: String,
    /// Lifetime of issued Entra tokens, in seconds.
    pub token_lifetime: u64,
    /// Entra tokens currently valid (revoking clears this).
    pub issued_tokens: Vec<String>,
    /// The scope each token was issued for (`MDCA_SCOPE` or `GRAPH_SCOPE`).
    pub token_scopes: HashMap<String, String>,
    /// Tokens ever issued, so a re-issued token never repeats a revoked one.
    pub tokens_minted: usize,
    /// Scopes the token endpoint refuses (no admin consent), e.g. `GRAPH_SCOPE`.
    pub refused_scopes: Vec<String>,
    /// The token endpoint refuses every request, quoting the form it got
    /// (client secret included, percent-encoded), as careless servers do.
    pub echo_token_form: bool,
    /// Served to the next request of any API route.
    pub faults: VecDeque<Fault>,
    /// Served to the next request of one route, before `faults`; keyed by
    /// `route_key`.
    pub route_faults: HashMap<String, VecDeque<Fault>>,
    /// Served to every request of one route (an outage), never used up.
    pub route_outages: HashMap<String, Fault>,
    /// Paging of the policies and alerts lists.
    pub paging: Paging,
    /// Paging of one ops list route (default `Normal`).
    pub route_paging: HashMap<String, Paging>,
    /// Paging of one Graph collection (default `Normal`).
    pub graph_paging: HashMap<String, GraphPaging>,
    /// Items per Graph page when the request has no `$top`.
    pub graph_page_size: usize,
    pub requests: Vec<Recorded>,
    /// Cap on `limit` (MDCA: 100).
    pub max_limit: usize,
}

impl State {
    /// Replaces the ops resources with `ops` (system alerts aside).
    pub fn set_ops(&mut self, ops: OpsData) {
        self.app_connectors = ops.app_connectors;
        self.discovery_streams = ops.discovery_streams;
        self.log_collectors = ops.log_collectors;
        self.siem_agents = ops.siem_agents;
        self.api_tokens = ops.api_tokens;
        self.governance = ops.governance;
        self.secure_scores = ops.secure_scores;
        self.secure_score_profiles = ops.secure_score_profiles;
        self.message_center = ops.message_center;
    }

    /// The scope a valid Entra token was issued for.
    pub fn scope_of(&self, token: &str) -> Option<&str> {
        if !self.issued_tokens.iter().any(|t| t == token) {
            return None;
        }
        self.token_scopes.get(token).map(String::as_str)
    }
}

pub struct FakeTenant {
    pub addr: SocketAddr,
    pub state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl FakeTenant {
    pub fn start(policies: Vec<Value>) -> FakeTenant {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let addr = listener.local_addr().unwrap();
        listener.set_nonblocking(true).unwrap();
        let state = Arc::new(Mutex::new(State {
            policies,
            alerts: Vec::new(),
            app_connectors: Vec::new(),
            discovery_streams: Vec::new(),
            log_collectors: Vec::new(),
            siem_agents: Vec::new(),
            api_tokens: Vec::new(),
            governance: Vec::new(),
            secure_scores: Vec::new(),
            secure_score_profiles: Vec::new(),
            message_center: Vec::new(),
            api_token: "t0ken-legacy-abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123"
                .into(),
            client_id: "11111111-2222-3333-4444-555555555555".into(),
            client_secret: "s3cret-client-value-Zq9~xK".into(),
            federated_assertion: "eyJhbGciOiJSUzI1NiJ9.federated.assertion-value".into(),
            oidc_request_token: "gh-oidc-request-token-value".into(),
            token_lifetime: 3599,
            issued_tokens: Vec::new(),
            token_scopes: HashMap::new(),
            tokens_minted: 0,
            refused_scopes: Vec::new(),
            echo_token_form: false,
            faults: VecDeque::new(),
            route_faults: HashMap::new(),
            route_outages: HashMap::new(),
            paging: Paging::Normal,
            route_paging: HashMap::new(),
            graph_paging: HashMap::new(),
            graph_page_size: 3,
            requests: Vec::new(),
            max_limit: 100,
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let handle = {
            let (state, stop) = (state.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            let state = state.clone();
                            std::thread::spawn(move || {
                                let _ = serve(stream, &state);
                            });
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                            std::thread::sleep(Duration::from_millis(2));
                        }
                        Err(_) => break,
                    }
                }
            })
        };
        FakeTenant {
            addr,
            state,
            stop,
            handle: Some(handle),
        }
    }

    /// A tenant with `policies`, `alerts` plus `ops.system_alerts` (oldest
    /// first) and the ops resources of `ops`.
    pub fn start_ops(policies: Vec<Value>, alerts: Vec<Value>, ops: OpsData) -> FakeTenant {
        let tenant = FakeTenant::start(policies);
        tenant.set_ops(alerts, ops);
        tenant
    }

    /// Replaces the alerts with `alerts` plus `ops.system_alerts`, and the
    /// ops resources with those of `ops`.
    pub fn set_ops(&self, alerts: Vec<Value>, ops: OpsData) {
        let mut all = alerts;
        all.extend(ops.system_alerts.iter().cloned());
        all.sort_by_key(|a| a.get("timestamp").and_then(Value::as_i64).unwrap_or(0));
        self.with(|s| {
            s.alerts = all;
            s.set_ops(ops);
        });
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        f(&mut self.state.lock().unwrap())
    }

    pub fn push_fault(&self, fault: Fault) {
        self.with(|s| s.faults.push_back(fault));
    }

    /// Queues `fault` for the next request to `route` only (e.g.
    /// `route::SIEM_AGENTS`); served before the faults of `push_fault`.
    pub fn push_route_fault(&self, route: &str, fault: Fault) {
        self.with(|s| {
            s.route_faults
                .entry(route_key(route))
                .or_default()
                .push_back(fault)
        });
    }

    /// Makes every request to `route` get `fault`, until `heal_route`.
    pub fn fail_route(&self, route: &str, fault: Fault) {
        self.with(|s| s.route_outages.insert(route_key(route), fault));
    }

    pub fn heal_route(&self, route: &str) {
        self.with(|s| s.route_outages.remove(&route_key(route)));
    }

    /// How the Graph collection at `route` links its pages.
    pub fn set_graph_paging(&self, route: &str, paging: GraphPaging) {
        self.with(|s| s.graph_paging.insert(route_key(route), paging));
    }

    /// How the ops list at `route` pages.
    pub fn set_route_paging(&self, route: &str, paging: Paging) {
        self.with(|s| s.route_paging.insert(route_key(route), paging));
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.with(|s| s.requests.clone())
    }

    /// Requests to `route` (trailing slash ignored).
    pub fn requests_to(&self, route: &str) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.is(route))
            .collect()
    }

    /// Requests to the alerts endpoint.
    pub fn alert_requests(&self) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.path.contains("/alerts"))
            .count()
    }

    /// Requests to the policies endpoint.
    pub fn policy_requests(&self) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.path.contains("/policies"))
            .count()
    }
}

impl Drop for FakeTenant {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
    }
}

/// A route's key in the fault and paging maps: the path without its query
/// and trailing slash.
pub fn route_key(route: &str) -> String {
    let path = route.split('?').next().unwrap_or("");
    path.trim_end_matches('/').to_string()
}

/// Query parameter `key` of `query` (no `?`), names and values percent-decoded.
pub fn query_param(query: &str, key: &str) -> Option<String> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| decode(k) == key)
        .map(|(_, v)| decode(v))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Policies,
    Alerts,
    AppConnectors,
    DiscoveryStreams,
    LogCollectors,
    SiemAgents,
    ApiTokens,
    Governance,
    SecureScores,
    SecureScoreProfiles,
    MessageCenter,
}

impl Route {
    fn find(path: &str) -> Option<Route> {
        Some(match route_key(path).as_str() {
            "/cas/api/v1/policies" | "/api/v1/policies" => Route::Policies,
            "/cas/api/v1/alerts" | "/api/v1/alerts" => Route::Alerts,
            "/cas/api/v1/app_connectors" => Route::AppConnectors,
            "/api/discovery/streams" => Route::DiscoveryStreams,
            "/cas/api/v1/discovery/log_collectors" => Route::LogCollectors,
            "/api/v1/agents/siem" => Route::SiemAgents,
            "/cas/api/v1/tokens" => Route::ApiTokens,
            "/api/v1/governance" => Route::Governance,
            "/v1.0/security/secureScores" => Route::SecureScores,
            "/v1.0/security/secureScoreControlProfiles" => Route::SecureScoreProfiles,
            "/v1.0/admin/serviceAnnouncement/messages" => Route::MessageCenter,
            _ => return None,
        })
    }

    fn is_graph(self) -> bool {
        matches!(
            self,
            Route::SecureScores | Route::SecureScoreProfiles | Route::MessageCenter
        )
    }

    /// Whether the real API lists this resource with `method`.
    fn allows(self, method: &str) -> bool {
        match self {
            Route::Policies | Route::Alerts => method == "GET" || method == "POST",
            Route::AppConnectors | Route::ApiTokens | Route::Governance => method == "POST",
            _ => method == "GET",
        }
    }
}

fn serve(stream: TcpStream, state: &Mutex<State>) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let base = format!("http://{}", stream.local_addr()?);
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(());
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("").to_string();
    let mut headers = Vec::new();
    let mut length = 0usize;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header)?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            let (name, value) = (name.trim().to_ascii_lowercase(), value.trim().to_string());
            if name == "content-length" {
                length = value.parse().unwrap_or(0);
            }
            headers.push((name, value));
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let body = String::from_utf8_lossy(&body).into_owned();
    let (path, query) = target
        .split_once('?')
        .map_or((target.clone(), String::new()), |(p, q)| {
            (p.to_string(), q.to_string())
        });
    state.lock().unwrap().requests.push(Recorded {
        method: method.clone(),
        path: path.clone(),
        query: query.clone(),
        headers: headers.clone(),
        body: body.clone(),
    });
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut out = stream;
    if path.ends_with("/oauth2/v2.0/token") && method == "POST" {
        return token_endpoint(&mut out, state, &body);
    }
    if path == "/oidc/token" {
        let s = state.lock().unwrap();
        if header("authorization") != format!("bearer {}", s.oidc_request_token)
            && header("authorization") != format!("Bearer {}", s.oidc_request_token)
        {
            return respond(&mut out, 401, &[], "{\"message\":\"bad request token\"}");
        }
        let value = json!({"value": s.federated_assertion}).to_string();
        drop(s);
        return respond(&mut out, 200, &[], &value);
    }
    let Some(route) = Route::find(&path) else {
        return respond(&mut out, 404, &[], "{\"error\":\"not found\"}");
    };
    if !route.allows(&method) {
        return respond(&mut out, 405, &[], "{\"error\":\"method not allowed\"}");
    }
    // Authentication before faults, as a real gateway would.
    if let Some((status, reply)) = refuse(state, route, &header("authorization")) {
        return respond(&mut out, status, &[], &reply);
    }
    let fault = {
        let mut s = state.lock().unwrap();
        let key = route_key(&path);
        s.route_outages
            .get(&key)
            .cloned()
            .or_else(|| s.route_faults.get_mut(&key).and_then(VecDeque::pop_front))
            .or_else(|| s.faults.pop_front())
    };
    let reply = || answer(state, route, &base, &path, &body, &query).to_string();
    match fault {
        Some(Fault::TooManyRequests { retry_after, body }) => {
            let headers: Vec<(&str, String)> = retry_after
                .map(|v| vec![("Retry-After", v)])
                .unwrap_or_default();
            return respond(&mut out, 429, &headers, &body);
        }
        Some(Fault::Status(code)) => {
            return respond(&mut out, code, &[], "<html>upstream error</html>")
        }
        Some(Fault::Drop) => return Ok(()),
        Some(Fault::RevokeTokens) => {
            state.lock().unwrap().issued_tokens.clear();
            return respond(&mut out, 401, &[], "{\"error\":\"invalid_token\"}");
        }
        Some(Fault::Redirect) => {
            let headers = [(
                "Location",
                "https://login.example.net/elsewhere".to_string(),
            )];
            return respond(&mut out, 302, &headers, "");
        }
        Some(Fault::RedirectTo(location)) => {
            return respond(&mut out, 302, &[("Location", location)], "");
        }
        Some(Fault::Reply(status, body)) => return respond(&mut out, status, &[], &body),
        Some(Fault::Slow(delay)) => std::thread::sleep(delay),
        Some(Fault::Truncated) => {
            let page = reply();
            let half = &page[..page.len() / 2];
            write!(out, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{half}", page.len())?;
            return out.flush();
        }
        Some(Fault::BadJson) => {
            let page = reply();
            return respond(&mut out, 200, &[], &page[..page.len() / 2]);
        }
        None => {}
    }
    respond(&mut out, 200, &[], &reply())
}

/// Why a request with this `Authorization` header is refused, if it is.
fn refuse(state: &Mutex<State>, route: Route, authorization: &str) -> Option<(u16, String)> {
    let s = state.lock().unwrap();
    let bearer = authorization.strip_prefix("Bearer ");
    let scope = bearer.and_then(|token| s.scope_of(token));
    if route.is_graph() {
        let graph_error = |code: &str, message: &str| {
            json!({"error": {"code": code, "message": message, "innerError": {"date": "2026-01-01T00:00:00", "request-id": "00000000-0000-0000-0000-000000000000"}}}).to_string()
        };
        return match (bearer, scope) {
            (None, _) => Some((
                401,
                graph_error("InvalidAuthenticationToken", "Access token is empty."),
            )),
            (Some(_), None) => Some((
                401,
                graph_error(
                    "InvalidAuthenticationToken",
                    "Access token validation failure. Invalid audience.",
                ),
            )),
            (Some(_), Some(scope)) if scope != GRAPH_SCOPE => Some((
                403,
                graph_error(
                    "Authorization_RequestDenied",
                    "Insufficient privileges to complete the operation.",
                ),
            )),
            _ => None,
        };
    }
    if let Some(token) = authorization.strip_prefix("Token ") {
        return (token != s.api_token).then(|| (403, "{\"detail\":\"Invalid token.\"}".into()));
    }
    match (bearer, scope) {
        (None, _) => Some((
            401,
            "{\"detail\":\"Authentication credentials were not provided.\"}".into(),
        )),
        (Some(_), None) => Some((401, "{\"error\":\"invalid_token\"}".into())),
        (Some(_), Some(scope)) if scope != MDCA_SCOPE => Some((
            403,
            "{\"detail\":\"The token was not issued for Microsoft Defender for Cloud Apps.\"}"
                .into(),
        )),
        _ => None,
    }
}

/// The normal answer of a route.
fn answer(
    state: &Mutex<State>,
    route: Route,
    base: &str,
    path: &str,
    body: &str,
    query: &str,
) -> Value {
    let request: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let s = state.lock().unwrap();
    let (skip, limit) = window(&request, query, s.max_limit);
    let ops_list = |items: &[Value]| {
        let paging = s
            .route_paging
            .get(&route_key(path))
            .copied()
            .unwrap_or(Paging::Normal);
        list_page(items.iter().collect(), skip, limit, paging, &request)
    };
    match route {
        Route::Policies | Route::Alerts => {
            drop(s);
            page(state, route, body, query)
        }
        Route::AppConnectors => ops_list(&s.app_connectors),
        Route::LogCollectors => ops_list(&s.log_collectors),
        Route::SiemAgents => ops_list(&s.siem_agents),
        Route::ApiTokens => ops_list(&s.api_tokens),
        Route::DiscoveryStreams => json!({"streams": s.discovery_streams}),
        Route::Governance => governance_page(&s.governance, &request, skip, limit),
        Route::SecureScores => {
            let top = query_param(query, "$top")
                .and_then(|t| t.parse::<usize>().ok())
                .unwrap_or(s.secure_scores.len());
            let offset = query_param(query, "$skiptoken")
                .and_then(|t| t.parse::<usize>().ok())
                .unwrap_or(0);
            let value: Vec<&Value> = s.secure_scores.iter().skip(offset).take(top).collect();
            let mut reply = json!({
                "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#security/secureScores",
                "value": value,
            });
            // Graph links the rest even when only the newest is asked for.
            if offset + top < s.secure_scores.len() {
                reply["@odata.nextLink"] = json!(format!(
                    "{base}{path}?$top={top}&$skiptoken={}",
                    offset + top
                ));
            }
            reply
        }
        Route::SecureScoreProfiles | Route::MessageCenter => {
            graph_page(&s, route, base, path, query)
        }
    }
}

/// `skip` and `limit` from the body, else the query; `limit` capped.
fn window(request: &Value, query: &str, max_limit: usize) -> (usize, usize) {
    let number = |key: &str| {
        request
            .get(key)
            .and_then(Value::as_u64)
            .map(|v| v as usize)
            .or_else(|| query_param(query, key).and_then(|v| v.parse().ok()))
    };
    let skip = number("skip").unwrap_or(0);
    let limit = number("limit").unwrap_or(100).min(max_limit);
    (skip, limit)
}

/// The governance log: `{total, data}` and no `hasNext`. Only the
/// `timestamp` filter works; any other filter (taskName, status) gives an
/// empty set, as G2O measured on a live tenant.
fn governance_page(records: &[Value], request: &Value, skip: usize, limit: usize) -> Value {
    let filters = request.get("filters").and_then(Value::as_object);
    let honoured = filters.is_none_or(|f| f.keys().all(|k| k == "timestamp"));
    let bound = |key: &str| {
        filters
            .and_then(|f| f.get("timestamp"))
            .and_then(|t| t.get(key))
            .and_then(Value::as_i64)
    };
    let number = |r: &Value, key: &str| r.get(key).and_then(Value::as_i64).unwrap_or(0);
    let mut selected: Vec<&Value> = if honoured {
        records
            .iter()
            .filter(|r| {
                let at = number(r, "timestamp");
                bound("gte").is_none_or(|gte| at >= gte) && bound("lte").is_none_or(|lte| at <= lte)
            })
            .collect()
    } else {
        Vec::new()
    };
    selected.sort_by_key(|r| (number(r, "timestamp"), number(r, "updateTimestamp")));
    if request.get("sortDirection").and_then(Value::as_str) == Some("desc") {
        selected.reverse();
    }
    let data: Vec<&Value> = selected.iter().skip(skip).take(limit).copied().collect();
    json!({"total": selected.len(), "data": data})
}

/// One page of a paged Graph collection.
fn graph_page(s: &State, route: Route, base: &str, path: &str, query: &str) -> Value {
    let (items, context, skip_param) = match route {
        Route::SecureScoreProfiles => (
            &s.secure_score_profiles,
            "https://graph.microsoft.com/v1.0/$metadata#security/secureScoreControlProfiles",
            "$skiptoken",
        ),
        _ => (
            &s.message_center,
            "https://graph.microsoft.com/v1.0/$metadata#admin/serviceAnnouncement/messages",
            "$skip",
        ),
    };
    let size = query_param(query, "$top")
        .and_then(|t| t.parse::<usize>().ok())
        .unwrap_or(s.graph_page_size)
        .max(1);
    let offset = query_param(query, skip_param)
        .and_then(|t| t.parse::<usize>().ok())
        .unwrap_or(0);
    let link = |host: &str, offset: usize| format!("{host}{path}?{skip_param}={offset}");
    let mut value: Vec<Value> = items.iter().skip(offset).take(size).cloned().collect();
    let more = offset + size < items.len();
    let mode = s
        .graph_paging
        .get(&route_key(path))
        .cloned()
        .unwrap_or(GraphPaging::Normal);
    let next = match mode {
        GraphPaging::Normal => more.then(|| link(base, offset + size)),
        GraphPaging::LoopBack if more => Some(link(base, offset + size)),
        GraphPaging::LoopBack if items.len() > size => Some(link(base, size)),
        GraphPaging::LoopBack => Some(format!("{base}{path}")),
        GraphPaging::OtherHost(other) if offset == 0 => Some(link(&other, size)),
        GraphPaging::OtherHost(_) => more.then(|| link(base, offset + size)),
        GraphPaging::Endless => {
            if value.is_empty() {
                value = (offset..offset + size)
                    .map(|i| json!({"id": format!("endless-{i}"), "title": format!("Endless {i}")}))
                    .collect();
            }
            Some(link(base, offset + size))
        }
    };
    let mut reply = json!({"@odata.context": context});
    if let Some(next) = next {
        reply["@odata.nextLink"] = json!(next);
    }
    reply["value"] = Value::Array(value);
    reply
}

/// Whether a raw alert passes the request's `filters`, as MDCA applies them.
fn alert_matches(alert: &Value, filters: &Value) -> bool {
    let number = |v: Option<&Value>| v.and_then(Value::as_i64);
    let created = number(alert.get("timestamp")).unwrap_or(0);
    if let Some(date) = filters.get("date") {
        if number(date.get("gte")).is_some_and(|gte| created < gte)
            || number(date.get("lte")).is_some_and(|lte| created > lte)
        {
            return false;
        }
    }
    let resolution = number(alert.get("resolutionStatusValue"));
    let open = matches!(resolution, None | Some(0));
    if filters.get("alertOpen").and_then(|f| f.get("eq")) == Some(&Value::Bool(true)) && !open {
        return false;
    }
    if let Some(gte) = number(filters.get("resolutionDate").and_then(|f| f.get("gte"))) {
        let resolved = alert
            .get("resolveTime")
            .and_then(Value::as_str)
            .and_then(|t| t.parse::<jiff::Timestamp>().ok())
            .map(|t| t.as_millisecond());
        if open || resolved.is_none_or(|r| r < gte) {
            return false;
        }
    }
    true
}

/// A page of the policies or alerts list.
fn page(state: &Mutex<State>, route: Route, body: &str, query: &str) -> Value {
    let request: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let s = state.lock().unwrap();
    let (skip, limit) = window(&request, query, s.max_limit);
    let selected: Vec<&Value> = match route {
        Route::Policies => s.policies.iter().collect(),
        _ => {
            let filters = request.get("filters").cloned().unwrap_or(Value::Null);
            let created = |a: &Value| a.get("timestamp").and_then(Value::as_i64).unwrap_or(0);
            let only_dates = filters
                .as_object()
                .is_none_or(|f| f.keys().all(|k| k == "date"));
            if only_dates && s.alerts.is_sorted_by_key(created) {
                // Large archives in benchmarks: a range by binary search.
                let bound = |key: &str| filters["date"].get(key).and_then(Value::as_i64);
                let from = bound("gte").map_or(0, |t| s.alerts.partition_point(|a| created(a) < t));
                let to = bound("lte").map_or(s.alerts.len(), |t| {
                    s.alerts.partition_point(|a| created(a) <= t)
                });
                s.alerts[from..to.max(from)].iter().collect()
            } else {
                let mut alerts: Vec<&Value> = s
                    .alerts
                    .iter()
                    .filter(|a| alert_matches(a, &filters))
                    .collect();
                alerts.sort_by_key(|a| created(a));
                alerts
            }
        }
    };
    list_page(selected, skip, limit, s.paging, &request)
}

/// One `{data, hasNext, total}` page of `selected`, paged as `paging` says.
fn list_page(
    selected: Vec<&Value>,
    skip: usize,
    limit: usize,
    paging: Paging,
    request: &Value,
) -> Value {
    let total = selected.len();
    let slice = |from: usize| -> Vec<Value> {
        selected
            .iter()
            .skip(from)
            .take(limit)
            .map(|v| (*v).clone())
            .collect()
    };
    match paging {
        Paging::Normal | Paging::WrongTotal => {
            let data = slice(skip);
            let has_next = skip + data.len() < total;
            let reported = if paging == Paging::WrongTotal {
                total + 7
            } else {
                total
            };
            json!({"data": data, "hasNext": has_next, "total": reported})
        }
        Paging::NeverEnds => {
            // Alerts a minute apart from the window's start: they soon pass its end.
            let start = request["filters"]["date"]["gte"].as_i64().unwrap_or(0);
            let data: Vec<Value> = (skip..skip + limit)
                .map(|i| json!({"_id": format!("{i:024x}"), "name": format!("Endless {i}"), "policyType": "FILE",
                    "title": "Endless", "timestamp": start + i as i64 * 60_000}))
                .collect();
            json!({"data": data, "hasNext": true})
        }
        Paging::Repeats | Paging::IgnoresSkip => {
            json!({"data": slice(0), "hasNext": true, "total": total})
        }
        Paging::Overlapping => {
            let from = skip.saturating_sub(1);
            let data = slice(from);
            let has_next = from + data.len() < total;
            json!({"data": data, "hasNext": has_next, "total": total})
        }
        Paging::EmptyButHasNext => json!({"data": [], "hasNext": true, "total": total}),
    }
}

fn token_endpoint(out: &mut TcpStream, state: &Mutex<State>, body: &str) -> std::io::Result<()> {
    let form: Vec<(String, String)> = body
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect();
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut s = state.lock().unwrap();
    if s.echo_token_form {
        drop(s);
        let reply = json!({"error": "invalid_request", "error_description": format!("AADSTS900144: malformed request body: {body}")});
        return respond(out, 400, &[], &reply.to_string());
    }
    let scope = field("scope");
    let client_ok =
        field("client_id") == s.client_id && field("grant_type") == "client_credentials";
    let secret_ok = field("client_secret") == s.client_secret;
    let assertion_ok = field("client_assertion_type")
        == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        && field("client_assertion") == s.federated_assertion;
    if !(client_ok && (secret_ok || assertion_ok)) {
        drop(s);
        return respond(out, 401, &[], "{\"error\":\"invalid_client\",\"error_description\":\"AADSTS7000215: Invalid client secret provided.\"}");
    }
    if s.refused_scopes.contains(&scope) {
        drop(s);
        return respond(out, 400, &[], "{\"error\":\"invalid_grant\",\"error_description\":\"AADSTS65001: The user or administrator has not consented to use the application.\"}");
    }
    let audience = match scope.as_str() {
        MDCA_SCOPE => "mdca",
        GRAPH_SCOPE => "graph",
        _ => {
            drop(s);
            return respond(out, 400, &[], "{\"error\":\"invalid_scope\",\"error_description\":\"AADSTS70011: The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid.\"}");
        }
    };
    s.tokens_minted += 1;
    let token = format!(
        "eyJ0eXAiOiJKV1QifQ.access-{}-{audience}.sig",
        s.tokens_minted
    );
    s.issued_tokens.push(token.clone());
    s.token_scopes.insert(token.clone(), scope);
    let lifetime = s.token_lifetime;
    drop(s);
    let reply = json!({"token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime, "access_token": token});
    respond(out, 200, &[], &reply.to_string())
}

fn decode(text: &str) -> String {
    let bytes = text.replace('+', " ").into_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(byte) = u8::from_str_radix(&String::from_utf8_lossy(&bytes[i + 1..i + 3]), 16)
            {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn respond(
    out: &mut TcpStream,
    status: u16,
    headers: &[(&str, String)],
    body: &str,
) -> std::io::Result<()> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        302 => "Found",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    };
    let mut head = format!("HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n", body.len());
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    out.write_all(head.as_bytes())?;
    out.write_all(body.as_bytes())?;
    out.flush()
}

// ---------------------------------------------------------------------------
// Policy and alert generators.
// ---------------------------------------------------------------------------

/// `n` realistic raw policies, ids `5f0…` counting up.
pub fn policies(n: usize) -> Vec<Value> {
    let types = [
        "FILE",
        "ANOMALY_DETECTION",
        "SESSION",
        "ACCESS",
        "AUDIT",
        "APP_PERMISSION",
    ];
    (0..n)
        .map(|i| {
            json!({
                "_id": format!("5f01dce13de79160fb{i:06x}"),
                "_tid": 26034820,
                "name": format!("Policy {i:04}"),
                "description": format!("Generated policy {i}"),
                "policyType": types[i % types.len()],
                "enabled": i % 7 != 0,
                "severity": i % 4,
                "alertsEnabled": true,
                "alertEmailRecipients": ["soc@contoso.com"],
                "dailyAlertLimit": 5,
                "filters": {"service.appId": {"eq": [11161, 15600]}},
                "createdDate": 1700000000000u64 + i as u64,
                "lastModified": 1710000000000u64 + i as u64,
            })
        })
        .collect()
}

/// `n` raw alerts spread over `days` days before `end_ms`, for `policies`
/// (their `_id` and `name`), in the real shapes with their quirks: every
/// seventh without `resolutionStatusValue` (older tenants), `"null"` strings
/// for `comment` and `handledByUser`, and every eleventh closed one with a
/// `resolveTime` before its `timestamp` (Microsoft's own docs sample).
pub fn alerts(n: usize, policies: &[Value], days: i64, end_ms: i64) -> Vec<Value> {
    let span = days * 86_400_000;
    (0..n)
        .map(|i| {
            let policy = &policies[i % policies.len().max(1)];
            let created = end_ms - span + (i as i64 * span) / n.max(1) as i64;
            let resolution = (i % 6) as i64;
            let resolve = if i % 11 == 0 { created - 3_600_000 } else { created + 7_200_000 };
            let mut alert = json!({
                "_id": format!("6a{i:022x}"),
                "timestamp": created,
                "title": policy["name"],
                "description": "generated",
                "entities": [
                    {"id": policy["_id"], "label": policy["name"], "policyType": policy["policyType"], "type": "policyRule"},
                    {"id": 11161, "label": "Office 365", "type": "service"},
                    {"id": "user@contoso.com", "label": "user@contoso.com", "type": "user"}
                ],
                "idValue": 15728642 + i,
                "isSystemAlert": false,
                "statusValue": (i % 3) as i64,
                "severityValue": (i % 4) as i64,
                "stories": [0],
                "threatScore": 19,
                "handledByUser": "null",
                "comment": "null",
                "URL": format!("https://contoso.portal.cloudappsecurity.com/#/alerts/6a{i:022x}"),
            });
            if i % 7 != 0 {
                alert["resolutionStatusValue"] = json!(resolution);
            }
            if resolution != 0 {
                alert["resolveTime"] = json!(jiff::Timestamp::from_millisecond(resolve)
                    .map(|t| t.to_string())
                    .unwrap_or_default());
            }
            alert
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Ops data generators (mdca-ops.md 1.4-1.10), relative to `now_ms`.
//
// Verified shapes follow shared/samples/ops with their quirks: epoch-ms times
// in app connectors and governance, ISO strings in streams and Graph, the
// `{"streams": [...]}` envelope, `on: "false"` strings and
// `lastModifiedDateTime: null` in Secure Score, PascalCase next to camelCase
// enums in the message center, `disabledBy: "console"` on an enabled
// connector, `instanceName: null`.
//
// Log collectors, SIEM agents and API tokens have no public capture
// (mdca-ops.md 4.1): their field names here are GUESSES, marked `guess:`,
// chosen from UI labels and neighbouring resources. `ops_unknown_shapes`
// gives them names nobody could guess.
// ---------------------------------------------------------------------------

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// The tenant id of every generated Graph object.
pub const TENANT_ID: &str = "6f2c7b1e-3d4a-4b8e-9c1f-2a5d8e7f0b13";

/// A deterministic 24-hex ObjectId: `kind` tells the resources apart.
fn oid(kind: u32, n: u32) -> String {
    format!("6a{kind:06x}{n:016x}")
}

/// RFC 3339 UTC, as MDCA and Graph write it.
fn iso(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

/// A fine tenant: connectors connected minutes ago, continuous reports with
/// data in the last hour, collectors healthy, SIEM agent connected, tokens
/// used in the last day, governance all successful, Secure Score with points
/// in every MDCA product, no MDCA message-center post with an action due.
///
/// Things that look odd but are fine, so a check that flags them is wrong:
/// - a Conditional Access App Control app (Workday) whose API connector is
///   not enabled: `api.isEnabled/isConnected false`, `api.lastConnected null`;
/// - Microsoft 365's `api.disabledBy: "console"` while enabled (real sample);
/// - a DiscoveryParseLogTask queued 4 minutes ago, still without `status`
///   (G2O: verdicts take seconds to 16 minutes);
/// - a failed parse 10 days ago, outside a 7-day governance window (the
///   server filter drops it when casguard asks from 7 days back);
/// - a system alert closed 2 days ago, and an open one 10 days ago (outside
///   a 7-day window: the `date` filter drops it);
/// - an `AzureAD` Secure Score control at 0 % (not an MDCA product);
/// - an Exchange Online post with an action due in 10 days (not MDCA), and
///   an MDCA post with no action required.
pub fn ops_healthy(now_ms: i64) -> OpsData {
    ops_data(now_ms, false)
}

/// `ops_healthy` with these known problems (and nothing else):
/// - app connectors: Box API enabled but not connected (last connected 9 h
///   ago); Google Workspace connected but `api.lastConnected` 3 days old;
///   Salesforce CAAC configured (`proxy.isConfigured`) but not connected;
///   Workday CAAC suspended (`proxy.isSuspended`);
/// - continuous reports: Zscaler-NSS `lastDataReceived` 3 days ago (its last
///   successful parse is 3 days old too, the same root cause);
/// - log collectors: lc-branch-02 `status: "Disconnected"`, last seen 30 h ago;
/// - SIEM agents: SIEM-QRadar down 5 h (`"Connection error"`), SIEM-ArcSight
///   down 2 days (`"Disconnected"`);
/// - API tokens: "Old PowerShell export" unused for 30 days, "Never used"
///   never used, "Legacy SIEM" created 2 years ago (used yesterday);
/// - governance (7 days): two failed QuarantineTask for app 15600 (OneDrive);
///   one failed DiscoveryParseLogTask on Firewall-HQ, template
///   `REPOOPER_COMPLETION_STATUS_BASELOGPARSER_UNEXPECTED_FORMAT`,
///   `parameters.dataSource: "GENERIC_CEF"`; one RevokeAccessTokenTask
///   pending (no `status`) for 3 h; and one DiscoveryParseLogTask listed
///   twice, pending (queued 5 h ago) then settled successfully 9 minutes
///   later (same `_id`, later `updateTimestamp`): it is NOT stuck;
/// - Secure Score: McasFirewallLogUpload dropped from 1 point to 0 since
///   yesterday's snapshot (now at 0 %);
/// - message center: MC900199 for "Microsoft Defender for Cloud Apps", action
///   required in 10 days (PascalCase `PlanForChange`/`High`);
/// - system alerts: two open (`resolutionStatusValue: 0`), raised 1 and 3
///   days ago (Box connector, SIEM-ArcSight agent).
pub fn ops_broken(now_ms: i64) -> OpsData {
    ops_data(now_ms, true)
}

/// `ops_healthy`, except that log collectors, SIEM agents and API tokens
/// carry their data under names casguard cannot know: it must report those
/// checks "unavailable", never a finding.
pub fn ops_unknown_shapes(now_ms: i64) -> OpsData {
    let mut ops = ops_healthy(now_ms);
    let opaque = |kind: u32, n: u32| json!({"_id": oid(kind, n), "foo": 1 + n, "bar": format!("q{n}"), "baz": {"qux": n % 2 == 0, "zap": now_ms - i64::from(n) * HOUR}});
    ops.log_collectors = (0..2).map(|n| opaque(3, n)).collect();
    ops.siem_agents = (0..2).map(|n| opaque(4, n)).collect();
    ops.api_tokens = (0..3).map(|n| opaque(5, n)).collect();
    ops
}

fn ops_data(now: i64, broken: bool) -> OpsData {
    let streams = discovery_streams(now, broken);
    let input: Vec<String> = streams
        .iter()
        .filter(|s| s["streamType"] == 1)
        .map(|s| s["_id"].as_str().unwrap_or_default().to_string())
        .collect();
    OpsData {
        app_connectors: app_connectors(now, broken),
        governance: governance(now, broken, &input),
        discovery_streams: streams,
        log_collectors: log_collectors(now, broken),
        siem_agents: siem_agents(now, broken),
        api_tokens: api_tokens(now, broken),
        secure_scores: secure_scores(now, broken),
        secure_score_profiles: secure_score_profiles(),
        message_center: message_center(now, broken),
        system_alerts: system_alerts(now, broken),
    }
}

/// `api` of an app connector (sample: mdca-app-connectors.list.nodoc.json).
fn connector_api(now: i64, enabled: bool, connected: bool, last: Option<i64>) -> Value {
    json!({
        "lastCheckTime": if enabled { json!(last.map_or(now - 2 * MINUTE, |l| l.max(now - 2 * MINUTE))) } else { Value::Null },
        "isConnected": connected,
        "usersCount": if enabled { 898 } else { 0 },
        "creator": if enabled { json!("admin@contoso.com") } else { Value::Null },
        "isEnabled": enabled,
        "lastConnected": last,
        "disabledBy": Value::Null,
        "isSSPMEnabled": enabled,
    })
}

/// `proxy` of an app connector: the Conditional Access App Control state.
/// `status` values are not documented; 0 is the sample's (not configured).
fn connector_proxy(configured: bool, connected: bool, suspended: bool, last: Option<i64>) -> Value {
    json!({
        "status": if configured { 1 } else { 0 },
        "inDeployment": false,
        "isConnected": connected,
        "isInProxyPolicy": if configured { json!(true) } else { Value::Null },
        "isSuspended": suspended,
        "isConfigured": configured,
        "isConfiguredInAAD": configured,
        "isSessionProxySupported": configured,
        "isAppStatusEnabled": configured,
        "isSessionProxyDisabled": !configured,
        "lastConnected": last,
        "proxySettings": Value::Null,
        "isOIDCBasedProtocol": true,
    })
}

#[allow(clippy::too_many_arguments)]
fn connector(
    n: u32,
    app_id: i64,
    name: &str,
    category: &str,
    office: bool,
    api: Value,
    proxy: Value,
    api_connectable: bool,
) -> Value {
    json!({
        "appId": app_id,
        "name": name,
        "_id": oid(1, n),
        "instanceName": Value::Null,
        "category": category,
        "api": api,
        "proxy": proxy,
        "discovery": {"isConnected": false},
        "isOfficeApp": office,
        "isApiConnectable": api_connectable,
        "aadInfo": Value::Null,
        "lastUsed": Value::Null,
        "customData": {},
        "isCustomApp": false,
        "securityConfiguration": {},
        "appName": name,
    })
}

/// App connectors and CAAC apps. App ids: 11161 Microsoft 365, 10489 Box,
/// 11770 Google Workspace, 11114 Salesforce as in MCAS examples; Workday's
/// 12260 is illustrative.
fn app_connectors(now: i64, broken: bool) -> Vec<Value> {
    let unconfigured = || connector_proxy(false, false, false, None);
    let mut m365_api = connector_api(now, true, true, Some(now - 17 * MINUTE));
    m365_api["disabledBy"] = json!("console"); // real sample: set while enabled
    let box_api = if broken {
        connector_api(now, true, false, Some(now - 9 * HOUR))
    } else {
        connector_api(now, true, true, Some(now - 40 * MINUTE))
    };
    let google_api = if broken {
        let mut api = connector_api(now, true, true, Some(now - 3 * DAY));
        api["lastCheckTime"] = json!(now - 3 * DAY + 5 * MINUTE);
        api
    } else {
        connector_api(now, true, true, Some(now - 25 * MINUTE))
    };
    let salesforce_proxy = if broken {
        connector_proxy(true, false, false, Some(now - 2 * DAY))
    } else {
        connector_proxy(true, true, false, Some(now - 10 * MINUTE))
    };
    let workday_proxy = connector_proxy(true, true, broken, Some(now - 5 * MINUTE));
    vec![
        connector(
            0,
            11161,
            "Microsoft 365",
            "SAASDB_CATEGORY_COLLABORATION",
            true,
            m365_api,
            unconfigured(),
            true,
        ),
        connector(
            1,
            10489,
            "Box",
            "SAASDB_CATEGORY_CLOUD_STORAGE",
            false,
            box_api,
            unconfigured(),
            true,
        ),
        connector(
            2,
            11770,
            "Google Workspace",
            "SAASDB_CATEGORY_COLLABORATION",
            false,
            google_api,
            unconfigured(),
            true,
        ),
        connector(
            3,
            11114,
            "Salesforce",
            "SAASDB_CATEGORY_CRM",
            false,
            connector_api(now, true, true, Some(now - 30 * MINUTE)),
            salesforce_proxy,
            true,
        ),
        connector(
            4,
            12260,
            "Workday",
            "SAASDB_CATEGORY_HUMAN_RESOURCE_MANAGEMENT",
            false,
            connector_api(now, false, false, None),
            workday_proxy,
            false,
        ),
    ]
}

/// One continuous report (sample: mdca-discovery-stream.docs.json, plus the
/// `_id` real replies carry): ISO `created`/`lastModified`/`lastDataReceived`,
/// epoch-ms `lastAlertProcessingTime`.
#[allow(clippy::too_many_arguments)]
fn stream(
    n: u32,
    name: &str,
    log_type: i64,
    receiver: Value,
    protocol: Value,
    stream_type: i64,
    last_data: i64,
    now: i64,
) -> Value {
    json!({
        "_id": oid(2, n),
        "anonymizeUsers": false,
        "displayName": name,
        "logType": log_type,
        "receiverType": receiver,
        "protocol": protocol,
        "streamType": stream_type,
        "isManual": false,
        "created": iso(now - 400 * DAY + i64::from(n) * DAY),
        "lastModified": iso(now - 30 * DAY),
        "logFilesHistoryCount": 1480 + n,
        "supportedEntityTypes": [],
        "supportedTrafficTypes": [1],
        "lastAlertProcessingTime": last_data + 5 * MINUTE,
        "lastDataReceived": iso(last_data),
        "logFilesFailsCount": 2,
        "currentServicesCollectionName": "discovery_services",
        "globalAggregated": true,
        "readTimeFramesFromSecond": true,
        "timeFrames2": {},
        "validTimeFrames2": [],
        "timeFrames": {},
        "validTimeFrames": [],
        "timeWithoutLogs": 0,
        "sourceStreams": [],
    })
}

/// Continuous reports: two INPUT streams (`streamType` 1) and the built-in
/// global view (`streamType` 3).
fn discovery_streams(now: i64, broken: bool) -> Vec<Value> {
    let zscaler_last = if broken {
        now - 3 * DAY
    } else {
        now - 45 * MINUTE
    };
    vec![
        stream(
            0,
            "Firewall-HQ",
            223,
            json!("syslog"),
            json!("udp"),
            1,
            now - 20 * MINUTE,
            now,
        ),
        stream(
            1,
            "Zscaler-NSS",
            202,
            json!("ftp"),
            json!("ftp"),
            1,
            zscaler_last,
            now,
        ),
        stream(
            2,
            "Global view",
            0,
            Value::Null,
            Value::Null,
            3,
            now - 20 * MINUTE,
            now,
        ),
    ]
}

/// Log collectors. guess: `_id` and `name` (XDR deletes by both), `status`
/// as the UI labels it (Created / Healthy / Connected / Disconnected;
/// XDR's help text filters `status -eq 'Running'`), `lastConnected` in epoch
/// ms like app connectors' `api.lastConnected`, `created` (ms), `publicIp`,
/// `version`, `dataSources` (ids of the streams it feeds).
fn log_collectors(now: i64, broken: bool) -> Vec<Value> {
    let collector =
        |n: u32, name: &str, status: &str, last: i64, ip: &str, streams: Vec<String>| {
            json!({
                "_id": oid(3, n),
                "name": name,
                "status": status,
                "lastConnected": last,
                "created": now - 300 * DAY,
                "publicIp": ip,
                "version": "1.4.3",
                "dataSources": streams,
            })
        };
    let (status, last) = if broken {
        ("Disconnected", now - 30 * HOUR)
    } else {
        ("Connected", now - 4 * MINUTE)
    };
    vec![
        collector(
            0,
            "lc-hq-01",
            "Healthy",
            now - 3 * MINUTE,
            "203.0.113.10",
            vec![oid(2, 0)],
        ),
        collector(
            1,
            "lc-branch-02",
            status,
            last,
            "198.51.100.22",
            vec![oid(2, 1)],
        ),
    ]
}

/// SIEM agents. guess: `_id`, `name`, `status` as the UI labels it
/// (Connected / Connection error after 2 h down / Disconnected after 12 h,
/// D-siem.md), `lastSeen` (epoch ms of the last heartbeat), `created` (ms),
/// `version`.
fn siem_agents(now: i64, broken: bool) -> Vec<Value> {
    let agent = |n: u32, name: &str, status: &str, last: i64| {
        json!({
            "_id": oid(4, n),
            "name": name,
            "status": status,
            "lastSeen": last,
            "created": now - 500 * DAY + i64::from(n) * DAY,
            "version": "0.111.126",
        })
    };
    let mut agents = vec![agent(0, "SIEM-Splunk", "Connected", now - 2 * MINUTE)];
    if broken {
        agents.push(agent(1, "SIEM-QRadar", "Connection error", now - 5 * HOUR));
        agents.push(agent(2, "SIEM-ArcSight", "Disconnected", now - 2 * DAY));
    }
    agents
}

/// API tokens. guess: `_id`, `name`, `created` (epoch ms; the portal sorts
/// on `created`, the only verified name), `lastUsed` (epoch ms, `null` when
/// never used), `status` as the UI filter labels it (Generated / Active /
/// Inactive), `createdBy` (the owner's UPN). No token value: the list is not
/// expected to return one (tests add credential-looking fields themselves).
fn api_tokens(now: i64, broken: bool) -> Vec<Value> {
    let token = |n: u32, name: &str, created: i64, last: Option<i64>, status: &str, owner: &str| {
        json!({
            "_id": oid(5, n),
            "name": name,
            "created": created,
            "lastUsed": last,
            "status": status,
            "createdBy": owner,
        })
    };
    let mut tokens = vec![
        token(
            0,
            "casguard CI",
            now - 90 * DAY,
            Some(now - DAY + HOUR),
            "Active",
            "secops@contoso.com",
        ),
        token(
            1,
            "Sentinel export",
            now - 200 * DAY,
            Some(now - 26 * HOUR),
            "Active",
            "admin@contoso.com",
        ),
    ];
    if broken {
        tokens.push(token(
            2,
            "Old PowerShell export",
            now - 120 * DAY,
            Some(now - 30 * DAY),
            "Inactive",
            "jdoe@contoso.com",
        ));
        tokens.push(token(
            3,
            "Never used",
            now - 20 * DAY,
            None,
            "Generated",
            "admin@contoso.com",
        ));
        tokens.push(token(
            4,
            "Legacy SIEM",
            now - 730 * DAY,
            Some(now - DAY),
            "Active",
            "admin@contoso.com",
        ));
    }
    tokens
}

/// A governance record (fields as in G2O's fixtures and MS-MCAS): pending
/// records have no `status` and `updateTimestamp == timestamp`.
fn record(n: u32, task: &str, at: i64, updated: i64, extra: Value, status: Option<Value>) -> Value {
    let mut record = json!({
        "_id": oid(6, n),
        "taskName": task,
        "timestamp": at,
        "updateTimestamp": updated,
    });
    if let Value::Object(extra) = extra {
        for (key, value) in extra {
            record[key] = value;
        }
    }
    if let Some(status) = status {
        record["status"] = status;
    }
    record
}

fn verdict(success: bool, template: &str, parameters: Value) -> Option<Value> {
    Some(
        json!({"isSuccess": success, "templateMessage": {"template": template, "parameters": parameters}}),
    )
}

const PARSED_ALL: &str = "REPOOPER_COMPLETION_STATUS_BASELOGPARSER_PARSED_LOG_FILE_ALL_RELEVANT";
const UNEXPECTED_FORMAT: &str = "REPOOPER_COMPLETION_STATUS_BASELOGPARSER_UNEXPECTED_FORMAT";

/// The governance log, oldest first. The parse templates are G2O's; the
/// templates of the other tasks are invented (no capture exists).
fn governance(now: i64, broken: bool, input_streams: &[String]) -> Vec<Value> {
    let parsed = |tx: i64| {
        verdict(
            true,
            PARSED_ALL,
            json!({"transactionsCount": tx, "cloudServicesCount": 70}),
        )
    };
    let on_stream =
        |i: usize| json!({"inputStreamId": input_streams.get(i).cloned().unwrap_or_default()});
    let mut records = Vec::new();
    let mut n = 0;
    let mut push =
        |task: &str, at: i64, settled_after: i64, extra: Value, status: Option<Value>| {
            let updated = if status.is_some() {
                at + settled_after
            } else {
                at
            };
            records.push(record(n, task, at, updated, extra, status));
            n += 1;
        };
    // Outside a 7-day window.
    push(
        "DiscoveryParseLogTask",
        now - 10 * DAY,
        3 * MINUTE,
        on_stream(0),
        verdict(
            false,
            UNEXPECTED_FORMAT,
            json!({"dataSource": "GENERIC_CEF"}),
        ),
    );
    for (i, _) in input_streams.iter().enumerate() {
        let offsets: &[i64] = if broken && i == 1 {
            &[4 * DAY, 3 * DAY + 10 * MINUTE] // uploads stopped 3 days ago
        } else {
            &[30 * HOUR, 6 * HOUR, 25 * MINUTE]
        };
        for &ago in offsets {
            push(
                "DiscoveryParseLogTask",
                now - ago,
                2 * MINUTE,
                on_stream(i),
                parsed(21_559 - ago / MINUTE),
            );
        }
    }
    push(
        "DiscoveryAggregationsTask",
        now - 2 * HOUR,
        6 * MINUTE,
        json!({}),
        verdict(true, "GOVERNANCE_TASK_COMPLETED", json!({})),
    );
    push(
        "QuarantineTask",
        now - DAY,
        40_000,
        json!({"appId": 15600}),
        verdict(
            true,
            "GOVERNANCE_QUARANTINE_SUCCEEDED",
            json!({"fileName": "payroll-2026.xlsx"}),
        ),
    );
    push(
        "DiscoveryParseLogTask",
        now - 4 * MINUTE,
        0,
        on_stream(0),
        None,
    );
    if broken {
        for (ago, file) in [(2 * DAY, "customers.csv"), (20 * HOUR, "customers (1).csv")] {
            push(
                "QuarantineTask",
                now - ago,
                35_000,
                json!({"appId": 15600}),
                verdict(
                    false,
                    "GOVERNANCE_QUARANTINE_FAILED_FILE_LOCKED",
                    json!({"fileName": file}),
                ),
            );
        }
        push(
            "DiscoveryParseLogTask",
            now - 20 * MINUTE,
            4 * MINUTE,
            on_stream(0),
            verdict(
                false,
                UNEXPECTED_FORMAT,
                json!({"dataSource": "GENERIC_CEF"}),
            ),
        );
        push(
            "RevokeAccessTokenTask",
            now - 3 * HOUR,
            0,
            json!({"appId": 11161}),
            None,
        );
        // One task, listed twice: queued, then settled 9 minutes later.
        let at = now - 5 * HOUR;
        let twice = on_stream(0);
        records.push(record(
            n,
            "DiscoveryParseLogTask",
            at,
            at,
            twice.clone(),
            None,
        ));
        records.push(record(
            n,
            "DiscoveryParseLogTask",
            at,
            at + 9 * MINUTE,
            twice,
            parsed(18_204),
        ));
    }
    records.sort_by_key(|r| (r["timestamp"].as_i64(), r["updateTimestamp"].as_i64()));
    records
}

/// A Secure Score control score (sample: graph-secureScores.mcas.heimdall2.json):
/// `on` is a string, `implementationStatus` free text.
fn control_score(
    name: &str,
    description: &str,
    score: f64,
    max: f64,
    kind: &str,
    synced: i64,
) -> Value {
    let on = score > 0.0;
    json!({
        "controlCategory": "Apps",
        "controlName": name,
        "description": description,
        "score": score,
        "lastSynced": iso(synced),
        "implementationStatus": format!("{kind} in place: {on}."),
        "on": on.to_string(),
        "scoreInPercentage": if max > 0.0 { (score / max * 10_000.0).round() / 100.0 } else { 0.0 },
    })
}

/// Daily Secure Score snapshots, newest first (today, yesterday).
fn secure_scores(now: i64, broken: bool) -> Vec<Value> {
    let today = now - now.rem_euclid(DAY);
    let snapshot = |day: i64, firewall: f64| {
        let synced = day + 4 * HOUR + 34 * MINUTE;
        let controls = vec![
            control_score("mcas_mda_enabled", "Defender for Cloud Apps is enabled and configured.", 5.0, 5.0, "Feature", synced),
            control_score("McasCloudAppNotification", "App discovery policies can notify you when new apps or abnormal usage is observed within your organization, based on traffic logs data.", 3.0, 3.0, "Policy", synced),
            control_score("McasCutomActivityPolicy", "Activity policies help you monitor specific activities carried out by users.", 2.0, 2.0, "Policy", synced),
            control_score("McasFirewallLogUpload", "Log collectors provide visibility into cloud app usage.", firewall, 1.0, "Feature", synced),
            control_score("McasOAuthAppNotification", "OAuth app policies can help you manage app permission.", 4.0, 4.0, "Feature", synced),
            control_score("AppG_regulate_access_to_sensitive_data", "Regulate cloud app access to sensitive data.", 7.0, 7.0, "Policy", synced),
            control_score("AppG_unusual_activity_with_priority_account", "Regulate apps with priority account consent.", 7.0, 7.0, "Policy", synced),
            control_score("MDA_Atlassian_EnableTwoFactorAuth", "Enable two-factor authentication.", 7.0, 7.0, "Feature", synced),
            control_score("MDA_Atlassian_ForceSSO", "Enforce single sign-on.", 3.5, 7.0, "Feature", synced),
            control_score("MDA_Atlassian_InactiveTimeoutMins", "Enable session timeout for web users.", 6.0, 6.0, "Feature", synced),
            control_score("MFARegistrationV2", "Ensure all users can complete multifactor authentication.", 0.0, 9.0, "Feature", synced),
        ];
        let current: f64 = controls.iter().filter_map(|c| c["score"].as_f64()).sum();
        let date = iso(day);
        json!({
            "id": format!("{TENANT_ID}_{}", &date[..10]),
            "azureTenantId": TENANT_ID,
            "activeUserCount": 912,
            "createdDateTime": date,
            "currentScore": current,
            "enabledServices": ["HasOCAS", "HasCLB", "HasMDOP1", "HasMDOP2", "HasEXOP2", "HasSPOP2", "HasAADFree"],
            "licensedUserCount": 950,
            "maxScore": 58.0,
            "vendorInformation": {"provider": "SecureScore", "providerVersion": Value::Null, "subProvider": Value::Null, "vendor": "Microsoft"},
            "averageComparativeScores": [
                {"basis": "AllTenants", "averageScore": 54.65, "appsScore": 29.65, "appsScoreMax": 79, "dataScore": 0.46, "dataScoreMax": 3.27, "deviceScore": 9.13, "deviceScoreMax": 16.76, "identityScore": 36.02, "identityScoreMax": 59.42, "infrastructureScore": 0, "infrastructureScoreMax": 0}
            ],
            "controlScores": controls,
        })
    };
    vec![
        snapshot(today, if broken { 0.0 } else { 1.0 }),
        snapshot(today - DAY, 1.0),
    ]
}

/// Secure Score control profiles (sample: graph-secureScoreControlProfiles
/// .mcas-sspm.heimdall2.json, remediation text shortened), plus one AzureAD
/// control: `service` is the product.
fn secure_score_profiles() -> Vec<Value> {
    let profile = |id: &str,
                   service: &str,
                   title: &str,
                   max: i64,
                   rank: i64,
                   tier: &str,
                   url: &str| {
        json!({
            "id": id,
            "azureTenantId": TENANT_ID,
            "actionType": "Config",
            "actionUrl": url,
            "controlCategory": if service == "AzureAD" { "Identity" } else { "Apps" },
            "title": title,
            "deprecated": false,
            "implementationCost": "Low",
            "lastModifiedDateTime": Value::Null,
            "maxScore": max,
            "rank": rank,
            "remediation": format!("<p>{title}.</p>"),
            "remediationImpact": "Unknown",
            "service": service,
            "threats": ["Data Exfiltration"],
            "tier": tier,
            "userImpact": "Moderate",
            "vendorInformation": {"provider": "SecureScore", "providerVersion": Value::Null, "subProvider": Value::Null, "vendor": "Microsoft"},
            "complianceInformation": [],
            "controlStateUpdates": [
                {"assignedTo": Value::Null, "comment": Value::Null, "state": "Default", "updatedBy": Value::Null, "updatedDateTime": Value::Null}
            ],
        })
    };
    let appg = "https://security.microsoft.com/cloudapps/app-governance?viewid=policies";
    let mcas = "https://security.microsoft.com/cloudapps/policies";
    let atlassian = "https://admin.atlassian.com/";
    vec![
        profile(
            "AppG_regulate_access_to_sensitive_data",
            "AppG",
            "Regulate cloud app access to sensitive data",
            7,
            9,
            "Core",
            appg,
        ),
        profile(
            "AppG_unusual_activity_with_priority_account",
            "AppG",
            "Regulate apps with priority account consent",
            7,
            10,
            "Core",
            appg,
        ),
        profile(
            "mcas_mda_enabled",
            "MCAS",
            "Ensure Microsoft Defender for Cloud Apps is enabled and configured",
            5,
            10,
            "Core",
            "https://learn.microsoft.com/en-us/defender-cloud-apps/get-started",
        ),
        profile(
            "McasCloudAppNotification",
            "MCAS",
            "Create an app discovery policy to identify new and trending cloud apps in your org ",
            3,
            75,
            "Advanced",
            mcas,
        ),
        profile(
            "McasCutomActivityPolicy",
            "MCAS",
            "Create a custom activity policy to discover suspicious usage patterns",
            2,
            80,
            "Advanced",
            mcas,
        ),
        profile(
            "McasFirewallLogUpload",
            "MCAS",
            "Deploy a log collector to discover shadow IT activity",
            1,
            85,
            "Advanced",
            mcas,
        ),
        profile(
            "McasOAuthAppNotification",
            "MCAS",
            "Create an OAuth app policy to notify you about new OAuth applications",
            4,
            70,
            "Advanced",
            mcas,
        ),
        profile(
            "MDA_Atlassian_EnableTwoFactorAuth",
            "MDA_Atlassian",
            "Enable two-factor authentication",
            7,
            10,
            "Core",
            atlassian,
        ),
        profile(
            "MDA_Atlassian_ForceSSO",
            "MDA_Atlassian",
            "Enforce single sign-on",
            7,
            10,
            "Core",
            atlassian,
        ),
        profile(
            "MDA_Atlassian_InactiveTimeoutMins",
            "MDA_Atlassian",
            "Enable session timeout for web users",
            6,
            10,
            "Core",
            atlassian,
        ),
        profile(
            "MFARegistrationV2",
            "AzureAD",
            "Ensure all users can complete multifactor authentication",
            9,
            1,
            "Core",
            "https://aka.ms/mfa",
        ),
    ]
}

/// Message-center posts (sample: graph-serviceAnnouncement-messages.docs.json):
/// PascalCase enums as in the docs example next to camelCase ones as on the
/// resource page.
fn message_center(now: i64, broken: bool) -> Vec<Value> {
    let post = |id: &str,
                title: &str,
                category: &str,
                severity: &str,
                services: &[&str],
                modified: i64,
                action: Option<i64>,
                tags: &[&str]| {
        json!({
            "startDateTime": iso(modified - 2 * DAY),
            "endDateTime": iso(modified + 60 * DAY),
            "lastModifiedDateTime": iso(modified),
            "title": title,
            "id": id,
            "category": category,
            "severity": severity,
            "tags": tags,
            "isMajorChange": action.is_some(),
            "actionRequiredByDateTime": action.map(iso),
            "services": services,
            "expiryDateTime": Value::Null,
            "details": [{"name": "ExternalLink", "value": "https://learn.microsoft.com/"}],
            "body": {"contentType": "Html", "content": format!("<p>{title}</p>")},
            "viewPoint": Value::Null,
        })
    };
    let mut posts = vec![
        post(
            "MC172851",
            "(Updated) New feature: Changes to PowerPoint and Word to open files faster",
            "StayInformed",
            "Normal",
            &["SharePoint Online", "OneDrive for Business"],
            now - 40 * DAY,
            None,
            &["Updated message"],
        ),
        post(
            "MC900101",
            "Exchange Online: retirement of legacy client access rules",
            "planForChange",
            "normal",
            &["Exchange Online"],
            now - 5 * DAY,
            Some(now + 10 * DAY),
            &["Admin impact", "Retirement"],
        ),
        post(
            "MC900102",
            "Defender for Cloud Apps: new app governance detections",
            "stayInformed",
            "normal",
            &["Microsoft Defender for Cloud Apps"],
            now - 20 * DAY,
            None,
            &["New feature"],
        ),
        post(
            "MC900103",
            "Microsoft Defender XDR: unified incident queue filters",
            "stayInformed",
            "normal",
            &["Microsoft Defender XDR"],
            now - 3 * DAY,
            None,
            &["Feature update"],
        ),
        post(
            "MC900104",
            "Microsoft Teams: meeting recap improvements",
            "StayInformed",
            "Normal",
            &["Microsoft Teams"],
            now - 8 * DAY,
            None,
            &[],
        ),
    ];
    if broken {
        posts.push(post(
            "MC900199",
            "(Updated) Defender for Cloud Apps: log collector versions below 1.5 stop uploading",
            "PlanForChange",
            "High",
            &["Microsoft Defender for Cloud Apps"],
            now - DAY,
            Some(now + 10 * DAY),
            &["Admin impact", "Updated message"],
        ));
    }
    posts
}

/// A system alert (`isSystemAlert: true`) in the shape of the other alerts;
/// no real system alert capture exists (mdca-ops.md 1.8).
fn system_alert(
    n: u32,
    at: i64,
    title: &str,
    service: (i64, &str),
    resolved_at: Option<i64>,
) -> Value {
    let id = oid(7, n);
    let mut alert = json!({
        "_id": id,
        "timestamp": at,
        "title": title,
        "description": format!("{title}. Check its status under Settings > Cloud Apps."),
        "entities": [{"id": service.0, "label": service.1, "type": "service"}],
        "idValue": 16_000_000 + n,
        "isSystemAlert": true,
        "statusValue": if resolved_at.is_some() { 2 } else { 0 },
        "severityValue": 2,
        "resolutionStatusValue": if resolved_at.is_some() { 2 } else { 0 },
        "stories": [8],
        "threatScore": 0,
        "contextId": TENANT_ID,
        "handledByUser": "null",
        "comment": "",
        "URL": format!("https://contoso.portal.cloudappsecurity.com/#/alerts/{id}"),
    });
    if let Some(resolved) = resolved_at {
        alert["resolveTime"] = json!(iso(resolved));
    }
    alert
}

fn system_alerts(now: i64, broken: bool) -> Vec<Value> {
    let mut alerts = vec![
        system_alert(
            0,
            now - 10 * DAY,
            "Log collector lc-branch-02 stopped sending data",
            (20595, "Microsoft Defender for Cloud Apps"),
            None,
        ),
        system_alert(
            1,
            now - 2 * DAY,
            "App connector error: Box",
            (10489, "Box"),
            Some(now - DAY),
        ),
    ];
    if broken {
        alerts.push(system_alert(
            2,
            now - 3 * DAY,
            "SIEM agent SIEM-ArcSight disconnected",
            (20595, "Microsoft Defender for Cloud Apps"),
            None,
        ));
        alerts.push(system_alert(
            3,
            now - DAY,
            "App connector error: Box",
            (10489, "Box"),
            None,
        ));
    }
    alerts.sort_by_key(|a| a["timestamp"].as_i64());
    alerts
}
