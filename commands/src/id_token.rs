//! OpenID Connect ID tokens from a tenant's configured providers: the signature against the
//! provider's keys (through the provider-keys port), `iss`, `aud`, `exp`/`nbf`, and the `nonce`
//! when the client sends one. Only asymmetric algorithms are accepted: `none` and HMAC would let
//! anyone who knows the audience sign. The checks live here, beside the sign-in flows that trust
//! their result; fetching and caching the keys is the adapter's business.
use crate::ports::ProviderKeys;
use domain::catalog::IdentityProvider;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use std::sync::Arc;

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

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdTokenError {
    /// Not a token of this provider for this audience, expired, or the nonce differs.
    #[error("the ID token is not valid")]
    Invalid,
    /// The provider's keys cannot be had right now.
    #[error("the identity provider's keys are unavailable")]
    ProviderUnavailable,
}

#[derive(Clone)]
pub struct IdTokenVerifier {
    keys: Arc<dyn ProviderKeys>,
}

impl IdTokenVerifier {
    pub fn new(keys: Arc<dyn ProviderKeys>) -> Self {
        Self { keys }
    }

    /// The verified claims of `token` from `provider`; `nonce`, when given, must match.
    pub async fn verify(
        &self,
        provider: &IdentityProvider,
        token: &str,
        nonce: Option<&str>,
    ) -> Result<IdClaims, IdTokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| IdTokenError::Invalid)?;
        if !ACCEPTED.contains(&header.alg) {
            return Err(IdTokenError::Invalid);
        }
        let keys = self.keys.key_set(&provider.jwks_url, header.kid.as_deref()).await.map_err(|e| {
            tracing::warn!(error = %e, url = %provider.jwks_url, "identity provider keys unavailable");
            IdTokenError::ProviderUnavailable
        })?;
        let jwk = match header.kid.as_deref() {
            Some(kid) => keys.find(kid),
            // no kid: only a provider with a single key is unambiguous
            None if keys.keys.len() == 1 => keys.keys.first(),
            None => None,
        }
        .ok_or(IdTokenError::Invalid)?;
        let key = DecodingKey::from_jwk(jwk).map_err(|_| IdTokenError::Invalid)?;
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&provider.issuer]);
        validation.set_audience(&[&provider.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = 60;
        let claims = jsonwebtoken::decode::<IdClaims>(token, &key, &validation)
            .map_err(|e| {
                tracing::info!(error = %e, provider = %provider.provider, "ID token refused");
                IdTokenError::Invalid
            })?
            .claims;
        if let Some(expected) = nonce
            && claims.nonce.as_deref() != Some(expected)
        {
            return Err(IdTokenError::Invalid);
        }
        Ok(claims)
    }
}
