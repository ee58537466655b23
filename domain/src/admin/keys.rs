//! Admin keys: created with a role, revoked for good.
use chrono::{DateTime, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a key may do. `operator`: change configuration; `auditor`: read the history and users'
/// state. The bootstrap key (`USERS_API_ADMIN_KEY`) holds both and is not an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdminRole {
    Operator,
    Auditor,
}

impl AdminRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Operator => "operator",
            Self::Auditor => "auditor",
        }
    }
}

impl std::str::FromStr for AdminRole {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "operator" => Ok(Self::Operator),
            "auditor" => Ok(Self::Auditor),
            other => Err(format!("unknown role {other:?}: operator or auditor")),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum AdminKeyCommand {
    Create { key_id: String, role: AdminRole, label: String, key_hash: String, at: DateTime<Utc> },
    Revoke { key_id: String, at: DateTime<Utc> },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdminKeyError {
    #[error("an admin key with this id exists")]
    KeyExists,
    #[error("no admin key with this id")]
    UnknownKey,
    #[error("the admin key is revoked already")]
    AlreadyRevoked,
    #[error("a label is 1 to 100 characters")]
    InvalidLabel,
}

/// One key as the history left it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminKey {
    pub role: AdminRole,
    pub label: String,
    pub key_hash: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Every admin key ever created, by id.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminKeys {
    keys: BTreeMap<String, AdminKey>,
}

impl AdminKeys {
    pub fn get(&self, key_id: &str) -> Option<&AdminKey> {
        self.keys.get(key_id)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum AdminKeyEvent {
    /// The key's secret is held only as its SHA-256 `key_hash`.
    AdminKeyCreated {
        key_id: String,
        role: AdminRole,
        label: String,
        key_hash: String,
        created_at: DateTime<Utc>,
    },
    AdminKeyRevoked {
        key_id: String,
        revoked_at: DateTime<Utc>,
    },
}

impl DomainEvent for AdminKeyEvent {
    fn event_type(&self) -> String {
        match self {
            Self::AdminKeyCreated { .. } => "AdminKeyCreated",
            Self::AdminKeyRevoked { .. } => "AdminKeyRevoked",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}

impl crate::HasClaims for AdminKeyEvent {
    fn claim_changes(&self) -> Vec<crate::ClaimChange> {
        Vec::new()
    }
}

impl Aggregate for AdminKeys {
    const TYPE: &'static str = super::KEYS_STREAM_TYPE;
    type Command = AdminKeyCommand;
    type Event = AdminKeyEvent;
    type Error = AdminKeyError;
    type Services = ();

    async fn handle(&mut self, command: AdminKeyCommand, _: &(), sink: &EventSink<Self>) -> Result<(), AdminKeyError> {
        match command {
            AdminKeyCommand::Create { key_id, role, label, key_hash, at } => {
                if self.keys.contains_key(&key_id) {
                    return Err(AdminKeyError::KeyExists);
                }
                let label = label.trim().to_owned();
                if label.is_empty() || label.chars().count() > 100 {
                    return Err(AdminKeyError::InvalidLabel);
                }
                sink.write(AdminKeyEvent::AdminKeyCreated { key_id, role, label, key_hash, created_at: at }, self)
                    .await;
            }
            AdminKeyCommand::Revoke { key_id, at } => {
                let key = self.keys.get(&key_id).ok_or(AdminKeyError::UnknownKey)?;
                if key.revoked_at.is_some() {
                    return Err(AdminKeyError::AlreadyRevoked);
                }
                sink.write(AdminKeyEvent::AdminKeyRevoked { key_id, revoked_at: at }, self).await;
            }
        }
        Ok(())
    }

    fn apply(&mut self, event: AdminKeyEvent) {
        match event {
            AdminKeyEvent::AdminKeyCreated { key_id, role, label, key_hash, created_at } => {
                self.keys.insert(key_id, AdminKey { role, label, key_hash, created_at, revoked_at: None });
            }
            AdminKeyEvent::AdminKeyRevoked { key_id, revoked_at } => {
                if let Some(key) = self.keys.get_mut(&key_id) {
                    key.revoked_at = Some(revoked_at);
                }
            }
        }
    }
}
