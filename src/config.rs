//! `casguard.toml`: finding it, parsing it and validating it. Every key is
//! optional; a bad file is a fatal error (exit 2) that names the file, line
//! and key, because a misread config silently changes every result.
//!
//! Validation has two phases, like policy files (see `load`): the `toml`
//! crate's `DeTable` parser gives a tree with every key and value spanned (a
//! TOML syntax error stops there, as one error), then a `Checker` walks the
//! tree and collects every problem in one run, each pointing at its key or
//! value, with a "did you mean" for misspelt keys and enum values. Each
//! section's known keys are a table of `Key`s (a name and a converter that
//! checks the value and stores it), so a new key is one line in its
//! section's table plus its converter, and a new section is one more table.

use std::borrow::Cow;
use std::fmt::Display;
use std::ops::{Range, RangeInclusive};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use miette::{Diagnostic, NamedSource, SourceSpan};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::model::{AlertThresholds, FpNumerator, Location, Severity, SourceFile};
use crate::textutil::{closest, join_path};

pub const FILE_NAME: &str = "casguard.toml";
pub const DEFAULT_REVIEW_INTERVAL_DAYS: i64 = 90;
pub const DEFAULT_RULE_TIMEOUT_SECONDS: u64 = 10;

/// At most this many problems are shown at once: a hostile or badly broken
/// file (say, one long line with thousands of bad keys) must not produce
/// pages of output. The count of all of them is still given.
const MAX_SHOWN_PROBLEMS: usize = 20;

/// Quoted values in messages are clipped to this many characters.
const MAX_QUOTED_CHARS: usize = 80;

/// Every problem with casguard.toml, each pointing at the offending text.
/// One problem is shown as itself; several are shown under one
/// "N problems" diagnostic as related diagnostics. Boxed, so that results
/// carrying it stay small on the happy path.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error(transparent)]
#[diagnostic(transparent)]
pub struct ConfigError(Box<Problems>);

#[derive(Debug, thiserror::Error, Diagnostic)]
enum Problems {
    #[error(transparent)]
    #[diagnostic(transparent)]
    One(ConfigProblem),
    #[error("{file}: {total} problems")]
    #[diagnostic(code(casguard::config))]
    Many {
        file: String,
        total: usize,
        #[help]
        help: Option<String>,
        #[related]
        shown: Vec<ConfigProblem>,
    },
}

impl ConfigError {
    /// Groups the problems found in `source`, in file order. Only the
    /// problems shown are rendered (located, framed): a hostile file with a
    /// million bad entries on one 4 MB line must not cost a million
    /// line-and-column searches. `found` must not be empty.
    fn collected(source: &SourceFile, mut found: Vec<Pending>) -> ConfigError {
        let total = found.len();
        found.sort_by_key(|p| p.span.start);
        found.truncate(MAX_SHOWN_PROBLEMS);
        let masked = std::cell::OnceCell::new();
        let mut problems: Vec<ConfigProblem> = found
            .into_iter()
            .map(|p| new_problem(source, &masked, Some(p.span), p.message, &p.label, p.help))
            .collect();
        let file = source.path.as_str();
        if total == 1 {
            return ConfigError::from(problems.remove(0));
        }
        // The group names the file once; each snippet names it again.
        let prefix = format!("{file}: ");
        for problem in &mut problems {
            if let Some(message) = problem.message.strip_prefix(&prefix) {
                problem.message = message.to_string();
            }
        }
        let help = (total > MAX_SHOWN_PROBLEMS).then(|| {
            format!(
                "the first {MAX_SHOWN_PROBLEMS} are shown; fix them and run again to see the rest"
            )
        });
        ConfigError(Box::new(Problems::Many {
            file: file.to_string(),
            total,
            help,
            shown: problems,
        }))
    }

    /// The problems shown, in file order (at most `MAX_SHOWN_PROBLEMS`).
    pub fn problems(&self) -> &[ConfigProblem] {
        match &*self.0 {
            Problems::One(problem) => std::slice::from_ref(problem),
            Problems::Many { shown, .. } => shown,
        }
    }

    /// How many problems were found, shown or not.
    pub fn total(&self) -> usize {
        match &*self.0 {
            Problems::One(_) => 1,
            Problems::Many { total, .. } => *total,
        }
    }
}

impl From<ConfigProblem> for ConfigError {
    fn from(problem: ConfigProblem) -> ConfigError {
        ConfigError(Box::new(Problems::One(problem)))
    }
}

#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(code(casguard::config))]
pub struct ConfigProblem {
    pub message: String,
    #[source_code]
    pub source_code: Option<NamedSource<Arc<str>>>,
    #[label("{label}")]
    pub span: Option<SourceSpan>,
    pub label: String,
    #[help]
    pub help: Option<String>,
}

/// What a `[rules]` entry sets a rule to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleLevel {
    Off,
    Severity(Severity),
}

#[derive(Debug, Clone)]
pub struct RuleOverride {
    pub rule: String,
    pub level: RuleLevel,
    pub span: Range<usize>,
}

/// An accountable, expiring exception to a rule.
#[derive(Debug, Clone)]
pub struct Suppression {
    pub rule: String,
    pub policy: String,
    pub reason: String,
    pub expires: jiff::civil::Date,
    pub owner: Option<String>,
    pub ticket: Option<String>,
    pub location: Location,
    pub rule_span: Range<usize>,
    rule_matcher: globset::GlobMatcher,
    policy_matcher: globset::GlobMatcher,
}

impl Suppression {
    pub fn matches_rule(&self, rule: &str) -> bool {
        self.rule_matcher.is_match(rule)
    }

    /// A suppression names a policy by name or file path, either as a glob.
    /// Names are matched exactly (ignoring case) first, so a name with glob
    /// characters such as `[legacy]` still matches itself.
    pub fn matches_policy(&self, name: Option<&str>, file: Option<&str>) -> bool {
        name.is_some_and(|n| {
            n.trim().eq_ignore_ascii_case(&self.policy) || self.policy_matcher.is_match(n.trim())
        }) || file.is_some_and(|f| f == self.policy || self.policy_matcher.is_match(f))
    }
}

/// The validated configuration, with paths resolved against its folder.
#[derive(Debug, Clone)]
pub struct Config {
    /// The config file's text, when there is one, for locating findings.
    pub source: Option<Arc<SourceFile>>,
    pub root: PathBuf,
    pub policies_dir: PathBuf,
    pub rules_dirs: Vec<PathBuf>,
    pub review_interval_days: i64,
    pub allowed_email_domains: Vec<String>,
    pub naming_pattern: Option<String>,
    pub rule_overrides: Vec<RuleOverride>,
    pub suppressions: Vec<Suppression>,
    /// How long one Rego rule may run before it is stopped and reported.
    pub rule_timeout: std::time::Duration,
    /// `[tenant]`: where and how to read the live configuration.
    pub tenant: TenantConfig,
    /// `[drift]`: how desired and live state are compared.
    pub drift: DriftConfig,
    /// `[review]`: live timestamp fields, snapshot history folder.
    pub review: ReviewConfig,
    /// `[archive]`: where the alert archive lives.
    pub archive: ArchiveConfig,
    /// `[alerts]`: the windows and thresholds of the alert analysis.
    pub alerts: AlertThresholds,
    /// `[ops]`: the thresholds of the weekly operations check.
    pub ops: crate::model::OpsThresholds,
    /// `[report]`: the monthly report's own inputs.
    pub report: ReportConfig,
}

/// `[archive]` settings.
#[derive(Debug, Clone, Default)]
pub struct ArchiveConfig {
    /// The SQLite file; `.casguard/archive.sqlite` under the project root by default.
    pub path: Option<PathBuf>,
}

/// `[report]` settings of `casguard report monthly`.
#[derive(Debug, Clone, Default)]
pub struct ReportConfig {
    /// A Markdown file the author writes on the latest threats; the section
    /// is left out when unset.
    pub threat_notes: Option<PathBuf>,
}

/// The default archive path, relative to the project root.
pub const DEFAULT_ARCHIVE: &str = ".casguard/archive.sqlite";

impl Config {
    /// The alert archive's path.
    pub fn archive_path(&self) -> PathBuf {
        self.archive
            .path
            .clone()
            .unwrap_or_else(|| self.root.join(DEFAULT_ARCHIVE))
    }
}

/// `[review]` settings.
#[derive(Debug, Clone)]
pub struct ReviewConfig {
    /// Live fields that carry a last-change time (first present wins).
    pub live_timestamp_fields: Vec<String>,
    /// Folder of timestamped snapshots (`fetch --history`), for "observed since" dates.
    pub history_dir: Option<PathBuf>,
}

impl Default for ReviewConfig {
    fn default() -> Self {
        ReviewConfig {
            live_timestamp_fields: [
                "lastModified",
                "lastModifiedDate",
                "lastUpdated",
                "lastUpdatedTimestamp",
                "modifiedDate",
            ]
            .map(String::from)
            .to_vec(),
            history_dir: None,
        }
    }
}

