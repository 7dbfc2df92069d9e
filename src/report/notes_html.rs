//! The author's threat notes (Markdown) as safe HTML for the monthly page,
//! and the escaping that page relies on for every piece of data.
//!
//! Only a small subset of Markdown becomes markup: paragraphs, headings `#`
//! to `###` (one level below the section's), bullet and numbered lists,
//! fenced code, `**bold**`, `*emphasis*`, `` `code` `` and links whose
//! target is http(s). Everything else is text, escaped; raw HTML included.

use std::fmt::Write;

/// HTML escaping, shared with the other HTML renderers.
pub(super) use super::html::escape as esc;

/// The author's Markdown as HTML, from the safe subset above.
pub(super) fn markdown_to_html(markdown: &str) -> String {
    let mut notes = Notes::default();
    for line in markdown.lines() {
        notes.line(line);
    }
    notes.finish()
}

/// The converter's state between lines.
#[derive(Default)]
struct Notes<'a> {
    out: String,
    /// Lines of the paragraph being read.
    paragraph: Vec<&'a str>,
    /// The list being read: (ordered, items).
    list: Option<(bool, Vec<String>)>,
    /// The lines of an open code fence.
    fence: Option<Vec<&'a str>>,
}

impl<'a> Notes<'a> {
    fn line(&mut self, line: &'a str) {
        let trimmed = line.trim();
        if let Some(code) = self.fence.as_mut() {
            if trimmed.starts_with("```") {
                self.close_fence();
            } else {
                code.push(line);
            }
        } else if trimmed.starts_with("```") {
            self.flush();
            self.fence = Some(Vec::new());
        } else if trimmed.is_empty() {
            self.flush();
        } else if let Some((level, text)) = heading(trimmed) {
            self.flush();
            let tag = (level + 2).min(5);
            let _ = writeln!(self.out, "<h{tag}>{}</h{tag}>", inline(text, true));
        } else if let Some((ordered, text)) = list_item(trimmed) {
            self.item(ordered, text);
        } else if !self.continue_item(line, trimmed) {
            self.paragraph.push(trimmed);
        }
    }

    /// A list item: it ends the paragraph, and a list of the other kind.
    fn item(&mut self, ordered: bool, text: &str) {
        self.flush_paragraph();
        if self.list.as_ref().is_some_and(|(o, _)| *o != ordered) {
            self.flush_list();
        }
        self.list
            .get_or_insert_with(|| (ordered, Vec::new()))
            .1
            .push(text.to_string());
    }

    /// An indented line continues the last list item; any other line ends
    /// the list. True when the line was taken.
    fn continue_item(&mut self, line: &str, trimmed: &str) -> bool {
        let Some((_, items)) = self.list.as_mut() else {
            return false;
        };
        if !line.starts_with([' ', '\t']) {
            self.flush_list();
            return false;
        }
        if let Some(last) = items.last_mut() {
            last.push(' ');
            last.push_str(trimmed);
        }
        true
    }

    fn close_fence(&mut self) {
        if let Some(code) = self.fence.take() {
            let _ = writeln!(
                self.out,
                "<pre><code>{}</code></pre>",
                esc(&code.join("\n"))
            );
        }
    }

    fn flush(&mut self) {
        self.flush_paragraph();
        self.flush_list();
    }

    fn flush_paragraph(&mut self) {
        if !self.paragraph.is_empty() {
            let _ = writeln!(
                self.out,
                "<p>{}</p>",
                inline(&self.paragraph.join(" "), true)
            );
            self.paragraph.clear();
        }
    }

    fn flush_list(&mut self) {
        if let Some((ordered, items)) = self.list.take() {
            let tag = if ordered { "ol" } else { "ul" };
            let _ = writeln!(self.out, "<{tag}>");
            for item in items {
                let _ = writeln!(self.out, "<li>{}</li>", inline(&item, true));
            }
            let _ = writeln!(self.out, "</{tag}>");
        }
    }

    /// The HTML, with an unclosed fence closed.
    fn finish(mut self) -> String {
        self.close_fence();
        self.flush();
        self.out
    }
}

