//! The command line: clap definitions, wiring of the stages, and exit codes.
//! Nothing here analyses anything; it reads arguments, calls the stages and
//! writes what the renderers return.
//!
//! Exit codes (chosen on purpose, as in ripgrep's main.rs):
//! 0 nothing at or above `--fail-on`; 1 findings at or above it;
//! 2 casguard could not do its job (usage, config, rules, I/O).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Instant;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use miette::Diagnostic;

use crate::config::{Config, ConfigError};
use crate::load::{self, LoadError};
use crate::model::FailOn;
use crate::report::{self, Format, Report, Style};
use crate::rules::{RuleError, RuleMeta, RuleOrigin};

pub const EXIT_OK: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_TROUBLE: i32 = 2;

static VERBOSITY: AtomicU8 = AtomicU8::new(0);

/// Prints a progress note on stderr when `-v` is given.
macro_rules! verbose {
    ($($arg:tt)*) => {
        if VERBOSITY.load(Ordering::Relaxed) > 0 {
            eprintln!("casguard: {}", format_args!($($arg)*));
        }
    };
}

#[derive(Parser, Debug)]
#[command(
    name = "casguard",
    version,
    about = "Microsoft Defender for Cloud Apps policies as code: lint, drift, review, evidence",
    long_about = None,
    after_help = "Exit codes: 0 nothing at or above --fail-on; 1 findings at or above it; 2 casguard could not do its job."
)]
pub struct Cli {
    /// Run as if casguard was started in DIR
    #[arg(short = 'C', global = true, value_name = "DIR")]
    directory: Option<PathBuf>,
    /// Configuration file [default: ./casguard.toml when present]
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Print progress on stderr (repeat for more)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    /// When to colour output
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// Evaluate dates (reviews, suppression expiry) as of DATE instead of today
    #[arg(long, global = true, value_name = "YYYY-MM-DD", env = "CASGUARD_TODAY")]
    today: Option<jiff::civil::Date>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Lint desired policies, offline
    Lint(LintArgs),
    /// Fetch the tenant's live configuration into a snapshot file
    Fetch(FetchArgs),
    /// Compare desired policies with the tenant (the API, or --snapshot FILE)
    Drift(DriftArgs),
    /// Last-change dates and review status of every policy
    Review(ReviewArgs),
    /// Write an audit evidence bundle (`evidence verify` checks one, `evidence keygen` makes a signing key)
    Evidence(EvidenceArgs),
    /// Write one policy file per live policy (the API, or --snapshot FILE)
    Import(ImportArgs),
    /// Turn drift into action: a checklist to restore the tenant, or a patch that adopts live state
    Suggest(SuggestArgs),
    /// List, explain and test rules
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Print the JSON Schema of the policy file format
    Schema,
    /// Print a shell completion script
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff)
    Man,
    /// Scaffold a policy repository: casguard.toml, policies/, rules/, a CI workflow
    Init(InitArgs),
}

#[derive(Args, Debug)]
struct OutputArgs {
    /// Format of the report on stdout
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Also write a report to a file, as FORMAT=PATH (repeatable)
    #[arg(long = "report", value_name = "FORMAT=PATH", value_parser = parse_report_target)]
    reports: Vec<(Format, PathBuf)>,
    /// Lowest severity that makes casguard exit with 1
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    fail_on: FailOn,
}

#[derive(Args, Debug)]
struct LintArgs {
    /// Policy files or folders to lint [default: policies_dir from casguard.toml]
    paths: Vec<PathBuf>,
    /// Apply safe fixes (canonical enum spelling, tidy recipient lists) first, keeping comments and layout
    #[arg(long)]
    fix: bool,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Args, Debug)]
struct FetchArgs {
    /// Snapshot file to write (atomically; an existing file is replaced only on success)
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    #[command(flatten)]
    live: LiveArgs,
}

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
struct EvidenceArgs {
    #[command(subcommand)]
    action: Option<EvidenceAction>,
    /// Bundle to write: a folder, or a single archive when it ends in .tar.gz
    #[arg(long, value_name = "DIR|FILE.tar.gz", required = true)]
    out: Option<PathBuf>,
    /// Sign manifest.json with this Ed25519 private key (else $CASGUARD_SIGNING_KEY, hex)
    #[arg(long, value_name = "FILE")]
    signing_key: Option<PathBuf>,
    /// Generation time to record [default: $SOURCE_DATE_EPOCH, else now]
    #[arg(long, value_name = "RFC3339")]
    generated_at: Option<jiff::Timestamp>,
    /// Replace an existing bundle (only once the new one is complete)
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    live: LiveArgs,
}

