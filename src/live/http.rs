//! One reliable request: pacing, authentication, timeouts, retries with
//! capped exponential backoff and jitter, `Retry-After`, and an overall
//! deadline. Built on `ureq` (blocking, rustls with ring, no redirects: a
//! redirect would mean a wrong tenant URL, and must not carry the token).
//!
//! Why `ureq`: casguard sends one request at a time and waits for it, which
//! is what a blocking client does natively. reqwest's blocking client runs a
//! tokio runtime, hyper and tower underneath, dozens of crates for that;
//! ureq adds about ten to the rustls both use (issue 18). Root certificates are
//! webpki-roots (Mozilla's list compiled in), as reqwest's `rustls-tls` had:
//! the binary works in a bare container without a CA bundle. Behind a
//! TLS-inspecting proxy, `ca_file` under [tenant] (else `SSL_CERT_FILE`)
//! names a PEM bundle that replaces that list, as the variable does for
//! OpenSSL. ureq's `platform-verifier` would trust the system store instead,
//! but a static binary in a scratch image then trusts nothing.
//!
//! Proxies: HTTPS requests go through the proxy named by `ALL_PROXY`,
//! `HTTPS_PROXY` or `HTTP_PROXY` (first set wins, lower case too; ureq's
//! reading of the environment), except hosts listed in `NO_PROXY`. Plain
//! HTTP, which `validate_url` allows only to loopback, never goes through
//! a proxy.
//!
//! What is retried: 429 (after `Retry-After` when sent, else 5x the base
//! delay, or 60x when the reply says "throttled", as the MCAS PowerShell
//! modules did), 502/503/504, timeouts, refused or reset connections, and
//! bodies cut short or not JSON. A 401 with an Entra token refreshes the
//! token once. Everything else fails at once with a message that says what.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::auth::Auth;
use super::error::LiveError;
use super::pacer::Pacer;
use super::secret::Redactor;
use crate::config::{AuthMethod, TenantConfig};

/// Something worth telling the user about while a fetch runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A request is about to go out.
    Request { what: String, attempt: u32 },
    /// A request failed and will be tried again after `wait`.
    Retry {
        what: String,
        attempt: u32,
        max_attempts: u32,
        wait: Duration,
        reason: String,
        /// The tenant answered 429: worth telling the user even without
        /// `-v`, since the wait can be long.
        throttled: bool,
    },
    /// Pacing holds the next request back.
    Paced { wait: Duration },
    /// A page of policies arrived.
    Page {
        /// What is being read ("policies", "alerts").
        noun: &'static str,
        number: usize,
        fetched: usize,
        total: Option<usize>,
    },
}

/// A CA bundle larger than this is not one (Mozilla's whole list is 0.3 MB).
const MAX_CA_FILE_BYTES: u64 = 16 << 20;

/// The certificates of the PEM file `path`, for `ca_file`: at least one.
/// Text between the blocks (the comments of curl's cacert.pem) is skipped;
/// a broken block is an error.
fn trusted_certificates(
    path: &std::path::Path,
) -> Result<Vec<ureq::tls::Certificate<'static>>, LiveError> {
    let unusable = |detail: String| LiveError::CaFile {
        path: path.display().to_string(),
        detail,
    };
    let pem = crate::fsutil::read_capped(path, MAX_CA_FILE_BYTES)
        .map_err(|e| unusable(e.to_string()))?
        .ok_or_else(|| {
            unusable(format!(
                "it is larger than {} MiB, which no CA bundle is",
                MAX_CA_FILE_BYTES >> 20
            ))
        })?;
    let mut certificates = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        match item {
            Ok(ureq::tls::PemItem::Certificate(certificate)) => certificates.push(certificate),
            // A bundle may carry a key or a CRL beside its certificates;
            // only certificates are trusted.
            Ok(_) => {}
            Err(e) => return Err(unusable(format!("it is not valid PEM: {e}"))),
        }
    }
    if certificates.is_empty() {
        return Err(unusable(
            "it holds no PEM certificate (-----BEGIN CERTIFICATE-----)".into(),
        ));
    }
    Ok(certificates)
}

/// How a 429's retry reason begins.
const THROTTLED: &str = "HTTP 429 Too Many Requests";

/// The HTTP clients, one per way a request may travel.
pub struct Clients {
    /// For HTTPS, through the system proxy when one is configured.
    proxied: ureq::Agent,
    /// For plain HTTP, which `validate_url` allows only to loopback: never
    /// through a proxy (`HTTP_PROXY`), which would see the credential in
    /// clear text.
    direct: ureq::Agent,
}

