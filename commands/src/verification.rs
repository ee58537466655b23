//! Identity verification: the User aggregate decides (one pending session per kind, a verified
//! kind stays verified), the provider runs the session, and its outcome is recorded when it is
//! known: the provider is asked (`refresh`, which `GET /customers` runs for a customer with a
//! pending session, bounded in time), or an operator decides (`complete`, the CLI).
use crate::bus::{CommandBus, CommandError};
use crate::ports::identity::{IdentityVerification, VerificationError, VerificationId, VerificationStatus};
use chrono::{DateTime, Utc};
use domain::user::{self, PendingVerification, User, UserCommand, UserError, VerificationKind, VerificationResult};
use std::sync::Arc;
use store::{Metadata, StoreError};
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error(transparent)]
    User(#[from] CommandError<UserError>),
    #[error(transparent)]
    Provider(#[from] VerificationError),
    /// An operator named no kind, and both are pending.
    #[error("both verifications are pending: name the kind (--kind LICENSE|ID)")]
    Ambiguous,
    /// An operator named no kind, and none is pending.
    #[error("no verification is pending")]
    NothingPending,
}

impl From<StoreError> for VerifyError {
    fn from(e: StoreError) -> Self {
        Self::User(CommandError::Store(e))
    }
}

impl From<UserError> for VerifyError {
    fn from(e: UserError) -> Self {
        Self::User(CommandError::Domain(e))
    }
}

/// A session the person is sent to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub kind: VerificationKind,
    pub verification_id: String,
    pub url: String,
}

impl Session {
    fn of(kind: VerificationKind, pending: &PendingVerification) -> Self {
        Self { kind, verification_id: pending.verification_id.clone(), url: pending.url.clone() }
    }
}

#[derive(Clone)]
pub struct VerificationService {
    bus: CommandBus,
    provider: Arc<dyn IdentityVerification>,
}

impl VerificationService {
    pub fn new(bus: CommandBus, provider: Arc<dyn IdentityVerification>) -> Self {
        Self { bus, provider }
    }

    async fn execute(&self, user_id: Uuid, command: UserCommand, meta: &Metadata) -> Result<(), VerifyError> {
        self.bus.execute::<User>(&user::stream_id(user_id), command, &(), meta).await?;
        Ok(())
    }

    async fn load(&self, user_id: Uuid) -> Result<User, StoreError> {
        Ok(self.bus.load::<User>(&user::stream_id(user_id)).await?.0)
    }

    /// The `kind` session of the user: the pending one again, or a new one at the provider.
    #[tracing::instrument(skip_all, fields(user = %user_id, kind = %kind))]
    pub async fn init(
        &self,
        user_id: Uuid,
        kind: VerificationKind,
        return_url: &str,
        at: DateTime<Utc>,
        meta: &Metadata,
    ) -> Result<Session, VerifyError> {
        if let Some(pending) = self.load(user_id).await?.resumable_verification(kind)? {
            return Ok(Session::of(kind, pending));
        }
        let started = self.provider.start(&user_id.to_string(), kind, return_url).await?;
        let pending = PendingVerification {
            verification_id: started.id.0,
            provider: self.provider.name().to_owned(),
            url: started.url,
            started_at: at,
        };
        let session = Session::of(kind, &pending);
        match self.execute(user_id, UserCommand::StartVerification { kind, pending }, meta).await {
            Ok(()) => Ok(session),
            // a concurrent request started one first: its session stands, this one is left unused
            Err(VerifyError::User(CommandError::Domain(UserError::VerificationPending(_)))) => {
                let user = self.load(user_id).await?;
                let pending = user.resumable_verification(kind)?.ok_or(UserError::NoPendingVerification(kind))?;
                Ok(Session::of(kind, pending))
            }
            Err(e) => Err(e),
        }
    }

    /// Ask the provider about each of the user's pending sessions it started, and record what
    /// it has decided; whether anything was recorded. The first failure ends the round.
    #[tracing::instrument(skip_all, fields(user = %user_id))]
    pub async fn refresh(&self, user_id: Uuid, at: DateTime<Utc>, meta: &Metadata) -> Result<bool, VerifyError> {
        let user = self.load(user_id).await?;
        let mut recorded = false;
        for (kind, pending) in user.verifications().pending() {
            if pending.provider != self.provider.name() {
                continue;
            }
            let id = VerificationId(pending.verification_id.clone());
            let (result, reason) = match self.provider.status(&id).await? {
                VerificationStatus::Pending => continue,
                VerificationStatus::Verified => (VerificationResult::Verified, None),
                VerificationStatus::Rejected { reason } => (VerificationResult::Rejected, Some(reason)),
            };
            let command = UserCommand::CompleteVerification {
                kind,
                verification_id: id.0,
                result,
                reason,
                decided_by: "provider".into(),
                at,
            };
            self.execute(user_id, command, meta).await?;
            recorded = true;
        }
        Ok(recorded)
    }

    /// An operator's decision on the user's pending `kind` session (`None`: the one pending).
    pub async fn complete(
        &self,
        user_id: Uuid,
        kind: Option<VerificationKind>,
        result: VerificationResult,
        reason: Option<String>,
        at: DateTime<Utc>,
        meta: &Metadata,
    ) -> Result<Session, VerifyError> {
        let user = self.load(user_id).await?;
        if !user.is_registered() {
            return Err(UserError::NotRegistered.into());
        }
        let pending = user.verifications().pending();
        let (kind, session) = match kind {
            Some(kind) => {
                let found = pending.iter().find(|(k, _)| *k == kind);
                (kind, found.map(|(k, p)| Session::of(*k, p)).ok_or(UserError::NoPendingVerification(kind))?)
            }
            None => match pending.as_slice() {
                [(kind, p)] => (*kind, Session::of(*kind, p)),
                [] => return Err(VerifyError::NothingPending),
                _ => return Err(VerifyError::Ambiguous),
            },
        };
        let command = UserCommand::CompleteVerification {
            kind,
            verification_id: session.verification_id.clone(),
            result,
            reason,
            decided_by: "operator".into(),
            at,
        };
        self.execute(user_id, command, meta).await?;
        Ok(session)
    }

    /// An operator's manual verification of the person.
    pub async fn record_manual(
        &self,
        user_id: Uuid,
        result: VerificationResult,
        reason: Option<String>,
        at: DateTime<Utc>,
        meta: &Metadata,
    ) -> Result<(), VerifyError> {
        self.execute(user_id, UserCommand::RecordManualVerification { result, reason, at }, meta).await
    }
}
