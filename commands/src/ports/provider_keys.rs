//! The OpenID-provider-keys port: the signing keys (JWKS) an identity provider publishes, by
//! which the ID tokens it issues are verified.
use jsonwebtoken::jwk::JwkSet;
use std::sync::Arc;

/// The provider's keys cannot be had right now (unreachable, bad status, not a JWKS).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("identity provider keys unavailable: {0}")]
pub struct ProviderKeysUnavailable(pub String);

#[async_trait::async_trait]
pub trait ProviderKeys: Send + Sync {
    /// The key set published at `jwks_url`. `kid` is the key the caller needs: when a cached set
    /// lacks it, the adapter may look again (the provider rotated), at a rate it bounds.
    async fn key_set(&self, jwks_url: &str, kid: Option<&str>) -> Result<Arc<JwkSet>, ProviderKeysUnavailable>;
}
