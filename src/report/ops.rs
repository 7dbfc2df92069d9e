//! What every renderer of `casguard ops` shares: which check a finding
//! belongs to, a check's findings, and its detail line without the status
//! word the status column already shows. Presentation only.

use super::{plural, Report};
use crate::model::{CheckResult, CheckStatus, DriftChange, Family, Finding, OpsCheck};

/// The check a finding belongs to: the family of its rule. Findings of other
/// families (the loader's, casguard.toml's) belong to none.
pub fn check_of(report: &Report, finding: &Finding) -> Option<OpsCheck> {
    match report.rule(&finding.rule)?.family {
        Family::Ops(check) => Some(check),
        _ => None,
    }
}

/// True when `finding` is rendered in the ops section rather than on its own.
pub fn in_section(report: &Report, finding: &Finding) -> bool {
    report.ops.is_some() && check_of(report, finding).is_some()
}

/// The active findings of one check, in report order.
pub fn findings_of(report: &Report, check: OpsCheck) -> Vec<&Finding> {
    report
        .findings
        .iter()
        .filter(|f| check_of(report, f) == Some(check))
        .collect()
}

/// The cells of a Secure Score row, unescaped: product, points of the
/// maximum, the previous run's points, and the controls at 0 %.
pub fn score_cells(score: &crate::model::ProductScore) -> [String; 4] {
    [
        score.product.clone(),
        format!("{:.1} / {:.1}", score.points, score.max_points),
        score
            .previous_points
            .map_or("-".to_string(), |p| format!("{p:.1}")),
        format!(
            "{} of {}{}",
            score.zero_controls.len(),
            score.controls,
            if score.zero_controls.is_empty() {
                String::new()
            } else {
                format!(": {}", score.zero_controls.join(", "))
            }
        ),
    ]
}

/// "ok", "2 findings", "unavailable", "error", "skipped".
pub fn status_words(result: &CheckResult) -> String {
    match result.status {
        CheckStatus::Findings => plural(result.findings, "finding"),
        status => status.as_str().to_string(),
    }
}

/// "1 ok, 8 with findings, 1 unavailable, 0 in error, 0 skipped"
pub fn check_counts(section: &crate::model::OpsSection) -> String {
    format!(
        "{} ok, {} with findings, {} unavailable, {} in error, {} skipped",
        section.count(CheckStatus::Ok),
        section.count(CheckStatus::Findings),
        section.count(CheckStatus::Unavailable),
        section.count(CheckStatus::Error),
        section.count(CheckStatus::Skipped)
    )
}

/// A drift kind (`missing`, `unmanaged`, `changed`) in words.
pub fn drift_kind(kind: &str) -> &str {
    match kind {
        "missing" => "missing from the tenant",
        "unmanaged" => "unmanaged (live only)",
        "changed" => "changed in the tenant",
        other => other,
    }
}

/// The drift since the last run in reading order: new, still, present
/// (no previous run to tell), then fixed; as the section has it within each.
pub fn drift_in_order(drift: &[DriftChange]) -> Vec<&DriftChange> {
    let rank = |state: &str| match state {
        "new" => 0,
        "still" => 1,
        "fixed" => 3,
        _ => 2,
    };
    let mut sorted: Vec<&DriftChange> = drift.iter().collect();
    sorted.sort_by_key(|d| rank(&d.state));
    sorted
}

/// Whether there is drift "since the last run" to show: without a previous
/// run every entry is merely `present`, and the findings say as much.
pub fn has_drift_since(drift: &[DriftChange]) -> bool {
    drift.iter().any(|d| d.state != "present")
}

/// "1 day", "7 days".
pub fn days(n: i64) -> String {
    if n == 1 {
        "1 day".into()
    } else {
        format!("{n} days")
    }
}

/// The date part of an RFC 3339 time ("2026-11-22").
pub fn day(time: &str) -> &str {
    time.get(..10).unwrap_or(time)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_is_the_date_part() {
        assert_eq!(day("2026-11-22T06:00:00Z"), "2026-11-22");
        assert_eq!(day("x"), "x");
    }
}
