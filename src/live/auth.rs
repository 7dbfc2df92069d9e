//! Credentials for MDCA, by `[tenant] auth`:
//! - `token`: the legacy API token, `Authorization: Token <token>`, from
//!   `CASGUARD_API_TOKEN` or `token_file`. The only method evidenced for the
//!   policy routes (mdca-api.md section 1).
//! - `entra-secret`: Entra ID client credentials with a client secret from
//!   `CASGUARD_CLIENT_SECRET`, sent as `Bearer`.
//! - `entra-workload-identity`: client credentials with a federated token
//!   (`AZURE_FEDERATED_TOKEN_FILE`, or the GitHub Actions OIDC endpoint), so
//!   CI needs no stored secret.
//!
//! Entra tokens come from the client-credentials grant (RFC 6749 section
//! 4.4, with an RFC 7523 client assertion for federation): one form POST,
//! written here, over the same `ureq` agent as the API. The `oauth2` crate
//! did this before; for one grant it brought its own URL, HTTP and error
//! types and tied casguard to reqwest (issue 18). `azure_identity` was the
//! other candidate; it is async-only and brings the Azure SDK core and an
//! async runtime to the call sites. Tokens are cached for their lifetime
//! and refreshed five minutes before expiry, or at once after a 401.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::error::LiveError;
use super::http::{describe_transport_error, excerpt};
use super::secret::{Redactor, Secret};
use super::validate_url;
use crate::config::{AuthMethod, GraphAuth, TenantConfig};

/// The MDCA resource ("Microsoft Cloud App Security") in Entra ID.
pub const MDCA_SCOPE: &str = "05a65629-4c1b-48c1-a78b-804c4abdd4af/.default";
/// Microsoft Graph, whatever its base URL (a loopback stand-in in tests).
pub const GRAPH_SCOPE: &str = "https://graph.microsoft.com/.default";
pub const DEFAULT_AUTHORITY: &str = "https://login.microsoftonline.com";
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const FEDERATION_AUDIENCE: &str = "api://AzureADTokenExchange";
/// An API token or a federated JWT is a few KiB; a larger file is not one.
const MAX_CREDENTIAL_FILE_BYTES: u64 = 64 * 1024;

/// The text of a credential file (`token_file`, AZURE_FEDERATED_TOKEN_FILE),
/// read with a cap so that a wrong path (a log, `/dev/zero`) fails at once.
fn read_credential_file(path: &std::path::Path) -> Result<String, String> {
    let bytes = crate::fsutil::read_capped(path, MAX_CREDENTIAL_FILE_BYTES)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| {
            format!(
                "it is larger than {} KiB, which no credential is",
                MAX_CREDENTIAL_FILE_BYTES / 1024
            )
        })?;
    String::from_utf8(bytes).map_err(|_| "it is not UTF-8 text".to_string())
}

/// Where a federated assertion comes from.
#[derive(Debug)]
enum Federation {
    /// A file kept fresh by the platform (Kubernetes, Azure workload identity).
    File(PathBuf),
    /// GitHub Actions' OIDC endpoint.
    GitHub { url: String, request_token: Secret },
}

#[derive(Debug)]
enum Credential {
    ClientSecret(Secret),
    Federated(Federation),
}

#[derive(Debug)]
pub struct Entra {
    method: AuthMethod,
    /// `MDCA_SCOPE` or `GRAPH_SCOPE`.
    scope: &'static str,
    token_url: String,
    client_id: String,
    credential: Credential,
    cached: Option<(Secret, Instant)>,
}

#[derive(Debug)]
pub enum Auth {
    Token(Secret),
    Entra(Entra),
}

/// Reads an environment variable; tests pass their own.
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

fn required(value: Option<String>, what: &str, help: &str) -> Result<String, LiveError> {
    value
        .filter(|v| !v.trim().is_empty())
        .map(|v| v.trim().to_string())
        .ok_or_else(|| LiveError::MissingCredential {
            what: what.to_string(),
            help: help.to_string(),
        })
}

impl Auth {
    /// The credential for Microsoft Graph (`[tenant] graph_auth`), or `None`
    /// when none is configured: the Graph checks are then unavailable.
    pub fn graph(tenant: &TenantConfig, env: Env<'_>) -> Result<Option<Auth>, LiveError> {
        let method = match tenant.graph_auth {
            Some(GraphAuth::None) => return Ok(None),
            Some(GraphAuth::EntraSecret) => AuthMethod::EntraSecret,
            Some(GraphAuth::EntraWorkloadIdentity) => AuthMethod::EntraWorkloadIdentity,
            None if tenant.auth != AuthMethod::Token => tenant.auth,
            None if env("CASGUARD_CLIENT_SECRET").is_some_and(|s| !s.trim().is_empty()) => {
                AuthMethod::EntraSecret
            }
            None => return Ok(None),
        };
        let settings = TenantConfig {
            auth: method,
            ..tenant.clone()
        };
        match Auth::build(&settings, env, GRAPH_SCOPE)? {
            Auth::Entra(entra) => Ok(Some(Auth::Entra(entra))),
            Auth::Token(_) => unreachable!("Graph is only ever given an Entra method"),
        }
    }

