//! A new password, given with the old one by a signed-in person (with other edits of the account
//! beside it), or with a reset code mailed to the account's email. Either way the sessions that
//! the old password opened end: a change keeps only the session that asked, a reset ends all of
//! them, so whoever knew the old password (or held a token of it) is out.
use super::flow::stamped;
use super::{Dialect, SignInError, SignInFlow};
use crate::CommandError;
use crate::passwords::PasswordError;
use chrono::{DateTime, Utc};
use domain::login::RevocationReason;
use domain::user::{User, UserCommand};
use domain::values::{Email, NewPassword};
use store::Metadata;
use uuid::Uuid;

/// Edits of a signed-in person's account, appended together or not at all.
#[derive(Debug, Clone)]
pub struct AccountEdit {
    pub user_id: Uuid,
    /// The session that asks: a password change keeps it, and ends the others.
    pub session_id: Uuid,
    /// Profile commands (email, username, personal details).
    pub changes: Vec<UserCommand>,
    /// The old password and the new one.
    pub password: Option<(String, NewPassword)>,
}

#[derive(Debug, thiserror::Error)]
pub enum AccountEditError {
    /// The email or username asked for belongs to another account; nothing was appended.
    #[error("the email or username belongs to another account")]
    Taken,
    /// The reset code is wrong, expired or used, or none was sent to this email.
    #[error("the reset code is not valid")]
    InvalidResetCode,
    /// `InvalidCredentials`: the old password is wrong (counted toward the lockout); `Locked`.
    #[error(transparent)]
    SignIn(#[from] SignInError),
    #[error(transparent)]
    Password(#[from] PasswordError),
}

impl SignInFlow {
    /// Apply `edit`: the old password is checked first, in the account's turn (a wrong one counts
    /// toward the lockout, a locked account is refused); then every change and the new password
    /// are appended together. The account as it stands after.
    pub async fn edit_account(
        &self,
        (dialect, tenant): (Dialect, &str),
        edit: AccountEdit,
        request: Metadata,
    ) -> Result<User, AccountEditError> {
        let AccountEdit { user_id, session_id, mut changes, password } = edit;
        let now = self.clock.now();
        let metadata = stamped(request, dialect, tenant, format!("user:{user_id}"));
        let new_password = match password {
            Some((old, new)) => {
                self.check_password(user_id, old, now, &metadata).await?;
                let password_hash = self.services.passwords.hash(new.into_string()).await?;
                changes.push(UserCommand::ChangePassword { password_hash, reason: "change".into(), at: now });
                true
            }
            None => false,
        };
        let done = match self.services.users.change_all(user_id, &changes, &metadata).await {
            Err(CommandError::Claim { .. }) => return Err(AccountEditError::Taken),
            done => done.map_err(SignInError::User)?,
        };
        if new_password {
            self.end_sessions(user_id, Some(session_id), now, &metadata).await?;
        }
        Ok(done.state.as_ref().clone())
    }

    /// Set a new password with the reset code mailed to `email`; the code is spent. Every session
    /// of the account ends. The account's id.
    pub async fn reset_password(
        &self,
        (dialect, tenant): (Dialect, &str),
        (email, code): (&Email, &str),
        password: NewPassword,
        request: Metadata,
    ) -> Result<Uuid, AccountEditError> {
        let now = self.clock.now();
        let metadata = stamped(request, dialect, tenant, "reset-code".to_owned());
        let services = &self.services;
        if !services.codes.verify_reset_code(tenant, email, code, now, &metadata).await.map_err(SignInError::from)? {
            return Err(AccountEditError::InvalidResetCode);
        }
        // a code is sent only to an account's email; one whose email changed since is gone
        let (user_id, _) = services
            .users
            .email_account(tenant, email)
            .await
            .map_err(SignInError::from)?
            .ok_or(AccountEditError::InvalidResetCode)?;
        let metadata = stamped(metadata, dialect, tenant, format!("user:{user_id}"));
        let password_hash = services.passwords.hash(password.into_string()).await?;
        let command = UserCommand::ChangePassword { password_hash, reason: "reset".into(), at: now };
        services.users.change(user_id, command, &metadata).await.map_err(SignInError::User)?;
        self.end_sessions(user_id, None, now, &metadata).await?;
        Ok(user_id)
    }

    /// End every live session of `user_id` but `keep`.
    async fn end_sessions(
        &self,
        user_id: Uuid,
        keep: Option<Uuid>,
        now: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<(), SignInError> {
        let services = &self.services;
        for session in services.sessions.live_sessions(user_id).await? {
            if Some(session) != keep {
                services.logins.revoke(session, RevocationReason::PasswordChanged, now, metadata).await?;
            }
        }
        Ok(())
    }
}
