//! Plain text for the commands that produce no findings (fetch, import,
//! init, rules, evidence): one-line summaries and the `rules` listings.
//! Like every renderer, these only present what the command returned.

use std::fmt::Write;

use super::plural;
use crate::model::{
    EvidenceOutcome, ExampleOutcome, Explained, FetchOutcome, ImportOutcome, InitOutcome,
    KeygenOutcome, RuleOrigin, RuleRow, SignatureCheck, SyncOutcome, VerifyOutcome,
};

pub fn fetch(outcome: &FetchOutcome, seconds: f64) -> String {
    let what = if outcome.resources.is_empty() {
        plural(outcome.policies, "policy")
    } else {
        plural(
            outcome.resources.len() + usize::from(outcome.policies_read),
            "resource",
        )
    };
    let mut text = format!(
        "{} {what} from {}{} ({seconds:.1} s); wrote {}\n",
        if outcome.from_file { "read" } else { "fetched" },
        if outcome.from.is_empty() {
            "Microsoft Graph"
        } else {
            &outcome.from
        },
        outcome.requests.map_or(String::new(), |n| format!(
            " in {}",
            plural(n as usize, "request")
        )),
        outcome.out
    );
    if !outcome.resources.is_empty() && outcome.policies_read {
        text.push_str(&format!(
            "  policies: {}\n",
            plural(outcome.policies, "item")
        ));
    }
    for (name, status) in &outcome.resources {
        text.push_str(&format!("  {name}: {status}\n"));
    }
    text
}

/// (stdout, warnings for stderr).
/// The summary (stdout) and the notes (stderr) of an import.
pub fn import(outcome: &ImportOutcome) -> (String, Vec<String>) {
    let mut notes: Vec<String> = outcome.run_notes.clone();
    notes.extend(
        outcome
            .notes
            .iter()
            .map(|n| format!("`{}`: live field `{}`: {}", n.policy, n.field, n.detail)),
    );
    notes.extend(outcome.already_declared.iter().map(|(policy, file)| {
        format!("`{policy}` is already declared in {file}; left as it is (`--force` rewrites it from the tenant, keeping its [meta])")
    }));
    let mut text = format!(
        "imported {} into {}",
        plural(outcome.written, "policy"),
        outcome.out
    );
    if !outcome.updated.is_empty() {
        text.push_str(&format!(
            "; updated {} from the tenant, keeping [meta]: {}",
            plural(outcome.updated.len(), "declared file"),
            outcome.updated.join(", ")
        ));
    }
    if !outcome.already_declared.is_empty() {
        text.push_str(&format!(
            "; {} already declared, left as {}",
            plural(outcome.already_declared.len(), "policy"),
            if outcome.already_declared.len() == 1 {
                "it is"
            } else {
                "they are"
            }
        ));
    }
    text.push('\n');
    (text, notes)
}

pub fn sync(outcome: &SyncOutcome, seconds: f64) -> String {
    let how = if outcome.requests > 0 {
        format!(
            "{} from {} in {}",
            if outcome.incremental {
                "synced"
            } else {
                "filled"
            },
            outcome.source,
            plural(outcome.requests as usize, "request")
        )
    } else {
        format!("imported from {}", outcome.source)
    };
    format!(
        "{how} ({seconds:.1} s): {} read, {} new, {} updated; {} now holds {}\n",
        plural(outcome.fetched, "alert"),
        outcome.inserted,
        outcome.updated,
        outcome.archive,
        plural(outcome.total as usize, "alert")
    )
}

pub fn init(outcome: &InitOutcome) -> String {
    format!(
        "scaffolded {} files in {}: edit casguard.toml (tenant URL, allowed domains), then run `casguard lint`\n",
        outcome.files, outcome.dir
    )
}

pub fn rules_list(rows: &[RuleRow]) -> String {
    let mut text = String::new();
    for row in rows {
        let _ = writeln!(
            text,
            "{:<8} {:<8} {:<8} {}",
            row.meta.id,
            row.level,
            row.meta.origin.kind(),
            row.meta.title
        );
    }
    text
}

pub fn rules_list_json(rows: &[RuleRow]) -> String {
    let metas: Vec<_> = rows.iter().map(|r| &r.meta).collect();
    let mut text = serde_json::to_string_pretty(&metas).expect("rules serialize");
    text.push('\n');
    text
}

pub fn explain(explained: &Explained) -> String {
    match explained {
        Explained::Rule(row) => explain_rule(row),
        Explained::Retired { retired, now } => {
            let mut text = format!(
                "{}: retired{}\n\n  {}\n\nIds are never reused. `[rules]` entries and suppressions that name {} still apply, to its replacement, with a note (CAS903).\n",
                retired.id,
                retired
                    .replaced_by
                    .map_or(String::new(), |r| format!("; now reported as {r}")),
                retired.note,
                retired.id
            );
            if let Some(row) = now {
                text.push('\n');
                text.push_str(&explain_rule(row));
            }
            text
        }
    }
}