/// `[drift]` settings.
#[derive(Debug, Clone)]
pub struct DriftConfig {
    /// Level of live policies no file declares; `None` ignores them.
    pub unmanaged: Option<Severity>,
    /// Names (globs) of live policies that are not managed here on purpose.
    pub ignore_unmanaged: Vec<String>,
    ignore_unmanaged_matcher: globset::GlobSet,
    /// Field paths never compared (`ignore`) and the server-managed live
    /// fields (`server_managed`, `server_managed_pattern`).
    pub comparison: crate::normalize::Comparison,
}

impl Default for DriftConfig {
    fn default() -> Self {
        DriftConfig {
            unmanaged: Some(Severity::Warning),
            ignore_unmanaged: Vec::new(),
            ignore_unmanaged_matcher: globset::GlobSet::empty(),
            comparison: crate::normalize::Comparison::default(),
        }
    }
}

impl DriftConfig {
    pub fn ignores_unmanaged(&self, name: &str) -> bool {
        self.ignore_unmanaged_matcher.is_match(name.trim())
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            source: None,
            root: PathBuf::new(),
            policies_dir: PathBuf::from("policies"),
            rules_dirs: Vec::new(),
            review_interval_days: DEFAULT_REVIEW_INTERVAL_DAYS,
            allowed_email_domains: Vec::new(),
            naming_pattern: None,
            rule_overrides: Vec::new(),
            suppressions: Vec::new(),
            rule_timeout: std::time::Duration::from_secs(DEFAULT_RULE_TIMEOUT_SECONDS),
            tenant: TenantConfig::default(),
            drift: DriftConfig::default(),
            review: ReviewConfig::default(),
            archive: ArchiveConfig::default(),
            alerts: AlertThresholds::default(),
            ops: crate::model::OpsThresholds::default(),
            report: ReportConfig::default(),
        }
    }
}

/// How casguard authenticates to MDCA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuthMethod {
    /// Legacy API token: `Authorization: Token <token>`.
    #[default]
    Token,
    /// Entra ID client credentials with a client secret.
    EntraSecret,
    /// Entra ID client credentials with a federated token (CI, Kubernetes).
    EntraWorkloadIdentity,
}

impl AuthMethod {
    pub const NAMES: [&'static str; 3] = ["token", "entra-secret", "entra-workload-identity"];

    pub fn name(self) -> &'static str {
        match self {
            AuthMethod::Token => "token",
            AuthMethod::EntraSecret => "entra-secret",
            AuthMethod::EntraWorkloadIdentity => "entra-workload-identity",
        }
    }

    pub fn parse(text: &str) -> Option<AuthMethod> {
        match text.trim().to_ascii_lowercase().as_str() {
            "token" => Some(AuthMethod::Token),
            "entra-secret" => Some(AuthMethod::EntraSecret),
            "entra-workload-identity" => Some(AuthMethod::EntraWorkloadIdentity),
            _ => None,
        }
    }
}

/// `[tenant] graph_auth`: Microsoft Graph takes Entra ID tokens only. When
/// unset, Graph uses `auth` if that is an Entra method, else `entra-secret`
/// when CASGUARD_CLIENT_SECRET is set, else no Graph checks run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphAuth {
    EntraSecret,
    EntraWorkloadIdentity,
    /// Never call Graph: its checks are unavailable.
    None,
}

impl GraphAuth {
    pub const NAMES: [&'static str; 3] = ["entra-secret", "entra-workload-identity", "none"];

    pub fn parse(text: &str) -> Option<GraphAuth> {
        match text.trim().to_ascii_lowercase().as_str() {
            "entra-secret" => Some(GraphAuth::EntraSecret),
            "entra-workload-identity" => Some(GraphAuth::EntraWorkloadIdentity),
            "none" => Some(GraphAuth::None),
            _ => None,
        }
    }
}

/// `[tenant]`: every key optional; secrets never live here (environment or files only).
#[derive(Debug, Clone)]
pub struct TenantConfig {
    pub url: Option<String>,
    pub auth: AuthMethod,
    pub token_file: Option<PathBuf>,
    /// PEM certificates to trust for HTTPS instead of the built-in Mozilla
    /// list (a TLS-inspecting proxy's root); `SSL_CERT_FILE` when unset.
    pub ca_file: Option<PathBuf>,
    pub tenant_id: Option<String>,
    pub client_id: Option<String>,
    /// Entra ID authority, e.g. https://login.microsoftonline.com.
    pub authority_host: Option<String>,
    /// Microsoft Graph's base URL (Secure Score, message center).
    pub graph_url: Option<String>,
    /// How to sign in to Microsoft Graph; see `GraphAuth`.
    pub graph_auth: Option<GraphAuth>,
    pub connect_timeout: std::time::Duration,
    pub request_timeout: std::time::Duration,
    /// Client-side pacing; 0 disables it. MDCA allows 30 per minute per tenant.
    pub max_requests_per_minute: u32,
    /// Tries per request, the first included.
    pub max_attempts: u32,
    /// Base of the exponential backoff; the 429 fallback waits 5x this, 60x when "throttled".
    pub retry_base_delay: std::time::Duration,
    /// Overall time limit of one fetch, retries included.
    pub deadline: std::time::Duration,
}

impl Default for TenantConfig {
    fn default() -> Self {
        TenantConfig {
            url: None,
            auth: AuthMethod::Token,
            token_file: None,
            ca_file: None,
            tenant_id: None,
            client_id: None,
            authority_host: None,
            graph_url: None,
            graph_auth: None,
            connect_timeout: std::time::Duration::from_secs(10),
            request_timeout: std::time::Duration::from_secs(60),
            max_requests_per_minute: 30,
            max_attempts: 6,
            retry_base_delay: std::time::Duration::from_secs(1),
            deadline: std::time::Duration::from_secs(600),
        }
    }
}

impl Config {
    /// Parses config text; `root` is the folder relative paths start from.
    pub fn parse(display: &str, text: &str, root: &Path) -> Result<Config, ConfigError> {
        let source = Arc::new(SourceFile::new(display, text));
        // Phase 1: TOML syntax, one error as the parser reports it.
        let table = DeTable::parse(text).map_err(|e| {
            ConfigError::from(new_problem(
                &source,
                &std::cell::OnceCell::new(),
                e.span(),
                format!("TOML syntax error: {}", e.message().trim_end()),
                "here",
                "fix the TOML syntax; see https://toml.io/en/v1.0.0",
            ))
        })?;
        // Phase 2: every key and value, every problem.
        let mut config = Config {
            root: root.to_path_buf(),
            policies_dir: root.join(Config::default().policies_dir),
            ..Config::default()
        };
        let mut checker = Checker {
            source: &source,
            root,
            problems: Vec::new(),
        };
        checker.entries(table.get_ref(), table.span(), &TOP, &mut config);
        if !checker.problems.is_empty() {
            return Err(ConfigError::collected(&source, checker.problems));
        }
        config.source = Some(source);
        Ok(config)
    }

    /// Checks that every rule id named in `[rules]` and `[[suppress]]`
    /// exists, and that CAS001 is neither lowered nor suppressed; reports
    /// every such problem at once.
    pub fn check_rule_ids(&self, known: &[&str]) -> Result<(), ConfigError> {
        let Some(source) = &self.source else {
            return Ok(());
        };
        let unknown = |rule: &str, span: Range<usize>, what: &str| {
            let near = closest(rule, known)
                .map(|c| format!("did you mean `{c}`? "))
                .unwrap_or_default();
            Pending {
                span,
                message: format!("{what} names unknown rule `{}`", clip(rule)),
                label: "unknown rule".into(),
                help: format!("{near}run `casguard rules list` to see every rule id"),
            }
        };
        let cas001 = crate::registry::CAS001.id;
        let mut problems = Vec::new();
        for o in &self.rule_overrides {
            if !known.contains(&o.rule.as_str()) {
                problems.push(unknown(&o.rule, o.span.clone(), "[rules]"));
            } else if o.rule == cas001 && o.level != RuleLevel::Severity(Severity::Error) {
                problems.push(Pending {
                    span: o.span.clone(),
                    message: "CAS001 (invalid policy file) cannot be turned off or lowered".into(),
                    label: "always an error".into(),
                    help: "an unreadable policy file makes every other result incomplete; fix the file or move it out of the policies folder".into(),
                });
            }
        }
        for s in &self.suppressions {
            if !known.iter().any(|id| s.matches_rule(id)) {
                problems.push(unknown(&s.rule, s.rule_span.clone(), "a suppression"));
            } else if s.rule.eq_ignore_ascii_case(cas001) {
                problems.push(Pending {
                    span: s.rule_span.clone(),
                    message: "CAS001 (invalid policy file) cannot be suppressed".into(),
                    label: "always reported".into(),
                    help: "fix the file or move it out of the policies folder".into(),
                });
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ConfigError::collected(source, problems))
        }
    }

