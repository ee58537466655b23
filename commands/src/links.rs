//! Account links: the catalog's system and the user's facts go into the `AccountLinks`
//! aggregate, which decides whether the user is linked to the system.
use crate::bus::{CommandBus, CommandError};
use crate::catalog::CatalogService;
use chrono::{DateTime, Utc};
use domain::catalog::{TransactableSystem, UserFacts};
use domain::links::{AccountLinkCommand, AccountLinkError, AccountLinks, LinkVia, stream_id};
use store::{Metadata, StoreError};
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    /// The tenant has no system of this id.
    #[error("the tenant has no such transactable system")]
    UnknownSystem,
    #[error(transparent)]
    Command(#[from] CommandError<AccountLinkError>),
}

impl From<StoreError> for LinkError {
    fn from(e: StoreError) -> Self {
        Self::Command(CommandError::Store(e))
    }
}

/// Who links, to what, and how.
#[derive(Debug, Clone, Copy)]
pub struct LinkRequest<'a> {
    pub tenant: &'a str,
    pub user_id: Uuid,
    pub system_id: &'a str,
    pub via: LinkVia,
}

#[derive(Clone)]
pub struct AccountLinkService {
    bus: CommandBus,
    catalog: CatalogService,
}

impl AccountLinkService {
    pub fn new(bus: CommandBus, catalog: CatalogService) -> Self {
        Self { bus, catalog }
    }

    /// The user's links, as the stream stands.
    pub async fn links(&self, user_id: Uuid) -> Result<AccountLinks, StoreError> {
        Ok(self.bus.load::<AccountLinks>(&stream_id(user_id)).await?.0)
    }

    /// The tenant's system `system_id`.
    pub async fn system(&self, tenant: &str, system_id: &str) -> Result<TransactableSystem, LinkError> {
        self.catalog.system(tenant, system_id).await?.ok_or(LinkError::UnknownSystem)
    }

    /// Link the user to the system; false when it was linked already (nothing appended).
    pub async fn link(
        &self,
        request: LinkRequest<'_>,
        facts: UserFacts,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<bool, LinkError> {
        let system = self.system(request.tenant, request.system_id).await?;
        let command = AccountLinkCommand::Link { system, facts, via: request.via, at };
        self.execute(request.user_id, command, metadata).await
    }

    /// End the user's link with the system; false when it was not linked (nothing appended).
    pub async fn unlink(
        &self,
        request: LinkRequest<'_>,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<bool, LinkError> {
        let system = self.system(request.tenant, request.system_id).await?;
        let command = AccountLinkCommand::Unlink { system, via: request.via, at };
        self.execute(request.user_id, command, metadata).await
    }

    /// End every link of the user (an erasure); how many ended.
    pub async fn end_all(&self, user_id: Uuid, at: DateTime<Utc>, metadata: &Metadata) -> Result<usize, LinkError> {
        let done = self
            .bus
            .execute::<AccountLinks>(&stream_id(user_id), AccountLinkCommand::EndAll { at }, &(), metadata)
            .await?;
        Ok(done.events.len())
    }

    async fn execute(
        &self,
        user_id: Uuid,
        command: AccountLinkCommand,
        metadata: &Metadata,
    ) -> Result<bool, LinkError> {
        let done = self.bus.execute::<AccountLinks>(&stream_id(user_id), command, &(), metadata).await?;
        Ok(!done.events.is_empty())
    }
}