#[derive(Subcommand, Debug)]
enum EvidenceAction {
    /// Check every hash (and the signature, given a public key); exit 1 when anything differs
    Verify {
        /// The bundle folder or .tar.gz archive
        path: PathBuf,
        /// Ed25519 public key (from `evidence keygen`) to check manifest.sig with
        #[arg(long, value_name = "FILE")]
        public_key: Option<PathBuf>,
    },
    /// Make an Ed25519 key pair: PREFIX.key (private, keep it secret) and PREFIX.pub
    Keygen {
        #[arg(long, value_name = "PREFIX")]
        out: PathBuf,
    },
}

#[derive(Args, Debug)]
struct InitArgs {
    /// Folder to scaffold [default: the working directory]
    dir: Option<PathBuf>,
    /// Overwrite files that already exist
    #[arg(long)]
    force: bool,
}

#[derive(Args, Debug)]
struct ReviewArgs {
    /// Also date live changes: read live state (the API, or --snapshot FILE)
    #[arg(long)]
    live: bool,
    #[command(flatten)]
    source: LiveArgs,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Args, Debug)]
struct ImportArgs {
    /// Folder to write policy files into, grouped by policy type
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Overwrite policy files that already exist
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    live: LiveArgs,
}

#[derive(Args, Debug)]
struct SuggestArgs {
    /// Print a patch (`git apply`) that changes the policy files to match the tenant,
    /// instead of the checklist that changes the tenant to match the files
    #[arg(long)]
    adopt_live: bool,
    /// With --adopt-live: also delete the files of policies missing live
    #[arg(long, requires = "adopt_live")]
    include_removals: bool,
    /// Write to FILE (atomically) instead of stdout
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    #[command(flatten)]
    live: LiveArgs,
}

#[derive(Args, Debug)]
struct DriftArgs {
    #[command(flatten)]
    live: LiveArgs,
    #[command(flatten)]
    output: OutputArgs,
}

/// Where live state comes from: the API, or a snapshot file.
#[derive(Args, Debug)]
struct LiveArgs {
    /// Read live state from a snapshot instead of the API: a casguard snapshot,
    /// a raw `{"data": [...]}` dump of the policies endpoint, or a JSON array
    #[arg(long, value_name = "FILE", conflicts_with_all = ["tenant", "max_requests_per_minute"])]
    snapshot: Option<PathBuf>,
    /// Tenant portal URL [default: $CASGUARD_TENANT_URL, else `url` under [tenant]]
    #[arg(long, value_name = "URL")]
    tenant: Option<String>,
    /// Client-side request pacing, 0 to disable [default: 30, or [tenant] max_requests_per_minute]
    #[arg(long, value_name = "N")]
    max_requests_per_minute: Option<u32>,
    /// Folder of timestamped snapshots: `fetch` adds one, `drift` and `review` date live changes
    /// from them [default: `history_dir` under [review]]
    #[arg(long, value_name = "DIR")]
    history: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
enum RulesCommand {
    /// List every rule
    List {
        #[arg(long, value_enum, default_value_t = ListFormat::Human)]
        format: ListFormat,
    },
    /// Explain one rule: rationale, remediation, where it is defined
    Explain { id: String },
    /// Run every Rego rule's pass and fail examples (built-in and custom)
    Test,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ListFormat {
    Human,
    Json,
}

fn parse_report_target(text: &str) -> Result<(Format, PathBuf), String> {
    let (format, path) = text
        .split_once('=')
        .ok_or_else(|| format!("expected FORMAT=PATH, e.g. sarif=casguard.sarif, got `{text}`"))?;
    let format = Format::from_str(format, true).map_err(|_| {
        let names: Vec<_> = Format::value_variants().iter().map(|f| f.name()).collect();
        format!(
            "unknown report format `{format}`; use one of {}",
            names.join(", ")
        )
    })?;
    if path.is_empty() {
        return Err("the report path is empty".into());
    }
    Ok((format, PathBuf::from(path)))
}

/// Anything that stops casguard from doing its job (exit 2).
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum Trouble {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Rules(#[from] RuleError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Lint(#[from] crate::lint::LintError),
    #[error("cannot write report `{}`: {source}", path.display())]
    #[diagnostic(help(
        "check that the folder exists and is writable; no partial report was left behind"
    ))]
    WriteReport {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot change to directory `{}`: {source}", path.display())]
    Directory {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{count} of the files to write already exist, e.g. `{first}`")]
    #[diagnostic(help(
        "nothing was written; pass --force to overwrite them, or choose another folder"
    ))]
    WouldOverwrite { count: usize, first: String },
    #[error("cannot write `{}`: {source}", path.display())]
    #[diagnostic(help("check that the folder is writable"))]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot suggest anything while policy files are invalid")]
    #[diagnostic(help("run `casguard lint` and fix the CAS001 findings first"))]
    InvalidPolicies,
    #[error("cannot build the patch: {0}")]
    Patch(String),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Evidence(#[from] crate::evidence::EvidenceError),
    #[error("bad signing key in CASGUARD_SIGNING_KEY: {0}")]
    #[diagnostic(help(
        "it holds 64 hex digits, as written by `casguard evidence keygen` into PREFIX.key"
    ))]
    SigningKeyEnv(String),
    #[error("unknown rule `{id}`")]
    #[diagnostic(help("{help}"))]
    UnknownRule { id: String, help: String },
    #[error("cannot write to stdout: {0}")]
    Stdout(std::io::Error),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Live(#[from] crate::live::LiveError),
}

