//! The application layer: one file per command. Each command is a function
//! taking typed inputs and a `Project` (the `Env` plus its configuration) and
//! returning a typed outcome. Commands never print; `cli` renders what they
//! return and picks the exit code. This file holds what several commands
//! share: opening the project, the rule set, live state and its history,
//! last-change dates, and the finishing step of every finding-producing
//! command (rule levels, suppressions, anchoring, the report).

pub mod alerts;
pub mod drift;
pub mod evidence;
pub mod fetch;
pub mod import;
pub mod init;
pub mod lint;
pub mod monthly;
pub mod ops;
pub mod review;
pub mod rules;
pub mod shape;
pub mod suggest;

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use crate::config::{Config, ConfigError};
use crate::env::Env;
use crate::live::{self, Event, LiveError, Snapshot};
use crate::load::{LoadError, LoadOutcome};
use crate::model::{Family, Finding, Location, Report};
use crate::rules::{RuleError, RuleSet, RuleSettings};

/// Anything that stops a command from doing its job (exit 2).
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Config(#[from] ConfigError),
    #[error("cannot read config file `{path}`: {detail}")]
    #[diagnostic(help("{help}"))]
    ReadConfig {
        path: String,
        detail: String,
        help: &'static str,
    },
    #[error(transparent)]
    #[diagnostic(transparent)]
    Rules(#[from] RuleError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Live(#[from] LiveError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Evidence(#[from] crate::evidence::EvidenceError),
    #[error("{count} of the files to write already exist, e.g. `{first}`")]
    #[diagnostic(help(
        "nothing was written; pass --force to overwrite them, or choose another folder"
    ))]
    WouldOverwrite { count: usize, first: String },
    #[error("cannot write `{path}`: {source}")]
    #[diagnostic(help(
        "check that the folder exists and is writable; nothing half-written was left behind"
    ))]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot suggest anything while policy files are invalid")]
    #[diagnostic(help("run `casguard lint` and fix the CAS001 findings first"))]
    InvalidPolicies,
    #[error("cannot build the patch: {0}")]
    Patch(String),
    #[error("bad signing key in CASGUARD_SIGNING_KEY: {0}")]
    #[diagnostic(help(
        "it holds the text of an OpenSSH Ed25519 private key, as written by `casguard evidence keygen` into PREFIX.key"
    ))]
    SigningKeyEnv(String),
    #[error("cannot make a key pair: {0}")]
    Keygen(String),
    #[error("refusing to write the private key `{path}`: {detail}")]
    #[diagnostic(help(
        "write it outside the repository (e.g. --out ~/.config/casguard/evidence), or add it to .gitignore (`*.key`) first; --force writes it anyway"
    ))]
    KeyInWorkTree { path: String, detail: String },
    #[error(transparent)]
    #[diagnostic(transparent)]
    Archive(#[from] crate::archive::ArchiveError),
    #[error("no alert archive at `{path}`")]
    #[diagnostic(help("fill it with `casguard alerts sync` (from the tenant) or `casguard alerts import FILE`, or analyse a dump directly with `casguard alerts --dump FILE`"))]
    NoArchive { path: String },
    #[error("cannot read `{path}`: {detail}")]
    #[diagnostic(help("check the path"))]
    ReadInput { path: String, detail: String },
    #[error("reading {resource} failed: {detail}")]
    #[diagnostic(help(
        "nothing was written; fix the cause or leave {resource} out of --resources"
    ))]
    ResourceFailed { resource: String, detail: String },
    #[error("{month} has not begun (today is {today})")]
    #[diagnostic(help(
        "give a month up to the current one with --month YYYY-MM, or pass --today"
    ))]
    FutureMonth { month: String, today: String },
    #[error("{detail}")]
    #[diagnostic(help(
        "an evidence bundle must describe the configured tenant: fetch a snapshot of it (`casguard fetch --out FILE`), or, if the snapshot's tenant is the one meant, configure it (`[tenant] url` or CASGUARD_TENANT_URL); nothing was written"
    ))]
    OtherTenant { detail: String },
    #[error("unknown rule `{id}`")]
    #[diagnostic(help("{help}"))]
    UnknownRule { id: String, help: String },
}

/// A command's world: the environment and the configuration read from it.
#[derive(Debug, Clone)]
pub struct Project {
    pub env: Env,
    pub config: Config,
}

