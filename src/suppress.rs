//! Per-rule levels (`[rules]`) and accountable suppressions (`[[suppress]]`).
//!
//! A suppression hides matching findings until it expires; it must say why.
//! Suppressed findings are kept (reports count them separately), an expired
//! suppression stops working and is itself reported (CAS901), and one that
//! matched nothing is dead configuration and is reported too (CAS902), as
//! cargo-deny does for unused skips. A retired rule id (see `registry`) keeps
//! working in both places, mapped to the rule that replaced it, with a note
//! (CAS903) asking to rename it.

use std::collections::BTreeSet;

use crate::config::{Config, RuleLevel, Suppression};
use crate::model::{Finding, SuppressedFinding};
use crate::registry;
use crate::registry::{CAS001, CAS901, CAS902, CAS903};

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
        if finding.rule == CAS001.id {
            outcome.active.push(finding);
            continue;
        }
        let file = finding.location.as_ref().map(|l| l.file.as_str());
        let matching: Vec<usize> = (0..config.suppressions.len())
            .filter(|&i| {
                let s = &config.suppressions[i];
                matches_rule(s, &finding.rule) && s.matches_policy(finding.policy.as_deref(), file)
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
        } else if !used && complete && ran.iter().any(|id| matches_rule(suppression, id)) {
            Some(unused(suppression))
        } else {
            None
        };
        outcome
            .active
            .extend(finding.and_then(|f| leveled(f, config)));
    }
    outcome.active.extend(
        retired_names(config)
            .into_iter()
            .filter_map(|f| leveled(f, config)),
    );
    outcome
        .active
        .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    outcome
        .suppressed
        .sort_by(|a, b| a.finding.sort_key().cmp(&b.finding.sort_key()));
    outcome
}

/// Whether `s` names `rule`, directly or through a retired id it replaced.
fn matches_rule(s: &Suppression, rule: &str) -> bool {
    s.matches_rule(rule) || registry::retired(&s.rule).is_some_and(|r| r.replaced_by == Some(rule))
}

/// The `[rules]` level of `rule`, also when set under a retired id it replaced.
fn rule_level(config: &Config, rule: &str) -> Option<RuleLevel> {
    config.rule_level(rule).or_else(|| {
        registry::RETIRED
            .iter()
            .filter(|r| r.replaced_by == Some(rule))
            .find_map(|r| config.rule_level(r.id))
    })
}

/// CAS903 notes for every `[rules]` entry and suppression naming a retired id.
fn retired_names(config: &Config) -> Vec<Finding> {
    let mut named: Vec<(&str, crate::model::Location)> = config
        .suppressions
        .iter()
        .map(|s| (s.rule.as_str(), s.location.clone()))
        .collect();
    if let Some(source) = &config.source {
        named.extend(
            config
                .rule_overrides
                .iter()
                .map(|o| (o.rule.as_str(), source.location(o.span.clone()))),
        );
    }
    named
        .into_iter()
        .filter_map(|(id, location)| {
            let retired = registry::retired(id)?;
            let now = retired
                .replaced_by
                .map_or_else(|| "no rule".to_string(), str::to_string);
            Some(
                Finding::new(
                    CAS903.id,
                    CAS903.severity,
                    format!(
                        "rule {} is retired; it is now {now}: {}",
                        retired.id, retired.note
                    ),
                )
                .at(location)
                .label(format!("use {now}"))
                .help(CAS903.remediation),
            )
        })
        .collect()
}

fn leveled(mut finding: Finding, config: &Config) -> Option<Finding> {
    match rule_level(config, &finding.rule) {
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
    use crate::model::{Location, Severity};
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