/// Entry point: parses arguments, runs, and returns the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let code = if error.use_stderr() {
                EXIT_TROUBLE
            } else {
                EXIT_OK
            };
            let _ = error.print();
            return code;
        }
    };
    VERBOSITY.store(cli.verbose, Ordering::Relaxed);
    let color = match cli.color {
        ColorChoice::Always => Some(true),
        ColorChoice::Never => Some(false),
        ColorChoice::Auto => None,
    };
    let _ = miette::set_hook(Box::new(move |_| {
        let mut options = miette::MietteHandlerOpts::new()
            .width(100)
            .terminal_links(false);
        if let Some(color) = color {
            options = options.color(color);
        }
        Box::new(options.build())
    }));
    match run(cli) {
        Ok(code) => code,
        Err(trouble) => {
            eprintln!("{:?}", miette::Report::new(trouble));
            EXIT_TROUBLE
        }
    }
}

struct Context {
    config: Config,
    today: jiff::civil::Date,
    /// Whether --today (or CASGUARD_TODAY) set `today`.
    today_given: bool,
    color: bool,
}

fn run(cli: Cli) -> Result<i32, Trouble> {
    if let Some(dir) = &cli.directory {
        std::env::set_current_dir(dir).map_err(|source| Trouble::Directory {
            path: dir.clone(),
            source,
        })?;
    }
    let color = match cli.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    };
    let today = cli.today.unwrap_or_else(|| jiff::Zoned::now().date());
    match &cli.command {
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "casguard", &mut out);
            return print_stdout(&String::from_utf8_lossy(&out));
        }
        Command::Man => {
            let mut out = Vec::new();
            clap_mangen::Man::new(Cli::command())
                .render(&mut out)
                .map_err(Trouble::Stdout)?;
            return print_stdout(&String::from_utf8_lossy(&out));
        }
        Command::Init(args) => {
            return init(args, cli.today.unwrap_or_else(|| jiff::Zoned::now().date()))
        }
        _ => {}
    }
    if matches!(cli.command, Command::Schema) {
        return print_stdout(&format!(
            "{}\n",
            serde_json::to_string_pretty(&crate::schema::policy_schema())
                .expect("schema serializes")
        ));
    }
    let config = Config::discover(cli.config.as_deref())?;
    match &config.source {
        Some(source) => verbose!("config: {}", source.path),
        None => verbose!("config: none found, using defaults"),
    }
    let context = Context {
        config,
        today,
        today_given: cli.today.is_some(),
        color,
    };
    match cli.command {
        Command::Lint(args) => lint(&context, args),
        Command::Fetch(args) => fetch(&context, args),
        Command::Drift(args) => drift(&context, args),
        Command::Import(args) => import(&context, args),
        Command::Review(args) => review(&context, args),
        Command::Evidence(args) => evidence(&context, args),
        Command::Suggest(args) => suggest(&context, args),
        Command::Rules(command) => rules(&context, command),
        Command::Schema | Command::Completions { .. } | Command::Man | Command::Init(_) => {
            unreachable!("handled above")
        }
    }
}

fn lint(context: &Context, args: LintArgs) -> Result<i32, Trouble> {
    let started = Instant::now();
    let rules = crate::lint::load_rules(&context.config)?;
    verbose!(
        "rules: {} loaded in {:?}",
        rules.metas().len(),
        started.elapsed()
    );
    if args.fix {
        for (file, changes) in crate::lint::fix(&context.config, &args.paths)? {
            eprintln!("casguard: fixed {file}: {}", changes.join("; "));
        }
    }
    let report = crate::lint::lint(&context.config, &rules, &args.paths, context.today)?;
    verbose!(
        "lint: {} files, {} valid policies, checked in {:?}",
        report.files.len(),
        report.policies_checked,
        started.elapsed()
    );
    emit(context, &report, &args.output)
}

fn fetch(context: &Context, args: FetchArgs) -> Result<i32, Trouble> {
    let started = Instant::now();
    // Find a bad --out before a fetch that may take minutes.
    let folder = args
        .out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    if !folder.is_dir() {
        return Err(Trouble::Write {
            path: args.out.clone(),
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("folder `{}` does not exist", folder.display()),
            ),
        });
    }
    let snapshot = read_live(context, &args.live)?;
    snapshot.write(&args.out)?;
    if let Some(dir) = args
        .live
        .history
        .as_ref()
        .or(context.config.review.history_dir.as_ref())
    {
        let kept = snapshot.keep_in_history(dir)?;
        verbose!("kept a copy in {}", kept.display());
    }
    let from = match &args.live.snapshot {
        Some(path) => path.display().to_string(),
        None => snapshot.tenant.clone().unwrap_or_default(),
    };
    let requests = snapshot
        .source
        .get("requests")
        .and_then(serde_json::Value::as_u64);
    print_stdout(&format!(
        "{} {} from {from}{} ({:.1} s); wrote {}\n",
        if args.live.snapshot.is_some() {
            "read"
        } else {
            "fetched"
        },
        report::plural(snapshot.policies.len(), "policy"),
        requests.map_or(String::new(), |n| format!(
            " in {}",
            report::plural(n as usize, "request")
        )),
        started.elapsed().as_secs_f64(),
        args.out.display()
    ))
}

