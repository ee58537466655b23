//! OpenID Connect ID tokens, as the dialects ask for them: by the provider row the tenant
//! configured; and partners' own tokens, by the issuer row the partner configured. The checks are `commands::id_token`'s; the keys come through the provider-keys
//! port (`adapters::jwks` over HTTP). This module only translates rows in and errors out.
use crate::error::ApiError;
use commands::id_token::{IdTokenError, IdTokenVerifier};
use commands::ports::ProviderKeys;
use projections::catalog::{IdentityProviderRow, PartnerIssuerRow};
use std::sync::Arc;

pub use commands::id_token::IdClaims;
pub use commands::partner_token::PartnerIdentity;

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
            IdTokenError::Invalid | IdTokenError::Expired => ApiError::InvalidIdToken,
            IdTokenError::ProviderUnavailable => ApiError::IdentityProviderUnavailable,
        })
    }

    /// The identity in a partner's own `token`, signed by the keys of the partner's `issuer`.
    pub async fn verify_partner(&self, issuer: &PartnerIssuerRow, token: &str) -> Result<PartnerIdentity, ApiError> {
        let issuer = domain::catalog::PartnerIssuer {
            issuer: issuer.issuer.clone(),
            audience: issuer.audience.clone(),
            jwks_url: issuer.jwks_url.clone(),
            claims: domain::catalog::ClaimNames {
                email: issuer.email_claim.clone(),
                given_name: issuer.given_name_claim.clone(),
                family_name: issuer.family_name_claim.clone(),
                name: issuer.name_claim.clone(),
            },
        };
        Ok(self.verifier.verify_partner_token(&issuer, token).await?)
    }
}