    pub fn rule_level(&self, rule: &str) -> Option<RuleLevel> {
        self.rule_overrides
            .iter()
            .rev()
            .find(|o| o.rule == rule)
            .map(|o| o.level)
    }

    /// Settings rules see as `input.config`.
    pub fn rule_input(&self) -> serde_json::Value {
        serde_json::json!({
            "review_interval_days": self.review_interval_days,
            "allowed_email_domains": self.allowed_email_domains,
            "naming_pattern": self.naming_pattern,
        })
    }
}

fn last_line(text: &str) -> &str {
    text.lines().last().unwrap_or(text).trim()
}

pub fn toml_date(value: &toml::value::Datetime) -> Option<jiff::civil::Date> {
    if value.time.is_some() || value.offset.is_some() {
        return None;
    }
    let d = value.date?;
    jiff::civil::Date::new(d.year as i16, d.month as i8, d.day as i8).ok()
}

// Phase 2: the known keys of every section. To add a key, add one `key(..)`
// line to its section's table; its converter checks the value with the
// `Checker` helpers (string, integer, choice, ...) and stores it. To add a
// section, add a `Section` table, a `key(..)` for it in `TOP` that calls
// `Checker::section`, and the table to `sections_for_hints`.

/// Checks one key's value and stores it into its section's settings `T`.
type Converter<T> = fn(&mut Checker<'_>, &Field<'_, '_>, &mut T);

/// A known key: its name as written in the file, and its converter.
struct Key<T> {
    name: &'static str,
    apply: Converter<T>,
}

/// The known keys of one table of the file.
struct Section<T: 'static> {
    /// Dotted path of the table; empty at the top level.
    path: &'static str,
    /// The table as written, e.g. `[tenant]`; empty at the top level.
    header: &'static str,
    keys: &'static [Key<T>],
    /// Keys that must be present, each with an example for the help.
    required: &'static [(&'static str, &'static str)],
}

impl<T> Section<T> {
    fn names(&self) -> Vec<&'static str> {
        self.keys.iter().map(|k| k.name).collect()
    }

    /// Path, header and key names, for "move it to" hints.
    fn outline(&self) -> (&'static str, &'static str, Vec<&'static str>) {
        (self.path, self.header, self.names())
    }
}

/// Sets `slot` when the converter produced a value.
fn set<V>(slot: &mut V, value: Option<V>) {
    if let Some(value) = value {
        *slot = value;
    }
}

const fn key<T>(name: &'static str, apply: Converter<T>) -> Key<T> {
    Key { name, apply }
}

const CADENCE: &str = "use e.g. 30 (monthly), 90 (quarterly) or 365 (yearly)";
const RULE_TIMEOUT: &str = "the default, 10 seconds, is plenty for thousands of policies";
const DEFAULTS: &str = "see the README's configuration reference for the defaults";
const PACING: &str = "0 turns pacing off; MDCA allows 30 requests per minute";
const ATTEMPTS: &str = "the default, 6, rides out short outages";
const DELAY: &str = "the default is 1000";

const TOP: Section<Config> = Section {
    path: "",
    header: "",
    required: &[],
    keys: &[
        key("policies_dir", |c, f, t| {
            set(&mut t.policies_dir, c.path(f))
        }),
        key("rules_dirs", |c, f, t| t.rules_dirs = c.paths(f)),
        key("review_interval_days", |c, f, t| {
            set(&mut t.review_interval_days, c.integer(f, 1..=3650, CADENCE))
        }),
        key("allowed_email_domains", email_domains),
        key("naming_pattern", naming_pattern),
        key("rule_timeout_seconds", |c, f, t| {
            set(&mut t.rule_timeout, c.seconds(f, 1..=600, RULE_TIMEOUT))
        }),
        key("tenant", |c, f, t| c.section(f, &TENANT, &mut t.tenant)),
        key("drift", |c, f, t| c.section(f, &DRIFT, &mut t.drift)),
        key("review", |c, f, t| c.section(f, &REVIEW, &mut t.review)),
        key("archive", |c, f, t| c.section(f, &ARCHIVE, &mut t.archive)),
        key("alerts", |c, f, t| c.section(f, &ALERTS, &mut t.alerts)),
        key("ops", |c, f, t| c.section(f, &OPS, &mut t.ops)),
        key("report", |c, f, t| c.section(f, &REPORT, &mut t.report)),
        key("rules", rule_levels),
        key("suppress", suppressions),
    ],
};

const TENANT: Section<TenantConfig> = Section {
    path: "tenant",
    header: "[tenant]",
    required: &[],
    keys: &[
        key("url", |c, f, t| t.url = c.string(f)),
        key("auth", |c, f, t| {
            set(
                &mut t.auth,
                c.choice(f, AuthMethod::parse, &AuthMethod::NAMES),
            )
        }),
        key("token_file", |c, f, t| t.token_file = c.path(f)),
        key("ca_file", |c, f, t| t.ca_file = c.path(f)),
        key("tenant_id", |c, f, t| t.tenant_id = c.string(f)),
        key("client_id", |c, f, t| t.client_id = c.string(f)),
        key("authority_host", |c, f, t| t.authority_host = c.string(f)),
        key("graph_url", |c, f, t| t.graph_url = c.string(f)),
        key("graph_auth", |c, f, t| {
            t.graph_auth = c.choice(f, GraphAuth::parse, &GraphAuth::NAMES)
        }),
        key("connect_timeout_seconds", |c, f, t| {
            set(&mut t.connect_timeout, c.seconds(f, 1..=300, DEFAULTS))
        }),
        key("request_timeout_seconds", |c, f, t| {
            set(&mut t.request_timeout, c.seconds(f, 1..=600, DEFAULTS))
        }),
        key("max_requests_per_minute", |c, f, t| {
            set(
                &mut t.max_requests_per_minute,
                c.integer(f, 0..=u32::MAX.into(), PACING),
            )
        }),
        key("max_attempts", |c, f, t| {
            set(&mut t.max_attempts, c.integer(f, 1..=20, ATTEMPTS))
        }),
        key("retry_base_delay_ms", |c, f, t| {
            set(&mut t.retry_base_delay, c.millis(f, 1..=60_000, DELAY))
        }),
        key("deadline_seconds", |c, f, t| {
            set(&mut t.deadline, c.seconds(f, 1..=86_400, DEFAULTS))
        }),
    ],
};

const UNMANAGED_LEVELS: [&str; 4] = ["error", "warning", "note", "ignore"];

const DRIFT: Section<DriftConfig> = Section {
    path: "drift",
    header: "[drift]",
    required: &[],
    keys: &[
        key("unmanaged", |c, f, d| {
            set(
                &mut d.unmanaged,
                c.choice(f, parse_unmanaged, &UNMANAGED_LEVELS),
            )
        }),
        key("ignore_unmanaged", ignore_unmanaged),
        key("ignore", ignored_fields),
        key("server_managed", |c, f, d| {
            d.comparison.server_managed.fields = c.texts(f)
        }),
        key("server_managed_pattern", server_managed_pattern),
    ],
};

const REVIEW: Section<ReviewConfig> = Section {
    path: "review",
    header: "[review]",
    required: &[],
    keys: &[
        key("live_timestamp_fields", |c, f, r| {
            r.live_timestamp_fields = c.texts(f)
        }),
        key("history_dir", |c, f, r| r.history_dir = c.path(f)),
    ],
};

const ARCHIVE: Section<ArchiveConfig> = Section {
    path: "archive",
    header: "[archive]",
    required: &[],
    keys: &[key("path", |c, f, a| a.path = c.path(f))],
};

const REPORT: Section<ReportConfig> = Section {
    path: "report",
    header: "[report]",
    required: &[],
    keys: &[key("threat_notes", |c, f, r| r.threat_notes = c.path(f))],
};

const DAYS: &str = "a number of days, e.g. 30";
const RATIO: &str = "a ratio between 0 and 1, e.g. 0.5";
const COUNT: &str = "a whole number, e.g. 5";
const NUMERATORS: [&str; 2] = ["fp_only", "fp_and_benign"];

fn parse_numerator(text: &str) -> Option<FpNumerator> {
    match text.trim().to_ascii_lowercase().as_str() {
        "fp_only" => Some(FpNumerator::FpOnly),
        "fp_and_benign" => Some(FpNumerator::FpAndBenign),
        _ => None,
    }
}

