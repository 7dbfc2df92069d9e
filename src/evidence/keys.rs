//! Signing keys and signatures of evidence bundles, in OpenSSH's formats so
//! that an auditor checks a bundle with `ssh-keygen -Y verify`, a tool every
//! system already has, instead of trusting casguard: keys are Ed25519 in the
//! OpenSSH private-key and `ssh-ed25519 AAAA…` public-key formats (a key made
//! by `ssh-keygen -t ed25519 -N ''` works too), signatures are SSHSIG over
//! `manifest.json` in the namespace `casguard-evidence`. The `ssh-key` crate
//! (RustCrypto) reads and writes all three; Ed25519 signing is deterministic,
//! so a signed bundle is as reproducible as an unsigned one.
//!
//! Keys made by casguard before SSH signatures (64 hex digits) still load.

use std::path::Path;

use ssh_key::private::{Ed25519Keypair, KeypairData};
use ssh_key::{HashAlg, LineEnding, PrivateKey, PublicKey, SshSig};

/// The SSHSIG namespace: a signature made for another purpose (a git
/// commit, a file signed with another namespace) never passes as a bundle's.
pub const NAMESPACE: &str = "casguard-evidence";

/// A private key whose text is never shown: errors about it name the file
/// and the problem, not the content.
pub struct SigningKey(PrivateKey);

impl SigningKey {
    pub fn public(&self) -> PublicKey {
        self.0.public_key().clone()
    }

    pub fn fingerprint(&self) -> String {
        fingerprint(self.0.public_key())
    }

    /// The armored SSHSIG of `message` (what `ssh-keygen -Y sign` writes).
    pub fn sign(&self, message: &[u8]) -> Result<String, String> {
        let signature = self
            .0
            .sign(NAMESPACE, HashAlg::Sha512, message)
            .map_err(|e| e.to_string())?;
        signature.to_pem(LineEnding::LF).map_err(|e| e.to_string())
    }

    /// The key in the OpenSSH private-key format (for `evidence keygen`).
    pub fn to_openssh(&self) -> Result<String, String> {
        let text = self
            .0
            .to_openssh(LineEnding::LF)
            .map_err(|e| e.to_string())?;
        Ok(text.as_str().to_owned())
    }
}

/// `SHA256:…`, as `ssh-keygen -l` prints it.
pub fn fingerprint(key: &PublicKey) -> String {
    key.fingerprint(HashAlg::Sha256).to_string()
}

/// A new Ed25519 key from the operating system's random source.
pub fn generate() -> Result<SigningKey, String> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| e.to_string())?;
    Ok(from_seed(&seed, "casguard evidence"))
}

fn from_seed(seed: &[u8; 32], comment: &str) -> SigningKey {
    let pair = Ed25519Keypair::from_seed(seed);
    let key = PrivateKey::new(KeypairData::Ed25519(pair), comment)
        .expect("an Ed25519 key pair is always a valid private key");
    SigningKey(key)
}

/// Reads a private key: the OpenSSH format (unencrypted Ed25519), or the
/// 64 hex digits of an older casguard key. The error never quotes the text.
pub fn parse_signing_key(text: &str) -> Result<SigningKey, String> {
    let trimmed = text.trim();
    if trimmed.starts_with("-----BEGIN OPENSSH PRIVATE KEY-----") {
        let key = PrivateKey::from_openssh(trimmed)
            .map_err(|e| format!("not a readable OpenSSH private key ({e})"))?;
        if key.is_encrypted() {
            return Err("the key is protected by a passphrase; casguard signs unattended, so use a key without one (`ssh-keygen -p -N ''` removes it) and keep it in a secret store".into());
        }
        if !matches!(key.key_data(), KeypairData::Ed25519(_)) {
            return Err(format!(
                "the key is {}; evidence is signed with Ed25519 keys (`casguard evidence keygen` or `ssh-keygen -t ed25519`)",
                key.algorithm()
            ));
        }
        return Ok(SigningKey(key));
    }
    let bytes = hex::decode(trimmed).map_err(|_| {
        "expected an OpenSSH private key (-----BEGIN OPENSSH PRIVATE KEY-----) or 64 hex digits"
            .to_string()
    })?;
    let seed: [u8; 32] = bytes
        .try_into()
        .map_err(|_| "expected 32 bytes (64 hex digits)".to_string())?;
    Ok(from_seed(&seed, "casguard evidence"))
}

