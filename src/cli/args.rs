//! The command line's grammar: clap definitions only. What each command
//! does is in `crate::app`; how its outcome looks is in `crate::report`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::model::FailOn;
use crate::report::Format;

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
    pub directory: Option<PathBuf>,
    /// Configuration file [env: CASGUARD_CONFIG] [default: the nearest casguard.toml up to the repository root]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Print progress on stderr (repeat for more)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// When to colour output
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Evaluate dates (reviews, suppression expiry) as of DATE instead of today [env: CASGUARD_TODAY]
    #[arg(long, global = true, value_name = "YYYY-MM-DD")]
    pub today: Option<jiff::civil::Date>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand, Debug)]
pub enum Command {
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
    /// Per-policy alert scorecard, spikes, trends and where alerts go, from the local
    /// archive (`alerts sync` fills it from the tenant, `alerts import` from a file)
    Alerts(AlertsArgs),
    /// The weekly operations check: system alerts, app connectors, Conditional Access App
    /// Control apps, log upload, SIEM agents, API tokens, governance log, Secure Score,
    /// message center, drift since the last run
    #[command(after_long_help = OPS_PERMISSIONS)]
    Ops(OpsArgs),
    /// Reports for people: `report monthly`, the summary for management
    #[command(subcommand)]
    Report(ReportCommand),
    /// Which live fields a snapshot holds, of which types, and how casguard maps them
    /// (no values: fit for a bug report)
    Shape {
        /// A snapshot written by `fetch` (any format), or a raw dump
        snapshot: PathBuf,
        #[arg(long, value_enum, default_value_t = ListFormat::Human)]
        format: ListFormat,
    },
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
pub struct OutputArgs {
    /// Format of the report on stdout
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Also write a report to a file, as FORMAT=PATH (repeatable)
    #[arg(long = "report", value_name = "FORMAT=PATH", value_parser = parse_report_target)]
    pub reports: Vec<(Format, PathBuf)>,
    /// Lowest severity that makes casguard exit with 1
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
}

#[derive(Args, Debug)]
pub struct LintArgs {
    /// Policy files or folders to lint [default: policies_dir from casguard.toml]
    pub paths: Vec<PathBuf>,
    /// Apply safe fixes (canonical enum spelling, tidy recipient lists) first, keeping comments and layout
    #[arg(long)]
    pub fix: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Args, Debug)]
pub struct FetchArgs {
    /// Snapshot file to write (atomically; an existing file is replaced only on success)
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// What to read, comma-separated: policies, alerts (the last `system_alert_days`), ops
    /// (connectors, log upload, SIEM agents, API tokens, governance log, Secure Score,
    /// message center), all, or single resource names [default: policies]
    #[arg(long, value_name = "LIST", value_parser = parse_resources)]
    pub resources: Option<std::collections::BTreeSet<&'static str>>,
    #[command(flatten)]
    pub live: LiveArgs,
}

/// `ops --help`: what each check reads and the permission it needs.
pub const OPS_PERMISSIONS: &str = "\
Checks and the permissions they need:
  system_alerts            MDCA alerts (legacy API token, or Entra Investigation.read)
  app_connectors           POST /cas/api/v1/app_connectors/ (legacy API token)
  conditional_access_apps  the same connectors' session-control state (legacy API token)
  log_upload               discovery streams, log collectors, governance log (legacy API token;
                           streams also take Entra Discovery.read)
  siem_agents              /api/v1/agents/siem/ (legacy API token)
  api_tokens               /cas/api/v1/tokens/ (legacy API token of a Global or Security admin)
  governance               POST /api/v1/governance/ (legacy API token)
  secure_score             Microsoft Graph, application permission SecurityEvents.Read.All
  message_center           Microsoft Graph, application permission ServiceMessage.Read.All
  drift                    the policies (legacy API token) and the policy files

MDCA routes use `auth` under [tenant]. Graph routes need an Entra ID app: `graph_auth` under
[tenant] (entra-secret with CASGUARD_CLIENT_SECRET, or entra-workload-identity), with
AZURE_TENANT_ID and AZURE_CLIENT_ID; when `auth` is already an Entra method it is used for
Graph too. Without Graph credentials those two checks are unavailable (a note), unless named
with --check.

Exit codes: 0 nothing at or above --fail-on; 1 findings at or above it; 2 a check could not
read its data (the report still shows every check).";

