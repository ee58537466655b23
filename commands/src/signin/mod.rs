//! One sign-in flow for every dialect and every first factor.
//!
//! The flow checks the lock, checks the first factor, counts failures toward the lockout,
//! branches to a second factor when the account has one, opens the login session and signs the
//! token pair. The dialects only parse their requests, call it and format what it answers; the
//! rate limits stay at the edge, because they count per client address.
//!
//! Verifying an OpenID ID token stays at the edge for now (it needs the provider's keys): the
//! flow receives the verified identity.
mod factors;
mod flow;
mod gate;
mod one_step;
mod password_change;
mod proof;
mod reauth;
mod session;
mod signup;

pub use flow::{SignInFlow, SignInServices};
pub use password_change::{AccountEdit, AccountEditError};
pub use session::MfaTicket;
pub use signup::{PasswordSignUp, SignUpError};

use crate::codes::CodeCommandError;
use crate::login::{LoginCommandError, RefreshError};
use crate::ports::SignError;
use crate::twofactor::TwoFactorError;
use crate::user::{IdentityError, PartnerRef, UserCommandError, VerifiedIdentity};
use chrono::{DateTime, Duration, Utc};
use domain::user::LockoutPolicy;
use domain::values::{Email, ExternalUid, PhoneNumber};
use store::StoreError;
use uuid::Uuid;

/// Who asks: the dialect decides the tokens' audience and lifetime, whether a refresh token is
/// handed out, and is recorded with every event of the sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Partner-minted tokens (`create_jwt`): an hour, no refresh token.
    Coord,
    /// A person's own sign-in to a tenant: the tenant's lifetime, with a refresh token.
    Suite,
    /// The card-wallet API: an hour, with a refresh token that does not rotate.
    Legacy,
}

impl Dialect {
    pub const fn name(self) -> &'static str {
        match self {
            Self::Coord => "coord",
            Self::Suite => "suite",
            Self::Legacy => "legacy",
        }
    }

    /// The audience (`aud`) of the dialect's access tokens.
    pub const fn audience(self) -> &'static str {
        self.name()
    }

    /// Coord's partners mint a new token whenever they need one; the others refresh.
    const fn refreshes(self) -> bool {
        !matches!(self, Self::Coord)
    }

    /// Whether a refresh spends the token for a successor. The legacy client refreshes with the
    /// first token it was given, always: its token lasts as long as its session (ADR 0021).
    pub const fn rotates_refresh_tokens(self) -> bool {
        matches!(self, Self::Suite)
    }
}

/// The audience of API-client tokens (suite `sign-in-api-client`).
pub const CLIENT_AUDIENCE: &str = "suite-client";
/// The audience of mfaTokens: they open no door but the second-factor step.
pub const MFA_AUDIENCE: &str = "suite-mfa";
/// `azp` of tokens from a person's own sign-in (no partner or API client involved).
pub const APP_CLIENT: &str = "app";
/// An mfaToken is good for this long after the first factor was checked.
pub const MFA_TOKEN_LIFETIME: Duration = Duration::minutes(5);
/// Coord and legacy access tokens live an hour, as the original APIs document.
pub const HOUR_TOKEN_LIFETIME: Duration = Duration::minutes(60);

/// The rules of the flow that configuration sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignInPolicy {
    pub lockout: LockoutPolicy,
    /// Suite access-token lifetime for tenants that set none of their own.
    pub suite_token_lifetime: Duration,
}

