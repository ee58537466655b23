//! The record of admin reads of user data, for auditors: `GET /admin/reads?after=&limit=&subject=`.
//! Who (the key id), what (`events`, `stream`, `user_state`, with the query), when; oldest first.
use super::{Auditor, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ReadsQuery {
    /// The records after this position (0, the default, is the start).
    #[serde(default)]
    after: i64,
    /// At most this many (default 100, at most 1000).
    limit: Option<u32>,
    /// Only reads of this subject: a user id, or a stream id.
    subject: Option<String>,
}

/// One recorded read.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = admin::RecordedRead)]
pub struct RecordedRead {
    /// Its position in the log: pass the last one as `after` for the next page.
    position: i64,
    key_id: String,
    /// `events`, `stream` or `user_state`.
    action: String,
    subject: Option<String>,
    query: Option<String>,
    read_at: String,
}

/// Who read which user's data, and when.
#[utoipa::path(get, path = "/admin/reads", tag = "admin", params(ReadsQuery), security(("admin" = [])), responses(
    (status = 200, description = "The recorded reads, oldest first", body = Vec<RecordedRead>),
    (status = 400, description = "A query parameter is not valid", body = Problem, content_type = "application/problem+json"),
    super::AuditorRefusals,
))]
pub async fn reads(
    _: Auditor,
    State(state): State<AppState>,
    query: Result<Query<ReadsQuery>, QueryRejection>,
) -> Result<Json<Vec<RecordedRead>>, Problem> {
    let Query(query) = query.map_err(|e| Problem::invalid_query(e.body_text()))?;
    let limit = i64::from(query.limit.unwrap_or(100).clamp(1, 1000));
    let rows = state.reads.admin_reads(query.after, limit, query.subject.as_deref()).await?;
    let records = rows.into_iter().map(|r| RecordedRead {
        position: r.position,
        key_id: r.key_id,
        action: r.action,
        subject: r.subject,
        query: r.query,
        read_at: r.read_at,
    });
    Ok(Json(records.collect()))
}
