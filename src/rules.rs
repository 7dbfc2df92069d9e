//! The rule set of a run and the Rego engine that runs rules.
//!
//! Built-in rules come from the registry (`crate::registry`): Rust rules with
//! their `RuleDoc`, and the embedded `.rego` files of `rules/`. Custom rules
//! are `.rego` files in the folders `rules_dirs` names. Each Rego file
//! declares, beside its logic, `metadata` (id, title, severity, rationale,
//! remediation), a `findings` set and pass/fail `examples`, so a rule's id,
//! docs, logic and tests stay together (as in ruff and oxc). `RuleSet` merges
//! them into one list of `RuleMeta` that `rules list`, `rules explain`, the
//! docs and every report read.
//!
//! Evaluation uses `regorus`, Microsoft's in-process Rego interpreter: one
//! input document holds every policy, the config and today's date, and each
//! rule's package is evaluated on its own so that an error or a runaway rule
//! is reported against its own file. An execution time limit bounds every
//! evaluation. regorus is built without its `time` feature: no rule uses
//! the `time.*` built-ins (rules read today's date from the input, which
//! keeps runs reproducible), and the feature brought chrono and chrono-tz's
//! compiled time-zone database into the build (issue 18).
//!
//! A rule's `examples` are run by the `examples` submodule
//! (`src/rules/examples.rs`), which also checks that each fail example's
//! findings land at the paths and counts it declares, and that every path a
//! rule emits is a path of the policy file schema.

use std::collections::{BTreeSet, HashMap};
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{json, Value};

use crate::model::{
    ExampleOutcome, Family, Finding, Policy, RuleMeta, RuleOrigin, Severity, Sources,
};
use crate::registry;

mod examples;

/// A rule that could not be loaded or run. Always fatal (exit 2): a rule
/// that silently fails would make a clean report a lie.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{file}: {message}")]
#[diagnostic(code(casguard::rules))]
pub struct RuleError {
    pub file: String,
    pub message: String,
    #[help]
    pub help: Option<String>,
}

struct LoadedRego {
    meta: RuleMeta,
    /// Rule path of the package, e.g. `data.casguard.rules.cas101`.
    package: String,
    file: String,
}

/// Every rule: Rust-implemented docs plus a loaded Rego engine.
pub struct RuleSet {
    engine: regorus::Engine,
    rego: Vec<LoadedRego>,
    metas: Vec<RuleMeta>,
}

/// Where custom rules are and how long one evaluation may take.
pub struct RuleSettings<'a> {
    pub custom_dirs: &'a [PathBuf],
    /// Folder display paths are relative to.
    pub base: &'a Path,
    pub time_limit: Duration,
}

impl RuleSet {
    /// The registry's rules alone (no custom rules), with the default time limit.
    pub fn builtin() -> Result<RuleSet, RuleError> {
        RuleSet::load(&RuleSettings {
            custom_dirs: &[],
            base: Path::new("."),
            time_limit: Duration::from_secs(crate::config::DEFAULT_RULE_TIMEOUT_SECONDS),
        })
    }

    /// Loads every registered rule and every `.rego` file in the custom folders.
    pub fn load(settings: &RuleSettings<'_>) -> Result<RuleSet, RuleError> {
        let mut engine = regorus::Engine::new();
        engine.set_execution_timer_config(regorus::utils::limits::ExecutionTimerConfig {
            limit: settings.time_limit,
            check_interval: NonZeroU32::new(256).expect("non-zero"),
        });
        let mut set = RuleSet {
            engine,
            rego: Vec::new(),
            metas: registry::RUST_RULES
                .iter()
                .map(RuleMeta::from_doc)
                .collect(),
        };
        for rule in registry::REGO_RULES {
            let origin = RuleOrigin::BuiltinRego(rule.file.to_string());
            let id = set.add_rego(rule.file, rule.source, origin, rule.family)?;
            if id != rule.id {
                return Err(RuleError {
                    file: rule.file.into(),
                    message: format!(
                        "declares id `{id}`, but the registry lists it as `{}`",
                        rule.id
                    ),
                    help: Some("keep the registry and the rule's metadata in agreement".into()),
                });
            }
        }
        for dir in settings.custom_dirs {
            for file in custom_rule_files(settings.base, dir)? {
                let display = crate::fsutil::display_path(settings.base, &file);
                let text = read_rego(&file).map_err(|e| RuleError {
                    file: display.clone(),
                    message: format!("cannot read custom rule: {e}"),
                    help: Some("check the file's permissions and that it is UTF-8".into()),
                })?;
                check_rego_bounds(&display, &text)?;
                let origin = RuleOrigin::Custom(display.clone());
                set.add_rego(&display, &text, origin, Family::Lint)?;
            }
        }
        set.metas.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(set)
    }

