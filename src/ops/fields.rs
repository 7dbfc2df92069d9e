//! The one table of field names per ops resource. Several resources have
//! never been captured from a live tenant (mdca-ops.md section 4: log
//! collectors, SIEM agents, API tokens, governance records), so each concept
//! lists the names it may go by, most likely first, and says whether the
//! name is verified. When a tenant's real shapes are known, they are
//! corrected here and nowhere else.
//!
//! A check asks `Reader::need` for the concepts it cannot work without: if
//! no item of the resource has any of the names, the check reports itself as
//! unavailable ("field X not found"), never a false finding.

use serde_json::Value;

/// A concept a check reads, and the names (dotted paths) it may go by.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub concept: &'static str,
    pub names: &'static [&'static str],
    /// Seen in a real reply or a production client (mdca-ops.md [V]).
    pub verified: bool,
}

const fn field(concept: &'static str, names: &'static [&'static str], verified: bool) -> Field {
    Field {
        concept,
        names,
        verified,
    }
}

pub mod connector {
    use super::{field, Field};
    pub const NAME: Field = field("name", &["appName", "name", "displayName"], true);
    pub const INSTANCE: Field = field("instance", &["instanceName"], true);
    pub const API_ENABLED: Field = field("API enabled", &["api.isEnabled"], true);
    pub const API_CONNECTED: Field = field("API connected", &["api.isConnected"], true);
    pub const API_LAST_CONNECTED: Field = field("API last connected", &["api.lastConnected"], true);
    pub const PROXY_CONFIGURED: Field = field("proxy configured", &["proxy.isConfigured"], true);
    pub const PROXY_CONNECTED: Field = field("proxy connected", &["proxy.isConnected"], true);
    pub const PROXY_SUSPENDED: Field = field("proxy suspended", &["proxy.isSuspended"], true);
}

pub mod stream {
    use super::{field, Field};
    pub const ID: Field = field("id", &["_id", "id"], true);
    pub const NAME: Field = field("name", &["displayName", "name"], true);
    pub const LAST_DATA: Field = field(
        "last data received",
        &["lastDataReceived", "lastDataReceivedDateTime"],
        true,
    );
    /// 1 INPUT, 3 VIEW, 5 PREVIEW: only input streams receive logs.
    pub const TYPE: Field = field("stream type", &["streamType"], true);
    pub const FAILS: Field = field("failed log files", &["logFilesFailsCount"], true);
}

pub mod collector {
    use super::{field, Field};
    pub const NAME: Field = field("name", &["name", "displayName"], false);
    pub const STATUS: Field = field(
        "status",
        &["status", "state", "statusDisplay", "connectionStatus"],
        false,
    );
}

pub mod siem {
    use super::{field, Field};
    pub const NAME: Field = field("name", &["displayName", "name"], false);
    pub const LAST_SEEN: Field = field(
        "last seen",
        &[
            "lastSeen",
            "lastConnected",
            "lastHeartbeat",
            "lastSeenTime",
            "lastUpdated",
        ],
        false,
    );
    pub const STATUS: Field = field("status", &["status", "state", "statusDisplay"], false);
}

pub mod token {
    use super::{field, Field};
    pub const NAME: Field = field("name", &["name", "tokenName", "displayName"], false);
    /// `created` is the portal's sort field, so it exists [V].
    pub const CREATED: Field = field("created", &["created", "createdTime", "creationDate"], true);
    pub const LAST_USED: Field = field(
        "last used",
        &[
            "lastUsed",
            "lastUsedTime",
            "lastAccessed",
            "lastUsedDate",
            "lastSeen",
        ],
        false,
    );
    /// Generated / Active / Inactive in the portal.
    pub const STATUS: Field = field("status", &["status", "state"], false);
    pub const OWNER: Field = field(
        "owner",
        &["username", "userName", "createdBy", "user"],
        false,
    );
}

pub mod governance {
    use super::{field, Field};
    pub const ID: Field = field("id", &["_id"], true);
    pub const TASK: Field = field("task", &["taskName"], true);
    pub const TIME: Field = field("time", &["timestamp"], true);
    pub const UPDATED: Field = field("update time", &["updateTimestamp"], true);
    /// Absent while the task is pending.
    pub const STATUS: Field = field("status", &["status"], true);
    pub const SUCCESS: Field = field("success", &["status.isSuccess"], true);
    pub const TEMPLATE: Field = field("result", &["status.templateMessage.template"], true);
    pub const DATA_SOURCE: Field = field(
        "data source",
        &["status.templateMessage.parameters.dataSource"],
        true,
    );
    pub const STREAM: Field = field("stream", &["inputStreamId"], true);
    pub const APP: Field = field("app", &["appName", "appId"], true);
}

pub mod alert {
    use super::{field, Field};
    pub const SYSTEM: Field = field("system alert flag", &["isSystemAlert"], true);
    pub const CREATED: Field = field("creation time", &["timestamp"], true);
    pub const RESOLUTION: Field = field("resolution", &["resolutionStatusValue"], true);
    pub const TITLE: Field = field("title", &["title"], true);
}

pub mod score {
    use super::{field, Field};
    pub const CONTROLS: Field = field("control scores", &["controlScores"], true);
    pub const CONTROL: Field = field("control name", &["controlName"], true);
    pub const POINTS: Field = field("score", &["score"], true);
    pub const PERCENT: Field = field("score in percent", &["scoreInPercentage"], true);
    pub const PROFILE_ID: Field = field("id", &["id"], true);
    pub const SERVICE: Field = field("service", &["service"], true);
    pub const MAX: Field = field("max score", &["maxScore"], true);
    pub const DEPRECATED: Field = field("deprecated", &["deprecated"], true);
}

pub mod message {
    use super::{field, Field};
    pub const ID: Field = field("id", &["id"], true);
    pub const TITLE: Field = field("title", &["title"], true);
    /// The MDCA service's name in this list is not verified.
    pub const SERVICES: Field = field("services", &["services"], true);
    pub const MODIFIED: Field = field("last modified", &["lastModifiedDateTime"], true);
    pub const ACTION_BY: Field = field("action required by", &["actionRequiredByDateTime"], true);
}

/// Every resource's table, with the check that reads it: the shape report
/// (`casguard shape`) says which fields casguard reads and which it cannot find.
/// Entries are (resource, path prefix of the items read, checks, fields).
pub const TABLES: &[(&str, &str, &str, &[Field])] = &[
    (
        "app_connectors",
        "",
        "app_connectors, conditional_access_apps",
        &[
            connector::NAME,
            connector::INSTANCE,
            connector::API_ENABLED,
            connector::API_CONNECTED,
            connector::API_LAST_CONNECTED,
            connector::PROXY_CONFIGURED,
            connector::PROXY_CONNECTED,
            connector::PROXY_SUSPENDED,
        ],
    ),
    (
        "discovery_streams",
        "",
        "log_upload",
        &[
            stream::ID,
            stream::NAME,
            stream::LAST_DATA,
            stream::TYPE,
            stream::FAILS,
        ],
    ),
    (
        "log_collectors",
        "",
        "log_upload",
        &[collector::NAME, collector::STATUS],
    ),
    (
        "siem_agents",
        "",
        "siem_agents",
        &[siem::NAME, siem::LAST_SEEN, siem::STATUS],
    ),
    (
        "api_tokens",
        "",
        "api_tokens",
        &[
            token::NAME,
            token::CREATED,
            token::LAST_USED,
            token::STATUS,
            token::OWNER,
        ],
    ),
    (
        "governance",
        "",
        "governance, log_upload",
        &[
            governance::ID,
            governance::TASK,
            governance::TIME,
            governance::UPDATED,
            governance::STATUS,
            governance::SUCCESS,
            governance::TEMPLATE,
            governance::DATA_SOURCE,
            governance::STREAM,
            governance::APP,
        ],
    ),
    ("secure_scores", "", "secure_score", &[score::CONTROLS]),
    (
        "secure_scores",
        "controlScores[]",
        "secure_score",
        &[score::CONTROL, score::POINTS, score::PERCENT],
    ),
    (
        "secure_score_profiles",
        "",
        "secure_score",
        &[
            score::PROFILE_ID,
            score::SERVICE,
            score::MAX,
            score::DEPRECATED,
        ],
    ),
    (
        "message_center",
        "",
        "message_center",
        &[
            message::ID,
            message::TITLE,
            message::SERVICES,
            message::MODIFIED,
            message::ACTION_BY,
        ],
    ),
];

/// The first non-null value under any of `field`'s names.
pub fn get<'v>(item: &'v Value, field: &Field) -> Option<&'v Value> {
    field
        .names
        .iter()
        .filter_map(|name| {
            name.split('.')
                .try_fold(item, |value, part| value.get(part))
        })
        .find(|value| !value.is_null())
}

