//! Login sessions and refresh tokens.
//!
//! A refresh token is `{session id}.{secret}`: the session id says which stream to load, the
//! 256-bit secret proves possession; only its SHA-256 hash is stored. The first secret of a
//! session is random. Each successor is derived from its parent with HMAC-SHA256 under a server
//! key, so a retry with the immediate parent (a lost response, two tabs refreshing at once)
//! yields the very same successor without storing it, while nobody without the key can compute
//! a successor from a stolen, spent token.
use crate::bus::{CommandBus, CommandError};
use crate::secret_hash;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use domain::login::{self, LoginCommand, LoginError, LoginEvent, LoginSession, RevocationReason, SignInMethod};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use std::sync::Arc;
use store::Metadata;
use uuid::Uuid;

pub type LoginCommandError = CommandError<LoginError>;

/// Session and refresh policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// How long a session (and so its refresh tokens) lives after sign-in.
    pub lifetime: Duration,
    /// How long the immediate parent of the current refresh token still yields the same successor.
    pub refresh_grace: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self { lifetime: Duration::days(30), refresh_grace: Duration::seconds(10) }
    }
}

/// Who is signing in, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignIn {
    pub user_id: Uuid,
    pub tenant_id: String,
    pub client_id: Option<String>,
    pub dialect: &'static str,
    pub method: SignInMethod,
    pub test_user: bool,
    /// Hand out a refresh token (suite, legacy), or not (coord's partner-minted tokens).
    pub with_refresh: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartedSession {
    pub session_id: Uuid,
    pub refresh_token: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refreshed {
    pub session_id: Uuid,
    pub refresh_token: String,
    /// Whose session it is, for the new access token.
    pub user_id: Uuid,
    pub test_user: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// Not a token this service issued, or its session is gone, revoked or expired.
    #[error("the refresh token is not valid")]
    Invalid,
    /// A spent token came back: the session has just been revoked.
    #[error("the refresh token was already used; the session has been revoked")]
    Reused,
    #[error(transparent)]
    Command(#[from] LoginCommandError),
}

#[derive(Clone)]
pub struct LoginService {
    bus: CommandBus,
    key: Arc<[u8; 32]>,
    policy: SessionPolicy,
}

impl LoginService {
    /// `key` derives refresh-token successors; every instance sharing a database needs the same.
    pub fn new(bus: CommandBus, key: [u8; 32], policy: SessionPolicy) -> Self {
        Self { bus, key: Arc::new(key), policy }
    }

    pub fn policy(&self) -> SessionPolicy {
        self.policy
    }

    #[tracing::instrument(skip_all, fields(user = %sign_in.user_id, method = sign_in.method.as_str()))]
    pub async fn start(
        &self,
        sign_in: SignIn,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<StartedSession, LoginCommandError> {
        let session_id = Uuid::now_v7();
        let refresh_token = sign_in.with_refresh.then(|| root_token(session_id));
        let command = LoginCommand::Start {
            session_id,
            user_id: sign_in.user_id,
            tenant_id: sign_in.tenant_id,
            client_id: sign_in.client_id,
            dialect: sign_in.dialect.to_owned(),
            method: sign_in.method,
            test_user: sign_in.test_user,
            refresh_hash: refresh_token.as_deref().map(secret_hash),
            expires_at: at + self.policy.lifetime,
            at,
        };
        self.bus.execute::<LoginSession>(&login::stream_id(session_id), command, &(), metadata).await?;
        Ok(StartedSession { session_id, refresh_token })
    }

    /// Spend `token`, presented to `tenant_id`, for its successor. Concurrent calls with the same
    /// token all get the same successor (the losers of the race find the token to be the head's
    /// parent). A token of another tenant, or
    /// presented through another dialect than the one that issued it, is `Invalid` and changes
    /// nothing. With `rotate` false the session's token is not spent: it comes back as its own
    /// successor, and nothing is appended ([ADR 0021](../../docs/adr/0021-legacy-refresh-tokens-do-not-rotate.md)).
    #[tracing::instrument(skip_all)]
    pub async fn refresh(
        &self,
        token: &str,
        (tenant_id, dialect, rotate): (&str, &str, bool),
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<Refreshed, RefreshError> {
        let session_id = session_of(token).ok_or(RefreshError::Invalid)?;
        let child = self.child_token(session_id, token).ok_or(RefreshError::Invalid)?;
        let command = LoginCommand::Refresh {
            tenant_id: tenant_id.to_owned(),
            dialect: dialect.to_owned(),
            presented_hash: secret_hash(token),
            child_hash: secret_hash(&child),
            grace: self.policy.refresh_grace,
            rotate,
            at,
        };
        match self.bus.execute::<LoginSession>(&login::stream_id(session_id), command, &(), metadata).await {
            Ok(done) if done.events.iter().any(|e| matches!(e, LoginEvent::LoginSessionRevoked { .. })) => {
                tracing::warn!(session = %session_id, "spent refresh token presented again: session revoked");
                Err(RefreshError::Reused)
            }
            Ok(done) => Ok(Refreshed {
                session_id,
                // the session's token now: the presented one when it was not spent
                refresh_token: if done.state.current_refresh_hash() == Some(secret_hash(token).as_str()) {
                    token.to_owned()
                } else {
                    child
                },
                user_id: done.state.user_id().ok_or(RefreshError::Invalid)?,
                test_user: done.state.test_user(),
            }),
            Err(CommandError::Domain(_)) => Err(RefreshError::Invalid),
            Err(e) => Err(e.into()),
        }
    }

    /// The live session whose current refresh token is `token` (secret and all), if any.
    pub async fn session_holding(&self, token: &str) -> Result<Option<(Uuid, LoginSession)>, store::StoreError> {
        let Some(session_id) = session_of(token) else { return Ok(None) };
        let (session, _) = self.bus.load::<LoginSession>(&login::stream_id(session_id)).await?;
        let holds = session.revoked().is_none() && session.current_refresh_hash() == Some(secret_hash(token).as_str());
        Ok(holds.then_some((session_id, session)))
    }

    /// End a session (logout). Ending an ended session changes nothing.
    pub async fn revoke(
        &self,
        session_id: Uuid,
        reason: RevocationReason,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<(), LoginCommandError> {
        let command = LoginCommand::Revoke { reason, at };
        self.bus.execute::<LoginSession>(&login::stream_id(session_id), command, &(), metadata).await?;
        Ok(())
    }

    /// HMAC accepts keys of any length, so this is `None` never in practice.
    fn child_token(&self, session_id: Uuid, parent: &str) -> Option<String> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.key.as_slice()).ok()?;
        mac.update(b"users-api refresh successor\0");
        mac.update(parent.as_bytes());
        Some(token(session_id, &mac.finalize().into_bytes()))
    }
}

fn root_token(session_id: Uuid) -> String {
    let mut secret = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    token(session_id, &secret)
}

fn token(session_id: Uuid, secret: &[u8]) -> String {
    format!("{}.{}", session_id.simple(), URL_SAFE_NO_PAD.encode(secret))
}

/// The session a refresh token belongs to, if it has the shape of one.
pub fn session_of(token: &str) -> Option<Uuid> {
    let (session, secret) = token.split_once('.')?;
    (secret.len() == 43 && URL_SAFE_NO_PAD.decode(secret).is_ok_and(|s| s.len() == 32))
        .then(|| Uuid::try_parse(session).ok())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_name_their_session_and_carry_256_random_bits() {
        let sid = Uuid::now_v7();
        let a = root_token(sid);
        let b = root_token(sid);
        assert_ne!(a, b);
        assert_eq!(session_of(&a), Some(sid));
        assert_eq!(a.len(), 32 + 1 + 43);
        assert_eq!(session_of("x.y"), None);
        assert_eq!(session_of(&format!("{}.short", sid.simple())), None);
        assert_eq!(session_of(&a.replace('.', "")), None);
    }
}