const ALERTS: Section<AlertThresholds> = Section {
    path: "alerts",
    header: "[alerts]",
    required: &[],
    keys: &[
        key("window_days", |c, f, a| {
            set(&mut a.window_days, c.integer(f, 1..=3650, DAYS))
        }),
        key("fp_min_sample", |c, f, a| {
            set(&mut a.fp_min_sample, c.integer(f, 1..=1_000_000, COUNT))
        }),
        key("fp_tune", |c, f, a| {
            set(&mut a.fp_tune, c.number(f, 0.0..=1.0, RATIO))
        }),
        key("fp_warn", |c, f, a| {
            set(&mut a.fp_warn, c.number(f, 0.0..=1.0, RATIO))
        }),
        key("fp_numerator", |c, f, a| {
            set(
                &mut a.fp_numerator,
                c.choice(f, parse_numerator, &NUMERATORS),
            )
        }),
        key("dead_days", |c, f, a| {
            set(&mut a.dead_days, c.integer(f, 1..=3650, DAYS))
        }),
        key("saturation_days", |c, f, a| {
            set(&mut a.saturation_days, c.integer(f, 1..=366, COUNT))
        }),
        key("unworked_days", |c, f, a| {
            set(&mut a.unworked_days, c.integer(f, 1..=3650, DAYS))
        }),
        key("spike_min_history_days", |c, f, a| {
            set(&mut a.spike_min_history_days, c.integer(f, 7..=3650, DAYS))
        }),
        key("spike_min_count", |c, f, a| {
            set(&mut a.spike_min_count, c.integer(f, 1..=1_000_000, COUNT))
        }),
        key("spike_k", |c, f, a| {
            set(&mut a.spike_k, c.number(f, 0.5..=20.0, "e.g. 3"))
        }),
        key("drop_min_baseline", |c, f, a| {
            set(
                &mut a.drop_min_baseline,
                c.number(f, 0.5..=1_000_000.0, "e.g. 3"),
            )
        }),
        key("trend_min_previous", |c, f, a| {
            set(
                &mut a.trend_min_previous,
                c.integer(f, 1..=1_000_000, COUNT),
            )
        }),
        key("trend_percent", |c, f, a| {
            set(
                &mut a.trend_percent,
                c.number(f, 1.0..=1000.0, "a percentage, e.g. 25"),
            )
        }),
        key("backlog_days", |c, f, a| {
            set(&mut a.backlog_days, c.integer(f, 1..=3650, DAYS))
        }),
        key("mail_cap_per_day", |c, f, a| {
            set(&mut a.mail_cap_per_day, c.integer(f, 1..=1_000_000, COUNT))
        }),
    ],
};

const HOURS: &str = "a number of hours, e.g. 24";

const OPS: Section<crate::model::OpsThresholds> = Section {
    path: "ops",
    header: "[ops]",
    required: &[],
    keys: &[
        key("system_alert_days", |c, f, o| {
            set(&mut o.system_alert_days, c.integer(f, 1..=90, DAYS))
        }),
        key("connector_stale_hours", |c, f, o| {
            set(&mut o.connector_stale_hours, c.integer(f, 1..=8760, HOURS))
        }),
        key("stream_stale_hours", |c, f, o| {
            set(&mut o.stream_stale_hours, c.integer(f, 1..=8760, HOURS))
        }),
        key("siem_error_hours", |c, f, o| {
            set(&mut o.siem_error_hours, c.integer(f, 1..=8760, HOURS))
        }),
        key("siem_disconnected_hours", |c, f, o| {
            set(
                &mut o.siem_disconnected_hours,
                c.integer(f, 1..=8760, HOURS),
            )
        }),
        key("token_inactive_days", |c, f, o| {
            set(&mut o.token_inactive_days, c.integer(f, 1..=3650, DAYS))
        }),
        key("token_max_age_days", |c, f, o| {
            set(&mut o.token_max_age_days, c.integer(f, 1..=36500, DAYS))
        }),
        key("governance_days", |c, f, o| {
            set(&mut o.governance_days, c.integer(f, 1..=90, DAYS))
        }),
        key("governance_pending_hours", |c, f, o| {
            set(
                &mut o.governance_pending_hours,
                c.integer(f, 1..=8760, HOURS),
            )
        }),
        key("parse_success_max_age_hours", |c, f, o| {
            set(
                &mut o.parse_success_max_age_hours,
                c.integer(f, 1..=8760, HOURS),
            )
        }),
        key("action_due_days", |c, f, o| {
            set(&mut o.action_due_days, c.integer(f, 1..=365, DAYS))
        }),
        key("score_drop_points", |c, f, o| {
            set(
                &mut o.score_drop_points,
                c.number(f, 0.0..=10_000.0, "points, e.g. 0"),
            )
        }),
    ],
};

const SUPPRESS: Section<SuppressionDraft> = Section {
    path: "suppress",
    header: "[[suppress]]",
    required: &[
        ("rule", "rule = \"CAS103\""),
        ("policy", "policy = \"Legacy *\""),
        (
            "reason",
            "reason = \"Vendor app alerts through its own SIEM connector\"",
        ),
        ("expires", "expires = 2027-03-31"),
    ],
    keys: &[
        key("rule", |c, f, s| s.rule = suppression_glob(c, f)),
        key("policy", |c, f, s| s.policy = suppression_glob(c, f)),
        key("reason", suppression_reason),
        key("expires", |c, f, s| s.expires = c.date(f)),
        key("owner", |c, f, s| s.owner = c.string(f)),
        key("ticket", |c, f, s| s.ticket = c.string(f)),
    ],
};

