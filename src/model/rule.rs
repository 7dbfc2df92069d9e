//! What a rule is, as data: its documentation, its family and where it is
//! implemented. The rule registry holds the built-in rules; the rule engine
//! adds custom Rego rules at run time. Both end up as
//! `RuleMeta`, which every renderer and `rules list` read.

use serde::Serialize;

use super::{OpsCheck, Severity};

/// Which part of casguard produces a rule's findings. A command runs whole
/// families, so the set of rules that ran is derived from the families, never
/// listed by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    /// Reading and validating policy files (CAS001-004).
    Load,
    /// Safe mechanical fixes that `lint --fix` applies (CAS205, CAS206).
    Style,
    /// Rego rules over the desired policies, built-in and custom.
    Lint,
    /// Review cadence of every policy (CAS202).
    Review,
    /// Desired vs live (DRIFT001-006).
    Drift,
    /// casguard.toml itself: suppressions and rule levels (CAS901-903).
    Config,
    /// The alert archive: noisy, silent, saturated and unworked policies,
    /// spikes, where alerts go (ALERT001-012).
    Alerts,
    /// One check of the weekly operations check (`casguard ops`).
    Ops(OpsCheck),
}

impl Serialize for Family {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl Family {
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Load => "load",
            Family::Style => "style",
            Family::Lint => "lint",
            Family::Review => "review",
            Family::Drift => "drift",
            Family::Config => "config",
            Family::Alerts => "alerts",
            Family::Ops(check) => check.as_str(),
        }
    }
}

/// Documentation of a rule implemented in Rust, declared once in the registry.
#[derive(Debug, Clone, Copy)]
pub struct RuleDoc {
    pub id: &'static str,
    pub family: Family,
    pub title: &'static str,
    pub severity: Severity,
    pub rationale: &'static str,
    pub remediation: &'static str,
    /// The module that emits its findings, for `rules explain`.
    pub module: &'static str,
}

/// Where a rule comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase", tag = "kind", content = "file")]
pub enum RuleOrigin {
    /// Implemented in casguard's Rust code, in the named module.
    Builtin(String),
    /// A built-in Rego file, embedded in casguard.
    BuiltinRego(String),
    /// A custom Rego file from `rules_dirs`.
    Custom(String),
}

impl RuleOrigin {
    pub fn kind(&self) -> &'static str {
        match self {
            RuleOrigin::Builtin(_) | RuleOrigin::BuiltinRego(_) => "builtin",
            RuleOrigin::Custom(_) => "custom",
        }
    }
}

/// A rule's metadata, whatever it is implemented in.
#[derive(Debug, Clone, Serialize)]
pub struct RuleMeta {
    pub id: String,
    pub family: Family,
    pub title: String,
    pub severity: Severity,
    pub rationale: String,
    pub remediation: String,
    pub origin: RuleOrigin,
}

impl RuleMeta {
    pub fn from_doc(doc: &RuleDoc) -> RuleMeta {
        RuleMeta {
            id: doc.id.into(),
            family: doc.family,
            title: doc.title.into(),
            severity: doc.severity,
            rationale: doc.rationale.into(),
            remediation: doc.remediation.into(),
            origin: RuleOrigin::Builtin(doc.module.into()),
        }
    }
}

/// A rule id that is no longer used. Ids are never reused: a retired id stays
/// here so suppressions and `[rules]` entries that name it keep working (with
/// a deprecation note) and `rules explain` can say where it went.
#[derive(Debug, Clone, Copy)]
pub struct RetiredRule {
    pub id: &'static str,
    /// The rule that now reports what it reported, if any.
    pub replaced_by: Option<&'static str>,
    pub note: &'static str,
}