impl Project {
    /// Reads the configuration the environment names or discovers; the
    /// defaults, rooted at the project root, when there is none.
    pub fn open(env: Env) -> Result<Project, Error> {
        let config = match &env.config_path {
            Some(path) => read_config(&env, path)?,
            None => {
                let mut config = Config::parse(crate::config::FILE_NAME, "", &env.root)?;
                config.source = None;
                config
            }
        };
        Ok(Project { env, config })
    }

    /// A path as users see it (relative to the project root).
    pub fn display(&self, path: &Path) -> String {
        self.env.display(path)
    }

    /// Every rule: the registry's plus the custom Rego rules, with the
    /// config's rule ids checked against them.
    pub fn rules(&self) -> Result<RuleSet, Error> {
        let rules = RuleSet::load(&RuleSettings {
            custom_dirs: &self.config.rules_dirs,
            base: &self.env.root,
            time_limit: self.config.rule_timeout,
        })?;
        let mut ids: Vec<&str> = rules.metas().iter().map(|m| m.id.as_str()).collect();
        ids.extend(crate::registry::RETIRED.iter().map(|r| r.id));
        self.config.check_rule_ids(&ids)?;
        Ok(rules)
    }

    /// Loads the whole policies folder.
    pub fn load_policies(&self) -> Result<LoadOutcome, Error> {
        self.load(std::slice::from_ref(&self.config.policies_dir))
    }

    /// Loads the policy files under `inputs` (files or folders). Without a
    /// casguard.toml, a missing policies folder most likely means a project
    /// not set up yet, and the error says how to set one up.
    pub fn load(&self, inputs: &[PathBuf]) -> Result<LoadOutcome, Error> {
        crate::load::load_policies(
            &self.env.root,
            inputs,
            &self.config.drift.comparison.server_managed,
        )
        .map_err(|error| match error {
            LoadError::MissingPath { path, .. } if self.config.source.is_none() => {
                Error::Load(LoadError::MissingPath {
                    path,
                    help: "no casguard.toml was found here or in a folder above: run `casguard init` to set up a project (casguard.toml, policies/, a CI workflow), or name the policy files (`casguard lint PATH`)".into(),
                })
            }
            other => Error::Load(other),
        })
    }

    /// Where a finding with no file of its own (an unmanaged policy, a
    /// tenant-level finding) points: the line of casguard.toml naming
    /// `policies_dir`, else the `[tenant]` table, else the file's first line;
    /// without a casguard.toml, the policies folder. Code scanning rejects a
    /// whole SARIF upload when one result has no location.
    pub fn anchor(&self) -> Location {
        let Some(source) = &self.config.source else {
            return Location::whole_file(self.display(&self.config.policies_dir));
        };
        ["policies_dir", "tenant"]
            .iter()
            .find_map(|key| key_span(&source.text, key))
            .map_or_else(|| source.file_location(), |span| source.location(span))
    }
}

fn read_config(env: &Env, path: &Path) -> Result<Config, Error> {
    let display = env.display(path);
    let fail = |detail: String, help: &'static str| Error::ReadConfig {
        path: display.clone(),
        detail,
        help,
    };
    let bytes = std::fs::read(path).map_err(|e| {
        let help = if env.config_named {
            "check the path given to --config or CASGUARD_CONFIG"
        } else {
            "check the file's permissions"
        };
        fail(e.to_string(), help)
    })?;
    let text =
        String::from_utf8(bytes).map_err(|_| fail("not valid UTF-8".into(), "save it as UTF-8"))?;
    let root = path.parent().unwrap_or(&env.root);
    Ok(Config::parse(&display, &text, root)?)
}

/// The span of a top-level key (or table header) in a TOML text.
fn key_span(text: &str, key: &str) -> Option<std::ops::Range<usize>> {
    let table = toml::de::DeTable::parse(text).ok()?;
    let (name, _) = table.get_ref().get_key_value(key)?;
    Some(name.span())
}

/// Where live state comes from.
#[derive(Debug, Clone, Default)]
pub struct LiveSource {
    /// `--snapshot FILE` instead of the API.
    pub snapshot: Option<PathBuf>,
    /// `--tenant URL`.
    pub tenant: Option<String>,
    /// `--max-requests-per-minute N`.
    pub max_requests_per_minute: Option<u32>,
    /// `--history DIR`.
    pub history: Option<PathBuf>,
}

