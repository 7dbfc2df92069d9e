//! Pure data shared by every stage: policies, findings, severities, locations
//! and the source texts findings point into (here), rule metadata (`rule`),
//! command outcomes (`outcome`, `command`), and the data of the alert
//! analysis (`alert`), the weekly ops check (`check`) and the monthly summary
//! (`summary`). Submodules never share a name with a top-level module, so a
//! path like `model::check` can never be read as a dependency on `ops`.
//!
//! Nothing here does I/O, and nothing here depends on another casguard
//! module: `model` is the bottom layer. A `Finding` is the one currency of
//! analysis: lint problems, rule violations, drift and review all become
//! findings, and the renderers in `report` only ever see outcomes made of
//! findings plus the sources they point at.

pub mod alert;
pub mod check;
mod command;
mod outcome;
mod rule;
pub mod summary;

pub use alert::{
    AlertBrief, AlertPolicy, AlertRecord, AlertThresholds, AlertsSection, DailyCount, Direction,
    FpNumerator, RecipientRow, ScoreRow, Spike, SpikeKind, Trend, Verdict,
};
pub use check::{
    CheckResult, CheckStatus, DriftChange, OpsCheck, OpsSection, OpsThresholds, ProductScore,
};
pub use command::*;
pub use outcome::*;
pub use rule::*;
pub use summary::{
    Appendix, Commit, Configuration, Count, Drifting, GovernanceActions, IncidentTypes, Kpi,
    MonthTrends, MonthlyReport, Overdue, Platform, Recommendation, SourceInput,
};

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use serde::Serialize;
use serde_json::{Map, Value};

/// How serious a finding is. Ordered so that `Note < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub const ALL: [Severity; 3] = [Severity::Error, Severity::Warning, Severity::Note];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(text: &str) -> Option<Severity> {
        match text.to_ascii_lowercase().as_str() {
            "note" => Some(Severity::Note),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `--fail-on` threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Note,
    Never,
}

impl FailOn {
    pub fn fails(self, severity: Severity) -> bool {
        match self {
            FailOn::Never => false,
            FailOn::Error => severity >= Severity::Error,
            FailOn::Warning => severity >= Severity::Warning,
            FailOn::Note => true,
        }
    }
}

/// Defines a closed string enum with its canonical spelling, parsed
/// case-insensitively, and the list of allowed values for error messages.
macro_rules! string_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses case-insensitively; the canonical spelling is `as_str`.
            pub fn parse(text: &str) -> Option<$name> {
                let wanted = text.trim();
                Self::ALL.iter().copied().find(|v| v.as_str().eq_ignore_ascii_case(wanted))
            }

            pub fn allowed() -> Vec<&'static str> {
                Self::ALL.iter().map(|v| v.as_str()).collect()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}

string_enum! {
    /// MDCA `policyType` values (mdca-api.md section 4).
    PolicyType {
        Inline => "INLINE",
        Audit => "AUDIT",
        AnomalyDetection => "ANOMALY_DETECTION",
        NewService => "NEW_SERVICE",
        AnomalyDiscovery => "ANOMALY_DISCOVERY",
        File => "FILE",
        Malware => "MALWARE",
        Session => "SESSION",
        Access => "ACCESS",
        AppPermission => "APP_PERMISSION",
        AppPermissionAnomaly => "APP_PERMISSION_ANOMALY",
        Discovery => "DISCOVERY",
    }
}

string_enum! {
    /// Policy severity as written in policy files. The live API uses an
    /// integer (0 low .. 3 informational) or an upper-case string.
    PolicySeverity {
        Low => "low",
        Medium => "medium",
        High => "high",
        Informational => "informational",
    }
}

/// A policy's `type` as declared or read live: one of the `PolicyType`s
/// this casguard knows, or one it does not (MDCA adds types, and the MCAS
/// module's own list lacks `DISCOVERY`). Unknown types round-trip like
/// known ones; lint warns about them (CAS005). Always trimmed upper case.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct PolicyTypeName(String);