#[derive(Args, Debug)]
pub struct OpsArgs {
    /// Run only this check (repeatable or comma-separated); a named check that cannot run is an error
    #[arg(long = "check", value_name = "NAME", value_delimiter = ',', value_parser = parse_check)]
    pub checks: Vec<crate::model::OpsCheck>,
    /// Compare with this earlier snapshot instead of the newest older one in the history folder
    #[arg(long, value_name = "FILE")]
    pub previous: Option<PathBuf>,
    #[command(flatten)]
    pub live: LiveArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

fn parse_check(text: &str) -> Result<crate::model::OpsCheck, String> {
    crate::model::OpsCheck::parse(text).ok_or_else(|| {
        let names: Vec<&str> = crate::model::OpsCheck::ALL
            .iter()
            .map(|c| c.as_str())
            .collect();
        format!("unknown check; use one of: {}", names.join(", "))
    })
}

fn parse_resources(text: &str) -> Result<std::collections::BTreeSet<&'static str>, String> {
    crate::live::resources::parse_resources(text)
}

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct AlertsArgs {
    #[command(subcommand)]
    pub action: Option<AlertsAction>,
    /// The scorecard's window ending today, e.g. 30d or 12w [default: `window_days` under [alerts], 30 days]
    #[arg(long, value_name = "AGE", value_parser = parse_age)]
    pub since: Option<i64>,
    /// Analyse this raw alerts dump (`{"data": [...]}`, an array or one alert) instead of the archive
    #[arg(long, value_name = "FILE")]
    pub dump: Option<PathBuf>,
    /// Join alerts to the live policies too (the API, or --snapshot FILE)
    #[arg(long)]
    pub live: bool,
    #[command(flatten)]
    pub source: LiveArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Subcommand, Debug)]
