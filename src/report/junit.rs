//! JUnit XML, for CI systems that show test results (GitLab, Azure
//! Pipelines, Jenkins): one test suite per policy file, one failing test case
//! per finding, a passing case for a clean file, and a skipped case per
//! suppressed finding. `quick-junit` (from nextest) owns the XML model.

use std::collections::BTreeMap;

use quick_junit::{NonSuccessKind, Report as JunitReport, TestCase, TestCaseStatus, TestSuite};

use super::Report;
use crate::model::Finding;

/// The findings of one file, and the suppressed ones with their reasons.
#[derive(Default)]
struct FileCases<'a> {
    findings: Vec<&'a Finding>,
    suppressed: Vec<(&'a Finding, &'a str)>,
}

pub fn render(report: &Report) -> String {
    let mut by_file: BTreeMap<&str, FileCases> = BTreeMap::new();
    for file in &report.files {
        by_file.entry(file.as_str()).or_default();
    }
    for finding in &report.findings {
        by_file
            .entry(file_of(finding))
            .or_default()
            .findings
            .push(finding);
    }
    for suppressed in &report.suppressed {
        by_file
            .entry(file_of(&suppressed.finding))
            .or_default()
            .suppressed
            .push((&suppressed.finding, suppressed.reason.as_str()));
    }
    let mut junit = JunitReport::new(format!("casguard {}", report.command));
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
            status.set_description(description(finding));
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

fn description(finding: &Finding) -> String {
    let mut text = String::new();
    if let Some(l) = &finding.location {
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