/// `# Title` to `###### Title`: (level, text).
fn heading(line: &str) -> Option<(usize, &str)> {
    let level = line.chars().take_while(|c| *c == '#').count();
    let rest = &line[level..];
    ((1..=6).contains(&level) && rest.starts_with(' ')).then(|| (level, rest.trim()))
}

/// `- item`, `* item`, `+ item` or `1. item`: (ordered, text).
fn list_item(line: &str) -> Option<(bool, &str)> {
    for bullet in ["- ", "* ", "+ "] {
        if let Some(rest) = line.strip_prefix(bullet) {
            return Some((false, rest.trim()));
        }
    }
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && digits < 10 {
        let rest = &line[digits..];
        if let Some(text) = rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") ")) {
            return Some((true, text.trim()));
        }
    }
    None
}

/// Inline Markdown: code spans, strong, emphasis and (when `links`) links
/// to http(s) targets; the rest escaped.
fn inline(text: &str, links: bool) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        match inline_markup(rest, links) {
            Some((html, len)) => {
                out.push_str(&html);
                rest = &rest[len..];
            }
            None => {
                out.push_str(&esc(&c.to_string()));
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    out
}

/// The markup that starts `text`, if any: (its HTML, its length). A
/// backslash escapes the punctuation after it.
fn inline_markup(text: &str, links: bool) -> Option<(String, usize)> {
    if let Some(next) = text
        .strip_prefix('\\')
        .and_then(|after| after.chars().next())
        .filter(|n| n.is_ascii_punctuation())
    {
        return Some((esc(&next.to_string()), 1 + next.len_utf8()));
    }
    if let Some(end) = text.strip_prefix('`').and_then(|after| after.find('`')) {
        return Some((format!("<code>{}</code>", esc(&text[1..1 + end])), end + 2));
    }
    if let Some(after) = text.strip_prefix("**") {
        if let Some(end) = after.find("**").filter(|e| *e > 0) {
            let html = format!("<strong>{}</strong>", inline(&after[..end], links));
            return Some((html, end + 4));
        }
    }
    if let Some(after) = text.strip_prefix('*') {
        if let Some(end) = after
            .find('*')
            .filter(|e| *e > 0 && !after.starts_with(' '))
        {
            return Some((
                format!("<em>{}</em>", inline(&after[..end], links)),
                end + 2,
            ));
        }
    }
    if text.starts_with('[') && links {
        if let Some((label, url, len)) = link(text) {
            let html = format!("<a href=\"{}\">{}</a>", esc(url), inline(label, false));
            return Some((html, len));
        }
    }
    None
}

/// `[label](http(s)://target)` at the start of `text`: (label, target,
/// length). Other targets (`javascript:`, relative paths) are no links.
fn link(text: &str) -> Option<(&str, &str, usize)> {
    let close = text.find("](")?;
    let label = &text[1..close];
    if label.is_empty() || label.contains('[') {
        return None;
    }
    let after = &text[close + 2..];
    let end = after.find(')')?;
    let url = &after[..end];
    let lower = url.to_ascii_lowercase();
    let safe = (lower.starts_with("https://") || lower.starts_with("http://"))
        && url.len() > "https://".len()
        && !url
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`' | '\\'));
    safe.then_some((label, url, close + 2 + end + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_subset_is_safe() {
        let html = markdown_to_html(
            "# T\n\nA **b** *c* `<d>` [ok](https://x.example/a?b=1&c=2) [no](javascript:alert(1))\n\n- one\n  more\n- two <i>\n\n1. first\n",
        );
        assert!(html.contains("<h3>T</h3>"));
        assert!(html.contains("<strong>b</strong> <em>c</em> <code>&lt;d&gt;</code>"));
        assert!(html.contains("<a href=\"https://x.example/a?b=1&amp;c=2\">ok</a>"));
        assert!(html.contains("[no](javascript:alert(1))"));
        assert!(html.contains("<li>one more</li>\n<li>two &lt;i&gt;</li>"));
        assert!(html.contains("<ol>\n<li>first</li>"));
        assert!(!html.contains("<i>"));
    }
}
