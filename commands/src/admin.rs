//! The admin surface's commands and history reads: admin keys (created and revoked by the CLI),
//! the record of admin reads of user data, and a user's state at a past point of the log.
use crate::bus::{CommandBus, CommandError};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use cqrs_es::Aggregate as _;
use domain::EventCodec as _;
use domain::admin::{
    AdminKeyCommand, AdminKeyError, AdminKeys, AdminRead, AdminReadCommand, AdminReadError, AdminRole, KEYS_STREAM,
    read_stream_id,
};
use domain::user::{User, UserEvent, UserSnapshot};
use rand::RngCore as _;
use store::{Metadata, StoreError};
use uuid::Uuid;

/// The prefix of every admin key this service creates: `uak_{key id}_{secret}`.
pub const KEY_PREFIX: &str = "uak_";

/// A key as created: the plain key is shown once and never stored.
#[derive(Debug, Clone)]
pub struct CreatedKey {
    pub key_id: String,
    pub key: String,
}

/// Where in the log to stop when rebuilding a past state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PointInLog {
    /// Events at or before this global position.
    Position(i64),
    /// Events recorded at or before this time.
    Time(DateTime<Utc>),
    Now,
}

/// A user's state as it was, and the last event it includes.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PastUserState {
    pub user_id: Uuid,
    /// The stream version of the last event included (0: none yet at that point).
    pub version: i64,
    pub position: Option<i64>,
    pub recorded_at: Option<DateTime<Utc>>,
    pub state: UserSnapshot,
}

#[derive(Clone)]
pub struct AdminService {
    bus: CommandBus,
}

impl AdminService {
    pub fn new(bus: CommandBus) -> Self {
        Self { bus }
    }

    /// A new key of `role`: a UUID v7 id and 32 random bytes, base64url.
    pub async fn create_key(
        &self,
        role: AdminRole,
        label: &str,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<CreatedKey, CommandError<AdminKeyError>> {
        let key_id = Uuid::now_v7().simple().to_string();
        let mut secret = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut secret);
        let key = format!("{KEY_PREFIX}{key_id}_{}", URL_SAFE_NO_PAD.encode(secret));
        let command = AdminKeyCommand::Create {
            key_id: key_id.clone(),
            role,
            label: label.to_owned(),
            key_hash: crate::secret_hash(&key),
            at,
        };
        self.bus.execute::<AdminKeys>(KEYS_STREAM, command, &(), metadata).await?;
        Ok(CreatedKey { key_id, key })
    }

    pub async fn revoke_key(
        &self,
        key_id: &str,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<(), CommandError<AdminKeyError>> {
        let command = AdminKeyCommand::Revoke { key_id: key_id.to_owned(), at };
        self.bus.execute::<AdminKeys>(KEYS_STREAM, command, &(), metadata).await.map(|_| ())
    }

    /// Record that `key_id` read `action` (of `subject`, with `query`).
    pub async fn record_read(
        &self,
        key_id: &str,
        action: &str,
        subject: Option<String>,
        query: Option<String>,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<(), CommandError<AdminReadError>> {
        let command =
            AdminReadCommand::Record { key_id: key_id.to_owned(), action: action.to_owned(), subject, query, at };
        let stream = read_stream_id(Uuid::now_v7());
        self.bus.execute::<AdminRead>(&stream, command, &(), metadata).await.map(|_| ())
    }

    /// The user's state rebuilt from the events up to `point`; `None` when the user's stream has
    /// no event at all.
    pub async fn user_state(&self, user_id: Uuid, point: PointInLog) -> Result<Option<PastUserState>, StoreError> {
        let history = self.bus.store().read_stream(&domain::user::stream_id(user_id), 0).await?;
        if history.is_empty() {
            return Ok(None);
        }
        let mut user = User::default();
        let mut past = PastUserState { user_id, version: 0, position: None, recorded_at: None, state: user.snapshot() };
        for event in history {
            let included = match point {
                PointInLog::Position(position) => event.position <= position,
                PointInLog::Time(time) => event.recorded_at <= time,
                PointInLog::Now => true,
            };
            if !included {
                break;
            }
            user.apply(UserEvent::decode(&event.event_type, event.payload)?);
            (past.version, past.position, past.recorded_at) =
                (event.stream_version, Some(event.position), Some(event.recorded_at));
        }
        past.state = user.snapshot();
        Ok(Some(past))
    }
}
