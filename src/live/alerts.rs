//! Alerts as the MDCA API returns them: the one table of field names for the
//! alert resource, and the extraction of the columns casguard stores beside
//! each raw alert (mdca-ops.md 1.1). Parsing is tolerant: the fields of older
//! tenants (no `resolutionStatusValue`), strings where numbers are expected,
//! and the string `"null"` all read as what they mean; only an alert without
//! a string `_id` or a creation time is refused, since it cannot be stored
//! or placed in time.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use super::{Auth, Event, Http, List, LiveError};
use crate::model::AlertRecord;

/// The list endpoint (legacy API; `Token`, or Entra `Bearer` with `Investigation.read`).
pub const ALERTS_ENDPOINT: &str = "/api/v1/alerts/";
/// No tenant's archive comes near this in one read; past it, paging is assumed broken.
pub const MAX_ALERTS: usize = 5_000_000;

/// Which alerts to read (server-side filters, mdca-ops.md 1.1).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlertQuery {
    /// Created at or after (epoch ms).
    pub created_from_ms: Option<i64>,
    /// Created at or before (epoch ms).
    pub created_to_ms: Option<i64>,
    /// Only open alerts (`alertOpen`).
    pub open_only: bool,
    /// Only alerts resolved at or after (epoch ms), `resolutionDate`.
    pub resolved_from_ms: Option<i64>,
}

impl AlertQuery {
    /// The request body's `filters`.
    pub fn filters(&self) -> serde_json::Map<String, Value> {
        let mut filters = serde_json::Map::new();
        let mut date = serde_json::Map::new();
        if let Some(from) = self.created_from_ms {
            date.insert("gte".into(), Value::from(from));
        }
        if let Some(to) = self.created_to_ms {
            date.insert("lte".into(), Value::from(to));
        }
        if !date.is_empty() {
            filters.insert("date".into(), Value::Object(date));
        }
        if self.open_only {
            filters.insert("alertOpen".into(), serde_json::json!({"eq": true}));
        }
        if let Some(from) = self.resolved_from_ms {
            filters.insert("resolutionDate".into(), serde_json::json!({"gte": from}));
        }
        filters
    }
}

/// Reads every alert `query` selects, oldest first, as the raw objects the
/// API returned, with the same paging checks and retry rules as policies: a
/// partial read is an error, never "fewer alerts".
pub fn fetch_alerts(
    tenant: &str,
    query: &AlertQuery,
    http: &mut Http,
    auth: &mut Auth,
    observe: &mut dyn FnMut(Event),
) -> Result<Vec<Value>, LiveError> {
    let mut body = serde_json::Map::new();
    body.insert("filters".into(), Value::Object(query.filters()));
    body.insert("sortField".into(), Value::from("date"));
    body.insert("sortDirection".into(), Value::from("asc"));
    let in_window = |alert: &Value| -> Result<(), String> {
        let id = alert.get(field::ID).and_then(Value::as_str).unwrap_or("?");
        let created = alert
            .get(field::CREATED)
            .and_then(epoch_ms)
            .ok_or_else(|| format!("alert {id} has no creation time (`timestamp`)"))?;
        let before = query.created_from_ms.is_some_and(|from| created < from);
        let after = query.created_to_ms.is_some_and(|to| created > to);
        if before || after {
            return Err(format!(
                "alert {id} was created outside the window asked for: the server ignored the `date` filter"
            ));
        }
        Ok(())
    };
    let list = List {
        endpoint: ALERTS_ENDPOINT,
        noun: "alerts",
        body,
        max_items: MAX_ALERTS,
        check: Some(&in_window),
        get: false,
        identity: super::Identity::Id,
        total_may_grow: false,
    };
    super::fetch_list(tenant, &list, http, auth, observe)
}

/// Live field names of the alert resource, in one place.
pub mod field {
    pub const ID: &str = "_id";
    pub const CREATED: &str = "timestamp";
    pub const TITLE: &str = "title";
    pub const ENTITIES: &str = "entities";
    pub const POLICY: &str = "policy";
    pub const SEVERITY: &str = "severityValue";
    pub const STATUS: &str = "statusValue";
    pub const RESOLUTION: &str = "resolutionStatusValue";
    pub const RESOLVE_TIME: &str = "resolveTime";
    pub const STORIES: &str = "stories";
    pub const SYSTEM: &str = "isSystemAlert";
    /// Entity `type` values.
    pub const POLICY_ENTITY: &str = "policyRule";
    pub const SERVICE_ENTITY: &str = "service";
}

/// Shares one allocation among the many alerts that name the same policy,
/// title or app.
#[derive(Debug, Default)]
pub struct Interner(HashMap<Box<str>, Arc<str>>);

impl Interner {
    pub fn get(&mut self, text: &str) -> Arc<str> {
        if let Some(found) = self.0.get(text) {
            return found.clone();
        }
        let shared: Arc<str> = Arc::from(text);
        self.0.insert(Box::from(text), shared.clone());
        shared
    }
}

