//! One error enum for every dialect. Each variant is declared once, below: its English text
//! (the coord `message` and the legacy `msg`), its status, its coord code (which the legacy
//! dialect shares), its suite code (whose localized messages are in `suite_codes`) and, where
//! the card-wallet API has its own, its legacy status. The dialect error files only format;
//! handlers only use `?`.
mod conversions;
mod declare;
mod identity;
mod links;
mod payments;
mod signin;
pub mod suite_codes;

pub use declare::Spec;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use declare::api_errors;
use domain::values::ValueError;

api_errors! {
    // the request itself
    #[error("{0}")]
    InvalidBody(String) => { status: BAD_REQUEST, coord: "invalid_body", suite: REQ400 },
    #[error("the request body must be JSON (Content-Type: application/json)")]
    UnsupportedMediaType => { status: UNSUPPORTED_MEDIA_TYPE, coord: "unsupported_media_type", suite: REQ415 },
    #[error("the request body is too large")]
    PayloadTooLarge => { status: PAYLOAD_TOO_LARGE, coord: "payload_too_large", suite: REQ413 },
    // `{0}`, not `transparent`: thiserror's `transparent` does not survive a macro's hygiene
    #[error("{0}")]
    InvalidValue(ValueError) => by value_spec,
    #[error("no such endpoint")]
    NotFound => { status: NOT_FOUND, coord: "not_found", suite: REQ404 },
    #[error("method not allowed on this endpoint")]
    MethodNotAllowed => { status: METHOD_NOT_ALLOWED, coord: "method_not_allowed", suite: REQ405 },
    #[error("too many attempts; retry in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 } => { status: TOO_MANY_REQUESTS, coord: "rate_limited", suite: REQ429 },

    // the caller: partner keys, tenants, access tokens and their sessions
    #[error("the access_key query parameter is required")]
    MissingAccessKey => { status: UNAUTHORIZED, coord: "missing_access_key", suite: A202 },
    #[error("the access_key is not valid")]
    UnknownAccessKey => { status: UNAUTHORIZED, coord: "invalid_access_key", suite: A202 },
    #[error("the server token is not valid for this partner")]
    InvalidServerToken => { status: FORBIDDEN, coord: "invalid_server_token", suite: A101 },
    #[error("an Authorization: Bearer token is required")]
    MissingToken => { status: UNAUTHORIZED, coord: "missing_token", suite: A202 },
    #[error("the bearer token is malformed")]
    MalformedToken => { status: UNAUTHORIZED, coord: "malformed_token", suite: A202 },
    #[error("the bearer token has expired")]
    ExpiredToken => { status: UNAUTHORIZED, coord: "expired_token", suite: A203 },
    #[error("the bearer token is not valid")]
    InvalidToken => { status: UNAUTHORIZED, coord: "invalid_token", suite: A202 },
    #[error("the bearer token's claims cannot be taken: {0}")]
    InvalidTokenClaims(String) => { status: UNAUTHORIZED, coord: "invalid_claims", suite: A202 },
    #[error("the bearer token was issued to another partner")]
    ForeignToken => { status: FORBIDDEN, coord: "foreign_token", suite: A101 },
    #[error("no such tenant")]
    UnknownTenant => { status: NOT_FOUND, coord: "unknown_tenant", suite: T404 },
    #[error("the token was issued for another tenant")]
    OtherTenant => { status: FORBIDDEN, coord: "other_tenant", suite: A101 },
    #[error("the session of this token has ended; sign in again")]
    SessionEnded => { status: UNAUTHORIZED, coord: "session_ended", suite: A204 },
    #[error("the request signature is missing, wrong, stale or used before")]
    InvalidSignature => { status: UNAUTHORIZED, coord: "invalid_signature", suite: A213 },

    // sign-in: passwords, refresh tokens, codes, two factors
    #[error("the email or password is wrong")]
    InvalidCredentials => { status: UNAUTHORIZED, coord: "invalid_credentials", suite: A201 },
    #[error("the account is locked after repeated failed sign-ins; retry in {retry_after_secs} s")]
    AccountLocked { retry_after_secs: u64 } => { status: FORBIDDEN, coord: "account_locked", suite: U131 },
    // OAuth answers a bad or spent grant with 400 (`invalid_grant`)
    #[error("the refresh token is not valid")]
    InvalidRefreshToken => {
        status: UNAUTHORIZED, coord: "invalid_refresh_token", suite: A205, legacy: BAD_REQUEST,
    },
    #[error("the refresh token was already used; the session has been revoked")]
    RefreshTokenReused => {
        status: UNAUTHORIZED, coord: "refresh_token_reused", suite: A206, legacy: BAD_REQUEST,
    },
    // the legacy OTP endpoints answer a wrong code with 403
    #[error("the two-factor code is not valid")]
    InvalidCode => { status: UNAUTHORIZED, coord: "invalid_code", suite: A207, legacy: FORBIDDEN },
    #[error("a code was sent moments ago; retry in {retry_after_secs} s")]
    CodeCooldown { retry_after_secs: u64 } => { status: TOO_MANY_REQUESTS, coord: "code_cooldown", suite: U401 },
    #[error("two-factor sign-in is on already")]
    TotpAlreadyEnabled => { status: CONFLICT, coord: "two_factor_enabled", suite: A208 },
    #[error("ask for a two-factor secret first")]
    NoPendingTotpSecret => { status: CONFLICT, coord: "no_pending_two_factor_secret", suite: A209 },
    #[error("the mfaToken is not valid or has expired; sign in again")]
    InvalidMfaToken => { status: UNAUTHORIZED, coord: "invalid_mfa_token", suite: A210 },
    #[error("two-factor sign-in is on for this account: send a current code as otpToken")]
    TwoFactorRequired => { status: UNAUTHORIZED, coord: "two_factor_required", suite: A207, legacy: FORBIDDEN },
    // legacy answers a bad code with 403, as its OTP routes do
    #[error("the reset code is wrong, has expired or was used")]
    InvalidResetCode => { status: BAD_REQUEST, coord: "invalid_code", suite: U402, legacy: FORBIDDEN },

    // sign-in with an identity provider's ID token
    #[error("the ID token is not valid (signature, issuer, audience, expiry or nonce)")]
    InvalidIdToken => { status: UNAUTHORIZED, coord: "invalid_id_token", suite: A211 },
    #[error("this tenant has no such identity provider")]
    UnknownIdentityProvider => { status: BAD_REQUEST, coord: "unknown_identity_provider", suite: A212 },
    #[error("the identity provider's keys cannot be fetched; retry later")]
    IdentityProviderUnavailable => {
        status: SERVICE_UNAVAILABLE, coord: "identity_provider_unavailable", suite: SRV503_1,
    },
    #[error("the ID token carries no verified email; sign up with social-sign-up and an email")]
    IdentityWithoutEmail => { status: BAD_REQUEST, coord: "identity_without_email", suite: U130_3 },

    // accounts
    #[error("the password must be 8 to 128 characters long")]
    WeakPassword => { status: BAD_REQUEST, coord: "weak_password", suite: U101 },
    // the card-wallet API's own statuses and texts for a password change
    #[error("when updating the password, it need a new one")]
    NewPasswordMissing => { status: BAD_REQUEST, coord: "new_password_required", suite: REQ400, legacy: FORBIDDEN },
    #[error("when updating the password, the old one is false")]
    WrongOldPassword => { status: UNAUTHORIZED, coord: "wrong_password", suite: A201, legacy: NOT_ACCEPTABLE },
    #[error("a user with this email already exists")]
    UserExists => { status: CONFLICT, coord: "user_exists", suite: U102 },
    #[error("{0}")]
    Conflict(String) => { status: CONFLICT, coord: "conflict", suite: U102 },
    #[error("the user of this token does not exist")]
    UnknownUser => { status: NOT_FOUND, coord: "unknown_user", suite: U106 },
    #[error("no user account where found")]
    NoAccount => { status: NOT_FOUND, coord: "unknown_user", suite: U106 },

    // the profile
    #[error("{0} cannot be changed")]
    ReadOnlyField(String) => { status: FORBIDDEN, coord: "read_only_field", suite: U120 },
    #[error("an email address or a phone number must be set")]
    NeedEmailOrPhone => { status: BAD_REQUEST, coord: "email_or_phone_required", suite: U130_2 },
    #[error("the person is younger than {0}")]
    TooYoung(u32) => { status: BAD_REQUEST, coord: "too_young", suite: U132 },
    #[error("the birth date would make the person older than {0}")]
    TooOld(u32) => { status: BAD_REQUEST, coord: "too_old", suite: U133 },
    #[error("the email of this account comes from its identity provider and cannot be changed here")]
    EmailNotChangeable => { status: FORBIDDEN, coord: "email_not_changeable", suite: U140 },
    #[error("another account uses this email")]
    EmailTaken => { status: CONFLICT, coord: "email_taken", suite: U141 },
    #[error("another account uses this phone number")]
    PhoneTaken => { status: CONFLICT, coord: "phone_taken", suite: U102 },
    // the card-wallet API refuses to delete an account with holds with 403
    #[error("permission denied: the account has holds ({0})")]
    AccountHeld(String) => { status: CONFLICT, coord: "account_held", suite: U134, legacy: FORBIDDEN },
    #[error("no branch serves this position or answers to this hint")]
    NoBranch => { status: NOT_FOUND, coord: "no_branch", suite: B404 },
    #[error("the account has no phone number to verify")]
    NoPhoneToVerify => { status: BAD_REQUEST, coord: "no_phone_number", suite: U301 },
    #[error("the verification code is wrong or has expired")]
    WrongPhoneCode => { status: BAD_REQUEST, coord: "invalid_verification_code", suite: U302 },
    #[error("the email confirmation code is wrong or has expired")]
    WrongEmailCode => { status: BAD_REQUEST, coord: "invalid_verification_code", suite: U402 },

    // identity verification (the suite's U5xx)
    #[error("the verification type must be LICENSE or ID")]
    UnknownVerificationType => { status: BAD_REQUEST, coord: "invalid_verification_type", suite: U501 },
    #[error("{0}")]
    InvalidVerificationReturnUrl(String) => { status: BAD_REQUEST, coord: "invalid_return_url", suite: U502 },
    #[error("the {0} verification is done already")]
    AlreadyVerified(String) => { status: CONFLICT, coord: "already_verified", suite: U503 },
    #[error("{0}")]
    NoPendingVerification(String) => { status: CONFLICT, coord: "no_pending_verification", suite: U504 },
    #[error("the identity-verification provider failed: {0}")]
    VerificationProviderFailed(String) => { status: BAD_GATEWAY, coord: "verification_provider_error", suite: U505 },

    // payments: the wallet's rules, the provider's answers, idempotency keys
    #[error("the user doesn't have any default card")]
    NoDefaultCard => { status: NOT_FOUND, coord: "no_default_card", suite: P104 },
    #[error("the user has no such card")]
    CardNotFound => { status: NOT_FOUND, coord: "card_not_found", suite: P104 },
    #[error("the user has no such subscription")]
    SubscriptionNotFound => { status: NOT_FOUND, coord: "subscription_not_found", suite: P104 },
    #[error("the user must have one card active when having a subscription")]
    LastCardWithSubscription => { status: FORBIDDEN, coord: "last_card_with_subscription", suite: P104 },
    #[error("the user has no card to charge")]
    NoCardToCharge => { status: CONFLICT, coord: "no_card", suite: P104 },
    #[error("{0}")]
    InvalidPayment(String) => { status: BAD_REQUEST, coord: "invalid_payment", suite: P102 },
    // the card-wallet API answered every provider failure with 500; a refused card or an unknown
    // token is the client's to fix, so here it is a 4xx with the reason, as in the other dialects
    #[error("{0}")]
    CardDeclined(String) => { status: PAYMENT_REQUIRED, coord: "card_declined", suite: P101 },
    #[error("{0}")]
    InvalidCardToken(String) => { status: BAD_REQUEST, coord: "invalid_card_token", suite: P102 },
    #[error("the payment provider failed: {0}")]
    PaymentProviderFailed(String) => { status: BAD_GATEWAY, coord: "payment_provider_error", suite: P103 },
    #[error("stripe_info is not available for test users")]
    TestUserRefused => { status: FORBIDDEN, coord: "test_user", suite: A101 },
    #[error("the Idempotency-Key header must be 1 to 255 visible ASCII characters")]
    InvalidIdempotencyKey => { status: BAD_REQUEST, coord: "invalid_idempotency_key", suite: REQ400 },
    #[error("the Idempotency-Key was used with another request")]
    IdempotencyKeyReused => { status: UNPROCESSABLE_ENTITY, coord: "idempotency_key_reused", suite: REQ422 },
    #[error("a request with this Idempotency-Key is still running; retry later")]
    IdempotencyKeyInUse => { status: CONFLICT, coord: "idempotency_key_in_use", suite: REQ409 },

    // transactable systems and account linking (the legacy texts are the card-wallet API's)
    #[error("the tenant has no such transactable system")]
    UnknownSystem => { status: BAD_REQUEST, coord: "unknown_system", suite: REQ400 },
    #[error("invalid parameters or provider isn't implemented")]
    UnknownProvider => { status: BAD_REQUEST, coord: "unknown_system", suite: REQ400 },
    #[error("the system does not require account linking to be transactable")]
    SystemNotLinkable => { status: BAD_REQUEST, coord: "system_not_linkable", suite: REQ400 },
    #[error("the system needs more information about the user first: {0}")]
    LinkRequirementsMissing(String) => { status: BAD_REQUEST, coord: "requirements_missing", suite: REQ400 },
    #[error("the user already have this provider")]
    AlreadyLinked => { status: FORBIDDEN, coord: "already_linked", suite: A101 },
    #[error("the provider isn't enabled")]
    NotLinked => { status: FORBIDDEN, coord: "not_linked", suite: A101 },
    #[error("this method works for test users (a test JWT) only")]
    TestUsersOnly => { status: FORBIDDEN, coord: "test_users_only", suite: A101 },
    #[error("the {0} query parameter is required")]
    MissingParameter(&'static str) => { status: BAD_REQUEST, coord: "missing_parameter", suite: REQ400 },
    #[error("{0}")]
    InvalidReturnUrl(String) => { status: BAD_REQUEST, coord: "invalid_return_url", suite: REQ400 },
    #[error("the consent form has expired or was used already; open the link page again")]
    InvalidLinkState => { status: BAD_REQUEST, coord: "invalid_link_state", suite: REQ400 },

    // the service
    #[error("the service is busy; retry the request")]
    Busy => { status: SERVICE_UNAVAILABLE, coord: "busy", suite: SRV503 },
    #[error("the service is unavailable; retry in {retry_after_secs} s")]
    Unavailable { retry_after_secs: u64 } => { status: SERVICE_UNAVAILABLE, coord: "unavailable", suite: SRV503_3 },
    #[error("the request took too long and was cancelled; retry it")]
    DeadlineExceeded => { status: SERVICE_UNAVAILABLE, coord: "deadline_exceeded", suite: SRV503_2 },
    #[error("the request body did not arrive in time")]
    BodyTimeout => { status: REQUEST_TIMEOUT, coord: "request_timeout", suite: REQ408 },
    #[error("internal error")]
    Internal(String) => { status: INTERNAL_SERVER_ERROR, coord: "internal_error", suite: SRV500 },
}

/// The codes of an invalid value: which value failed decides them.
fn value_spec(value: &ValueError) -> Spec {
    use suite_codes::{REQ400, U101, U111, U130_3, U130_4, U130_5, U130_6, U130_7, U135, U136, U137, U138};
    let (coord, suite) = match value {
        ValueError::InvalidEmail => ("invalid_email", &U130_3),
        ValueError::InvalidPhoneNumber => ("invalid_phone_number", &U130_4),
        ValueError::InvalidExternalUid => ("invalid_external_uid", &REQ400),
        ValueError::InvalidPlateText | ValueError::InvalidPlateCountry | ValueError::InvalidPlateSubdivision => {
            ("invalid_license_plate", &REQ400)
        }
        ValueError::InvalidLanguage => ("invalid_language", &REQ400),
        ValueError::InvalidCountry => ("invalid_country", &U111),
        ValueError::InvalidBirthDate => ("invalid_birth_date", &U130_7),
        ValueError::InvalidFirstName => ("invalid_first_name", &U130_5),
        ValueError::InvalidLastName => ("invalid_last_name", &U130_6),
        ValueError::AddressIncomplete(part) => {
            let suite = match *part {
                "street" => &U135,
                "zip" => &U136,
                "city" => &U137,
                _ => &U138,
            };
            ("incomplete_address", suite)
        }
        ValueError::InvalidAddress | ValueError::InvalidCustomProperties => ("invalid_body", &REQ400),
        // not reached: `From<ValueError>` turns it into `ApiError::WeakPassword`
        ValueError::WeakPassword => ("weak_password", &U101),
    };
    Spec { status: StatusCode::BAD_REQUEST, coord, suite, legacy_status: StatusCode::BAD_REQUEST }
}

/// The `Retry-After` of `Unavailable`: about what a database restart or failover takes.
pub const UNAVAILABLE_RETRY_AFTER_SECS: u64 = 5;

impl ApiError {
    /// The database cannot be reached, or gave no connection in time.
    pub fn unavailable() -> Self {
        Self::Unavailable { retry_after_secs: UNAVAILABLE_RETRY_AFTER_SECS }
    }

    /// Seconds a client should wait before retrying (`Retry-After`), for errors that have one.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Self::RateLimited { retry_after_secs }
            | Self::AccountLocked { retry_after_secs }
            | Self::CodeCooldown { retry_after_secs }
            | Self::Unavailable { retry_after_secs } => Some(*retry_after_secs),
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

    /// What was wrong with the request, in English, for the dialects whose message is generic.
    pub fn detail(&self) -> Option<String> {
        match self {
            Self::InvalidBody(detail) => Some(detail.clone()),
            Self::InvalidValue(value) => Some(value.to_string()),
            _ => None,
        }
    }

    /// A dialect's error body with `status`, and `Retry-After` when the error has one.
    pub fn respond(&self, status: StatusCode, body: impl serde::Serialize) -> Response {
        let mut response = (status, Json(body)).into_response();
        if let Some(secs) = self.retry_after() {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        response
    }
}
