//! Time travel for auditors: `GET /admin/users/{id}/state?at_position=|at_time=`, a user's
//! state as it was, rebuilt from the user's events up to that point. Credentials are left out
//! (only whether they exist); personal fields are as the vault reads them now (an erased
//! person's are gone, also from the past). Every call is recorded as an admin read. And an
//! operator's erasure of a user: `POST /admin/users/{id}/erasure`.
use super::{Auditor, Operator, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use commands::CommandError;
use commands::admin::{PastUserState, PointInLog};
use commands::erasure::ErasureError;
use domain::user::UserError;
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct StateQuery {
    /// The state after the events at or before this global position.
    at_position: Option<i64>,
    /// The state after the events recorded at or before this instant (RFC 3339).
    at_time: Option<chrono::DateTime<chrono::Utc>>,
}

impl StateQuery {
    fn point(&self) -> Result<PointInLog, Problem> {
        match (self.at_position, self.at_time) {
            (Some(_), Some(_)) => Err(Problem::invalid_query("send at_position or at_time, not both")),
            (Some(position), None) if position < 0 => Err(Problem::invalid_query("at_position is 0 or more")),
            (Some(position), None) => Ok(PointInLog::Position(position)),
            (None, Some(time)) => Ok(PointInLog::Time(time)),
            (None, None) => Ok(PointInLog::Now),
        }
    }
}

/// A user's state as it was at a position or an instant (now, without either).
#[utoipa::path(get, path = "/admin/users/{user_id}/state", tag = "admin", params(("user_id" = uuid::Uuid, Path, description = "The user's id"), StateQuery), security(("admin" = [])), responses(
    (status = 200, description = "`{user_id, version, position, recorded_at, state}`: the last event included and the state it left (version 0: none yet at that point)", body = super::schemas::PastUserState),
    (status = 400, description = "Both `at_position` and `at_time`, or a value that is not valid", body = Problem, content_type = "application/problem+json"),
    super::AuditorRefusals,
    (status = 404, description = "No user of this id", body = Problem, content_type = "application/problem+json"),
))]
pub async fn user_state(
    Auditor(caller): Auditor,
    State(state): State<AppState>,
    user_id: Result<Path<uuid::Uuid>, axum::extract::rejection::PathRejection>,
    uri: axum::http::Uri,
    query: Result<Query<StateQuery>, QueryRejection>,
) -> Result<Json<PastUserState>, Problem> {
    let Path(user_id) = user_id.map_err(|e| Problem::invalid_query(e.body_text()))?;
    let Query(query) = query.map_err(|e| Problem::invalid_query(e.body_text()))?;
    let point = query.point()?;
    let asked = uri.query().map(str::to_owned);
    caller.record_read(&state, "user_state", Some(user_id.to_string()), asked).await?;
    let past = state.admin.user_state(user_id, point).await?;
    past.map(Json).ok_or_else(|| Problem::new(StatusCode::NOT_FOUND, "not-found", format!("no user {user_id}")))
}

/// Erase a user now, on an erasure request the operator received (as the user's own deletion
/// does: personal data shredded, sessions ended, links and cards withdrawn); refused while a
/// hold keeps the account (an active subscription, an unpaid charge).
#[utoipa::path(post, path = "/admin/users/{user_id}/erasure", tag = "admin", params(("user_id" = uuid::Uuid, Path, description = "The user's id")), security(("admin" = [])), responses(
    (status = 204, description = "Erased"),
    (status = 400, description = "Not a user id", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No user of this id", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Holds keep the account; `detail` names them", body = Problem, content_type = "application/problem+json"),
    super::OperatorRefusals,
))]
pub async fn erase(
    Operator(caller): Operator,
    State(state): State<AppState>,
    user_id: Result<Path<uuid::Uuid>, axum::extract::rejection::PathRejection>,
) -> Result<StatusCode, Problem> {
    let Path(user_id) = user_id.map_err(|e| Problem::invalid_query(e.body_text()))?;
    let by = format!("operator:{}", caller.key_id);
    match state.erasure.erase(user_id, &by, state.clock.now(), &caller.metadata).await {
        Ok(()) => Ok(StatusCode::NO_CONTENT),
        Err(ErasureError::Held(holds)) => {
            let kinds: Vec<&str> = holds.iter().map(|h| h.kind()).collect();
            Err(Problem::new(StatusCode::CONFLICT, "conflict", format!("held by: {}", kinds.join(", "))))
        }
        Err(ErasureError::User(CommandError::Domain(UserError::NotRegistered))) => {
            Err(Problem::new(StatusCode::NOT_FOUND, "not-found", format!("no user {user_id}")))
        }
        Err(e) => Err(crate::error::ApiError::from(e).into()),
    }
}
