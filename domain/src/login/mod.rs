//! The LoginSession aggregate (`login-{session id}`): one signed-in device. Access tokens carry
//! its id as `sid`; a revoked session makes them fail on the next request. When the sign-in
//! flow hands out refresh tokens, the session holds the family as hashes: the current head, the
//! parent it was rotated from, and every spent ancestor.
use chrono::{DateTime, Duration, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::codec::HasClaims;

#[cfg(test)]
mod tests;

pub fn stream_id(session_id: Uuid) -> String {
    format!("login-{session_id}")
}

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
}

impl RevocationReason {
    /// The serialized name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignedOut => "signed_out",
            Self::RefreshTokenReused => "refresh_token_reused",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum LoginCommand {
    Start {
        session_id: Uuid,
        user_id: Uuid,
        tenant_id: String,
        /// The API client (partner) the session was opened through, if any.
        client_id: Option<String>,
        dialect: String,
        method: SignInMethod,
        test_user: bool,
        /// The hash of the first refresh token; `None` for flows without refresh.
        refresh_hash: Option<String>,
        expires_at: DateTime<Utc>,
        at: DateTime<Utc>,
    },
    /// Exchange a refresh token for its successor. `child_hash` is the hash of the successor
    /// derived from the presented token; the derivation is deterministic, so a retry with the
    /// immediate parent inside `grace` yields the current head again.
    Refresh {
        /// The tenant the token is presented to: a token of another tenant is as unknown there
        /// as a made-up one, and spending it there neither rotates nor revokes anything.
        tenant_id: String,
        presented_hash: String,
        child_hash: String,
        grace: Duration,
        at: DateTime<Utc>,
    },
    Revoke {
        reason: RevocationReason,
        at: DateTime<Utc>,
    },
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

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoginError {
    #[error("the session was already started")]
    AlreadyStarted,
    #[error("the session does not exist")]
    NotStarted,
    #[error("the session has been revoked")]
    Revoked,
    #[error("the session has expired")]
    Expired,
    #[error("the session hands out no refresh tokens")]
    NoRefreshToken,
    #[error("the refresh token is not valid")]
    UnknownRefreshToken,
    #[error("the session belongs to another tenant")]
    OtherTenant,
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoginSession {
    started: bool,
    user_id: Option<Uuid>,
    tenant_id: Option<String>,
    test_user: bool,
    expires_at: Option<DateTime<Utc>>,
    revoked: Option<RevocationReason>,
    head: Option<String>,
    parent: Option<(String, DateTime<Utc>)>,
    spent: Vec<String>,
    generation: u32,
}

impl LoginSession {
    pub fn user_id(&self) -> Option<Uuid> {
        self.user_id
    }

    pub fn tenant_id(&self) -> Option<&str> {
        self.tenant_id.as_deref()
    }

    /// Whether the session is a partner's sandbox user's (its access tokens say `test`).
    pub fn test_user(&self) -> bool {
        self.test_user
    }

    pub fn revoked(&self) -> Option<RevocationReason> {
        self.revoked
    }

    /// The hash of the refresh token that works now.
    pub fn current_refresh_hash(&self) -> Option<&str> {
        self.head.as_deref()
    }

    fn refresh(
        &self,
        tenant_id: &str,
        presented: String,
        child: String,
        grace: Duration,
        at: DateTime<Utc>,
    ) -> Result<Option<LoginEvent>, LoginError> {
        if !self.started {
            return Err(LoginError::NotStarted);
        }
        if self.tenant_id.as_deref() != Some(tenant_id) {
            return Err(LoginError::OtherTenant);
        }
        if self.revoked.is_some() {
            return Err(LoginError::Revoked);
        }
        if self.expires_at.is_some_and(|e| at >= e) {
            return Err(LoginError::Expired);
        }
        let head = self.head.as_ref().ok_or(LoginError::NoRefreshToken)?;
        if presented == *head {
            return Ok(Some(LoginEvent::RefreshTokenRotated {
                from_hash: presented,
                to_hash: child,
                generation: self.generation + 1,
                rotated_at: at,
            }));
        }
        if let Some((parent, rotated_at)) = &self.parent
            && *parent == presented
            && child == *head
            && at - *rotated_at <= grace
        {
            // a retry of the last rotation (lost response, two tabs): the same successor again
            return Ok(None);
        }
        if self.spent.contains(&presented) {
            return Ok(Some(LoginEvent::LoginSessionRevoked {
                reason: RevocationReason::RefreshTokenReused,
                revoked_at: at,
            }));
        }
        Err(LoginError::UnknownRefreshToken)
    }
}

impl Aggregate for LoginSession {
    const TYPE: &'static str = "login";
    type Command = LoginCommand;
    type Event = LoginEvent;
    type Error = LoginError;
    type Services = ();

    async fn handle(&mut self, command: LoginCommand, _: &(), sink: &EventSink<Self>) -> Result<(), LoginError> {
        let event = match command {
            LoginCommand::Start {
                session_id,
                user_id,
                tenant_id,
                client_id,
                dialect,
                method,
                test_user,
                refresh_hash,
                expires_at,
                at,
            } => {
                if self.started {
                    return Err(LoginError::AlreadyStarted);
                }
                Some(LoginEvent::LoginSessionStarted {
                    session_id,
                    user_id,
                    tenant_id,
                    client_id,
                    dialect,
                    method,
                    test_user,
                    refresh_hash,
                    expires_at,
                    started_at: at,
                })
            }
            LoginCommand::Refresh { tenant_id, presented_hash, child_hash, grace, at } => {
                self.refresh(&tenant_id, presented_hash, child_hash, grace, at)?
            }
            LoginCommand::Revoke { reason, at } => {
                if !self.started {
                    return Err(LoginError::NotStarted);
                }
                // revoking twice changes nothing
                self.revoked.is_none().then_some(LoginEvent::LoginSessionRevoked { reason, revoked_at: at })
            }
        };
        if let Some(event) = event {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: LoginEvent) {
        match event {
            LoginEvent::LoginSessionStarted { user_id, tenant_id, test_user, refresh_hash, expires_at, .. } => {
                self.started = true;
                self.user_id = Some(user_id);
                self.tenant_id = Some(tenant_id);
                self.test_user = test_user;
                self.expires_at = Some(expires_at);
                self.head = refresh_hash;
            }
            LoginEvent::RefreshTokenRotated { from_hash, to_hash, generation, rotated_at } => {
                self.spent.push(from_hash.clone());
                self.parent = Some((from_hash, rotated_at));
                self.head = Some(to_hash);
                self.generation = generation;
            }
            LoginEvent::LoginSessionRevoked { reason, .. } => self.revoked = Some(reason),
        }
    }
}
