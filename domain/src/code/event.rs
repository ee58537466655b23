//! The codes' events: a permanent contract (names, fields and serde names never change).
use crate::codec::HasClaims;
use chrono::{DateTime, Utc};
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum CodeEvent {
    OneTimeCodeIssued { code_hash: String, expires_at: DateTime<Utc>, issued_at: DateTime<Utc> },
    OneTimeCodeAttemptFailed { failed_at: DateTime<Utc> },
    OneTimeCodeConsumed { consumed_at: DateTime<Utc> },
}

impl DomainEvent for CodeEvent {
    fn event_type(&self) -> String {
        match self {
            Self::OneTimeCodeIssued { .. } => "OneTimeCodeIssued",
            Self::OneTimeCodeAttemptFailed { .. } => "OneTimeCodeAttemptFailed",
            Self::OneTimeCodeConsumed { .. } => "OneTimeCodeConsumed",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}

impl HasClaims for CodeEvent {}
