//! Outcomes of the commands that do not produce findings (fetch, import,
//! suggest, init, rules, evidence): plain data the renderers turn into text.

use serde::Serialize;

use super::{RetiredRule, RuleMeta};

pub struct LintOutcome {
    pub report: super::Report,
    /// Files `--fix` rewrote, with what changed in each.
    pub fixed: Vec<(String, Vec<String>)>,
}

pub struct FetchOutcome {
    /// Resources read besides the policies: (name, "12 items" or why unavailable).
    pub resources: Vec<(String, String)>,
    pub policies: usize,
    /// Whether the policies were read at all.
    pub policies_read: bool,
    /// Requests sent, when read from the API.
    pub requests: Option<u64>,
    /// Where the snapshot was written (display path).
    pub out: String,
    /// Where a history copy was kept (display path).
    pub kept: Option<String>,
    /// What it was read from: the tenant URL or the snapshot file.
    pub from: String,
    /// Whether it came from a file rather than the API.
    pub from_file: bool,
    /// Once per run: live fields ignored as server-managed, or not modeled.
    pub notes: Vec<String>,
}

/// A live field an imported file holds other than by its typed key (kept
/// verbatim under `[extra]`, or left out), and why.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportNote {
    pub policy: String,
    /// The live field name.
    pub field: String,
    pub detail: String,
}

pub struct ImportOutcome {
    /// New files written.
    pub written: usize,
    /// Existing policy files rewritten from the tenant (`--force`), their
    /// `[meta]` kept (display paths).
    pub updated: Vec<String>,
    /// The folder (display path).
    pub out: String,
    /// Live policies a policy file already declares, left as they are
    /// (without `--force`): (policy, file).
    pub already_declared: Vec<(String, String)>,
    /// Per policy: fields kept verbatim or left out.
    pub notes: Vec<ImportNote>,
    /// Once per run: what casguard ignored or does not model.
    pub run_notes: Vec<String>,
}

/// `alerts sync` and `alerts import`.
pub struct SyncOutcome {
    /// The archive (display path).
    pub archive: String,
    /// The tenant URL or the imported file.
    pub source: String,
    pub fetched: usize,
    pub inserted: usize,
    pub updated: usize,
    /// Requests sent (0 for an import).
    pub requests: u64,
    /// Whether only what was new since the last sync was read.
    pub incremental: bool,
    /// Alerts in the archive afterwards.
    pub total: u64,
}

pub struct SuggestOutcome {
    pub text: String,
    /// Where the text was written (display path), when `--out` was given.
    pub written: Option<String>,
}

pub struct InitOutcome {
    pub files: usize,
    /// The folder, as given (or `.`).
    pub dir: String,
}

/// A rule and the level it runs at under the configuration.
#[derive(Debug, Clone, Serialize)]
pub struct RuleRow {
    #[serde(flatten)]
    pub meta: RuleMeta,
    /// `off`, or the severity after `[rules]`.
    pub level: String,
}

/// What `rules explain` shows.
pub enum Explained {
    Rule(RuleRow),
    /// A retired id, and the rule that replaced it.
    Retired {
        retired: &'static RetiredRule,
        now: Option<RuleRow>,
    },
}

/// The result of one rule example.
#[derive(Debug, Clone, Serialize)]
pub struct ExampleOutcome {
    pub rule: String,
    pub file: String,
    pub name: String,
    /// `None` when the example behaved as declared.
    pub problem: Option<String>,
    /// Advice for an example that passed but checks less than it could.
    pub note: Option<String>,
}

pub struct EvidenceOutcome {
    pub out: String,
    pub files: usize,
    /// Fingerprint of the signing key, when signed.
    pub signed_by: Option<String>,
}

pub struct VerifyOutcome {
    pub bundle: String,
    pub files: usize,
    /// What differs; empty when the bundle is intact.
    pub problems: Vec<String>,
    pub signature: SignatureCheck,
}

/// What `evidence verify` could say about a bundle's signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignatureCheck {
    /// The manifest says the bundle is not signed.
    Unsigned,
    /// Signed, but no public key was given to check it with.
    NotChecked { fingerprint: String },
    /// Checked with this key, and valid.
    Valid { fingerprint: String },
    /// The manifest could not be read, or the signature failed (a problem
    /// says which).
    Unknown,
}

pub struct KeygenOutcome {
    pub private: String,
    pub public: String,
    pub fingerprint: String,
}

/// `casguard shape`: the fields a snapshot holds, without their values.
#[derive(Debug, Clone, Serialize)]
pub struct ShapeOutcome {
    /// The snapshot file (display path).
    pub source: String,
    pub fetched_at: Option<String>,
    /// Policies per type, then each other resource.
    pub sections: Vec<ShapeSection>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ShapeSection {
    /// "policies of type FILE", "resource app_connectors".
    pub title: String,
    pub items: usize,
    pub fields: Vec<ShapeField>,
    /// Fields a check needs and cannot find, and why a resource was not read.
    pub notes: Vec<String>,
}

/// One field path (`api.isConnected`, `controlScores[].score`).
#[derive(Debug, Clone, Serialize)]
pub struct ShapeField {
    pub path: String,
    /// Items that have it.
    pub seen: usize,
    /// Its JSON types with counts: "integer (3)".
    pub types: Vec<String>,
    /// How casguard maps it.
    pub mapping: String,
}