/// What proves who is signing in.
#[derive(Debug, Clone)]
pub enum FirstFactor {
    /// Email and password as typed: an address that cannot exist still costs a password check,
    /// so the answer takes as long whether or not the account exists.
    Password { email: String, password: String },
    /// A username (any case) or an email, and the password (legacy's password grant); as
    /// `Password`, an unknown name costs a password check too.
    UsernamePassword { username: String, password: String },
    /// A one-time code sent to the email; a new address gets an account.
    EmailCode { email: Email, code: String },
    /// A one-time code sent by SMS; a new number gets an account.
    PhoneCode { phone: PhoneNumber, code: String },
    /// An ID token the edge verified against the provider's keys (`provider` is the tenant's
    /// name for it). `sign_up_only`: an identity that has an account already is refused.
    IdToken { provider: String, identity: VerifiedIdentity, sign_up_only: bool },
    /// A partner's backend vouches for its user (coord).
    Partner(PartnerVouches),
    /// The account this very request created (legacy `register`).
    NewAccount { user_id: Uuid },
}

/// A partner names its user, proven at the edge by the partner's server token, or by its access
/// key alone for a sandbox user (`test`).
#[derive(Debug, Clone)]
pub struct PartnerVouches {
    pub partner: PartnerRef,
    pub email: Email,
    pub external_uid: Option<ExternalUid>,
    pub test: bool,
}

/// A signed-in session's tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenPair {
    pub access_token: String,
    /// `None` for coord: partner-minted tokens are never refreshed.
    pub refresh_token: Option<String>,
    /// When the access token expires.
    pub expires_at: DateTime<Utc>,
    pub user_id: Uuid,
}

impl TokenPair {
    /// The refresh token of a dialect that hands one out.
    pub fn refresh_token(&self) -> Result<String, SignInError> {
        self.refresh_token.clone().ok_or(SignInError::Unanswerable("no refresh token"))
    }
}

/// The answer to a first factor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignedIn {
    Tokens(TokenPair),
    /// Two-factor sign-in is on: complete it with the mfaToken and a second factor.
    MfaRequired {
        mfa_token: String,
    },
}

impl SignedIn {
    /// The tokens, for a dialect without a second-factor step (coord, legacy): the accounts their
    /// factors prove are never asked for one.
    pub fn into_tokens(self) -> Result<TokenPair, SignInError> {
        match self {
            Self::Tokens(pair) => Ok(pair),
            Self::MfaRequired { .. } => Err(SignInError::Unanswerable("a second factor")),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// Wrong email or password, unknown API client or wrong key.
    #[error("the credentials are wrong")]
    InvalidCredentials,
    /// A wrong, expired or used one-time code or second factor.
    #[error("the code is not valid")]
    InvalidCode,
    #[error("the account is locked after repeated failed sign-ins; retry in {retry_after_secs} s")]
    Locked { retry_after_secs: u64 },
    /// The first factor was right, the account has TOTP on, and the dialect has no second step:
    /// the code must come with the first factor.
    #[error("two-factor sign-in is on: send a current code with the password")]
    TwoFactorRequired,
    /// Not an mfaToken of this tenant, expired, or spent.
    #[error("the mfaToken is not valid or has expired")]
    InvalidMfaToken,
    /// An answer the asking dialect cannot carry: a refresh token missing where one is handed
    /// out, a second factor asked where the dialect has no step for it. A bug, never the client's.
    #[error("a sign-in answer the dialect cannot carry: {0}")]
    Unanswerable(&'static str),
    #[error(transparent)]
    Refresh(#[from] RefreshError),
    #[error(transparent)]
    Identity(#[from] IdentityError),
    #[error(transparent)]
    User(#[from] UserCommandError),
    #[error(transparent)]
    Login(#[from] LoginCommandError),
    #[error(transparent)]
    Code(#[from] CodeCommandError),
    #[error(transparent)]
    TwoFactor(#[from] TwoFactorError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Sign(#[from] SignError),
}

/// True when `presented` is the partner key whose hash is `stored`. Constant time, and as much
/// work for an unknown partner (`None`): the compare must not tell how much of a guess was right,
/// nor whether the partner exists.
pub fn partner_key_matches(presented: &str, stored: Option<&str>) -> bool {
    let presented = crate::secret_hash(presented);
    // a hex hash never equals "-"
    subtle::ConstantTimeEq::ct_eq(presented.as_bytes(), stored.unwrap_or("-").as_bytes()).into()
}
