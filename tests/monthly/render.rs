//! The monthly report's HTML and Markdown renderers on two hand-built
//! reports (tests/support/monthly_fixture.rs): October 2026 at Contoso with
//! every section filled, and a month with no data at all. Snapshots, then
//! the properties the snapshots alone would not guard: user text is
//! escaped, the page has no scripts and no URL but the threat notes' links,
//! sections come in order, and Markdown tables keep their column counts.
//! Review changes with `cargo insta review` (or INSTA_UPDATE=always).

use super::monthly_fixture;

use casguard::report::{monthly_html, monthly_markdown};
use monthly_fixture::{contoso, empty, SCRIPT_POLICY, THREAT_LINK};

#[test]
fn snapshots() {
    insta::assert_snapshot!("contoso_html", monthly_html::render(&contoso()));
    insta::assert_snapshot!("contoso_markdown", monthly_markdown::render(&contoso()));
    insta::assert_snapshot!("empty_html", monthly_html::render(&empty()));
    insta::assert_snapshot!("empty_markdown", monthly_markdown::render(&empty()));
}

/// Every tag the page may contain; anything else came from user text.
const TAGS: &[&str] = &[
    "!DOCTYPE",
    "html",
    "head",
    "meta",
    "title",
    "style",
    "body",
    "header",
    "nav",
    "section",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "p",
    "b",
    "strong",
    "em",
    "a",
    "br",
    "span",
    "code",
    "pre",
    "div",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "figure",
    "figcaption",
    "table",
    "colgroup",
    "col",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "svg",
    "title",
    "line",
    "text",
    "rect",
    "polyline",
    "circle",
    "wbr",
];

fn tags(html: &str) -> Vec<String> {
    html.match_indices('<')
        .map(|(i, _)| {
            html[i + 1..]
                .trim_start_matches('/')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '!')
                .collect::<String>()
        })
        .collect()
}

#[test]
fn html_escapes_user_text_and_has_no_script() {
    for (name, report) in [("contoso", contoso()), ("empty", empty())] {
        let html = monthly_html::render(&report);
        let unknown: Vec<String> = tags(&html)
            .into_iter()
            .filter(|t| !TAGS.contains(&t.as_str()))
            .collect();
        assert!(unknown.is_empty(), "{name}: unexpected tags {unknown:?}");
        assert!(!html.to_lowercase().contains("<script"), "{name}");
        assert!(!html.contains("<details"), "{name}: must print unfolded");
        assert!(!html.contains("javascript:\""), "{name}");
        for (at, _) in html.match_indices('<') {
            let tag = &html[at..at + html[at..].find('>').unwrap()];
            let event = tag
                .split_whitespace()
                .skip(1)
                .any(|attr| attr.to_ascii_lowercase().starts_with("on") && attr.contains('='));
            assert!(!event, "{name}: event attribute in {tag}");
        }
    }
    let html = monthly_html::render(&contoso());
    assert!(!html.contains(SCRIPT_POLICY));
    assert!(html.contains("Block uploads of &lt;script&gt; files"));
    // The threat notes' raw HTML and their javascript: link stay text.
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(html.contains("[click me](javascript:alert(1))"));
}

#[test]
fn html_links_only_from_the_threat_notes() {
    let html = monthly_html::render(&contoso());
    let start = html
        .find("<section id=\"threats\"")
        .expect("threats section");
    let end = start + html[start..].find("</section>").unwrap();
    for scheme in ["http://", "https://"] {
        for (at, _) in html.match_indices(scheme) {
            assert!(
                (start..end).contains(&at),
                "URL outside the threat notes at {at}: {}",
                &html[at.saturating_sub(40)..(at + 60).min(html.len())]
            );
        }
    }
    let hrefs: Vec<&str> = html
        .match_indices("href=\"")
        .map(|(i, _)| {
            let rest = &html[i + 6..];
            &rest[..rest.find('"').unwrap()]
        })
        .filter(|h| !h.starts_with('#'))
        .collect();
    assert_eq!(hrefs, [THREAT_LINK]);
    let empty = monthly_html::render(&empty());
    assert!(!empty.contains("http:") && !empty.contains("https:"));
}

