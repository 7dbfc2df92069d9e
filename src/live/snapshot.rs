//! Snapshots: the live state as read, in a versioned JSON document, so that
//! every command can run offline and replay exactly. Format 2:
//! `format_version`, `tenant`, `fetched_at`, `source`, `policies` (the raw
//! policy objects, as in format 1) and `resources`: one entry per resource
//! read (`policies`, `alerts`, the ops resources), each with its fetch
//! `status` (`ok`, `unavailable` with a `detail`), the `endpoint` it came
//! from and its raw `items`. A resource that was not asked for is absent, so
//! a snapshot taken with `--resources ops` cannot pass for a tenant without
//! policies.
//!
//! Reading also accepts format 1 (policies only) and what people already
//! have: a raw dump of the policies endpoint (`{"data": [...]}`) or a bare
//! array, as the MCAS PowerShell module and portal exports save them.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::error::LiveError;

pub const FORMAT_VERSION: u64 = 2;

/// The resource name of the policies, whose items live in `Snapshot::policies`.
pub const POLICIES: &str = "policies";

/// How reading one resource ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResourceStatus {
    /// Read in full.
    Ok,
    /// Not read, for a reason that is not a failure (no Graph credentials).
    Unavailable,
    /// Reading failed; only `ops` keeps such a snapshot (in its history).
    Error,
}

/// One resource as read: its raw items and how the read went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    pub status: ResourceStatus,
    /// Why it is unavailable or failed (never a secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// `GET /api/v1/...` or `GET https://graph.microsoft.com/...`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// The raw objects, exactly as the API returned them (the policies'
    /// are in `Snapshot::policies`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<Value>,
}

impl Resource {
    pub fn ok(endpoint: impl Into<String>, items: Vec<Value>) -> Resource {
        Resource {
            status: ResourceStatus::Ok,
            detail: None,
            endpoint: Some(endpoint.into()),
            items,
        }
    }

