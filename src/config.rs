//! `casguard.toml`: finding it, parsing it and validating it. Every key is
//! optional; a bad file is a fatal error (exit 2) that names the file, line
//! and key, because a misread config silently changes every result.
//!
//! Parsing uses serde with `deny_unknown_fields` and `toml::Spanned`, since
//! the config is small and one clear error at a time is enough here (policy
//! files, by contrast, collect every problem: see `load`).

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use miette::{Diagnostic, NamedSource, SourceSpan};
use serde::Deserialize;
use toml::Spanned;

use crate::model::{Location, Severity, SourceFile};

pub const FILE_NAME: &str = "casguard.toml";
pub const DEFAULT_REVIEW_INTERVAL_DAYS: i64 = 90;
pub const DEFAULT_RULE_TIMEOUT_SECONDS: u64 = 10;

/// A problem with casguard.toml, pointing at the offending text. Boxed, so
/// that results carrying it stay small on the happy path.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error(transparent)]
#[diagnostic(transparent)]
pub struct ConfigError(Box<ConfigProblem>);

impl std::ops::Deref for ConfigError {
    type Target = ConfigProblem;
    fn deref(&self) -> &ConfigProblem {
        &self.0
    }
}

impl From<ConfigProblem> for ConfigError {
    fn from(problem: ConfigProblem) -> ConfigError {
        ConfigError(Box::new(problem))
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
    /// Field paths (TOML form, e.g. `extra.alertsPerUser`) never compared.
    pub ignore: Vec<Vec<String>>,
}

impl Default for DriftConfig {
    fn default() -> Self {
        DriftConfig {
            unmanaged: Some(Severity::Warning),
            ignore_unmanaged: Vec::new(),
            ignore_unmanaged_matcher: globset::GlobSet::empty(),
            ignore: Vec::new(),
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
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    policies_dir: Option<String>,
    #[serde(default)]
    rules_dirs: Vec<String>,
    review_interval_days: Option<Spanned<i64>>,
    #[serde(default)]
    allowed_email_domains: Vec<Spanned<String>>,
    naming_pattern: Option<Spanned<String>>,
    rule_timeout_seconds: Option<Spanned<u64>>,
    tenant: Option<RawTenant>,
    drift: Option<RawDrift>,
    review: Option<RawReview>,
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    suppress: Vec<Spanned<RawSuppression>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReview {
    live_timestamp_fields: Option<Vec<String>>,
    history_dir: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDrift {
    unmanaged: Option<Spanned<String>>,
    #[serde(default)]
    ignore_unmanaged: Vec<Spanned<String>>,
    #[serde(default)]
    ignore: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTenant {
    url: Option<Spanned<String>>,
    auth: Option<Spanned<String>>,
    token_file: Option<String>,
    tenant_id: Option<String>,
    client_id: Option<String>,
    authority_host: Option<Spanned<String>>,
    connect_timeout_seconds: Option<Spanned<u64>>,
    request_timeout_seconds: Option<Spanned<u64>>,
    max_requests_per_minute: Option<u32>,
    max_attempts: Option<Spanned<u32>>,
    retry_base_delay_ms: Option<Spanned<u64>>,
    deadline_seconds: Option<Spanned<u64>>,
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

/// `[tenant]`: every key optional; secrets never live here (environment or files only).
#[derive(Debug, Clone)]
pub struct TenantConfig {
    pub url: Option<String>,
    pub auth: AuthMethod,
    pub token_file: Option<PathBuf>,
    pub tenant_id: Option<String>,
    pub client_id: Option<String>,
    /// Entra ID authority, e.g. https://login.microsoftonline.com.
    pub authority_host: Option<String>,
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
            tenant_id: None,
            client_id: None,
            authority_host: None,
            connect_timeout: std::time::Duration::from_secs(10),
            request_timeout: std::time::Duration::from_secs(60),
            max_requests_per_minute: 30,
            max_attempts: 6,
            retry_base_delay: std::time::Duration::from_secs(1),
            deadline: std::time::Duration::from_secs(600),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSuppression {
    rule: Spanned<String>,
    policy: Spanned<String>,
    reason: Spanned<String>,
    expires: Spanned<toml::value::Datetime>,
    owner: Option<String>,
    ticket: Option<String>,
}

impl Config {
    /// Parses config text; `root` is the folder relative paths start from.
    pub fn parse(display: &str, text: &str, root: &Path) -> Result<Config, ConfigError> {
        let source = Arc::new(SourceFile::new(display, text));
        let error = |message: String, span: Option<Range<usize>>, label: &str, help: &str| {
            ConfigError::from(ConfigProblem {
                message: format!("{display}: {message}"),
                source_code: Some(NamedSource::new(display, source.text.clone())),
                span: span.map(SourceSpan::from),
                label: label.to_string(),
                help: Some(help.to_string()),
            })
        };
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let message = e.message().trim_end().to_string();
            let help = if message.contains("unknown field") {
                "remove or correct the key; see the README's configuration reference"
            } else {
                "fix the value at the marked place; see the README's configuration reference"
            };
            error(
                format!("invalid configuration: {message}"),
                e.span(),
                "here",
                help,
            )
        })?;

        let mut config = Config {
            root: root.to_path_buf(),
            ..Config::default()
        };
        if let Some(dir) = raw.policies_dir {
            config.policies_dir = PathBuf::from(dir);
        }
        config.policies_dir = root.join(&config.policies_dir);
        config.rules_dirs = raw.rules_dirs.iter().map(|d| root.join(d)).collect();
        if let Some(days) = raw.review_interval_days {
            if !(1..=3650).contains(days.get_ref()) {
                return Err(error(
                    format!(
                        "`review_interval_days` must be between 1 and 3650, found {}",
                        days.get_ref()
                    ),
                    Some(days.span()),
                    "out of range",
                    "use e.g. 30 (monthly), 90 (quarterly) or 365 (yearly)",
                ));
            }
            config.review_interval_days = *days.get_ref();
        }
        for domain in &raw.allowed_email_domains {
            let text = domain
                .get_ref()
                .trim()
                .trim_start_matches('@')
                .to_ascii_lowercase();
            let domain_chars = |c: char| c.is_ascii_alphanumeric() || c == '.' || c == '-';
            if !text.contains('.') || !text.chars().all(domain_chars) {
                return Err(error(
                    format!("`{}` is not an email domain", domain.get_ref()),
                    Some(domain.span()),
                    "not a domain",
                    "list bare domains such as \"contoso.com\"",
                ));
            }
            config.allowed_email_domains.push(text);
        }
        if let Some(pattern) = raw.naming_pattern {
            if let Err(e) = regex::Regex::new(pattern.get_ref()) {
                return Err(error(
                    format!(
                        "`naming_pattern` is not a valid regular expression: {}",
                        first_line(&e.to_string())
                    ),
                    Some(pattern.span()),
                    "invalid regex",
                    "use Rust/RE2 regex syntax, e.g. '^[A-Z][A-Za-z0-9 -]+$'",
                ));
            }
            config.naming_pattern = Some(pattern.into_inner());
        }
        if let Some(seconds) = raw.rule_timeout_seconds {
            if !(1..=600).contains(seconds.get_ref()) {
                return Err(error(
                    format!(
                        "`rule_timeout_seconds` must be between 1 and 600, found {}",
                        seconds.get_ref()
                    ),
                    Some(seconds.span()),
                    "out of range",
                    "the default, 10 seconds, is plenty for thousands of policies",
                ));
            }
            config.rule_timeout = std::time::Duration::from_secs(*seconds.get_ref());
        }
        for (rule, level) in &raw.rules {
            let parsed = match level.get_ref().to_ascii_lowercase().as_str() {
                "off" => Some(RuleLevel::Off),
                other => Severity::parse(other).map(RuleLevel::Severity),
            };
            let Some(parsed) = parsed else {
                return Err(error(
                    format!(
                        "rule level `{}` for {} is not allowed",
                        level.get_ref(),
                        rule.get_ref()
                    ),
                    Some(level.span()),
                    "unknown level",
                    "use \"off\", \"note\", \"warning\" or \"error\"",
                ));
            };
            config.rule_overrides.push(RuleOverride {
                rule: rule.get_ref().clone(),
                level: parsed,
                span: rule.span(),
            });
        }
        for entry in &raw.suppress {
            let raw = entry.get_ref();
            if raw.reason.get_ref().trim().is_empty() {
                return Err(error(
                    "a suppression needs a non-empty `reason`".into(),
                    Some(raw.reason.span()),
                    "empty reason",
                    "say why the finding is accepted, so reviewers and auditors can judge it",
                ));
            }
            let expires = toml_date(raw.expires.get_ref()).ok_or_else(|| {
                error(
                    "`expires` must be a date such as 2027-03-31".into(),
                    Some(raw.expires.span()),
                    "not a date",
                    "write `expires = 2027-03-31` (a TOML date, no quotes, no time)",
                )
            })?;
            let glob = |spanned: &Spanned<String>, what: &str| {
                globset::GlobBuilder::new(spanned.get_ref().trim())
                    .case_insensitive(true)
                    .literal_separator(false)
                    .build()
                    .map(|g| g.compile_matcher())
                    .map_err(|e| {
                        error(
                            format!("`{what}` is not a valid glob: {}", e.kind()),
                            Some(spanned.span()),
                            "invalid glob",
                            "use a name, or a glob with * and ? such as \"Legacy *\"",
                        )
                    })
            };
            config.suppressions.push(Suppression {
                rule: raw.rule.get_ref().trim().to_string(),
                policy: raw.policy.get_ref().trim().to_string(),
                reason: raw.reason.get_ref().trim().to_string(),
                expires,
                owner: raw.owner.clone(),
                ticket: raw.ticket.clone(),
                location: source.location(entry.span()),
                rule_span: raw.rule.span(),
                rule_matcher: glob(&raw.rule, "rule")?,
                policy_matcher: glob(&raw.policy, "policy")?,
            });
        }
        if let Some(tenant) = raw.tenant {
            let tenant_error = |message: String, span: Range<usize>, help: &str| {
                error(message, Some(span), "here", help)
            };
            let t = &mut config.tenant;
            t.url = tenant.url.map(|u| u.into_inner());
            if let Some(auth) = tenant.auth {
                t.auth = AuthMethod::parse(auth.get_ref()).ok_or_else(|| {
                    tenant_error(
                        format!("`tenant.auth` has an unknown value `{}`", auth.get_ref()),
                        auth.span(),
                        &format!("use one of {}", AuthMethod::NAMES.join(", ")),
                    )
                })?;
            }
            t.token_file = tenant.token_file.map(|f| root.join(f));
            t.tenant_id = tenant.tenant_id;
            t.client_id = tenant.client_id;
            t.authority_host = tenant.authority_host.map(|h| h.into_inner());
            if let Some(rpm) = tenant.max_requests_per_minute {
                t.max_requests_per_minute = rpm;
            }
            let seconds = |value: Option<Spanned<u64>>,
                           name: &str,
                           range: std::ops::RangeInclusive<u64>,
                           default: std::time::Duration| {
                match value {
                    None => Ok(default),
                    Some(v) if range.contains(v.get_ref()) => {
                        Ok(std::time::Duration::from_secs(*v.get_ref()))
                    }
                    Some(v) => Err(tenant_error(
                        format!(
                            "`tenant.{name}` must be between {} and {}, found {}",
                            range.start(),
                            range.end(),
                            v.get_ref()
                        ),
                        v.span(),
                        "see the README's configuration reference for the defaults",
                    )),
                }
            };
            t.connect_timeout = seconds(
                tenant.connect_timeout_seconds,
                "connect_timeout_seconds",
                1..=300,
                t.connect_timeout,
            )?;
            t.request_timeout = seconds(
                tenant.request_timeout_seconds,
                "request_timeout_seconds",
                1..=600,
                t.request_timeout,
            )?;
            t.deadline = seconds(
                tenant.deadline_seconds,
                "deadline_seconds",
                1..=86_400,
                t.deadline,
            )?;
            if let Some(attempts) = tenant.max_attempts {
                if !(1..=20).contains(attempts.get_ref()) {
                    return Err(tenant_error(
                        format!(
                            "`tenant.max_attempts` must be between 1 and 20, found {}",
                            attempts.get_ref()
                        ),
                        attempts.span(),
                        "the default, 6, rides out short outages",
                    ));
                }
                t.max_attempts = *attempts.get_ref();
            }
            if let Some(delay) = tenant.retry_base_delay_ms {
                if !(1..=60_000).contains(delay.get_ref()) {
                    return Err(tenant_error(
                        format!(
                            "`tenant.retry_base_delay_ms` must be between 1 and 60000, found {}",
                            delay.get_ref()
                        ),
                        delay.span(),
                        "the default is 1000",
                    ));
                }
                t.retry_base_delay = std::time::Duration::from_millis(*delay.get_ref());
            }
        }
        if let Some(drift) = raw.drift {
            if let Some(level) = drift.unmanaged {
                config.drift.unmanaged = match level.get_ref().to_ascii_lowercase().as_str() {
                    "ignore" => None,
                    "error" => Some(Severity::Error),
                    "warning" => Some(Severity::Warning),
                    "note" => Some(Severity::Note),
                    _ => {
                        return Err(error(
                            format!(
                                "`drift.unmanaged` has an unknown value `{}`",
                                level.get_ref()
                            ),
                            Some(level.span()),
                            "unknown level",
                            "use \"error\", \"warning\", \"note\" or \"ignore\"",
                        ))
                    }
                };
            }
            let mut builder = globset::GlobSetBuilder::new();
            for pattern in &drift.ignore_unmanaged {
                let glob = globset::GlobBuilder::new(pattern.get_ref().trim())
                    .case_insensitive(true)
                    .build()
                    .map_err(|e| {
                        error(
                            format!("`{}` is not a valid glob: {}", pattern.get_ref(), e.kind()),
                            Some(pattern.span()),
                            "invalid glob",
                            "use a name, or a glob with * and ?",
                        )
                    })?;
                builder.add(glob);
                config
                    .drift
                    .ignore_unmanaged
                    .push(pattern.get_ref().clone());
            }
            config.drift.ignore_unmanaged_matcher = builder.build().map_err(|e| {
                error(
                    format!("invalid glob: {e}"),
                    None,
                    "",
                    "use names or globs with * and ?",
                )
            })?;
            for path in &drift.ignore {
                let keys = crate::normalize::split_path(path.get_ref().trim());
                let known_roots = [
                    "name",
                    "type",
                    "enabled",
                    "severity",
                    "description",
                    "alerts",
                    "filters",
                    "extra",
                ];
                if keys.iter().any(String::is_empty) || !known_roots.contains(&keys[0].as_str()) {
                    return Err(error(
                        format!("`{}` is not a field path", path.get_ref()),
                        Some(path.span()),
                        "not a path",
                        "write a policy-file path such as \"extra.alertsPerUser\" or \"filters.fileType\"",
                    ));
                }
                config.drift.ignore.push(keys);
            }
        }
        if let Some(review) = raw.review {
            if let Some(fields) = review.live_timestamp_fields {
                config.review.live_timestamp_fields = fields;
            }
            config.review.history_dir = review.history_dir.map(|d| root.join(d));
        }
        config.source = Some(source);
        Ok(config)
    }

    /// Checks that every rule id named in `[rules]` and `[[suppress]]` exists.
    pub fn check_rule_ids(&self, known: &[&str]) -> Result<(), ConfigError> {
        let Some(source) = &self.source else {
            return Ok(());
        };
        let unknown = |rule: &str, span: Range<usize>, what: &str| {
            let near = crate::load::closest(rule, known)
                .map(|c| format!("did you mean `{c}`? "))
                .unwrap_or_default();
            ConfigError::from(ConfigProblem {
                message: format!("{}: {what} names unknown rule `{rule}`", source.path),
                source_code: Some(NamedSource::new(source.path.clone(), source.text.clone())),
                span: Some(span.into()),
                label: "unknown rule".into(),
                help: Some(format!(
                    "{near}run `casguard rules list` to see every rule id"
                )),
            })
        };
        for o in &self.rule_overrides {
            if !known.contains(&o.rule.as_str()) {
                return Err(unknown(&o.rule, o.span.clone(), "[rules]"));
            }
            if o.rule == crate::registry::CAS001.id
                && o.level != RuleLevel::Severity(Severity::Error)
            {
                return Err(ConfigError::from(ConfigProblem {
                    message: format!("{}: CAS001 (invalid policy file) cannot be turned off or lowered", source.path),
                    source_code: Some(NamedSource::new(source.path.clone(), source.text.clone())),
                    span: Some(o.span.clone().into()),
                    label: "always an error".into(),
                    help: Some("an unreadable policy file makes every other result incomplete; fix the file or move it out of the policies folder".into()),
                }));
            }
        }
        for s in &self.suppressions {
            if !known.iter().any(|id| s.matches_rule(id)) {
                return Err(unknown(&s.rule, s.rule_span.clone(), "a suppression"));
            }
            if s.rule.eq_ignore_ascii_case(crate::registry::CAS001.id) {
                return Err(ConfigError::from(ConfigProblem {
                    message: format!(
                        "{}: CAS001 (invalid policy file) cannot be suppressed",
                        source.path
                    ),
                    source_code: Some(NamedSource::new(source.path.clone(), source.text.clone())),
                    span: Some(s.rule_span.clone().into()),
                    label: "always reported".into(),
                    help: Some("fix the file or move it out of the policies folder".into()),
                }));
            }
        }
        Ok(())
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

fn first_line(text: &str) -> &str {
    text.lines().last().unwrap_or(text).trim()
}

pub fn toml_date(value: &toml::value::Datetime) -> Option<jiff::civil::Date> {
    if value.time.is_some() || value.offset.is_some() {
        return None;
    }
    let d = value.date?;
    jiff::civil::Date::new(d.year as i16, d.month as i8, d.day as i8).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse("casguard.toml", text, Path::new(""))
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
    fn errors_name_line_and_help() {
        let e = parse("review_interval_days = 90\npolicy_dir = \"x\"\n").unwrap_err();
        assert!(
            e.message.contains("unknown field `policy_dir`"),
            "{}",
            e.message
        );
        assert_eq!(e.span.unwrap().offset(), 26);
        let e = parse("[[suppress]]\nrule = \"CAS101\"\npolicy = \"x\"\nreason = \" \"\nexpires = 2027-01-01\n").unwrap_err();
        assert!(e.message.contains("non-empty `reason`"));
        let e =
            parse("[[suppress]]\nrule = \"CAS101\"\npolicy = \"x\"\nreason = \"r\"\n").unwrap_err();
        assert!(
            e.message.contains("missing field `expires`"),
            "{}",
            e.message
        );
        let e = parse("naming_pattern = \"([\"\n").unwrap_err();
        assert!(e.message.contains("not a valid regular expression"));
        let e = parse("[rules]\nCAS101 = \"loud\"\n").unwrap_err();
        assert!(e.message.contains("`loud`"));
        let config = parse("[rules]\nCAS1O1 = \"off\"\n").unwrap();
        let e = config.check_rule_ids(&["CAS101"]).unwrap_err();
        assert!(e
            .help
            .as_deref()
            .unwrap()
            .contains("did you mean `CAS101`?"));
        let config = parse("[rules]\nCAS001 = \"warning\"\n").unwrap();
        let e = config.check_rule_ids(&["CAS001"]).unwrap_err();
        assert!(e.message.contains("cannot be turned off or lowered"));
    }
}