    /// Whether this credential is for Microsoft Graph.
    pub fn is_graph(&self) -> bool {
        matches!(self, Auth::Entra(entra) if entra.scope == GRAPH_SCOPE)
    }

    /// Builds the credential for `tenant.auth`, reading secrets from the
    /// environment (or files) only.
    pub fn from_config(tenant: &TenantConfig, env: Env<'_>) -> Result<Auth, LiveError> {
        Auth::build(tenant, env, MDCA_SCOPE)
    }

    fn build(tenant: &TenantConfig, env: Env<'_>, scope: &'static str) -> Result<Auth, LiveError> {
        match tenant.auth {
            AuthMethod::Token => {
                let token = match env("CASGUARD_API_TOKEN").filter(|t| !t.trim().is_empty()) {
                    Some(token) => token,
                    None => match &tenant.token_file {
                        Some(file) => read_credential_file(file).map_err(|e| LiveError::MissingCredential {
                            what: format!("the API token (token_file `{}` cannot be read: {e})", file.display()),
                            help: "check `token_file` under [tenant], or set CASGUARD_API_TOKEN".into(),
                        })?,
                        None => {
                            return Err(LiveError::MissingCredential {
                                what: "the MDCA API token".into(),
                                help: "set CASGUARD_API_TOKEN, or `token_file` under [tenant] (Defender portal: Settings > Cloud Apps > System > API tokens); or choose another `auth` method".into(),
                            })
                        }
                    },
                };
                let token = token.trim();
                if token.is_empty() || token.contains(char::is_whitespace) {
                    return Err(LiveError::MissingCredential {
                        what: "a usable API token (it is empty or contains whitespace)".into(),
                        help: "the token is one line of letters and digits, as shown once when it was generated".into(),
                    });
                }
                Ok(Auth::Token(Secret::new(token)))
            }
            AuthMethod::EntraSecret | AuthMethod::EntraWorkloadIdentity => {
                let tenant_id = required(
                    env("AZURE_TENANT_ID").or_else(|| tenant.tenant_id.clone()),
                    "the Entra tenant id",
                    "set AZURE_TENANT_ID, or `tenant_id` under [tenant]",
                )?;
                let client_id = required(
                    env("AZURE_CLIENT_ID").or_else(|| tenant.client_id.clone()),
                    "the Entra application (client) id",
                    "set AZURE_CLIENT_ID, or `client_id` under [tenant]",
                )?;
                let authority = env("AZURE_AUTHORITY_HOST")
                    .or_else(|| tenant.authority_host.clone())
                    .unwrap_or_else(|| DEFAULT_AUTHORITY.to_string());
                let authority = validate_url("the Entra authority host", &authority)?;
                let credential = if tenant.auth == AuthMethod::EntraSecret {
                    Credential::ClientSecret(Secret::new(required(
                        env("CASGUARD_CLIENT_SECRET"),
                        "CASGUARD_CLIENT_SECRET",
                        "set CASGUARD_CLIENT_SECRET to the app registration's client secret (secrets never go in casguard.toml)",
                    )?))
                } else if let Some(file) =
                    env("AZURE_FEDERATED_TOKEN_FILE").filter(|f| !f.is_empty())
                {
                    Credential::Federated(Federation::File(PathBuf::from(file)))
                } else {
                    let url = required(
                        env("ACTIONS_ID_TOKEN_REQUEST_URL"),
                        "a federated token source",
                        "in GitHub Actions grant `permissions: id-token: write`; elsewhere set AZURE_FEDERATED_TOKEN_FILE",
                    )?;
                    let request_token = required(
                        env("ACTIONS_ID_TOKEN_REQUEST_TOKEN"),
                        "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
                        "in GitHub Actions grant `permissions: id-token: write`",
                    )?;
                    Credential::Federated(Federation::GitHub {
                        url: validate_url("the GitHub OIDC token URL", &url)?,
                        request_token: Secret::new(request_token),
                    })
                };
                Ok(Auth::Entra(Entra {
                    method: tenant.auth,
                    scope,
                    token_url: format!("{authority}/{tenant_id}/oauth2/v2.0/token"),
                    client_id,
                    credential,
                    cached: None,
                }))
            }
        }
    }