pub enum AlertsAction {
    /// Fetch alerts new since the last sync (and re-read those that may have changed) into the archive.
    /// Needs the MDCA API token, or an Entra app with the `Investigation.read` permission
    Sync {
        /// On a cold archive, how far back to fill, e.g. 120d [default: 120 days: the scorecard window plus the history spikes, trends and silent-policy checks need]
        #[arg(long, value_name = "AGE", value_parser = parse_age, conflicts_with = "from")]
        since: Option<i64>,
        /// Fill from this date (UTC), e.g. to backfill older alerts
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: Option<jiff::civil::Date>,
        /// Up to and including this date (UTC) [default: now]
        #[arg(long, value_name = "YYYY-MM-DD")]
        to: Option<jiff::civil::Date>,
        #[command(flatten)]
        api: TenantArgs,
    },
    /// Load a raw API dump into the archive (`{"data": [...]}`, an array or one alert; UTF-8 or UTF-16)
    Import {
        /// The dump file
        file: PathBuf,
    },
    /// Write the whole archive for a SIEM or a data lake
    Export {
        /// ndjson (the raw alerts, one per line) or csv (the extracted columns)
        #[arg(long, value_enum)]
        format: ExportFormatArg,
        /// Write to FILE (atomically) instead of stdout
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormatArg {
    Ndjson,
    Csv,
}

/// `30d`, `12w` or a bare number of days.
pub fn parse_age(text: &str) -> Result<i64, String> {
    let text = text.trim();
    let (number, unit) = match text.char_indices().last() {
        Some((i, 'd')) => (&text[..i], 1),
        Some((i, 'w')) => (&text[..i], 7),
        _ => (text, 1),
    };
    match number.parse::<i64>() {
        Ok(n) if (1..=3650).contains(&(n * unit)) => Ok(n * unit),
        _ => Err(format!(
            "expected an age such as 30d or 12w (1 to 3650 days), got `{text}`"
        )),
    }
}

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct EvidenceArgs {
    #[command(subcommand)]
    pub action: Option<EvidenceAction>,
    /// Bundle to write: a folder, or a single archive when it ends in .tar.gz
    #[arg(long, value_name = "DIR|FILE.tar.gz", required = true)]
    pub out: Option<PathBuf>,
    /// Sign manifest.json with this Ed25519 private key, OpenSSH format (else $CASGUARD_SIGNING_KEY)
    #[arg(long, value_name = "FILE")]
    pub signing_key: Option<PathBuf>,
    /// Generation time to record [default: $SOURCE_DATE_EPOCH, else now]
    #[arg(long, value_name = "RFC3339")]
    pub generated_at: Option<jiff::Timestamp>,
    /// Replace an existing bundle (only once the new one is complete)
    #[arg(long)]
    pub force: bool,
    /// Include the monthly report of this month (YYYY-MM), as HTML and JSON
    #[arg(long, value_name = "YYYY-MM", value_parser = parse_month)]
    pub monthly: Option<jiff::civil::Date>,
    #[command(flatten)]
    pub live: LiveArgs,
}

#[derive(Subcommand, Debug)]
pub enum ReportCommand {
    /// The monthly summary for management: headline figures, incident types, trends,
    /// policy health, recommendations, configuration, platform health (HTML by default)
    Monthly(MonthlyArgs),
}

#[derive(Args, Debug)]
pub struct MonthlyArgs {
    /// The month to report on [default: the last complete month]
    #[arg(long, value_name = "YYYY-MM", value_parser = parse_month)]
    pub month: Option<jiff::civil::Date>,
    #[arg(long, value_enum, default_value_t = MonthlyFormat::Html)]
    pub format: MonthlyFormat,
    /// Write the report to this file (atomically) instead of stdout
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Alerts from this raw dump instead of the archive
    #[arg(long, value_name = "FILE")]
    pub dump: Option<PathBuf>,
    /// Platform health from this ops snapshot [default: --snapshot when it has ops
    /// resources, else the newest in the history folder]
    #[arg(long, value_name = "FILE")]
    pub ops: Option<PathBuf>,
    /// Read the tenant (policies and ops resources) when no --snapshot is given
    #[arg(long, conflicts_with = "snapshot")]
    pub live: bool,
    #[command(flatten)]
    pub source: LiveArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum MonthlyFormat {
    Html,
    Markdown,
    Json,
}

/// "2026-10" as the month's first day.
pub fn parse_month(text: &str) -> Result<jiff::civil::Date, String> {
    let text = text.trim();
    format!("{text}-01")
        .parse::<jiff::civil::Date>()
        .ok()
        .filter(|_| text.len() == 7)
        .ok_or_else(|| format!("`{text}` is not a month; write it as YYYY-MM, e.g. 2026-10"))
}

#[derive(Subcommand, Debug)]
pub enum EvidenceAction {
    /// Check every hash (and the signature, given a public key); exit 1 when anything differs
    Verify {
        /// The bundle folder or .tar.gz archive
        path: PathBuf,
        /// Ed25519 public key (PREFIX.pub from `evidence keygen`, or any `ssh-ed25519 …` key):
        /// the bundle must then be signed, and manifest.json.sig valid for this key
        #[arg(long, value_name = "FILE")]
        public_key: Option<PathBuf>,
    },
    /// Make an Ed25519 key pair in OpenSSH's formats: PREFIX.key (private, keep it secret)
    /// and PREFIX.pub
    Keygen {
        /// Where to write the pair: PREFIX.key and PREFIX.pub (a .key or .pub
        /// ending is dropped first, so `--out signing.key` works too)
        #[arg(long, value_name = "PREFIX")]
        out: PathBuf,
        /// Write the private key even inside a git work tree that does not ignore it
        #[arg(long)]
        force: bool,
    },
}

#[derive(Args, Debug)]
pub struct InitArgs {
    /// Folder to scaffold [default: the working directory]
    pub dir: Option<PathBuf>,
    /// Overwrite files that already exist
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct ReviewArgs {
    /// Also date live changes: read live state (the API, or --snapshot FILE)
    #[arg(long)]
    pub live: bool,
    #[command(flatten)]
    pub source: LiveArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// Folder to write policy files into, grouped by policy type
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Overwrite policy files that already exist
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub live: LiveArgs,
}

#[derive(Args, Debug)]
pub struct SuggestArgs {
    /// Print a patch (`git apply`) that changes the policy files to match the tenant,
    /// instead of the checklist that changes the tenant to match the files
    #[arg(long)]
    pub adopt_live: bool,
    /// With --adopt-live: also delete the files of policies missing live
    #[arg(long, requires = "adopt_live")]
    pub include_removals: bool,
    /// Write to FILE (atomically) instead of stdout
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub live: LiveArgs,
}

#[derive(Args, Debug)]
pub struct DriftArgs {
    #[command(flatten)]
    pub live: LiveArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Where live state comes from: the API, or a snapshot file.
#[derive(Args, Debug)]
pub struct LiveArgs {
    /// Read live state from a snapshot instead of the API: a casguard snapshot,
    /// a raw `{"data": [...]}` dump of the policies endpoint, or a JSON array
    #[arg(long, value_name = "FILE", conflicts_with_all = ["tenant", "max_requests_per_minute"])]
    pub snapshot: Option<PathBuf>,
    #[command(flatten)]
    pub api: TenantArgs,
    /// Folder of timestamped snapshots: `fetch` adds one, `drift` and `review` date live changes
    /// from them [default: `history_dir` under [review]]
    #[arg(long, value_name = "DIR")]
    pub history: Option<PathBuf>,
}

/// How to reach the tenant's API.
#[derive(Args, Debug)]
pub struct TenantArgs {
    /// Tenant portal URL [default: $CASGUARD_TENANT_URL, else `url` under [tenant]]
    #[arg(long, value_name = "URL")]
    pub tenant: Option<String>,
    /// Client-side request pacing, 0 to disable [default: 30, or [tenant] max_requests_per_minute]
    #[arg(long, value_name = "N")]
    pub max_requests_per_minute: Option<u32>,
}

#[derive(Subcommand, Debug)]
pub enum RulesCommand {
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
pub enum ListFormat {
    Human,
    Json,
}

pub fn parse_report_target(text: &str) -> Result<(Format, PathBuf), String> {
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
