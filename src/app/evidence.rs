//! `casguard evidence`: an audit bundle of what the tenant looked like, what
//! git said it should be, and what differed (lint, drift and review, each as
//! JSON, plus a Markdown and an HTML report), hash-listed and optionally
//! signed; `evidence verify` checks one and `evidence keygen` makes a key.
//! The bundle format itself (manifest, hashes, archive) is `crate::evidence`.

use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use super::{Error, LiveSource, Project};
use crate::evidence::{self, SigningKey};
use crate::live::{Event, Snapshot};
use crate::load::LoadOutcome;
use crate::model::{DriftKind, EvidenceOutcome, KeygenOutcome, Report, VerifyOutcome};
use crate::report::{self, Format, Style};
use crate::rules::RuleSet;

pub struct EvidenceInput {
    pub out: PathBuf,
    pub signing_key: Option<PathBuf>,
    /// `--generated-at`; else SOURCE_DATE_EPOCH; else now.
    pub generated_at: Option<jiff::Timestamp>,
    pub force: bool,
    /// `--monthly YYYY-MM`: include that month's report.
    pub monthly: Option<jiff::civil::Date>,
    pub source: LiveSource,
}

pub fn create(
    project: &Project,
    rules: &RuleSet,
    input: &EvidenceInput,
    observe: &mut dyn FnMut(Event),
) -> Result<EvidenceOutcome, Error> {
    let out = project.env.resolve(&input.out);
    // Everything local is checked before the first request.
    if out.exists() && !input.force {
        return Err(evidence::EvidenceError::Exists(project.display(&out)).into());
    }
    // `out` itself may be an old bundle, a folder or an archive, that --force replaces.
    crate::fsutil::creatable(&out).map_err(|(dir, source)| Error::Write {
        path: project.display(&dir),
        source,
    })?;
    let signing_key = signing_key(project, input)?;
    let generated_at = generated_at(project, input);
    // Dates in the bundle follow its generation time unless --today pins them.
    let mut project = project.clone();
    if !project.env.today_given {
        project.env.today = generated_at.to_zoned(jiff::tz::TimeZone::UTC).date();
    }
    let project = &project;
    // Read the policy files once for every part of the bundle.
    let loaded = project.load_policies()?;
    let history = super::read_history(project, &input.source)?;
    let snapshot = super::read_live(project, &input.source, observe)?;
    // Evidence about the wrong tenant is worse than none.
    if let Some(detail) = super::other_tenant(project, &input.source, &snapshot) {
        return Err(Error::OtherTenant { detail });
    }
    let lint = super::lint::lint_loaded(project, rules, loaded.clone(), true)?;
    // Date both sides once (one git walk) for drift and review alike.
    let dates = super::dates(project, &loaded.files, Some(&snapshot), &history);
    let drift = super::drift::drift_loaded(
        project,
        rules,
        loaded.clone(),
        &snapshot,
        &history,
        Some(&dates),
    )?;
    let review =
        super::review::review_loaded(project, rules, loaded.clone(), Some(&snapshot), &dates)?;
    let (git_commit, git_dirty) =
        crate::history::head_state(&project.env.root, &evidence_inputs(project, &loaded));
    let reports = Reports {
        lint: &lint,
        drift: &drift,
        review: &review,
    };
    let style = Style::default();
    let mut live_raw = serde_json::to_vec_pretty(&snapshot.policies).expect("policies serialize");
    live_raw.push(b'\n');
    let (desired_normalized, live_normalized) = normalized(project, &loaded, &snapshot);
    let inputs = evidence::Inputs {
        tenant: snapshot.tenant.clone(),
        fetched_at: snapshot.fetched_at.clone(),
        generated_at,
        live_raw,
        live_normalized,
        desired_normalized,
        lint_json: report::render(Format::Json, &lint, style),
        drift_json: report::render(Format::Json, &drift, style),
        review_json: report::render(Format::Json, &review, style),
        report_md: report::evidence_markdown(
            (snapshot.tenant.as_deref(), snapshot.fetched_at.as_deref()),
            git_commit.as_deref(),
            git_dirty,
            &[&lint, &drift, &review],
        ),
        report_html: report::render(Format::Html, &reports.combined(rules), style),
        git_commit,
        git_dirty,
        config_sha256: project
            .config
            .source
            .as_ref()
            .map(|s| evidence::sha256_hex(s.text.as_bytes())),
        counts: reports.counts(loaded.policies.len(), snapshot.policies.len()),
        extra: monthly_files(project, rules, input, observe)?,
        signing_key: signing_key.as_ref(),
    };
    let files = evidence::build(&inputs)?;
    evidence::write(
        &out,
        &files,
        generated_at.as_second().max(0) as u64,
        input.force,
    )?;
    Ok(EvidenceOutcome {
        out: project.display(&out),
        files: files.len(),
        signed_by: signing_key.map(|k| k.fingerprint()),
    })
}

