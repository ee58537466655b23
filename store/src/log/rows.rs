//! The shapes events come out of the database in, and how they become `StoredEvent`s and
//! upcast `RecordedEvent`s.
use crate::error::StoreError;
use crate::model::{Metadata, RecordedEvent, StoredEvent};
use crate::upcast::Upcasters;
use chrono::{DateTime, Utc};

/// One stored event's columns; also deserialised from SQLite's one-row JSON pages (`json_array`
/// in this field order).
#[derive(sqlx::FromRow, serde::Deserialize)]
pub(super) struct EventRow {
    global_position: i64,
    tx: i64,
    event_id: String,
    stream_id: String,
    stream_type: String,
    stream_version: i64,
    event_type: String,
    schema_version: i32,
    payload: String,
    metadata: String,
    correlation_id: Option<String>,
    causation_id: Option<String>,
    recorded_at: String,
    hash: String,
}

impl TryFrom<EventRow> for StoredEvent {
    type Error = StoreError;

    fn try_from(r: EventRow) -> Result<Self, StoreError> {
        let recorded_at = parse_time(&r.recorded_at, r.global_position)?;
        Ok(StoredEvent {
            position: r.global_position,
            tx: r.tx,
            event_id: r.event_id,
            stream_id: r.stream_id,
            stream_type: r.stream_type,
            stream_version: r.stream_version,
            event_type: r.event_type,
            schema_version: r.schema_version,
            payload: r.payload,
            metadata: r.metadata,
            correlation_id: r.correlation_id,
            causation_id: r.causation_id,
            recorded_at,
            hash: r.hash,
        })
    }
}

/// `RecordedEvent`'s columns in a SQLite JSON page: payload and metadata embedded as JSON
/// (`json(..)`), so they are parsed once, straight into their types.
#[derive(serde::Deserialize)]
struct RecordedRow {
    position: i64,
    event_id: String,
    stream_id: String,
    stream_type: String,
    stream_version: i64,
    event_type: String,
    schema_version: i32,
    payload: serde_json::Value,
    metadata: Metadata,
    correlation_id: Option<String>,
    causation_id: Option<String>,
    recorded_at: String,
}

pub(super) fn recorded_page(page: Option<(String,)>, upcasters: &Upcasters) -> Result<Vec<RecordedEvent>, StoreError> {
    let Some((json,)) = page else { return Ok(Vec::new()) };
    let mut rows: Vec<RecordedRow> = serde_json::from_str(&json)?;
    // SQLite aggregates in the subquery's order; sorting here (already sorted: linear) keeps
    // that an assumption nothing depends on
    rows.sort_by_key(|r| r.position);
    rows.into_iter()
        .map(|r| {
            let recorded_at = parse_time(&r.recorded_at, r.position)?;
            let (schema_version, payload) = upcasters.upcast(&r.event_type, r.schema_version, r.payload);
            let mut metadata = r.metadata;
            metadata.correlation_id = r.correlation_id;
            metadata.causation_id = r.causation_id;
            Ok(RecordedEvent {
                position: r.position,
                tx: 0,
                event_id: r.event_id,
                stream_id: r.stream_id,
                stream_type: r.stream_type,
                stream_version: r.stream_version,
                event_type: r.event_type,
                schema_version,
                payload,
                metadata,
                recorded_at,
            })
        })
        .collect()
}

fn parse_time(text: &str, position: i64) -> Result<DateTime<Utc>, StoreError> {
    Ok(DateTime::parse_from_rfc3339(text)
        .map_err(|e| StoreError::Corrupt(format!("event {position}: recorded_at {e}")))?
        .with_timezone(&Utc))
}

/// A SQLite page (`after_sql`): one JSON array of `EventRow` arrays.
pub(super) fn page_to_stored(page: Option<(String,)>) -> Result<Vec<StoredEvent>, StoreError> {
    let Some((json,)) = page else { return Ok(Vec::new()) };
    let rows: Vec<EventRow> = serde_json::from_str(&json)?;
    rows_to_stored(rows)
}

pub(super) fn rows_to_stored(rows: Vec<EventRow>) -> Result<Vec<StoredEvent>, StoreError> {
    rows.into_iter().map(StoredEvent::try_from).collect()
}

pub(crate) fn to_recorded(e: StoredEvent, upcasters: &Upcasters) -> Result<RecordedEvent, StoreError> {
    let payload = serde_json::from_str(&e.payload)?;
    let (schema_version, payload) = upcasters.upcast(&e.event_type, e.schema_version, payload);
    let mut metadata: Metadata = serde_json::from_str(&e.metadata)?;
    metadata.correlation_id = e.correlation_id;
    metadata.causation_id = e.causation_id;
    Ok(RecordedEvent {
        position: e.position,
        tx: e.tx,
        event_id: e.event_id,
        stream_id: e.stream_id,
        stream_type: e.stream_type,
        stream_version: e.stream_version,
        event_type: e.event_type,
        schema_version,
        payload,
        metadata,
        recorded_at: e.recorded_at,
    })
}