/// Live state from `--snapshot FILE`, or from the API.
fn read_live(context: &Context, live: &LiveArgs) -> Result<crate::live::Snapshot, Trouble> {
    use crate::live::{self, Event};
    if let Some(path) = &live.snapshot {
        let snapshot = live::Snapshot::read(path)?;
        verbose!(
            "live state: {} policies from {}",
            snapshot.policies.len(),
            path.display()
        );
        return Ok(snapshot);
    }
    let env = |key: &str| std::env::var(key).ok();
    let mut settings = context.config.tenant.clone();
    if let Some(rpm) = live.max_requests_per_minute {
        settings.max_requests_per_minute = rpm;
    }
    let tenant = live::tenant_url(live.tenant.as_deref(), &env, &settings)?;
    let mut auth = live::Auth::from_config(&settings, &env)?;
    let mut http = live::Http::new(&settings)?;
    verbose!(
        "fetching policies from {tenant} (auth: {})",
        auth.method().name()
    );
    let verbosity = VERBOSITY.load(Ordering::Relaxed);
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
                .expect("valid template"),
        );
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        bar.set_message("fetching policies");
        bar
    });
    let say = |line: String| match &bar {
        Some(bar) => bar.println(line),
        None => eprintln!("{line}"),
    };
    let mut observe = |event: Event| match event {
        Event::Page {
            number,
            fetched,
            total,
        } => {
            let of = total.map_or(String::new(), |t| format!(" of {t}"));
            match &bar {
                Some(bar) => {
                    bar.set_message(format!("fetching policies: page {number}, {fetched}{of}"))
                }
                None => eprintln!("casguard: page {number}: {fetched}{of} policies"),
            }
        }
        Event::Retry {
            what,
            attempt,
            max_attempts,
            wait,
            reason,
        } if verbosity > 0 => say(format!(
            "casguard: {what}: {reason}; retrying in {:.1} s (attempt {} of {max_attempts})",
            wait.as_secs_f64(),
            attempt + 1
        )),
        Event::Paced { wait } if verbosity > 0 => say(format!(
            "casguard: pacing: waiting {:.1} s to stay within the request rate",
            wait.as_secs_f64()
        )),
        Event::Request { what, attempt } if verbosity > 1 => {
            say(format!("casguard: {what} (attempt {attempt})"))
        }
        _ => {}
    };
    let result = live::fetch_policies(&tenant, &mut http, &mut auth, &mut observe);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let policies = result?;
    let snapshot = live::Snapshot {
        format_version: live::snapshot::FORMAT_VERSION,
        tenant: Some(tenant.clone()),
        fetched_at: Some(
            jiff::Timestamp::now()
                .round(jiff::Unit::Second)
                .unwrap_or_else(|_| jiff::Timestamp::now())
                .to_string(),
        ),
        source: serde_json::json!({
            "kind": "api",
            "endpoint": live::POLICIES_ENDPOINT,
            "auth": auth.method().name(),
            "requests": http.requests,
            "casguard_version": env!("CARGO_PKG_VERSION"),
        }),
        policies,
    };
    Ok(snapshot)
}