/// Reads a public key: an OpenSSH line (`ssh-ed25519 AAAA… comment`), an
/// allowed-signers line (`principal ssh-ed25519 AAAA…`), or the 64 hex
/// digits of an older casguard key.
pub fn parse_public_key(text: &str) -> Result<PublicKey, String> {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .ok_or("the file is empty")?;
    // The key starts at the field before its base64 ("AAAA…"): an
    // allowed-signers principal may begin with "ssh-" too.
    let fields: Vec<&str> = line.split_whitespace().collect();
    if let Some(at) = fields.windows(2).position(|w| w[1].starts_with("AAAA")) {
        let key = PublicKey::from_openssh(&fields[at..].join(" "))
            .map_err(|e| format!("not a readable OpenSSH public key ({e})"))?;
        if key.algorithm() != ssh_key::Algorithm::Ed25519 {
            return Err(format!(
                "the key is {}; evidence is signed with Ed25519 keys",
                key.algorithm()
            ));
        }
        return Ok(key);
    }
    let bytes = hex::decode(line).map_err(|_| {
        "expected an OpenSSH public key (ssh-ed25519 AAAA…) or 64 hex digits".to_string()
    })?;
    let bytes: [u8; 32] = bytes
        .try_into()
        .map_err(|_| "expected 32 bytes (64 hex digits)".to_string())?;
    Ok(PublicKey::from(ssh_key::public::Ed25519PublicKey(bytes)))
}

pub fn read_text(path: &Path) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if !meta.is_file() || meta.len() > 64 * 1024 {
        return Err("not a key file (keys are small regular files)".into());
    }
    std::fs::read_to_string(path).map_err(|e| e.to_string())
}

/// Whether `signature` (armored SSHSIG text) is `key`'s over `message`.
pub fn check(key: &PublicKey, message: &[u8], signature: &[u8]) -> Result<(), String> {
    let text = std::str::from_utf8(signature).map_err(|_| "not an SSH signature".to_string())?;
    let signature = SshSig::from_pem(text.trim().as_bytes())
        .map_err(|e| format!("not an SSH signature ({e})"))?;
    if signature.namespace() != NAMESPACE {
        return Err(format!(
            "made for the namespace `{}`, not `{NAMESPACE}`",
            crate::textutil::clip(signature.namespace(), 60)
        ));
    }
    if signature.public_key() != key.key_data() {
        let signer = PublicKey::from(signature.public_key().clone());
        return Err(format!(
            "made by the key {}, not by {}",
            fingerprint(&signer),
            fingerprint(key)
        ));
    }
    key.verify(NAMESPACE, message, &signature).map_err(|_| {
        format!(
            "does not match manifest.json for the key {}",
            fingerprint(key)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_signatures_bind_key_namespace_and_message() {
        let key = from_seed(&[7; 32], "t");
        let public = parse_public_key(&key.public().to_openssh().unwrap()).unwrap();
        let again = parse_signing_key(&key.to_openssh().unwrap()).unwrap();
        assert_eq!(again.fingerprint(), key.fingerprint());
        let signature = key.sign(b"manifest").unwrap();
        assert_eq!(signature, key.sign(b"manifest").unwrap(), "deterministic");
        assert!(check(&public, b"manifest", signature.as_bytes()).is_ok());
        assert!(check(&public, b"manifest!", signature.as_bytes())
            .unwrap_err()
            .contains("does not match"));
        let other = from_seed(&[8; 32], "t").public();
        assert!(check(&other, b"manifest", signature.as_bytes())
            .unwrap_err()
            .contains("made by the key"));
        let foreign = key.0.sign("git", HashAlg::Sha512, b"manifest").unwrap();
        let foreign = foreign.to_pem(LineEnding::LF).unwrap();
        assert!(check(&public, b"manifest", foreign.as_bytes())
            .unwrap_err()
            .contains("namespace"));
        // Keys of the hex era load as the same key.
        let hex_key = parse_signing_key(&hex::encode([7; 32])).unwrap();
        assert_eq!(hex_key.fingerprint(), key.fingerprint());
        let hex_public = parse_public_key(&hex::encode(public.key_data().ed25519().unwrap().0));
        assert_eq!(fingerprint(&hex_public.unwrap()), key.fingerprint());
        // An allowed-signers line, whatever its principal looks like.
        let line = public.to_openssh().unwrap();
        for principal in ["auditor@contoso.com", "ssh-bot@contoso.com"] {
            let signer = parse_public_key(&format!("{principal} {line}")).unwrap();
            assert_eq!(fingerprint(&signer), key.fingerprint(), "{principal}");
        }
    }

    #[test]
    fn key_errors_never_quote_the_key() {
        let secret = "-----BEGIN OPENSSH PRIVATE KEY-----\nc2VjcmV0LXNlY3JldC1zZWNyZXQ=\n-----END OPENSSH PRIVATE KEY-----";
        let Err(error) = parse_signing_key(secret) else {
            panic!("a broken key loads")
        };
        assert!(!error.contains("c2VjcmV0"), "{error}");
        let Err(error) = parse_signing_key("zz-not-a-key-zz") else {
            panic!("a broken key loads")
        };
        assert!(!error.contains("zz-not"), "{error}");
    }
}
