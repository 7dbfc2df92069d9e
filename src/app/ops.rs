//! `casguard ops`: the weekly operations check. Reads the resources the
//! selected checks need (from the tenant and Microsoft Graph, or from a
//! snapshot), finds the previous run in the snapshot history, computes drift
//! now and at earlier runs, and hands everything to `crate::ops` (pure).
//! Also home of reading several resources at once, which `fetch
//! --resources` shares.
//!
//! A check whose data could not be read is an error (exit 2) and the others
//! still run; a check without Graph credentials is unavailable (a note),
//! unless it was named with `--check`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use super::{Error, Finish, LiveSource, Project};
use crate::live::resources::{self as resources, Api, Target};
use crate::live::snapshot::{Resource, ResourceStatus, POLICIES};
use crate::live::{self, Event, Snapshot};
use crate::load::LoadOutcome;
use crate::model::{CheckStatus, Family, OpsCheck, Report};
use crate::ops::{DriftRun, DriftState, Previous};
use crate::rules::RuleSet;

/// Microsoft Graph, unless `CASGUARD_GRAPH_URL` or `[tenant] graph_url` say otherwise.
pub const DEFAULT_GRAPH_URL: &str = "https://graph.microsoft.com";
/// Earlier runs read for drift ages: a year of weekly runs.
const MAX_EARLIER_RUNS: usize = 52;

pub struct OpsInput {
    /// `--check NAME`: only these (and errors when they cannot run).
    pub checks: Vec<OpsCheck>,
    pub source: LiveSource,
    /// `--previous FILE`: the run to compare with, instead of the history.
    pub previous: Option<PathBuf>,
}

pub fn ops(
    project: &Project,
    rules: &RuleSet,
    input: &OpsInput,
    observe: &mut dyn FnMut(Event),
) -> Result<Report, Error> {
    let selected = selected(input);
    // The policy files are read before the tenant: a wrong `policies_dir`
    // must not cost the tenant's requests.
    let loaded = load_for(project, &selected)?;
    let current = match &input.source.snapshot {
        Some(path) => {
            let path = project.env.resolve(path);
            Snapshot::read_as(&path, &project.display(&path))?
        }
        None => {
            let names = selected
                .iter()
                .flat_map(|c| crate::ops::resources_of(*c).iter().copied())
                .collect();
            let snapshot = read_resources(project, &input.source, &names, observe)?;
            if let Some(dir) = super::history_dir(project, &input.source) {
                snapshot.keep_in_history(&dir, project.env.now)?;
            }
            snapshot
        }
    };
    check_loaded(project, rules, input, &current, loaded)
}

/// The policy files, when the drift check is among `selected`.
fn load_for(project: &Project, selected: &BTreeSet<OpsCheck>) -> Result<LoadOutcome, Error> {
    match selected.contains(&OpsCheck::Drift) {
        true => project.load_policies(),
        false => Ok(LoadOutcome::default()),
    }
}

/// The checks `--check` names, or all of them.
fn selected(input: &OpsInput) -> BTreeSet<OpsCheck> {
    if input.checks.is_empty() {
        OpsCheck::ALL.into_iter().collect()
    } else {
        input.checks.iter().copied().collect()
    }
}

/// Runs the checks over `current`, compared with the previous run.
pub fn check(
    project: &Project,
    rules: &RuleSet,
    input: &OpsInput,
    current: &Snapshot,
) -> Result<Report, Error> {
    let loaded = load_for(project, &selected(input))?;
    check_loaded(project, rules, input, current, loaded)
}

