//! A new account with an email and a password (suite sign-up, legacy register): one path for
//! both dialects, so the password is hashed and the account opened the same way.
use super::SignInFlow;
use crate::CommandError;
use crate::passwords::PasswordError;
use crate::user::{SignUp, UserCommandError};
use domain::user::Profile;
use domain::values::{Email, NewPassword};
use store::Metadata;
use uuid::Uuid;

/// Why no account was opened.
#[derive(Debug, thiserror::Error)]
pub enum SignUpError {
    /// The email (or another unique value of the profile) belongs to another account.
    #[error("the email or username belongs to another account")]
    Taken,
    #[error(transparent)]
    Password(#[from] PasswordError),
    #[error(transparent)]
    User(UserCommandError),
}

/// The account to open.
#[derive(Debug, Clone)]
pub struct PasswordSignUp {
    pub tenant_id: String,
    pub email: Email,
    pub password: NewPassword,
    pub profile: Profile,
    /// The API client signing the person up, if any.
    pub created_by: Option<String>,
}

impl SignInFlow {
    /// Hash the password (on the blocking pool) and open the account; its id.
    pub async fn sign_up_with_password(
        &self,
        request: PasswordSignUp,
        metadata: &Metadata,
    ) -> Result<Uuid, SignUpError> {
        let PasswordSignUp { tenant_id, email, password, profile, created_by } = request;
        let password_hash = self.services.passwords.hash(password.into_string()).await?;
        let sign_up = SignUp { tenant_id, email, password_hash, profile, created_by };
        match self.services.users.sign_up_with_email(sign_up, self.clock.now(), metadata).await {
            Ok(id) => Ok(id),
            Err(CommandError::Claim { .. }) => Err(SignUpError::Taken),
            Err(e) => Err(SignUpError::User(e)),
        }
    }
}
