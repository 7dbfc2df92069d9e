//! Small text helpers shared by the loader, the config, drift, renderers and
//! the archive: "did you mean", policy-file path joining, name matching,
//! clipping user or server text for messages, CSV quoting, and decoding
//! JSON files in the encodings people save them in. No casguard
//! dependencies, so any module may use them without a cycle.

use std::borrow::Cow;

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

/// The text of a JSON file as people have them: UTF-8 (with or without a
/// BOM), or UTF-16 LE/BE with a BOM (Windows PowerShell's `Out-File`).
/// The error says what the bytes look like instead.
pub fn decode_text(bytes: &[u8]) -> Result<Cow<'_, str>, String> {
    match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] => utf8(rest),
        [0xFF, 0xFE, rest @ ..] => utf16(rest, u16::from_le_bytes, "UTF-16 LE"),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, u16::from_be_bytes, "UTF-16 BE"),
        _ => utf8(bytes),
    }
}

fn utf8(bytes: &[u8]) -> Result<Cow<'_, str>, String> {
    // JSON never holds a raw NUL; UTF-16 of ASCII text is mostly NULs.
    if bytes.iter().take(64).any(|b| *b == 0) {
        return Err(
            "the file holds NUL bytes: it looks like UTF-16 without a byte order mark".into(),
        );
    }
    std::str::from_utf8(bytes)
        .map(Cow::Borrowed)
        .map_err(|e| format!("not UTF-8 text: invalid byte at offset {}", e.valid_up_to()))
}

fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16, name: &str) -> Result<Cow<'static, str>, String> {
    if bytes.len() % 2 != 0 {
        return Err(format!(
            "{name} text with an odd number of bytes: the file is cut off"
        ));
    }
    let units = bytes.chunks_exact(2).map(|pair| unit([pair[0], pair[1]]));
    char::decode_utf16(units)
        .enumerate()
        .map(|(i, c)| c.map_err(|_| format!("invalid {name} at byte {}", 2 + 2 * i)))
        .collect::<Result<String, _>>()
        .map(Cow::Owned)
}

/// A JSON syntax error as (detail, help), with its line and column; "ends
/// early" (and a hint about truncation) only when the input does.
pub fn describe_json_error(error: &serde_json::Error) -> (String, &'static str) {
    let (line, column) = (error.line(), error.column());
    let full = error.to_string();
    let message = full
        .strip_suffix(&format!(" at line {line} column {column}"))
        .unwrap_or(&full);
    match error.classify() {
        serde_json::error::Category::Eof => (
            format!("the JSON ends early, at line {line}, column {column} ({message})"),
            "the file is truncated: download or export it again",
        ),
        _ => (
            format!("not valid JSON at line {line}, column {column}: {message}"),
            "fix the file at that line and column, or export it again",
        ),
    }
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
