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

/// `2026-12-03T22:07:38.123456Z`. Written out field by field (a rebuild formats a few times per
/// event, and `format` parses its pattern on every call); years outside 0..=9999 and leap seconds
/// take chrono's path, so the text is always exactly `format(TIME_FORMAT)`'s.
pub fn format_time(t: &DateTime<Utc>) -> String {
    use chrono::{Datelike as _, Timelike as _};
    let (year, nanos) = (t.year(), t.nanosecond());
    if !(0..=9999).contains(&year) || nanos >= 1_000_000_000 {
        return t.format(TIME_FORMAT).to_string();
    }
    let (month, day, hour, minute, second) = (t.month(), t.day(), t.hour(), t.minute(), t.second());
    format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{:06}Z", nanos / 1000)
}

const TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6fZ";

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod format_time_tests {
    use super::*;
    use chrono::{TimeZone as _, Timelike as _};

    #[test]
    fn writes_what_chrono_writes() {
        let times = [
            Utc.with_ymd_and_hms(2026, 12, 3, 22, 7, 38).single(),
            Utc.with_ymd_and_hms(1, 1, 1, 0, 0, 0).single(),
            Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).single(),
            Utc.with_ymd_and_hms(12026, 1, 1, 0, 0, 0).single(),
            Utc.with_ymd_and_hms(-5, 6, 7, 8, 9, 10).single(),
        ];
        for base in times.into_iter().flatten() {
            for nanos in [0, 1_000, 123_456_789, 999_999_999, 1_500_000_000] {
                let Some(t) = base.with_nanosecond(nanos) else { continue };
                assert_eq!(format_time(&t), t.format(TIME_FORMAT).to_string(), "{t:?}");
            }
        }
        assert_eq!(
            format_time(&Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).single().unwrap().with_nanosecond(7_000).unwrap()),
            "2026-01-02T03:04:05.000007Z"
        );
    }
}
