//! The account links' events: a permanent contract (names, fields and serde names never change).
use chrono::{DateTime, Utc};
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

/// How a link was made or ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkVia {
    /// The person approved it on the consent page of coord's `link_account`.
    Consent,
    /// A partner simulated it for a test user (`testing/user/current/transactable_systems`).
    Testing,
    /// The legacy dialect's `/api/users/integrations`.
    Integrations,
    /// The account was erased: every link ends with it.
    Erasure,
}

impl LinkVia {
    /// The name events and read models carry.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Consent => "consent",
            Self::Testing => "testing",
            Self::Integrations => "integrations",
            Self::Erasure => "erasure",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum AccountLinkEvent {
    AccountLinked { system_id: String, linked_at: DateTime<Utc>, via: LinkVia },
    AccountUnlinked { system_id: String, unlinked_at: DateTime<Utc>, via: LinkVia },
}

impl DomainEvent for AccountLinkEvent {
    fn event_type(&self) -> String {
        match self {
            Self::AccountLinked { .. } => "AccountLinked",
            Self::AccountUnlinked { .. } => "AccountUnlinked",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}

impl crate::codec::HasClaims for AccountLinkEvent {}
