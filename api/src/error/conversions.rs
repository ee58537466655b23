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
            CommandError::Domain(
                e @ (UserError::AlreadyVerified(_)
                | UserError::NoPendingVerification(_)
                | UserError::VerificationPending(_)),
            ) => super::identity::refusal(e),
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

impl From<commands::partner_token::PartnerTokenError> for ApiError {
    fn from(e: commands::partner_token::PartnerTokenError) -> Self {
        use commands::id_token::IdTokenError;
        match e {
            commands::partner_token::PartnerTokenError::Token(IdTokenError::Invalid) => Self::InvalidToken,
            commands::partner_token::PartnerTokenError::Token(IdTokenError::Expired) => Self::ExpiredToken,
            commands::partner_token::PartnerTokenError::Token(IdTokenError::ProviderUnavailable) => {
                Self::IdentityProviderUnavailable
            }
            commands::partner_token::PartnerTokenError::Claim(why) => Self::InvalidTokenClaims(why),
        }
    }
}

impl From<commands::partner_users::PartnerIdentityError> for ApiError {
    fn from(e: commands::partner_users::PartnerIdentityError) -> Self {
        match e {
            commands::partner_users::PartnerIdentityError::EmailRequired => {
                Self::InvalidTokenClaims("the token names a new user and has no email claim".into())
            }
            commands::partner_users::PartnerIdentityError::Command(e) => e.into(),
            commands::partner_users::PartnerIdentityError::Store(e) => e.into(),
        }
    }
}

impl From<commands::passwords::PasswordError> for ApiError {
    fn from(e: commands::passwords::PasswordError) -> Self {
        Self::Internal(e.to_string())
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

impl From<commands::erasure::ErasureError> for ApiError {
    fn from(e: commands::erasure::ErasureError) -> Self {
        use commands::erasure::ErasureError;
        match e {
            ErasureError::Held(holds) => {
                Self::AccountHeld(holds.iter().map(|h| h.kind()).collect::<Vec<_>>().join(", "))
            }
            ErasureError::User(e) => e.into(),
            ErasureError::Login(e) => e.into(),
            ErasureError::Wallet(e) => e.into(),
            ErasureError::Links(e) => e.into(),
            ErasureError::Cards(e) => e.into(),
            ErasureError::Store(e) => e.into(),
        }
    }
}
