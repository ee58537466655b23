//! Identity verification over Veriff's session API (`docs/identity-verification.md`): a session is
//! created with `POST /v1/sessions` (the API key in `X-AUTH-CLIENT`, a JSON body naming the
//! document type, our user id as `vendorData` and the return URL as `callback`), and its decision
//! read with `GET /v1/sessions/{id}/decision`, signed with `X-HMAC-SIGNATURE` (HMAC-SHA256 of the
//! session id with the shared secret, hex). Each request is bounded by the configured timeout
//! and not retried: a session start is not idempotent, and a decision is asked again at the next
//! poll. Logs name the operation and the status only: never the key, the secret, a session id or
//! a body.
mod wire;

#[cfg(any(test, feature = "standin"))]
pub mod standin;
#[cfg(test)]
mod tests;

use commands::ports::identity::{
    IdentityVerification, Verification, VerificationError, VerificationId, VerificationKind, VerificationStatus,
};
use hmac::{Hmac, Mac};
use reqwest::header::{CONTENT_TYPE, HeaderValue};
use reqwest::{Method, StatusCode, Url};
use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::time::Duration;

/// Where and as whom the adapter talks to Veriff.
#[derive(Clone)]
pub struct VeriffConfig {
    /// `https://stationapi.veriff.com`, or a stand-in's address in tests.
    pub api_base: String,
    /// The integration's API key, sent as `X-AUTH-CLIENT`; never logged.
    pub api_key: SecretString,
    /// The integration's shared secret, which signs decision requests; never sent, never logged.
    pub shared_secret: SecretString,
    /// The bound of each request, connection and answer included.
    pub timeout: Duration,
}

impl fmt::Debug for VeriffConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VeriffConfig")
            .field("api_base", &self.api_base)
            .field("api_key", &"[redacted]")
            .field("shared_secret", &"[redacted]")
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// The Veriff identity-verification provider. Stateless: Veriff keeps the sessions.
pub struct VeriffVerification {
    config: VeriffConfig,
    http: reqwest::Client,
    base: Url,
    auth: HeaderValue,
}

impl fmt::Debug for VeriffVerification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VeriffVerification").field("config", &self.config).finish_non_exhaustive()
    }
}

impl VeriffVerification {
    /// Refuses a base that is not an http(s) URL, or a key that cannot be a header.
    pub fn new(config: VeriffConfig) -> Result<Self, VerificationError> {
        let refused = |what: &str| VerificationError::Refused(what.to_owned());
        let base = Url::parse(&config.api_base)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && !u.cannot_be_a_base())
            .ok_or_else(|| refused("the identity-verification API base is not an http(s) URL"))?;
        let mut auth = HeaderValue::from_str(config.api_key.expose_secret())
            .map_err(|_| refused("the identity-verification API key is not a valid header value"))?;
        auth.set_sensitive(true);
        let http = reqwest::Client::builder()
            .connect_timeout(config.timeout)
            .timeout(config.timeout)
            .build()
            .map_err(|_| refused("the HTTP client cannot be built"))?;
        Ok(Self { config, http, base, auth })
    }

    fn url(&self, path: &[&str]) -> Result<Url, VerificationError> {
        if path.iter().any(|s| matches!(*s, "" | "." | "..")) {
            return Err(VerificationError::NotFound);
        }
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|_| VerificationError::Refused("the identity-verification API base cannot take a path".into()))?
            .pop_if_empty()
            .extend(path);
        Ok(url)
    }

    /// `hex(HMAC-SHA256(shared secret, payload))`, Veriff's `X-HMAC-SIGNATURE`.
    fn signature(&self, payload: &[u8]) -> Result<HeaderValue, VerificationError> {
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(self.config.shared_secret.expose_secret().as_bytes())
            .map_err(|_| VerificationError::Refused("the shared secret cannot key an HMAC".into()))?;
        mac.update(payload);
        let mut value = HeaderValue::from_str(&hex::encode(mac.finalize().into_bytes()))
            .map_err(|_| VerificationError::Refused("the signature is not a header value".into()))?;
        value.set_sensitive(true);
        Ok(value)
    }

    /// One request; the answer's status and body, or why there was none.
    async fn send(
        &self,
        operation: &'static str,
        request: reqwest::RequestBuilder,
    ) -> Result<(StatusCode, String), VerificationError> {
        let response = request.header("X-AUTH-CLIENT", self.auth.clone()).send().await.map_err(|e| {
            let reason = if e.is_timeout() {
                format!("the provider did not answer within {:?}", self.config.timeout)
            } else if e.is_connect() {
                "cannot connect to the provider".to_owned()
            } else {
                "the connection to the provider failed".to_owned()
            };
            tracing::warn!(operation, failure = %reason, "identity verification request failed");
            VerificationError::Unavailable(reason)
        })?;
        let status = response.status();
        tracing::info!(operation, status = status.as_u16(), "identity verification provider answered");
        let body = response
            .text()
            .await
            .map_err(|_| VerificationError::Unavailable("the provider's answer broke off".into()))?;
        Ok((status, body))
    }

    /// The answer as `T`, or the error its status and body say.
    fn read<T: serde::de::DeserializeOwned>(&self, status: StatusCode, body: &str) -> Result<T, VerificationError> {
        if !status.is_success() {
            let secrets = [self.config.api_key.expose_secret(), self.config.shared_secret.expose_secret()];
            return Err(wire::error_of(status, body, &secrets));
        }
        serde_json::from_str(body).map_err(|_| {
            VerificationError::Unavailable("the provider answered with a body this adapter cannot read".into())
        })
    }
}

#[async_trait::async_trait]
impl IdentityVerification for VeriffVerification {
    fn name(&self) -> &'static str {
        "veriff"
    }

    async fn start(
        &self,
        user: &str,
        kind: VerificationKind,
        return_url: &str,
    ) -> Result<Verification, VerificationError> {
        let body = wire::SessionRequest::new(user, kind, return_url);
        let body = serde_json::to_vec(&body).map_err(|_| VerificationError::Refused("unencodable request".into()))?;
        let request = self
            .http
            .request(Method::POST, self.url(&["v1", "sessions"])?)
            .header(CONTENT_TYPE, "application/json")
            .body(body);
        let (status, body) = self.send("create session", request).await?;
        let created: wire::SessionCreated = self.read(status, &body)?;
        Ok(Verification { id: VerificationId(created.verification.id), url: created.verification.url })
    }

    async fn status(&self, id: &VerificationId) -> Result<VerificationStatus, VerificationError> {
        let url = self.url(&["v1", "sessions", &id.0, "decision"])?;
        let request = self.http.request(Method::GET, url).header("X-HMAC-SIGNATURE", self.signature(id.0.as_bytes())?);
        let (status, body) = self.send("read decision", request).await?;
        let decision: wire::Decision = self.read(status, &body)?;
        Ok(decision.status())
    }
}
