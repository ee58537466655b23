//! The users a partner's own tokens name, by (tenant, partner, subject): registered on first
//! sight, their email and names brought up to date by later tokens.
use crate::bus::CommandError;
use crate::partner_token::PartnerIdentity;
use crate::user::{PartnerRef, UserCommandError, UserService, user_id_of};
use chrono::{DateTime, Utc};
use domain::user::{self, User, UserCommand};
use store::{Metadata, StoreError};
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum PartnerIdentityError {
    /// The token names a user not seen before and carries no email.
    #[error("the token names a new user and has no email claim")]
    EmailRequired,
    #[error(transparent)]
    Command(#[from] UserCommandError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl UserService {
    /// The user `identity` names at `partner`; registered when the partner-subject claim is
    /// free, else its claims updated (nothing is appended when they did not change). Unique
    /// claims make concurrent first tokens of one person resolve to one user.
    #[tracing::instrument(skip_all, fields(partner = %partner.partner_id))]
    pub async fn resolve_partner_identity(
        &self,
        partner: &PartnerRef,
        identity: &PartnerIdentity,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<Uuid, PartnerIdentityError> {
        let store = self.bus.store();
        let claim = user::partner_subject_claim(&partner.tenant_id, &partner.partner_id, &identity.subject);
        for _ in 0..3 {
            if let Some(owner) = store.claim_owner(claim.scope, &claim.value).await? {
                let user_id = user_id_of(&owner)?;
                let update = UserCommand::UpdatePartnerClaims { claims: identity.claims.clone(), at };
                self.bus.execute::<User>(&owner, update, &(), metadata).await?;
                return Ok(user_id);
            }
            if identity.claims.email.is_none() {
                return Err(PartnerIdentityError::EmailRequired);
            }
            let user_id = Uuid::now_v7();
            let register = UserCommand::RegisterWithPartnerIdentity {
                user_id,
                tenant_id: partner.tenant_id.clone(),
                partner_id: partner.partner_id.clone(),
                issuer: identity.issuer.clone(),
                subject: identity.subject.clone(),
                claims: identity.claims.clone(),
                at,
            };
            match self.bus.execute::<User>(&user::stream_id(user_id), register, &(), metadata).await {
                Ok(_) => return Ok(user_id),
                // another request registered the person a moment ago: look again
                Err(CommandError::Claim { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(CommandError::Contended(format!("partner {} subject", partner.partner_id)).into())
    }
}