fn import(context: &Context, args: ImportArgs) -> Result<i32, Trouble> {
    let snapshot = read_live(context, &args.live)?;
    let origin = match (&snapshot.tenant, &snapshot.fetched_at) {
        (Some(tenant), Some(at)) => format!("{tenant} (live state of {at})"),
        (Some(tenant), None) => tenant.clone(),
        _ => args
            .live
            .snapshot
            .as_ref()
            .map_or_else(|| "the tenant".into(), |p| p.display().to_string()),
    };
    let (files, skipped) = crate::import::render_all(&snapshot.policies, Some(&origin));
    // Everything is rendered and checked before the first byte is written.
    let existing: Vec<PathBuf> = files
        .iter()
        .map(|f| args.out.join(&f.path))
        .filter(|p| p.exists())
        .collect();
    if !existing.is_empty() && !args.force {
        return Err(Trouble::WouldOverwrite {
            count: existing.len(),
            first: existing[0].display().to_string(),
        });
    }
    // Each file is written atomically (temp file, fsync, rename); fsync waits
    // on the disk, so several writers overlap those waits.
    let folders: std::collections::BTreeSet<PathBuf> = files
        .iter()
        .filter_map(|f| args.out.join(&f.path).parent().map(PathBuf::from))
        .collect();
    for folder in folders {
        std::fs::create_dir_all(&folder).map_err(|source| Trouble::Write {
            path: folder.clone(),
            source,
        })?;
    }
    let chunk = files.len().div_ceil(8).max(1);
    let failures: Vec<Trouble> = std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|group| {
                let out = &args.out;
                scope.spawn(move || {
                    group.iter().find_map(|file| {
                        let path = out.join(&file.path);
                        crate::fsutil::write_atomic(&path, file.text.as_bytes())
                            .err()
                            .map(|source| Trouble::Write { path, source })
                    })
                })
            })
            .collect();
        handles
            .into_iter()
            .filter_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    if let Some(failure) = failures.into_iter().next() {
        return Err(failure);
    }
    for skip in &skipped {
        eprintln!(
            "casguard: warning: `{}`: live field `{}` left out: {}",
            skip.policy, skip.field, skip.reason
        );
    }
    print_stdout(&format!(
        "imported {} into {}{}\n",
        report::plural(files.len(), "policy"),
        args.out.display(),
        if skipped.is_empty() {
            String::new()
        } else {
            format!(
                " ({} left out, see above)",
                report::plural(skipped.len(), "field")
            )
        }
    ))
}

fn suggest(context: &Context, args: SuggestArgs) -> Result<i32, Trouble> {
    let rules = crate::lint::load_rules(&context.config)?;
    let snapshot = read_live(context, &args.live)?;
    let report = crate::lint::drift(&context.config, &rules, &snapshot, context.today)?;
    if !report.drift.as_ref().is_some_and(|d| d.compared) {
        return Err(Trouble::InvalidPolicies);
    }
    let text = if args.adopt_live {
        let policies_dir = load::display_path(&context.config.policies_dir);
        crate::suggest::adopt_live(
            &report,
            &snapshot.policies,
            &policies_dir,
            args.include_removals,
        )
        .map_err(Trouble::Patch)?
    } else {
        crate::suggest::restore_checklist(&report)
    };
    match &args.out {
        Some(path) => {
            crate::fsutil::write_atomic(path, text.as_bytes()).map_err(|source| {
                Trouble::Write {
                    path: path.clone(),
                    source,
                }
            })?;
            eprintln!("casguard: wrote {}", path.display());
            Ok(EXIT_OK)
        }
        None => print_stdout(&text),
    }
}

/// The snapshot history named by `--history` or `[review] history_dir`.
fn read_history(
    context: &Context,
    live: &LiveArgs,
) -> Result<Vec<(String, Vec<serde_json::Value>)>, Trouble> {
    match live
        .history
        .as_ref()
        .or(context.config.review.history_dir.as_ref())
    {
        Some(dir) if dir.is_dir() => Ok(crate::live::snapshot::read_history(dir)?),
        Some(dir) if live.history.is_some() => {
            Err(Trouble::Live(crate::live::LiveError::ReadSnapshot {
                path: dir.display().to_string(),
                detail: "no such folder".into(),
                help: "`fetch --history DIR` creates it".into(),
            }))
        }
        _ => Ok(Vec::new()),
    }
}

fn drift(context: &Context, args: DriftArgs) -> Result<i32, Trouble> {
    let rules = crate::lint::load_rules(&context.config)?;
    let snapshot = read_live(context, &args.live)?;
    let history = read_history(context, &args.live)?;
    let report = crate::lint::drift_with_history(
        &context.config,
        &rules,
        &snapshot,
        &history,
        context.today,
    )?;
    emit(context, &report, &args.output)
}