/// The monthly report of `--monthly`, as (file name, bytes).
fn monthly_files(
    project: &Project,
    rules: &RuleSet,
    input: &EvidenceInput,
    observe: &mut dyn FnMut(Event),
) -> Result<Vec<(String, Vec<u8>)>, Error> {
    let Some(month) = input.monthly else {
        return Ok(Vec::new());
    };
    let monthly = super::monthly::monthly(
        project,
        rules,
        &super::monthly::MonthlyInput {
            month: Some(month),
            dump: None,
            ops: None,
            source: input.source.clone(),
            live: false,
        },
        observe,
    )?;
    let stem = format!("monthly-{}", monthly.month);
    Ok(vec![
        (
            format!("{stem}.json"),
            report::monthly_json::render(&monthly).into_bytes(),
        ),
        (
            format!("{stem}.html"),
            report::monthly_html::render(&monthly).into_bytes(),
        ),
    ])
}

/// `--signing-key FILE`, else CASGUARD_SIGNING_KEY (the key's text), else unsigned.
fn signing_key(project: &Project, input: &EvidenceInput) -> Result<Option<SigningKey>, Error> {
    match (&input.signing_key, project.env.var("CASGUARD_SIGNING_KEY")) {
        (Some(path), _) => Ok(Some(evidence::read_signing_key(
            &project.env.resolve(path),
        )?)),
        (None, Some(text)) => Ok(Some(
            evidence::keys::parse_signing_key(text).map_err(Error::SigningKeyEnv)?,
        )),
        (None, None) => Ok(None),
    }
}

/// `--generated-at`, else SOURCE_DATE_EPOCH (reproducible builds), else now.
fn generated_at(project: &Project, input: &EvidenceInput) -> jiff::Timestamp {
    input
        .generated_at
        .or_else(|| {
            project
                .env
                .var("SOURCE_DATE_EPOCH")
                .and_then(|s| s.trim().parse::<i64>().ok())
                .and_then(|seconds| jiff::Timestamp::from_second(seconds).ok())
        })
        .unwrap_or(project.env.now)
}

/// Both sides in the canonical form drift compares: desired by file, live by `_id`.
fn normalized(project: &Project, loaded: &LoadOutcome, snapshot: &Snapshot) -> (Value, Value) {
    let comparison = &project.config.drift.comparison;
    let desired: Map<String, Value> = loaded
        .policies
        .iter()
        .map(|p| (p.file.clone(), crate::normalize::desired(p, comparison)))
        .collect();
    let live: Map<String, Value> = snapshot
        .policies
        .iter()
        .filter_map(Value::as_object)
        .map(|p| {
            let id = p.get("_id").and_then(Value::as_str).unwrap_or("(no _id)");
            (id.to_string(), crate::normalize::live(p, comparison))
        })
        .collect();
    (Value::Object(desired), Value::Object(live))
}

/// The three reports a bundle is made of.
struct Reports<'a> {
    lint: &'a Report,
    drift: &'a Report,
    review: &'a Report,
}

impl Reports<'_> {
    fn all(&self) -> [&Report; 3] {
        [self.lint, self.drift, self.review]
    }

    /// One report of everything, for the HTML page. A finding two commands
    /// report (the loader's, CAS202 from lint and review) is shown once.
    fn combined(&self, rules: &RuleSet) -> Report {
        let mut findings = Vec::new();
        let mut suppressed = Vec::new();
        for report in self.all() {
            for finding in &report.findings {
                if !findings.contains(finding) {
                    findings.push(finding.clone());
                }
            }
            for s in &report.suppressed {
                if !suppressed
                    .iter()
                    .any(|k: &crate::model::SuppressedFinding| k.finding == s.finding)
                {
                    suppressed.push(s.clone());
                }
            }
        }
        findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        Report {
            command: "evidence".into(),
            findings,
            suppressed,
            rules: rules.metas().to_vec(),
            files: self.lint.files.clone(),
            policies_checked: self.lint.policies_checked,
            sources: self.lint.sources.clone(),
            drift: self.drift.drift.clone(),
            review: self.review.review.clone(),
            alerts: None,
            ops: None,
            repository_prefix: self.lint.repository_prefix.clone(),
        }
    }

    fn counts(&self, desired: usize, live: usize) -> Value {
        let section = self.drift.drift.as_ref();
        let count = |kind| section.map(|d| d.count(kind));
        json!({
            "desired_policies": desired,
            "live_policies": live,
            "lint_findings": self.lint.findings.len(),
            "drift_findings": self.drift.findings.len(),
            "review_findings": self.review.findings.len(),
            "errors": self.drift.summary().errors,
            "in_sync": section.map(|d| d.in_sync),
            "missing": count(DriftKind::Missing),
            "unmanaged": count(DriftKind::Unmanaged),
            "changed": count(DriftKind::Changed),
        })
    }
}

