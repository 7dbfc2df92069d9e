//! The command line: parse arguments (`args`), build the `Env` from the
//! process (the only place casguard reads the working directory, the
//! environment variables and the clock), make one call into `app`, render
//! its outcome once, and pick the exit code. Nothing here analyses anything.
//!
//! Exit codes (chosen on purpose, as in ripgrep's main.rs):
//! 0 nothing at or above `--fail-on`; 1 findings at or above it;
//! 2 casguard could not do its job (usage, config, rules, network, I/O).

pub mod args;
mod progress;

use std::io::{IsTerminal, Write};
use std::time::Instant;

use clap::{CommandFactory, Parser};

pub use args::Cli;
use args::{
    AlertsAction, AlertsArgs, ColorChoice, Command, EvidenceAction, EvidenceArgs, ExportFormatArg,
    ListFormat, LiveArgs, MonthlyArgs, MonthlyFormat, OpsArgs, OutputArgs, ReportCommand,
    RulesCommand,
};

use crate::app::{self, LiveSource, Project};
use crate::env::{Env, EnvArgs};
use crate::model::Report;
use crate::report::{self, text, Style};

pub const EXIT_OK: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_TROUBLE: i32 = 2;

/// What stops a run: the command's own trouble, or the output's.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Trouble {
    #[error(transparent)]
    #[diagnostic(transparent)]
    App(#[from] app::Error),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Env(#[from] crate::env::EnvError),
    #[error("cannot write report `{path}`: {source}")]
    #[diagnostic(help(
        "check that the folder exists and is writable; no partial report was left behind"
    ))]
    WriteReport {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot write to stdout: {0}")]
    Stdout(std::io::Error),
}

/// The files a command will write when it ends (`--report`, `--out`),
/// checked before it starts: a run that reads the tenant for minutes and
/// spends its requests must not fail at the last step on a missing folder.
/// (`fetch`, `import` and `evidence` check their own outputs, which they
/// may create folders for.)
fn check_outputs(project: &Project, command: &Command) -> Result<(), Trouble> {
    fn reports(output: &OutputArgs) -> impl Iterator<Item = &std::path::Path> {
        output.reports.iter().map(|(_, path)| path.as_path())
    }
    let mut paths: Vec<&std::path::Path> = Vec::new();
    match command {
        Command::Lint(args) => paths.extend(reports(&args.output)),
        Command::Drift(args) => paths.extend(reports(&args.output)),
        Command::Review(args) => paths.extend(reports(&args.output)),
        Command::Ops(args) => paths.extend(reports(&args.output)),
        Command::Alerts(args) => {
            paths.extend(reports(&args.output));
            if let Some(AlertsAction::Export { out: Some(out), .. }) = &args.action {
                paths.push(out);
            }
        }
        Command::Suggest(args) => paths.extend(args.out.as_deref()),
        Command::Report(ReportCommand::Monthly(args)) => paths.extend(args.out.as_deref()),
        _ => {}
    }
    for path in paths {
        let path = project.env.resolve(path);
        let folder = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => &project.env.cwd,
        };
        let problem = if path.is_dir() {
            Some("it is a folder".to_string())
        } else if !folder.is_dir() {
            Some(format!(
                "folder `{}` does not exist",
                project.display(folder)
            ))
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(Trouble::WriteReport {
                path: project.display(&path),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, problem),
            });
        }
    }
    Ok(())
}

/// Entry point: parses arguments, runs, and returns the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() {
                EXIT_TROUBLE
            } else {
                EXIT_OK
            };
        }
    };
    let vars: std::collections::BTreeMap<String, String> = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect();
    let color = match cli.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => std::io::stdout().is_terminal() && !vars.contains_key("NO_COLOR"),
    };
    let error_color = match cli.color {
        ColorChoice::Auto => None,
        _ => Some(color),
    };
    let _ = miette::set_hook(Box::new(move |_| {
        let mut options = miette::MietteHandlerOpts::new()
            .width(100)
            .terminal_links(false);
        if let Some(color) = error_color {
            options = options.color(color);
        }
        Box::new(options.build())
    }));
    let env_args = EnvArgs {
        directory: cli.directory.clone(),
        config: cli.config.clone(),
        today: cli.today,
    };
    let run = || -> Result<i32, Trouble> {
        let process_cwd =
            std::env::current_dir().map_err(|e| crate::env::EnvError::Cwd(e.to_string()))?;
        let env = Env::new(&env_args, &process_cwd, vars, jiff::Timestamp::now())?;
        Runner {
            verbose: cli.verbose,
            color,
        }
        .run(env, cli.command)
    };
    match run() {
        Ok(code) => code,
        Err(trouble) => {
            eprintln!("{:?}", miette::Report::new(trouble));
            EXIT_TROUBLE
        }
    }
}

