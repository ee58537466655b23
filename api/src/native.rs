//! The native surface: health, readiness, public signing keys, the API description.
use crate::openapi::ApiRouter;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse};
use axum::{Extension, Json};
use serde_json::{Value, json};
use std::sync::Arc;
use utoipa_axum::routes;

/// A wrong method on these gets axum's plain 405: they belong to no dialect.
pub fn router() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .routes(routes!(jwks))
        .routes(routes!(openapi))
        .routes(routes!(crate::metrics::metrics))
        .undocumented_get("/docs", docs)
        .undocumented_get("/docs/swagger-ui-bundle.js", swagger_js)
        .undocumented_get("/docs/swagger-ui.css", swagger_css)
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "native", responses((status = 200, description = "Alive", example = json!({"status": "ok"}))))]
async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// Readiness: the database answers a query.
#[utoipa::path(get, path = "/readyz", tag = "native", responses(
    (status = 200, description = "Ready", example = json!({"status": "ready"})),
    (status = 503, description = "The database does not answer", example = json!({"status": "unavailable"})),
))]
async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    match state.reads.ready().await {
        Ok(_) => (StatusCode::OK, Json(json!({ "status": "ready" }))),
        Err(e) => {
            tracing::warn!(error = %e, "readiness probe failed");
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "unavailable" })))
        }
    }
}

/// The public keys that verify access tokens (Ed25519, `kid` as in the token header).
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "native", responses((status = 200, description = "A JSON Web Key Set")))]
async fn jwks(State(state): State<AppState>) -> Json<Value> {
    Json(state.tokens.jwks())
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", tag = "native", responses((status = 200, description = "OpenAPI 3.1")))]
async fn openapi(Extension(document): Extension<Arc<utoipa::openapi::OpenApi>>) -> Json<utoipa::openapi::OpenApi> {
    Json(document.as_ref().clone())
}

async fn docs() -> Html<&'static str> {
    Html(include_str!("../assets/docs.html"))
}

async fn swagger_js() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../assets/swagger-ui/swagger-ui-bundle.js"),
    )
}

async fn swagger_css() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], include_str!("../assets/swagger-ui/swagger-ui.css"))
}
