//! Lint findings about what a valid policy file leaves open, rather than
//! what it gets wrong: a `type` this casguard does not know (CAS005; MDCA
//! adds types, so it is kept and compared, not refused) and an `enabled`
//! the file does not set (CAS006; an imported policy whose live object has
//! no `enabled` field). Both are warnings from `lint` only, so drift still
//! compares such policies. Pure.

use crate::model::{Finding, Policy, PolicyType, Sources};
use crate::registry::{CAS005, CAS006};
use crate::textutil::closest;

pub fn check(policies: &[Policy], sources: &Sources) -> Vec<Finding> {
    let mut findings = Vec::new();
    for policy in policies {
        let locate = |path: &str| {
            policy
                .locate(sources, path)
                .unwrap_or_else(|| crate::model::Location::whole_file(policy.file.clone()))
        };
        if policy.policy_type.known().is_none() {
            let near = closest(policy.policy_type.as_str(), &PolicyType::allowed())
                .map(|c| format!("if it is a typo, did you mean `{c}`? "))
                .unwrap_or_default();
            findings.push(
                Finding::new(
                    CAS005.id,
                    CAS005.severity,
                    format!(
                        "`type` is `{}`, a policy type casguard does not know",
                        policy.policy_type
                    ),
                )
                .policy(&policy.name)
                .at(locate("type"))
                .label("unknown type")
                .help(format!("{near}{}", CAS005.remediation)),
            );
        }
        if policy.enabled.is_none() {
            findings.push(
                Finding::new(
                    CAS006.id,
                    CAS006.severity,
                    "the file does not say whether the policy is enabled",
                )
                .policy(&policy.name)
                .at(locate("enabled"))
                .help(CAS006.remediation),
            );
        }
    }
    findings
}