impl Clients {
    /// The client for a request to `url`.
    pub fn for_url(&self, url: &str) -> &ureq::Agent {
        if url.starts_with("https://") {
            &self.proxied
        } else {
            &self.direct
        }
    }
}

pub struct Http {
    pub clients: Clients,
    settings: TenantConfig,
    pacer: Pacer,
    started: Instant,
    pub redactor: Redactor,
    /// Requests sent to the tenant (not counting sign-in).
    pub requests: usize,
}

enum Attempt {
    Done(Value),
    Retry {
        reason: String,
        wait: Option<Duration>,
    },
    Fail(LiveError),
}

impl Http {
    pub fn new(settings: &TenantConfig) -> Result<Http, LiveError> {
        let roots = match &settings.ca_file {
            Some(path) => {
                ureq::tls::RootCerts::Specific(std::sync::Arc::new(trusted_certificates(path)?))
            }
            None => ureq::tls::RootCerts::WebPki,
        };
        let tls = ureq::tls::TlsConfig::builder().root_certs(roots).build();
        let agent = |https_only: bool, proxy: Option<ureq::Proxy>| -> ureq::Agent {
            ureq::Agent::config_builder()
                .tls_config(tls.clone())
                .timeout_connect(Some(settings.connect_timeout))
                .timeout_global(Some(settings.request_timeout))
                // Every status is an answer to classify, not an error.
                .http_status_as_error(false)
                // 0: a 3xx is returned as it is, never followed.
                .max_redirects(0)
                .https_only(https_only)
                .proxy(proxy)
                .user_agent(concat!("casguard/", env!("CARGO_PKG_VERSION")))
                .build()
                .new_agent()
        };
        let proxied = agent(true, ureq::Proxy::try_from_env());
        let direct = agent(false, None);
        Ok(Http {
            clients: Clients { proxied, direct },
            pacer: Pacer::new(settings.max_requests_per_minute),
            settings: settings.clone(),
            started: Instant::now(),
            redactor: Redactor::default(),
            requests: 0,
        })
    }

    /// POSTs `body` as JSON to `url` and returns the JSON reply, retrying as
    /// described in the module header. `what` names the request in messages.
    pub fn post_json(
        &mut self,
        url: &str,
        body: &Value,
        what: &str,
        auth: &mut Auth,
        observe: &mut dyn FnMut(Event),
    ) -> Result<Value, LiveError> {
        self.send_json(url, Some(body), what, auth, observe)
    }

    /// GETs `url` and returns the JSON reply, retrying as `post_json` does.
    pub fn get_json(
        &mut self,
        url: &str,
        what: &str,
        auth: &mut Auth,
        observe: &mut dyn FnMut(Event),
    ) -> Result<Value, LiveError> {
        self.send_json(url, None, what, auth, observe)
    }

    /// One request, POST with `body` or GET without.
    fn send_json(
        &mut self,
        url: &str,
        body: Option<&Value>,
        what: &str,
        auth: &mut Auth,
        observe: &mut dyn FnMut(Event),
    ) -> Result<Value, LiveError> {
        auth.register_secrets(&mut self.redactor);
        let max_attempts = self.settings.max_attempts;
        let mut refreshed = false;
        let mut attempt = 1;
        loop {
            // A sign-in that failed in a way worth retrying: if the last try
            // fails that way too, the error is the sign-in's, not the request's.
            let mut signin_failure = None;
            let wait = self.pacer.delay(Instant::now());
            if !wait.is_zero() {
                self.check_deadline(what, wait, "pacing")?;
                observe(Event::Paced { wait });
                std::thread::sleep(wait);
            }
            // The deadline bounds each request too, not only the waits between them.
            let remaining = self
                .settings
                .deadline
                .saturating_sub(self.started.elapsed());
            if remaining.is_zero() {
                return Err(LiveError::Deadline {
                    what: what.to_string(),
                    deadline_seconds: self.settings.deadline.as_secs(),
                    last: "time ran out before the request was sent".into(),
                });
            }
            let outcome = match auth.header(&self.clients, &mut self.redactor) {
                Err(LiveError::TokenEndpoint {
                    method,
                    detail,
                    help,
                    retryable: true,
                }) => {
                    let reason = format!("Entra ID sign-in failed: {detail}");
                    signin_failure = Some(LiveError::TokenEndpoint {
                        method,
                        detail,
                        help,
                        retryable: true,
                    });
                    Attempt::Retry { reason, wait: None }
                }
                Err(error) => return Err(error),
                Ok(header) => {
                    observe(Event::Request {
                        what: what.to_string(),
                        attempt,
                    });
                    let request = Request {
                        url,
                        body,
                        what,
                        timeout: self.settings.request_timeout.min(remaining),
                    };
                    self.send_once(&request, header.expose(), auth, &mut refreshed)?
                }
            };
            match outcome {
                Attempt::Done(value) => return Ok(value),
                Attempt::Fail(error) => return Err(error),
                Attempt::Retry { reason, wait } => {
                    if attempt >= max_attempts {
                        return Err(gave_up(what, attempt, reason, signin_failure));
                    }
                    let wait = wait.unwrap_or_else(|| self.backoff(attempt, &reason));
                    self.check_deadline(what, wait, &reason)?;
                    observe(Event::Retry {
                        what: what.to_string(),
                        attempt,
                        max_attempts,
                        wait,
                        throttled: reason.starts_with(THROTTLED),
                        reason,
                    });
                    std::thread::sleep(wait);
                    attempt += 1;
                }
            }
        }
    }