/// Presentation settings of this run.
struct Runner {
    verbose: u8,
    color: bool,
}

impl Runner {
    fn run(&self, env: Env, command: Command) -> Result<i32, Trouble> {
        let started = Instant::now();
        match command {
            Command::Completions { shell } => {
                let mut out = Vec::new();
                clap_complete::generate(shell, &mut Cli::command(), "casguard", &mut out);
                return print(&String::from_utf8_lossy(&out));
            }
            Command::Man => {
                let mut out = Vec::new();
                clap_mangen::Man::new(Cli::command())
                    .render(&mut out)
                    .map_err(Trouble::Stdout)?;
                return print(&String::from_utf8_lossy(&out));
            }
            Command::Schema => {
                let schema = crate::schema::policy_schema();
                let text = serde_json::to_string_pretty(&schema).expect("schema serializes");
                return print(&format!("{text}\n"));
            }
            Command::Init(args) => {
                let input = app::init::InitInput {
                    dir: args.dir,
                    force: args.force,
                };
                return print(&text::init(&app::init::init(&env, &input)?));
            }
            _ => {}
        }
        let project = Project::open(env)?;
        self.note(&match &project.env.config_path {
            Some(path) => format!("config: {}", path.display()),
            None => "config: none found, using defaults".into(),
        });
        let code = self.command(&project, command, started)?;
        self.note(&format!("done in {:?}", started.elapsed()));
        Ok(code)
    }

    fn command(
        &self,
        project: &Project,
        command: Command,
        started: Instant,
    ) -> Result<i32, Trouble> {
        check_outputs(project, &command)?;
        let mut progress = progress::Progress::new(self.verbose);
        let observe = &mut |event| progress.event(event);
        match command {
            Command::Lint(args) => {
                let rules = project.rules()?;
                let input = app::lint::LintInput {
                    paths: args.paths,
                    fix: args.fix,
                };
                let outcome = app::lint::lint(project, &rules, &input)?;
                for (file, changes) in &outcome.fixed {
                    eprintln!("casguard: fixed {file}: {}", changes.join("; "));
                }
                self.emit(project, &outcome.report, &args.output)
            }
            Command::Drift(args) => {
                let rules = project.rules()?;
                let source = live_source(&args.live);
                let (report, _) = app::drift::drift(project, &rules, &source, observe)?;
                drop(progress);
                say_drift_notes(&report);
                self.emit(project, &report, &args.output)
            }
            Command::Review(args) => {
                let rules = project.rules()?;
                let source = live_source(&args.source);
                let report = app::review::review(project, &rules, &source, args.live, observe)?;
                drop(progress);
                for note in report.review.iter().flat_map(|r| &r.notes) {
                    eprintln!("casguard: note: {note}");
                }
                self.emit(project, &report, &args.output)
            }
            Command::Fetch(args) => {
                let outcome = app::fetch::fetch(project, &fetch_input(args), observe)?;
                drop(progress);
                if let Some(kept) = &outcome.kept {
                    self.note(&format!("kept a copy in {kept}"));
                }
                for note in &outcome.notes {
                    eprintln!("casguard: note: {note}");
                }
                print(&text::fetch(&outcome, started.elapsed().as_secs_f64()))
            }
            Command::Import(args) => {
                let code = self.import(project, args, observe);
                drop(progress);
                code
            }
            Command::Suggest(args) => {
                let rules = project.rules()?;
                let input = app::suggest::SuggestInput {
                    adopt_live: args.adopt_live,
                    include_removals: args.include_removals,
                    out: args.out,
                    source: live_source(&args.live),
                };
                let outcome = app::suggest::suggest(project, &rules, &input, observe)?;
                drop(progress);
                match &outcome.written {
                    Some(path) => {
                        eprintln!("casguard: wrote {path}");
                        Ok(EXIT_OK)
                    }
                    None => print(&outcome.text),
                }
            }
            Command::Evidence(args) => {
                let code = self.evidence(project, args, observe);
                drop(progress);
                code
            }
            Command::Alerts(args) => {
                let code = self.alerts(project, args, started, observe);
                drop(progress);
                code
            }
            Command::Ops(args) => {
                let code = self.ops(project, args, observe);
                drop(progress);
                code
            }
            Command::Report(ReportCommand::Monthly(args)) => {
                let code = self.monthly(project, args, observe);
                drop(progress);
                code
            }
            Command::Shape { snapshot, format } => {
                let outcome = app::shape::shape(project, &snapshot)?;
                print(&text::shape_in(&outcome, format == ListFormat::Json))
            }
            Command::Rules(command) => self.rules(project, command),
            Command::Schema | Command::Completions { .. } | Command::Man | Command::Init(_) => {
                unreachable!("handled before the project is opened")
            }
        }
    }

