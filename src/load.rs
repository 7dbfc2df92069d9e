//! Desired state: discovers policy files, parses them with spans and
//! validates them into `Policy` values, collecting every problem in every file
//! in one run (rules CAS001 invalid file, CAS002 duplicate name, CAS003
//! duplicate pinned id).
//!
//! Loading has two phases, as in cargo-deny and taplo: the `toml` crate's
//! `DeTable` parser (recoverable, every value spanned) gives a raw tree, then
//! `Validator` walks it by hand. Hand validation instead of serde because
//! serde stops at the first error, and we want all of them, each pointing at
//! the key or value concerned, with a "did you mean".

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Map, Number, Value};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::fsutil::display_path;
use crate::model::{
    Alerts, Finding, Location, Meta, Policy, PolicySeverity, PolicyType, PolicyTypeName,
    SourceFile, Sources,
};
use crate::normalize::{self, ServerManaged};
use crate::registry::{CAS001, CAS002, CAS003, CAS004};
use crate::textutil::{closest, is_email_address, join_path, name_key};

/// Policy files larger than this are refused: a policy file holds one
/// policy, and a huge file is almost always a mistake (or an attack on CI).
pub const MAX_POLICY_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// The policies read, the problems found, and the texts they point into.
#[derive(Debug, Default, Clone)]
pub struct LoadOutcome {
    pub policies: Vec<Policy>,
    pub findings: Vec<Finding>,
    pub sources: Sources,
    /// Every policy file found (display paths), readable or not.
    pub files: Vec<String>,
}

/// A problem that stops loading altogether (exit 2), as opposed to a finding.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum LoadError {
    #[error("policy path `{path}` does not exist")]
    #[diagnostic(code(casguard::load::missing_path), help("{help}"))]
    MissingPath { path: String, help: String },
}

/// Finds, reads and validates every policy file under `inputs`.
/// `base` is the folder display paths are relative to (the project root).
/// `server_managed` names the live fields `[extra]` may not hold.
pub fn load_policies(
    base: &Path,
    inputs: &[PathBuf],
    server_managed: &ServerManaged,
) -> Result<LoadOutcome, LoadError> {
    let mut outcome = LoadOutcome::default();
    let mut files = Vec::new();
    for input in inputs {
        discover(base, input, &mut files, &mut outcome.findings)?;
    }
    // The same file named twice (`policies ./policies`, a symlink) is read once.
    let mut seen = std::collections::HashSet::new();
    files.retain(|f| seen.insert(fs::canonicalize(f).unwrap_or_else(|_| f.clone())));
    files.sort();
    if files.is_empty() {
        let shown: Vec<String> = inputs.iter().map(|i| display_path(base, i)).collect();
        outcome.findings.push(
            Finding::new(
                CAS004.id,
                CAS004.severity,
                format!("no policy files (*.toml) found in {}", shown.join(", ")),
            )
            .at(Location::whole_file(shown.join(", ")))
            .help(CAS004.remediation),
        );
    }
    for loaded in crate::parallel::map(&files, |file| load_file(base, file, server_managed)) {
        outcome.files.push(loaded.display.clone());
        outcome.findings.extend(loaded.findings);
        outcome.policies.extend(loaded.policy);
        if let Some(source) = loaded.source {
            outcome.sources.insert(loaded.display, source);
        }
    }
    outcome
        .findings
        .extend(find_duplicates(&outcome.policies, &outcome.sources));
    Ok(outcome)
}

/// One file's result: its source (when readable), policy (when valid) and problems.
struct LoadedFile {
    display: String,
    source: Option<Arc<SourceFile>>,
    policy: Option<Policy>,
    findings: Vec<Finding>,
}

fn load_file(base: &Path, file: &Path, server_managed: &ServerManaged) -> LoadedFile {
    let display = display_path(base, file);
    match read_policy_text(file, &display) {
        Ok(text) => {
            let source = Arc::new(SourceFile::new(display.clone(), text));
            let (policy, findings) = parse_policy(&source, server_managed);
            LoadedFile {
                display,
                source: Some(source),
                policy,
                findings,
            }
        }
        Err(finding) => LoadedFile {
            display,
            source: None,
            policy: None,
            findings: vec![*finding],
        },
    }
}

/// Validates one policy given as text (used for rule examples and tests).
pub fn parse_policy_text(
    path: &str,
    text: &str,
) -> (Option<Policy>, Vec<Finding>, Arc<SourceFile>) {
    static DEFAULT: std::sync::LazyLock<ServerManaged> =
        std::sync::LazyLock::new(ServerManaged::default);
    let source = Arc::new(SourceFile::new(path, text));
    let (policy, findings) = parse_policy(&source, &DEFAULT);
    (policy, findings, source)
}