/// `check`, with the policy files already read.
fn check_loaded(
    project: &Project,
    rules: &RuleSet,
    input: &OpsInput,
    current: &Snapshot,
    loaded: LoadOutcome,
) -> Result<Report, Error> {
    let named: BTreeSet<OpsCheck> = input.checks.iter().copied().collect();
    let selected = selected(input);
    let earlier = earlier_runs(project, input, current)?;
    let previous = previous_resources(&earlier);
    let drift = selected
        .contains(&OpsCheck::Drift)
        .then(|| drift_run(project, &loaded, current, &earlier));
    // Ages are measured at the time the state was read, so a snapshot replays
    // exactly as it ran.
    let read_at = current
        .fetched_at
        .as_deref()
        .and_then(|at| at.parse::<jiff::Timestamp>().ok());
    let now = read_at.unwrap_or(project.env.now);
    let outcome = crate::ops::run(&crate::ops::OpsInput {
        now,
        thresholds: &project.config.ops,
        current,
        previous: &previous,
        drift: drift.as_ref(),
        selected: &selected,
    });
    let mut section = outcome.section;
    if read_at.is_none() {
        section.notes.push(format!(
            "the state has no readable `fetched_at` ({}): ages are measured from now",
            current.fetched_at.as_deref().unwrap_or("none")
        ));
    }
    if let (Some(previous), Some(now)) = (&section.previous_at, &current.fetched_at) {
        if previous >= now {
            section.notes.push(format!(
                "the previous run ({previous}) is not older than this one ({now}): changes since it may read backwards"
            ));
        }
    }
    for check in section.checks.iter_mut() {
        if named.contains(&check.check) && check.status == CheckStatus::Unavailable {
            check.status = CheckStatus::Error;
            check.detail = format!("{} (named with --check, so it must run)", check.detail);
        }
    }
    let mut families: Vec<Family> = crate::registry::families::OPS.to_vec();
    families.extend(selected.iter().map(|c| Family::Ops(*c)));
    let mut findings = loaded.findings.clone();
    findings.extend(outcome.findings);
    let mut report = Finish {
        command: "ops",
        project,
        rules,
        families: &families,
        complete: selected.contains(&OpsCheck::Drift),
    }
    .report(loaded, findings);
    settle_counts(&mut section, &report);
    report.ops = Some(section);
    Ok(report)
}

/// Each check's finding count and status after `[rules]` levels and
/// suppressions: a check whose findings are all suppressed or turned off is ok.
fn settle_counts(section: &mut crate::model::OpsSection, report: &Report) {
    for check in section.checks.iter_mut() {
        if check.status != CheckStatus::Findings && check.status != CheckStatus::Ok {
            continue;
        }
        let family = Family::Ops(check.check);
        let active: Vec<&crate::model::Finding> = report
            .findings
            .iter()
            .filter(|f| report.rule(&f.rule).is_some_and(|r| r.family == family))
            .collect();
        check.worst = active.iter().map(|f| f.severity).max();
        let active = active.len();
        let hidden = check.findings.saturating_sub(active);
        check.findings = active;
        check.status = if active == 0 {
            CheckStatus::Ok
        } else {
            CheckStatus::Findings
        };
        if hidden > 0 {
            check.notes.push(format!(
                "{} suppressed or turned off in casguard.toml",
                crate::model::plural(hidden, "finding")
            ));
        }
    }
}

/// Reads `names` from the tenant and Graph. Each resource gets its own
/// status; only local problems (no tenant URL, no MDCA credentials, a bad
/// Graph URL) stop the whole read.
pub fn read_resources(
    project: &Project,
    source: &LiveSource,
    names: &BTreeSet<&'static str>,
    observe: &mut dyn FnMut(Event),
) -> Result<Snapshot, Error> {
    let env = |key: &str| project.env.var(key).map(str::to_string);
    let settings = source.settings(project);
    let needs = |api: Api| {
        names
            .iter()
            .any(|n| resources::spec(n).is_some_and(|s| s.api == api))
    };
    let mut http = live::Http::new(&settings)?;
    let (tenant, mut mdca) = if needs(Api::Mdca) {
        let tenant = live::tenant_url(source.tenant.as_deref(), &env, &settings)?;
        (
            Some(tenant),
            Some(live::Auth::from_config(&settings, &env)?),
        )
    } else {
        (None, None)
    };
    let graph_url = env("CASGUARD_GRAPH_URL")
        .filter(|u| !u.trim().is_empty())
        .or_else(|| settings.graph_url.clone())
        .unwrap_or_else(|| DEFAULT_GRAPH_URL.to_string());
    let graph_url = live::validate_url("the Microsoft Graph URL", &graph_url)?;
    let mut graph = if needs(Api::Graph) {
        live::Auth::graph(&settings, &env)?
    } else {
        None
    };
    let now_ms = project.env.now.as_millisecond();
    let day_ms = 24 * 3_600_000;
    let mut resources_read = BTreeMap::new();
    let mut policies = Vec::new();
    if names.contains(POLICIES) {
        let auth = mdca
            .as_mut()
            .expect("MDCA credentials are built when policies are read");
        let tenant = tenant
            .as_deref()
            .expect("a tenant URL comes with MDCA credentials");
        let endpoint = format!("POST {}", live::POLICIES_ENDPOINT);
        let resource = match live::fetch_policies(tenant, &mut http, auth, observe) {
            Ok(items) => {
                policies = items;
                Resource::ok(endpoint, Vec::new())
            }
            Err(error) => Resource {
                status: ResourceStatus::Error,
                detail: Some(resources::describe(&error)),
                endpoint: Some(endpoint),
                items: Vec::new(),
            },
        };
        resources_read.insert(POLICIES.to_string(), resource);
    }
    let mut target = Target {
        tenant: tenant.as_deref(),
        mdca: mdca.as_mut(),
        graph_url: &graph_url,
        graph: graph.as_mut(),
        alerts_from_ms: now_ms - project.config.ops.system_alert_days * day_ms,
        governance_from_ms: now_ms - project.config.ops.governance_days * day_ms,
    };
    resources_read.extend(resources::fetch_resources(
        names,
        &mut target,
        &mut http,
        observe,
    ));
    Ok(Snapshot {
        format_version: live::snapshot::FORMAT_VERSION,
        tenant: tenant.clone(),
        fetched_at: Some(project.env.now.to_string()),
        source: serde_json::json!({
            "kind": "api",
            "auth": mdca.as_ref().map(|a| a.method().name()),
            "graph": graph.is_some().then_some(graph_url.as_str()),
            "requests": http.requests,
            "casguard_version": env!("CARGO_PKG_VERSION"),
        }),
        policies,
        resources: resources_read,
    })
}

