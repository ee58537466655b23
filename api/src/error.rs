//! One error enum for every dialect. Each dialect's body format is mapped in one place
//! (`coord::error`); handlers only use `?`.
use axum::http::StatusCode;
use commands::CommandError;
use domain::user::UserError;
use domain::values::ValueError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("the access_key query parameter is required")]
    MissingAccessKey,
    #[error("the access_key is not valid")]
    UnknownAccessKey,
    #[error("an Authorization: Bearer token is required")]
    MissingToken,
    #[error("the bearer token is malformed")]
    MalformedToken,
    #[error("the bearer token has expired")]
    ExpiredToken,
    #[error("the bearer token is not valid")]
    InvalidToken,
    #[error("the bearer token was issued to another partner")]
    ForeignToken,
    #[error("{0}")]
    InvalidBody(String),
    #[error("the request body must be JSON (Content-Type: application/json)")]
    UnsupportedMediaType,
    #[error("the request body is too large")]
    PayloadTooLarge,
    #[error(transparent)]
    InvalidValue(#[from] ValueError),
    #[error("the user of this token does not exist")]
    UnknownUser,
    #[error("no user account where found")]
    NoAccount,
    #[error("{0}")]
    Conflict(String),
    #[error("no such endpoint")]
    NotFound,
    #[error("method not allowed on this endpoint")]
    MethodNotAllowed,
    #[error("the email or password is wrong")]
    InvalidCredentials,
    #[error("the server token is not valid for this partner")]
    InvalidServerToken,
    #[error("the password must be 8 to 128 characters long")]
    WeakPassword,
    #[error("a user with this email already exists")]
    UserExists,
    #[error("no such tenant")]
    UnknownTenant,
    #[error("the token was issued for another tenant")]
    OtherTenant,
    #[error("the session of this token has ended; sign in again")]
    SessionEnded,
    #[error("the refresh token is not valid")]
    InvalidRefreshToken,
    #[error("the refresh token was already used; the session has been revoked")]
    RefreshTokenReused,
    #[error("too many attempts; retry in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    #[error("the account is locked after repeated failed sign-ins; retry in {retry_after_secs} s")]
    AccountLocked { retry_after_secs: u64 },
    #[error("the two-factor code is not valid")]
    InvalidCode,
    #[error("two-factor sign-in is on already")]
    TotpAlreadyEnabled,
    #[error("ask for a two-factor secret first")]
    NoPendingTotpSecret,
    #[error("the mfaToken is not valid or has expired; sign in again")]
    InvalidMfaToken,
    #[error("the ID token is not valid (signature, issuer, audience, expiry or nonce)")]
    InvalidIdToken,
    #[error("this tenant has no such identity provider")]
    UnknownIdentityProvider,
    #[error("the identity provider's keys cannot be fetched; retry later")]
    IdentityProviderUnavailable,
    #[error("the ID token carries no verified email; sign up with social-sign-up and an email")]
    IdentityWithoutEmail,
    #[error("the request signature is missing, wrong, stale or used before")]
    InvalidSignature,
    #[error("a code was sent moments ago; retry in {retry_after_secs} s")]
    CodeCooldown { retry_after_secs: u64 },
    #[error("the service is busy; retry the request")]
    Busy,
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    /// HTTP status and the stable, documented error code.
    pub fn kind(&self) -> (StatusCode, &'static str) {
        use ApiError::*;
        match self {
            MissingAccessKey => (StatusCode::UNAUTHORIZED, "missing_access_key"),
            UnknownAccessKey => (StatusCode::UNAUTHORIZED, "invalid_access_key"),
            MissingToken => (StatusCode::UNAUTHORIZED, "missing_token"),
            MalformedToken => (StatusCode::UNAUTHORIZED, "malformed_token"),
            ExpiredToken => (StatusCode::UNAUTHORIZED, "expired_token"),
            InvalidToken => (StatusCode::UNAUTHORIZED, "invalid_token"),
            ForeignToken => (StatusCode::FORBIDDEN, "foreign_token"),
            InvalidBody(_) => (StatusCode::BAD_REQUEST, "invalid_body"),
            UnsupportedMediaType => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
            PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            InvalidValue(v) => (StatusCode::BAD_REQUEST, value_code(v)),
            UnknownUser | NoAccount => (StatusCode::NOT_FOUND, "unknown_user"),
            Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            NotFound => (StatusCode::NOT_FOUND, "not_found"),
            MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            InvalidCredentials => (StatusCode::UNAUTHORIZED, "invalid_credentials"),
            InvalidServerToken => (StatusCode::FORBIDDEN, "invalid_server_token"),
            WeakPassword => (StatusCode::BAD_REQUEST, "weak_password"),
            UserExists => (StatusCode::CONFLICT, "user_exists"),
            UnknownTenant => (StatusCode::NOT_FOUND, "unknown_tenant"),
            OtherTenant => (StatusCode::FORBIDDEN, "other_tenant"),
            SessionEnded => (StatusCode::UNAUTHORIZED, "session_ended"),
            InvalidRefreshToken => (StatusCode::UNAUTHORIZED, "invalid_refresh_token"),
            RefreshTokenReused => (StatusCode::UNAUTHORIZED, "refresh_token_reused"),
            RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            AccountLocked { .. } => (StatusCode::FORBIDDEN, "account_locked"),
            InvalidCode => (StatusCode::UNAUTHORIZED, "invalid_code"),
            TotpAlreadyEnabled => (StatusCode::CONFLICT, "two_factor_enabled"),
            NoPendingTotpSecret => (StatusCode::CONFLICT, "no_pending_two_factor_secret"),
            InvalidMfaToken => (StatusCode::UNAUTHORIZED, "invalid_mfa_token"),
            InvalidIdToken => (StatusCode::UNAUTHORIZED, "invalid_id_token"),
            UnknownIdentityProvider => (StatusCode::BAD_REQUEST, "unknown_identity_provider"),
            IdentityProviderUnavailable => (StatusCode::SERVICE_UNAVAILABLE, "identity_provider_unavailable"),
            IdentityWithoutEmail => (StatusCode::BAD_REQUEST, "identity_without_email"),
            InvalidSignature => (StatusCode::UNAUTHORIZED, "invalid_signature"),
            CodeCooldown { .. } => (StatusCode::TOO_MANY_REQUESTS, "code_cooldown"),
            Busy => (StatusCode::SERVICE_UNAVAILABLE, "busy"),
            Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal_error"),
        }
    }

    /// Seconds a client should wait before retrying (`Retry-After`), for errors that have one.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Self::RateLimited { retry_after_secs }
            | Self::AccountLocked { retry_after_secs }
            | Self::CodeCooldown { retry_after_secs } => Some(*retry_after_secs),
            _ => None,
        }
    }

    /// The message shown to clients; internal details stay in the log.
    pub fn public_message(&self) -> String {
        match self {
            Self::Internal(detail) => {
                tracing::error!(error = %detail, "request failed");
                "internal error".to_owned()
            }
            other => other.to_string(),
        }
    }
}

fn value_code(v: &ValueError) -> &'static str {
    match v {
        ValueError::InvalidEmail => "invalid_email",
        ValueError::InvalidPhoneNumber => "invalid_phone_number",
        ValueError::InvalidExternalUid => "invalid_external_uid",
        ValueError::InvalidPlateText | ValueError::InvalidPlateCountry | ValueError::InvalidPlateSubdivision => {
            "invalid_license_plate"
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
            CommandError::Domain(UserError::TotpNotEnabled | UserError::SecondFactorReplayed) => Self::InvalidCode,
            CommandError::Claim { .. } => Self::Conflict("the email or external uid belongs to another user".into()),
            CommandError::Contended(_) => Self::Busy,
            CommandError::Store(e) => e.into(),
        }
    }
}

impl From<store::StoreError> for ApiError {
    fn from(e: store::StoreError) -> Self {
        if e.is_transient() { Self::Busy } else { Self::Internal(e.to_string()) }
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
            r => Self::InvalidBody(r.body_text()),
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