fn discover(
    base: &Path,
    input: &Path,
    files: &mut Vec<PathBuf>,
    findings: &mut Vec<Finding>,
) -> Result<(), LoadError> {
    let metadata = fs::metadata(input).map_err(|_| LoadError::MissingPath {
        path: display_path(base, input),
        help: "check the path, or set `policies_dir` in casguard.toml".into(),
    })?;
    if metadata.is_file() {
        let named_link = fs::symlink_metadata(input).is_ok_and(|m| m.is_symlink());
        match fs::canonicalize(base) {
            Ok(root) if named_link => admit(base, input, (&root, "the project"), files, findings),
            _ => files.push(input.to_path_buf()),
        }
        return Ok(());
    }
    let root = fs::canonicalize(input).unwrap_or_else(|_| input.to_path_buf());
    let shown_root = format!("`{}`", display_path(base, input));
    for entry in walkdir::WalkDir::new(input)
        .follow_links(true)
        .sort_by_file_name()
    {
        match entry {
            Ok(entry) => {
                let is_toml = entry.path().extension().is_some_and(|e| e == "toml");
                if entry.file_type().is_file() && is_toml {
                    admit(base, entry.path(), (&root, &shown_root), files, findings);
                }
            }
            Err(error) => findings.push(walk_error_finding(base, &error)),
        }
    }
    Ok(())
}

/// Adds `file` unless it resolves outside `root` (the folder it was found
/// in, or the project for a link named on the command line): a link such as
/// `policies/env.toml -> /proc/self/environ` would otherwise be read and its
/// content quoted in findings. The finding names the link, never its target
/// or content.
fn admit(
    base: &Path,
    file: &Path,
    (root, shown_root): (&Path, &str),
    files: &mut Vec<PathBuf>,
    findings: &mut Vec<Finding>,
) {
    if fs::canonicalize(file).is_ok_and(|target| target.starts_with(root)) {
        files.push(file.to_path_buf());
        return;
    }
    let shown = display_path(base, file);
    findings.push(
        Finding::new(
            CAS001.id,
            CAS001.severity,
            format!(
                "a symbolic link to a file outside {shown_root}; casguard did not read it"
            ),
        )
        .at(Location::whole_file(shown))
        .help("policy files must live in the policies folder: copy the file in instead of linking to it"),
    );
}

fn walk_error_finding(base: &Path, error: &walkdir::Error) -> Finding {
    let path = error
        .path()
        .map(|p| display_path(base, p))
        .unwrap_or_default();
    let (message, help) = match error.loop_ancestor() {
        Some(ancestor) => (
            format!(
                "symbolic link loop: `{path}` points back to its ancestor `{}`",
                display_path(base, ancestor)
            ),
            "remove the link or point it outside the policies folder; casguard skipped it",
        ),
        None => (
            format!(
                "cannot read `{path}`: {}",
                error
                    .io_error()
                    .map_or_else(|| error.to_string(), |e| e.to_string())
            ),
            "check the file's permissions; casguard skipped it",
        ),
    };
    Finding::new(CAS001.id, CAS001.severity, message)
        .at(Location::whole_file(path))
        .help(help)
}

fn read_policy_text(file: &Path, display: &str) -> Result<String, Box<Finding>> {
    let invalid = |message: String, help: &str| {
        Box::new(
            Finding::new(CAS001.id, CAS001.severity, message)
                .at(Location::whole_file(display))
                .help(help.to_string()),
        )
    };
    let mut handle = fs::File::open(file).map_err(|e| {
        invalid(
            format!("cannot read file: {e}"),
            "check the file's permissions",
        )
    })?;
    let size = handle.metadata().map(|m| m.len()).unwrap_or(0);
    if size > MAX_POLICY_FILE_BYTES {
        return Err(invalid(
            format!(
                "file is {:.1} MiB, more than the {} MiB allowed for a policy file",
                size as f64 / 1_048_576.0,
                MAX_POLICY_FILE_BYTES / 1_048_576
            ),
            "a policy file holds one policy; check that this file is what you meant to commit",
        ));
    }
    let mut bytes = Vec::with_capacity(size as usize);
    // Read one byte past the limit so a file that grew after `metadata` is still caught.
    (&mut handle)
        .take(MAX_POLICY_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| {
            invalid(
                format!("cannot read file: {e}"),
                "check the file's permissions",
            )
        })?;
    if bytes.len() as u64 > MAX_POLICY_FILE_BYTES {
        return Err(invalid(
            format!(
                "file is larger than the {} MiB allowed for a policy file",
                MAX_POLICY_FILE_BYTES / 1_048_576
            ),
            "a policy file holds one policy; check that this file is what you meant to commit",
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let lossy = String::from_utf8_lossy(e.as_bytes()).into_owned();
        let prefix = String::from_utf8_lossy(&e.as_bytes()[..offset]).into_owned();
        let source = SourceFile::new(display, lossy);
        let location = source.location(prefix.len()..prefix.len());
        Box::new(
            Finding::new(
                CAS001.id,
                CAS001.severity,
                format!(
                    "file is not valid UTF-8 (first bad byte at line {}, column {})",
                    location.line, location.column
                ),
            )
            .at(Location {
                span: None,
                ..location
            })
            .help("save the file as UTF-8; TOML files must be UTF-8"),
        )
    })
}

fn parse_policy(
    source: &Arc<SourceFile>,
    server_managed: &ServerManaged,
) -> (Option<Policy>, Vec<Finding>) {
    let text: &str = &source.text;
    if text.trim().is_empty() {
        let finding = Finding::new(CAS001.id, CAS001.severity, "file is empty")
            .at(source.file_location())
            .help("a policy file needs at least `name` and `type` (and `enabled`, as a rule); delete the file if it is not needed");
        return (None, vec![finding]);
    }
    let (table, errors) = DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        let findings = errors
            .iter()
            .map(|error| {
                let span = error.span().unwrap_or(0..0);
                Finding::new(
                    CAS001.id,
                    CAS001.severity,
                    format!("TOML syntax error: {}", error.message().trim_end()),
                )
                .at(source.location(span))
                .label("here")
                .help("fix the TOML syntax; see https://toml.io/en/v1.0.0")
            })
            .collect();
        return (None, findings);
    }
    let mut validator = Validator {
        source,
        server_managed,
        findings: Vec::new(),
        spans: BTreeMap::new(),
    };
    let policy = validator.policy(table.get_ref(), table.span());
    (policy, validator.findings)
}

