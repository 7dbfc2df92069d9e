//! SARIF 2.1.0 for code scanning (GitHub, Azure DevOps, VS Code viewers).
//! The object model comes from `serde-sarif`, generated from the official
//! schema, so the output cannot drift from the spec's shape; the test suite
//! also runs Microsoft's validator over it (.ci/run).
//!
//! Columns are Unicode code points (declared in `columnKind`); paths are
//! relative to the working directory, which is the repository root in CI.
//! Suppressed findings are emitted with a `suppressions` entry carrying the
//! reason, so viewers count them separately instead of losing them.

use serde_json::json;
use serde_sarif::sarif::{
    ArtifactLocation, Location as SarifLocation, Message, MultiformatMessageString,
    PhysicalLocation, PropertyBag, Region, ReportingConfiguration, ReportingDescriptor,
    Result as SarifResult, ResultLevel, Run, Sarif, Suppression, Tool, ToolComponent,
};

use super::Report;
use crate::model::{Finding, Location, Severity};

const INFORMATION_URI: &str = "https://github.com/casguard/casguard";

pub fn render(report: &Report) -> String {
    let rules: Vec<ReportingDescriptor> = report
        .rules
        .iter()
        .map(|rule| {
            ReportingDescriptor::builder()
                .id(rule.id.clone())
                .name(pascal_case(&rule.title))
                .short_description(
                    MultiformatMessageString::builder()
                        .text(rule.title.clone())
                        .build(),
                )
                .full_description(
                    MultiformatMessageString::builder()
                        .text(rule.rationale.clone())
                        .build(),
                )
                .help(
                    MultiformatMessageString::builder()
                        .text(rule.remediation.clone())
                        .markdown(format!(
                            "**{}**\n\n{}\n\n**How to fix:** {}",
                            rule.title, rule.rationale, rule.remediation
                        ))
                        .build(),
                )
                .help_uri(format!(
                    "{INFORMATION_URI}/blob/main/docs/rules/{}.md",
                    rule.id
                ))
                .default_configuration(
                    ReportingConfiguration::builder()
                        .level(json!(level_name(rule.severity)))
                        .build(),
                )
                .build()
        })
        .collect();
    let mut results: Vec<SarifResult> = report.findings.iter().map(|f| result(report, f)).collect();
    for suppressed in &report.suppressed {
        let mut r = result(report, &suppressed.finding);
        let mut justification = suppressed.reason.clone();
        justification.push_str(&format!(" (expires {})", suppressed.expires));
        r.suppressions = Some(vec![Suppression::builder()
            .kind(json!("external"))
            .status(json!("accepted"))
            .justification(justification)
            .build()]);
        results.push(r);
    }
    let driver = ToolComponent::builder()
        .name("casguard")
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .information_uri(INFORMATION_URI)
        .rules(rules)
        .build();
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .column_kind(json!("unicodeCodePoints"))
        .build();
    let sarif = Sarif::builder()
        .schema("https://json.schemastore.org/sarif-2.1.0.json")
        .version(json!("2.1.0"))
        .runs(vec![run])
        .build();
    let mut text = serde_json::to_string_pretty(&sarif).expect("SARIF serializes");
    text.push('\n');
    text
}

fn result(report: &Report, finding: &Finding) -> SarifResult {
    let mut message = finding.message.clone();
    if let Some(policy) = &finding.policy {
        message.push_str(&format!(" (policy: {policy})"));
    }
    if !message.ends_with('.') {
        message.push('.');
    }
    let mut result = SarifResult::builder()
        .rule_id(finding.rule.clone())
        .level(match finding.severity {
            Severity::Error => ResultLevel::Error,
            Severity::Warning => ResultLevel::Warning,
            Severity::Note => ResultLevel::Note,
        })
        .message(Message::builder().text(message).build())
        .build();
    if let Some(index) = report.rules.iter().position(|r| r.id == finding.rule) {
        result.rule_index = Some(index as i64);
    }
    if let Some(location) = &finding.location {
        result.locations = Some(vec![sarif_location(report, location, None)]);
    }
    if !finding.related.is_empty() {
        result.related_locations = Some(
            finding
                .related
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let mut l = sarif_location(report, &r.location, Some(r.message.clone()));
                    l.id = Some(i as i64);
                    l
                })
                .collect(),
        );
    }
    let mut bag = std::collections::BTreeMap::new();
    if let Some(policy) = &finding.policy {
        bag.insert("policy".to_string(), json!(policy));
    }
    // `ops` findings are anchored to casguard.toml; the check says what they are about.
    if report.ops.is_some() {
        if let Some(check) = super::ops::check_of(report, finding) {
            bag.insert("check".to_string(), json!(check.as_str()));
        }
    }
    if !bag.is_empty() {
        result.properties = Some(PropertyBag::builder().additional_properties(bag).build());
    }
    result
}

/// A SARIF location; the path is made relative to the repository root.
fn sarif_location(report: &Report, location: &Location, message: Option<String>) -> SarifLocation {
    let mut region = Region::builder()
        .start_line(location.line as i64)
        .start_column(location.column as i64)
        .build();
    if location.span.is_some() {
        region.end_line = Some(location.end_line as i64);
        region.end_column = Some(
            location
                .end_column
                .max(if location.end_line == location.line {
                    location.column
                } else {
                    1
                }) as i64,
        );
    }
    let physical = PhysicalLocation::builder()
        .artifact_location(
            ArtifactLocation::builder()
                .uri(uri_escape(&report.repository_path(&location.file)))
                .build(),
        )
        .region(region)
        .build();
    let mut sarif = SarifLocation::builder().physical_location(physical).build();
    if let Some(text) = message {
        sarif.message = Some(Message::builder().text(text).build());
    }
    sarif
}

fn level_name(severity: Severity) -> &'static str {
    severity.as_str()
}

/// A relative URI reference for a display path: percent-encodes what is
/// not allowed in a URI path segment, keeps `/`.
fn uri_escape(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// SARIF rule `name`s are conventionally PascalCase identifiers.
fn pascal_case(title: &str) -> String {
    title
        .split(|c: char| !c.is_ascii_alphanumeric())
        // Single letters ("a") make names that are not Pascal-case identifiers (SARIF2012).
        .filter(|w| w.len() > 1)
        .map(|w| {
            let mut chars = w.chars();
            let first = chars
                .next()
                .map(|c| c.to_ascii_uppercase())
                .unwrap_or_default();
            format!("{first}{}", chars.as_str())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(
            uri_escape("policies/a b/ü.toml"),
            "policies/a%20b/%C3%BC.toml"
        );
        assert_eq!(
            pascal_case("Policy without an owner"),
            "PolicyWithoutAnOwner"
        );
    }
}
