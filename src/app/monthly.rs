//! `casguard report monthly`: gathers what the monthly summary is made of
//! (the alert archive or a dump, the live state, the last ops run, review
//! dates, git commits, the author's threat notes), hashes every input, and
//! hands it to `crate::monthly` (pure). Works offline from files; `--live`
//! reads the tenant for what is missing. Nothing that is missing is an
//! error: the report says what it could not cover.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::evidence::sha256_hex;

use super::{Error, LiveSource, Project};
use crate::archive::Archive;
use crate::live::{Event, Snapshot};
use crate::model::{MonthlyReport, SourceInput};
use crate::rules::RuleSet;

pub struct MonthlyInput {
    /// The month (any day in it); the previous month when `None`.
    pub month: Option<jiff::civil::Date>,
    /// A raw alerts dump instead of the archive.
    pub dump: Option<PathBuf>,
    /// The ops run to report platform health from (a snapshot with ops
    /// resources); else `--snapshot` when it has them, else the newest in
    /// the history folder.
    pub ops: Option<PathBuf>,
    /// `--snapshot FILE`, `--tenant`, `--history`.
    pub source: LiveSource,
    /// Read the tenant (policies and ops resources) when no snapshot is given.
    pub live: bool,
}

/// What the alerts and the live state come from, for the report's sources.
struct Gathered {
    sources: Vec<SourceInput>,
    missing: Vec<String>,
    /// Where the alerts are known to start, when a read says (a live read's window).
    coverage_from_ms: Option<i64>,
}

impl Gathered {
    fn source(&mut self, kind: &str, path: String, fetched_at: Option<String>, bytes: &[u8]) {
        self.sources.push(SourceInput {
            kind: kind.into(),
            path,
            fetched_at,
            sha256: sha256_hex(bytes),
        });
    }
}

pub fn monthly(
    project: &Project,
    rules: &RuleSet,
    input: &MonthlyInput,
    observe: &mut dyn FnMut(Event),
) -> Result<MonthlyReport, Error> {
    let today = project.env.today;
    let month = month_of(project, input)?;
    let mut gathered = Gathered {
        coverage_from_ms: None,
        sources: Vec::new(),
        missing: Vec::new(),
    };
    let loaded = project.load_policies()?;
    policy_files_source(project, &loaded, &mut gathered);
    let alerts = read_alerts(project, input, &mut gathered, observe)?;
    let live = read_live_state(project, input, &mut gathered, observe)?;
    let policies = super::alerts::alert_policies(&loaded, live.as_ref());
    let ops_snapshot = ops_snapshot(project, input, live.as_ref(), &mut gathered)?;
    let ops_report = ops_run(
        project,
        rules,
        input,
        ops_snapshot.as_ref(),
        month,
        &mut gathered,
    )?;
    let state = State::read(project, rules, input, &loaded, live.as_ref())?;
    let (from, to) = crate::monthly::month_bounds(month, today);
    let commits = crate::history::commits_touching(
        &project.env.root,
        &project.config.policies_dir,
        crate::monthly::start_ms(from) / 1000,
        crate::monthly::start_ms(to) / 1000 + 86_400,
        200,
    )
    .unwrap_or_else(|e| {
        gathered
            .missing
            .push(format!("git history unreadable: {e}"));
        Vec::new()
    });
    let threat_notes = threat_notes(project, &mut gathered);
    let governance = ops_snapshot
        .as_ref()
        .and_then(|s| s.resource("governance"))
        .map(|r| r.items.clone())
        .unwrap_or_default();
    let ops_run = ops_report.as_ref().and_then(|r| {
        Some(crate::monthly::OpsRun {
            section: r.ops.as_ref()?,
            findings: &r.findings,
            governance: &governance,
        })
    });
    Ok(crate::monthly::monthly(crate::monthly::MonthlyInput {
        month,
        today,
        have_alerts: alerts.is_some(),
        alerts: alerts.as_deref().unwrap_or(&[]),
        policies: &policies,
        files: &loaded,
        thresholds: &project.config.alerts,
        allowed_email_domains: &project.config.allowed_email_domains,
        ops: ops_run,
        drift: state.drift.as_ref(),
        review: &state.review,
        commits,
        last_change_desired: state.last_change_desired(),
        last_change_live: state.last_change_live(),
        threat_notes,
        coverage_from_ms: gathered.coverage_from_ms,
        sources: gathered.sources,
        tenant: live
            .as_ref()
            .or(ops_snapshot.as_ref())
            .and_then(|s| s.tenant.clone()),
        git_commit: crate::history::head_commit(&project.env.root),
        generated_at: project.env.now,
        missing: gathered.missing,
    }))
}

/// `--month` (its first day), else last month; never one that has not begun.
fn month_of(project: &Project, input: &MonthlyInput) -> Result<jiff::civil::Date, Error> {
    let today = project.env.today;
    let month = input
        .month
        .unwrap_or_else(|| crate::monthly::previous_month(today))
        .first_of_month();
    if month > today {
        return Err(Error::FutureMonth {
            month: format!("{:04}-{:02}", month.year(), month.month()),
            today: today.to_string(),
        });
    }
    Ok(month)
}

