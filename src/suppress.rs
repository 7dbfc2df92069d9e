//! Per-rule levels (`[rules]`) and accountable suppressions (`[[suppress]]`).
//!
//! A suppression hides matching findings until it expires; it must say why.
//! Suppressed findings are kept (reports count them separately), an expired
//! suppression stops working and is itself reported (CAS901), and one that
//! matched nothing is dead configuration and is reported too (CAS902), as
//! cargo-deny does for unused skips.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::config::{Config, RuleLevel, Suppression};
use crate::model::{Finding, Severity};
use crate::rules::RuleDoc;

pub const CAS901: RuleDoc = RuleDoc {
    id: "CAS901",
    title: "Expired suppression",
    severity: Severity::Warning,
    rationale: "Suppressions are temporary, accountable exceptions. Once past its expiry date a suppression no longer hides anything; the findings it covered are reported again.",
    remediation: "Fix the underlying findings and delete the suppression, or, if the exception still holds, renew it with a new `expires` date and an updated reason.",
};

pub const CAS902: RuleDoc = RuleDoc {
    id: "CAS902",
    title: "Unused suppression",
    severity: Severity::Warning,
    rationale: "A suppression that matches no finding is dead configuration: the problem was fixed or the policy renamed, and a stale exception could later hide a new, unrelated finding.",
    remediation: "Delete the suppression, or correct its `rule` or `policy` glob.",
};

pub const CONFIG_RULES: &[RuleDoc] = &[CAS901, CAS902];

/// A finding hidden by a suppression, with the suppression's accountability data.
#[derive(Debug, Clone, Serialize)]
pub struct SuppressedFinding {
    #[serde(skip)]
    pub finding: Finding,
    pub reason: String,
    pub expires: String,
    pub owner: Option<String>,
    pub ticket: Option<String>,
}

#[derive(Debug, Default)]
pub struct Outcome {
    pub active: Vec<Finding>,
    pub suppressed: Vec<SuppressedFinding>,
}

/// Applies rule levels and suppressions. `ran` holds the ids of the rules
/// that ran in this command, so a suppression for a rule that did not run
/// is not called unused; `complete` is false when only some policy files
/// were checked (then no suppression is called unused either).
pub fn apply(
    findings: Vec<Finding>,
    config: &Config,
    today: jiff::civil::Date,
    ran: &BTreeSet<String>,
    complete: bool,
) -> Outcome {
    let mut outcome = Outcome::default();
    let mut used = vec![false; config.suppressions.len()];
    for finding in findings.into_iter().filter_map(|f| leveled(f, config)) {
        // An invalid policy file is never hidden: every other result depends on it.
        if finding.rule == crate::load::CAS001.id {
            outcome.active.push(finding);
            continue;
        }
        let file = finding.location.as_ref().map(|l| l.file.as_str());
        let matching: Vec<usize> = (0..config.suppressions.len())
            .filter(|&i| {
                let s = &config.suppressions[i];
                s.matches_rule(&finding.rule) && s.matches_policy(finding.policy.as_deref(), file)
            })
            .collect();
        for &index in &matching {
            used[index] = true;
        }
        // A current suppression wins over an expired one for the same finding.
        match matching
            .iter()
            .map(|&i| &config.suppressions[i])
            .find(|s| s.expires >= today)
        {
            Some(suppression) => outcome.suppressed.push(SuppressedFinding {
                finding,
                reason: suppression.reason.clone(),
                expires: suppression.expires.to_string(),
                owner: suppression.owner.clone(),
                ticket: suppression.ticket.clone(),
            }),
            None => outcome.active.push(finding),
        }
    }
    for (suppression, used) in config.suppressions.iter().zip(used) {
        let finding = if suppression.expires < today {
            Some(expired(suppression))
        } else if !used && complete && ran.iter().any(|id| suppression.matches_rule(id)) {
            Some(unused(suppression))
        } else {
            None
        };
        outcome
            .active
            .extend(finding.and_then(|f| leveled(f, config)));
    }
    outcome
        .active
        .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    outcome
        .suppressed
        .sort_by(|a, b| a.finding.sort_key().cmp(&b.finding.sort_key()));
    outcome
}

fn leveled(mut finding: Finding, config: &Config) -> Option<Finding> {
    match config.rule_level(&finding.rule) {
        Some(RuleLevel::Off) => None,
        Some(RuleLevel::Severity(severity)) => {
            finding.severity = severity;
            Some(finding)
        }
        None => Some(finding),
    }
}

