//! Account pre-hijacking: someone signs up with another person's email and a password of their
//! own, and waits. When the owner later proves the email (a code sent to it, or an ID token whose
//! provider vouches for it), the first proof removes the credentials nobody had proven (the
//! password, a TOTP someone enrolled), ends every session of the account and marks the email
//! verified: the first person's password and tokens stop working.
use super::{SignInError, SignInFlow};
use chrono::{DateTime, Utc};
use domain::login::RevocationReason;
use domain::user::User;
use store::Metadata;
use uuid::Uuid;

impl SignInFlow {
    /// The account after `by` (`email-code`, `id-token`) proved its email.
    pub(super) async fn email_proven(
        &self,
        user_id: Uuid,
        account: User,
        by: &str,
        now: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<User, SignInError> {
        if account.email_verified() {
            return Ok(account);
        }
        let services = &self.services;
        if services.users.prove_email(user_id, by, now, metadata).await? {
            for session in services.sessions.live_sessions(user_id).await? {
                services.logins.revoke(session, RevocationReason::CredentialsRemoved, now, metadata).await?;
            }
        }
        Ok(services.users.load(user_id).await?.0)
    }
}
