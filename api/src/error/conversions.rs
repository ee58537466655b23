//! How the write side's errors (commands, values, tokens, sign-in) become API errors.
use super::ApiError;
use axum::http::StatusCode;
use commands::CommandError;
use domain::user::UserError;
use domain::values::ValueError;

impl From<ValueError> for ApiError {
    fn from(e: ValueError) -> Self {
        match e {
            // the password rule answers as it always has: its own variant, suite code U101
            ValueError::WeakPassword => Self::WeakPassword,
            other => Self::InvalidValue(other),
        }
    }
}

impl From<CommandError<UserError>> for ApiError {
    fn from(e: CommandError<UserError>) -> Self {
        match e {
            CommandError::Domain(UserError::NotRegistered) => Self::UnknownUser,
            CommandError::Domain(e @ (UserError::AlreadyRegistered | UserError::ExternalUidConflict)) => {
                Self::Conflict(e.to_string())
            }
            CommandError::Domain(UserError::TotpAlreadyEnabled) => Self::TotpAlreadyEnabled,
            CommandError::Domain(UserError::NoPendingTotpSecret) => Self::NoPendingTotpSecret,
            CommandError::Domain(
                UserError::TotpNotEnabled | UserError::SecondFactorReplayed | UserError::PhoneNumberChanged,
            ) => Self::InvalidCode,
            CommandError::Domain(UserError::BirthDateInFuture) => Self::InvalidValue(ValueError::InvalidBirthDate),
            CommandError::Domain(UserError::TooYoung(age)) => Self::TooYoung(age),
            CommandError::Domain(UserError::NeedEmailOrPhone) => Self::NeedEmailOrPhone,
            CommandError::Domain(UserError::Held(holds)) => Self::AccountHeld(holds.join(", ")),
            CommandError::Domain(UserError::TooOld(age)) => Self::TooOld(age),
            CommandError::Claim { .. } => Self::Conflict("the email or external uid belongs to another user".into()),
            CommandError::Contended(_) => Self::Busy,
            CommandError::Store(e) => e.into(),
        }
    }
}

impl From<commands::StoreError> for ApiError {
    fn from(e: commands::StoreError) -> Self {
        if e.is_unavailable() {
            tracing::warn!(error = %e, "database unavailable");
            Self::unavailable()
        } else if e.is_transient() {
            Self::Busy
        } else {
            Self::Internal(e.to_string())
        }
    }
}

impl From<jsonwebtoken::errors::Error> for ApiError {
    fn from(e: jsonwebtoken::errors::Error) -> Self {
        Self::Internal(format!("token signing: {e}"))
    }
}

impl From<crate::tokens::TokenError> for ApiError {
    fn from(e: crate::tokens::TokenError) -> Self {
        match e {
            crate::tokens::TokenError::Malformed => Self::MalformedToken,
            crate::tokens::TokenError::Expired => Self::ExpiredToken,
            crate::tokens::TokenError::Invalid => Self::InvalidToken,
        }
    }
}

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

impl From<commands::user::IdentityError> for ApiError {
    fn from(e: commands::user::IdentityError) -> Self {
        match e {
            commands::user::IdentityError::Exists => Self::UserExists,
            commands::user::IdentityError::NoVerifiedEmail => Self::IdentityWithoutEmail,
            commands::user::IdentityError::Command(e) => e.into(),
            commands::user::IdentityError::Store(e) => e.into(),
        }
    }
}

impl From<commands::passwords::PasswordError> for ApiError {
    fn from(e: commands::passwords::PasswordError) -> Self {
        Self::Internal(e.to_string())
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

impl From<axum::extract::rejection::JsonRejection> for ApiError {
    /// Every dialect's JSON body extractor: one mapping of axum's rejections.
    fn from(rejection: axum::extract::rejection::JsonRejection) -> Self {
        use axum::extract::rejection::JsonRejection;
        match rejection {
            JsonRejection::MissingJsonContentType(_) => Self::UnsupportedMediaType,
            r if r.status() == StatusCode::PAYLOAD_TOO_LARGE => Self::PayloadTooLarge,
            r if crate::bounded::is_body_timeout(&r) => Self::BodyTimeout,
            r => Self::InvalidBody(r.body_text()),
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

impl From<commands::erasure::ErasureError> for ApiError {
    fn from(e: commands::erasure::ErasureError) -> Self {
        use commands::erasure::ErasureError;
        match e {
            ErasureError::Held(holds) => {
                use domain::wallet::Hold;
                let name = |h: &Hold| match h {
                    Hold::ActiveSubscription { .. } => "an active subscription",
                    Hold::UnpaidCharge { .. } => "an unpaid charge",
                };
                let names: Vec<&str> = holds.iter().map(name).collect();
                Self::AccountHeld(names.join(", "))
            }
            ErasureError::User(e) => e.into(),
            ErasureError::Login(e) => e.into(),
            ErasureError::Wallet(e) => e.into(),
            ErasureError::Store(e) => e.into(),
        }
    }
}
