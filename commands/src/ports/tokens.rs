//! The token-signer port: access tokens (JWTs) are signed and verified through it.
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// The issuer (`iss`) of every access token this service signs.
pub const ISSUER: &str = "users-api";

/// The claims of every access token this service signs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub sub: String,
    pub tenant: String,
    /// The partner or API client the token was minted for (`app` for a person's own sign-in).
    pub azp: String,
    /// The login session; every authenticated request checks that it is still live.
    pub sid: String,
    /// A test token: its user is a sandbox user.
    pub test: bool,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
}

impl AccessClaims {
    /// Claims for a token of login session `sid`, valid for `lifetime` from `now`.
    #[allow(clippy::too_many_arguments)] // each is a distinct claim; a builder would only rename them
    pub fn new(
        user: &str,
        tenant: &str,
        client: &str,
        sid: uuid::Uuid,
        audience: &str,
        test: bool,
        now: DateTime<Utc>,
        lifetime: Duration,
    ) -> Self {
        Self {
            sub: user.to_owned(),
            tenant: tenant.to_owned(),
            azp: client.to_owned(),
            sid: sid.to_string(),
            test,
            iss: ISSUER.to_owned(),
            aud: audience.to_owned(),
            iat: now.timestamp(),
            exp: (now + lifetime).timestamp(),
        }
    }
}

/// Why a presented token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the token is malformed")]
    Malformed,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid")]
    Invalid,
}

/// Signing failed: a server fault (a broken key), never the client's.
#[derive(Debug, thiserror::Error)]
#[error("token signing: {0}")]
pub struct SignError(pub String);

/// Signs access tokens with the current key and verifies them against every key still valid.
#[async_trait::async_trait]
pub trait TokenSigner: Send + Sync {
    /// A signed JWT carrying `claims`.
    fn sign(&self, claims: &AccessClaims) -> Result<String, SignError>;
    /// A signed JWT carrying any claims (a signed profile), with the key of access tokens, so
    /// the same JWKS verifies it.
    fn sign_document(&self, claims: &serde_json::Value) -> Result<String, SignError>;
    /// Signature, algorithm, issuer, `audience`, expiry; the claims when all hold.
    async fn verify(&self, token: &str, audience: &str) -> Result<AccessClaims, TokenError>;
    /// The public keys that verify this signer's tokens, as a JSON Web Key Set.
    fn jwks(&self) -> serde_json::Value;
    /// The `kid` new tokens are signed with.
    fn signing_kid(&self) -> String;
    /// Pick up keys added since the last load (a rotation made by any instance).
    async fn reload(&self) -> Result<(), SignError>;
}