/// Whether any of `field`'s names is present on `item`, even as `null`.
pub fn present(item: &Value, field: &Field) -> bool {
    field.names.iter().any(|name| {
        name.split('.')
            .try_fold(item, |value, part| value.get(part))
            .is_some()
    })
}

/// Reads one resource's items through the table, remembering what it could
/// not find.
pub struct Reader<'a> {
    pub resource: &'static str,
    pub items: &'a [Value],
}

impl<'a> Reader<'a> {
    pub fn new(resource: &'static str, items: &'a [Value]) -> Reader<'a> {
        Reader { resource, items }
    }

    /// `Err("unavailable: field ...")` when there are items and none has
    /// `field` under any of its names.
    pub fn need(&self, field: &Field) -> Result<(), String> {
        if self.items.is_empty() || self.items.iter().any(|item| present(item, field)) {
            return Ok(());
        }
        Err(missing(self.resource, field))
    }

    /// Like `need`, for a check that can use either of two fields.
    pub fn need_either(&self, a: &Field, b: &Field) -> Result<(), String> {
        match (self.need(a), self.need(b)) {
            (Err(first), Err(_)) => Err(format!("{first}, nor {}", b.names.join(", "))),
            _ => Ok(()),
        }
    }

    /// Items lacking `field`, as a note, when some have it and some do not.
    pub fn gaps(&self, field: &Field) -> Option<String> {
        let lacking = self
            .items
            .iter()
            .filter(|item| get(item, field).is_none())
            .count();
        (lacking > 0).then(|| {
            format!(
                "{lacking} of {} {} have no {} ({})",
                self.items.len(),
                self.resource.replace('_', " "),
                field.concept,
                field.names.join(", ")
            )
        })
    }
}

