//! Live state: reading the tenant's policies over the MDCA API, and
//! snapshots of what was read. The only module that talks to the network.
//!
//! casguard never changes the tenant: it sends only the list call (POST to
//! `/cas/api/v1/policies/` with `skip`/`limit`, the form the MCAS modules
//! use) and, for Entra ID sign-in, the token endpoint. Paging is checked
//! rather than trusted: repeated ids are dropped, a page that brings nothing
//! new, a sequence that never ends, or a count that disagrees with `total`
//! is an error, because a partial read must never look like drift.
//!
//! URLs are checked with the `url` crate (the WHATWG parser browsers use),
//! built without international domain name support (see Cargo.toml on
//! `idna_adapter`): MDCA and Entra host names are ASCII.

pub mod alerts;
pub mod auth;
pub mod error;
pub mod http;
pub mod pacer;
pub mod resources;
pub mod secret;
pub mod snapshot;

use std::collections::HashSet;
use std::net::IpAddr;

use serde_json::{json, Value};

pub use auth::Auth;
pub use error::LiveError;
pub use http::{Event, Http};
pub use snapshot::Snapshot;

use crate::config::TenantConfig;

/// The list endpoint for policies (mdca-api.md section 2).
pub const POLICIES_ENDPOINT: &str = "/cas/api/v1/policies/";
/// MDCA returns at most 100 items per call with an API token.
pub const PAGE_SIZE: usize = 100;
/// No real tenant comes near this; past it, paging is assumed broken.
pub const MAX_POLICIES: usize = 50_000;

/// Checks a URL: HTTPS, or plain HTTP to a loopback address (tests), and
/// returns it without a trailing slash.
pub fn validate_url(what: &'static str, url: &str) -> Result<String, LiveError> {
    let bad = |reason: &str, help: &str| LiveError::BadUrl {
        what,
        url: shown_url(url),
        reason: reason.to_string(),
        help: help.to_string(),
    };
    let parsed = url::Url::parse(url.trim()).map_err(|e| {
        bad(
            &e.to_string(),
            "write a full URL such as https://contoso.us3.portal.cloudappsecurity.com",
        )
    })?;
    let loopback = parsed
        .host_str()
        .map(|h| h.trim_start_matches('[').trim_end_matches(']'))
        .and_then(|h| h.parse::<IpAddr>().ok())
        .is_some_and(|ip| ip.is_loopback());
    match parsed.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return Err(bad(
                "plain HTTP would send credentials in clear text",
                "use https://",
            ))
        }
        other => {
            return Err(bad(
                &format!("unsupported scheme `{other}`"),
                "use https://",
            ))
        }
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(bad(
            "credentials in the URL",
            "remove user:password@ from the URL; credentials come from the environment",
        ));
    }
    Ok(parsed.as_str().trim_end_matches('/').to_string())
}

/// A URL as messages may show it: user information, query and fragment
/// (where tokens hide: `user:secret@`, `?token=`) replaced by `[redacted]`,
/// clipped. Text that does not parse as a URL keeps only what precedes
/// any of `@?#`.
pub fn shown_url(url: &str) -> String {
    let url = url.trim();
    let Ok(mut parsed) = url::Url::parse(url) else {
        let end = url.find(['@', '?', '#']).unwrap_or(url.len());
        let hidden = if end < url.len() { "[redacted]" } else { "" };
        return format!("{}{hidden}", crate::textutil::clip(&url[..end], 120));
    };
    let userinfo = !parsed.username().is_empty() || parsed.password().is_some();
    let query = parsed.query().is_some();
    let fragment = parsed.fragment().is_some();
    let _ = parsed.set_username("");
    let _ = parsed.set_password(None);
    parsed.set_query(None);
    parsed.set_fragment(None);
    let mut text = parsed.to_string();
    if userinfo {
        if let Some(at) = text.find("://").map(|i| i + 3) {
            text.insert_str(at, "[redacted]@");
        }
    }
    if query {
        text.push_str("?[redacted]");
    }
    if fragment {
        text.push_str("#[redacted]");
    }
    crate::textutil::clip(&text, 200)
}