fn init(args: &InitArgs, today: jiff::civil::Date) -> Result<i32, Trouble> {
    let dir = args.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let files = crate::init::files();
    let existing: Vec<PathBuf> = files
        .iter()
        .map(|(p, _)| dir.join(p))
        .filter(|p| p.exists())
        .collect();
    if !existing.is_empty() && !args.force {
        return Err(Trouble::WouldOverwrite {
            count: existing.len(),
            first: existing[0].display().to_string(),
        });
    }
    for (path, text) in &files {
        let path = dir.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| Trouble::Write {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        let text = text.replace("{{TODAY}}", &today.to_string());
        crate::fsutil::write_atomic(&path, text.as_bytes()).map_err(|source| Trouble::Write {
            path: path.clone(),
            source,
        })?;
    }
    print_stdout(&format!(
        "scaffolded {} files in {}: edit casguard.toml (tenant URL, allowed domains), then run `casguard lint`\n",
        files.len(),
        dir.display()
    ))
}

fn evidence(context: &Context, args: EvidenceArgs) -> Result<i32, Trouble> {
    use crate::evidence;
    match args.action {
        Some(EvidenceAction::Verify { path, public_key }) => {
            let key = public_key
                .as_deref()
                .map(evidence::read_public_key)
                .transpose()?;
            let files = evidence::read(&path)?;
            let problems = evidence::verify(&files, key.as_ref());
            let mut text = String::new();
            for problem in &problems {
                text.push_str(&format!("FAILED {problem}\n"));
            }
            if problems.is_empty() {
                text.push_str(&format!(
                    "ok: {} files intact{}\n",
                    files.len(),
                    key.map_or(String::new(), |k| format!(
                        "; signature valid for key {}",
                        evidence::fingerprint(&k)
                    ))
                ));
            } else {
                text.push_str(&format!(
                    "{} in {}\n",
                    report::plural(problems.len(), "problem"),
                    path.display()
                ));
            }
            print_stdout(&text)?;
            Ok(if problems.is_empty() {
                EXIT_OK
            } else {
                EXIT_FINDINGS
            })
        }
        Some(EvidenceAction::Keygen { out }) => {
            let key =
                evidence::generate_key().map_err(|e| Trouble::SigningKeyEnv(e.to_string()))?;
            let private = PathBuf::from(format!("{}.key", out.display()));
            let public = PathBuf::from(format!("{}.pub", out.display()));
            for path in [&private, &public] {
                if path.exists() {
                    return Err(Trouble::Evidence(evidence::EvidenceError::Exists(
                        path.clone(),
                    )));
                }
            }
            crate::fsutil::write_atomic(
                &private,
                format!("{}\n", hex::encode(key.to_bytes())).as_bytes(),
            )
            .map_err(|source| Trouble::Write {
                path: private.clone(),
                source,
            })?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let _ = std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o600));
            }
            crate::fsutil::write_atomic(
                &public,
                format!("{}\n", hex::encode(key.verifying_key().to_bytes())).as_bytes(),
            )
            .map_err(|source| Trouble::Write {
                path: public.clone(),
                source,
            })?;
            print_stdout(&format!(
                "wrote {} (private: keep it secret) and {} (public); fingerprint {}\n",
                private.display(),
                public.display(),
                evidence::fingerprint(&key.verifying_key())
            ))
        }
        None => {
            let out = args.out.clone().expect("clap requires --out");
            let signing_key = match (
                &args.signing_key,
                std::env::var("CASGUARD_SIGNING_KEY")
                    .ok()
                    .filter(|k| !k.trim().is_empty()),
            ) {
                (Some(path), _) => Some(evidence::read_signing_key(path)?),
                (None, Some(text)) => {
                    Some(evidence::parse_signing_key(&text).map_err(Trouble::SigningKeyEnv)?)
                }
                (None, None) => None,
            };
            let generated_at = match args.generated_at {
                Some(at) => at,
                None => match std::env::var("SOURCE_DATE_EPOCH")
                    .ok()
                    .and_then(|s| s.trim().parse::<i64>().ok())
                {
                    Some(seconds) => jiff::Timestamp::from_second(seconds)
                        .unwrap_or_else(|_| jiff::Timestamp::now()),
                    None => jiff::Timestamp::now()
                        .round(jiff::Unit::Second)
                        .unwrap_or_else(|_| jiff::Timestamp::now()),
                },
            };
            let today = if context.today_given {
                context.today
            } else {
                generated_at.to_zoned(jiff::tz::TimeZone::UTC).date()
            };
            let rules = crate::lint::load_rules(&context.config)?;
            let snapshot = read_live(context, &args.live)?;
            let history = read_history(context, &args.live)?;
            let config = &context.config;
            // Read the policy files once for every part of the bundle.
            let policies = crate::load::load_policies(std::slice::from_ref(&config.policies_dir))?;
            let lint = crate::lint::lint_loaded(config, &rules, policies.clone(), true, today)?;
            // Date both sides once (one git walk) for drift and review alike.
            let dates = crate::lint::dates(config, &policies.files, Some(&snapshot), &history);
            let drift = crate::lint::drift_loaded(
                config,
                &rules,
                policies.clone(),
                &snapshot,
                &history,
                Some(&dates),
                today,
            )?;
            let review = crate::lint::review_loaded(
                config,
                &rules,
                policies.clone(),
                Some(&snapshot),
                &dates,
                today,
            )?;
            let desired: serde_json::Map<String, serde_json::Value> = policies
                .policies
                .iter()
                .map(|p| {
                    (
                        p.file.clone(),
                        crate::normalize::desired(p, &config.drift.ignore),
                    )
                })
                .collect();
            let live: serde_json::Map<String, serde_json::Value> = snapshot
                .policies
                .iter()
                .filter_map(|p| p.as_object())
                .map(|p| {
                    let id = p
                        .get("_id")
                        .and_then(serde_json::Value::as_str)
                        .unwrap_or("(no _id)")
                        .to_string();
                    (id, crate::normalize::live(p, &config.drift.ignore))
                })
                .collect();
            let (git_commit, git_dirty) =
                crate::history::head_state(&std::env::current_dir().unwrap_or_default());
            let summary = drift.summary();
            let drift_section = drift.drift.as_ref();
            let counts = serde_json::json!({
                "desired_policies": policies.policies.len(),
                "live_policies": snapshot.policies.len(),
                "lint_findings": lint.findings.len(),
                "drift_findings": drift.findings.len(),
                "review_findings": review.findings.len(),
                "errors": summary.errors,
                "in_sync": drift_section.map(|d| d.in_sync),
                "missing": drift_section.map(|d| d.count(crate::drift::DriftKind::Missing)),
                "unmanaged": drift_section.map(|d| d.count(crate::drift::DriftKind::Unmanaged)),
                "changed": drift_section.map(|d| d.count(crate::drift::DriftKind::Changed)),
            });
            let style = Style::default();
            let report_md = format!(
                "# casguard evidence\n\nTenant: {} (live state of {}). Desired state: git commit {}{}.\n\n{}\n{}\n{}",
                snapshot.tenant.as_deref().unwrap_or("(snapshot)"),
                snapshot.fetched_at.as_deref().unwrap_or("unknown date"),
                git_commit.as_deref().unwrap_or("(not a git repository)"),
                if git_dirty == Some(true) { ", with uncommitted changes" } else { "" },
                report::render(report::Format::Markdown, &lint, style),
                report::render(report::Format::Markdown, &drift, style),
                report::render(report::Format::Markdown, &review, style)
            );
            let combined = Report {
                command: "evidence".into(),
                findings: lint
                    .findings
                    .iter()
                    .chain(&drift.findings)
                    .chain(&review.findings)
                    .cloned()
                    .collect(),
                suppressed: lint
                    .suppressed
                    .iter()
                    .chain(&drift.suppressed)
                    .chain(&review.suppressed)
                    .cloned()
                    .collect(),
                rules: rules.metas().to_vec(),
                files: lint.files.clone(),
                policies_checked: lint.policies_checked,
                sources: lint.sources.clone(),
                drift: drift.drift.as_ref().map(|d| report::DriftSection {
                    entries: d.entries.clone(),
                    in_sync: d.in_sync,
                    live_count: d.live_count,
                    tenant: d.tenant.clone(),
                    fetched_at: d.fetched_at.clone(),
                    compared: d.compared,
                }),
                review: review.review.as_ref().map(|r| report::ReviewSection {
                    rows: r.rows.clone(),
                    notes: r.notes.clone(),
                }),
            };
            let config_sha256 = config
                .source
                .as_ref()
                .map(|s| evidence::sha256_hex(s.text.as_bytes()));
            let mut live_raw =
                serde_json::to_vec_pretty(&snapshot.policies).expect("policies serialize");
            live_raw.push(b'\n');
            let inputs = evidence::Inputs {
                tenant: snapshot.tenant.clone(),
                fetched_at: snapshot.fetched_at.clone(),
                generated_at,
                live_raw,
                live_normalized: serde_json::Value::Object(live),
                desired_normalized: serde_json::Value::Object(desired),
                lint_json: report::render(report::Format::Json, &lint, style),
                drift_json: report::render(report::Format::Json, &drift, style),
                review_json: report::render(report::Format::Json, &review, style),
                report_md,
                report_html: report::render(report::Format::Html, &combined, style),
                git_commit,
                git_dirty,
                config_sha256,
                counts,
                signing_key: signing_key.as_ref(),
            };
            let files = evidence::build(&inputs);
            evidence::write(
                &out,
                &files,
                generated_at.as_second().max(0) as u64,
                args.force,
            )?;
            print_stdout(&format!(
                "wrote evidence bundle {} ({} files{})\n",
                out.display(),
                files.len(),
                signing_key.map_or(String::new(), |k| format!(
                    ", signed by {}",
                    evidence::fingerprint(&k.verifying_key())
                ))
            ))
        }
    }
}