impl PolicyTypeName {
    /// The canonical spelling of `text`: trimmed, upper case.
    pub fn new(text: &str) -> PolicyTypeName {
        PolicyTypeName(text.trim().to_ascii_uppercase())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The known type, when it is one.
    pub fn known(&self) -> Option<PolicyType> {
        PolicyType::parse(&self.0)
    }
}

impl From<PolicyType> for PolicyTypeName {
    fn from(known: PolicyType) -> PolicyTypeName {
        PolicyTypeName(known.as_str().to_string())
    }
}

impl PartialEq<PolicyType> for PolicyTypeName {
    fn eq(&self, other: &PolicyType) -> bool {
        self.0 == other.as_str()
    }
}

impl fmt::Display for PolicyTypeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl PolicySeverity {
    /// The integer the live API uses for this severity.
    pub fn live_code(self) -> i64 {
        match self {
            PolicySeverity::Low => 0,
            PolicySeverity::Medium => 1,
            PolicySeverity::High => 2,
            PolicySeverity::Informational => 3,
        }
    }

    pub fn from_live_code(code: i64) -> Option<PolicySeverity> {
        PolicySeverity::ALL
            .iter()
            .copied()
            .find(|s| s.live_code() == code)
    }
}

/// A policy file's text with a line index, so spans become line/column.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path as shown to users: relative to the working directory, `/`-separated.
    pub path: String,
    pub text: Arc<str>,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(path: impl Into<String>, text: impl Into<Arc<str>>) -> SourceFile {
        let text: Arc<str> = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceFile {
            path: path.into(),
            text,
            line_starts,
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line_index = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let line_start = self.line_starts[line_index];
        let mut column_end = offset;
        while !self.text.is_char_boundary(column_end) {
            column_end -= 1;
        }
        let column = self.text[line_start..column_end].chars().count() + 1;
        (line_index + 1, column)
    }

    pub fn location(&self, span: Range<usize>) -> Location {
        let (line, column) = self.line_col(span.start);
        let (end_line, end_column) = self.line_col(span.end);
        Location {
            file: self.path.clone(),
            line,
            column,
            end_line,
            end_column,
            span: Some(span),
        }
    }

    /// Whether a code frame of `span` stays short: renderers quote the
    /// span's lines and one line either side, which must lie within
    /// `MAX_FRAME_BYTES` of the span, and the span itself within that many
    /// bytes. A span on a very long line (a minified or hostile file) is
    /// given as line and column instead: miette's renderer cannot draw past
    /// column 65,535, and a frame of a 4 MB line would print megabytes.
    pub fn frames(&self, span: &Range<usize>) -> bool {
        let bytes = self.text.as_bytes();
        let start = span.start.min(bytes.len());
        let end = span.end.clamp(start, bytes.len());
        let newlines = |part: &[u8]| part.iter().filter(|&&b| b == b'\n').count();
        let before = &bytes[start.saturating_sub(MAX_FRAME_BYTES)..start];
        let after = &bytes[end..(end + MAX_FRAME_BYTES).min(bytes.len())];
        end - start <= MAX_FRAME_BYTES
            && (start <= MAX_FRAME_BYTES || newlines(before) >= 2)
            && (end + MAX_FRAME_BYTES >= bytes.len() || newlines(after) >= 2)
    }

    /// The whole file, for findings about a file rather than one field.
    pub fn file_location(&self) -> Location {
        Location {
            file: self.path.clone(),
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 1,
            span: None,
        }
    }
}

/// How far a code frame may reach either side of its span (`SourceFile::frames`).
pub const MAX_FRAME_BYTES: usize = 1000;

/// Source texts by display path, for renderers that quote them.
pub type Sources = BTreeMap<String, Arc<SourceFile>>;

/// Where a finding points: a file, and a span in it when one is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    /// Byte range in the file; `None` means "the file as a whole".
    pub span: Option<Range<usize>>,
}

