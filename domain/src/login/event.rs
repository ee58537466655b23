//! The login session's events: a permanent contract (names, fields and serde names never change),
//! and the names of sign-in methods and revocation reasons they carry.
use crate::codec::HasClaims;
use chrono::{DateTime, Utc};
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// How the user signed in; kept for auditors and shown in session lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignInMethod {
    /// A partner backend minted the token (coord `create_jwt`).
    PartnerToken,
    /// A partner minted a sandbox token with its access key alone (coord `testing/create_jwt`).
    PartnerTestToken,
    EmailPassword,
    /// A one-time code sent by email.
    EmailCode,
    /// A one-time code sent by SMS.
    PhoneCode,
    /// An OpenID provider's ID token.
    IdToken,
    /// A first factor, then a TOTP or recovery code.
    TwoFactor,
}

impl SignInMethod {
    /// The serialized name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PartnerToken => "partner_token",
            Self::PartnerTestToken => "partner_test_token",
            Self::EmailPassword => "email_password",
            Self::EmailCode => "email_code",
            Self::PhoneCode => "phone_code",
            Self::IdToken => "id_token",
            Self::TwoFactor => "two_factor",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevocationReason {
    /// The user signed out (logout, revoke).
    SignedOut,
    /// A refresh token that had already been rotated was presented again, outside the grace
    /// for the immediate parent: someone else may hold the family, so all of it dies.
    RefreshTokenReused,
    /// The account's email was proven for the first time, and the credentials set before were
    /// removed: whoever signed in with them is signed out.
    CredentialsRemoved,
    /// The account was erased.
    AccountErased,
    /// The account's password was changed (every other session ends) or reset with a mailed
    /// code (every session ends).
    PasswordChanged,
}

impl RevocationReason {
    /// The serialized name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignedOut => "signed_out",
            Self::RefreshTokenReused => "refresh_token_reused",
            Self::CredentialsRemoved => "credentials_removed",
            Self::AccountErased => "account_erased",
            Self::PasswordChanged => "password_changed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum LoginEvent {
    LoginSessionStarted {
        session_id: Uuid,
        user_id: Uuid,
        tenant_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_id: Option<String>,
        dialect: String,
        method: SignInMethod,
        test_user: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        refresh_hash: Option<String>,
        expires_at: DateTime<Utc>,
        started_at: DateTime<Utc>,
    },
    RefreshTokenRotated {
        from_hash: String,
        to_hash: String,
        /// 1 for the first rotation.
        generation: u32,
        rotated_at: DateTime<Utc>,
    },
    LoginSessionRevoked {
        reason: RevocationReason,
        revoked_at: DateTime<Utc>,
    },
}

impl DomainEvent for LoginEvent {
    fn event_type(&self) -> String {
        match self {
            Self::LoginSessionStarted { .. } => "LoginSessionStarted",
            Self::RefreshTokenRotated { .. } => "RefreshTokenRotated",
            Self::LoginSessionRevoked { .. } => "LoginSessionRevoked",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}

impl HasClaims for LoginEvent {}