/// Earlier snapshots, newest first: `--previous FILE`, else the history
/// folder's snapshots older than the current one.
fn earlier_runs(
    project: &Project,
    input: &OpsInput,
    current: &Snapshot,
) -> Result<Vec<Snapshot>, Error> {
    if let Some(path) = &input.previous {
        let path = project.env.resolve(path);
        return Ok(vec![Snapshot::read_as(&path, &project.display(&path))?]);
    }
    let Some(dir) = super::history_dir(project, &input.source) else {
        return Ok(Vec::new());
    };
    let now = current.fetched_at.clone().unwrap_or_default();
    let mut earlier = Vec::new();
    for (at, path) in live::snapshot::history_files(&dir).into_iter().rev() {
        if at >= now {
            continue;
        }
        if let Ok(snapshot) = Snapshot::read(&path) {
            earlier.push(snapshot);
        }
        if earlier.len() >= MAX_EARLIER_RUNS {
            break;
        }
    }
    Ok(earlier)
}

/// Per resource, the newest earlier run that read it successfully.
fn previous_resources(earlier: &[Snapshot]) -> BTreeMap<String, Previous> {
    let mut previous = BTreeMap::new();
    for snapshot in earlier {
        for (name, resource) in &snapshot.resources {
            if resource.status == ResourceStatus::Ok && !previous.contains_key(name) {
                previous.insert(
                    name.clone(),
                    Previous {
                        fetched_at: snapshot.fetched_at.clone().unwrap_or_default(),
                        items: resource.items.clone(),
                    },
                );
            }
        }
    }
    previous
}

/// Drift of today's desired state against the current and earlier live states.
fn drift_run(
    project: &Project,
    loaded: &LoadOutcome,
    current: &Snapshot,
    earlier: &[Snapshot],
) -> DriftRun {
    if loaded
        .findings
        .iter()
        .any(|f| f.rule == crate::registry::CAS001.id)
    {
        return DriftRun {
            not_compared: Some("policy files are invalid (CAS001): run `casguard lint`".into()),
            ..DriftRun::default()
        };
    }
    let states = |live: &[serde_json::Value]| -> Vec<DriftState> {
        crate::drift::compare(
            &loaded.policies,
            &loaded.sources,
            live,
            &project.config.drift,
        )
        .entries
        .into_iter()
        .map(|entry| DriftState {
            policy: entry.policy,
            kind: serde_json::to_value(entry.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
        })
        .collect()
    };
    DriftRun {
        current: states(&current.policies),
        earlier: earlier
            .iter()
            .filter(|s| s.has_policies())
            .map(|s| {
                (
                    s.fetched_at.clone().unwrap_or_default(),
                    states(&s.policies),
                )
            })
            .collect(),
        not_compared: None,
    }
}