/// The tenant URL: `--tenant`, else CASGUARD_TENANT_URL, else `[tenant] url`.
pub fn tenant_url(
    flag: Option<&str>,
    env: auth::Env<'_>,
    config: &TenantConfig,
) -> Result<String, LiveError> {
    let url = flag
        .map(str::to_string)
        .or_else(|| env("CASGUARD_TENANT_URL").filter(|u| !u.trim().is_empty()))
        .or_else(|| config.url.clone())
        .ok_or(LiveError::NoTenant)?;
    let url = validate_url("the tenant URL", &url)?;
    let parsed = url::Url::parse(&url).ok();
    if parsed
        .as_ref()
        .is_some_and(|u| u.query().is_some() || u.fragment().is_some())
    {
        return Err(LiveError::BadUrl {
            what: "the tenant URL",
            url: shown_url(&url),
            reason: "it has a query or a fragment".into(),
            help: "give only the portal's origin, e.g. https://contoso.us3.portal.cloudappsecurity.com".into(),
        });
    }
    let path = parsed.map(|u| u.path().to_string()).unwrap_or_default();
    if path != "/" && !path.is_empty() {
        return Err(LiveError::BadUrl {
            what: "the tenant URL",
            url: shown_url(&url),
            reason: format!("it has a path (`{}`)", crate::textutil::clip(&path, 80)),
            help: "give only the portal's origin, e.g. https://contoso.us3.portal.cloudappsecurity.com".into(),
        });
    }
    Ok(url)
}

/// Reads every policy, page by page, as the raw objects the API returned.
pub fn fetch_policies(
    tenant: &str,
    http: &mut Http,
    auth: &mut Auth,
    observe: &mut dyn FnMut(Event),
) -> Result<Vec<Value>, LiveError> {
    let list = List {
        endpoint: POLICIES_ENDPOINT,
        noun: "policies",
        body: serde_json::Map::new(),
        max_items: MAX_POLICIES,
        check: None,
        get: false,
        identity: Identity::Id,
        total_may_grow: false,
    };
    let policies = fetch_list(tenant, &list, http, auth, observe)?;
    let problems = policy_problems(&policies);
    if !problems.is_empty() {
        return Err(LiveError::Shape {
            what: format!("POST {POLICIES_ENDPOINT}"),
            detail: problems.join("; "),
            help: "casguard needs a string `_id`, a `name` and a `policyType` on every policy; nothing was written. Report this with `casguard shape` output of a snapshot".into(),
        });
    }
    Ok(policies)
}

/// Why live policy objects cannot be read as policies, by index (from 0):
/// each needs a string `_id`, and a non-empty string `name` and
/// `policyType`. The one check for the API path and for snapshots, so a
/// file can never carry what the API would be refused for; such objects
/// are reported, never written as policy files. At most ten are named.
pub fn policy_problems(policies: &[Value]) -> Vec<String> {
    let text = |p: &Value, key: &str| {
        p.get(key)
            .and_then(Value::as_str)
            .is_some_and(|t| !t.trim().is_empty())
    };
    let mut problems: Vec<String> = policies
        .iter()
        .enumerate()
        .filter_map(|(index, policy)| {
            let Some(object) = policy.as_object() else {
                return Some(format!(
                    "policy #{index} (from 0) is {}, not an object",
                    crate::model::json_kind(policy)
                ));
            };
            let mut missing = Vec::new();
            if !object.get("_id").is_some_and(Value::is_string) {
                missing.push("no string `_id`");
            }
            if !text(policy, "name") {
                missing.push("no `name` string");
            }
            if !text(policy, "policyType") {
                missing.push("no `policyType` string");
            }
            (!missing.is_empty())
                .then(|| format!("policy #{index} (from 0) has {}", missing.join(", ")))
        })
        .collect();
    if problems.len() > 10 {
        let more = problems.len() - 10;
        problems.truncate(10);
        problems.push(format!("and {more} more"));
    }
    problems
}

/// One list endpoint to read in full: `POST endpoint` with `skip`/`limit`
/// plus `body` (filters, sorting).
pub struct List<'a> {
    pub endpoint: &'a str,
    /// What the items are, for progress and messages ("policies", "alerts").
    pub noun: &'static str,
    /// Extra body fields, e.g. `filters` and `sortField`.
    pub body: serde_json::Map<String, Value>,
    /// Past this many items paging is assumed broken.
    pub max_items: usize,
    /// Checks each item beyond its `_id` (e.g. that an alert lies in the
    /// window asked for): a server that ignores a filter must not pass for
    /// one that answered it.
    pub check: Option<&'a ItemCheck<'a>>,
    /// GET with `skip`/`limit` in the query instead of POST.
    pub get: bool,
    /// What tells two items apart.
    pub identity: Identity,
    /// `total` may grow between pages (a log written while it is read,
    /// sorted oldest first so new entries land at the end); it may never shrink.
    pub total_may_grow: bool,
}

