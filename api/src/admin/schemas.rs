//! The shapes of the admin answers, for the OpenAPI document only: the handlers answer the
//! store's own types (`event_line`, `VerifyReport`).
#![allow(dead_code)]
use serde_json::Value;

/// One event as stored: a line of `/admin/events`, an element of `/admin/streams/{id}`.
#[derive(utoipa::ToSchema)]
#[schema(as = admin::Event)]
pub struct Event {
    /// The position in the log; pass the last one seen as `after` to resume.
    position: i64,
    event_id: String,
    stream_id: String,
    stream_type: String,
    version: i64,
    #[schema(rename = "type")]
    event_type: String,
    schema_version: i64,
    /// As stored: personal fields encrypted.
    #[schema(value_type = Object)]
    payload: Value,
    #[schema(value_type = Object)]
    metadata: Value,
    recorded_at: String,
    hash: String,
}

/// What `/admin/verify` found.
#[derive(utoipa::ToSchema)]
#[schema(as = admin::VerifyReport)]
pub struct VerifyReport {
    events_checked: u64,
    streams: u64,
    /// The first broken link; null when every link holds.
    first_broken: Option<Tampered>,
}

/// The first broken link of the hash chain.
#[derive(utoipa::ToSchema)]
#[schema(as = admin::Tampered)]
pub struct Tampered {
    position: i64,
    event_id: String,
    stream_id: String,
    stream_version: i64,
    reason: String,
}

/// A user's state at a point of the log (`/admin/users/{id}/state`).
#[derive(utoipa::ToSchema)]
#[schema(as = admin::PastUserState)]
pub struct PastUserState {
    user_id: uuid::Uuid,
    /// The stream version of the last event included; 0: the user did not exist yet.
    version: i64,
    /// The position of the last event included.
    position: Option<i64>,
    recorded_at: Option<String>,
    /// What the history says of the person and the account; of the credentials only whether
    /// they exist (`has_password`, `two_factor_enabled`, `recovery_codes_left`).
    #[schema(value_type = Object)]
    state: Value,
}
