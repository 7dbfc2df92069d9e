//! The resources a snapshot can hold beyond the policies, and how each is
//! read (mdca-ops.md sections 1.4-1.10): one table, `RESOURCES`, names every
//! resource, its API, route, envelope and the permission it needs. Reading
//! only ever lists: casguard sends list calls (POST with `skip`/`limit`, as
//! the portal does, or GET) and never a call that changes anything.
//!
//! Each resource ends `ok` with its raw items, `unavailable` (no Graph
//! credentials: a note, not a failure) or `error` (the read failed; `fetch`
//! then writes nothing, `ops` reports the checks that needed it as errors).
//!
//! API token records are stored without anything that looks like a token
//! value: their field names are not verified, and a snapshot must never hold
//! a credential.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde_json::{json, Map, Value};

use super::snapshot::{Resource, ResourceStatus, POLICIES};
use super::{Auth, Event, Http, Identity, List, LiveError};

/// Which service serves a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// The MDCA portal (`[tenant] url`), with the MDCA credential.
    Mdca,
    /// Microsoft Graph (`[tenant] graph_url`), with an Entra ID token.
    Graph,
}

/// How a resource is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read {
    /// POST with `skip`/`limit` and a body, items in `data`, paged.
    PostList,
    /// GET with `skip`/`limit` in the query, items in `data`, paged.
    GetList,
    /// One GET; items under this key, or the reply itself when it is an
    /// array or a single object (the docs show streams both ways).
    Get(&'static str),
    /// Graph collection: `value`, following `@odata.nextLink`.
    GraphList,
    /// One Graph GET, items in `value` (no paging).
    GraphGet,
}

/// One resource casguard can read.
#[derive(Debug, Clone, Copy)]
pub struct ResourceSpec {
    pub name: &'static str,
    pub api: Api,
    /// Route (MDCA) or path after the Graph base URL.
    pub path: &'static str,
    pub read: Read,
    /// What the credential needs, for `ops --help` and error messages.
    pub permission: &'static str,
    /// `policies`, `alerts` or `ops`, for `fetch --resources`.
    pub group: &'static str,
}

/// Every resource, in the order they are read.
pub const RESOURCES: &[ResourceSpec] = &[
    ResourceSpec {
        name: POLICIES,
        api: Api::Mdca,
        path: super::POLICIES_ENDPOINT,
        read: Read::PostList,
        permission: "MDCA API token (read)",
        group: "policies",
    },
    ResourceSpec {
        name: "alerts",
        api: Api::Mdca,
        path: super::alerts::ALERTS_ENDPOINT,
        read: Read::PostList,
        permission: "MDCA API token, or Entra Investigation.read",
        group: "alerts",
    },
    ResourceSpec {
        name: "app_connectors",
        api: Api::Mdca,
        path: "/cas/api/v1/app_connectors/",
        read: Read::PostList,
        permission: "MDCA API token",
        group: "ops",
    },
    ResourceSpec {
        name: "discovery_streams",
        api: Api::Mdca,
        path: "/api/discovery/streams/",
        read: Read::Get("streams"),
        permission: "MDCA API token, or Entra Discovery.read",
        group: "ops",
    },
    ResourceSpec {
        name: "log_collectors",
        api: Api::Mdca,
        path: "/cas/api/v1/discovery/log_collectors/",
        read: Read::GetList,
        permission: "MDCA API token",
        group: "ops",
    },
    ResourceSpec {
        name: "siem_agents",
        api: Api::Mdca,
        path: "/api/v1/agents/siem/",
        read: Read::GetList,
        permission: "MDCA API token",
        group: "ops",
    },
    ResourceSpec {
        name: "api_tokens",
        api: Api::Mdca,
        path: "/cas/api/v1/tokens/",
        read: Read::PostList,
        permission: "MDCA API token of a Global or Security admin",
        group: "ops",
    },
    ResourceSpec {
        name: "governance",
        api: Api::Mdca,
        path: "/api/v1/governance/",
        read: Read::PostList,
        permission: "MDCA API token",
        group: "ops",
    },
    ResourceSpec {
        name: "secure_scores",
        api: Api::Graph,
        path: "/v1.0/security/secureScores?$top=1",
        read: Read::GraphGet,
        permission: "Graph SecurityEvents.Read.All",
        group: "ops",
    },
    ResourceSpec {
        name: "secure_score_profiles",
        api: Api::Graph,
        path: "/v1.0/security/secureScoreControlProfiles",
        read: Read::GraphList,
        permission: "Graph SecurityEvents.Read.All",
        group: "ops",
    },
    ResourceSpec {
        name: "message_center",
        api: Api::Graph,
        path: "/v1.0/admin/serviceAnnouncement/messages",
        read: Read::GraphList,
        permission: "Graph ServiceMessage.Read.All",
        group: "ops",
    },
];