const TOP_KEYS: &[&str] = &[
    "name",
    "type",
    "enabled",
    "severity",
    "description",
    "id",
    "alerts",
    "filters",
    "extra",
    "meta",
];
const ALERT_KEYS: &[&str] = &["enabled", "email_recipients", "daily_limit"];
const META_KEYS: &[&str] = &[
    "owner",
    "last_reviewed",
    "review_interval_days",
    "disabled_reason",
];

/// The keys the policy file format knows, per table, for the schema test.
pub fn known_keys() -> [(&'static str, &'static [&'static str]); 3] {
    [("", TOP_KEYS), ("alerts", ALERT_KEYS), ("meta", META_KEYS)]
}

type Entry<'t, 'i> = (
    &'t Spanned<std::borrow::Cow<'i, str>>,
    &'t Spanned<DeValue<'i>>,
);

struct Validator<'s> {
    source: &'s SourceFile,
    server_managed: &'s ServerManaged,
    findings: Vec<Finding>,
    spans: BTreeMap<String, Range<usize>>,
}

impl Validator<'_> {
    fn problem(&mut self, span: Range<usize>, message: String, label: &str, help: String) {
        self.findings.push(
            Finding::new(CAS001.id, CAS001.severity, message)
                .at(self.source.location(span))
                .label(label)
                .help(help),
        );
    }

    fn policy(&mut self, table: &DeTable<'_>, table_span: Range<usize>) -> Option<Policy> {
        let mut name = None;
        let mut policy_type = None;
        let mut enabled = None;
        let mut severity = None;
        let mut description = None;
        let mut id = None;
        let mut alerts = Alerts::default();
        let mut filters = Map::new();
        let mut extra = Map::new();
        let mut meta = Meta::default();
        for (key, value) in table.iter() {
            let path = key.get_ref().as_ref();
            self.spans.insert(path.to_string(), value.span());
            match path {
                "name" => {
                    if let Some(text) = self.string(value, path) {
                        if text.trim().is_empty() {
                            self.problem(value.span(), "`name` is empty".into(), "empty name", "give the policy the name it has (or should have) in the Defender portal".into());
                        } else {
                            name = Some(text);
                        }
                    }
                }
                "type" => policy_type = self.policy_type(value),
                "enabled" => enabled = self.boolean(value, path),
                "severity" => {
                    severity = self.enumeration(
                        value,
                        path,
                        PolicySeverity::parse,
                        &PolicySeverity::allowed(),
                    )
                }
                "description" => description = self.string(value, path),
                "id" => id = self.pinned_id(value),
                "alerts" => {
                    if let Some(table) = self.table(value, path) {
                        alerts = self.alerts(table);
                    }
                }
                "filters" => {
                    if let Some(Value::Object(map)) =
                        self.table(value, path).and(self.json(value, path))
                    {
                        filters = map;
                    }
                }
                "extra" => {
                    if let Some(table) = self.table(value, path) {
                        extra = self.extra(table);
                    }
                }
                "meta" => {
                    if let Some(table) = self.table(value, path) {
                        meta = self.meta(table);
                    }
                }
                _ => self.unknown_key((key, value), "", TOP_KEYS),
            }
        }
        self.missing_required(
            table,
            table_span,
            [("name", name.is_some()), ("type", policy_type.is_some())],
        );
        let kept_verbatim = self.verbatim_modeled_fields(&extra);
        if !self.findings.is_empty() {
            return None;
        }
        Some(Policy {
            file: self.source.path.clone(),
            name: name?,
            policy_type: policy_type?,
            enabled,
            severity,
            description,
            id,
            alerts,
            filters,
            extra,
            meta,
            kept_verbatim,
            spans: std::mem::take(&mut self.spans),
        })
    }

    /// CAS001 for each required key that is absent (a present but invalid
    /// value was reported where it is).
    fn missing_required(
        &mut self,
        table: &DeTable<'_>,
        table_span: Range<usize>,
        keys: [(&str, bool); 2],
    ) {
        let start = table_span.start..table_span.start;
        for (required, present) in keys {
            if present || table.contains_key(required) {
                continue;
            }
            let example = match required {
                "name" => "name = \"Mass download by a single user\"".to_string(),
                _ => format!(
                    "type = \"FILE\"  (one of {})",
                    PolicyType::allowed().join(", ")
                ),
            };
            self.findings.push(
                Finding::new(
                    CAS001.id,
                    CAS001.severity,
                    format!("missing required key `{required}`"),
                )
                .at(self.source.location(start.clone()))
                .help(format!("add `{example}` at the top of the file")),
            );
        }
    }

    fn alerts(&mut self, table: &DeTable<'_>) -> Alerts {
        let mut alerts = Alerts::default();
        for (key, value) in table.iter() {
            let path = format!("alerts.{}", key.get_ref());
            self.spans.insert(path.clone(), value.span());
            match key.get_ref().as_ref() {
                "enabled" => alerts.enabled = self.boolean(value, &path),
                "daily_limit" => {
                    alerts.daily_limit = self.integer(value, &path).filter(|n| {
                        let ok = *n >= 0;
                        if !ok {
                            self.problem(
                                value.span(),
                                "`alerts.daily_limit` is negative".into(),
                                "must be 0 or more",
                                "set the number of alerts per day, e.g. `daily_limit = 5`".into(),
                            );
                        }
                        ok
                    })
                }
                "email_recipients" => {
                    alerts.email_recipients = self.string_list(value, &path);
                    self.check_addresses(value, &path);
                }
                _ => self.unknown_key((key, value), "alerts", ALERT_KEYS),
            }
        }
        alerts
    }

    fn meta(&mut self, table: &DeTable<'_>) -> Meta {
        let mut meta = Meta::default();
        for (key, value) in table.iter() {
            let path = format!("meta.{}", key.get_ref());
            self.spans.insert(path.clone(), value.span());
            match key.get_ref().as_ref() {
                "owner" => meta.owner = self.string(value, &path),
                "disabled_reason" => meta.disabled_reason = self.string(value, &path),
                "last_reviewed" => meta.last_reviewed = self.date(value, &path),
                "review_interval_days" => {
                    meta.review_interval_days = self.integer(value, &path).filter(|days| {
                        let ok = (1..=3650).contains(days);
                        if !ok {
                            self.problem(
                                value.span(),
                                format!("`{path}` must be between 1 and 3650 days, found {days}"),
                                "out of range",
                                "use e.g. 30 (monthly), 90 (quarterly) or 365 (yearly)".into(),
                            );
                        }
                        ok
                    })
                }
                other => {
                    if let Some(json) = self.json(value, &path) {
                        meta.other.insert(other.to_string(), json);
                    }
                }
            }
        }
        meta
    }

    fn extra(&mut self, table: &DeTable<'_>) -> Map<String, Value> {
        let mut extra = Map::new();
        for (key, value) in table.iter() {
            let name = key.get_ref().as_ref();
            let path = join_path("extra", name);
            if self.server_managed.contains(name) {
                self.problem(
                    key.span(),
                    format!("`extra.{name}` is managed by the server and is never compared"),
                    "server-managed field",
                    "remove it: ids, tenant ids and change times are set by MDCA, not by policy files (`[drift] server_managed` in casguard.toml changes the list)".into(),
                );
                continue;
            }
            if let Some(json) = self.json(value, &path) {
                extra.insert(name.to_string(), json);
            }
        }
        extra
    }

    /// `type`: any non-empty string. A type this casguard does not know is
    /// kept as it is (CAS005 warns in lint), since MDCA adds types.
    fn policy_type(&mut self, value: &Spanned<DeValue<'_>>) -> Option<PolicyTypeName> {
        let text = self.string(value, "type")?;
        if text.trim().is_empty() {
            self.problem(
                value.span(),
                "`type` is empty".into(),
                "empty type",
                format!(
                    "write the policy's MDCA policyType, one of {}",
                    PolicyType::allowed().join(", ")
                ),
            );
            return None;
        }
        Some(PolicyTypeName::new(&text))
    }

    /// A modeled field under `[extra]` by its live name is allowed only
    /// when its typed key cannot hold the value (import keeps such values
    /// verbatim, e.g. `severity = 5`), and never together with that key.
    /// Returns the policy-file paths of the fields so kept.
    fn verbatim_modeled_fields(
        &mut self,
        extra: &Map<String, Value>,
    ) -> std::collections::BTreeSet<String> {
        let mut kept = std::collections::BTreeSet::new();
        for (name, value) in extra {
            let Some(mapping) = normalize::mapping_for_live_field(name) else {
                continue;
            };
            let path = join_path("extra", name);
            let span = self.spans.get(&path).cloned().unwrap_or(0..0);
            let typed_key_set = self.spans.contains_key(mapping.toml_path);
            match normalize::typed(mapping, value) {
                normalize::Typed::Verbatim(_) if !typed_key_set => {
                    // Findings about the field point here.
                    self.spans.insert(mapping.toml_path.to_string(), span);
                    kept.insert(mapping.toml_path.to_string());
                }
                normalize::Typed::Verbatim(_) => self.problem(
                    span,
                    format!("`{path}` and `{}` both set the live field `{name}`", mapping.toml_path),
                    "set twice",
                    format!("keep one: `{}` when its type fits, else `{path}` verbatim", mapping.toml_path),
                ),
                normalize::Typed::Value(_) | normalize::Typed::Absent => self.problem(
                    span,
                    format!("`{path}` shadows the modeled field `{}`", mapping.toml_path),
                    "modeled elsewhere",
                    format!(
                        "set `{}` instead; [extra] holds live fields casguard does not model, and modeled ones only when their typed key cannot hold the value",
                        mapping.toml_path
                    ),
                ),
            }
        }
        kept
    }

    fn unknown_key(&mut self, (key, _value): Entry<'_, '_>, table: &str, allowed: &[&str]) {
        let name = key.get_ref().as_ref();
        let shown = if table.is_empty() {
            name.to_string()
        } else {
            format!("{table}.{name}")
        };
        let help = suggestion(name, table, allowed).unwrap_or_else(|| {
            let place = if table.is_empty() {
                "at the top level".to_string()
            } else {
                format!("in [{table}]")
            };
            format!(
                "allowed keys {place}: {}; live fields casguard does not model go under [extra]",
                allowed.join(", ")
            )
        });
        self.problem(
            key.span(),
            format!("unknown key `{shown}`"),
            "unknown key",
            help,
        );
    }

    fn type_error(
        &mut self,
        value: &Spanned<DeValue<'_>>,
        path: &str,
        expected: &str,
        example: &str,
    ) {
        self.problem(
            value.span(),
            format!(
                "`{path}` must be {expected}, found {}",
                crate::textutil::describe_toml(value.get_ref(), 40)
            ),
            &format!("expected {expected}"),
            format!("write it as {example}"),
        );
    }

    fn string(&mut self, value: &Spanned<DeValue<'_>>, path: &str) -> Option<String> {
        match value.get_ref() {
            DeValue::String(s) => Some(s.to_string()),
            _ => {
                self.type_error(
                    value,
                    path,
                    "a string",
                    &format!("`{} = \"...\"`", last_segment(path)),
                );
                None
            }
        }
    }

    fn boolean(&mut self, value: &Spanned<DeValue<'_>>, path: &str) -> Option<bool> {
        match value.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            DeValue::String(s)
                if matches!(s.trim().to_ascii_lowercase().as_str(), "true" | "false") =>
            {
                self.type_error(
                    value,
                    path,
                    "a boolean",
                    &format!(
                        "`{} = {}` without quotes",
                        last_segment(path),
                        s.trim().to_ascii_lowercase()
                    ),
                );
                None
            }
            _ => {
                self.type_error(
                    value,
                    path,
                    "a boolean",
                    &format!(
                        "`{} = true` or `{} = false`",
                        last_segment(path),
                        last_segment(path)
                    ),
                );
                None
            }
        }
    }

    fn integer(&mut self, value: &Spanned<DeValue<'_>>, path: &str) -> Option<i64> {
        match value.get_ref() {
            DeValue::Integer(i) => {
                match i64::from_str_radix(&i.as_str().replace('_', ""), i.radix()) {
                    Ok(n) => Some(n),
                    Err(_) => {
                        self.problem(
                            value.span(),
                            format!("`{path}` is out of range"),
                            "too large",
                            "use a whole number between -2^63 and 2^63-1".into(),
                        );
                        None
                    }
                }
            }
            _ => {
                self.type_error(
                    value,
                    path,
                    "an integer",
                    &format!("`{} = 5`", last_segment(path)),
                );
                None
            }
        }
    }

    fn date(&mut self, value: &Spanned<DeValue<'_>>, path: &str) -> Option<jiff::civil::Date> {
        let example = format!(
            "`{} = 2026-09-30` (a TOML date, no quotes)",
            last_segment(path)
        );
        match value.get_ref() {
            DeValue::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => {
                let date = dt.date?;
                match jiff::civil::Date::new(date.year as i16, date.month as i8, date.day as i8) {
                    Ok(d) => Some(d),
                    Err(e) => {
                        self.problem(
                            value.span(),
                            format!("`{path}` is not a valid date: {e}"),
                            "invalid date",
                            format!("write it as {example}"),
                        );
                        None
                    }
                }
            }
            DeValue::Datetime(_) => {
                self.type_error(value, path, "a date without time", &example);
                None
            }
            DeValue::String(s) if s.parse::<jiff::civil::Date>().is_ok() => {
                self.problem(
                    value.span(),
                    format!("`{path}` must be a TOML date, found a string"),
                    "quoted date",
                    format!("remove the quotes: {example}"),
                );
                None
            }
            _ => {
                self.type_error(value, path, "a date", &example);
                None
            }
        }
    }

    fn enumeration<T>(
        &mut self,
        value: &Spanned<DeValue<'_>>,
        path: &str,
        parse: fn(&str) -> Option<T>,
        allowed: &[&str],
    ) -> Option<T> {
        let text = self.string(value, path)?;
        let parsed = parse(&text);
        if parsed.is_none() {
            let near = closest(&text, allowed)
                .map(|c| format!("did you mean `{c}`? "))
                .unwrap_or_default();
            self.problem(
                value.span(),
                format!("`{path}` has an unknown value `{text}`"),
                "not an allowed value",
                format!("{near}allowed values: {}", allowed.join(", ")),
            );
        }
        parsed
    }

    fn pinned_id(&mut self, value: &Spanned<DeValue<'_>>) -> Option<String> {
        let text = self.string(value, "id")?;
        let trimmed = text.trim();
        if trimmed.len() == 24 && trimmed.bytes().all(|b| b.is_ascii_hexdigit()) {
            Some(trimmed.to_ascii_lowercase())
        } else {
            self.problem(
                value.span(),
                format!("`id` must be a live policy `_id` of 24 hexadecimal digits, found `{text}`"),
                "not a policy id",
                "copy the `_id` from a snapshot (`casguard fetch`) or remove `id` to match by type and name".into(),
            );
            None
        }
    }

    fn table<'t, 'i>(
        &mut self,
        value: &'t Spanned<DeValue<'i>>,
        path: &str,
    ) -> Option<&'t DeTable<'i>> {
        match value.get_ref() {
            DeValue::Table(table) => Some(table),
            _ => {
                self.type_error(value, path, "a table", &format!("a `[{path}]` section"));
                None
            }
        }
    }

    /// Every entry of an address list must look like `local@domain.tld`.
    fn check_addresses(&mut self, value: &Spanned<DeValue<'_>>, path: &str) {
        let DeValue::Array(items) = value.get_ref() else {
            return;
        };
        for (index, item) in items.iter().enumerate() {
            if let DeValue::String(address) = item.get_ref() {
                if !is_email_address(address) {
                    self.problem(
                        item.span(),
                        format!("`{path}[{index}]` is not an email address: `{address}`"),
                        "not an address",
                        "write a full address such as \"soc@contoso.com\", without spaces or display names".into(),
                    );
                }
            }
        }
    }

    fn string_list(&mut self, value: &Spanned<DeValue<'_>>, path: &str) -> Vec<String> {
        let DeValue::Array(items) = value.get_ref() else {
            self.type_error(
                value,
                path,
                "an array of strings",
                &format!("`{} = [\"soc@contoso.com\"]`", last_segment(path)),
            );
            return Vec::new();
        };
        let mut list = Vec::new();
        for (index, item) in items.iter().enumerate() {
            let item_path = format!("{path}[{index}]");
            self.spans.insert(item_path.clone(), item.span());
            if let Some(text) = self.string(item, &item_path) {
                list.push(text);
            }
        }
        list
    }

    /// Converts a TOML value to JSON, recording the span of every nested path.
    fn json(&mut self, value: &Spanned<DeValue<'_>>, path: &str) -> Option<Value> {
        self.spans.insert(path.to_string(), value.span());
        Some(match value.get_ref() {
            DeValue::String(s) => Value::String(s.to_string()),
            DeValue::Boolean(b) => Value::Bool(*b),
            DeValue::Integer(_) => Value::from(self.integer(value, path)?),
            DeValue::Float(f) => {
                let number = f
                    .as_str()
                    .replace('_', "")
                    .parse::<f64>()
                    .ok()
                    .and_then(Number::from_f64);
                match number {
                    Some(n) => Value::Number(n),
                    None => {
                        self.problem(
                            value.span(),
                            format!("`{path}` is not a finite number"),
                            "inf and nan have no JSON form",
                            "use a finite number".into(),
                        );
                        return None;
                    }
                }
            }
            DeValue::Datetime(dt) => Value::String(dt.to_string()),
            DeValue::Array(items) => {
                let mut list = Vec::with_capacity(items.len());
                let mut ok = true;
                for (index, item) in items.iter().enumerate() {
                    match self.json(item, &format!("{path}[{index}]")) {
                        Some(v) => list.push(v),
                        None => ok = false,
                    }
                }
                if !ok {
                    return None;
                }
                Value::Array(list)
            }
            DeValue::Table(table) => {
                let mut map = Map::new();
                let mut ok = true;
                for (key, item) in table.iter() {
                    match self.json(item, &join_path(path, key.get_ref())) {
                        Some(v) => {
                            map.insert(key.get_ref().to_string(), v);
                        }
                        None => ok = false,
                    }
                }
                if !ok {
                    return None;
                }
                Value::Object(map)
            }
        })
    }
}

