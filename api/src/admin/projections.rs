//! Read models for operators: `GET /admin/projections` (each one's checkpoint and lag, in
//! events and seconds, and its last rebuild through this instance) and
//! `POST /admin/projections/{name}/rebuild` (a rebuild from position 0 in the background: 202,
//! then watch the list). Rebuilding is safe while the service runs (the swap excludes appends).
use super::{Auditor, Operator, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use commands::EventStore;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// A rebuild started through this instance.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = admin::RebuildStatus)]
pub struct RebuildStatus {
    /// `running`, `done` or `failed`.
    pub state: &'static str,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub events_applied: Option<u64>,
    /// Whether the rebuilt tables held exactly the live rows.
    pub matched_live: Option<bool>,
    pub error: Option<String>,
}

/// The rebuilds this instance started, by projection.
#[derive(Clone, Default)]
pub struct RebuildJobs(Arc<Mutex<HashMap<String, RebuildStatus>>>);

impl RebuildJobs {
    fn get(&self, name: &str) -> Option<RebuildStatus> {
        self.0.lock().ok().and_then(|jobs| jobs.get(name).cloned())
    }

    /// Marks `name` running; false when it already is.
    fn start(&self, name: &str, at: DateTime<Utc>) -> bool {
        let Ok(mut jobs) = self.0.lock() else { return false };
        if jobs.get(name).is_some_and(|job| job.state == "running") {
            return false;
        }
        let status = RebuildStatus {
            state: "running",
            started_at: at,
            finished_at: None,
            events_applied: None,
            matched_live: None,
            error: None,
        };
        jobs.insert(name.to_owned(), status);
        true
    }

    fn finish(&self, name: &str, at: DateTime<Utc>, done: Result<projections::RebuildReport, String>) {
        let Ok(mut jobs) = self.0.lock() else { return };
        let Some(job) = jobs.get_mut(name) else { return };
        job.finished_at = Some(at);
        match done {
            Ok(report) => {
                (job.state, job.events_applied, job.matched_live) =
                    ("done", Some(report.events_applied), Some(report.matched_live()));
            }
            Err(e) => (job.state, job.error) = ("failed", Some(e)),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = admin::ProjectionStatus)]
pub struct ProjectionStatus {
    pub name: String,
    /// `inline` (written in the append's transaction: never behind) or `catch_up`.
    pub kind: &'static str,
    /// The position of the last event applied (inline: the newest event).
    pub checkpoint: Option<i64>,
    /// Events after the checkpoint.
    pub lag_events: u64,
    /// How long ago the oldest event not yet applied was recorded (0 when none).
    pub lag_seconds: f64,
    pub last_rebuild: Option<RebuildStatus>,
}

/// `head`: the newest event's position, where every inline read model stands.
async fn status(state: &AppState, name: &str, inline: bool, head: Option<i64>) -> Result<ProjectionStatus, Problem> {
    let (kind, checkpoint, lag_events, lag_seconds) = if inline {
        ("inline", head, 0, 0.0)
    } else {
        let store: &dyn EventStore = state.store.as_ref();
        let checkpoint = store.checkpoint(name).await?;
        let oldest = store.read_all_stored(checkpoint.unwrap_or_default(), 1).await?;
        let seconds = oldest.first().map_or(0.0, |e| (state.clock.now() - e.recorded_at).as_seconds_f64().max(0.0));
        ("catch_up", checkpoint.map(|c| c.position), state.reads.projection_lag(name).await?, seconds)
    };
    Ok(ProjectionStatus {
        name: name.to_owned(),
        kind,
        checkpoint,
        lag_events,
        lag_seconds,
        last_rebuild: state.rebuilds.get(name),
    })
}

/// Each read model's checkpoint, lag and last rebuild.
#[utoipa::path(get, path = "/admin/projections", tag = "admin", security(("admin" = [])), responses(
    (status = 200, description = "One entry per read model", body = Vec<ProjectionStatus>),
    super::AuditorRefusals,
))]
pub async fn list(_: Auditor, State(state): State<AppState>) -> Result<Json<Vec<ProjectionStatus>>, Problem> {
    let inline = projections::inline().into_iter().map(|p| (p, true));
    let head = state.reads.head_position().await?;
    let mut statuses = Vec::new();
    for (projector, inline) in inline.chain(projections::catch_up().into_iter().map(|p| (p, false))) {
        statuses.push(status(&state, projector.name(), inline, head).await?);
    }
    Ok(Json(statuses))
}

/// Rebuild a read model from position 0, in the background.
#[utoipa::path(post, path = "/admin/projections/{name}/rebuild", tag = "admin", params(("name" = String, Path, description = "A read model's name, as `GET /admin/projections` lists them")), security(("admin" = [])), responses(
    (status = 202, description = "Started: `GET /admin/projections` shows it running, then done or failed", body = RebuildStatus),
    super::OperatorRefusals,
    (status = 404, description = "No read model of this name", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "A rebuild of it is running", body = Problem, content_type = "application/problem+json"),
))]
pub async fn rebuild(
    _: Operator,
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<(StatusCode, Json<Option<RebuildStatus>>), Problem> {
    let projector = projections::by_name(&name)
        .map_err(|_| Problem::new(StatusCode::NOT_FOUND, "not-found", format!("no read model {name}")))?;
    if !state.rebuilds.start(&name, state.clock.now()) {
        return Err(Problem::new(StatusCode::CONFLICT, "conflict", format!("{name} is being rebuilt")));
    }
    let (jobs, store, clock) = (state.rebuilds.clone(), state.store.clone(), state.clock.clone());
    tokio::spawn(async move {
        let done = store.rebuild(projector.clone()).await.map_err(|e| e.to_string());
        jobs.finish(projector.name(), clock.now(), done);
    });
    Ok((StatusCode::ACCEPTED, Json(state.rebuilds.get(&name))))
}
