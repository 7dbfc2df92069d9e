//! Secrets (API tokens, client secrets, federated assertions, access
//! tokens) are wrapped so that they cannot be printed by accident: `Debug`
//! shows `[redacted]` and there is no `Display`. `Redactor` scrubs known
//! secret values out of any text that leaves casguard (error messages,
//! server replies quoted in errors), as a second line of defence, in every
//! form a secret travels in: raw, percent-encoded (a token endpoint echoing
//! a form body), JSON-escaped, and base64 (Basic auth, JWT segments) at any
//! alignment. `base64` (0.23, the version ureq uses) is in the build anyway.

use std::fmt;

#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The secret itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// Replaces every known secret, in each of its encodings, with `[redacted]`.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// Each secret's literal forms, longest first so a form is never
    /// half-replaced by a shorter one.
    forms: Vec<Secret>,
    /// Each secret with any of its bytes possibly percent-encoded (encoders
    /// differ in what they escape), or a space as `+`.
    escaped: Vec<regex::Regex>,
}

/// Shorter values would redact ordinary words; real secrets are long.
const MIN_SECRET_CHARS: usize = 8;

impl Redactor {
    pub fn add(&mut self, secret: &Secret) {
        if secret.expose().len() < MIN_SECRET_CHARS {
            return;
        }
        if let Some(pattern) = percent_pattern(secret.expose()) {
            if !self.escaped.iter().any(|r| r.as_str() == pattern.as_str()) {
                self.escaped.push(pattern);
            }
        }
        for form in encodings(secret.expose()) {
            let form = Secret::new(form);
            if !self.forms.contains(&form) {
                self.forms.push(form);
            }
        }
        self.forms
            .sort_by_key(|form| std::cmp::Reverse(form.expose().len()));
    }

    pub fn scrub(&self, text: &str) -> String {
        let mut text = text.to_string();
        for form in &self.forms {
            text = text.replace(form.expose(), "[redacted]");
        }
        for pattern in &self.escaped {
            text = pattern.replace_all(&text, "[redacted]").into_owned();
        }
        text
    }
}

/// The literal forms a secret may take in a text: raw, JSON-escaped, and
/// the stable middle of its base64 encoding (standard and URL-safe) at
/// each of the three alignments it can have inside a longer encoded text.
fn encodings(secret: &str) -> Vec<String> {
    use base64::Engine;
    let mut forms = vec![secret.to_string()];
    let json = serde_json::to_string(secret).unwrap_or_default();
    forms.push(json[1..json.len().saturating_sub(1).max(1)].to_string());
    for engine in [
        &base64::engine::general_purpose::STANDARD_NO_PAD,
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ] {
        for shift in 0..3 {
            let mut bytes = vec![0u8; shift];
            bytes.extend_from_slice(secret.as_bytes());
            let encoded = engine.encode(&bytes);
            // Characters that mix in the padding bytes before, or whatever
            // follows the secret in a longer text, are not stable.
            let start = (shift * 8).div_ceil(6);
            let end = (bytes.len() * 8) / 6;
            if end > start && end - start >= MIN_SECRET_CHARS {
                forms.push(encoded[start..end].to_string());
            }
        }
    }
    forms.retain(|f| f.len() >= MIN_SECRET_CHARS);
    forms
}

/// A pattern matching `secret` with any byte percent-encoded (either
/// case of hex digit) and a space also as `+`.
fn percent_pattern(secret: &str) -> Option<regex::Regex> {
    let mut pattern = String::new();
    for c in secret.chars() {
        let mut utf8 = [0u8; 4];
        let bytes = c.encode_utf8(&mut utf8).as_bytes();
        let escaped: String = bytes.iter().map(|b| format!("%{b:02x}")).collect();
        let plus = if c == ' ' { "|\\+" } else { "" };
        pattern.push_str(&format!(
            "(?:{}|(?i:{escaped}){plus})",
            regex::escape(c.encode_utf8(&mut [0u8; 4]))
        ));
    }
    regex::Regex::new(&pattern).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_printed() {
        let secret = Secret::new("hunter2-very-secret");
        assert_eq!(format!("{secret:?}"), "Secret([redacted])");
        let mut redactor = Redactor::default();
        redactor.add(&secret);
        assert_eq!(
            redactor.scrub("token hunter2-very-secret rejected"),
            "token [redacted] rejected"
        );
    }

    #[test]
    fn every_encoding_is_scrubbed() {
        use base64::Engine;
        let raw = "s3cr+t/va\"lue with space&=";
        let mut redactor = Redactor::default();
        redactor.add(&Secret::new(raw));
        let percent = "s3cr%2Bt%2Fva%22lue%20with%20space%26%3D";
        let texts = [
            raw.to_string(),
            serde_json::to_string(raw).unwrap(),
            percent.to_string(),
            percent.to_ascii_lowercase(),
            percent.replace("%20", "+"),
        ];
        for text in &texts {
            let scrubbed = redactor.scrub(&format!("client_secret={text}&x=1"));
            assert!(scrubbed.contains("[redacted]"), "{text}: {scrubbed}");
            assert!(!scrubbed.contains("s3cr"), "{text}: {scrubbed}");
        }
        for engine in [
            base64::engine::general_purpose::STANDARD,
            base64::engine::general_purpose::URL_SAFE,
        ] {
            for prefix in ["", "a", "ab", "client:"] {
                let encoded = engine.encode(format!("{prefix}{raw}:tail"));
                let scrubbed = redactor.scrub(&format!("Basic {encoded}"));
                assert!(scrubbed.contains("[redacted]"), "{prefix}: {scrubbed}");
                // What remains cannot be decoded back into the secret.
                assert!(scrubbed.len() < encoded.len(), "{prefix}: {scrubbed}");
            }
        }
        assert_eq!(redactor.scrub("nothing secret here"), "nothing secret here");
    }
}