impl Location {
    /// A location for a file whose text could not be read.
    pub fn whole_file(file: impl Into<String>) -> Location {
        Location {
            file: file.into(),
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 1,
            span: None,
        }
    }
}

/// A secondary place a finding points at, such as the first of two duplicates.
#[derive(Debug, Clone, PartialEq)]
pub struct Related {
    pub location: Location,
    pub message: String,
}

/// Everything casguard reports is a finding.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub rule: String,
    pub severity: Severity,
    pub message: String,
    /// Name of the policy concerned, when there is one.
    pub policy: Option<String>,
    pub location: Option<Location>,
    /// Short text shown under the caret.
    pub label: Option<String>,
    /// What to do about it.
    pub help: Option<String>,
    pub related: Vec<Related>,
}

impl Finding {
    pub fn new(rule: impl Into<String>, severity: Severity, message: impl Into<String>) -> Finding {
        Finding {
            rule: rule.into(),
            severity,
            message: message.into(),
            policy: None,
            location: None,
            label: None,
            help: None,
            related: Vec::new(),
        }
    }

    pub fn at(mut self, location: Location) -> Finding {
        self.location = Some(location);
        self
    }

    pub fn policy(mut self, name: impl Into<String>) -> Finding {
        self.policy = Some(name.into());
        self
    }

    pub fn label(mut self, label: impl Into<String>) -> Finding {
        self.label = Some(label.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Finding {
        self.help = Some(help.into());
        self
    }

    pub fn related(mut self, location: Location, message: impl Into<String>) -> Finding {
        self.related.push(Related {
            location,
            message: message.into(),
        });
        self
    }

    /// Stable order for every report: file, position, rule, message.
    pub fn sort_key(&self) -> impl Ord + '_ {
        (
            self.location
                .as_ref()
                .map(|l| (l.file.as_str(), l.line, l.column)),
            self.rule.as_str(),
            self.message.as_str(),
        )
    }
}

/// The `[alerts]` table of a policy file.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Alerts {
    pub enabled: Option<bool>,
    pub email_recipients: Vec<String>,
    pub daily_limit: Option<i64>,
}

/// The `[meta]` table: governance data, never sent to or compared with the tenant.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Meta {
    pub owner: Option<String>,
    pub last_reviewed: Option<jiff::civil::Date>,
    pub review_interval_days: Option<i64>,
    pub disabled_reason: Option<String>,
    /// Any other keys, kept verbatim.
    pub other: Map<String, Value>,
}

/// One desired policy, validated, with the spans of its fields.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Display path of the file that declares it.
    pub file: String,
    pub name: String,
    pub policy_type: PolicyTypeName,
    /// `None` when the file leaves it out (the live policy had no
    /// `enabled` field, or it is kept verbatim under `[extra]`).
    pub enabled: Option<bool>,
    pub severity: Option<PolicySeverity>,
    pub description: Option<String>,
    /// Pinned live `_id`, lower-case.
    pub id: Option<String>,
    pub alerts: Alerts,
    pub filters: Map<String, Value>,
    pub extra: Map<String, Value>,
    pub meta: Meta,
    /// Modeled fields (policy-file paths such as `alerts.daily_limit`) held
    /// verbatim under `[extra]` because their typed keys cannot hold the
    /// live value. Rules see them as `kept_verbatim` and do not judge them.
    pub kept_verbatim: std::collections::BTreeSet<String>,
    /// Byte span of every TOML path (`alerts.email_recipients[1]`, `filters.x.eq`).
    pub spans: BTreeMap<String, Range<usize>>,
}

impl Policy {
    /// The span of `path`, or of its nearest ancestor that has one.
    pub fn span_of(&self, path: &str) -> Option<Range<usize>> {
        let mut path = path;
        loop {
            if let Some(span) = self.spans.get(path) {
                return Some(span.clone());
            }
            let cut = path.rfind(['.', '['])?;
            path = &path[..cut];
        }
    }

