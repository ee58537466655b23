//! Which login sessions a user has: the write side asks when it must end them all (the
//! credentials of an account were removed). The answer comes from a read model that the session
//! starts keep current at once.
use async_trait::async_trait;
use store::StoreError;
use uuid::Uuid;

#[async_trait]
pub trait UserSessions: Send + Sync {
    /// The sessions of `user_id` not revoked yet.
    async fn live_sessions(&self, user_id: Uuid) -> Result<Vec<Uuid>, StoreError>;
}
