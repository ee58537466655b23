//! How domain events become stored rows and back, and which unique claims they make.
use cqrs_es::DomainEvent;
use serde::{Serialize, de::DeserializeOwned, de::value::MapDeserializer};
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
        Self::decode_ref(event_type, &payload)
    }

    /// `decode` from a borrowed payload. The tag is handed to serde before the content, so the
    /// adjacently tagged enum deserialises the payload directly instead of buffering it.
    fn decode_ref(event_type: &str, payload: &Value) -> Result<Self, serde_json::Error> {
        let tag = Value::String(event_type.to_owned());
        let entries = [("type", &tag), ("data", payload)];
        Self::deserialize(MapDeserializer::<_, serde_json::Error>::new(entries.into_iter()))
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
    /// Every claim the stream holds: what an erasure releases without repeating the values.
    ReleaseAll,
}

/// Events name the claims they take or release; the command bus hands them to the store.
pub trait HasClaims {
    fn claim_changes(&self) -> Vec<ClaimChange> {
        Vec::new()
    }
}