/// The spec of resource `name`.
pub fn spec(name: &str) -> Option<&'static ResourceSpec> {
    RESOURCES.iter().find(|r| r.name == name)
}

/// `fetch --resources`: group names (`policies`, `alerts`, `ops`, `all`) and
/// resource names, comma-separated, to the resource names they mean.
pub fn parse_resources(text: &str) -> Result<BTreeSet<&'static str>, String> {
    let mut names = BTreeSet::new();
    for word in text.split(',').map(str::trim).filter(|w| !w.is_empty()) {
        let word = word.to_ascii_lowercase();
        let matched: Vec<&'static str> = RESOURCES
            .iter()
            .filter(|r| word == "all" || r.group == word || r.name == word)
            .map(|r| r.name)
            .collect();
        if matched.is_empty() {
            let mut known = vec!["policies", "alerts", "ops", "all"];
            known.extend(
                RESOURCES
                    .iter()
                    .map(|r| r.name)
                    .filter(|n| !["policies", "alerts"].contains(n)),
            );
            return Err(format!(
                "unknown resource `{word}`; use {}",
                known.join(", ")
            ));
        }
        names.extend(matched);
    }
    if names.is_empty() {
        return Err("no resource named; use policies, alerts, ops or all".into());
    }
    Ok(names)
}

/// Where and with what to read.
pub struct Target<'a> {
    pub tenant: Option<&'a str>,
    pub mdca: Option<&'a mut Auth>,
    pub graph_url: &'a str,
    /// `None`: no Graph credentials, so Graph resources are unavailable.
    pub graph: Option<&'a mut Auth>,
    /// Alerts created at or after this are read (epoch ms).
    pub alerts_from_ms: i64,
    /// Governance records written at or after this are read (epoch ms).
    pub governance_from_ms: i64,
}

/// Reads each of `names` (except the policies, which the caller reads),
/// never stopping at the first failure: each resource gets its own status.
pub fn fetch_resources(
    names: &BTreeSet<&'static str>,
    target: &mut Target<'_>,
    http: &mut Http,
    observe: &mut dyn FnMut(Event),
) -> BTreeMap<String, Resource> {
    let mut out = BTreeMap::new();
    // A refused sign-in is not tried again for every Graph resource.
    let mut graph_refused: Option<String> = None;
    for spec in RESOURCES
        .iter()
        .filter(|r| names.contains(r.name) && r.name != POLICIES)
    {
        if let (Api::Graph, Some(detail)) = (spec.api, &graph_refused) {
            out.insert(
                spec.name.to_string(),
                Resource {
                    status: ResourceStatus::Error,
                    detail: Some(detail.clone()),
                    endpoint: Some(endpoint(spec, target.graph_url)),
                    items: Vec::new(),
                },
            );
            continue;
        }
        let result = fetch_one(spec, target, http, observe);
        if let (Api::Graph, Err(error @ LiveError::TokenEndpoint { .. })) = (spec.api, &result) {
            graph_refused = Some(describe(error));
        }
        let resource = match result {
            Ok(Some(items)) => Resource::ok(endpoint(spec, target.graph_url), items),
            Ok(None) => Resource::unavailable(format!(
                "no Graph credentials (needs {}; set `graph_auth` under [tenant])",
                spec.permission
            )),
            Err(error) => Resource {
                status: ResourceStatus::Error,
                detail: Some(describe(&error)),
                endpoint: Some(endpoint(spec, target.graph_url)),
                items: Vec::new(),
            },
        };
        out.insert(spec.name.to_string(), resource);
    }
    out
}