    pub fn method(&self) -> AuthMethod {
        match self {
            Auth::Token(_) => AuthMethod::Token,
            Auth::Entra(entra) => entra.method,
        }
    }

    /// Registers this credential's secrets with `redactor`.
    pub fn register_secrets(&self, redactor: &mut Redactor) {
        match self {
            Auth::Token(token) => redactor.add(token),
            Auth::Entra(entra) => {
                match &entra.credential {
                    Credential::ClientSecret(secret) => redactor.add(secret),
                    Credential::Federated(Federation::GitHub { request_token, .. }) => {
                        redactor.add(request_token)
                    }
                    Credential::Federated(Federation::File(_)) => {}
                }
                if let Some((token, _)) = &entra.cached {
                    redactor.add(token);
                }
            }
        }
    }

    /// The `Authorization` header value, signing in to Entra ID when needed.
    pub fn header(
        &mut self,
        http: &super::http::Clients,
        redactor: &mut Redactor,
    ) -> Result<Secret, LiveError> {
        match self {
            Auth::Token(token) => Ok(Secret::new(format!("Token {}", token.expose()))),
            Auth::Entra(entra) => {
                let fresh = entra
                    .cached
                    .as_ref()
                    .filter(|(_, refresh_at)| Instant::now() < *refresh_at);
                if let Some((token, _)) = fresh {
                    return Ok(Secret::new(format!("Bearer {}", token.expose())));
                }
                let (token, lifetime) = entra.acquire(http, redactor)?;
                redactor.add(&token);
                // Refresh five minutes early; for short-lived tokens, halfway.
                let margin = Duration::from_secs(300).min(lifetime / 2);
                entra.cached = Some((token.clone(), Instant::now() + lifetime - margin));
                Ok(Secret::new(format!("Bearer {}", token.expose())))
            }
        }
    }

    /// Forgets a cached token (after a 401). Returns whether there was one to forget.
    pub fn invalidate(&mut self) -> bool {
        match self {
            Auth::Token(_) => false,
            Auth::Entra(entra) => entra.cached.take().is_some(),
        }
    }
}

impl Entra {
    fn fail(&self, detail: String, help: &str) -> LiveError {
        LiveError::TokenEndpoint {
            method: self.method.name(),
            detail,
            help: help.to_string(),
            retryable: false,
        }
    }

    /// A sign-in failure worth another try (network, 5xx).
    fn fail_transient(&self, detail: String, help: &str) -> LiveError {
        LiveError::TokenEndpoint {
            method: self.method.name(),
            detail,
            help: help.to_string(),
            retryable: true,
        }
    }

    /// A sign-in request that got no answer: retried as transient (Entra
    /// may be out of reach for a moment), except for a certificate that is
    /// not trusted, which no retry changes: that fails at once with the
    /// advice the tenant's requests give (`ca_file`).
    fn unanswered(&self, detail: String, error: &ureq::Error, url: &str, help: &str) -> LiveError {
        use super::http::{permanent_failure, Permanent};
        match permanent_failure(error, url.starts_with("https://")) {
            Some(Permanent::Untrusted) => self.fail(detail, Permanent::Untrusted.advice()),
            _ => self.fail_transient(detail, help),
        }
    }

    fn assertion(
        &self,
        http: &super::http::Clients,
        redactor: &mut Redactor,
    ) -> Result<Option<Secret>, LiveError> {
        match &self.credential {
            Credential::ClientSecret(_) => Ok(None),
            Credential::Federated(Federation::File(path)) => {
                let text = read_credential_file(path).map_err(|e| {
                    self.fail(
                        format!("cannot read AZURE_FEDERATED_TOKEN_FILE `{}`: {e}", path.display()),
                        "the platform should keep this file up to date; check the pod's or runner's identity setup",
                    )
                })?;
                let assertion = Secret::new(text.trim());
                redactor.add(&assertion);
                Ok(Some(assertion))
            }
            Credential::Federated(Federation::GitHub { url, request_token }) => {
                let separator = if url.contains('?') { '&' } else { '?' };
                let url = format!(
                    "{url}{separator}audience={}",
                    FEDERATION_AUDIENCE.replace(':', "%3A").replace('/', "%2F")
                );
                let help = "grant the workflow `permissions: id-token: write` and run it on GitHub Actions";
                let failed = |detail: String, transient: bool| {
                    let detail = format!(
                        "the GitHub OIDC token request failed: {}",
                        redactor.scrub(&detail)
                    );
                    if transient {
                        self.fail_transient(detail, help)
                    } else {
                        self.fail(detail, help)
                    }
                };
                let mut response = http
                    .for_url(&url)
                    .get(&url)
                    .header(
                        "Authorization",
                        format!("bearer {}", request_token.expose()),
                    )
                    .call()
                    .map_err(|e| {
                        let detail = format!(
                            "the GitHub OIDC token request failed: {}",
                            redactor.scrub(&describe_transport_error(&e))
                        );
                        self.unanswered(detail, &e, &url, help)
                    })?;
                let status = response.status().as_u16();
                let body = response
                    .body_mut()
                    .with_config()
                    .read_to_vec()
                    .map_err(|e| failed(describe_transport_error(&e), true))?;
                if !(200..300).contains(&status) {
                    return Err(failed(
                        format!("HTTP {status}: {}", excerpt(&body)),
                        status >= 500,
                    ));
                }
                let reply: Value = serde_json::from_slice(&body)
                    .map_err(|e| failed(format!("the reply is not JSON ({e})"), false))?;
                let value = reply.get("value").and_then(|v| v.as_str()).ok_or_else(|| {
                    self.fail(
                        "the GitHub OIDC reply has no `value`".into(),
                        "check that the runner supports OIDC tokens",
                    )
                })?;
                let assertion = Secret::new(value);
                redactor.add(&assertion);
                Ok(Some(assertion))
            }
        }
    }