fn explain_rule(row: &RuleRow) -> String {
    let meta = &row.meta;
    let defined = match &meta.origin {
        // Built-in rules are compiled into the binary: point at casguard's
        // source, not at a path the user's project does not have.
        RuleOrigin::Builtin(module) => format!(
            "built into casguard (Rust; source: {}/blob/main/src/{module}.rs)",
            env!("CARGO_PKG_REPOSITORY")
        ),
        RuleOrigin::BuiltinRego(file) => format!(
            "built-in Rego rule, embedded in casguard (source: {}/blob/main/{file})",
            env!("CARGO_PKG_REPOSITORY")
        ),
        RuleOrigin::Custom(file) => format!("custom Rego rule, {file}"),
    };
    format!(
        "{}: {}\n\nSeverity:    {} (default {})\nFamily:      {}\nDefined in:  {}\n\nWhy it matters\n  {}\n\nHow to fix\n  {}\n\nSilence it with `[rules] {} = \"off\"` in casguard.toml, or for one policy with a [[suppress]] entry (reason and expiry required).\n",
        meta.id,
        meta.title,
        row.level,
        meta.severity,
        meta.family.as_str(),
        defined,
        meta.rationale,
        meta.remediation,
        meta.id,
    )
}

/// The listing and the number of failures.
pub fn rules_test(outcomes: &[ExampleOutcome]) -> (String, usize) {
    let mut text = String::new();
    let (mut failed, mut weak) = (0, 0);
    for outcome in outcomes {
        match &outcome.problem {
            None => {
                let _ = writeln!(text, "ok     {}", outcome.name);
            }
            Some(problem) => {
                failed += 1;
                let _ = writeln!(
                    text,
                    "FAILED {} ({}): {problem}",
                    outcome.name, outcome.file
                );
            }
        }
        if let Some(note) = &outcome.note {
            weak += 1;
            let _ = writeln!(text, "       note ({}): {note}", outcome.file);
        }
    }
    let _ = write!(
        text,
        "{} passed, {} failed",
        outcomes.len() - failed,
        failed
    );
    if weak > 0 {
        let _ = write!(text, " ({weak} with a note)");
    }
    text.push('\n');
    (text, failed)
}

pub fn evidence(outcome: &EvidenceOutcome) -> String {
    format!(
        "wrote evidence bundle {} ({} files{})\n",
        outcome.out,
        outcome.files,
        outcome
            .signed_by
            .as_ref()
            .map_or(String::new(), |k| format!(", signed by {k}"))
    )
}

pub fn verify(outcome: &VerifyOutcome) -> String {
    let mut text = String::new();
    for problem in &outcome.problems {
        let _ = writeln!(text, "FAILED {problem}");
    }
    if !outcome.problems.is_empty() {
        let _ = writeln!(
            text,
            "{} in {}",
            plural(outcome.problems.len(), "problem"),
            outcome.bundle
        );
        return text;
    }
    let signature = match &outcome.signature {
        SignatureCheck::Valid { fingerprint } => {
            format!("signature valid for the key {fingerprint}")
        }
        SignatureCheck::NotChecked { fingerprint } => format!(
            "signed by the key {fingerprint}, but the signature was NOT checked: give --public-key to check it"
        ),
        SignatureCheck::Unsigned | SignatureCheck::Unknown => {
            "not signed: the hashes detect corruption, not tampering".to_string()
        }
    };
    let _ = writeln!(text, "ok: {} files intact; {signature}", outcome.files);
    text
}

pub fn keygen(outcome: &KeygenOutcome) -> String {
    format!(
        "wrote {} (private: keep it secret) and {} (public); fingerprint {}\n",
        outcome.private, outcome.public, outcome.fingerprint
    )
}

/// `casguard shape`: a table per section, then what is missing.
pub fn shape(outcome: &crate::model::ShapeOutcome) -> String {
    let mut out = format!(
        "shape of {}{} (field names, types and counts only; no values)\n",
        outcome.source,
        outcome
            .fetched_at
            .as_deref()
            .map_or(String::new(), |at| format!(", read {at}"))
    );
    for section in &outcome.sections {
        out.push_str(&format!(
            "\n{} ({})\n",
            section.title,
            plural(section.items, "item")
        ));
        let width = section
            .fields
            .iter()
            .map(|f| f.path.chars().count())
            .max()
            .unwrap_or(0);
        for field in &section.fields {
            out.push_str(&format!(
                "  {:<width$}  {:>5}/{:<5}  {:<28}  {}\n",
                field.path,
                field.seen,
                section.items,
                field.types.join(", "),
                field.mapping,
            ));
        }
        for note in &section.notes {
            out.push_str(&format!("  note: {note}\n"));
        }
    }
    out
}

/// `casguard shape`, as JSON or for people.
pub fn shape_in(outcome: &crate::model::ShapeOutcome, json: bool) -> String {
    if json {
        shape_json(outcome)
    } else {
        shape(outcome)
    }
}

/// `casguard shape --format json`.
pub fn shape_json(outcome: &crate::model::ShapeOutcome) -> String {
    let document =
        serde_json::json!({"version": 1, "tool": "casguard", "command": "shape", "shape": outcome});
    let mut text = serde_json::to_string_pretty(&document).expect("shape serializes");
    text.push('\n');
    text
}
