//! Everything that can go wrong while reading the tenant. Every variant is
//! fatal (exit 2): a failed or partial read is never reported as drift.
//! Messages never contain secrets (see `secret::Redactor`).

use miette::Diagnostic;

#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum LiveError {
    #[error("no tenant URL")]
    #[diagnostic(
        code(casguard::live::no_tenant),
        help("pass --tenant https://<tenant>.<region>.portal.cloudappsecurity.com, set CASGUARD_TENANT_URL, or set `url` under [tenant] in casguard.toml (Defender portal: Settings > Cloud Apps > System > About)")
    )]
    NoTenant,

    #[error("{what} `{url}` is not usable: {reason}")]
    #[diagnostic(code(casguard::live::bad_url), help("{help}"))]
    BadUrl {
        what: &'static str,
        url: String,
        reason: String,
        help: String,
    },

    #[error("the CA file `{path}` is not usable: {detail}")]
    #[diagnostic(
        code(casguard::live::ca_file),
        help("`ca_file` under [tenant] (or SSL_CERT_FILE when it is unset) names a PEM file of the certificates to trust for HTTPS instead of the built-in Mozilla list, such as a TLS-inspecting proxy's root certificate; fix the path, or unset both to use the built-in list; nothing was requested")
    )]
    CaFile { path: String, detail: String },

    #[error("{what} is not set")]
    #[diagnostic(code(casguard::live::missing_credential), help("{help}"))]
    MissingCredential { what: String, help: String },

    #[error(
        "the tenant refused the credentials ({status}) using auth method `{method}`: {detail}"
    )]
    #[diagnostic(code(casguard::live::auth), help("{help}"))]
    Unauthorized {
        status: u16,
        method: &'static str,
        detail: String,
        help: String,
    },

    #[error("Entra ID sign-in failed ({method}): {detail}")]
    #[diagnostic(code(casguard::live::entra), help("{help}"))]
    TokenEndpoint {
        method: &'static str,
        detail: String,
        help: String,
        /// A network failure or 5xx, worth another try.
        retryable: bool,
    },

    #[error("{what}: {detail}")]
    #[diagnostic(code(casguard::live::connect), help("{help}"))]
    Connect {
        what: String,
        detail: String,
        help: String,
    },

    #[error("{what} failed with HTTP {status}: {detail}")]
    #[diagnostic(code(casguard::live::http), help("{help}"))]
    Status {
        what: String,
        status: u16,
        detail: String,
        help: String,
    },

    #[error("{what} failed after {attempts} attempts; last error: {last}")]
    #[diagnostic(
        code(casguard::live::gave_up),
        help("the tenant or the network kept failing; try again later, or raise `max_attempts` / `deadline_seconds` under [tenant]; nothing was written")
    )]
    GaveUp {
        what: String,
        attempts: u32,
        last: String,
    },

    #[error(
        "{what} would not finish within the {deadline_seconds} s deadline; last error: {last}"
    )]
    #[diagnostic(
        code(casguard::live::deadline),
        help("raise `deadline_seconds` under [tenant] if the tenant is just slow; nothing was written")
    )]
    Deadline {
        what: String,
        deadline_seconds: u64,
        last: String,
    },

    #[error("inconsistent paging from {endpoint}: {detail}")]
    #[diagnostic(
        code(casguard::live::paging),
        help("the tenant's answers do not add up, so the result would be partial; nothing was written. Retry later; if it persists, report it with `-v` output")
    )]
    Paging { endpoint: String, detail: String },

    #[error("{what}: unexpected answer: {detail}")]
    #[diagnostic(code(casguard::live::shape), help("{help}"))]
    Shape {
        what: String,
        detail: String,
        help: String,
    },

    #[error("cannot read snapshot `{path}`: {detail}")]
    #[diagnostic(code(casguard::live::snapshot), help("{help}"))]
    ReadSnapshot {
        path: String,
        detail: String,
        help: String,
    },

    #[error("cannot write snapshot `{path}`: {detail}")]
    #[diagnostic(
        code(casguard::live::write),
        help("check that the folder exists and is writable; any previous file at that path is unchanged")
    )]
    WriteSnapshot { path: String, detail: String },
}
