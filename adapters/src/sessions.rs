//! The user-sessions port answered from the `login_sessions` read model, which every session
//! start and revocation updates in its own transaction (an inline projection).
use async_trait::async_trait;
use commands::ports::UserSessions;
use store::StoreError;
use uuid::Uuid;

pub struct ReadModelSessions(pub projections::Reads);

#[async_trait]
impl UserSessions for ReadModelSessions {
    async fn live_sessions(&self, user_id: Uuid) -> Result<Vec<Uuid>, StoreError> {
        self.0.live_sessions_of(user_id).await
    }
}