/// What tells two listed items apart, so that a repeated one is dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Identity {
    /// A string `_id`, required (policies, alerts).
    Id,
    /// `_id` plus `updateTimestamp`: governance records are rewritten when
    /// they settle, and both versions may be listed.
    IdAndUpdate,
    /// `_id`, else `id`, else the whole item: resources whose shape is not
    /// verified must not fail for want of an `_id`.
    Loose,
}

/// A check of one listed item; the error says what is wrong with it.
pub type ItemCheck<'a> = dyn Fn(&Value) -> Result<(), String> + 'a;

/// Reads every item of `list`, page by page, checking the paging rather than
/// trusting it: repeated ids are dropped, and a page that brings nothing new,
/// a sequence that never ends or a count that disagrees with `total` is an
/// error, because a partial read must never pass for a complete one.
pub fn fetch_list(
    tenant: &str,
    list: &List<'_>,
    http: &mut Http,
    auth: &mut Auth,
    observe: &mut dyn FnMut(Event),
) -> Result<Vec<Value>, LiveError> {
    let paging_error = |detail: String| LiveError::Paging {
        endpoint: list.endpoint.to_string(),
        detail,
    };
    let mut items: Vec<Value> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut skip = 0usize;
    let mut expected_total: Option<usize> = None;
    for number in 1.. {
        let reply = request_page(tenant, list, number, skip, http, auth, observe)?;
        let what = format!(
            "{} {} (page {number})",
            if list.get { "GET" } else { "POST" },
            list.endpoint
        );
        let page = read_page(&reply, &what, list.noun)?;
        if let Some(total) = page.total {
            // A log written to while it is read grows; anything else must hold still.
            let moved = |t: usize| {
                if list.total_may_grow {
                    total < t
                } else {
                    t != total
                }
            };
            if let Some(previous) = expected_total.filter(|&t| moved(t)) {
                return Err(paging_error(format!("`total` changed between pages ({previous} then {total}): the {} changed during the read", list.noun)));
            }
            expected_total = Some(total);
        }
        let mut new = 0;
        for item in page.data {
            let id = match list.identity {
                Identity::Id => item_id(item, &what, list.noun)?.to_string(),
                Identity::IdAndUpdate => format!(
                    "{}@{}",
                    item_id(item, &what, list.noun)?,
                    item.get("updateTimestamp").unwrap_or(&Value::Null)
                ),
                Identity::Loose => loose_id(item),
            };
            if let Some(check) = list.check {
                check(item).map_err(|detail| paging_error(format!("page {number}: {detail}")))?;
            }
            if seen.insert(id) {
                items.push(item.clone());
                new += 1;
            }
        }
        observe(Event::Page {
            noun: list.noun,
            number,
            fetched: items.len(),
            total: expected_total,
        });
        // Without `hasNext` (the governance log), `total` says whether more
        // pages follow; without either, a full page does.
        let more = page.has_next.unwrap_or(match expected_total {
            Some(total) => items.len() < total && !page.data.is_empty(),
            None => page.data.len() >= PAGE_SIZE,
        });
        if !more {
            break;
        }
        progress_made(list, &page, number, skip, new, items.len(), expected_total)
            .map_err(paging_error)?;
        skip += page.data.len();
    }
    let short = |t: usize| {
        if list.total_may_grow {
            items.len() < t
        } else {
            items.len() != t
        }
    };
    if let Some(total) = expected_total.filter(|&t| short(t)) {
        return Err(paging_error(format!(
            "read {} distinct {} but `total` says {total}",
            items.len(),
            list.noun
        )));
    }
    Ok(items)
}

/// Why paging cannot go on after page `number` announced more: an empty
/// page, one that brought nothing new, or more items than can exist.
fn progress_made(
    list: &List<'_>,
    page: &Page<'_>,
    number: usize,
    skip: usize,
    new: usize,
    read: usize,
    expected_total: Option<usize>,
) -> Result<(), String> {
    if page.data.is_empty() {
        return Err(format!("page {number} is empty but `hasNext` is true"));
    }
    if new == 0 {
        return Err(format!(
            "page {number} (skip {skip}) repeats only {} already read; paging makes no progress",
            list.noun
        ));
    }
    let past_total = !list.total_may_grow && expected_total.is_some_and(|t| read > t);
    if read > list.max_items || past_total {
        return Err(format!(
            "pages never end: {read} {} read{}",
            list.noun,
            expected_total.map_or(String::new(), |t| format!(" but `total` is {t}"))
        ));
    }
    Ok(())
}

