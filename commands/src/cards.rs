//! Identity cards: operators assign and withdraw them (`users-api identity-card`), users read
//! theirs, an erasure withdraws them all. The `IdentityCards` aggregate decides.
use crate::bus::{CommandBus, CommandError};
use chrono::{DateTime, Utc};
use domain::cards::{IdentityCard, IdentityCardCommand, IdentityCardError, IdentityCards, stream_id};
use store::{Metadata, StoreError};
use uuid::Uuid;

pub type CardCommandError = CommandError<IdentityCardError>;

#[derive(Clone)]
pub struct IdentityCardService {
    bus: CommandBus,
}

impl IdentityCardService {
    pub fn new(bus: CommandBus) -> Self {
        Self { bus }
    }

    /// The tenant of the user who may hold cards: `None` for no such user, or an erased one
    /// (the cards aggregate does not know users: operators' routes ask here first).
    pub async fn holder_tenant(&self, user_id: Uuid) -> Result<Option<String>, StoreError> {
        let (account, _) = self.bus.load::<domain::user::User>(&domain::user::stream_id(user_id)).await?;
        Ok(account.tenant_id().filter(|_| !account.is_erased()).map(str::to_owned))
    }

    /// The user's cards, as the stream stands.
    pub async fn cards(&self, user_id: Uuid) -> Result<IdentityCards, StoreError> {
        Ok(self.bus.load::<IdentityCards>(&stream_id(user_id)).await?.0)
    }

    /// Assign `card` to the user of `tenant_id`; false when it was assigned as it is already.
    /// `CommandError::Claim` when the tenant's card id belongs to another user.
    pub async fn assign(
        &self,
        tenant_id: &str,
        user_id: Uuid,
        card: IdentityCard,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<bool, CardCommandError> {
        let command = IdentityCardCommand::Assign { tenant_id: tenant_id.to_owned(), card, at };
        self.execute(user_id, command, metadata).await.map(|n| n > 0)
    }

    pub async fn withdraw(
        &self,
        tenant_id: &str,
        user_id: Uuid,
        card_id: &str,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<(), CardCommandError> {
        let command =
            IdentityCardCommand::Withdraw { tenant_id: tenant_id.to_owned(), card_id: card_id.to_owned(), at };
        self.execute(user_id, command, metadata).await.map(|_| ())
    }

    /// Withdraw every card of the user (an erasure); how many.
    pub async fn withdraw_all(
        &self,
        tenant_id: &str,
        user_id: Uuid,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<usize, CardCommandError> {
        let command = IdentityCardCommand::WithdrawAll { tenant_id: tenant_id.to_owned(), at };
        self.execute(user_id, command, metadata).await
    }

    async fn execute(
        &self,
        user_id: Uuid,
        command: IdentityCardCommand,
        metadata: &Metadata,
    ) -> Result<usize, CardCommandError> {
        let done = self.bus.execute::<IdentityCards>(&stream_id(user_id), command, &(), metadata).await?;
        Ok(done.events.len())
    }
}