    /// Sends one request and classifies the reply.
    fn send_once(
        &mut self,
        request: &Request<'_>,
        authorization: &str,
        auth: &mut Auth,
        refreshed: &mut bool,
    ) -> Result<Attempt, LiveError> {
        self.pacer.record(Instant::now());
        self.requests += 1;
        let agent = self.clients.for_url(request.url);
        let timeout = Some(request.timeout);
        let result = match request.body {
            Some(body) => agent
                .post(request.url)
                .config()
                .timeout_global(timeout)
                .build()
                .header("Authorization", authorization)
                .header("Accept", "application/json")
                .header("Content-Type", "application/json")
                .send(body.to_string().as_bytes()),
            None => agent
                .get(request.url)
                .config()
                .timeout_global(timeout)
                .build()
                .header("Authorization", authorization)
                .header("Accept", "application/json")
                .call(),
        };
        let error = match result {
            Ok(response) => return Ok(self.classify(response, request.what, auth, refreshed)),
            Err(error) => error,
        };
        let detail = self.redactor.scrub(&describe_transport_error(&error));
        match permanent_failure(&error, request.url.starts_with("https://")) {
            Some(permanent) => Err(LiveError::Connect {
                what: request.what.to_string(),
                detail,
                help: permanent.advice().into(),
            }),
            None => Ok(Attempt::Retry {
                reason: detail,
                wait: None,
            }),
        }
    }

    fn classify(
        &self,
        mut response: ureq::http::Response<ureq::Body>,
        what: &str,
        auth: &mut Auth,
        refreshed: &mut bool,
    ) -> Attempt {
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        // No size limit, as before: a page is what the tenant sends.
        let body = match response.body_mut().with_config().read_to_vec() {
            Ok(bytes) => bytes,
            Err(error) => {
                return Attempt::Retry {
                    reason: format!(
                        "HTTP {status} with a body cut short ({})",
                        self.redactor.scrub(&describe_transport_error(&error))
                    ),
                    wait: None,
                }
            }
        };
        let excerpt = self.redactor.scrub(&excerpt(&body));
        match status {
            200..=299 => match serde_json::from_slice::<Value>(&body) {
                Ok(value) => Attempt::Done(value),
                Err(error) => Attempt::Retry {
                    reason: format!("HTTP {status} with a reply that is not complete JSON ({error})"),
                    wait: None,
                },
            },
            429 => {
                let wait = retry_after.or_else(|| {
                    let throttled = excerpt.to_ascii_lowercase().contains("throttled");
                    let base = self.settings.retry_base_delay * if throttled { 60 } else { 5 };
                    Some(jitter(base))
                });
                Attempt::Retry {
                    reason: format!("{THROTTLED}{}", retry_after.map_or(String::new(), |w| format!(" (Retry-After {:.0} s)", w.as_secs_f64()))),
                    wait,
                }
            }
            502..=504 => Attempt::Retry {
                reason: format!("HTTP {status} from the tenant's gateway"),
                wait: None,
            },
            401 | 403 => {
                if status == 401 && !*refreshed && auth.invalidate() {
                    *refreshed = true;
                    return Attempt::Retry {
                        reason: "HTTP 401: the Entra token was refused; signing in again".into(),
                        wait: Some(Duration::ZERO),
                    };
                }
                Attempt::Fail(unauthorized(status, auth, excerpt))
            }
            300..=399 => Attempt::Fail(LiveError::Status {
                what: what.to_string(),
                status,
                detail: format!(
                    "redirected to {}",
                    location.map_or_else(
                        || "?".into(),
                        |l| self.redactor.scrub(&super::shown_url(&l))
                    )
                ),
                help: "use the tenant's own portal URL (Settings > Cloud Apps > System > About), without a path; casguard does not follow redirects with credentials".into(),
            }),
            404 => Attempt::Fail(LiveError::Status {
                what: what.to_string(),
                status,
                detail: excerpt,
                help: "check the tenant URL: it is the portal URL shown under Settings > Cloud Apps > System > About".into(),
            }),
            _ => Attempt::Fail(LiveError::Status {
                what: what.to_string(),
                status,
                detail: excerpt,
                help: "this is not a transient error; check the tenant URL and the credential's permissions".into(),
            }),
        }
    }