fn last_segment(path: &str) -> &str {
    let path = path.split('[').next().unwrap_or(path);
    path.rsplit('.').next().unwrap_or(path)
}

/// "did you mean" for an unknown key, also across tables and live names.
fn suggestion(name: &str, table: &str, allowed: &[&str]) -> Option<String> {
    if let Some(mapping) = normalize::mapping_for_live_field(name) {
        if mapping.toml_path != name {
            return Some(format!(
                "`{name}` is the live API name of `{}`; write that instead",
                mapping.toml_path
            ));
        }
    }
    if let Some(near) = closest(name, allowed) {
        return Some(format!("did you mean `{near}`?"));
    }
    let lower = name.to_ascii_lowercase();
    if lower.len() >= 4 {
        if let Some(near) = allowed
            .iter()
            .find(|k| k.contains(lower.as_str()) || lower.contains(*k))
        {
            return Some(format!("did you mean `{near}`?"));
        }
    }
    let elsewhere: [(&str, &[&str]); 3] =
        [("", TOP_KEYS), ("alerts", ALERT_KEYS), ("meta", META_KEYS)];
    for (other_table, keys) in elsewhere {
        if other_table != table {
            if let Some(near) = keys.iter().find(|k| k.eq_ignore_ascii_case(name)) {
                let full = if other_table.is_empty() {
                    near.to_string()
                } else {
                    format!("{other_table}.{near}")
                };
                return Some(format!(
                    "did you mean `{full}`? move it to {}",
                    if other_table.is_empty() {
                        "the top of the file".to_string()
                    } else {
                        format!("the [{other_table}] table")
                    }
                ));
            }
        }
    }
    None
}