    fn evidence(
        &self,
        project: &Project,
        args: EvidenceArgs,
        observe: &mut dyn FnMut(crate::live::Event),
    ) -> Result<i32, Trouble> {
        match args.action {
            Some(EvidenceAction::Verify { path, public_key }) => {
                let outcome = app::evidence::verify(project, &path, public_key.as_deref())?;
                print(&text::verify(&outcome))?;
                Ok(if outcome.problems.is_empty() {
                    EXIT_OK
                } else {
                    EXIT_FINDINGS
                })
            }
            Some(EvidenceAction::Keygen { out, force }) => {
                print(&text::keygen(&app::evidence::keygen(project, &out, force)?))
            }
            None => {
                let rules = project.rules()?;
                let input = app::evidence::EvidenceInput {
                    out: args.out.expect("clap requires --out"),
                    signing_key: args.signing_key,
                    generated_at: args.generated_at,
                    force: args.force,
                    monthly: args.monthly,
                    source: live_source(&args.live),
                };
                let outcome = app::evidence::create(project, &rules, &input, observe)?;
                print(&text::evidence(&outcome))
            }
        }
    }

    fn alerts(
        &self,
        project: &Project,
        args: AlertsArgs,
        started: Instant,
        observe: &mut dyn FnMut(crate::live::Event),
    ) -> Result<i32, Trouble> {
        match args.action {
            Some(AlertsAction::Sync {
                since,
                from,
                to,
                api,
            }) => {
                let input = app::alerts::SyncInput {
                    since_days: since,
                    from,
                    to,
                    source: LiveSource {
                        tenant: api.tenant,
                        max_requests_per_minute: api.max_requests_per_minute,
                        ..LiveSource::default()
                    },
                };
                let outcome = app::alerts::sync(project, &input, observe)?;
                print(&text::sync(&outcome, started.elapsed().as_secs_f64()))
            }
            Some(AlertsAction::Import { file }) => {
                let outcome = app::alerts::import(project, &file)?;
                print(&text::sync(&outcome, started.elapsed().as_secs_f64()))
            }
            Some(AlertsAction::Export { format, out }) => {
                let format = match format {
                    ExportFormatArg::Ndjson => crate::archive::ExportFormat::Ndjson,
                    ExportFormatArg::Csv => crate::archive::ExportFormat::Csv,
                };
                match app::alerts::export(project, format, out.as_deref())? {
                    Some(bytes) => print(&String::from_utf8_lossy(&bytes)),
                    None => Ok(EXIT_OK),
                }
            }
            None => {
                let rules = project.rules()?;
                let input = app::alerts::AnalyseInput {
                    since_days: args.since,
                    dump: args.dump,
                    live: args.live,
                    source: live_source(&args.source),
                };
                let report = app::alerts::analyse(project, &rules, &input, observe)?;
                self.emit(project, &report, &args.output)
            }
        }
    }

    /// Policy files from live state; what could not be written goes to stderr.
    fn import(
        &self,
        project: &Project,
        args: args::ImportArgs,
        observe: &mut dyn FnMut(crate::live::Event),
    ) -> Result<i32, Trouble> {
        let input = app::import::ImportInput {
            out: args.out,
            force: args.force,
            source: live_source(&args.live),
        };
        let outcome = app::import::import(project, &input, observe)?;
        let (summary, notes) = text::import(&outcome);
        for note in notes {
            eprintln!("casguard: note: {note}");
        }
        print(&summary)
    }

    /// The monthly report, on stdout or into `--out`.
    fn monthly(
        &self,
        project: &Project,
        args: MonthlyArgs,
        observe: &mut dyn FnMut(crate::live::Event),
    ) -> Result<i32, Trouble> {
        let rules = project.rules()?;
        let input = app::monthly::MonthlyInput {
            month: args.month,
            dump: args.dump,
            ops: args.ops,
            source: live_source(&args.source),
            live: args.live,
        };
        let monthly = app::monthly::monthly(project, &rules, &input, observe)?;
        for missing in &monthly.missing {
            eprintln!("casguard: note: {missing}");
        }
        let text = match args.format {
            MonthlyFormat::Html => report::monthly_html::render(&monthly),
            MonthlyFormat::Markdown => report::monthly_markdown::render(&monthly),
            MonthlyFormat::Json => report::monthly_json::render(&monthly),
        };
        match args.out {
            Some(path) => {
                let path = project.env.resolve(&path);
                crate::fsutil::write_atomic(&path, text.as_bytes()).map_err(|source| {
                    Trouble::WriteReport {
                        path: project.display(&path),
                        source,
                    }
                })?;
                eprintln!(
                    "casguard: wrote the {} report to {}",
                    monthly.month,
                    project.display(&path)
                );
                Ok(EXIT_OK)
            }
            None => print(&text),
        }
    }

