//! OpenID Connect ID tokens from a tenant's configured providers: the signature against the
//! provider's JWKS (fetched over HTTP, cached, refetched when a token names an unknown `kid`),
//! `iss`, `aud`, `exp`/`nbf`, and the `nonce` when the client sends one. Only asymmetric
//! algorithms are accepted: `none` and HMAC would let anyone who knows the audience sign.
use crate::error::ApiError;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use projections::catalog::IdentityProviderRow;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a fetched key set is trusted before it is fetched again.
const JWKS_TTL: Duration = Duration::from_secs(600);
/// The least time between two fetches of one key set caused by unknown `kid`s.
const REFETCH_GAP: Duration = Duration::from_secs(30);

const ACCEPTED: &[Algorithm] = &[
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// What this service takes from an ID token.
#[derive(Debug, Clone, Deserialize)]
pub struct IdClaims {
    pub iss: String,
    pub sub: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub email_verified: Option<bool>,
    #[serde(default)]
    pub given_name: Option<String>,
    #[serde(default)]
    pub family_name: Option<String>,
    #[serde(default)]
    pub nonce: Option<String>,
}

/// Key sets by JWKS URL, with the time each was fetched.
type KeyCache = HashMap<String, (Instant, Arc<JwkSet>)>;

#[derive(Clone)]
pub struct OidcVerifier {
    http: reqwest::Client,
    cache: Arc<Mutex<KeyCache>>,
}

impl Default for OidcVerifier {
    fn default() -> Self {
        Self::new()
    }
}

impl OidcVerifier {
    pub fn new() -> Self {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap_or_default();
        Self { http, cache: Arc::new(Mutex::new(HashMap::new())) }
    }

    fn cached(&self, url: &str) -> Option<(Instant, Arc<JwkSet>)> {
        self.cache.lock().unwrap_or_else(|e| e.into_inner()).get(url).cloned()
    }

    async fn fetch(&self, url: &str) -> Result<Arc<JwkSet>, ApiError> {
        let response = self.http.get(url).send().await.map_err(|e| {
            tracing::warn!(error = %e, url, "identity provider keys unreachable");
            ApiError::IdentityProviderUnavailable
        })?;
        if !response.status().is_success() {
            tracing::warn!(status = %response.status(), url, "identity provider keys: bad status");
            return Err(ApiError::IdentityProviderUnavailable);
        }
        let set: JwkSet = response.json().await.map_err(|e| {
            tracing::warn!(error = %e, url, "identity provider keys: not a JWKS");
            ApiError::IdentityProviderUnavailable
        })?;
        let set = Arc::new(set);
        self.cache.lock().unwrap_or_else(|e| e.into_inner()).insert(url.to_owned(), (Instant::now(), set.clone()));
        Ok(set)
    }

    async fn keys(&self, url: &str, kid: Option<&str>) -> Result<Arc<JwkSet>, ApiError> {
        match self.cached(url) {
            Some((at, set)) if at.elapsed() < JWKS_TTL => {
                let known = kid.is_none_or(|k| set.find(k).is_some());
                if known || at.elapsed() < REFETCH_GAP { Ok(set) } else { self.fetch(url).await }
            }
            _ => self.fetch(url).await,
        }
    }

    /// The verified claims of `token` from `provider`; `nonce`, when given, must match.
    pub async fn verify(
        &self,
        provider: &IdentityProviderRow,
        token: &str,
        nonce: Option<&str>,
    ) -> Result<IdClaims, ApiError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| ApiError::InvalidIdToken)?;
        if !ACCEPTED.contains(&header.alg) {
            return Err(ApiError::InvalidIdToken);
        }
        let keys = self.keys(&provider.jwks_url, header.kid.as_deref()).await?;
        let jwk = match header.kid.as_deref() {
            Some(kid) => keys.find(kid),
            // no kid: only a provider with a single key is unambiguous
            None if keys.keys.len() == 1 => keys.keys.first(),
            None => None,
        }
        .ok_or(ApiError::InvalidIdToken)?;
        let key = DecodingKey::from_jwk(jwk).map_err(|_| ApiError::InvalidIdToken)?;
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&provider.issuer]);
        validation.set_audience(&[&provider.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = 60;
        let claims = jsonwebtoken::decode::<IdClaims>(token, &key, &validation)
            .map_err(|e| {
                tracing::info!(error = %e, provider = %provider.provider, "ID token refused");
                ApiError::InvalidIdToken
            })?
            .claims;
        if let Some(expected) = nonce
            && claims.nonce.as_deref() != Some(expected)
        {
            return Err(ApiError::InvalidIdToken);
        }
        Ok(claims)
    }
}
