//! Access tokens. The Ed25519 signer and its key storage are adapters (`adapters::tokens`,
//! `adapters::keys`) of the token-signer and key-store ports; this module keeps the names the
//! handlers use and the tick that makes a running server pick up rotated keys.
use crate::limits::Limits;
use std::sync::Arc;

pub use adapters::tokens::{RELOAD_EVERY, TokenService, rotate};
pub use commands::ports::tokens::ISSUER;
pub use commands::ports::{AccessClaims, TokenError, TokenSigner};

/// Reload the keys every `RELOAD_EVERY` until the server stops, so a rotated key starts signing
/// on every instance without a restart; the same tick lets the rate limiters forget idle clients.
pub fn spawn_reloader(tokens: Arc<dyn TokenSigner>, limits: Limits) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(RELOAD_EVERY);
        tick.tick().await;
        loop {
            tick.tick().await;
            limits.shrink();
            if let Err(e) = tokens.reload().await {
                tracing::warn!(error = %e, "cannot reload signing keys");
            }
        }
    })
}