fn expired(s: &Suppression) -> Finding {
    Finding::new(
        CAS901.id,
        CAS901.severity,
        format!(
            "suppression of {} for `{}` expired on {} and no longer applies (reason was: {})",
            s.rule, s.policy, s.expires, s.reason
        ),
    )
    .at(s.location.clone())
    .label("expired")
    .help(CAS901.remediation)
}

fn unused(s: &Suppression) -> Finding {
    Finding::new(
        CAS902.id,
        CAS902.severity,
        format!(
            "suppression of {} for `{}` matched no finding",
            s.rule, s.policy
        ),
    )
    .at(s.location.clone())
    .label("matches nothing")
    .help(CAS902.remediation)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Location;
    use std::path::Path;

    fn finding(rule: &str, policy: &str) -> Finding {
        Finding::new(rule, Severity::Error, "m")
            .policy(policy)
            .at(Location::whole_file("policies/a.toml"))
    }

    #[test]
    fn suppression_lifecycle() {
        let config = Config::parse(
            "casguard.toml",
            "[rules]\nCAS204 = \"off\"\nCAS201 = \"note\"\n[[suppress]]\nrule = \"CAS101\"\npolicy = \"Legacy *\"\nreason = \"r\"\nexpires = 2026-12-31\n[[suppress]]\nrule = \"CAS102\"\npolicy = \"*\"\nreason = \"r\"\nexpires = 2026-01-01\n[[suppress]]\nrule = \"CAS103\"\npolicy = \"Nothing\"\nreason = \"r\"\nexpires = 2027-01-01\n",
            Path::new(""),
        )
        .unwrap();
        let ran: BTreeSet<String> = ["CAS101", "CAS102", "CAS103"].map(String::from).into();
        let findings = vec![
            finding("CAS101", "legacy app"),
            finding("CAS102", "x"),
            finding("CAS204", "x"),
            finding("CAS201", "x"),
        ];
        let out = apply(findings, &config, jiff::civil::date(2026, 6, 1), &ran, true);
        assert_eq!(out.suppressed.len(), 1);
        assert_eq!(out.suppressed[0].finding.rule, "CAS101");
        let rules: Vec<_> = out
            .active
            .iter()
            .map(|f| (f.rule.as_str(), f.severity))
            .collect();
        assert_eq!(
            rules,
            [
                ("CAS901", Severity::Warning),
                ("CAS902", Severity::Warning),
                ("CAS102", Severity::Error),
                ("CAS201", Severity::Note)
            ]
        );
        // CAS001 is never suppressed, even by a catch-all.
        let catch_all = Config::parse(
            "casguard.toml",
            "[[suppress]]\nrule = \"*\"\npolicy = \"*\"\nreason = \"r\"\nexpires = 2027-01-01\n",
            Path::new(""),
        )
        .unwrap();
        let out = apply(
            vec![finding("CAS001", "x"), finding("CAS101", "x")],
            &catch_all,
            jiff::civil::date(2026, 6, 1),
            &ran,
            true,
        );
        assert_eq!(out.active.len(), 1);
        assert_eq!(out.active[0].rule, "CAS001");
        // A renewed suppression listed after an expired one still applies.
        let renewed = Config::parse("casguard.toml", "[[suppress]]\nrule = \"CAS104\"\npolicy = \"*\"\nreason = \"old\"\nexpires = 2026-01-01\n[[suppress]]\nrule = \"CAS104\"\npolicy = \"Block downloads [legacy]\"\nreason = \"new\"\nexpires = 2027-01-01\n", Path::new("")).unwrap();
        let out = apply(
            vec![finding("CAS104", "Block downloads [legacy]")],
            &renewed,
            jiff::civil::date(2026, 6, 1),
            &ran,
            true,
        );
        assert_eq!(out.suppressed.len(), 1, "{:?}", out.active);
        assert_eq!(out.suppressed[0].reason, "new");
        assert_eq!(
            out.active
                .iter()
                .map(|f| f.rule.as_str())
                .collect::<Vec<_>>(),
            ["CAS901"]
        );
        // On the expiry day the suppression still holds; the day after it does not.
        let out = apply(
            vec![finding("CAS101", "Legacy app")],
            &config,
            jiff::civil::date(2026, 12, 31),
            &ran,
            false,
        );
        assert_eq!(out.suppressed.len(), 1);
        let out = apply(
            vec![finding("CAS101", "Legacy app")],
            &config,
            jiff::civil::date(2027, 1, 1),
            &ran,
            false,
        );
        assert!(out.suppressed.is_empty());
        assert!(out.active.iter().any(|f| f.rule == "CAS101"));
    }
}
