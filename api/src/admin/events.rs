//! The history for auditors: `GET /admin/events` streams events as stored, as NDJSON, from a
//! position on (resumable: pass the last position seen as `after`), filtered by type, stream
//! type or stream, in pages, so memory stays flat for any size; `GET /admin/streams/{id}` one
//! stream's events; `GET /admin/verify` the hash-chain check.
use super::{Auditor, Problem};
use crate::state::AppState;
use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use commands::EventStore;
use projections::export::event_line;
use projections::{Checkpoint, StoredEvent};
use serde::Deserialize;
use std::sync::Arc;

/// Events read from the store per page.
const PAGE: i64 = 500;
/// The most events one request streams; resume with `after` for more.
const MAX_LIMIT: u64 = 1_000_000;

#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
pub struct EventsQuery {
    /// Stream the events after this position (0, the default, is the start).
    #[serde(default)]
    after: i64,
    /// At most this many events (default and maximum 1,000,000).
    limit: Option<u64>,
    /// Only events of this type (`UserSignedUp`).
    #[serde(rename = "type")]
    #[param(rename = "type")]
    event_type: Option<String>,
    /// Only events of streams of this type (`user`, `catalog`).
    stream_type: Option<String>,
    /// Only the events of this stream.
    stream: Option<String>,
    /// Only events recorded at or after this instant (RFC 3339).
    from: Option<chrono::DateTime<chrono::Utc>>,
    /// Only events recorded before this instant (RFC 3339).
    to: Option<chrono::DateTime<chrono::Utc>>,
}

impl EventsQuery {
    fn keeps(&self, event: &StoredEvent) -> bool {
        self.event_type.as_ref().is_none_or(|t| *t == event.event_type)
            && self.stream_type.as_ref().is_none_or(|t| *t == event.stream_type)
            && self.stream.as_ref().is_none_or(|s| *s == event.stream_id)
            && self.from.is_none_or(|from| event.recorded_at >= from)
            && self.to.is_none_or(|to| event.recorded_at < to)
    }
}

/// Where reading resumes after position `after`: the commit order is (transaction, position)
/// (ADR 0002), so the position's transaction is looked up.
async fn checkpoint_after(store: &dyn EventStore, after: i64) -> Result<Checkpoint, Problem> {
    if after <= 0 {
        return Ok(Checkpoint::default());
    }
    let found = store.checkpoint_at(after).await?;
    found.ok_or_else(|| Problem::invalid_query(format!("no event at position {after}")))
}

struct Cursor {
    store: Arc<dyn EventStore>,
    after: Checkpoint,
    left: u64,
    query: EventsQuery,
}

/// The next chunk of NDJSON lines, or the end.
async fn next_chunk(mut cursor: Cursor) -> Option<(Result<Bytes, std::io::Error>, Cursor)> {
    while cursor.left > 0 {
        let page = match cursor.store.read_all_stored(cursor.after, PAGE).await {
            Ok(page) => page,
            Err(e) => return Some((Err(std::io::Error::other(e.to_string())), Cursor { left: 0, ..cursor })),
        };
        let last = page.last()?.checkpoint();
        cursor.after = last;
        let mut chunk = Vec::new();
        for event in
            page.iter().filter(|e| cursor.query.keeps(e)).take(usize::try_from(cursor.left).unwrap_or(usize::MAX))
        {
            if serde_json::to_writer(&mut chunk, &event_line(event)).is_err() {
                continue;
            }
            chunk.push(b'\n');
            cursor.left -= 1;
        }
        if !chunk.is_empty() {
            return Some((Ok(Bytes::from(chunk)), cursor));
        }
    }
    None
}

/// The event history as NDJSON, one event per line as stored.
#[utoipa::path(get, path = "/admin/events", tag = "admin", params(EventsQuery), security(("admin" = [])), responses(
    (status = 200, description = "One JSON object per line: position, event_id, stream_id, stream_type, version, type, schema_version, payload (as stored: personal fields encrypted), metadata, recorded_at, hash", body = super::schemas::Event, content_type = "application/x-ndjson"),
    (status = 400, description = "A query parameter is not valid, or no event has the `after` position", body = Problem, content_type = "application/problem+json"),
    super::AuditorRefusals,
))]
pub async fn events(
    Auditor(caller): Auditor,
    State(state): State<AppState>,
    uri: axum::http::Uri,
    query: Result<Query<EventsQuery>, QueryRejection>,
) -> Result<Response, Problem> {
    let Query(query) = query.map_err(|e| Problem::invalid_query(e.body_text()))?;
    let subject = query.stream.clone();
    caller.record_read(&state, "events", subject, uri.query().map(str::to_owned)).await?;
    let left = query.limit.unwrap_or(MAX_LIMIT).min(MAX_LIMIT);
    let after = checkpoint_after(state.store.as_ref(), query.after).await?;
    let cursor = Cursor { store: state.store.clone(), after, left, query };
    let body = Body::from_stream(futures_util::stream::unfold(cursor, next_chunk));
    Ok(([(header::CONTENT_TYPE, "application/x-ndjson")], body).into_response())
}

/// One stream's events as stored, oldest first.
#[utoipa::path(get, path = "/admin/streams/{stream_id}", tag = "admin", params(("stream_id" = String, Path, description = "`user-{uuid}`, `catalog-{tenant}`, …")), security(("admin" = [])), responses(
    (status = 200, description = "The events, as in `/admin/events`", body = Vec<super::schemas::Event>),
    super::AuditorRefusals,
    (status = 404, description = "No such stream", body = Problem, content_type = "application/problem+json"),
))]
pub async fn stream(
    Auditor(caller): Auditor,
    State(state): State<AppState>,
    Path(stream_id): Path<String>,
) -> Result<Json<Vec<serde_json::Value>>, Problem> {
    caller.record_read(&state, "stream", Some(stream_id.clone()), None).await?;
    let events = state.store.read_stream_stored(&stream_id).await?;
    if events.is_empty() {
        return Err(Problem::new(axum::http::StatusCode::NOT_FOUND, "not-found", format!("no stream {stream_id}")));
    }
    Ok(Json(events.iter().map(event_line).collect()))
}

/// The hash chain of every stream, checked from position 0: the first broken link, if any.
#[utoipa::path(get, path = "/admin/verify", tag = "admin", security(("admin" = [])), responses(
    (status = 200, description = "`{events_checked, streams, first_broken}`; `first_broken` is null when every link holds", body = super::schemas::VerifyReport),
    super::AuditorRefusals,
))]
pub async fn verify(_: Auditor, State(state): State<AppState>) -> Result<Json<projections::VerifyReport>, Problem> {
    Ok(Json(state.store.verify().await?))
}
