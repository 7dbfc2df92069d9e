//! Small text helpers shared by the loader, the config, drift, renderers and
//! the archive: "did you mean", policy-file path joining, name matching,
//! clipping user or server text for messages, and CSV quoting. No casguard
//! dependencies, so any module may use them without a cycle.

use toml::de::DeValue;

/// The closest allowed word, if close enough to be a plausible typo.
pub fn closest<'a>(word: &str, allowed: &[&'a str]) -> Option<&'a str> {
    let lower = word.to_ascii_lowercase();
    allowed
        .iter()
        .map(|candidate| {
            (
                strsim::jaro_winkler(&lower, &candidate.to_ascii_lowercase()),
                *candidate,
            )
        })
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

/// `parent.key`, quoting the key when it is not a bare TOML key.
pub fn join_path(parent: &str, key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    let key = if bare {
        key.to_string()
    } else {
        format!("{key:?}")
    };
    if parent.is_empty() {
        key
    } else {
        format!("{parent}.{key}")
    }
}

/// `local@domain.tld` with no spaces and exactly one `@`: enough to catch
/// typos and display names, without pretending to implement RFC 5322.
pub fn is_email_address(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    let labels_ok = domain.split('.').all(|label| !label.is_empty());
    !local.is_empty()
        && domain.contains('.')
        && labels_ok
        && !text
            .contains(|c: char| c.is_whitespace() || c == '<' || c == '>' || c == ',' || c == ';')
        && !domain.contains('@')
}

/// Policy names match trimmed and case-folded.
pub fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

/// A text for a message: at most `max` characters, control characters
/// escaped, so hostile input cannot flood or garble the terminal.
pub fn clip(text: &str, max: usize) -> String {
    let mut shown = String::new();
    for (index, ch) in text.chars().enumerate() {
        if index == max {
            shown.push('…');
            break;
        }
        if ch.is_control() {
            shown.extend(ch.escape_default());
        } else {
            shown.push(ch);
        }
    }
    shown
}

/// "the string \"x\"", "an array": what a TOML value is, for messages;
/// quoted text clipped to `max` characters.
pub fn describe_toml(value: &DeValue<'_>, max: usize) -> String {
    match value {
        DeValue::String(s) => format!("the string \"{}\"", clip(s, max)),
        DeValue::Integer(i) => format!("the integer {}", clip(i.as_str(), max)),
        DeValue::Float(f) => format!("the float {}", clip(f.as_str(), max)),
        DeValue::Boolean(b) => format!("the boolean {b}"),
        DeValue::Datetime(d) => format!("the datetime {d}"),
        DeValue::Array(_) => "an array".to_string(),
        DeValue::Table(_) => "a table".to_string(),
    }
}

/// A value for a one-line message, shortened.
pub fn short(value: &serde_json::Value) -> String {
    let text = match value {
        serde_json::Value::Null => "unset".to_string(),
        other => other.to_string(),
    };
    clip(&text, 80)
}

/// One CSV field (RFC 4180): quoted, with `"` doubled, when it holds `,`
/// `"` CR or LF.
pub fn csv_field(value: &str) -> std::borrow::Cow<'_, str> {
    if value.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", value.replace('"', "\"\"")).into()
    } else {
        value.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(closest("tokn", &["token", "entra-secret"]), Some("token"));
        assert_eq!(
            join_path("filters", "ip.category"),
            "filters.\"ip.category\""
        );
        assert_eq!(clip("a\u{1b}b", 10), "a\\u{1b}b");
        assert_eq!(clip("abcdef", 3), "abc…");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("plain"), "plain");
    }
}