    fn acquire(
        &self,
        http: &super::http::Clients,
        redactor: &mut Redactor,
    ) -> Result<(Secret, Duration), LiveError> {
        let assertion = self.assertion(http, redactor)?;
        let mut form = vec![
            ("grant_type", "client_credentials"),
            ("client_id", self.client_id.as_str()),
            ("scope", self.scope),
        ];
        if let Credential::ClientSecret(secret) = &self.credential {
            form.push(("client_secret", secret.expose()));
        }
        if let Some(assertion) = &assertion {
            form.push(("client_assertion_type", JWT_BEARER));
            form.push(("client_assertion", assertion.expose()));
        }
        let help = if self.scope == GRAPH_SCOPE {
            "check `tenant_id` and `client_id`, that the secret or federated credential is current, and that the app has the Microsoft Graph application permissions the ops checks need (SecurityEvents.Read.All, ServiceMessage.Read.All) with admin consent"
        } else {
            "check `tenant_id` and `client_id`, that the secret or federated credential is current, and that the app has the Microsoft Cloud App Security API permission"
        };
        let url = &self.token_url;
        // Network failures, 5xx and replies that cannot be read are worth
        // another try; Entra's own refusals (`invalid_client` ...) are not.
        let transient = |detail: String| self.fail_transient(redactor.scrub(&detail), help);
        let mut response = http
            .for_url(url)
            .post(url)
            .header("Accept", "application/json")
            .send_form(form)
            .map_err(|e| {
                let detail = format!("cannot reach {url}: {}", describe_transport_error(&e));
                self.unanswered(redactor.scrub(&detail), &e, url, help)
            })?;
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .read_to_vec()
            .map_err(|e| {
                transient(format!(
                    "unexpected reply from {url}: HTTP {status} with a body cut short ({})",
                    describe_transport_error(&e)
                ))
            })?;
        let reply = serde_json::from_slice::<Value>(&body);
        if !(200..300).contains(&status) {
            // Entra's error reply (RFC 6749 section 5.2): `error`, `error_description`.
            let refusal = reply.as_ref().ok().and_then(|reply| {
                let error = reply.get("error")?.as_str()?;
                let description = reply
                    .get("error_description")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                Some(format!(
                    "{error}: {}",
                    description.lines().next().unwrap_or("")
                ))
            });
            return Err(match refusal {
                Some(detail) if status < 500 => self.fail(redactor.scrub(&detail), help),
                Some(detail) => transient(format!("HTTP {status}: {detail}")),
                None => transient(format!(
                    "unexpected reply from {url}: HTTP {status}: {}",
                    excerpt(&body)
                )),
            });
        }
        let reply =
            reply.map_err(|e| transient(format!("unexpected reply from {url}: not JSON ({e})")))?;
        let Some(access_token) = reply.get("access_token").and_then(Value::as_str) else {
            return Err(transient(format!(
                "unexpected reply from {url}: no `access_token` in the reply"
            )));
        };
        // A number in Entra's replies; some token services send a string.
        let expires_in = reply.get("expires_in").and_then(|v| {
            v.as_u64()
                .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
        });
        // Entra issues tokens for about an hour; never trust more than a day.
        let lifetime = expires_in
            .map_or(Duration::from_secs(3599), Duration::from_secs)
            .min(Duration::from_secs(24 * 3600));
        Ok((Secret::new(access_token), lifetime))
    }
}