/// The ops checks over the last ops run, with a note when that run was
/// read long after the month.
fn ops_run(
    project: &Project,
    rules: &RuleSet,
    input: &MonthlyInput,
    snapshot: Option<&Snapshot>,
    month: jiff::civil::Date,
    gathered: &mut Gathered,
) -> Result<Option<crate::model::Report>, Error> {
    let Some(snapshot) = snapshot else {
        return Ok(None);
    };
    if let Some(at) = snapshot
        .fetched_at
        .as_deref()
        .and_then(|at| at.parse::<jiff::Timestamp>().ok())
    {
        let (_, to) = crate::monthly::month_bounds(month, project.env.today);
        let after = at.as_millisecond() - (crate::monthly::start_ms(to) + 86_400_000);
        if after > 7 * 86_400_000 {
            gathered.missing.push(format!(
                "platform health and Secure Score are from the ops run of {at}, {} days after the month",
                after / 86_400_000
            ));
        }
    }
    let check = super::ops::OpsInput {
        checks: Vec::new(),
        source: input.source.clone(),
        previous: None,
    };
    Ok(Some(super::ops::check(project, rules, &check, snapshot)?))
}

/// Drift, review rows and last-change dates, from one git walk.
struct State {
    drift: Option<crate::model::DriftSection>,
    review: Vec<crate::model::ReviewEntry>,
    dates: super::Dates,
}

impl State {
    fn read(
        project: &Project,
        rules: &RuleSet,
        input: &MonthlyInput,
        loaded: &crate::load::LoadOutcome,
        live: Option<&Snapshot>,
    ) -> Result<State, Error> {
        let history = super::read_history(project, &input.source)?;
        let dates = super::dates(project, &loaded.files, live, &history);
        let drift = match live {
            Some(snapshot) => {
                super::drift::drift_loaded(
                    project,
                    rules,
                    loaded.clone(),
                    snapshot,
                    &history,
                    Some(&dates),
                )?
                .drift
            }
            None => None,
        };
        let review = super::review::review_loaded(project, rules, loaded.clone(), live, &dates)?
            .review
            .map(|r| r.rows)
            .unwrap_or_default();
        Ok(State {
            drift,
            review,
            dates,
        })
    }

    fn last_change_desired(&self) -> Option<String> {
        self.review
            .iter()
            .filter_map(|r| r.desired_last_change.as_ref())
            .max_by_key(|c| c.epoch)
            .map(|c| c.date.clone())
    }

    fn last_change_live(&self) -> Option<String> {
        self.dates
            .live
            .values()
            .max_by_key(|c| c.epoch)
            .map(|c| format!("{} ({})", c.date, c.source))
    }
}

/// One hash over every policy file (path and bytes, in order).
fn policy_files_source(
    project: &Project,
    loaded: &crate::load::LoadOutcome,
    gathered: &mut Gathered,
) {
    let mut hasher = Sha256::new();
    for file in &loaded.files {
        if let Some(source) = loaded.sources.get(file) {
            hasher.update(file.as_bytes());
            hasher.update([0]);
            hasher.update(source.text.as_bytes());
            hasher.update([0]);
        }
    }
    gathered.sources.push(SourceInput {
        kind: "policy files".into(),
        path: format!(
            "{} ({})",
            project.display(&project.config.policies_dir),
            crate::model::plural(loaded.files.len(), "file")
        ),
        fetched_at: None,
        sha256: hex::encode(hasher.finalize()),
    });
}

/// The archived alerts (or a dump's), `None` when there is neither.
fn read_alerts(
    project: &Project,
    input: &MonthlyInput,
    gathered: &mut Gathered,
    observe: &mut dyn FnMut(Event),
) -> Result<Option<Vec<crate::model::AlertRecord>>, Error> {
    let (path, archive) = match &input.dump {
        Some(dump) => {
            let path = project.env.resolve(dump);
            let alerts = super::alerts::read_dump(project, &path)?;
            let mut archive = Archive::open_in_memory()?;
            archive.store(&alerts, super::alerts::import_info(project, &path))?;
            (path, archive)
        }
        None => {
            let path = project.config.archive_path();
            if !path.is_file() {
                return read_alerts_live(project, input, gathered, observe);
            }
            (path.clone(), Archive::open(&path)?)
        }
    };
    let bytes = read(project, &path)?;
    gathered.source("alerts", project.display(&path), None, &bytes);
    Ok(Some(archive.records(None, None)?))
}

