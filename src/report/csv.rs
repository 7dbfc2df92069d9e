//! CSV (RFC 4180) for spreadsheets and data tools: the alert scorecard, one
//! row per policy, when the report has one; the checks of `ops`, one row per
//! check; otherwise one row per finding.
//! Written by hand: quoting is the whole of the format, and a crate would
//! add more code than it saves.

use std::fmt::Write;

use super::Report;

pub fn render(report: &Report) -> String {
    match (&report.alerts, &report.ops) {
        (Some(alerts), _) => scorecard(alerts),
        (None, Some(ops)) => checks(ops),
        (None, None) => findings(report),
    }
}

fn checks(ops: &crate::model::OpsSection) -> String {
    let mut out = String::from("check,title,status,detail,findings,notes\r\n");
    for result in &ops.checks {
        let fields = [
            result.check.as_str().to_string(),
            result.check.title().to_string(),
            result.status.as_str().to_string(),
            result.detail.as_str().to_string(),
            result.findings.to_string(),
            result.notes.join("; "),
        ];
        line(&mut out, &fields);
    }
    out
}

fn scorecard(alerts: &crate::model::AlertsSection) -> String {
    let mut out = String::from("policy,policy_id,file,policy_type,alerts,open,unread,true_positive,false_positive,benign,legacy_dismissed,legacy_resolved,fp_ratio,ttr_p50_hours,ttr_p90_hours,oldest_open,verdict,reasons\r\n");
    for row in &alerts.scorecard {
        let number = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v:.4}"));
        let fields = [
            row.policy.clone(),
            row.policy_id.clone().unwrap_or_default(),
            row.file.clone().unwrap_or_default(),
            row.policy_type.clone(),
            row.alerts.to_string(),
            row.open.to_string(),
            row.unread.to_string(),
            row.true_positive.to_string(),
            row.false_positive.to_string(),
            row.benign.to_string(),
            row.legacy_dismissed.to_string(),
            row.legacy_resolved.to_string(),
            number(row.fp_ratio),
            number(row.ttr_p50_hours),
            number(row.ttr_p90_hours),
            row.oldest_open.clone().unwrap_or_default(),
            row.verdict.as_str().to_string(),
            row.reasons.join("; "),
        ];
        line(&mut out, &fields);
    }
    out
}

fn findings(report: &Report) -> String {
    let mut out = String::from("rule,severity,policy,file,line,column,message\r\n");
    for f in &report.findings {
        let location = f.location.as_ref();
        let fields = [
            f.rule.clone(),
            f.severity.to_string(),
            f.policy.clone().unwrap_or_default(),
            location.map(|l| l.file.clone()).unwrap_or_default(),
            location.map(|l| l.line.to_string()).unwrap_or_default(),
            location.map(|l| l.column.to_string()).unwrap_or_default(),
            f.message.clone(),
        ];
        line(&mut out, &fields);
    }
    out
}

fn line(out: &mut String, fields: &[String]) {
    let cells: Vec<String> = fields.iter().map(|f| quote(f)).collect();
    let _ = write!(out, "{}\r\n", cells.join(","));
}

/// Quotes a field when it holds a comma, a quote or a line break; a leading
/// `=`, `+`, `-` or `@` is prefixed with `'` so spreadsheets do not run it
/// as a formula (CSV injection).
fn quote(field: &str) -> String {
    let field = if field.starts_with(['=', '+', '-', '@']) {
        format!("'{field}")
    } else {
        field.to_string()
    };
    crate::textutil::csv_field(&field).into_owned()
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn quoting() {
        assert_eq!(quote("plain"), "plain");
        assert_eq!(quote("a,b"), "\"a,b\"");
        assert_eq!(quote("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(quote("two\nlines"), "\"two\nlines\"");
        assert_eq!(quote("=HYPERLINK(1)"), "'=HYPERLINK(1)");
    }
}
