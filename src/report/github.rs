//! GitHub Actions workflow commands: one `::error|warning|notice` line per
//! finding, so findings show up as annotations on the pull request's files.
//! `ops` findings carry no file (they are about the tenant, and show in the
//! run's summary); a check that could not run, or was unavailable, gets an
//! annotation of its own. Escaping follows the runner's rules
//! (actions/toolkit `command.ts`).

use std::fmt::Write;

use super::Report;
use crate::model::{CheckStatus, Severity};

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    for finding in &report.findings {
        let command = match finding.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let mut properties = Vec::new();
        let located = finding
            .location
            .as_ref()
            .filter(|_| !super::ops::in_section(report, finding));
        if let Some(l) = located {
            properties.push(format!(
                "file={}",
                escape_property(&report.repository_path(&l.file))
            ));
            properties.push(format!("line={}", l.line));
            properties.push(format!("col={}", l.column));
            if l.span.is_some() {
                properties.push(format!("endLine={}", l.end_line));
                if l.end_line == l.line {
                    properties.push(format!("endColumn={}", l.end_column));
                }
            }
        }
        properties.push(format!(
            "title={}",
            escape_property(&report.rule_title(&finding.rule))
        ));
        let mut message = match &finding.policy {
            Some(policy) => format!("{} (policy: {policy})", finding.message),
            None => finding.message.clone(),
        };
        if let Some(help) = &finding.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        let _ = writeln!(
            out,
            "::{command} {}::{}",
            properties.join(","),
            escape_data(&message)
        );
    }
    if let Some(ops) = &report.ops {
        for result in &ops.checks {
            let command = match result.status {
                CheckStatus::Error => "error",
                CheckStatus::Unavailable => "notice",
                _ => continue,
            };
            let _ = writeln!(
                out,
                "::{command} title={}::{}",
                escape_property(&format!(
                    "{}: {}",
                    result.check.title(),
                    result.status.as_str()
                )),
                escape_data(result.detail.as_str())
            );
        }
    }
    // A closing notice carries the counts, suppressed findings included, to the run summary.
    let summary = report.summary();
    let _ = writeln!(
        out,
        "::notice title=casguard {}::{}; {} suppressed; {} checked in {}",
        report.command,
        summary.counts(),
        summary.suppressed,
        super::plural(summary.policies, "policy"),
        super::plural(summary.files, "file")
    );
    if let Some(ops) = &report.ops {
        let _ = writeln!(
            out,
            "::notice title=casguard ops checks::{}",
            escape_data(&super::ops::check_counts(ops))
        );
    }
    out
}

fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_the_runner() {
        assert_eq!(escape_data("50%\nnext"), "50%25%0Anext");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }
}
