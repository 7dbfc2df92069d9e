//! A fake MDCA tenant for tests and benchmarks: a small HTTP/1.1 server on
//! 127.0.0.1 (ephemeral port) that speaks the API shapes of mdca-api.md and
//! injects faults on demand.
//!
//! Written on std's TcpListener rather than an HTTP server crate because the
//! faults need the raw socket: a connection dropped mid-response, a body cut
//! short of its Content-Length, a reply that stalls.
//!
//! It serves:
//! - `GET|POST /cas/api/v1/policies/` and `/api/v1/policies/`: list with
//!   `skip`/`limit` (body or query), limit capped at 100, envelope
//!   `{data, hasNext, total}`; auth `Token <token>` (403 when wrong) or
//!   `Bearer <issued token>` (401 when wrong).
//! - `GET|POST /api/v1/alerts/` and `/cas/api/v1/alerts/`: the same list
//!   envelope over `alerts`, oldest first, with the server-side filters
//!   casguard sends (`date` gte/lte on `timestamp`, `alertOpen`,
//!   `resolutionDate` gte on `resolveTime`); faults and paging modes apply.
//! - `POST /{tenant}/oauth2/v2.0/token`: Entra ID client credentials, with a
//!   secret or a federated `client_assertion`.
//! - `GET /oidc/token`: a GitHub Actions OIDC token endpoint.
//!
//! Every request is recorded, so tests can assert that casguard only reads.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::{json, Value};

/// A fault served instead of (or on top of) the next policies response.
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
}

/// How the policies endpoint pages.
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
    /// `total` claims more policies than exist.
    WrongTotal,
    /// Empty pages with `hasNext: true`.
    EmptyButHasNext,
    /// Ignores `skip`: always serves from the start.
    IgnoresSkip,
}

#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

#[derive(Debug)]
pub struct State {
    pub policies: Vec<Value>,
    /// Raw alerts, in the shapes of shared/samples/ops (quirks included).
    pub alerts: Vec<Value>,
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
    pub issued_tokens: Vec<String>,
    pub faults: VecDeque<Fault>,
    pub paging: Paging,
    pub requests: Vec<Recorded>,
    /// Cap on `limit` (MDCA: 100).
    pub max_limit: usize,
}

pub struct FakeTenant {
    pub addr: SocketAddr,
    pub state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

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

impl FakeTenant {
    pub fn start(policies: Vec<Value>) -> FakeTenant {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let addr = listener.local_addr().unwrap();
        listener.set_nonblocking(true).unwrap();
        let state = Arc::new(Mutex::new(State {
            policies,
            alerts: Vec::new(),
            api_token: "t0ken-legacy-abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123"
                .into(),
            client_id: "11111111-2222-3333-4444-555555555555".into(),
            client_secret: "s3cret-client-value-Zq9~xK".into(),
            federated_assertion: "eyJhbGciOiJSUzI1NiJ9.federated.assertion-value".into(),
            oidc_request_token: "gh-oidc-request-token-value".into(),
            token_lifetime: 3599,
            issued_tokens: Vec::new(),
            faults: VecDeque::new(),
            paging: Paging::Normal,
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

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        f(&mut self.state.lock().unwrap())
    }

    pub fn push_fault(&self, fault: Fault) {
        self.with(|s| s.faults.push_back(fault));
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.with(|s| s.requests.clone())
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

fn serve(stream: TcpStream, state: &Mutex<State>) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
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
    let trimmed = path.trim_end_matches('/');
    let resource = match trimmed.strip_prefix("/cas").unwrap_or(trimmed) {
        "/api/v1/policies" => Resource::Policies,
        "/api/v1/alerts" => Resource::Alerts,
        _ => return respond(&mut out, 404, &[], "{\"error\":\"not found\"}"),
    };
    if method != "GET" && method != "POST" {
        return respond(&mut out, 405, &[], "{\"error\":\"method not allowed\"}");
    }
    // Authentication before faults, as a real gateway would.
    let authorization = header("authorization");
    {
        let s = state.lock().unwrap();
        if let Some(token) = authorization.strip_prefix("Token ") {
            if token != s.api_token {
                drop(s);
                return respond(&mut out, 403, &[], "{\"detail\":\"Invalid token.\"}");
            }
        } else if let Some(token) = authorization.strip_prefix("Bearer ") {
            if !s.issued_tokens.iter().any(|t| t == token) {
                drop(s);
                return respond(&mut out, 401, &[], "{\"error\":\"invalid_token\"}");
            }
        } else {
            drop(s);
            return respond(
                &mut out,
                401,
                &[],
                "{\"detail\":\"Authentication credentials were not provided.\"}",
            );
        }
    }
    let fault = state.lock().unwrap().faults.pop_front();
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
        Some(Fault::Slow(delay)) => std::thread::sleep(delay),
        Some(Fault::Truncated) => {
            let page = page(state, resource, &body, &query).to_string();
            let half = &page[..page.len() / 2];
            write!(out, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{half}", page.len())?;
            return out.flush();
        }
        Some(Fault::BadJson) => {
            let page = page(state, resource, &body, &query).to_string();
            return respond(&mut out, 200, &[], &page[..page.len() / 2]);
        }
        None => {}
    }
    let page = page(state, resource, &body, &query).to_string();
    respond(&mut out, 200, &[], &page)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Resource {
    Policies,
    Alerts,
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

fn page(state: &Mutex<State>, resource: Resource, body: &str, query: &str) -> Value {
    let request: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let from_query = |key: &str| {
        query
            .split('&')
            .find_map(|pair| pair.strip_prefix(&format!("{key}=")))
            .and_then(|v| v.parse::<usize>().ok())
    };
    let s = state.lock().unwrap();
    let skip = request
        .get("skip")
        .and_then(Value::as_u64)
        .map(|v| v as usize)
        .or_else(|| from_query("skip"))
        .unwrap_or(0);
    let limit = request
        .get("limit")
        .and_then(Value::as_u64)
        .map(|v| v as usize)
        .or_else(|| from_query("limit"))
        .unwrap_or(100)
        .min(s.max_limit);
    let selected: Vec<&Value> = match resource {
        Resource::Policies => s.policies.iter().collect(),
        Resource::Alerts => {
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
    let total = selected.len();
    let slice = |from: usize| -> Vec<Value> {
        selected
            .iter()
            .skip(from)
            .take(limit)
            .map(|v| (*v).clone())
            .collect()
    };
    match s.paging {
        Paging::Normal | Paging::WrongTotal => {
            let data = slice(skip);
            let has_next = skip + data.len() < total;
            let reported = if s.paging == Paging::WrongTotal {
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
    let scope_ok = field("scope") == "05a65629-4c1b-48c1-a78b-804c4abdd4af/.default";
    let client_ok =
        field("client_id") == s.client_id && field("grant_type") == "client_credentials";
    let secret_ok = field("client_secret") == s.client_secret;
    let assertion_ok = field("client_assertion_type")
        == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        && field("client_assertion") == s.federated_assertion;
    if !(scope_ok && client_ok && (secret_ok || assertion_ok)) {
        drop(s);
        return respond(out, 401, &[], "{\"error\":\"invalid_client\",\"error_description\":\"AADSTS7000215: Invalid client secret provided.\"}");
    }
    let token = format!(
        "eyJ0eXAiOiJKV1QifQ.access-{}.sig",
        s.issued_tokens.len() + 1
    );
    s.issued_tokens.push(token.clone());
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