impl LiveSource {
    /// `[tenant]` with this source's overrides (`--max-requests-per-minute`).
    pub fn settings(&self, project: &Project) -> crate::config::TenantConfig {
        let mut settings = project.config.tenant.clone();
        if let Some(rpm) = self.max_requests_per_minute {
            settings.max_requests_per_minute = rpm;
        }
        // The variable OpenSSL, curl and git read for a CA bundle; `ca_file`
        // in casguard.toml wins.
        if settings.ca_file.is_none() {
            settings.ca_file = project
                .env
                .var("SSL_CERT_FILE")
                .map(|path| project.env.resolve(Path::new(path)));
        }
        settings
    }

    /// Whether the user asked for live state at all.
    pub fn given(&self) -> bool {
        self.snapshot.is_some() || self.tenant.is_some()
    }
}

/// Live state from `--snapshot FILE`, or from the API (reporting progress
/// through `observe`).
pub fn read_live(
    project: &Project,
    source: &LiveSource,
    observe: &mut dyn FnMut(Event),
) -> Result<Snapshot, Error> {
    if let Some(path) = &source.snapshot {
        let path = project.env.resolve(path);
        let snapshot = Snapshot::read_as(&path, &project.display(&path))?;
        if !snapshot.has_policies() {
            return Err(Error::Live(LiveError::ReadSnapshot {
                path: project.display(&path),
                detail: "it holds no policies".into(),
                help: "it was fetched without them (`--resources ops`); fetch with `--resources policies` or `all`".into(),
            }));
        }
        return Ok(snapshot);
    }
    let env = |key: &str| project.env.var(key).map(str::to_string);
    let settings = source.settings(project);
    let tenant = live::tenant_url(source.tenant.as_deref(), &env, &settings)?;
    let mut auth = live::Auth::from_config(&settings, &env)?;
    let mut http = live::Http::new(&settings)?;
    let policies = live::fetch_policies(&tenant, &mut http, &mut auth, observe)?;
    Ok(Snapshot {
        format_version: live::snapshot::FORMAT_VERSION,
        tenant: Some(tenant),
        fetched_at: Some(project.env.now.to_string()),
        source: serde_json::json!({
            "kind": "api",
            "endpoint": live::POLICIES_ENDPOINT,
            "auth": auth.method().name(),
            "requests": http.requests,
            "casguard_version": env!("CARGO_PKG_VERSION"),
        }),
        policies,
        resources: [(
            live::snapshot::POLICIES.to_string(),
            live::snapshot::Resource::ok(format!("POST {}", live::POLICIES_ENDPOINT), Vec::new()),
        )]
        .into(),
    })
}

/// A warning when `--snapshot` holds another tenant than the one
/// configured (`--tenant`, CASGUARD_TENANT_URL, `[tenant] url`): comparing
/// it with these policy files would describe the wrong tenant. `None` when
/// either side names no tenant, or when live state came from the API.
pub fn other_tenant(project: &Project, source: &LiveSource, snapshot: &Snapshot) -> Option<String> {
    source.snapshot.as_ref()?;
    let env = |key: &str| project.env.var(key).map(str::to_string);
    let configured =
        live::tenant_url(source.tenant.as_deref(), &env, &project.config.tenant).ok()?;
    let recorded = live::validate_url("the snapshot's tenant", snapshot.tenant.as_deref()?).ok()?;
    (!configured.eq_ignore_ascii_case(&recorded)).then(|| {
        format!(
            "the snapshot was taken of {recorded}, but the configured tenant is {configured}: this compares the policy files with another tenant"
        )
    })
}

/// The snapshot history folder: `--history`, else `[review] history_dir`.
pub fn history_dir(project: &Project, source: &LiveSource) -> Option<PathBuf> {
    source
        .history
        .as_ref()
        .map(|d| project.env.resolve(d))
        .or_else(|| project.config.review.history_dir.clone())
}

/// Snapshots kept in the history folder, as (fetched_at, policies).
pub fn read_history(
    project: &Project,
    source: &LiveSource,
) -> Result<Vec<(String, Vec<serde_json::Value>)>, Error> {
    match history_dir(project, source) {
        Some(dir) if dir.is_dir() => Ok(live::snapshot::read_history(&dir)?),
        Some(dir) if source.history.is_some() => Err(Error::Live(LiveError::ReadSnapshot {
            path: project.display(&dir),
            detail: "no such folder".into(),
            help: "`fetch --history DIR` creates it".into(),
        })),
        _ => Ok(Vec::new()),
    }
}

