//! One-use proofs: a signed bootstrap request's signature and an `mfaToken` each work once. The
//! store remembers them (`seen_signatures`) for as long as they could otherwise be replayed.
use std::sync::Arc;
use store::{EventStore, StoreError};

#[derive(Clone)]
pub struct SpentProofs {
    store: Arc<dyn EventStore>,
}

impl SpentProofs {
    pub fn new(store: Arc<dyn EventStore>) -> Self {
        Self { store }
    }

    /// True when `proof` was spent and is still remembered; spends nothing.
    pub async fn is_spent(&self, proof: &str) -> Result<bool, StoreError> {
        store::secrets::signature_seen(self.store.db(), proof).await
    }

    /// Spend `proof` at `now` (the clock port's), remembered for `window`; false when it was
    /// spent already (a replay).
    pub async fn spend(
        &self,
        proof: &str,
        now: chrono::DateTime<chrono::Utc>,
        window: chrono::Duration,
    ) -> Result<bool, StoreError> {
        self.store.first_sight_of_signature(proof, now, window).await
    }
}
