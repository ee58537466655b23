//! Turning two-factor sign-in on asks for the password again: an access token alone (stolen, or
//! left in a shared browser) must not be enough to put an authenticator of someone else's
//! between the owner and the account. Turning it off asks for a current code
//! ([`crate::twofactor::TwoFactorService::disable`]).
use super::flow::{refuse_if_locked, stamped};
use super::{Dialect, SignInError, SignInFlow};
use store::Metadata;
use uuid::Uuid;

impl SignInFlow {
    /// Switch TOTP on with a first code of the pending secret, once `password` proves the
    /// account's owner is at the keyboard. An account without a password (it signs in with codes
    /// or an ID token) has only its session to show. A missing password is refused; a wrong
    /// one counts toward the lockout like a wrong password at sign-in; a locked account cannot
    /// switch TOTP on.
    pub async fn enable_two_factor(
        &self,
        (dialect, tenant): (Dialect, &str),
        user_id: Uuid,
        password: Option<String>,
        code: &str,
        request: Metadata,
    ) -> Result<Vec<String>, SignInError> {
        let now = self.clock.now();
        let metadata = stamped(request, dialect, tenant, format!("user:{user_id}"));
        let (account, _) = self.services.users.load(user_id).await?;
        if account.password_hash().is_some() {
            refuse_if_locked(&account, now)?;
            // no password is no guess: refused, not counted
            let presented = password.filter(|p| !p.is_empty()).ok_or(SignInError::InvalidCredentials)?;
            self.check_password(user_id, presented, now, &metadata).await?;
        }
        Ok(self.services.two_factor.enable(user_id, code, now, &metadata).await?)
    }
}