/// Desired policy index -> the live `_id` it matched (by pinned id, else by
/// type and name, as drift matches), when live state is given.
pub fn live_matches(loaded: &LoadOutcome, live: Option<&Snapshot>) -> HashMap<usize, String> {
    live.map_or_else(HashMap::new, |snapshot| {
        crate::drift::match_live(&loaded.policies, &snapshot.policies)
    })
}

/// Last-change dates on both sides, and notes on what is unknown.
pub struct Dates {
    pub git: crate::history::History,
    /// By live `_id`.
    pub live: HashMap<String, crate::model::LiveChange>,
    pub notes: Vec<String>,
}

/// Git dates for the files (one revision walk), and timestamp fields or the
/// snapshot history for the live policies. Computed once per command, so
/// commands that need them twice (evidence) pass them along.
pub fn dates(
    project: &Project,
    files: &[String],
    live: Option<&Snapshot>,
    history: &[(String, Vec<serde_json::Value>)],
) -> Dates {
    let git = crate::history::date_files(&project.env.root, files);
    let mut notes: Vec<String> = git.note.iter().cloned().collect();
    if git.shallow {
        notes.push("shallow clone: changes older than the clone's depth show as `truncated`; fetch full history (`git fetch --unshallow`, or `fetch-depth: 0` in CI) for dates".into());
    }
    let config = &project.config;
    let live = live.map_or_else(HashMap::new, |s| {
        crate::review::live_changes(
            &s.policies,
            &config.review.live_timestamp_fields,
            history,
            &config.drift.comparison,
        )
    });
    Dates { git, live, notes }
}

/// The common end of every finding-producing command: rule levels and
/// suppressions applied, findings with no location anchored, the config file
/// added to the sources (suppression findings point into it), and the report
/// assembled. The rules that ran are those of `families`.
pub struct Finish<'a> {
    pub command: &'a str,
    pub project: &'a Project,
    pub rules: &'a RuleSet,
    pub families: &'a [Family],
    /// Whether the whole policies folder was checked (only then can a
    /// suppression be called unused).
    pub complete: bool,
}

impl Finish<'_> {
    pub fn report(self, loaded: LoadOutcome, findings: Vec<Finding>) -> Report {
        let config = &self.project.config;
        let ran: BTreeSet<String> = self
            .rules
            .of_families(self.families)
            .map(|m| m.id.clone())
            .collect();
        let anchor = self.project.anchor();
        let findings = findings
            .into_iter()
            .map(|mut f| {
                if f.location.is_none() {
                    f.location = Some(anchor.clone());
                }
                f
            })
            .collect();
        let outcome = crate::suppress::apply(
            findings,
            config,
            self.project.env.today,
            &ran,
            self.complete,
        );
        let mut sources = loaded.sources;
        if let Some(source) = &config.source {
            sources.insert(source.path.clone(), source.clone());
        }
        Report {
            command: self.command.into(),
            findings: outcome.active,
            suppressed: outcome.suppressed,
            rules: self.rules.metas().to_vec(),
            files: loaded.files,
            policies_checked: loaded.policies.len(),
            sources,
            drift: None,
            review: None,
            alerts: None,
            ops: None,
            repository_prefix: self.project.env.repository_prefix(),
        }
    }
}

/// Runs the Rego rules of `families` over loaded policies, leaving out the
/// rules `[rules]` turns off.
pub fn run_rules(
    project: &Project,
    rules: &RuleSet,
    loaded: &LoadOutcome,
    families: &[Family],
) -> Result<Vec<Finding>, Error> {
    let config = &project.config;
    let skip = rules
        .of_families(families)
        .filter(|m| config.rule_level(&m.id) == Some(crate::config::RuleLevel::Off))
        .map(|m| m.id.clone())
        .collect();
    let rule_config = config.rule_input();
    let input = crate::rules::RuleInput {
        config: &rule_config,
        today: project.env.today,
    };
    Ok(rules.evaluate(&loaded.policies, &loaded.sources, &input, families, &skip)?)
}

/// Writes `bytes` to `path` atomically, naming the file in the error.
pub fn write_file(project: &Project, path: &Path, bytes: &[u8]) -> Result<(), Error> {
    crate::fsutil::write_atomic(path, bytes).map_err(|source| Error::Write {
        path: project.display(path),
        source,
    })
}