#[test]
fn html_sections_in_order_and_printable() {
    let html = monthly_html::render(&contoso());
    let ids = [
        "kpis",
        "incident-types",
        "trends",
        "policy-health",
        "recommendations",
        "configuration",
        "platform",
        "threats",
        "appendix",
    ];
    let positions: Vec<usize> = ids
        .iter()
        .map(|id| {
            html.find(&format!("<section id=\"{id}\""))
                .unwrap_or_else(|| panic!("no section {id}"))
        })
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]));
    assert!(html.contains("<h2>8. Latest threats</h2>"));
    assert!(html.contains("<h2>9. Appendix: method and data</h2>"));
    assert!(html.contains("@page{size:auto;margin:15mm}"));
    assert!(html.contains("section.page{break-before:page;page-break-before:always}"));
    assert!(html.contains("white-space:pre-wrap"));
    assert!(html.contains("table-layout:fixed"));
    // The glance and the missing notes come before the first section.
    let glance = html.find("At a glance.").unwrap();
    let missing = html.find("What this report could not cover").unwrap();
    assert!(glance < missing && missing < positions[0]);
    // The governance gap is shown at the top and again in the trends.
    let trends = &html[positions[2]..positions[3]];
    assert!(trends.contains("Not covered:</b> the governance log"));
    // Patches print under their row.
    assert_eq!(
        html.matches("<td colspan=\"6\" class=\"patch\">").count(),
        3
    );

    // No notes: no threats section, and the appendix is number 8.
    let empty = monthly_html::render(&empty());
    assert!(!empty.contains("id=\"threats\""));
    assert!(empty.contains("<h2>8. Appendix: method and data</h2>"));
    assert_eq!(empty.matches("class=\"value none\">no data<").count(), 6);
    assert!(empty.contains("no live state: pass --snapshot FILE or --live"));
    for section in [
        "incident-types",
        "policy-health",
        "platform",
        "configuration",
    ] {
        let at = empty.find(&format!("<section id=\"{section}\"")).unwrap();
        let end = at + empty[at..].find("</section>").unwrap();
        assert!(
            empty[at..end].contains("Not covered:"),
            "{section} lacks its missing note"
        );
    }
}

#[test]
fn kpi_changes_carry_arrow_sign_and_word() {
    let html = monthly_html::render(&contoso());
    // Fewer false positives is better; more alerts is neither.
    assert!(html.contains("<p class=\"delta better\">▼ -6.5 pp · better</p>"));
    assert!(html.contains("<p class=\"delta neutral\">▲ +68 (+19.5 %)</p>"));
    assert!(html.contains("<p class=\"delta worse\">▲ +22 (+22.9 %) · worse</p>"));
    let md = monthly_markdown::render(&contoso());
    assert!(md.contains(
        "| False positives | 21.4 % | 27.9 % | ▼ -6.5 pp, better | 2026-05 █·█▇▇▆ 2026-10 |"
    ));
}

/// `|` not escaped with a backslash.
fn columns(line: &str) -> usize {
    let mut count = 0;
    let mut escaped = false;
    for c in line.chars() {
        match c {
            '\\' if !escaped => {
                escaped = true;
                continue;
            }
            '|' if !escaped => count += 1,
            _ => {}
        }
        escaped = false;
    }
    count
}

#[test]
fn markdown_tables_are_consistent_and_escaped() {
    for (name, report) in [("contoso", contoso()), ("empty", empty())] {
        let md = monthly_markdown::render(&report);
        let mut table: Vec<&str> = Vec::new();
        let mut tables = 0;
        for line in md.lines().chain([""]) {
            if line.starts_with('|') {
                table.push(line);
                continue;
            }
            if !table.is_empty() {
                tables += 1;
                let expected = columns(table[0]);
                assert!(
                    table[1].starts_with("|---") || table[1].starts_with("|:"),
                    "{name}: table without a delimiter row: {}",
                    table[0]
                );
                for row in &table {
                    assert_eq!(columns(row), expected, "{name}: {row}");
                    assert!(row.ends_with('|'), "{name}: {row}");
                }
                table.clear();
            }
        }
        assert!(tables > 0 || name == "empty");
        assert!(!md.contains("<script"), "{name}");
        assert!(!md.contains("<img"), "{name}");
    }
    let md = monthly_markdown::render(&contoso());
    assert!(md.contains("Block uploads of &lt;script&gt; files"));
    // A pipe in user text stays in its cell.
    assert!(md.contains("unmanaged devices\\|for Salesforce"));
    // Threat notes: headings under the section's, the javascript: link defused.
    assert!(md.contains("\n### Threat landscape, October 2026\n"));
    assert!(md.contains("[click me\\](javascript:alert(1))"));
    assert!(md.contains(&format!("]({THREAT_LINK})")));
    // Patches as fenced diffs.
    assert_eq!(md.matches("```diff\n").count(), 3);
    let empty = monthly_markdown::render(&empty());
    assert!(!empty.contains("Latest threats"));
    assert!(empty.contains("## 8. Appendix: method and data"));
}
