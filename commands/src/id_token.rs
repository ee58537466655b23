//! OpenID Connect ID tokens from a tenant's configured providers: the signature against the
//! provider's keys (through the provider-keys port), `iss`, `aud`, `exp`/`nbf`, and the `nonce`
//! when the client sends one. Only asymmetric algorithms are accepted: `none` and HMAC would let
//! anyone who knows the audience sign. The checks live here, beside the sign-in flows that trust
//! their result; fetching and caching the keys is the adapter's business.
use crate::ports::ProviderKeys;
use domain::catalog::IdentityProvider;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde::de::DeserializeOwned;
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
    /// Signed and otherwise valid, but past its `exp`.
    #[error("the token has expired")]
    Expired,
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
        let expected = Expected {
            algorithms: ACCEPTED,
            jwks_url: &provider.jwks_url,
            issuer: &provider.issuer,
            audience: Some(&provider.audience),
        };
        let claims: IdClaims = self.verify_signed(token, &expected).await.map_err(|e| {
            tracing::info!(error = %e, provider = %provider.provider, "ID token refused");
            match e {
                IdTokenError::Expired => IdTokenError::Invalid,
                e => e,
            }
        })?;
        if let Some(expected) = nonce
            && claims.nonce.as_deref() != Some(expected)
        {
            return Err(IdTokenError::Invalid);
        }
        Ok(claims)
    }
}

/// What a signed token must be: one of `algorithms`, signed by a key of `jwks_url`, from
/// `issuer`, for `audience` when one is named.
pub(crate) struct Expected<'a> {
    pub algorithms: &'a [Algorithm],
    pub jwks_url: &'a str,
    pub issuer: &'a str,
    pub audience: Option<&'a str>,
}

impl IdTokenVerifier {
    /// The claims of `token`, once its algorithm, key, signature, `iss`, `aud` (when expected),
    /// `exp` and `nbf` (60 s of leeway) and `sub` passed. The algorithm is checked against the
    /// allow-list before any key is looked up, and the key must be of the algorithm's family, so
    /// neither `none` nor an HMAC keyed with a public key gets through.
    pub(crate) async fn verify_signed<C: DeserializeOwned>(
        &self,
        token: &str,
        expected: &Expected<'_>,
    ) -> Result<C, IdTokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| IdTokenError::Invalid)?;
        if !expected.algorithms.contains(&header.alg) {
            return Err(IdTokenError::Invalid);
        }
        let keys = self.keys.key_set(expected.jwks_url, header.kid.as_deref()).await.map_err(|e| {
            tracing::warn!(error = %e, url = %expected.jwks_url, "token issuer keys unavailable");
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
        validation.set_issuer(&[expected.issuer]);
        match expected.audience {
            Some(audience) => {
                validation.set_audience(&[audience]);
                validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
            }
            None => {
                validation.validate_aud = false;
                validation.set_required_spec_claims(&["exp", "iss", "sub"]);
            }
        }
        validation.validate_nbf = true;
        validation.leeway = 60;
        match jsonwebtoken::decode::<C>(token, &key, &validation) {
            Ok(data) => Ok(data.claims),
            Err(e) if matches!(e.kind(), jsonwebtoken::errors::ErrorKind::ExpiredSignature) => {
                Err(IdTokenError::Expired)
            }
            Err(e) => {
                tracing::debug!(error = %e, issuer = %expected.issuer, "token refused");
                Err(IdTokenError::Invalid)
            }
        }
    }
}