/// An error as one line with its advice, for a snapshot or a check's status.
pub fn describe(error: &LiveError) -> String {
    use miette::Diagnostic;
    match error.help() {
        Some(help) => format!("{error} ({help})"),
        None => error.to_string(),
    }
}

fn endpoint(spec: &ResourceSpec, graph_url: &str) -> String {
    let method = match spec.read {
        Read::PostList => "POST",
        _ => "GET",
    };
    match spec.api {
        Api::Mdca => format!("{method} {}", spec.path),
        Api::Graph => format!("{method} {graph_url}{}", spec.path),
    }
}

/// `Ok(None)` when the resource needs Graph and there are no Graph credentials.
fn fetch_one(
    spec: &ResourceSpec,
    target: &mut Target<'_>,
    http: &mut Http,
    observe: &mut dyn FnMut(Event),
) -> Result<Option<Vec<Value>>, LiveError> {
    match spec.api {
        Api::Graph => {
            let Some(auth) = target.graph.as_deref_mut() else {
                return Ok(None);
            };
            let url = format!("{}{}", target.graph_url, spec.path);
            let items = match spec.read {
                Read::GraphGet => {
                    let what = format!("GET {}", spec.path);
                    let reply = http.get_json(&url, &what, auth, observe)?;
                    graph_value(&reply, &what)?.to_vec()
                }
                _ => graph_list(spec, &url, target.graph_url, http, auth, observe)?,
            };
            Ok(Some(items))
        }
        Api::Mdca => {
            let tenant = target.tenant.ok_or(LiveError::NoTenant)?;
            let auth = target.mdca.as_deref_mut().ok_or(LiveError::NoTenant)?;
            let items = match spec.read {
                Read::Get(key) => {
                    let what = format!("GET {}", spec.path);
                    let reply =
                        http.get_json(&format!("{tenant}{}", spec.path), &what, auth, observe)?;
                    unwrap_items(reply, key, &what)?
                }
                _ if spec.name == "alerts" => {
                    let query = super::alerts::AlertQuery {
                        created_from_ms: Some(target.alerts_from_ms),
                        ..Default::default()
                    };
                    super::alerts::fetch_alerts(tenant, &query, http, auth, observe)?
                }
                _ => {
                    let list = mdca_list(spec, target.governance_from_ms);
                    super::fetch_list(tenant, &list, http, auth, observe)?
                }
            };
            Ok(Some(if spec.name == "api_tokens" {
                items.into_iter().map(without_token_values).collect()
            } else {
                items
            }))
        }
    }
}

/// The list call of a paged MDCA resource, with the body the portal sends.
fn mdca_list(spec: &ResourceSpec, governance_from_ms: i64) -> List<'static> {
    let body = match spec.name {
        "app_connectors" => json!({"filters": {}, "sortField": "app", "sortDirection": "asc"}),
        "api_tokens" => {
            json!({"filters": {}, "performAsyncTotal": false, "sortField": "created", "sortDirection": "desc"})
        }
        // Only the timestamp filter works on the server (mdca-ops.md 0.3).
        "governance" => {
            json!({"filters": {"timestamp": {"gte": governance_from_ms}}, "sortField": "timestamp", "sortDirection": "desc"})
        }
        _ => json!({}),
    };
    List {
        endpoint: spec.path,
        noun: spec.name,
        body: match body {
            Value::Object(map) => map,
            _ => Map::new(),
        },
        // G2O stops the governance log at 500 pages.
        max_items: 50_000,
        check: None,
        get: spec.read == Read::GetList,
        identity: if spec.name == "governance" {
            Identity::IdAndUpdate
        } else {
            Identity::Loose
        },
        total_may_grow: spec.name == "governance",
    }
}

