//! Idempotency keys: a request that attaches a card or moves money may carry a key; the same key
//! with the same request replays the first answer without new events or provider calls; the
//! same key with another request is refused; a second request arriving while the first runs
//! waits for its answer. Answers are kept for 24 hours (`idempotency_keys`, not events).
use crate::ports::Clock;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::Duration;
use store::idempotency::{self, Begun};
use store::{EventStore, StoreError};

/// How long an answer is replayed.
pub const KEEP: Duration = Duration::from_secs(24 * 3600);
/// How long a running request holds its key before another may take it over (it crashed).
pub const LEASE: Duration = Duration::from_secs(120);
/// How long a request with the key of a running one waits for that answer.
pub const WAIT: Duration = Duration::from_secs(15);
/// The longest key accepted (Stripe's limit).
pub const MAX_KEY_LEN: usize = 255;

#[derive(Debug, thiserror::Error)]
pub enum IdempotencyError {
    #[error("the Idempotency-Key was used with another request")]
    Mismatch,
    #[error("a request with this Idempotency-Key is still running; retry later")]
    InProgress,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What to do with a request that carries a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    /// Run it; then `finish` (or `abandon`).
    Run,
    /// Answer this, as the first request was answered.
    Replay { status: u16, response: String },
}

#[derive(Clone)]
pub struct Idempotency {
    store: Arc<dyn EventStore>,
    clock: Arc<dyn Clock>,
}

/// The hash a key is bound to: what was asked (method, path) and the body.
pub fn request_hash(parts: &[&[u8]]) -> String {
    let mut hash = Sha256::new();
    for part in parts {
        hash.update((part.len() as u64).to_le_bytes());
        hash.update(part);
    }
    hex::encode(hash.finalize())
}

/// Whether `key` may be used: 1 to 255 visible ASCII characters.
pub fn valid_key(key: &str) -> bool {
    (1..=MAX_KEY_LEN).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic())
}

/// The key handed to the payment provider for this request: a hash, so one caller's key cannot
/// collide with another's at the provider, and the same request keeps the same key on a retry.
pub fn provider_key(scope: &str, key: &str, step: &str) -> String {
    hex::encode(&Sha256::digest(format!("{}:{scope}:{key}:{step}", scope.len()).as_bytes())[..20])
}

impl Idempotency {
    pub fn new(store: Arc<dyn EventStore>, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }

    /// Claim `key` for a request hashing to `request_hash`, waiting up to `WAIT` while another
    /// request with the same key runs.
    pub async fn start(&self, scope: &str, key: &str, request_hash: &str) -> Result<Start, IdempotencyError> {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let now = self.clock.now().timestamp();
            let (lease, keep) = (LEASE.as_secs() as i64, KEEP.as_secs() as i64);
            match idempotency::begin(self.store.db(), scope, key, request_hash, now, lease, keep).await? {
                Begun::Run => return Ok(Start::Run),
                Begun::Done { status, response } => {
                    let status = u16::try_from(status).unwrap_or(500);
                    return Ok(Start::Replay { status, response });
                }
                Begun::Mismatch => return Err(IdempotencyError::Mismatch),
                Begun::Running if tokio::time::Instant::now() >= deadline => {
                    return Err(IdempotencyError::InProgress);
                }
                Begun::Running => tokio::time::sleep(Duration::from_millis(25)).await,
            }
        }
    }

    /// Keep the answer of the request that holds `key`.
    pub async fn finish(&self, scope: &str, key: &str, status: u16, response: &str) -> Result<(), StoreError> {
        idempotency::finish(self.store.db(), scope, key, i64::from(status), response).await
    }

    /// Let the next request with `key` run again (the answer was a failure worth retrying).
    pub async fn abandon(&self, scope: &str, key: &str) -> Result<(), StoreError> {
        idempotency::abandon(self.store.db(), scope, key).await
    }
}