    pub fn unavailable(detail: impl Into<String>) -> Resource {
        Resource {
            status: ResourceStatus::Unavailable,
            detail: Some(detail.into()),
            endpoint: None,
            items: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub format_version: u64,
    /// Tenant URL (never credentials); `None` for raw dumps.
    pub tenant: Option<String>,
    /// RFC 3339 UTC; `None` for raw dumps.
    pub fetched_at: Option<String>,
    /// How it was obtained: `{"kind": "api", ...}` or `{"kind": "import", ...}`.
    pub source: Value,
    /// The policies exactly as the API returned them (empty when they were
    /// not read: see `has_policies`).
    pub policies: Vec<Value>,
    /// Every resource read, by name, with its status.
    #[serde(default)]
    pub resources: BTreeMap<String, Resource>,
}

impl Snapshot {
    /// Whether the policies were read (always, before format 2).
    pub fn has_policies(&self) -> bool {
        self.resources
            .get(POLICIES)
            .is_some_and(|r| r.status == ResourceStatus::Ok)
    }

    /// The resource `name`, when it was read successfully.
    pub fn resource(&self, name: &str) -> Option<&Resource> {
        self.resources.get(name)
    }

    /// The resources of a format-1 snapshot or a raw dump: the policies.
    fn policies_only() -> BTreeMap<String, Resource> {
        let mut resources = BTreeMap::new();
        resources.insert(
            POLICIES.to_string(),
            Resource {
                status: ResourceStatus::Ok,
                detail: None,
                endpoint: None,
                items: Vec::new(),
            },
        );
        resources
    }

    /// Serialized with two-space indentation and a final newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("snapshot serializes");
        text.push('\n');
        text
    }

    /// Writes atomically: on error, an existing file is left as it was.
    pub fn write(&self, path: &Path) -> Result<(), LiveError> {
        crate::fsutil::write_atomic(path, self.to_json().as_bytes()).map_err(|e| {
            LiveError::WriteSnapshot {
                path: path.display().to_string(),
                detail: e.to_string(),
            }
        })
    }

    /// Reads a casguard snapshot, a raw `{"data": [...]}` dump, or a bare array.
    pub fn read(path: &Path) -> Result<Snapshot, LiveError> {
        Snapshot::read_as(path, &path.display().to_string())
    }

    /// `read`, naming the file `display` in errors.
    pub fn read_as(path: &Path, display: &str) -> Result<Snapshot, LiveError> {
        let bytes = std::fs::read(path).map_err(|e| LiveError::ReadSnapshot {
            path: display.to_string(),
            detail: e.to_string(),
            help: "check the path given to --snapshot".into(),
        })?;
        Snapshot::parse(&bytes, display)
    }

    /// A snapshot from the bytes of file `display`.
    pub fn parse(bytes: &[u8], display: &str) -> Result<Snapshot, LiveError> {
        let display = display.to_string();
        let fail = |detail: String, help: &str| LiveError::ReadSnapshot {
            path: display.clone(),
            detail,
            help: help.to_string(),
        };
        let value: Value = serde_json::from_slice(bytes).map_err(|e| {
            fail(
                format!("not valid JSON (line {}, column {}): {e}", e.line(), e.column()),
                "a snapshot is written by `casguard fetch --out FILE`; a truncated file cannot be used",
            )
        })?;
        Snapshot::from_value(value, &display).map_err(|detail| {
            fail(
                detail,
                "expected a casguard snapshot, a `{\"data\": [...]}` dump of /cas/api/v1/policies/, or a JSON array of policies",
            )
        })
    }

    /// Interprets an already-parsed document.
    pub fn from_value(value: Value, origin: &str) -> Result<Snapshot, String> {
        let imported = |policies: Vec<Value>, form: &str| Snapshot {
            format_version: FORMAT_VERSION,
            tenant: None,
            fetched_at: None,
            source: serde_json::json!({"kind": "import", "form": form, "file": origin}),
            policies,
            resources: Snapshot::policies_only(),
        };
        let snapshot = match value {
            Value::Array(items) => imported(items, "array"),
            Value::Object(mut object) if object.contains_key("format_version") => {
                let version = object
                    .get("format_version")
                    .and_then(Value::as_u64)
                    .ok_or("`format_version` is not a number")?;
                if version > FORMAT_VERSION {
                    return Err(format!("snapshot format {version} is newer than this casguard understands ({FORMAT_VERSION}); upgrade casguard"));
                }
                let policies = match object.remove("policies") {
                    Some(Value::Array(items)) => items,
                    None if version >= 2 => Vec::new(),
                    _ => return Err("`policies` is missing or not an array".into()),
                };
                let resources = match object.remove("resources") {
                    None if version < 2 => Snapshot::policies_only(),
                    None => BTreeMap::new(),
                    Some(value) => serde_json::from_value(value)
                        .map_err(|e| format!("`resources` is not readable: {e}"))?,
                };
                let text = |object: &Map<String, Value>, key: &str| {
                    object.get(key).and_then(Value::as_str).map(str::to_string)
                };
                Snapshot {
                    format_version: version,
                    tenant: text(&object, "tenant"),
                    fetched_at: text(&object, "fetched_at"),
                    source: object.remove("source").unwrap_or(Value::Null),
                    policies,
                    resources,
                }
            }
            Value::Object(mut object) if object.contains_key("data") => match object.remove("data")
            {
                Some(Value::Array(items)) => imported(items, "data"),
                _ => return Err("`data` is not an array".into()),
            },
            _ => return Err("neither a snapshot, a `{\"data\": [...]}` dump, nor an array".into()),
        };
        if let Some(index) = snapshot.policies.iter().position(|p| !p.is_object()) {
            return Err(format!("policy #{index} is not a JSON object"));
        }
        Ok(snapshot)
    }
}

/// Every dated snapshot in `dir` that holds policies, as (fetched_at,
/// policies), for live "observed since" dates. Files that are not snapshots
/// are skipped.
pub fn read_history(dir: &Path) -> Result<Vec<(String, Vec<Value>)>, LiveError> {
    let entries = std::fs::read_dir(dir).map_err(|e| LiveError::ReadSnapshot {
        path: dir.display().to_string(),
        detail: e.to_string(),
        help: "check the history folder (`--history` or `history_dir` under [review])".into(),
    })?;
    let mut history = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "json") {
            if let Ok(snapshot) = Snapshot::read(&path) {
                match snapshot.fetched_at {
                    Some(at) if snapshot.has_policies() => history.push((at, snapshot.policies)),
                    _ => {}
                }
            }
        }
    }
    history.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(history)
}