/// Asks for one page: GET with `skip`/`limit` in the query, or POST with
/// them in the body.
fn request_page(
    tenant: &str,
    list: &List<'_>,
    number: usize,
    skip: usize,
    http: &mut Http,
    auth: &mut Auth,
    observe: &mut dyn FnMut(Event),
) -> Result<Value, LiveError> {
    let url = format!("{tenant}{}", list.endpoint);
    if list.get {
        let what = format!("GET {} (page {number}, skip {skip})", list.endpoint);
        let separator = if url.contains('?') { '&' } else { '?' };
        let url = format!("{url}{separator}skip={skip}&limit={PAGE_SIZE}");
        http.get_json(&url, &what, auth, observe)
    } else {
        let what = format!("POST {} (page {number}, skip {skip})", list.endpoint);
        let mut body = list.body.clone();
        body.insert("skip".into(), json!(skip));
        body.insert("limit".into(), json!(PAGE_SIZE));
        http.post_json(&url, &Value::Object(body), &what, auth, observe)
    }
}

/// One page of a list reply.
struct Page<'v> {
    data: &'v [Value],
    has_next: Option<bool>,
    total: Option<usize>,
}

fn read_page<'v>(reply: &'v Value, what: &str, noun: &str) -> Result<Page<'v>, LiveError> {
    let data = reply
        .get("data")
        .and_then(Value::as_array)
        .ok_or_else(|| LiveError::Shape {
            what: what.to_string(),
            detail: format!("no `data` array of {noun} in the reply"),
            help:
                "check that the tenant URL points at the MDCA portal (…portal.cloudappsecurity.com)"
                    .into(),
        })?;
    Ok(Page {
        data,
        has_next: reply.get("hasNext").and_then(Value::as_bool),
        total: reply
            .get("total")
            .and_then(Value::as_u64)
            .map(|t| t as usize),
    })
}

/// `_id`, else `id`, else the item itself.
fn loose_id(item: &Value) -> String {
    ["_id", "id"]
        .iter()
        .find_map(|key| match item.get(*key)? {
            Value::String(text) => Some(text.clone()),
            Value::Number(number) => Some(number.to_string()),
            _ => None,
        })
        .unwrap_or_else(|| item.to_string())
}

/// What a server item holds, by key names only: its values may carry
/// anything, an echoed credential included, so messages never quote them.
fn shape_of(item: &Value) -> String {
    match item {
        Value::Object(map) if map.is_empty() => "no keys".into(),
        Value::Object(map) => {
            let keys: Vec<String> = map
                .keys()
                .take(10)
                .map(|k| format!("`{}`", crate::textutil::clip(k, 40)))
                .collect();
            let more = map.len().saturating_sub(10);
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            format!("keys {}{more}", keys.join(", "))
        }
        other => format!("{} instead of an object", crate::model::json_kind(other)),
    }
}

fn item_id<'v>(item: &'v Value, what: &str, noun: &str) -> Result<&'v str, LiveError> {
    item.get("_id")
        .and_then(Value::as_str)
        .ok_or_else(|| LiveError::Shape {
            what: what.to_string(),
            detail: format!(
                "one of the {noun} has no string `_id` (it has {})",
                shape_of(item)
            ),
            help: "casguard needs `_id` to tell items apart; report this with the -v output".into(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            validate_url("t", "https://contoso.us3.portal.cloudappsecurity.com/").unwrap(),
            "https://contoso.us3.portal.cloudappsecurity.com"
        );
        assert!(validate_url("t", "http://127.0.0.1:8080").is_ok());
        assert!(validate_url("t", "http://[::1]:8080").is_ok());
        assert!(validate_url("t", "http://contoso.example").is_err());
        assert!(validate_url("t", "https://user:pw@contoso.example").is_err());
        assert!(validate_url("t", "ftp://contoso.example").is_err());
        let env = |_: &str| None;
        assert!(matches!(
            tenant_url(None, &env, &TenantConfig::default()),
            Err(LiveError::NoTenant)
        ));
        assert!(tenant_url(
            Some("https://x.portal.cloudappsecurity.com/api/v1"),
            &env,
            &TenantConfig::default()
        )
        .is_err());
        let env = |k: &str| (k == "CASGUARD_TENANT_URL").then(|| "https://env.example".to_string());
        assert_eq!(
            tenant_url(None, &env, &TenantConfig::default()).unwrap(),
            "https://env.example"
        );
        assert_eq!(
            tenant_url(Some("https://flag.example"), &env, &TenantConfig::default()).unwrap(),
            "https://flag.example"
        );
    }
}