    /// Capped exponential backoff with jitter: base, 2x, 4x ... at most 30x the base.
    fn backoff(&self, attempt: u32, _reason: &str) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1)).min(30);
        jitter(self.settings.retry_base_delay * factor)
    }

    fn check_deadline(&self, what: &str, wait: Duration, last: &str) -> Result<(), LiveError> {
        if self.started.elapsed().saturating_add(wait) > self.settings.deadline {
            return Err(LiveError::Deadline {
                what: what.to_string(),
                deadline_seconds: self.settings.deadline.as_secs(),
                last: last.to_string(),
            });
        }
        Ok(())
    }
}

fn unauthorized(status: u16, auth: &Auth, detail: String) -> LiveError {
    let method = auth.method();
    let help = match method {
        _ if auth.is_graph() => "check that the app registration has the Microsoft Graph application permission the check needs (`casguard ops --help` lists them) and that an admin consented to it",
        AuthMethod::Token => "check that CASGUARD_API_TOKEN (or token_file) holds a current API token of a user who may read policies; tokens of deprovisioned users are refused (Settings > Cloud Apps > System > API tokens)",
        AuthMethod::EntraSecret | AuthMethod::EntraWorkloadIdentity => {
            "Entra ID tokens are not evidenced to work on MDCA's policy routes: MDCA may require the legacy API token there (`auth = \"token\"`). Otherwise check the app's Microsoft Cloud App Security API permissions and admin consent"
        }
    };
    LiveError::Unauthorized {
        status,
        method: method.name(),
        detail: if detail.is_empty() {
            "no details".into()
        } else {
            detail
        },
        help: help.into(),
    }
}

/// Up to 20% either way, so that many clients do not retry in lockstep.
fn jitter(wait: Duration) -> Duration {
    wait.mul_f64(0.8 + fastrand::f64() * 0.4)
}

/// `Retry-After` is either delay-seconds or an HTTP date (RFC 9110 section 10.2.3).
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    const LONGEST: Duration = Duration::from_secs(24 * 3600);
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds).min(LONGEST));
    }
    let when = jiff::fmt::rfc2822::parse(value).ok()?.timestamp();
    let now = jiff::Timestamp::now();
    Some(
        Duration::try_from(when - now)
            .unwrap_or(Duration::ZERO)
            .min(LONGEST),
    )
}

/// One request as `send_json` makes it.
struct Request<'a> {
    url: &'a str,
    body: Option<&'a Value>,
    what: &'a str,
    /// The request timeout, bounded by what is left of the deadline.
    timeout: Duration,
}

/// The error once every attempt failed: a sign-in that kept failing is
/// reported as the sign-in's error, not the request's.
fn gave_up(
    what: &str,
    attempts: u32,
    last: String,
    signin_failure: Option<LiveError>,
) -> LiveError {
    match signin_failure {
        Some(LiveError::TokenEndpoint {
            method,
            detail,
            help,
            retryable,
        }) => LiveError::TokenEndpoint {
            method,
            detail: format!("{detail} (after {attempts} attempts)"),
            help,
            retryable,
        },
        _ => LiveError::GaveUp {
            what: what.to_string(),
            attempts,
            last,
        },
    }
}

