//! The native surface: health, readiness, public signing keys.
use crate::state::AppState;
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use serde_json::{Value, json};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/.well-known/jwks.json", get(jwks))
}

/// Liveness: the process answers.
async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// Readiness: the database answers a query.
async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let probe: Result<Option<(i64,)>, _> = state.db().fetch_optional("select count(*) from signing_keys", &[]).await;
    match probe {
        Ok(_) => (StatusCode::OK, Json(json!({ "status": "ready" }))),
        Err(e) => {
            tracing::warn!(error = %e, "readiness probe failed");
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "unavailable" })))
        }
    }
}

async fn jwks(State(state): State<AppState>) -> Json<Value> {
    Json(state.tokens.jwks().clone())
}