/// Items of a one-shot MDCA reply: under `key`, else the reply itself.
fn unwrap_items(reply: Value, key: &str, what: &str) -> Result<Vec<Value>, LiveError> {
    match reply {
        Value::Object(mut object) => match object.remove(key) {
            Some(Value::Array(items)) => Ok(items),
            Some(other) => Err(LiveError::Shape {
                what: what.to_string(),
                detail: format!("`{key}` is {}, not a list", crate::textutil::short(&other)),
                help: "report this with the -v output".into(),
            }),
            None if object.contains_key("data") => {
                unwrap_items(Value::Object(object), "data", what)
            }
            // The docs show a single stream as a bare object.
            None if object.contains_key("_id") || object.contains_key("displayName") => {
                Ok(vec![Value::Object(object)])
            }
            None => Err(LiveError::Shape {
                what: what.to_string(),
                detail: format!(
                    "no `{key}` list in the reply: {}",
                    crate::textutil::clip(&Value::Object(object).to_string(), 120)
                ),
                help: "check that the tenant URL points at the MDCA portal and that the credential may read this".into(),
            }),
        },
        Value::Array(items) => Ok(items),
        other => Err(LiveError::Shape {
            what: what.to_string(),
            detail: format!(
                "expected an object or a list, found {}",
                crate::textutil::short(&other)
            ),
            help: "check that the tenant URL points at the MDCA portal".into(),
        }),
    }
}

fn graph_value<'v>(reply: &'v Value, what: &str) -> Result<&'v [Value], LiveError> {
    reply
        .get("value")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .ok_or_else(|| LiveError::Shape {
            what: what.to_string(),
            detail: "no `value` array in the reply".into(),
            help: "check `graph_url` under [tenant]: it is https://graph.microsoft.com".into(),
        })
}

/// No Graph collection casguard reads comes near this many pages.
const MAX_GRAPH_PAGES: usize = 200;

/// A Graph collection, page by page. `@odata.nextLink` is followed only on
/// the Graph host itself: the token must never go anywhere else.
fn graph_list(
    spec: &ResourceSpec,
    first: &str,
    base: &str,
    http: &mut Http,
    auth: &mut Auth,
    observe: &mut dyn FnMut(Event),
) -> Result<Vec<Value>, LiveError> {
    let paging = |detail: String| LiveError::Paging {
        endpoint: spec.path.to_string(),
        detail,
    };
    let mut items = Vec::new();
    let mut visited: HashSet<String> = HashSet::new();
    let mut url = first.to_string();
    for number in 1.. {
        if number > MAX_GRAPH_PAGES {
            return Err(paging(format!(
                "pages never end: more than {MAX_GRAPH_PAGES} pages"
            )));
        }
        if !visited.insert(url.clone()) {
            return Err(paging(format!(
                "page {number} links back to a page already read"
            )));
        }
        let what = format!("GET {} (page {number})", spec.path);
        let reply = http.get_json(&url, &what, auth, observe)?;
        items.extend(graph_value(&reply, &what)?.iter().cloned());
        observe(Event::Page {
            noun: spec.name,
            number,
            fetched: items.len(),
            total: None,
        });
        match reply.get("@odata.nextLink") {
            Some(Value::String(next)) => {
                if !next.starts_with(&format!("{base}/")) {
                    return Err(paging(format!(
                        "`@odata.nextLink` leaves {base}: {}",
                        crate::textutil::clip(next, 120)
                    )));
                }
                url = next.clone();
            }
            None | Some(Value::Null) => break,
            Some(other) => {
                return Err(paging(format!(
                    "`@odata.nextLink` is {}",
                    crate::textutil::short(other)
                )))
            }
        }
    }
    Ok(items)
}

/// Field names that may hold a credential.
const SECRET_WORDS: [&str; 12] = [
    "token",
    "secret",
    "password",
    "pass",
    "pwd",
    "key",
    "hash",
    "value",
    "credential",
    "auth",
    "jwt",
    "bearer",
];
/// Names the checks read (names, states, owners, dates): never redacted.
const READ_KEYS: [&str; 12] = [
    "name",
    "tokenname",
    "displayname",
    "status",
    "state",
    "username",
    "createdby",
    "user",
    "created",
    "lastused",
    "lastusedtime",
    "lastuseddate",
];

