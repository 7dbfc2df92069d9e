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
//! have: a raw dump of the policies endpoint (`{"data": [...]}`), a bare
//! array or a single policy object, as the MCAS PowerShell module and
//! portal exports save them, in UTF-8 (with or without a BOM) or UTF-16
//! (Windows PowerShell's `Out-File`). Every policy passes the same check as
//! on the API path (`live::policy_problems`), and a PowerShell export cut at
//! `ConvertTo-Json`'s default depth is recognised and refused.

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
        Snapshot::parse(&read_bytes(path, display)?, display)
    }

    /// `read_as` without checking the policies: for `casguard shape`, which
    /// describes whatever a file holds (and says what would be refused).
    pub fn read_unchecked(path: &Path, display: &str) -> Result<Snapshot, LiveError> {
        Snapshot::decode(&read_bytes(path, display)?, display)
    }

    /// A snapshot from the bytes of file `display`, every policy checked.
    pub fn parse(bytes: &[u8], display: &str) -> Result<Snapshot, LiveError> {
        let snapshot = Snapshot::decode(bytes, display)?;
        let fail = |detail: String, help: &str| LiveError::ReadSnapshot {
            path: display.to_string(),
            detail,
            help: help.to_string(),
        };
        if let Some(detail) = powershell_truncation(&snapshot.policies) {
            return Err(fail(detail, "export it again with a deeper `ConvertTo-Json -Depth 20` (its default depth is 2), e.g. `... | ConvertTo-Json -Depth 20 | Out-File -Encoding utf8 policies.json`"));
        }
        let problems = super::policy_problems(&snapshot.policies);
        if !problems.is_empty() {
            return Err(fail(
                problems.join("; "),
                "each policy needs a string `_id`, a `name` and a `policyType`, as the API returns them; fix or remove those objects (casguard does not write them as policy files)",
            ));
        }
        Ok(snapshot)
    }

    /// The document in `bytes`, decoded and interpreted, policies unchecked.
    fn decode(bytes: &[u8], display: &str) -> Result<Snapshot, LiveError> {
        let display = display.to_string();
        let fail = |detail: String, help: &str| LiveError::ReadSnapshot {
            path: display.clone(),
            detail,
            help: help.to_string(),
        };
        let text = crate::textutil::decode_text(bytes).map_err(|detail| {
            fail(
                detail,
                "save the file as UTF-8 (PowerShell: `Out-File -Encoding utf8`), or export it again",
            )
        })?;
        let value: Value = serde_json::from_str(&text).map_err(|e| {
            let (detail, help) = crate::textutil::describe_json_error(&e);
            fail(detail, help)
        })?;
        Snapshot::from_value(value, &display).map_err(|detail| {
            fail(
                detail,
                "expected a casguard snapshot, a `{\"data\": [...]}` dump of /cas/api/v1/policies/, a JSON array of policies, or one policy object",
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
                let fetched_at = match object.get("fetched_at") {
                    None | Some(Value::Null) => None,
                    Some(value) => Some(rfc3339(value).ok_or_else(|| {
                        format!(
                            "`fetched_at` is not an RFC 3339 time: {}; write one such as \"2026-11-22T06:00:00Z\", or remove it",
                            crate::textutil::clip(&value.to_string(), 60)
                        )
                    })?),
                };
                Snapshot {
                    format_version: version,
                    tenant: text(&object, "tenant"),
                    fetched_at,
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
            Value::Object(object) if object.contains_key("policyType") => {
                imported(vec![Value::Object(object)], "object")
            }
            _ => {
                return Err(
                    "neither a snapshot, a `{\"data\": [...]}` dump, an array, nor a policy (no `policyType`)".into(),
                )
            }
        };
        if let Some(index) = snapshot.policies.iter().position(|p| !p.is_object()) {
            return Err(format!("policy #{index} is not a JSON object"));
        }
        Ok(snapshot)
    }
}

/// A `fetched_at` value as an RFC 3339 time in canonical UTC form (which
/// sorts as text in time order), or `None` for anything else: it names
/// files in the history folder and heads reports.
fn rfc3339(value: &Value) -> Option<String> {
    let at: jiff::Timestamp = value.as_str()?.trim().parse().ok()?;
    Some(at.to_string())
}

/// Where `ConvertTo-Json` cut the export: Windows PowerShell writes objects
/// nested deeper than `-Depth` (2 by default) as their type names, so a
/// filter `{"eq": [..]}` becomes the string `"@{eq=System.Object[]}"`. Read
/// as it is, that string would become a policy file, and drift would
/// compare a type name. Names the first policy and field found.
fn powershell_truncation(policies: &[Value]) -> Option<String> {
    fn looks_cut(text: &str) -> bool {
        let text = text.trim();
        (text.starts_with("@{") && text.ends_with('}') && text.contains('='))
            || text.starts_with("System.Object[]")
            || text == "System.Collections.Hashtable"
            || text == "System.Management.Automation.PSCustomObject"
    }
    fn find(value: &Value, path: &str) -> Option<String> {
        match value {
            Value::String(text) if looks_cut(text) => Some(path.to_string()),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .find_map(|(i, v)| find(v, &format!("{path}[{i}]"))),
            Value::Object(map) => map
                .iter()
                .find_map(|(k, v)| find(v, &crate::textutil::join_path(path, k))),
            _ => None,
        }
    }
    policies.iter().enumerate().find_map(|(index, policy)| {
        let path = find(policy, "")?;
        Some(format!(
            "policy #{index} (from 0) holds a PowerShell type name instead of data at `{path}`: the file was written by `ConvertTo-Json` at its default depth, which cuts everything nested deeper"
        ))
    })
}

fn read_bytes(path: &Path, display: &str) -> Result<Vec<u8>, LiveError> {
    std::fs::read(path).map_err(|e| LiveError::ReadSnapshot {
        path: display.to_string(),
        detail: e.to_string(),
        help: "check the path given to --snapshot".into(),
    })
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
        let path = self.history_path(dir, now);
        self.stage(&path)?
            .commit()
            .map_err(|e| LiveError::WriteSnapshot {
                path: path.display().to_string(),
                detail: e.to_string(),
            })?;
        Ok(path)
    }

    /// The dated copy's path in `dir`: `snapshot-<fetched_at>.json`, the
    /// time in its canonical UTC form, so no snapshot's text can name a
    /// file outside `dir`.
    pub fn history_path(&self, dir: &Path, now: jiff::Timestamp) -> std::path::PathBuf {
        let at = self
            .fetched_at
            .as_deref()
            .and_then(|at| at.parse::<jiff::Timestamp>().ok())
            .unwrap_or(now);
        let stamp = at.to_string().replace(':', "-");
        dir.join(format!("snapshot-{stamp}.json"))
    }

    /// Written in full next to `path` (creating its folders), to be
    /// committed with `Staged::commit`.
    pub fn stage(&self, path: &Path) -> Result<crate::fsutil::Staged, LiveError> {
        let failed = |e: std::io::Error| LiveError::WriteSnapshot {
            path: path.display().to_string(),
            detail: e.to_string(),
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(failed)?;
        }
        crate::fsutil::stage(path, self.to_json().as_bytes(), false).map_err(failed)
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
            Some((rfc3339(&Value::String(stamp.fetched_at?))?, path))
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
    fn reads_what_people_have_and_refuses_what_the_api_would() {
        let policy = r#"{"_id": "5f01dce13de79160fbec4150", "name": "P", "policyType": "FILE", "enabled": true}"#;
        let bom = [&[0xEF, 0xBB, 0xBF][..], policy.as_bytes()].concat();
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(policy.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        for bytes in [policy.as_bytes().to_vec(), bom, utf16] {
            let snapshot = Snapshot::parse(&bytes, "p.json").unwrap();
            assert_eq!(snapshot.policies.len(), 1, "a bare policy object");
        }
        let detail = |bytes: &[u8]| match Snapshot::parse(bytes, "p.json").unwrap_err() {
            LiveError::ReadSnapshot { detail, help, .. } => format!("{detail} | {help}"),
            other => panic!("{other:?}"),
        };
        let junk = detail(br#"[{"_id": 5, "name": "x", "policyType": "FILE"}, {"_id": "a", "policyType": "FILE"}]"#);
        assert!(
            junk.contains("policy #0 (from 0) has no string `_id`"),
            "{junk}"
        );
        assert!(
            junk.contains("policy #1 (from 0) has no `name` string"),
            "{junk}"
        );
        let cut = detail(br#"{"data": [{"_id": "a", "name": "x", "policyType": "FILE", "filters": {"service.appId": "@{eq=System.Object[]}"}}]}"#);
        assert!(
            cut.contains("at `filters.\"service.appId\"`") && cut.contains("-Depth 20"),
            "{cut}"
        );
        let eof = detail(br#"{"data": [{"_id": "a""#);
        assert!(eof.contains("ends early"), "{eof}");
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
                json!({"_id": "1", "name": "n", "policyType": "FILE", "severity": 2, "lastModified": 1607952165309.8032_f64, "z": null, "a": [3, 1]}),
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
