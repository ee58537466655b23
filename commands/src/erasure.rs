//! Deleting an account: the holder asks, or an operator decides; the User aggregate refuses
//! while holds last (the wallet's active subscriptions and unpaid charges); an erasure then ends
//! every session, every account link and identity card, and forgets the wallet's personal data. Nothing of the account is left in the
//! read models; its claims (email, username, phone number, identities) are free again.
use crate::bus::CommandError;
use crate::login::{LoginCommandError, LoginService};
use crate::ports::UserSessions;
use crate::user::{UserCommandError, UserService};
use crate::wallet::{PaymentsError, WalletService};
use chrono::{DateTime, Utc};
use domain::login::RevocationReason;
use domain::user::{UserCommand, UserError};
use domain::wallet::Hold;
use std::sync::Arc;
use store::{Metadata, StoreError};
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum ErasureError {
    /// What keeps the account; nothing was written.
    #[error("the account has holds")]
    Held(Vec<Hold>),
    #[error(transparent)]
    User(#[from] UserCommandError),
    #[error(transparent)]
    Login(#[from] LoginCommandError),
    #[error(transparent)]
    Wallet(#[from] PaymentsError),
    #[error(transparent)]
    Links(#[from] crate::links::LinkError),
    #[error(transparent)]
    Cards(#[from] crate::cards::CardCommandError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a deletion request came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requested {
    /// No hold: the account is erased.
    Erased,
    /// Recorded; the account is erased once these holds clear.
    Pending(Vec<Hold>),
}

#[derive(Clone)]
pub struct ErasureService {
    pub users: UserService,
    pub wallets: WalletService,
    pub logins: LoginService,
    pub links: crate::links::AccountLinkService,
    pub cards: crate::cards::IdentityCardService,
    pub sessions: Arc<dyn UserSessions>,
    /// To forget the outbox's copies of what was sent to the person, and scrub the database.
    pub store: Arc<dyn store::EventStore>,
    pub senders: crate::ports::Senders,
}

impl ErasureService {
    /// Erase the account now, unless holds keep it (`Held`, nothing written).
    pub async fn erase(
        &self,
        user_id: Uuid,
        requested_by: &str,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<(), ErasureError> {
        let holds = self.wallets.holds(user_id).await?;
        let (account, _) = self.users.load(user_id).await?;
        let addresses: Vec<String> = account
            .email()
            .map(|e| e.as_str().to_owned())
            .into_iter()
            .chain(account.phone_number().map(|p| p.as_str().to_owned()))
            .collect();
        let tenant = account.tenant_id().map(str::to_owned);
        let command = UserCommand::Erase {
            holds: holds.iter().map(|h| h.kind().to_owned()).collect(),
            requested_by: requested_by.into(),
            at,
        };
        match self.users.change(user_id, command, metadata).await {
            Err(CommandError::Domain(UserError::Held(_))) => return Err(ErasureError::Held(holds)),
            other => other?,
        };
        for session in self.sessions.live_sessions(user_id).await? {
            self.logins.revoke(session, RevocationReason::AccountErased, at, metadata).await?;
        }
        self.wallets.erase_details(user_id, at, metadata).await?;
        self.links.end_all(user_id, at, metadata).await?;
        if let Some(tenant) = &tenant {
            self.cards.withdraw_all(tenant, user_id, at, metadata).await?;
        }
        for address in &addresses {
            self.store.forget_recipient(address).await?;
            for sender in [&self.senders.email, &self.senders.sms] {
                if let Err(e) = sender.forget(address).await {
                    tracing::warn!(error = %e, "cannot forget an erased person's messages");
                }
            }
        }
        self.store.scrub().await?;
        Ok(())
    }

    /// The holder asks for deletion. An unpaid charge refuses the request (`Held`, nothing
    /// written: pay first); other holds record it, to complete when they clear; no hold erases now.
    pub async fn request(
        &self,
        user_id: Uuid,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<Requested, ErasureError> {
        let holds = self.wallets.holds(user_id).await?;
        if holds.iter().any(|h| matches!(h, Hold::UnpaidCharge { .. })) {
            return Err(ErasureError::Held(holds));
        }
        self.users.change(user_id, UserCommand::RequestDeletion { at }, metadata).await?;
        if !holds.is_empty() {
            return Ok(Requested::Pending(holds));
        }
        self.erase(user_id, "customer", at, metadata).await?;
        Ok(Requested::Erased)
    }

    /// Erase each of `pending` whose holds have cleared; the number erased.
    pub async fn complete(
        &self,
        pending: &[Uuid],
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<usize, ErasureError> {
        let mut erased = 0;
        for user_id in pending {
            match self.erase(*user_id, "customer", at, metadata).await {
                Ok(()) => erased += 1,
                Err(ErasureError::Held(_))
                | Err(ErasureError::User(CommandError::Domain(UserError::NotRegistered))) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(erased)
    }
}