/// "field `status` not found in log_collectors (tried status, state, ...)".
pub fn missing(resource: &str, field: &Field) -> String {
    let verified = if field.verified {
        ""
    } else {
        "; these names are guesses, please report the real ones"
    };
    format!(
        "field {} not found in {resource} (tried {}{verified})",
        field.concept,
        field.names.join(", ")
    )
}

/// Times outside 1970-2200 are not times a tenant records: treated as absent,
/// which also keeps every age computed from them free of overflow.
const LATEST_MS: i64 = 7_258_118_400_000;

/// A time given as epoch milliseconds (number or digits) or RFC 3339 text.
pub fn time_ms(value: &Value) -> Option<i64> {
    raw_time_ms(value).filter(|ms| (0..=LATEST_MS).contains(ms))
}

/// Below this, a number is epoch seconds (before 1973 in milliseconds), as
/// `live::alerts::epoch_ms` reads alert times: unverified resources may use either.
const SECONDS_BELOW: i64 = 100_000_000_000;

fn raw_time_ms(value: &Value) -> Option<i64> {
    let scaled = |n: i64| {
        if n.unsigned_abs() < SECONDS_BELOW as u64 {
            n.saturating_mul(1000)
        } else {
            n
        }
    };
    match value {
        Value::Number(number) => number
            .as_i64()
            .or_else(|| number.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
            .map(scaled),
        Value::String(text) => {
            let text = text.trim();
            if let Ok(n) = text.parse::<i64>() {
                return Some(scaled(n));
            }
            text.parse::<jiff::Timestamp>()
                .ok()
                .map(|t| t.as_millisecond())
        }
        _ => None,
    }
}

/// A boolean, also from the strings "true" / "false" (Secure Score's `on`).
pub fn boolean(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(text) => match text.trim().to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
        Value::Number(n) => n.as_i64().map(|n| n != 0),
        _ => None,
    }
}

/// A number, also from a numeric string.
pub fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
    .filter(|f: &f64| f.is_finite())
}

/// Text, also from a number (ids).
pub fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_through_the_table() {
        let item = json!({"api": {"isConnected": false, "lastConnected": 1773702127907_i64}, "appName": "Microsoft 365", "name": null});
        assert_eq!(get(&item, &connector::API_CONNECTED), Some(&json!(false)));
        assert_eq!(get(&item, &connector::NAME), Some(&json!("Microsoft 365")));
        assert!(present(&item, &connector::API_LAST_CONNECTED));
        let reader = Reader::new("log_collectors", std::slice::from_ref(&item));
        let error = reader.need(&collector::STATUS).unwrap_err();
        assert!(
            error.contains("field status not found in log_collectors"),
            "{error}"
        );
        assert!(error.contains("guesses"));
        assert!(Reader::new("x", &[]).need(&collector::STATUS).is_ok());
    }

    #[test]
    fn times_and_values() {
        assert_eq!(time_ms(&json!(1609853011480_i64)), Some(1609853011480));
        assert_eq!(time_ms(&json!("1609853011480")), Some(1609853011480));
        assert_eq!(
            time_ms(&json!("2020-12-18T06:33:32.908Z")),
            Some(1608273212908)
        );
        assert_eq!(time_ms(&json!("yesterday")), None);
        assert_eq!(time_ms(&json!(-1)), None);
        assert_eq!(time_ms(&json!(1e300)), None);
        assert_eq!(time_ms(&json!(i64::MIN)), None);
        assert_eq!(boolean(&json!("false")), Some(false));
        assert_eq!(number(&json!("3.5")), Some(3.5));
        assert_eq!(number(&json!("NaN")), None);
        assert_eq!(number(&json!("-inf")), None);
        assert_eq!(time_ms(&json!(1_609_853_011)), Some(1_609_853_011_000));
    }
}