pub fn verify(
    project: &Project,
    path: &Path,
    public_key: Option<&Path>,
) -> Result<VerifyOutcome, Error> {
    let key = public_key
        .map(|k| evidence::read_public_key(&project.env.resolve(k)))
        .transpose()?;
    let path = project.env.resolve(path);
    let bundle = evidence::read(&path)?;
    let verification = evidence::verify(&bundle, key.as_ref());
    Ok(VerifyOutcome {
        bundle: project.display(&path),
        files: bundle.files.len(),
        problems: verification.problems,
        signature: verification.signature,
    })
}

/// Writes PREFIX.key (private, mode 0600, OpenSSH format) and PREFIX.pub;
/// refuses to replace either, and to put the private key where `git add -A`
/// would commit it unless `force`.
pub fn keygen(project: &Project, prefix: &Path, force: bool) -> Result<KeygenOutcome, Error> {
    let mut prefix = project.env.resolve(prefix);
    // `--out signing.key` names the pair signing.key and signing.pub, not
    // signing.key.key: the file name the user typed is the one they get.
    if matches!(
        prefix.extension().and_then(|e| e.to_str()),
        Some("key" | "pub")
    ) {
        prefix.set_extension("");
    }
    let private = PathBuf::from(format!("{}.key", prefix.display()));
    let public = PathBuf::from(format!("{}.pub", prefix.display()));
    for path in [&private, &public] {
        if path.exists() {
            return Err(evidence::EvidenceError::Exists(project.display(path)).into());
        }
    }
    if !force {
        match crate::history::exposure(&private) {
            crate::history::GitExposure::OutsideRepository
            | crate::history::GitExposure::Ignored => {}
            crate::history::GitExposure::WouldBeAdded(root) => {
                return Err(Error::KeyInWorkTree {
                    path: project.display(&private),
                    detail: format!(
                        "it is inside the git work tree {} and git does not ignore it, so `git add -A` would commit it",
                        root.display()
                    ),
                })
            }
            crate::history::GitExposure::Unknown(why) => {
                return Err(Error::KeyInWorkTree {
                    path: project.display(&private),
                    detail: format!(
                        "it is inside a git work tree and casguard cannot tell whether git ignores it: {why}"
                    ),
                })
            }
        }
    }
    let key = evidence::keys::generate().map_err(Error::Keygen)?;
    let private_text = key.to_openssh().map_err(Error::Keygen)?;
    let public_text = key
        .public()
        .to_openssh()
        .map_err(|e| Error::Keygen(e.to_string()))?;
    if let Some(parent) = private.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| Error::Write {
            path: project.display(parent),
            source,
        })?;
    }
    // Both files or neither: each is staged in full, the public key is moved
    // in first, and taken back if the private key cannot follow it.
    let failed = |path: &Path| {
        let path = project.display(path);
        move |source| Error::Write { path, source }
    };
    let staged_private =
        crate::fsutil::stage(&private, private_text.as_bytes(), true).map_err(failed(&private))?;
    let public_line = format!("{public_text}\n");
    let staged_public =
        crate::fsutil::stage(&public, public_line.as_bytes(), false).map_err(failed(&public))?;
    staged_public.commit().map_err(failed(&public))?;
    if let Err(source) = staged_private.commit() {
        let _ = std::fs::remove_file(&public);
        return Err(failed(&private)(source));
    }
    Ok(KeygenOutcome {
        private: project.display(&private),
        public: project.display(&public),
        fingerprint: key.fingerprint(),
    })
}

/// The files a bundle's results come from: the policy files, the
/// configuration and the custom rules. The bundle says whether any of them
/// differs from the commit it names.
fn evidence_inputs(project: &Project, loaded: &crate::load::LoadOutcome) -> Vec<String> {
    let mut files = loaded.files.clone();
    files.extend(project.env.config_path.iter().map(|p| project.display(p)));
    for dir in &project.config.rules_dirs {
        let found = walkdir::WalkDir::new(dir).sort_by_file_name().into_iter();
        files.extend(
            found
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_file())
                .map(|e| project.display(e.path())),
        );
    }
    files
}