    /// Adds one Rego file; returns the id it declares.
    fn add_rego(
        &mut self,
        file: &str,
        text: &str,
        origin: RuleOrigin,
        family: Family,
    ) -> Result<String, RuleError> {
        let error = |message: String, help: &str| RuleError {
            file: file.to_string(),
            message,
            help: Some(help.to_string()),
        };
        let package = self
            .engine
            .add_policy(file.to_string(), text.to_string())
            .map_err(|e| {
                error(
                    format!("Rego error: {}", e.to_string().trim_end()),
                    "fix the rule; the message gives the line and column",
                )
            })?;
        if let Some(other) = self.rego.iter().find(|r| r.package == package) {
            return Err(error(
                format!(
                    "package `{}` is already declared by `{}`",
                    package.trim_start_matches("data."),
                    other.file
                ),
                "give every rule file its own package, e.g. `package casguard.custom.<id>`",
            ));
        }
        let meta = self.metadata(&package, origin, family, &error)?;
        self.check_id_free(&meta.id, &error)?;
        let id = meta.id.clone();
        self.metas.push(meta.clone());
        self.rego.push(LoadedRego {
            meta,
            package,
            file: file.to_string(),
        });
        Ok(id)
    }

    /// A rule file's `metadata`, validated.
    fn metadata(
        &mut self,
        package: &str,
        origin: RuleOrigin,
        family: Family,
        error: &dyn Fn(String, &str) -> RuleError,
    ) -> Result<RuleMeta, RuleError> {
        let raw = self
            .engine
            .eval_rule(format!("{package}.metadata"))
            .map_err(|e| error(format!("cannot evaluate `metadata`: {}", e.to_string().trim_end()), "declare `metadata := {\"id\": ..., \"title\": ..., \"severity\": ..., \"rationale\": ..., \"remediation\": ...}`"))?;
        let raw = serde_json::to_value(&raw).unwrap_or(Value::Null);
        let field = |name: &str| {
            raw.get(name)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let missing = ["id", "title", "severity", "rationale", "remediation"]
            .into_iter()
            .filter(|name| field(name).is_none())
            .collect::<Vec<_>>();
        if !missing.is_empty() {
            return Err(error(
                format!("`metadata` lacks {}", missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ")),
                "every rule declares id, title, severity (error|warning|note), rationale and remediation as strings",
            ));
        }
        let id = field("id").unwrap_or_default();
        if !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(error(
                format!("rule id `{id}` may only contain letters, digits, `-` and `_`"),
                "use an id such as `ORG001`",
            ));
        }
        let severity_text = field("severity").unwrap_or_default();
        let severity = Severity::parse(&severity_text).ok_or_else(|| {
            error(
                format!("metadata severity `{severity_text}` is not error, warning or note"),
                "set `\"severity\": \"warning\"` (or error, note)",
            )
        })?;
        Ok(RuleMeta {
            id,
            family,
            title: field("title").unwrap_or_default(),
            severity,
            rationale: field("rationale").unwrap_or_default(),
            remediation: field("remediation").unwrap_or_default(),
            origin,
        })
    }

    /// Rule ids are never reused: not another rule's, not a retired one.
    fn check_id_free(
        &self,
        id: &str,
        error: &dyn Fn(String, &str) -> RuleError,
    ) -> Result<(), RuleError> {
        let taken = self.metas.iter().find(|m| m.id.eq_ignore_ascii_case(id));
        if let Some(existing) = taken {
            let other = match &existing.origin {
                RuleOrigin::Builtin(_) => "a built-in rule".to_string(),
                RuleOrigin::BuiltinRego(f) | RuleOrigin::Custom(f) => format!("`{f}`"),
            };
            return Err(error(
                format!("rule id `{id}` is already used by {other}"),
                "rule ids are never reused; pick another id",
            ));
        }
        if let Some(retired) = registry::retired(id) {
            return Err(error(
                format!("rule id `{}` is retired and never reused", retired.id),
                "pick another id",
            ));
        }
        Ok(())
    }

    pub fn metas(&self) -> &[RuleMeta] {
        &self.metas
    }

    pub fn get(&self, id: &str) -> Option<&RuleMeta> {
        self.metas.iter().find(|m| m.id.eq_ignore_ascii_case(id))
    }

    /// The rules of these families, built-in and custom.
    pub fn of_families<'a>(&'a self, families: &'a [Family]) -> impl Iterator<Item = &'a RuleMeta> {
        self.metas.iter().filter(|m| families.contains(&m.family))
    }

    /// Runs the Rego rules of `families` not in `skip` over `policies`.
    pub fn evaluate(
        &self,
        policies: &[Policy],
        sources: &Sources,
        input: &RuleInput<'_>,
        families: &[Family],
        skip: &BTreeSet<String>,
    ) -> Result<Vec<Finding>, RuleError> {
        let rules: Vec<&LoadedRego> = self
            .rego
            .iter()
            .filter(|r| families.contains(&r.meta.family) && !skip.contains(&r.meta.id))
            .collect();
        if rules.is_empty() {
            return Ok(Vec::new());
        }
        let input = input_value(policies, input.config.clone(), input.today);
        let by_key: HashMap<&str, &Policy> =
            policies.iter().map(|p| (p.file.as_str(), p)).collect();
        // Rules are independent: each core takes the next rule not yet run
        // (rules differ a lot in cost), with one engine clone per thread.
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(rules.len());
        let next = std::sync::atomic::AtomicUsize::new(0);
        let results: Vec<Result<Vec<Finding>, RuleError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|_| {
                    let mut engine = self.engine.clone();
                    engine.set_input(input.clone());
                    let (by_key, next, rules) = (&by_key, &next, &rules);
                    scope.spawn(move || {
                        let mut findings = Vec::new();
                        while let Some(rule) =
                            rules.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
                        {
                            findings.extend(run_rule(&mut engine, rule, by_key, sources)?);
                        }
                        Ok(findings)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .collect()
        });
        let mut findings = Vec::new();
        for result in results {
            findings.extend(result?);
        }
        Ok(findings)
    }

    /// Runs every Rego rule's pass and fail examples (see `examples`).
    pub fn run_examples(&self, base_config: &crate::config::Config) -> Vec<ExampleOutcome> {
        examples::run_examples(self, base_config)
    }
}

/// What rules see besides the policies: `input.config` and `input.today`.
pub struct RuleInput<'a> {
    pub config: &'a Value,
    pub today: jiff::civil::Date,
}

/// The documentation page of a rule (`docs/rules/<ID>.md`), generated from
/// its metadata so the two cannot disagree.
pub fn doc_page(meta: &RuleMeta) -> String {
    let origin = match &meta.origin {
        RuleOrigin::Builtin(module) => {
            format!("Implemented in casguard itself (`src/{module}.rs`).")
        }
        RuleOrigin::BuiltinRego(file) | RuleOrigin::Custom(file) => {
            format!("Defined in [`{file}`](../../{file}), with its examples.")
        }
    };
    format!(
        "<!-- Generated from the rule's metadata by `CASGUARD_UPDATE_DOCS=1 cargo test --test docs`; do not edit. -->\n# {}: {}\n\nDefault severity: **{}**. {origin}\n\n## Why it matters\n\n{}\n\n## How to fix\n\n{}\n\n## Configuration\n\nChange its level with `[rules] {} = \"warning\"` (or `\"off\"`, `\"note\"`, `\"error\"`) in casguard.toml, or accept one policy's finding with a `[[suppress]]` entry (reason and expiry required). `casguard rules explain {}` prints this page.\n",
        meta.id, meta.title, meta.severity, meta.rationale, meta.remediation, meta.id, meta.id
    )
}

/// The documentation page of a retired rule id.
pub fn retired_page(retired: &crate::model::RetiredRule) -> String {
    let now = retired.replaced_by.map_or_else(
        || "It has no replacement.".to_string(),
        |r| format!("What it reported is now reported by [{r}]({r}.md)."),
    );
    format!(
        "<!-- Generated from the rule registry by `CASGUARD_UPDATE_DOCS=1 cargo test --test docs`; do not edit. -->\n# {}: retired\n\n{now}\n\n{}\n\nRule ids are never reused. `[rules]` entries and `[[suppress]]` entries that still name {} keep working, applied to its replacement, and casguard notes them (CAS903) so they can be renamed.\n",
        retired.id, retired.note, retired.id
    )
}

/// The document every rule sees as `input`: `today`, `config`, and
/// `policies` (each with its computed `review` status). Built on every core:
/// converting thousands of policies is a large share of a lint run.
fn input_value(policies: &[Policy], config: Value, today: jiff::civil::Date) -> regorus::Value {
    let interval = config
        .get("review_interval_days")
        .and_then(Value::as_i64)
        .unwrap_or(crate::config::DEFAULT_REVIEW_INTERVAL_DAYS);
    let parts = crate::parallel::map(policies, |p| {
        let mut document = p.to_rule_input();
        document["review"] = crate::review::rule_input(p, interval, today);
        regorus::Value::from(document)
    });
    let mut input = regorus::Value::from(json!({"today": today.to_string(), "config": config}));
    if let Ok(object) = input.as_object_mut() {
        object.insert(
            regorus::Value::from("policies"),
            regorus::Value::from(parts),
        );
    }
    input
}

fn run_rule(
    engine: &mut regorus::Engine,
    rule: &LoadedRego,
    by_key: &HashMap<&str, &Policy>,
    sources: &Sources,
) -> Result<Vec<Finding>, RuleError> {
    eval_findings(engine, rule)?
        .iter()
        .map(|item| to_finding(rule, item, by_key, sources))
        .collect()
}

fn rule_error(rule: &LoadedRego, message: String, help: &str) -> RuleError {
    RuleError {
        file: rule.file.clone(),
        message: format!("rule {}: {message}", rule.meta.id),
        help: Some(help.to_string()),
    }
}

/// Evaluates a rule's `findings` set over the engine's input, as raw objects.
fn eval_findings(engine: &mut regorus::Engine, rule: &LoadedRego) -> Result<Vec<Value>, RuleError> {
    let error = |message: String, help: &str| rule_error(rule, message, help);
    let value = engine.eval_rule(format!("{}.findings", rule.package)).map_err(|e| {
        let text = e.to_string();
        if text.contains("exceeded time limit") {
            // regorus reports elapsed nanoseconds; keep the message reproducible.
            return error(
                "evaluation stopped: the rule ran longer than its time limit".into(),
                "raise `rule_timeout_seconds` in casguard.toml only if the rule is right; look for nested iteration over large collections",
            );
        }
        error(format!("evaluation failed: {}", text.trim_end()), "fix the rule; every rule declares `findings contains f if { ... }`")
    })?;
    match serde_json::to_value(&value).unwrap_or(Value::Null) {
        Value::Array(items) => Ok(items),
        Value::Null => Ok(Vec::new()),
        other => Err(error(
            format!("`findings` must be a set of objects, found {}", crate::model::json_kind(&other)),
            "declare `findings contains {\"policy\": p.key, \"path\": \"...\", \"message\": \"...\"} if { ... }`",
        )),
    }
}

/// One raw finding object as a `Finding`, located by its `path`.
fn to_finding(
    rule: &LoadedRego,
    item: &Value,
    by_key: &HashMap<&str, &Policy>,
    sources: &Sources,
) -> Result<Finding, RuleError> {
    let message = item.get("message").and_then(Value::as_str).ok_or_else(|| {
        rule_error(
            rule,
            format!("a finding has no string `message`: {item}"),
            "each finding is an object with `policy`, `message` and optionally `path`",
        )
    })?;
    let mut finding = Finding::new(rule.meta.id.clone(), rule.meta.severity, message);
    let path = item.get("path").and_then(Value::as_str);
    if let Some(key) = item.get("policy").and_then(Value::as_str) {
        if let Some(policy) = by_key.get(key) {
            finding = finding.policy(&policy.name);
            finding.location = policy.locate(sources, path.unwrap_or_default());
        }
    }
    if let Some(label) = item.get("label").and_then(Value::as_str) {
        finding = finding.label(label);
    }
    finding.help = Some(rule.meta.remediation.clone());
    Ok(finding)
}

/// A custom rule file larger than this is refused before parsing.
const MAX_REGO_BYTES: usize = 1024 * 1024;
/// Brackets nested deeper than this are refused before parsing: regorus's
/// parser takes time exponential in the nesting of array literals (26
/// levels take 50 s, 50 never finish), and `rule_timeout_seconds` only
/// covers evaluation. Real rules nest a handful of levels.
const MAX_REGO_NESTING: usize = 16;

/// A custom rule's text, reading at most one byte more than allowed (so
/// `check_rego_bounds` sees it is too large without reading a huge file).
fn read_rego(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut text = String::new();
    std::fs::File::open(path)?
        .take(MAX_REGO_BYTES as u64 + 1)
        .read_to_string(&mut text)?;
    Ok(text)
}

/// Refuses a custom rule too large or too deeply nested to parse in
/// bounded time, naming the file and the line where the limit was passed.
fn check_rego_bounds(file: &str, text: &str) -> Result<(), RuleError> {
    let refuse = |message: String| RuleError {
        file: file.to_string(),
        message,
        help: Some("simplify the rule: split large literals into smaller rules or data".into()),
    };
    if text.len() > MAX_REGO_BYTES {
        return Err(refuse(format!(
            "custom rule is larger than the {MAX_REGO_BYTES} bytes allowed"
        )));
    }
    match rego_nesting_overflow(text) {
        Some(line) => Err(refuse(format!(
            "brackets nested more than {MAX_REGO_NESTING} deep at line {line}"
        ))),
        None => Ok(()),
    }
}

/// The 1-based line where `(`, `[` and `{` outside strings and comments
/// first nest deeper than `MAX_REGO_NESTING`, if they do.
fn rego_nesting_overflow(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut line = 1;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\n' => line += 1,
            '#' => {
                chars.by_ref().find(|&c| c == '\n')?;
                line += 1;
            }
            '"' => loop {
                match chars.next()? {
                    '\\' => {
                        chars.next()?;
                    }
                    '"' => break,
                    '\n' => {
                        line += 1;
                        break;
                    }
                    _ => {}
                }
            },
            '`' => {
                for c in chars.by_ref() {
                    match c {
                        '`' => break,
                        '\n' => line += 1,
                        _ => {}
                    }
                }
            }
            '(' | '[' | '{' => {
                depth += 1;
                if depth > MAX_REGO_NESTING {
                    return Some(line);
                }
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

fn custom_rule_files(base: &Path, dir: &Path) -> Result<Vec<PathBuf>, RuleError> {
    let display = crate::fsutil::display_path(base, dir);
    if !dir.is_dir() {
        return Err(RuleError {
            file: display,
            message: "custom rules folder does not exist".into(),
            help: Some("create it, or correct `rules_dirs` in casguard.toml".into()),
        });
    }
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
    {
        let entry = entry.map_err(|e| RuleError {
            file: display.clone(),
            message: format!("cannot read custom rules folder: {e}"),
            help: None,
        })?;
        if entry.file_type().is_file() && entry.path().extension().is_some_and(|e| e == "rego") {
            files.push(entry.into_path());
        }
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_is_counted_outside_strings_and_comments() {
        let deep = format!("x := {}1{}", "[".repeat(17), "]".repeat(17));
        assert_eq!(
            rego_nesting_overflow(&format!("package p\n\n{deep}\n")),
            Some(3)
        );
        let fine = format!("x := {}1{}", "[".repeat(16), "]".repeat(16));
        assert_eq!(rego_nesting_overflow(&fine), None);
        let quoted = format!("# {0}\ns := \"{0}\\\"\"\nr := `{0}`\n", "[".repeat(40));
        assert_eq!(rego_nesting_overflow(&quoted), None);
    }
}
