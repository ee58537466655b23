//! How domain events become stored rows and back, and which unique claims they make.
use cqrs_es::DomainEvent;
use serde::{Serialize, de::DeserializeOwned};
use serde_json::{Value, json};

/// Encodes an event enum as `(event type, schema version, payload)` and decodes it again.
///
/// Event enums are serde "adjacently tagged" (`{"type": .., "data": ..}`): the tag is stored in the
/// `event_type` column and the content in `payload`, so payloads carry no redundant type field.
pub trait EventCodec: DomainEvent + Serialize + DeserializeOwned {
    fn encode(&self) -> Result<(String, i32, Value), serde_json::Error> {
        let mut tagged = serde_json::to_value(self)?;
        let data = tagged.get_mut("data").map(Value::take).unwrap_or_else(|| json!({}));
        let version = self.event_version().parse::<i32>().unwrap_or(1);
        Ok((self.event_type(), version, data))
    }

    fn decode(event_type: &str, payload: Value) -> Result<Self, serde_json::Error> {
        serde_json::from_value(json!({ "type": event_type, "data": payload }))
    }
}

impl<T: DomainEvent + Serialize + DeserializeOwned> EventCodec for T {}

/// A set-wide uniqueness rule ("one user per partner and email"), enforced by the store in the
/// same transaction as the events that make or release it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub scope: &'static str,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimChange {
    Take(Claim),
    Release(Claim),
}

/// Events name the claims they take or release; the command bus hands them to the store.
pub trait HasClaims {
    fn claim_changes(&self) -> Vec<ClaimChange> {
        Vec::new()
    }
}