impl Snapshot {
    /// Keeps a copy in `dir` named after `fetched_at`, else `now` (creating `dir`).
    pub fn keep_in_history(
        &self,
        dir: &Path,
        now: jiff::Timestamp,
    ) -> Result<std::path::PathBuf, LiveError> {
        let stamp = self
            .fetched_at
            .clone()
            .unwrap_or_else(|| now.to_string())
            .replace(':', "-");
        std::fs::create_dir_all(dir).map_err(|e| LiveError::WriteSnapshot {
            path: dir.display().to_string(),
            detail: e.to_string(),
        })?;
        let path = dir.join(format!("snapshot-{stamp}.json"));
        self.write(&path)?;
        Ok(path)
    }
}

/// The dated snapshots in `dir`, oldest first, as (fetched_at, path), read
/// only as far as their dates: callers open the ones they need.
pub fn history_files(dir: &Path) -> Vec<(String, std::path::PathBuf)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<(String, std::path::PathBuf)> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .filter_map(|path| {
            // Only the date: the rest of the document is skipped, not built.
            #[derive(Deserialize)]
            struct Stamp {
                fetched_at: Option<String>,
            }
            let bytes = std::fs::read(&path).ok()?;
            let stamp: Stamp = serde_json::from_slice(&bytes).ok()?;
            Some((stamp.fetched_at?, path))
        })
        .collect();
    files.sort();
    files
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn accepts_every_form() {
        let policy = json!({"_id": "5f01dce13de79160fbec4150", "name": "x"});
        let v1 = json!({"format_version": 1, "tenant": "https://t", "fetched_at": "2026-11-22T00:00:00Z", "source": {"kind": "api"}, "policies": [policy]});
        let snap = Snapshot::from_value(v1, "a.json").unwrap();
        assert_eq!(snap.tenant.as_deref(), Some("https://t"));
        assert_eq!(
            Snapshot::from_value(json!({"data": [policy], "hasNext": false}), "b")
                .unwrap()
                .policies
                .len(),
            1
        );
        assert_eq!(
            Snapshot::from_value(json!([policy]), "c").unwrap().source["form"],
            "array"
        );
        assert!(
            Snapshot::from_value(json!({"format_version": 3, "policies": []}), "d")
                .unwrap_err()
                .contains("newer")
        );
        assert!(Snapshot::from_value(json!([1]), "e")
            .unwrap_err()
            .contains("not a JSON object"));
        assert!(Snapshot::from_value(json!({"x": 1}), "f").is_err());
    }

    #[test]
    fn round_trips_through_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        let snap = Snapshot {
            resources: Snapshot::policies_only(),
            format_version: 2,
            tenant: Some("https://t".into()),
            fetched_at: Some("2026-11-22T00:00:00Z".into()),
            source: json!({"kind": "api"}),
            policies: vec![
                json!({"_id": "1", "severity": 2, "lastModified": 1607952165309.8032_f64, "z": null, "a": [3, 1]}),
            ],
        };
        snap.write(&path).unwrap();
        assert_eq!(Snapshot::read(&path).unwrap(), snap);
        std::fs::write(&path, "{\"format_version\": 1, \"policies\": [").unwrap();
        assert!(matches!(
            Snapshot::read(&path),
            Err(LiveError::ReadSnapshot { .. })
        ));
    }
}
