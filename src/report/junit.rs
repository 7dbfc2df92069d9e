//! JUnit XML, for CI systems that show test results (GitLab, Azure
//! Pipelines, Jenkins): one test suite per policy file, one failing test case
//! per finding, a passing case for a clean file, and a skipped case per
//! suppressed finding. An `ops` report has a test suite per check instead:
//! a passing case for an ok check, a failing case per finding, a skipped
//! case for an unavailable or unselected check, and an error case for a check
//! whose data could not be read; policy files appear only when the loader
//! reported on them. `quick-junit` (from nextest) owns the XML model.

use std::collections::BTreeMap;

use quick_junit::{NonSuccessKind, Report as JunitReport, TestCase, TestCaseStatus, TestSuite};

use super::Report;
use crate::model::{CheckResult, CheckStatus, Finding};

/// The findings of one file, and the suppressed ones with their reasons.
#[derive(Default)]
struct FileCases<'a> {
    findings: Vec<&'a Finding>,
    suppressed: Vec<(&'a Finding, &'a str)>,
}

pub fn render(report: &Report) -> String {
    let mut junit = JunitReport::new(format!("casguard {}", report.command));
    let mut by_file: BTreeMap<&str, FileCases> = BTreeMap::new();
    match &report.ops {
        Some(ops) => {
            for result in &ops.checks {
                junit.add_test_suite(check_suite(report, result));
            }
        }
        None => {
            for file in &report.files {
                by_file.entry(file.as_str()).or_default();
            }
        }
    }
    let in_section = |f: &Finding| super::ops::in_section(report, f);
    for finding in report.findings.iter().filter(|f| !in_section(f)) {
        by_file
            .entry(file_of(finding))
            .or_default()
            .findings
            .push(finding);
    }
    for suppressed in report.suppressed.iter().filter(|s| !in_section(&s.finding)) {
        by_file
            .entry(file_of(&suppressed.finding))
            .or_default()
            .suppressed
            .push((&suppressed.finding, suppressed.reason.as_str()));
    }
    for (
        file,
        FileCases {
            findings,
            suppressed,
        },
    ) in by_file
    {
        let mut suite = TestSuite::new(file);
        if findings.is_empty() {
            let mut case = TestCase::new("all rules pass", TestCaseStatus::success());
            case.set_classname(file);
            suite.add_test_case(case);
        }
        for finding in findings {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status.set_message(finding.message.clone());
            status.set_type(format!("{} ({})", finding.rule, finding.severity));
            status.set_description(description(finding, true));
            let mut case = TestCase::new(case_name(report, finding), status);
            case.set_classname(file);
            suite.add_test_case(case);
        }
        for (finding, reason) in suppressed {
            let mut status = TestCaseStatus::skipped();
            status.set_message(format!("suppressed: {reason}"));
            let mut case = TestCase::new(case_name(report, finding), status);
            case.set_classname(file);
            suite.add_test_case(case);
        }
        junit.add_test_suite(suite);
    }
    junit.to_string().expect("JUnit serializes")
}

/// One check of `ops` as a test suite; its detail and notes are its output.
fn check_suite(report: &Report, result: &CheckResult) -> TestSuite {
    let title = result.check.title();
    let classname = format!("ops.{}", result.check.as_str());
    let mut suite = TestSuite::new(title);
    let mut output = result.detail.as_str().to_string();
    for note in &result.notes {
        output.push_str(&format!("\nnote: {note}"));
    }
    suite.set_system_out(output);
    let findings = super::ops::findings_of(report, result.check);
    let mut cases = Vec::new();
    match result.status {
        CheckStatus::Ok => cases.push(TestCase::new(title, TestCaseStatus::success())),
        CheckStatus::Findings => {}
        CheckStatus::Unavailable | CheckStatus::Skipped => {
            let mut status = TestCaseStatus::skipped();
            status.set_message(format!(
                "{}: {}",
                result.status.as_str(),
                result.detail.as_str()
            ));
            cases.push(TestCase::new(title, status));
        }
        CheckStatus::Error => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
            status.set_message(result.detail.as_str().to_string());
            status.set_type("check could not run");
            cases.push(TestCase::new(title, status));
        }
    }
    for finding in findings {
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
        status.set_message(finding.message.clone());
        status.set_type(format!("{} ({})", finding.rule, finding.severity));
        status.set_description(description(finding, false));
        cases.push(TestCase::new(
            format!("{}: {}", finding.rule, finding.message),
            status,
        ));
    }
    for suppressed in report
        .suppressed
        .iter()
        .filter(|s| super::ops::check_of(report, &s.finding) == Some(result.check))
    {
        let mut status = TestCaseStatus::skipped();
        status.set_message(format!("suppressed: {}", suppressed.reason));
        cases.push(TestCase::new(
            format!(
                "{}: {}",
                suppressed.finding.rule, suppressed.finding.message
            ),
            status,
        ));
    }
    // Findings that were all suppressed or switched off leave a passing check.
    if cases.is_empty() {
        cases.push(TestCase::new(title, TestCaseStatus::success()));
    }
    for mut case in cases {
        case.set_classname(classname.clone());
        suite.add_test_case(case);
    }
    suite
}

fn file_of(finding: &Finding) -> &str {
    finding
        .location
        .as_ref()
        .map_or("(no file)", |l| l.file.as_str())
}

fn case_name(report: &Report, finding: &Finding) -> String {
    let mut name = report.rule_title(&finding.rule);
    if let Some(l) = &finding.location {
        name.push_str(&format!(" at line {}", l.line));
    }
    name
}

/// The failure's text; `located` starts it with the file, line and column
/// (`ops` findings are only anchored to casguard.toml, for SARIF).
fn description(finding: &Finding, located: bool) -> String {
    let mut text = String::new();
    if let Some(l) = finding.location.as_ref().filter(|_| located) {
        text.push_str(&format!("{}:{}:{}: ", l.file, l.line, l.column));
    }
    text.push_str(&format!("{}: {}", finding.severity, finding.message));
    if let Some(policy) = &finding.policy {
        text.push_str(&format!("\npolicy: {policy}"));
    }
    if let Some(help) = &finding.help {
        text.push_str(&format!("\nhelp: {help}"));
    }
    text
}