/// The tables searched for a key written in the wrong one.
fn sections_for_hints() -> [(&'static str, &'static str, Vec<&'static str>); 7] {
    [
        TOP.outline(),
        TENANT.outline(),
        DRIFT.outline(),
        REVIEW.outline(),
        ARCHIVE.outline(),
        ALERTS.outline(),
        SUPPRESS.outline(),
    ]
}

fn email_domains(c: &mut Checker<'_>, f: &Field<'_, '_>, config: &mut Config) {
    for (domain, span) in c.strings(f) {
        let text = domain.trim().trim_start_matches('@').to_ascii_lowercase();
        let domain_chars = |ch: char| ch.is_ascii_alphanumeric() || ch == '.' || ch == '-';
        if text.contains('.') && text.chars().all(domain_chars) {
            config.allowed_email_domains.push(text);
        } else {
            c.problem(
                span,
                format!("`{}` is not an email domain", clip(&domain)),
                "not a domain",
                "list bare domains such as \"contoso.com\"",
            );
        }
    }
}

/// A regular expression from a string value; `help` shows an example.
fn regex_value(
    c: &mut Checker<'_>,
    f: &Field<'_, '_>,
    help: &str,
) -> Option<(String, regex::Regex)> {
    let pattern = c.string(f)?;
    match regex::Regex::new(&pattern) {
        Ok(regex) => Some((pattern, regex)),
        Err(e) => {
            c.problem(
                f.span(),
                format!(
                    "`{}` is not a valid regular expression: {}",
                    f.path,
                    clip(last_line(&e.to_string()))
                ),
                "invalid regex",
                help,
            );
            None
        }
    }
}

fn naming_pattern(c: &mut Checker<'_>, f: &Field<'_, '_>, config: &mut Config) {
    if let Some((pattern, _)) = regex_value(
        c,
        f,
        "use Rust/RE2 regex syntax, e.g. '^[A-Z][A-Za-z0-9 -]+$'",
    ) {
        config.naming_pattern = Some(pattern);
    }
}

/// `[drift] server_managed_pattern`: a regex over whole live field names;
/// an empty string turns the pattern off.
fn server_managed_pattern(c: &mut Checker<'_>, f: &Field<'_, '_>, drift: &mut DriftConfig) {
    let help =
        "use Rust/RE2 regex syntax, e.g. '^(created|lastModified)(Date)?$', or \"\" for no pattern";
    if let Some((pattern, regex)) = regex_value(c, f, help) {
        drift.comparison.server_managed.pattern = (!pattern.is_empty()).then_some(regex);
    }
}

const RULE_LEVELS: [&str; 4] = ["off", "note", "warning", "error"];

fn parse_rule_level(text: &str) -> Option<RuleLevel> {
    match text.to_ascii_lowercase().as_str() {
        "off" => Some(RuleLevel::Off),
        other => Severity::parse(other).map(RuleLevel::Severity),
    }
}

/// `[rules]`: any rule id (checked later by `check_rule_ids`) set to a level.
fn rule_levels(c: &mut Checker<'_>, f: &Field<'_, '_>, config: &mut Config) {
    let Some(table) = c.table(f) else {
        return;
    };
    for (rule, value) in table.iter() {
        let field = Field::new(&f.path, rule.get_ref(), value);
        if let Some(level) = c.choice(&field, parse_rule_level, &RULE_LEVELS) {
            config.rule_overrides.push(RuleOverride {
                rule: rule.get_ref().to_string(),
                level,
                span: rule.span(),
            });
        }
    }
}

fn parse_unmanaged(text: &str) -> Option<Option<Severity>> {
    match text.to_ascii_lowercase().as_str() {
        "ignore" => Some(None),
        other => Severity::parse(other).map(Some),
    }
}

fn ignore_unmanaged(c: &mut Checker<'_>, f: &Field<'_, '_>, drift: &mut DriftConfig) {
    let mut builder = globset::GlobSetBuilder::new();
    for (pattern, span) in c.strings(f) {
        match glob(pattern.trim()) {
            Ok(glob) => {
                builder.add(glob);
                drift.ignore_unmanaged.push(pattern);
            }
            Err(e) => c.problem(
                span,
                format!("`{}` is not a valid glob: {e}", clip(&pattern)),
                "invalid glob",
                "use a name, or a glob with * and ?",
            ),
        }
    }
    match builder.build() {
        Ok(set) => drift.ignore_unmanaged_matcher = set,
        Err(e) => c.problem(
            f.span(),
            format!("invalid glob: {}", clip(&e.to_string())),
            "invalid glob",
            "use names or globs with * and ?",
        ),
    }
}

/// The policy-file keys a drift ignore path may start with.
const POLICY_ROOTS: [&str; 8] = [
    "name",
    "type",
    "enabled",
    "severity",
    "description",
    "alerts",
    "filters",
    "extra",
];

fn ignored_fields(c: &mut Checker<'_>, f: &Field<'_, '_>, drift: &mut DriftConfig) {
    for (path, span) in c.strings(f) {
        let keys = crate::normalize::split_path(path.trim());
        if !keys.iter().any(String::is_empty) && POLICY_ROOTS.contains(&keys[0].as_str()) {
            drift.comparison.ignore.push(keys);
            continue;
        }
        let near = closest(&keys[0], &POLICY_ROOTS)
            .filter(|near| !keys[0].is_empty() && *near != keys[0])
            .map(|near| format!("did you mean `{near}`? "))
            .unwrap_or_default();
        c.problem(
            span,
            format!("`{}` is not a field path", clip(&path)),
            "not a path",
            format!("{near}write a policy-file path such as \"extra.alertsPerUser\" or \"filters.fileType\""),
        );
    }
}

/// A `[[suppress]]` entry being read; complete when every required key was valid.
#[derive(Default)]
struct SuppressionDraft {
    rule: Option<Glob>,
    policy: Option<Glob>,
    reason: Option<String>,
    expires: Option<jiff::civil::Date>,
    owner: Option<String>,
    ticket: Option<String>,
}

struct Glob {
    text: String,
    span: Range<usize>,
    matcher: globset::GlobMatcher,
}

impl SuppressionDraft {
    fn finish(self, location: Location) -> Option<Suppression> {
        let (rule, policy) = (self.rule?, self.policy?);
        Some(Suppression {
            rule: rule.text,
            policy: policy.text,
            reason: self.reason?,
            expires: self.expires?,
            owner: self.owner,
            ticket: self.ticket,
            location,
            rule_span: rule.span,
            rule_matcher: rule.matcher,
            policy_matcher: policy.matcher,
        })
    }
}

fn suppressions(c: &mut Checker<'_>, f: &Field<'_, '_>, config: &mut Config) {
    let help = "write each suppression as its own `[[suppress]]` table (two brackets)";
    let DeValue::Array(items) = f.value.get_ref() else {
        c.type_error(f, "an array of tables", help.into());
        return;
    };
    for (index, item) in items.iter().enumerate() {
        let DeValue::Table(table) = item.get_ref() else {
            c.type_error(&f.item(index, item), "a table", help.into());
            continue;
        };
        let mut draft = SuppressionDraft::default();
        c.entries(table, item.span(), &SUPPRESS, &mut draft);
        if let Some(suppression) = draft.finish(c.source.location(item.span())) {
            config.suppressions.push(suppression);
        }
    }
}

/// Globs longer than this are refused before globset compiles them: a
/// glob of 150,000 characters panics inside globset, and one of 1 MB takes
/// 400 MB. Policy and rule names are far shorter.
const MAX_GLOB_CHARS: usize = 1000;

/// A case-insensitive glob (`*` also crosses `/`), or what is wrong with it.
fn glob(pattern: &str) -> Result<globset::Glob, String> {
    let chars = pattern.chars().count();
    if chars > MAX_GLOB_CHARS {
        return Err(format!(
            "it is {chars} characters long, more than the {MAX_GLOB_CHARS} allowed"
        ));
    }
    globset::GlobBuilder::new(pattern)
        .case_insensitive(true)
        .literal_separator(false)
        .build()
        .map_err(|e| e.kind().to_string())
}

fn suppression_glob(c: &mut Checker<'_>, f: &Field<'_, '_>) -> Option<Glob> {
    let text = c.string(f)?.trim().to_string();
    match glob(&text) {
        Ok(glob) => Some(Glob {
            text,
            span: f.span(),
            matcher: glob.compile_matcher(),
        }),
        Err(e) => {
            c.problem(
                f.span(),
                format!("`{}` is not a valid glob: {e}", f.path),
                "invalid glob",
                "use a name, or a glob with * and ? such as \"Legacy *\"",
            );
            None
        }
    }
}

fn suppression_reason(c: &mut Checker<'_>, f: &Field<'_, '_>, s: &mut SuppressionDraft) {
    let Some(reason) = c.string(f) else {
        return;
    };
    if reason.trim().is_empty() {
        c.problem(
            f.span(),
            "a suppression needs a non-empty `reason`".into(),
            "empty reason",
            "say why the finding is accepted, so reviewers and auditors can judge it",
        );
    } else {
        s.reason = Some(reason.trim().to_string());
    }
}

/// A value being checked, with its dotted path for messages.
struct Field<'v, 'i> {
    path: String,
    value: &'v Spanned<DeValue<'i>>,
}

impl<'v, 'i> Field<'v, 'i> {
    /// The field `key` of the table at `parent`; the path is clipped for messages.
    fn new(parent: &str, key: &str, value: &'v Spanned<DeValue<'i>>) -> Field<'v, 'i> {
        Field {
            path: clip(&join_path(parent, key)),
            value,
        }
    }

    /// Item `index` of this array.
    fn item<'w, 'j>(&self, index: usize, value: &'w Spanned<DeValue<'j>>) -> Field<'w, 'j> {
        Field {
            path: format!("{}[{index}]", self.path),
            value,
        }
    }

    fn span(&self) -> Range<usize> {
        self.value.span()
    }

    /// The key as written in its table, for examples in help texts.
    fn key(&self) -> &str {
        self.path.rsplit('.').next().unwrap_or(&self.path)
    }
}

/// Walks the parsed file, converting values into settings and collecting
/// every problem.
struct Checker<'s> {
    source: &'s SourceFile,
    /// Folder relative paths start from.
    root: &'s Path,
    problems: Vec<Pending>,
}

/// A problem found but not yet rendered (see `ConfigError::collected`).
struct Pending {
    span: Range<usize>,
    message: String,
    label: String,
    help: String,
}