fn review(context: &Context, args: ReviewArgs) -> Result<i32, Trouble> {
    let rules = crate::lint::load_rules(&context.config)?;
    let wants_live = args.live || args.source.snapshot.is_some() || args.source.tenant.is_some();
    let snapshot = if wants_live {
        Some(read_live(context, &args.source)?)
    } else {
        None
    };
    let history = read_history(context, &args.source)?;
    let report = crate::lint::review(
        &context.config,
        &rules,
        snapshot.as_ref(),
        &history,
        context.today,
    )?;
    for note in report.review.iter().flat_map(|r| &r.notes) {
        eprintln!("casguard: note: {note}");
    }
    emit(context, &report, &args.output)
}

/// Writes the requested reports, prints the stdout one, and picks the exit code.
fn emit(context: &Context, report: &Report, output: &OutputArgs) -> Result<i32, Trouble> {
    for (format, path) in &output.reports {
        let text = report::render(*format, report, Style::default());
        crate::fsutil::write_atomic(path, text.as_bytes()).map_err(|source| {
            Trouble::WriteReport {
                path: path.clone(),
                source,
            }
        })?;
        verbose!("wrote {} report to {}", format.name(), path.display());
    }
    let style = Style {
        color: context.color,
        ..Style::default()
    };
    print_stdout(&report::render(output.format, report, style))?;
    let failing = report
        .findings
        .iter()
        .any(|f| output.fail_on.fails(f.severity));
    Ok(if failing { EXIT_FINDINGS } else { EXIT_OK })
}

