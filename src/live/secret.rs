//! Secrets (API tokens, client secrets, federated assertions, access
//! tokens) are wrapped so that they cannot be printed by accident: `Debug`
//! shows `[redacted]` and there is no `Display`. `Redactor` scrubs known
//! secret values out of any text that leaves casguard (error messages,
//! server replies quoted in errors), as a second line of defence.

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

/// Replaces every known secret in a text with `[redacted]`.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Vec<Secret>,
}

impl Redactor {
    pub fn add(&mut self, secret: &Secret) {
        // Very short values would redact ordinary words; real secrets are long.
        if secret.expose().len() >= 8 && !self.secrets.contains(secret) {
            self.secrets.push(secret.clone());
        }
    }

    pub fn scrub(&self, text: &str) -> String {
        let mut text = text.to_string();
        for secret in &self.secrets {
            text = text.replace(secret.expose(), "[redacted]");
        }
        text
    }
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
}