impl Checker<'_> {
    fn problem(
        &mut self,
        span: Range<usize>,
        message: String,
        label: &str,
        help: impl Into<String>,
    ) {
        self.problems.push(Pending {
            span,
            message,
            label: label.to_string(),
            help: help.into(),
        });
    }

    fn type_error(&mut self, f: &Field<'_, '_>, expected: &str, help: String) {
        self.problem(
            f.span(),
            format!(
                "`{}` must be {expected}, found {}",
                f.path,
                crate::textutil::describe_toml(f.value.get_ref(), MAX_QUOTED_CHARS)
            ),
            &format!("expected {expected}"),
            help,
        );
    }

    /// Checks every entry of `table` against `section`, converting into `target`.
    fn entries<T>(
        &mut self,
        table: &DeTable<'_>,
        span: Range<usize>,
        section: &Section<T>,
        target: &mut T,
    ) {
        for (key, value) in table.iter() {
            let name: &str = key.get_ref();
            match section.keys.iter().find(|k| k.name == name) {
                Some(known) => (known.apply)(self, &Field::new(section.path, name, value), target),
                None => self.unknown_key(key, section),
            }
        }
        for (name, example) in section.required {
            if !table.contains_key(*name) {
                self.problem(
                    span.clone(),
                    format!("{} is missing the required key `{name}`", section.header),
                    &format!("no `{name}`"),
                    format!("add `{example}`"),
                );
            }
        }
    }

    /// A sub-table such as `[tenant]`, checked against its section.
    fn section<T>(&mut self, f: &Field<'_, '_>, section: &Section<T>, target: &mut T) {
        if let Some(table) = self.table(f) {
            self.entries(table, f.span(), section, target);
        }
    }

    fn unknown_key<T>(&mut self, key: &Spanned<Cow<'_, str>>, section: &Section<T>) {
        let name: &str = key.get_ref();
        let known = section.names();
        let help = key_hint(name, section.path, &known).unwrap_or_else(|| {
            let place = if section.path.is_empty() {
                "at the top level".to_string()
            } else {
                format!("in {}", section.header)
            };
            format!(
                "allowed keys {place}: {}; see the README's configuration reference",
                known.join(", ")
            )
        });
        self.problem(
            key.span(),
            format!("unknown key `{}`", clip(&join_path(section.path, name))),
            "unknown key",
            help,
        );
    }

    fn table<'v, 'i>(&mut self, f: &Field<'v, 'i>) -> Option<&'v DeTable<'i>> {
        match f.value.get_ref() {
            DeValue::Table(table) => Some(table),
            _ => {
                let help = format!("write it as a `[{}]` section", f.path);
                self.type_error(f, "a table", help);
                None
            }
        }
    }

    fn string(&mut self, f: &Field<'_, '_>) -> Option<String> {
        match f.value.get_ref() {
            DeValue::String(s) => Some(s.to_string()),
            _ => {
                let help = if f.path.ends_with(']') {
                    "write each entry of the list in quotes".to_string()
                } else {
                    format!("write it in quotes: `{} = \"...\"`", f.key())
                };
                self.type_error(f, "a string", help);
                None
            }
        }
    }

    /// A path, relative to the config file's folder.
    fn path(&mut self, f: &Field<'_, '_>) -> Option<PathBuf> {
        self.string(f).map(|p| self.root.join(p))
    }

    /// An array of strings, each with its span; items of another type are reported.
    fn strings(&mut self, f: &Field<'_, '_>) -> Vec<(String, Range<usize>)> {
        let DeValue::Array(items) = f.value.get_ref() else {
            let help = match f.value.get_ref() {
                DeValue::String(s) => {
                    format!("put it in brackets: `{} = [\"{}\"]`", f.key(), clip(s))
                }
                _ => format!("write a list such as `{} = [\"...\"]`", f.key()),
            };
            self.type_error(f, "an array of strings", help);
            return Vec::new();
        };
        let mut list = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            if let Some(text) = self.string(&f.item(index, item)) {
                list.push((text, item.span()));
            }
        }
        list
    }

    /// An array of strings, without their spans.
    fn texts(&mut self, f: &Field<'_, '_>) -> Vec<String> {
        self.strings(f).into_iter().map(|(s, _)| s).collect()
    }

    /// Paths from an array of strings, relative to the config file's folder.
    fn paths(&mut self, f: &Field<'_, '_>) -> Vec<PathBuf> {
        let list = self.strings(f);
        list.into_iter().map(|(p, _)| self.root.join(p)).collect()
    }

    /// A whole number in `range` (which must fit `N`); `help` explains the range.
    fn integer<N: TryFrom<i64>>(
        &mut self,
        f: &Field<'_, '_>,
        range: RangeInclusive<i64>,
        help: &str,
    ) -> Option<N> {
        let DeValue::Integer(i) = f.value.get_ref() else {
            let help = match f.value.get_ref() {
                DeValue::String(s) if s.trim().parse::<i64>().is_ok() => {
                    format!("remove the quotes: `{} = {}`", f.key(), s.trim())
                }
                _ => format!(
                    "write a whole number between {} and {}, without quotes",
                    range.start(),
                    range.end()
                ),
            };
            self.type_error(f, "an integer", help);
            return None;
        };
        let value = i64::from_str_radix(&i.as_str().replace('_', ""), i.radix())
            .ok()
            .filter(|n| range.contains(n))
            .and_then(|n| N::try_from(n).ok());
        if value.is_none() {
            self.out_of_range(f, range.start(), range.end(), help);
        }
        value
    }

    fn out_of_range(
        &mut self,
        f: &Field<'_, '_>,
        low: impl Display,
        high: impl Display,
        help: &str,
    ) {
        let written = self.source.text.get(f.span()).unwrap_or_default();
        self.problem(
            f.span(),
            format!(
                "`{}` must be between {low} and {high}, found {}",
                f.path,
                clip(written)
            ),
            "out of range",
            help,
        );
    }

    /// A number (integer or float) in `range`.
    fn number(&mut self, f: &Field<'_, '_>, range: RangeInclusive<f64>, help: &str) -> Option<f64> {
        let parsed = match f.value.get_ref() {
            DeValue::Integer(i) => i.as_str().replace('_', "").parse::<f64>().ok(),
            DeValue::Float(x) => x.as_str().replace('_', "").parse::<f64>().ok(),
            _ => {
                self.type_error(f, "a number", format!("write {help}, without quotes"));
                return None;
            }
        };
        let value = parsed.filter(|n| range.contains(n));
        if value.is_none() {
            self.out_of_range(f, range.start(), range.end(), help);
        }
        value
    }

    /// A number of seconds in `range`.
    fn seconds(
        &mut self,
        f: &Field<'_, '_>,
        range: RangeInclusive<i64>,
        help: &str,
    ) -> Option<Duration> {
        self.integer(f, range, help).map(Duration::from_secs)
    }

    /// A number of milliseconds in `range`.
    fn millis(
        &mut self,
        f: &Field<'_, '_>,
        range: RangeInclusive<i64>,
        help: &str,
    ) -> Option<Duration> {
        self.integer(f, range, help).map(Duration::from_millis)
    }

    /// One of `allowed` (as `parse` reads it), with a "did you mean" when not.
    fn choice<V>(
        &mut self,
        f: &Field<'_, '_>,
        parse: fn(&str) -> Option<V>,
        allowed: &[&str],
    ) -> Option<V> {
        let text = self.string(f)?;
        let parsed = parse(&text);
        if parsed.is_none() {
            let near = closest(&text, allowed)
                .map(|c| format!("did you mean `{c}`? "))
                .unwrap_or_default();
            self.problem(
                f.span(),
                format!("`{}` has an unknown value `{}`", f.path, clip(&text)),
                "not an allowed value",
                format!("{near}use one of: {}", allowed.join(", ")),
            );
        }
        parsed
    }

    /// A TOML date without time, such as 2027-03-31.
    fn date(&mut self, f: &Field<'_, '_>) -> Option<jiff::civil::Date> {
        let date = match f.value.get_ref() {
            DeValue::Datetime(dt) => toml_date(dt),
            _ => None,
        };
        if date.is_none() {
            let quoted = matches!(f.value.get_ref(),
                DeValue::String(s) if s.trim().parse::<jiff::civil::Date>().is_ok());
            let example = format!("`{} = 2027-03-31`", f.key());
            self.problem(
                f.span(),
                format!(
                    "`{}` must be a date such as 2027-03-31, found {}",
                    f.path,
                    crate::textutil::describe_toml(f.value.get_ref(), MAX_QUOTED_CHARS)
                ),
                "not a date",
                if quoted {
                    format!("remove the quotes: write {example} (a TOML date, no time)")
                } else {
                    format!("write {example} (a TOML date, no quotes, no time)")
                },
            );
        }
        date
    }
}

/// A problem at `span` of `source`, framed in `masked` (the text with its
/// secrets masked, computed once for all the problems of a file). A span whose snippet would quote very
/// long lines (a minified or hostile file) is given as line and column in
/// the message instead, so the output stays short.
fn new_problem(
    source: &SourceFile,
    masked: &std::cell::OnceCell<Arc<str>>,
    span: Option<Range<usize>>,
    message: String,
    label: &str,
    help: impl Into<String>,
) -> ConfigProblem {
    let (message, span) = match span {
        Some(span) if !source.frames(&span) => {
            let (line, column) = source.line_col(span.start);
            (format!("{}:{line}:{column}: {message}", source.path), None)
        }
        span => (format!("{}: {message}", source.path), span),
    };
    ConfigProblem {
        message,
        source_code: span.as_ref().map(|_| {
            NamedSource::new(
                source.path.clone(),
                masked.get_or_init(|| masked_secrets(&source.text)).clone(),
            )
        }),
        span: span.map(SourceSpan::from),
        label: label.to_string(),
        help: Some(help.into()),
    }
}

