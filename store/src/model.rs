//! What goes into the store and what comes out of it.
use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// An event about to be appended. The store stamps its position, version, time and hash.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub event_id: Uuid,
    pub event_type: String,
    pub schema_version: i32,
    pub payload: Value,
}

/// Who caused an append and through which door; stored once per event. Correlation and
/// causation ids are also columns so auditors can follow one request across streams.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Metadata {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dialect: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    #[serde(skip)]
    pub correlation_id: Option<String>,
    #[serde(skip)]
    pub causation_id: Option<String>,
}

/// A unique claim taken or released in the append transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimOp {
    Take {
        scope: String,
        value: String,
    },
    Release {
        scope: String,
        value: String,
    },
    /// Release every claim the stream holds (an erased user's email, username, phone number,
    /// identities), without naming their values.
    ReleaseAll,
}

/// Everything one command appends, all or nothing.
#[derive(Debug, Clone)]
pub struct AppendRequest {
    pub stream_id: String,
    pub stream_type: String,
    /// The stream version the command was decided on (0 = the stream must not exist yet).
    pub expected_version: i64,
    pub events: Vec<NewEvent>,
    pub claims: Vec<ClaimOp>,
    pub metadata: Metadata,
}

/// A message to send after the append commits (transactional outbox).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    pub id: String,
    /// `email` or `sms`.
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
}

/// An outbox message waiting to be sent.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OutboxRow {
    pub id: String,
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub attempts: i32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appended {
    pub stream_version: i64,
    pub first_position: i64,
    pub last_position: i64,
}

/// A position in the global log. SQLite orders by position alone (`tx` is 0); PostgreSQL
/// orders by (transaction id, position) because positions are taken before commit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Checkpoint {
    pub tx: i64,
    pub position: i64,
}

/// An event exactly as stored: payload and metadata as their original JSON text.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    pub position: i64,
    pub tx: i64,
    pub event_id: String,
    pub stream_id: String,
    pub stream_type: String,
    pub stream_version: i64,
    pub event_type: String,
    pub schema_version: i32,
    pub payload: String,
    pub metadata: String,
    pub correlation_id: Option<String>,
    pub causation_id: Option<String>,
    pub recorded_at: DateTime<Utc>,
    pub hash: String,
}

impl StoredEvent {
    pub fn checkpoint(&self) -> Checkpoint {
        Checkpoint { tx: self.tx, position: self.position }
    }
}

/// An event as readers see it: payload parsed and upcast to the newest schema version.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedEvent {
    pub position: i64,
    pub tx: i64,
    pub event_id: String,
    pub stream_id: String,
    pub stream_type: String,
    pub stream_version: i64,
    pub event_type: String,
    pub schema_version: i32,
    pub payload: Value,
    pub metadata: Metadata,
    pub recorded_at: DateTime<Utc>,
}

impl RecordedEvent {
    pub fn checkpoint(&self) -> Checkpoint {
        Checkpoint { tx: self.tx, position: self.position }
    }
}

/// Timestamps are kept to the microsecond: what both engines store exactly, so the hash of an
/// event read back equals the hash computed at append.
pub fn now_micros() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

pub fn format_time(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}