    /// The report, then exit 2 when a check could not read its data.
    fn ops(
        &self,
        project: &Project,
        args: OpsArgs,
        observe: &mut dyn FnMut(crate::live::Event),
    ) -> Result<i32, Trouble> {
        let rules = project.rules()?;
        let input = app::ops::OpsInput {
            checks: args.checks,
            source: live_source(&args.live),
            previous: args.previous,
        };
        let report = app::ops::ops(project, &rules, &input, observe)?;
        let code = self.emit(project, &report, &args.output)?;
        let failed = report
            .ops
            .as_ref()
            .map_or(0, |o| o.count(crate::model::CheckStatus::Error));
        if failed > 0 {
            eprintln!(
                "casguard: error: {} could not read {} data; the report above shows why",
                crate::model::plural(failed, "check"),
                if failed == 1 { "its" } else { "their" }
            );
            return Ok(EXIT_TROUBLE);
        }
        Ok(code)
    }

    fn rules(&self, project: &Project, command: RulesCommand) -> Result<i32, Trouble> {
        let rules = project.rules()?;
        match command {
            RulesCommand::List { format } => {
                let rows = app::rules::list(project, &rules);
                print(&match format {
                    ListFormat::Json => text::rules_list_json(&rows),
                    ListFormat::Human => text::rules_list(&rows),
                })
            }
            RulesCommand::Explain { id } => {
                print(&text::explain(&app::rules::explain(project, &rules, &id)?))
            }
            RulesCommand::Test => {
                let (listing, failed) = text::rules_test(&app::rules::test(project, &rules));
                print(&listing)?;
                Ok(if failed > 0 { EXIT_FINDINGS } else { EXIT_OK })
            }
        }
    }

    /// Writes the requested report files, prints the stdout one, and picks
    /// the exit code.
    fn emit(
        &self,
        project: &Project,
        report: &Report,
        output: &OutputArgs,
    ) -> Result<i32, Trouble> {
        for (format, path) in &output.reports {
            let text = report::render(*format, report, Style::default());
            let path = project.env.resolve(path);
            crate::fsutil::write_atomic(&path, text.as_bytes()).map_err(|source| {
                Trouble::WriteReport {
                    path: project.display(&path),
                    source,
                }
            })?;
            self.note(&format!(
                "wrote {} report to {}",
                format.name(),
                project.display(&path)
            ));
        }
        let style = Style {
            color: self.color,
            ..Style::default()
        };
        print(&report::render(output.format, report, style))?;
        let failing = report
            .findings
            .iter()
            .any(|f| output.fail_on.fails(f.severity));
        Ok(if failing { EXIT_FINDINGS } else { EXIT_OK })
    }

    /// A progress note on stderr, with `-v`.
    fn note(&self, text: &str) {
        if self.verbose > 0 {
            eprintln!("casguard: {text}");
        }
    }
}

/// What a drift run says once, on stderr: warnings, then notes.
fn say_drift_notes(report: &Report) {
    if let Some(drift) = &report.drift {
        for warning in &drift.warnings {
            eprintln!("casguard: warning: {warning}");
        }
        for note in &drift.notes {
            eprintln!("casguard: note: {note}");
        }
    }
}

fn fetch_input(args: args::FetchArgs) -> app::fetch::FetchInput {
    app::fetch::FetchInput {
        resources: args.resources,
        out: args.out,
        source: live_source(&args.live),
    }
}

fn live_source(args: &LiveArgs) -> LiveSource {
    LiveSource {
        snapshot: args.snapshot.clone(),
        tenant: args.api.tenant.clone(),
        max_requests_per_minute: args.api.max_requests_per_minute,
        history: args.history.clone(),
    }
}

fn print(text: &str) -> Result<i32, Trouble> {
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

#[cfg(test)]
mod tests {
    use super::args::parse_report_target;
    use super::*;
    use crate::report::Format;
    use std::path::PathBuf;

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