/// An API token record without anything that could be the token: a string
/// of 20 or more characters (not a date) under a name that suggests a
/// credential, or inside such a field, is replaced; the names the checks read
/// are kept. Field names are unverified (mdca-ops.md 1.7),
/// so this errs on the side of redacting.
pub fn without_token_values(item: Value) -> Value {
    redact(item, false)
}

/// `under_secret`: the value sits under a name that suggests a credential
/// (directly, or inside a list there).
fn redact(value: Value, under_secret: bool) -> Value {
    match value {
        Value::String(text)
            if under_secret
                && text.chars().count() >= 20
                && text.parse::<jiff::Timestamp>().is_err() =>
        {
            Value::String("[redacted by casguard]".into())
        }
        Value::Object(object) => Value::Object(
            object
                .into_iter()
                .map(|(key, value)| {
                    let lower = key.to_ascii_lowercase();
                    let suspicious = !READ_KEYS.contains(&lower.as_str())
                        && (under_secret || SECRET_WORDS.iter().any(|w| lower.contains(w)));
                    (key, redact(value, suspicious))
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|item| redact(item, under_secret))
                .collect(),
        ),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_parse() {
        let all = parse_resources("all").unwrap();
        assert_eq!(all.len(), RESOURCES.len());
        let ops = parse_resources("ops").unwrap();
        assert!(!ops.contains("policies") && ops.contains("governance"));
        assert_eq!(
            parse_resources("policies, Alerts")
                .unwrap()
                .into_iter()
                .collect::<Vec<_>>(),
            ["alerts", "policies"]
        );
        assert!(parse_resources("polices")
            .unwrap_err()
            .contains("unknown resource `polices`"));
        assert!(parse_resources(" , ").is_err());
    }

    #[test]
    fn token_values_never_kept() {
        let raw = json!({"_id": "6a1", "name": "CI pipeline", "token": "abcdefghijklmnopqrstuvwxyz0123456789",
            "created": "2026-01-01T00:00:00Z", "nested": {"apiKey": "0123456789abcdefghijKLMNOP"}, "lastUsedValue": 1700000000000_i64});
        let clean = without_token_values(raw);
        let text = clean.to_string();
        assert!(!text.contains("abcdefghijklmnopqrstuvwxyz0123456789"));
        assert!(!text.contains("0123456789abcdefghijKLMNOP"));
        assert_eq!(clean["name"], "CI pipeline");
        assert_eq!(clean["created"], "2026-01-01T00:00:00Z");
        assert_eq!(clean["lastUsedValue"], 1700000000000_i64);
        let nested = without_token_values(
            json!({"token": {"raw": "abcdefghijklmnopqrstuvwxyz"}, "authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.e30", "tokenName": "casguard CI pipeline token"}),
        );
        let text = nested.to_string();
        assert!(
            !text.contains("abcdefghijklmnopqrstuvwxyz") && !text.contains("eyJhbGci"),
            "{text}"
        );
        assert_eq!(nested["tokenName"], "casguard CI pipeline token");
    }

    #[test]
    fn one_shot_envelopes() {
        let streams = unwrap_items(json!({"streams": [{"_id": "a"}]}), "streams", "w").unwrap();
        assert_eq!(streams.len(), 1);
        assert_eq!(
            unwrap_items(json!({"_id": "a", "displayName": "x"}), "streams", "w")
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            unwrap_items(json!([{"_id": "a"}, {"_id": "b"}]), "streams", "w")
                .unwrap()
                .len(),
            2
        );
        assert_eq!(
            unwrap_items(json!({"data": [{"_id": "a"}]}), "streams", "w")
                .unwrap()
                .len(),
            1
        );
        assert!(unwrap_items(json!({"streams": 3}), "streams", "w").is_err());
        assert!(unwrap_items(json!("x"), "streams", "w").is_err());
    }
}
