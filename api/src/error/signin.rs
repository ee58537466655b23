//! How the sign-in flow's refusals (sign-up, sign-in, refresh, codes, two factors, account
//! edits) become API errors.
use super::ApiError;
use commands::CommandError;

impl From<commands::login::LoginCommandError> for ApiError {
    fn from(e: commands::login::LoginCommandError) -> Self {
        match e {
            CommandError::Domain(_) => Self::SessionEnded,
            CommandError::Claim { .. } => Self::Internal("a login session took a claim".into()),
            CommandError::Contended(_) => Self::Busy,
            CommandError::Store(e) => e.into(),
        }
    }
}

impl From<commands::login::RefreshError> for ApiError {
    fn from(e: commands::login::RefreshError) -> Self {
        match e {
            commands::login::RefreshError::Invalid => Self::InvalidRefreshToken,
            commands::login::RefreshError::Reused => Self::RefreshTokenReused,
            commands::login::RefreshError::Command(e) => e.into(),
        }
    }
}

impl From<commands::twofactor::TwoFactorError> for ApiError {
    fn from(e: commands::twofactor::TwoFactorError) -> Self {
        match e {
            commands::twofactor::TwoFactorError::InvalidCode => Self::InvalidCode,
            commands::twofactor::TwoFactorError::Command(e) => e.into(),
        }
    }
}

impl From<commands::codes::CodeCommandError> for ApiError {
    fn from(e: commands::codes::CodeCommandError) -> Self {
        match e {
            CommandError::Domain(domain::code::CodeError::Cooldown { retry_after_secs }) => {
                Self::CodeCooldown { retry_after_secs }
            }
            CommandError::Domain(domain::code::CodeError::NoActiveCode) => Self::InvalidCode,
            CommandError::Claim { .. } => Self::Internal("a code took a claim".into()),
            CommandError::Contended(_) => Self::Busy,
            CommandError::Store(e) => e.into(),
        }
    }
}

impl From<commands::signin::SignUpError> for ApiError {
    /// A dialect whose answer to a taken email is its own maps `Taken` before this.
    fn from(e: commands::signin::SignUpError) -> Self {
        use commands::signin::SignUpError;
        match e {
            SignUpError::Taken => Self::UserExists,
            SignUpError::Password(e) => e.into(),
            SignUpError::User(e) => e.into(),
        }
    }
}

impl From<commands::signin::SignInError> for ApiError {
    fn from(e: commands::signin::SignInError) -> Self {
        use commands::signin::SignInError;
        match e {
            SignInError::InvalidCredentials => Self::InvalidCredentials,
            SignInError::InvalidCode => Self::InvalidCode,
            SignInError::Locked { retry_after_secs } => Self::AccountLocked { retry_after_secs },
            SignInError::InvalidMfaToken => Self::InvalidMfaToken,
            SignInError::TwoFactorRequired => Self::TwoFactorRequired,
            e @ SignInError::Unanswerable(_) => Self::Internal(e.to_string()),
            SignInError::Refresh(e) => e.into(),
            SignInError::Identity(e) => e.into(),
            SignInError::User(e) => e.into(),
            SignInError::Login(e) => e.into(),
            SignInError::Code(e) => e.into(),
            SignInError::TwoFactor(e) => e.into(),
            SignInError::Store(e) => e.into(),
            SignInError::Sign(e) => Self::Internal(e.to_string()),
        }
    }
}

impl From<commands::signin::AccountEditError> for ApiError {
    /// A dialect with its own answer to a taken email or username maps `Taken` before this.
    fn from(e: commands::signin::AccountEditError) -> Self {
        use commands::signin::{AccountEditError, SignInError};
        match e {
            AccountEditError::Taken => Self::Conflict("the email or username belongs to another account".into()),
            AccountEditError::InvalidResetCode => Self::InvalidResetCode,
            AccountEditError::SignIn(SignInError::InvalidCredentials) => Self::WrongOldPassword,
            AccountEditError::SignIn(e) => e.into(),
            AccountEditError::Password(e) => e.into(),
        }
    }
}
