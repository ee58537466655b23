//! The User aggregate (`user-{uuid}`): identity per partner and tenant, credentials, two-factor
//! sign-in, lockout, test flag, vehicle, identity verification.
//!
//! A file per concern: the commands (`command`), the events with the claims they take (`event`,
//! `claims`), the state and how events change it (`state`), the refusals (`error`), and the
//! decisions: `handle` routes each command, `identity`, `lockout`, `two_factor` and `vehicle`
//! decide per feature, `verification` the identity verifications.
use uuid::Uuid;

mod claims;
mod command;
mod email;
mod erasure;
mod error;
mod event;
mod event_values;
mod handle;
mod identity;
mod lockout;
mod partner_identity;
mod profile;
mod snapshot;
mod state;
mod two_factor;
mod vehicle;
mod verification;

#[cfg(test)]
mod tests;

pub use claims::{
    PARTNER_EMAIL, PARTNER_EXTERNAL_UID, PARTNER_SUBJECT, TENANT_EMAIL, TENANT_IDENTITY, TENANT_PHONE, TENANT_USERNAME,
    partner_email_claim, partner_external_uid_claim, partner_subject_claim, tenant_email_claim, tenant_identity_claim,
    tenant_phone_claim, tenant_username_claim,
};
pub use command::UserCommand;
pub use error::UserError;
pub use event::{PersonalDetails, PostalAddress, Profile, SecondFactor, UserEvent};
pub use lockout::{Block, LockoutPolicy};
pub use partner_identity::PartnerClaims;
pub use snapshot::UserSnapshot;
pub use state::User;
pub use verification::{PendingVerification, VerificationKind, VerificationResult, VerificationState, Verifications};

pub fn stream_id(user_id: Uuid) -> String {
    format!("user-{user_id}")
}