/// Transport failures no retry of a tenant request can fix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Permanent {
    /// Nothing listens on the port.
    Refused,
    /// An `https://` URL to a port that does not speak TLS.
    NotTls,
    /// The host name does not resolve.
    NoSuchHost,
    /// The server's certificate is not trusted.
    Untrusted,
}

impl Permanent {
    /// What to do about it.
    pub(super) fn advice(self) -> &'static str {
        match self {
            Permanent::Refused => "nothing listens on that port: check the host and port of the tenant URL (the portal answers on https://, port 443); this is not retried",
            Permanent::NotTls => "the server did not answer with TLS (it answered in plain text, or hung up during the handshake): the URL says https:// but that port speaks plain HTTP or another protocol; check the scheme and the port of the tenant URL; this is not retried",
            Permanent::NoSuchHost => "the host name does not resolve: check the tenant URL for a typo (Settings > Cloud Apps > System > About shows it); this is not retried",
            Permanent::Untrusted => "the server's certificate is not trusted: check the tenant URL and, behind a TLS-inspecting proxy, name the proxy's root certificate (PEM) in `ca_file` under [tenant] or in SSL_CERT_FILE; this is not retried",
        }
    }
}

/// Which `Permanent` failure `error` is; `None` for failures worth another
/// try.
pub(super) fn permanent_failure(error: &ureq::Error, https: bool) -> Option<Permanent> {
    use std::io::ErrorKind;
    let io_kind = match error {
        ureq::Error::Io(inner) => Some(inner.kind()),
        _ => None,
    };
    // rustls reports a peer that hangs up during the handshake as a bare
    // end-of-file error; ureq's own "peer disconnected" (after the
    // handshake, or on plain HTTP) carries a message.
    let handshake_eof = https
        && matches!(error, ureq::Error::Io(inner)
            if inner.kind() == ErrorKind::UnexpectedEof && inner.get_ref().is_none());
    let mut text = String::new();
    let mut source: Option<&dyn std::error::Error> = Some(error);
    while let Some(inner) = source {
        text.push_str(&inner.to_string().to_ascii_lowercase());
        text.push(' ');
        source = inner.source();
    }
    let any = |needles: &[&str]| needles.iter().any(|s| text.contains(s));
    // rustls' handshake errors reach us as I/O errors wrapping rustls'
    // own, which ureq does not export: those are told apart by their text.
    if io_kind == Some(ErrorKind::ConnectionRefused)
        || any(&["connection refused", "os error 111", "os error 10061"])
    {
        Some(Permanent::Refused)
    } else if handshake_eof
        || any(&[
            "invalidcontenttype",
            "corrupt message",
            "wrong version number",
            "http request to https",
            "invalid tls",
            "tls handshake eof",
        ])
    {
        Some(Permanent::NotTls)
    } else if matches!(error, ureq::Error::HostNotFound)
        || any(&[
            "dns error",
            "failed to lookup address",
            "name or service not known",
        ])
    {
        Some(Permanent::NoSuchHost)
    } else if any(&["invalid peer certificate", "certificate"]) {
        Some(Permanent::Untrusted)
    } else {
        None
    }
}

pub(super) fn describe_transport_error(error: &ureq::Error) -> String {
    use std::io::ErrorKind;
    let kind = match error {
        ureq::Error::Timeout(_) => "timed out",
        ureq::Error::Io(inner) if inner.kind() == ErrorKind::TimedOut => "timed out",
        ureq::Error::HostNotFound | ureq::Error::ConnectionFailed => "could not connect",
        ureq::Error::Io(inner)
            if matches!(
                inner.kind(),
                ErrorKind::ConnectionRefused
                    | ErrorKind::HostUnreachable
                    | ErrorKind::NetworkUnreachable
                    | ErrorKind::AddrNotAvailable
            ) =>
        {
            "could not connect"
        }
        ureq::Error::BodyExceedsLimit(_) | ureq::Error::Protocol(_) => "the reply was cut short",
        _ => "the connection failed",
    };
    let mut detail = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        detail = format!("{detail}: {inner}");
        source = inner.source();
    }
    format!("{kind} ({detail})")
}

/// The first line of a reply, shortened, for error messages.
pub(super) fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let line = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    if line.chars().count() > 200 {
        format!("{}…", line.chars().take(200).collect::<String>())
    } else {
        line.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn jitter_stays_within_bounds() {
        for _ in 0..1000 {
            let w = jitter(Duration::from_secs(10));
            assert!(w >= Duration::from_secs(8) && w <= Duration::from_secs(12));
        }
    }
}