/// The stored columns of one raw alert, or why it cannot be stored.
pub fn extract(raw: &Value, interner: &mut Interner) -> Result<AlertRecord, String> {
    let object = raw.as_object().ok_or("not a JSON object")?;
    let id = object
        .get(field::ID)
        .and_then(Value::as_str)
        .filter(|id| !id.trim().is_empty())
        .ok_or("no string `_id`")?;
    let timestamp_ms = object
        .get(field::CREATED)
        .and_then(epoch_ms)
        .ok_or("no creation time (`timestamp`)")?;
    let entity = |kind: &str| {
        object
            .get(field::ENTITIES)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|e| e.get("type").and_then(Value::as_str) == Some(kind))
    };
    let policy_id = entity(field::POLICY_ENTITY)
        .or_else(|| object.get(field::POLICY))
        .and_then(|p| p.get("id"))
        .and_then(text)
        .map(|id| interner.get(&id.to_ascii_lowercase()));
    let service = entity(field::SERVICE_ENTITY)
        .and_then(|s| s.get("label"))
        .and_then(text)
        .map(|label| interner.get(&label));
    let title = object.get(field::TITLE).and_then(text).unwrap_or_default();
    Ok(AlertRecord {
        id: Box::from(id.trim()),
        policy_id,
        title: interner.get(title.trim()),
        service,
        timestamp_ms,
        resolve_time_ms: object.get(field::RESOLVE_TIME).and_then(epoch_ms),
        severity: object.get(field::SEVERITY).and_then(small),
        status: object.get(field::STATUS).and_then(small),
        resolution: object.get(field::RESOLUTION).and_then(small),
        story: object
            .get(field::STORIES)
            .and_then(Value::as_array)
            .and_then(|s| s.first())
            .and_then(small),
        is_system: object.get(field::SYSTEM).is_some_and(truthy),
    })
}

/// A string, or a number as text; `""` and `"null"` are absent.
fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if s.trim().is_empty() || s.trim() == "null" => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A small code (0-255), from a number or a numeric string.
fn small(value: &Value) -> Option<u8> {
    match value {
        Value::Number(n) => n.as_u64().and_then(|n| u8::try_from(n).ok()),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn truthy(value: &Value) -> bool {
    match value {
        Value::Bool(b) => *b,
        Value::String(s) => s.trim().eq_ignore_ascii_case("true"),
        Value::Number(n) => n.as_i64() == Some(1),
        _ => false,
    }
}

/// A time: epoch milliseconds (a number or numeric string; small values are
/// seconds) or an ISO 8601 / RFC 3339 string.
pub fn epoch_ms(value: &Value) -> Option<i64> {
    let from_number = |ms: f64| {
        let ms = if ms.abs() < 1.0e11 { ms * 1000.0 } else { ms };
        ms.is_finite().then_some(ms as i64)
    };
    match value {
        Value::Number(n) => from_number(n.as_f64()?),
        Value::String(s) => {
            let s = s.trim();
            if let Ok(n) = s.parse::<f64>() {
                return from_number(n);
            }
            s.parse::<jiff::Timestamp>()
                .ok()
                .map(|t| t.as_millisecond())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Real samples (copied from shared/samples/ops, see tests/fixtures/alerts/README.md).
    fn sample(name: &str) -> Value {
        let path = format!(
            "{}/tests/fixtures/alerts/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[test]
    fn the_docs_sample_is_open_despite_its_resolve_time() {
        let mut interner = Interner::default();
        let alert = extract(&sample("mdca-alert.get.docs.json"), &mut interner).unwrap();
        assert_eq!(alert.policy_id.as_deref(), Some("5bfd18bfab73c36ba10d38ca"));
        assert_eq!(alert.service.as_deref(), Some("Active Directory"));
        assert_eq!(alert.resolution, Some(0));
        assert!(alert.is_open() && !alert.is_closed());
        // resolveTime (2021-05-13) is before creation (2021-05-25): kept as read.
        assert!(alert.resolve_time_ms.unwrap() < alert.timestamp_ms);
        assert_eq!(
            (alert.severity, alert.status, alert.story),
            (Some(1), Some(1), Some(0))
        );
    }

    #[test]
    fn the_xsoar_sample_has_no_resolution_and_string_nulls() {
        let mut interner = Interner::default();
        let alert = extract(&sample("mdca-alert.get.xsoar.json"), &mut interner).unwrap();
        assert_eq!(alert.policy_id.as_deref(), Some("5f01dce13de79160fbec4150"));
        assert_eq!(alert.resolution, None);
        assert!(!alert.is_open() && !alert.is_closed());
        assert_eq!(&*alert.title, "block png files");
    }

    #[test]
    fn queries_become_documented_filters() {
        let query = AlertQuery {
            created_from_ms: Some(1),
            created_to_ms: Some(2),
            open_only: true,
            resolved_from_ms: Some(3),
        };
        assert_eq!(
            Value::Object(query.filters()),
            serde_json::json!({"date": {"gte": 1, "lte": 2}, "alertOpen": {"eq": true}, "resolutionDate": {"gte": 3}})
        );
        assert!(AlertQuery::default().filters().is_empty());
    }

    #[test]
    fn odd_shapes_are_tolerated_or_refused_with_a_reason() {
        let mut interner = Interner::default();
        let alert = extract(
            &serde_json::json!({"_id": "a", "timestamp": "1700000000", "severityValue": "2",
                "isSystemAlert": "true", "resolveTime": "null", "policy": {"id": "ABC"}}),
            &mut interner,
        )
        .unwrap();
        assert_eq!(alert.timestamp_ms, 1_700_000_000_000);
        assert_eq!(alert.severity, Some(2));
        assert!(alert.is_system);
        assert_eq!(alert.resolve_time_ms, None);
        assert_eq!(alert.policy_id.as_deref(), Some("abc"));
        assert!(extract(&serde_json::json!({"timestamp": 1}), &mut interner)
            .unwrap_err()
            .contains("_id"));
        assert!(extract(&serde_json::json!({"_id": "x"}), &mut interner)
            .unwrap_err()
            .contains("creation time"));
        assert!(extract(&serde_json::json!([1]), &mut interner).is_err());
    }
}
