//! What a login session's history amounts to, and how each event changes it.
use super::{LoginEvent, RevocationReason};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoginSession {
    pub(super) started: bool,
    pub(super) user_id: Option<Uuid>,
    pub(super) tenant_id: Option<String>,
    /// The dialect that opened the session; its refresh tokens work only there.
    #[serde(default)]
    pub(super) dialect: Option<String>,
    pub(super) test_user: bool,
    pub(super) expires_at: Option<DateTime<Utc>>,
    pub(super) revoked: Option<RevocationReason>,
    pub(super) head: Option<String>,
    pub(super) parent: Option<(String, DateTime<Utc>)>,
    pub(super) spent: Vec<String>,
    pub(super) generation: u32,
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

    /// `Aggregate::apply`: only mutates; every rule was checked when the event was decided.
    pub(super) fn evolve(&mut self, event: LoginEvent) {
        match event {
            LoginEvent::LoginSessionStarted {
                user_id,
                tenant_id,
                dialect,
                test_user,
                refresh_hash,
                expires_at,
                ..
            } => {
                self.started = true;
                self.dialect = Some(dialect);
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
