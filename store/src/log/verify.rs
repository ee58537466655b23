//! Verifying the hash chain: every stream's versions run 1, 2, 3 … and each event's hash covers
//! its stored bytes and its predecessor's hash.
use crate::hash::{HashInput, event_hash};
use crate::model::{StoredEvent, format_time};

/// The first broken link `verify` found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Tampered {
    pub position: i64,
    pub event_id: String,
    pub stream_id: String,
    pub stream_version: i64,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VerifyReport {
    pub events_checked: u64,
    pub streams: u64,
    pub first_broken: Option<Tampered>,
}

/// Recompute every stream's hash chain in commit order and check versions run 1, 2, 3 …
/// Returns how many events passed, and the first that did not.
pub(crate) fn verify_events(
    state: &mut std::collections::HashMap<String, (i64, String)>,
    events: &[StoredEvent],
) -> (u64, Option<Tampered>) {
    for (passed, e) in events.iter().enumerate() {
        let broken = |reason: String| Tampered {
            position: e.position,
            event_id: e.event_id.clone(),
            stream_id: e.stream_id.clone(),
            stream_version: e.stream_version,
            reason,
        };
        let (last_version, previous_hash) = state.get(&e.stream_id).cloned().unwrap_or((0, String::new()));
        if e.stream_version != last_version + 1 {
            let reason = format!(
                "stream version {} follows version {last_version}: an event was removed or reordered",
                e.stream_version
            );
            return (passed as u64, Some(broken(reason)));
        }
        let recorded_at = format_time(&e.recorded_at);
        let expected = event_hash(&HashInput {
            previous_hash: &previous_hash,
            stream_id: &e.stream_id,
            stream_type: &e.stream_type,
            stream_version: e.stream_version,
            event_id: &e.event_id,
            event_type: &e.event_type,
            schema_version: e.schema_version,
            recorded_at: &recorded_at,
            correlation_id: e.correlation_id.as_deref(),
            causation_id: e.causation_id.as_deref(),
            metadata: &e.metadata,
            payload: &e.payload,
        });
        if expected != e.hash {
            let reason = "stored bytes do not match the event's hash: the event was changed";
            return (passed as u64, Some(broken(reason.into())));
        }
        state.insert(e.stream_id.clone(), (e.stream_version, e.hash.clone()));
    }
    (events.len() as u64, None)
}