fn print_stdout(text: &str) -> Result<i32, Trouble> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|_| stdout.flush())
    {
        Ok(()) => Ok(EXIT_OK),
        // A closed pipe (`casguard ... | head`) is not an error worth reporting.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(EXIT_OK),
        Err(e) => Err(Trouble::Stdout(e)),
    }
}

fn rules(context: &Context, command: RulesCommand) -> Result<i32, Trouble> {
    let rules = crate::lint::load_rules(&context.config)?;
    match command {
        RulesCommand::List { format } => {
            let text = match format {
                ListFormat::Json => {
                    let mut text =
                        serde_json::to_string_pretty(rules.metas()).expect("rules serialize");
                    text.push('\n');
                    text
                }
                ListFormat::Human => {
                    let mut text = String::new();
                    for meta in rules.metas() {
                        let level = effective_level(&context.config, meta);
                        text.push_str(&format!(
                            "{:<8} {:<8} {:<8} {}\n",
                            meta.id,
                            level,
                            origin_kind(&meta.origin),
                            meta.title
                        ));
                    }
                    text
                }
            };
            print_stdout(&text)
        }
        RulesCommand::Explain { id } => {
            let Some(meta) = rules.get(&id) else {
                let ids: Vec<&str> = rules.metas().iter().map(|m| m.id.as_str()).collect();
                let near = load::closest(&id, &ids)
                    .map(|c| format!("did you mean `{c}`? "))
                    .unwrap_or_default();
                return Err(Trouble::UnknownRule {
                    id,
                    help: format!("{near}run `casguard rules list` to see every rule"),
                });
            };
            let defined = match &meta.origin {
                RuleOrigin::Builtin => "built into casguard".to_string(),
                RuleOrigin::BuiltinRego(file) => format!("built-in Rego rule, {file}"),
                RuleOrigin::Custom(file) => format!("custom Rego rule, {file}"),
            };
            let text = format!(
                "{}: {}\n\nSeverity:    {} (default {})\nDefined in:  {}\n\nWhy it matters\n  {}\n\nHow to fix\n  {}\n\nSilence it with `[rules] {} = \"off\"` in casguard.toml, or for one policy with a [[suppress]] entry (reason and expiry required).\n",
                meta.id,
                meta.title,
                effective_level(&context.config, meta),
                meta.severity,
                defined,
                meta.rationale,
                meta.remediation,
                meta.id,
            );
            print_stdout(&text)
        }
        RulesCommand::Test => {
            let outcomes = rules.run_examples(&context.config);
            let mut text = String::new();
            let (mut failed, mut weak) = (0, 0);
            for outcome in &outcomes {
                match &outcome.problem {
                    None => text.push_str(&format!("ok     {}\n", outcome.name)),
                    Some(problem) => {
                        failed += 1;
                        text.push_str(&format!(
                            "FAILED {} ({}): {problem}\n",
                            outcome.name, outcome.file
                        ));
                    }
                }
                if let Some(note) = &outcome.note {
                    weak += 1;
                    text.push_str(&format!("       note ({}): {note}\n", outcome.file));
                }
            }
            text.push_str(&format!(
                "{} passed, {} failed",
                outcomes.len() - failed,
                failed
            ));
            if weak > 0 {
                text.push_str(&format!(" ({weak} with a note)"));
            }
            text.push('\n');
            print_stdout(&text)?;
            Ok(if failed > 0 { EXIT_FINDINGS } else { EXIT_OK })
        }
    }
}

fn effective_level(config: &Config, meta: &RuleMeta) -> String {
    match config.rule_level(&meta.id) {
        Some(crate::config::RuleLevel::Off) => "off".into(),
        Some(crate::config::RuleLevel::Severity(s)) => s.to_string(),
        None => meta.severity.to_string(),
    }
}

fn origin_kind(origin: &RuleOrigin) -> &'static str {
    match origin {
        RuleOrigin::Builtin | RuleOrigin::BuiltinRego(_) => "builtin",
        RuleOrigin::Custom(_) => "custom",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_definition_is_valid() {
        Cli::command().debug_assert();
    }

    #[test]
    fn report_targets() {
        assert_eq!(
            parse_report_target("sarif=out/x.sarif").unwrap(),
            (Format::Sarif, PathBuf::from("out/x.sarif"))
        );
        assert!(parse_report_target("pdf=x")
            .unwrap_err()
            .contains("unknown report format"));
        assert!(parse_report_target("sarif").is_err());
    }
}