fn find_duplicates(policies: &[Policy], sources: &Sources) -> Vec<Finding> {
    let mut findings = Vec::new();
    let locate = |policy: &Policy, path: &str| -> Location {
        policy
            .locate(sources, path)
            .unwrap_or_else(|| Location::whole_file(policy.file.clone()))
    };
    let mut by_name: BTreeMap<(PolicyTypeName, String), &Policy> = BTreeMap::new();
    let mut by_id: BTreeMap<&str, &Policy> = BTreeMap::new();
    for policy in policies {
        let key = (policy.policy_type.clone(), name_key(&policy.name));
        // Two files pinned to different live ids are unambiguous even when
        // the tenant has two policies of the same name.
        let both_pinned =
            |first: &&Policy| first.id.is_some() && policy.id.is_some() && first.id != policy.id;
        if let Some(first) = by_name.get(&key).filter(|first| !both_pinned(first)) {
            findings.push(
                Finding::new(CAS002.id, CAS002.severity, format!("duplicate policy: {} `{}` is also declared in `{}`", policy.policy_type, policy.name, first.file))
                    .policy(&policy.name)
                    .at(locate(policy, "name"))
                    .label("declared again here")
                    .related(locate(first, "name"), "first declared here")
                    .help("each (type, name) pair may appear in one file only; rename or delete one of them"),
            );
        } else {
            by_name.insert(key, policy);
        }
        if let Some(id) = &policy.id {
            if let Some(first) = by_id.get(id.as_str()) {
                findings.push(
                    Finding::new(
                        CAS003.id,
                        CAS003.severity,
                        format!(
                            "pinned id `{id}` is also used by `{}` in `{}`",
                            first.name, first.file
                        ),
                    )
                    .policy(&policy.name)
                    .at(locate(policy, "id"))
                    .label("pinned again here")
                    .related(locate(first, "id"), "first pinned here")
                    .help("an id pins one file to one live policy; remove or correct one of them"),
                );
            } else {
                by_id.insert(id, policy);
            }
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<String> {
        let (_, findings, _) = parse_policy_text("p.toml", text);
        findings
            .iter()
            .map(|f| {
                let l = f.location.as_ref().unwrap();
                format!(
                    "{}:{}: {} | {}",
                    l.line,
                    l.column,
                    f.message,
                    f.help.clone().unwrap_or_default()
                )
            })
            .collect()
    }

    #[test]
    fn valid_policy_loads_with_spans() {
        let text = "name = \"A\"\ntype = \"file\"\nenabled = true\nseverity = \"HIGH\"\n[alerts]\nenabled = true\nemail_recipients = [\"a@b.c\"]\n[filters.\"service.appId\"]\neq = [11161]\n[meta]\nlast_reviewed = 2026-01-02\nticket = \"X-1\"\n";
        let (policy, findings, source) = parse_policy_text("p.toml", text);
        assert!(findings.is_empty(), "{findings:?}");
        let policy = policy.unwrap();
        assert_eq!(policy.policy_type, PolicyType::File);
        assert_eq!(policy.severity, Some(PolicySeverity::High));
        assert_eq!(policy.meta.last_reviewed.unwrap().to_string(), "2026-01-02");
        assert_eq!(policy.meta.other["ticket"], "X-1");
        assert_eq!(policy.filters["service.appId"]["eq"][0], 11161);
        let span = policy.span_of("alerts.email_recipients[0]").unwrap();
        assert_eq!(source.location(span).line, 7);
        let span = policy.span_of("filters.\"service.appId\".eq").unwrap();
        assert_eq!(source.location(span).line, 9);
    }

    #[test]
    fn collects_every_problem_in_a_file() {
        let found = problems("name = 3\ntype = \" \"\nenabled = \"yes\"\nseverty = \"high\"\n[alerts]\nemails = []\ndaily_limit = -1\n[meta]\nlast_reviewed = \"2026-01-01\"\n[extra]\nalertsEnabled = true\n");
        assert_eq!(found.len(), 8, "{found:#?}");
        assert!(found[0].starts_with("1:8: `name` must be a string"));
        assert!(found[1].contains("`type` is empty"), "{}", found[1]);
        assert!(found[2].contains("`enabled` must be a boolean"));
        assert!(
            found[3].starts_with("4:1: unknown key `severty`")
                && found[3].contains("did you mean `severity`?")
        );
        assert!(found[4].contains("unknown key `alerts.emails`"));
        assert!(found[5].contains("negative"));
        assert!(found[6].contains("must be a TOML date") && found[6].contains("remove the quotes"));
        assert!(found[7].contains("shadows the modeled field `alerts.enabled`"));
    }

    #[test]
    fn unknown_types_and_verbatim_modeled_fields_load() {
        let text =
            "name = \"A\"\ntype = \"new_kind\"\n[extra]\nseverity = 5\ndailyAlertLimit = \"5\"\n";
        let (policy, findings, _) = parse_policy_text("p.toml", text);
        assert!(findings.is_empty(), "{findings:?}");
        let policy = policy.unwrap();
        assert_eq!(policy.policy_type.as_str(), "NEW_KIND");
        assert_eq!(policy.enabled, None);
        assert!(
            policy.span_of("severity").is_some(),
            "findings about severity point at extra.severity"
        );
        let found = problems("name = \"A\"\ntype = \"FILE\"\nseverity = \"high\"\n[extra]\nseverity = 5\ndailyAlertLimit = 5\n");
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(
            found[0].contains("`extra.severity` and `severity` both set"),
            "{}",
            found[0]
        );
        assert!(
            found[1]
                .contains("`extra.dailyAlertLimit` shadows the modeled field `alerts.daily_limit`"),
            "{}",
            found[1]
        );
    }

    #[test]
    fn missing_required_keys() {
        let found = problems("description = \"x\"\n");
        assert_eq!(found.len(), 2, "`enabled` may be left out: {found:?}");
        assert!(found[0].contains("missing required key `name`"));
    }

    #[test]
    fn misplaced_key_suggests_its_table() {
        let found = problems("name = \"A\"\ntype = \"FILE\"\nenabled = true\nowner = \"x@y.z\"\n");
        assert!(found[0].contains("did you mean `meta.owner`?"), "{found:?}");
    }

    #[test]
    fn recipients_must_be_addresses() {
        let found = problems("name = \"A\"\ntype = \"FILE\"\nenabled = true\n[alerts]\nemail_recipients = [\"soc@contoso.com\", \"SOC <soc@contoso.com>\", \"@contoso.com\", \"a@b@c.com\", \"a@localhost\"]\n");
        assert_eq!(found.len(), 4, "{found:#?}");
        assert!(
            found[0].starts_with("5:40: `alerts.email_recipients[1]` is not an email address"),
            "{}",
            found[0]
        );
        assert!(is_email_address("dlp.team+alerts@eu.contoso.com"));
    }

    #[test]
    fn join_path_quotes_non_bare_keys() {
        assert_eq!(
            join_path("filters", "service.appId"),
            "filters.\"service.appId\""
        );
        assert_eq!(join_path("", "name"), "name");
    }
}