    /// Where `path` (a policy-file path such as `alerts.daily_limit`) is in
    /// its file: the span of the path or of its nearest ancestor, else the
    /// file as a whole; `None` when the file's text is not in `sources`.
    pub fn locate(&self, sources: &Sources, path: &str) -> Option<Location> {
        let source = sources.get(&self.file)?;
        Some(
            self.span_of(path)
                .map_or_else(|| source.file_location(), |span| source.location(span)),
        )
    }

    /// The document rules see: every modeled field present (`null` when unset).
    pub fn to_rule_input(&self) -> Value {
        let mut meta = self.meta.other.clone();
        meta.insert("owner".into(), json_opt(&self.meta.owner));
        meta.insert(
            "last_reviewed".into(),
            self.meta
                .last_reviewed
                .map_or(Value::Null, |d| Value::String(d.to_string())),
        );
        meta.insert(
            "review_interval_days".into(),
            self.meta
                .review_interval_days
                .map_or(Value::Null, Value::from),
        );
        meta.insert(
            "disabled_reason".into(),
            json_opt(&self.meta.disabled_reason),
        );
        serde_json::json!({
            "key": self.file,
            "file": self.file,
            "name": self.name,
            "type": self.policy_type.as_str(),
            "enabled": self.enabled,
            "severity": self.severity.map(|s| s.as_str()),
            "description": self.description,
            "id": self.id,
            "alerts": {
                "enabled": self.alerts.enabled,
                "email_recipients": self.alerts.email_recipients,
                "daily_limit": self.alerts.daily_limit,
            },
            "filters": self.filters,
            "extra": self.extra,
            "meta": meta,
            "kept_verbatim": self
                .kept_verbatim
                .iter()
                .map(|path| (path.clone(), Value::Bool(true)))
                .collect::<Map<String, Value>>(),
        })
    }
}

/// "a string", "an array"...: what a JSON value is, for error messages.
pub fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn json_opt(value: &Option<String>) -> Value {
    value.clone().map_or(Value::Null, Value::String)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_not_bytes() {
        let source = SourceFile::new("a.toml", "a = 1\nname = \"é\" x\n");
        assert_eq!(source.line_col(0), (1, 1));
        assert_eq!(source.line_col(6), (2, 1));
        // `x` is at byte 18: the two-byte é counts as one column
        assert_eq!(source.line_col(18), (2, 12));
    }

    #[test]
    fn span_of_falls_back_to_ancestors() {
        let mut spans = BTreeMap::new();
        spans.insert("alerts".to_string(), 5..10);
        spans.insert("alerts.email_recipients".to_string(), 20..30);
        let policy = Policy {
            file: "p.toml".into(),
            name: "n".into(),
            policy_type: PolicyType::File.into(),
            enabled: Some(true),
            severity: None,
            description: None,
            id: None,
            alerts: Alerts::default(),
            filters: Map::new(),
            extra: Map::new(),
            meta: Meta::default(),
            kept_verbatim: Default::default(),
            spans,
        };
        assert_eq!(policy.span_of("alerts.email_recipients[3]"), Some(20..30));
        assert_eq!(policy.span_of("alerts.daily_limit"), Some(5..10));
        assert_eq!(policy.span_of("meta.owner"), None);
    }

    #[test]
    fn enums_parse_case_insensitively() {
        assert_eq!(PolicyType::parse("file"), Some(PolicyType::File));
        assert_eq!(PolicySeverity::parse("HIGH"), Some(PolicySeverity::High));
        assert_eq!(
            PolicySeverity::from_live_code(3),
            Some(PolicySeverity::Informational)
        );
        assert!(FailOn::Warning.fails(Severity::Error));
        assert!(!FailOn::Error.fails(Severity::Warning));
        assert!(!FailOn::Never.fails(Severity::Error));
    }
}
