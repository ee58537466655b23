//! OpenID Connect ID tokens, as the dialects ask for them: by the provider row the tenant
//! configured. The checks are `commands::id_token`'s; the keys come through the provider-keys
//! port (`adapters::jwks` over HTTP). This module only translates rows in and errors out.
use crate::error::ApiError;
use commands::id_token::{IdTokenError, IdTokenVerifier};
use commands::ports::ProviderKeys;
use projections::catalog::IdentityProviderRow;
use std::sync::Arc;

pub use commands::id_token::IdClaims;

#[derive(Clone)]
pub struct OidcVerifier {
    verifier: IdTokenVerifier,
}

impl OidcVerifier {
    pub fn new(keys: Arc<dyn ProviderKeys>) -> Self {
        Self { verifier: IdTokenVerifier::new(keys) }
    }

    /// The verified claims of `token` from `provider`; `nonce`, when given, must match.
    pub async fn verify(
        &self,
        provider: &IdentityProviderRow,
        token: &str,
        nonce: Option<&str>,
    ) -> Result<IdClaims, ApiError> {
        let provider = domain::catalog::IdentityProvider {
            provider: provider.provider.clone(),
            issuer: provider.issuer.clone(),
            audience: provider.audience.clone(),
            jwks_url: provider.jwks_url.clone(),
        };
        self.verifier.verify(&provider, token, nonce).await.map_err(|e| match e {
            IdTokenError::Invalid => ApiError::InvalidIdToken,
            IdTokenError::ProviderUnavailable => ApiError::IdentityProviderUnavailable,
        })
    }
}
