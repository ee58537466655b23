//! Password checks of one account run one at a time, so the lock check, the check and the
//! failure it may record are one step: ten wrong passwords sent at once are judged in turn, and
//! the ones after the lock are refused unchecked. A fixed set of locks, picked by the account,
//! keeps memory bounded; two accounts that share a lock only wait for each other.
//!
//! The turn is per instance: with several instances, each judges its own requests in turn, and
//! the lock in the log stops all of them once it is appended.
use std::sync::Arc;
use tokio::sync::{Mutex, MutexGuard};
use uuid::Uuid;

const LOCKS: usize = 1024;

#[derive(Clone)]
pub(super) struct PasswordTurns {
    locks: Arc<[Mutex<()>]>,
}

impl PasswordTurns {
    pub(super) fn new() -> Self {
        Self { locks: (0..LOCKS).map(|_| Mutex::new(())).collect() }
    }

    /// Wait for the account's turn; it lasts while the guard lives.
    pub(super) async fn take(&self, user_id: Uuid) -> Option<MutexGuard<'_, ()>> {
        let (_, low) = user_id.as_u64_pair();
        let index = usize::try_from(low % LOCKS as u64).ok()?;
        Some(self.locks.get(index)?.lock().await)
    }
}