/// Without an archive, `--live` reads the alerts of the report's six months
/// from the tenant (into memory; `alerts sync` keeps them).
fn read_alerts_live(
    project: &Project,
    input: &MonthlyInput,
    gathered: &mut Gathered,
    observe: &mut dyn FnMut(Event),
) -> Result<Option<Vec<crate::model::AlertRecord>>, Error> {
    if !input.live {
        return Ok(None);
    }
    let month = input
        .month
        .unwrap_or_else(|| crate::monthly::previous_month(project.env.today))
        .first_of_month();
    let first = month.saturating_sub(jiff::ToSpan::months(5));
    let query = crate::live::alerts::AlertQuery {
        created_from_ms: Some(crate::monthly::start_ms(first)),
        ..Default::default()
    };
    let window_from_ms = query.created_from_ms;
    gathered.coverage_from_ms = window_from_ms;
    let fetched = super::alerts::fetch_from_tenant(project, &input.source, &[query], observe)?;
    let (tenant, alerts) = (fetched.tenant, fetched.alerts);
    let mut archive = Archive::open_in_memory()?;
    let now = project.env.now.as_millisecond();
    archive.store(
        &alerts,
        crate::archive::SyncInfo {
            source: crate::archive::SyncSource::Api,
            origin: tenant.clone(),
            started_ms: now,
            finished_ms: now,
            window_from_ms,
            window_to_ms: None,
        },
    )?;
    let bytes = serde_json::to_vec(&alerts).expect("alerts serialize");
    gathered.source(
        "alerts",
        format!("{tenant} (read live, since {first})"),
        Some(project.env.now.to_string()),
        &bytes,
    );
    Ok(Some(archive.records(None, None)?))
}

fn read(project: &Project, path: &Path) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|e| Error::ReadInput {
        path: project.display(path),
        detail: e.to_string(),
    })
}

/// `--snapshot FILE` (when it holds policies), else the tenant with `--live`.
fn read_live_state(
    project: &Project,
    input: &MonthlyInput,
    gathered: &mut Gathered,
    observe: &mut dyn FnMut(Event),
) -> Result<Option<Snapshot>, Error> {
    if let Some(path) = &input.source.snapshot {
        let (path, snapshot) = read_hashed(project, path, "live state", gathered)?;
        if snapshot.has_policies() {
            return Ok(Some(snapshot));
        }
        gathered.missing.push(format!(
            "{} holds no policies: drift is not reported",
            project.display(&path)
        ));
        return Ok(None);
    }
    if input.live {
        let names =
            crate::live::resources::parse_resources("policies,ops").expect("known resources");
        let snapshot = super::ops::read_resources(project, &input.source, &names, observe)?;
        gathered.source(
            "live state",
            snapshot.tenant.clone().unwrap_or_default(),
            snapshot.fetched_at.clone(),
            snapshot.to_json().as_bytes(),
        );
        if let Some(dir) = super::history_dir(project, &input.source) {
            snapshot.keep_in_history(&dir, project.env.now)?;
        }
        return Ok(Some(snapshot));
    }
    gathered.missing.push("no live state: drift and live change dates are not reported (pass --snapshot FILE, or --live)".into());
    Ok(None)
}

/// A snapshot read once, parsed and hashed as one of the report's sources.
fn read_hashed(
    project: &Project,
    path: &Path,
    kind: &str,
    gathered: &mut Gathered,
) -> Result<(PathBuf, Snapshot), Error> {
    let path = project.env.resolve(path);
    let bytes = read(project, &path)?;
    let snapshot = Snapshot::parse(&bytes, &project.display(&path))?;
    gathered.source(
        kind,
        project.display(&path),
        snapshot.fetched_at.clone(),
        &bytes,
    );
    Ok((path, snapshot))
}

/// The snapshot of the last ops run.
fn ops_snapshot(
    project: &Project,
    input: &MonthlyInput,
    live: Option<&Snapshot>,
    gathered: &mut Gathered,
) -> Result<Option<Snapshot>, Error> {
    let has_ops = |s: &Snapshot| s.resource("app_connectors").is_some();
    if let Some(path) = &input.ops {
        let (_, snapshot) = read_hashed(project, path, "ops run", gathered)?;
        return Ok(Some(snapshot));
    }
    if let Some(snapshot) = live.filter(|s| has_ops(s)) {
        return Ok(Some(snapshot.clone()));
    }
    if let Some(dir) = super::history_dir(project, &input.source) {
        for (_, path) in crate::live::snapshot::history_files(&dir).into_iter().rev() {
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            if let Ok(snapshot) = Snapshot::parse(&bytes, &project.display(&path)) {
                if has_ops(&snapshot) {
                    gathered.source(
                        "ops run",
                        project.display(&path),
                        snapshot.fetched_at.clone(),
                        &bytes,
                    );
                    return Ok(Some(snapshot));
                }
            }
        }
    }
    gathered.missing.push("no ops run: platform health, Secure Score and governance actions are not reported (run `casguard ops` with `history_dir` set, or pass --ops FILE)".into());
    Ok(None)
}

/// `[report] threat_notes`, when configured and readable.
fn threat_notes(project: &Project, gathered: &mut Gathered) -> Option<String> {
    let path = project.config.report.threat_notes.as_ref()?;
    match std::fs::read(path) {
        Ok(bytes) => {
            gathered.source("threat notes", project.display(path), None, &bytes);
            Some(String::from_utf8_lossy(&bytes).into_owned())
        }
        Err(e) => {
            gathered.missing.push(format!(
                "threat notes `{}` cannot be read ({e}): the section is left out",
                project.display(path)
            ));
            None
        }
    }
}