/// The config text as code frames may quote it: the values that may hold
/// a secret replaced by `*`, byte for byte so that spans still point at
/// the same text. A secret may sit on the line of the problem or next to
/// it, under a key with a secret's name (`client_secret`), under a key
/// casguard does not know (`api_token = "…"`, the very problem being
/// reported), or in a URL's user information or query. Short values of
/// unknown keys (rule levels such as "off") stay readable.
fn masked_secrets(text: &str) -> Arc<str> {
    use std::sync::LazyLock;
    static ASSIGNMENT: LazyLock<regex::Regex> = LazyLock::new(|| {
        let key = r#"(?:[A-Za-z0-9_-]+|"[^"\n]*"|'[^'\n]*')"#;
        regex::Regex::new(&format!(
            r#"(?m)(?:^|[{{,])[ \t]*({key}(?:[ \t]*\.[ \t]*{key})*)[ \t]*=[ \t]*("""|'''|"|')"#
        ))
        .expect("a valid pattern")
    });
    static URL_SECRETS: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(
            r#"[A-Za-z][A-Za-z0-9+.-]*://(?:([^/@\s"'?#]+)@)?[^\s"'?#]*(?:[?#]([^\s"']*))?"#,
        )
        .expect("a valid pattern")
    });
    const SECRET_WORDS: [&str; 10] = [
        "token",
        "secret",
        "password",
        "passwd",
        "credential",
        "private",
        "apikey",
        "api_key",
        "assertion",
        "bearer",
    ];
    let known: std::collections::BTreeSet<&str> = sections_for_hints()
        .into_iter()
        .flat_map(|(_, _, names)| names)
        .collect();
    let mut bytes = text.as_bytes().to_vec();
    let mask = |range: Range<usize>, bytes: &mut Vec<u8>| {
        for b in &mut bytes[range] {
            // Continuation bytes too, so a multi-byte character becomes as
            // many `*` as it had bytes and offsets stay put.
            if *b != b'\n' && *b != b'\r' {
                *b = b'*';
            }
        }
    };
    for found in ASSIGNMENT.captures_iter(text) {
        let (Some(key), Some(quote)) = (found.get(1), found.get(2)) else {
            continue;
        };
        let name = key
            .as_str()
            .rsplit('.')
            .next()
            .unwrap_or_default()
            .trim()
            .trim_matches(['"', '\''])
            .to_ascii_lowercase();
        let start = quote.end();
        let close = quote.as_str();
        let rest = &text[start..];
        let end = if close.len() == 3 {
            rest.find(close).unwrap_or(rest.len())
        } else {
            let line = rest.find('\n').unwrap_or(rest.len());
            let close = close.chars().next().unwrap_or('"');
            let mut escaped = false;
            rest[..line]
                .char_indices()
                .find(|&(_, c)| {
                    let closes = !escaped && c == close;
                    escaped = close == '"' && c == '\\' && !escaped;
                    closes
                })
                .map_or(line, |(i, _)| i)
        };
        let value = rest[..end].trim();
        let secret_name = SECRET_WORDS.iter().any(|word| name.contains(word))
            && !["_file", "_path", "_env"]
                .iter()
                .any(|end| name.ends_with(end));
        let unknown_and_long = !known.contains(name.as_str())
            && value.chars().count() >= 8
            && !value.contains(char::is_whitespace);
        if secret_name || unknown_and_long {
            mask(start..start + end, &mut bytes);
        }
    }
    for found in URL_SECRETS.captures_iter(text) {
        for part in [found.get(1), found.get(2)].into_iter().flatten() {
            mask(part.range(), &mut bytes);
        }
    }
    // Only ASCII bytes were written over whole characters: still UTF-8.
    String::from_utf8(bytes).map_or_else(|_| Arc::from(""), Arc::from)
}

/// "did you mean" for an unknown key: a close key of the same table, else
/// the same key in another table.
fn key_hint(name: &str, here: &str, known: &[&str]) -> Option<String> {
    if let Some(near) = closest(name, known) {
        return Some(format!("did you mean `{near}`?"));
    }
    for (path, header, names) in sections_for_hints() {
        if path == here {
            continue;
        }
        if let Some(near) = names.iter().find(|k| k.eq_ignore_ascii_case(name)) {
            return Some(if path.is_empty() {
                format!("did you mean `{near}`? move it to the top of the file, before any [table]")
            } else {
                format!("did you mean `{path}.{near}`? move it to the {header} table")
            });
        }
    }
    None
}

/// What a value is, for "found ..." in type errors.
/// A user-written text for a message, clipped to `MAX_QUOTED_CHARS`.
fn clip(text: &str) -> String {
    crate::textutil::clip(text, MAX_QUOTED_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse("casguard.toml", text, Path::new(""))
    }

    #[test]
    fn server_managed_fields_are_replaceable() {
        let config =
            parse("[drift]\nserver_managed = [\"_id\", \"etag\"]\nserver_managed_pattern = \"\"\n")
                .unwrap();
        let managed = &config.drift.comparison.server_managed;
        assert!(managed.contains("etag") && !managed.contains("_tid"));
        assert!(!managed.contains("lastModified"), "no pattern");
        let config = parse("[drift]\nserver_managed_pattern = \"^seen[A-Z]\"\n").unwrap();
        assert!(config.drift.comparison.server_managed.contains("seenAt"));
        assert!(
            config.drift.comparison.server_managed.contains("_tid"),
            "list kept"
        );
        let found = problems("[drift]\nserver_managed_pattern = \"(\"\n");
        assert!(
            found[0].contains("not a valid regular expression"),
            "{found:?}"
        );
    }

    /// Every problem as "line: message | help".
    fn problems(text: &str) -> Vec<String> {
        let source = SourceFile::new("casguard.toml", text);
        let error = parse(text).unwrap_err();
        error
            .problems()
            .iter()
            .map(|p| {
                let line = p.span.map_or(0, |s| source.line_col(s.offset()).0);
                let help = p.help.as_deref().unwrap_or_default();
                format!("{line}: {} | {help}", p.message)
            })
            .collect()
    }

    #[test]
    fn empty_config_gives_defaults() {
        let config = parse("").unwrap();
        assert_eq!(config.review_interval_days, 90);
        assert_eq!(config.policies_dir, PathBuf::from("policies"));
    }

    #[test]
    fn full_config() {
        let config = parse(
            "policies_dir = \"p\"\nrules_dirs = [\"r\"]\nreview_interval_days = 30\nallowed_email_domains = [\"Contoso.com\"]\nnaming_pattern = \"^[A-Z]\"\n[rules]\nCAS204 = \"off\"\nCAS101 = \"warning\"\n[[suppress]]\nrule = \"CAS103\"\npolicy = \"Legacy *\"\nreason = \"vendor\"\nexpires = 2027-01-01\nowner = \"a@b.c\"\n",
        )
        .unwrap();
        assert_eq!(config.allowed_email_domains, ["contoso.com"]);
        assert_eq!(config.rule_level("CAS204"), Some(RuleLevel::Off));
        assert_eq!(
            config.rule_level("CAS101"),
            Some(RuleLevel::Severity(Severity::Warning))
        );
        let s = &config.suppressions[0];
        assert!(s.matches_policy(Some("legacy proxy"), None));
        assert!(!s.matches_policy(Some("Modern"), Some("policies/x.toml")));
        assert_eq!(s.location.line, 9);
    }

    #[test]
    fn sections_convert_their_values() {
        let text = "rule_timeout_seconds = 5\n[tenant]\nurl = \"https://x\"\nauth = \"Entra-Secret\"\ntoken_file = \"t\"\nmax_requests_per_minute = 0\nmax_attempts = 3\nretry_base_delay_ms = 250\ndeadline_seconds = 60\n[drift]\nunmanaged = \"ignore\"\nignore_unmanaged = [\"Legacy *\"]\nignore = [\"extra.alertsPerUser\"]\n[review]\nlive_timestamp_fields = [\"changed\"]\nhistory_dir = \"h\"\n";
        let config = Config::parse("casguard.toml", text, Path::new("cfg")).unwrap();
        assert_eq!(config.policies_dir, Path::new("cfg").join("policies"));
        assert_eq!(config.rule_timeout, Duration::from_secs(5));
        let t = &config.tenant;
        assert_eq!(t.url.as_deref(), Some("https://x"));
        assert_eq!(t.auth, AuthMethod::EntraSecret);
        assert_eq!(t.token_file, Some(Path::new("cfg").join("t")));
        assert_eq!(t.max_requests_per_minute, 0);
        assert_eq!(t.max_attempts, 3);
        assert_eq!(t.retry_base_delay, Duration::from_millis(250));
        assert_eq!(t.deadline, Duration::from_secs(60));
        assert_eq!(t.request_timeout, Duration::from_secs(60));
        assert_eq!(config.drift.unmanaged, None);
        assert!(config.drift.ignores_unmanaged("legacy proxy"));
        assert_eq!(config.drift.comparison.ignore, [["extra", "alertsPerUser"]]);
        assert_eq!(config.review.live_timestamp_fields, ["changed"]);
        assert_eq!(config.review.history_dir, Some(Path::new("cfg").join("h")));
    }

    #[test]
    fn errors_name_line_and_help() {
        let found = problems("review_interval_days = 90\npolicy_dir = \"x\"\n");
        assert_eq!(found.len(), 1);
        assert!(
            found[0].starts_with("2: casguard.toml: unknown key `policy_dir`"),
            "{found:?}"
        );
        let e = parse("review_interval_days = 90\npolicy_dir = \"x\"\n").unwrap_err();
        assert_eq!(e.problems()[0].span.unwrap().offset(), 26);
        let found = problems("[[suppress]]\nrule = \"CAS101\"\npolicy = \"x\"\nreason = \" \"\nexpires = 2027-01-01\n");
        assert!(found[0].contains("non-empty `reason`"), "{found:?}");
        let found = problems("[[suppress]]\nrule = \"CAS101\"\npolicy = \"x\"\nreason = \"r\"\n");
        assert!(
            found[0].starts_with("1: ") && found[0].contains("missing the required key `expires`"),
            "{found:?}"
        );
        let found = problems("[[suppress]]\nrule = \"CAS101\"\npolicy = \"x\"\nreason = \"r\"\nexpires = \"2027-01-01\"\n");
        assert!(
            found[0].contains("must be a date") && found[0].contains("remove the quotes"),
            "{found:?}"
        );
        let found = problems("naming_pattern = \"([\"\n");
        assert!(found[0].contains("not a valid regular expression"));
        let found = problems("[rules]\nCAS101 = \"loud\"\n");
        assert!(found[0].contains("`loud`"));
        let found = problems("review_interval_days = 0\n[tenant]\nmax_attempts = 21\n");
        assert!(
            found[0].contains("between 1 and 3650, found 0"),
            "{found:?}"
        );
        assert!(found[1].contains("`tenant.max_attempts` must be between 1 and 20, found 21"));
        let found = problems("allowed_email_domains = [\"@contoso.com\", \"contoso\"]\n[drift]\nignore_unmanaged = [\"[x\"]\nignore = [\"extras.x\"]\n");
        assert_eq!(found.len(), 3, "{found:#?}");
        assert!(found[0].contains("`contoso` is not an email domain"));
        assert!(found[1].contains("`[x` is not a valid glob"));
        assert!(
            found[2].contains("not a field path") && found[2].contains("did you mean `extra`?")
        );
    }

    #[test]
    fn check_rule_ids_reports_every_unknown_rule() {
        let config = parse("[rules]\nCAS1O1 = \"off\"\n").unwrap();
        let e = config.check_rule_ids(&["CAS101"]).unwrap_err();
        assert!(e.problems()[0]
            .help
            .as_deref()
            .unwrap()
            .contains("did you mean `CAS101`?"));
        let config = parse("[rules]\nCAS001 = \"warning\"\n").unwrap();
        let e = config.check_rule_ids(&["CAS001"]).unwrap_err();
        assert!(e.problems()[0]
            .message
            .contains("cannot be turned off or lowered"));
        let config = parse("[rules]\nCAS1O1 = \"off\"\nCAS2O2 = \"off\"\n[[suppress]]\nrule = \"CAS9\"\npolicy = \"x\"\nreason = \"r\"\nexpires = 2027-01-01\n").unwrap();
        let e = config.check_rule_ids(&["CAS101", "CAS202"]).unwrap_err();
        assert_eq!(e.total(), 3);
        assert_eq!(e.to_string(), "casguard.toml: 3 problems");
    }

    #[test]
    fn reports_every_problem_at_once_on_its_line() {
        let text = "review_interval_days = 0\nrules_dir = [\"r\"]\n[tenant]\nauth = \"tokn\"\nurl = 5\n[rules]\nCAS101 = \"warnng\"\n[[suppress]]\nrule = \"CAS101\"\npolicy = \"x\"\nreason = \"\"\n";
        let found = problems(text);
        assert_eq!(found.len(), 7, "{found:#?}");
        let lines: Vec<&str> = found.iter().map(|f| f.split(':').next().unwrap()).collect();
        assert_eq!(lines, ["1", "2", "4", "5", "7", "8", "11"], "{found:#?}");
        let e = parse(text).unwrap_err();
        assert_eq!(e.to_string(), "casguard.toml: 7 problems");
        assert_eq!(e.total(), 7);
    }

    #[test]
    fn misspelt_keys_get_did_you_mean() {
        let found = problems("review_intervall_days = 30\n[tenant]\nmax_attempt = 3\n[tennant]\n");
        assert!(
            found[0].contains("unknown key `review_intervall_days`")
                && found[0].contains("did you mean `review_interval_days`?"),
            "{found:?}"
        );
        assert!(
            found[1].contains("unknown key `tenant.max_attempt`")
                && found[1].contains("did you mean `max_attempts`?"),
            "{found:?}"
        );
        assert!(found[2].contains("did you mean `tenant`?"), "{found:?}");
        // A key of another table says where it belongs.
        let found = problems("auth = \"token\"\n[tenant]\nreview_interval_days = 30\n");
        assert!(
            found[0].contains("did you mean `tenant.auth`? move it to the [tenant] table"),
            "{found:?}"
        );
        assert!(
            found[1].contains("move it to the top of the file"),
            "{found:?}"
        );
        // Nothing close: the allowed keys are listed.
        let found = problems("[review]\nzzz = 1\n");
        assert!(
            found[0].contains("allowed keys in [review]: live_timestamp_fields, history_dir"),
            "{found:?}"
        );
    }

    #[test]
    fn misspelt_values_get_did_you_mean() {
        let found = problems("[tenant]\nauth = \"tokn\"\n[rules]\nCAS101 = \"warnng\"\n[drift]\nunmanaged = \"ignor\"\n");
        assert!(
            found[0].contains("`tenant.auth` has an unknown value `tokn`")
                && found[0].contains("did you mean `token`?"),
            "{found:?}"
        );
        assert!(
            found[1].contains("`rules.CAS101` has an unknown value `warnng`")
                && found[1]
                    .contains("did you mean `warning`? use one of: off, note, warning, error"),
            "{found:?}"
        );
        assert!(found[2].contains("did you mean `ignore`?"), "{found:?}");
    }

    #[test]
    fn wrong_types_say_what_was_expected_and_found() {
        let found = problems("review_interval_days = \"30\"\nrules_dirs = \"rules\"\ntenant = 3\nallowed_email_domains = [\"a.b\", 7]\nsuppress = 1\n[drift]\nunmanaged = true\n");
        assert_eq!(found.len(), 6, "{found:#?}");
        assert!(
            found[0].contains("`review_interval_days` must be an integer, found the string \"30\"")
                && found[0].contains("remove the quotes: `review_interval_days = 30`"),
            "{found:?}"
        );
        assert!(
            found[1]
                .contains("`rules_dirs` must be an array of strings, found the string \"rules\"")
                && found[1].contains("rules_dirs = [\"rules\"]"),
            "{found:?}"
        );
        assert!(found[2].contains("`tenant` must be a table, found the integer 3"));
        assert!(
            found[3].contains("`allowed_email_domains[1]` must be a string, found the integer 7")
        );
        assert!(found[4].contains("`suppress` must be an array of tables, found the integer 1"));
        assert!(found[5].contains("`drift.unmanaged` must be a string, found the boolean true"));
    }

    #[test]
    fn syntax_error_is_one_problem() {
        let found = problems("review_interval_days = 90\nx = \n");
        assert_eq!(found.len(), 1);
        assert!(
            found[0].starts_with("2: casguard.toml: TOML syntax error"),
            "{found:?}"
        );
    }

    #[test]
    fn hostile_input_gives_short_messages() {
        let long = "x".repeat(100_000);
        let e = parse(&format!(
            "[tenant]\nauth = \"{long}\"\n\"{long}\" = 1\nurl = 1\n"
        ))
        .unwrap_err();
        let found: Vec<&str> = e.problems().iter().map(|p| p.message.as_str()).collect();
        assert_eq!(found.len(), 3);
        assert!(found.iter().all(|f| f.len() < 300), "{found:?}");
        assert!(found[0].starts_with("casguard.toml:2:8: `tenant.auth` has an unknown value `xxxx"));
        assert!(found[0].ends_with("…`"));
        // Long lines are not quoted in snippets, the next line's span still is.
        assert!(e.problems()[..2].iter().all(|p| p.span.is_none()));
        assert!(e.problems()[2].span.is_none(), "a long line before it");
        let found = problems(&format!("a = \"{long}\"\n\n\nurl = 1\n"));
        assert!(
            found[0].starts_with("0: casguard.toml:1:1: unknown key `a`"),
            "{found:?}"
        );
        assert!(found[1].starts_with("4: unknown key `url`"), "{found:?}");
        let escaped = problems("[tenant]\nauth = \"a\\u001b[31mb\"\n");
        assert!(escaped[0].contains("a\\u{1b}[31mb"), "{escaped:?}");
        let many: String = (0..100).map(|i| format!("k{i} = 1\n")).collect();
        let e = parse(&many).unwrap_err();
        assert_eq!(e.total(), 100);
        assert_eq!(e.problems().len(), MAX_SHOWN_PROBLEMS);
    }
    #[test]
    fn code_frames_never_quote_a_secret() {
        let text = "[tenant]\napi_token = \"s3cr3t-token-4711\"\nclient_secret = 'short'\n\
                    url = \"https://admin:pa55word@x.example/?key=abc123def\"\n\
                    tenant = { token = \"inline-s3cr3t\" }\nnotes = \"\"\"\nmulti-s3cr3t-line\n\"\"\"\n\
                    [rules]\nCAS101 = \"off\"\n[tenant]\ntoken_file = \"/run/secrets/mdca\"\n";
        let masked = masked_secrets(text);
        assert_eq!(masked.len(), text.len(), "offsets are kept");
        for secret in [
            "s3cr3t-token-4711",
            "short",
            "pa55word",
            "abc123def",
            "inline-s3cr3t",
            "multi-s3cr3t",
        ] {
            assert!(!masked.contains(secret), "{secret} in\n{masked}");
        }
        for kept in [
            "api_token = \"",
            "https://",
            "@x.example/?",
            "CAS101 = \"off\"",
            "/run/secrets/mdca",
        ] {
            assert!(masked.contains(kept), "{kept} missing from\n{masked}");
        }
        let e = parse("[tenant]\napi_token = \"s3cr3t-token-4711\"\n").unwrap_err();
        let shown = format!("{:?}", miette::Report::new(e));
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert_eq!(
            masked_secrets("é = \"ünïcödé-välüé\"").len(),
            "é = \"ünïcödé-välüé\"".len()
        );
    }
}
