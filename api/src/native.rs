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

/// The answer of the health and readiness probes (documentation only; the handlers build it).
#[derive(utoipa::ToSchema)]
#[schema(as = native::Status)]
#[allow(dead_code)]
struct Status {
    /// `ok` (healthz), `ready` or `unavailable` (readyz).
    status: String,
}

/// A JSON Web Key Set of Ed25519 public keys (RFC 7517, RFC 8037).
#[derive(utoipa::ToSchema)]
#[schema(as = native::Jwks)]
#[allow(dead_code)]
struct Jwks {
    keys: Vec<Jwk>,
}

#[derive(utoipa::ToSchema)]
#[schema(as = native::Jwk)]
#[allow(dead_code)]
struct Jwk {
    /// `OKP`.
    kty: String,
    /// `Ed25519`.
    crv: String,
    /// The public key, base64url.
    x: String,
    /// As in the `kid` of the token header.
    kid: String,
    /// `EdDSA`.
    alg: String,
    /// `sig`.
    #[schema(rename = "use")]
    usage: String,
}

/// An OpenAPI document (its top level; the OpenAPI 3.1 specification says the rest).
#[derive(utoipa::ToSchema)]
#[schema(as = native::OpenApiDocument)]
#[allow(dead_code)]
struct OpenApiDocument {
    /// `3.1.0`.
    openapi: String,
    #[schema(value_type = Object)]
    info: Value,
    #[schema(value_type = Object)]
    paths: Value,
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "native", responses((status = 200, description = "Alive", body = Status, example = json!({"status": "ok"}))))]
async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// Readiness: the database answers a query.
#[utoipa::path(get, path = "/readyz", tag = "native", responses(
    (status = 200, description = "Ready", body = Status, example = json!({"status": "ready"})),
    (status = 503, description = "The database does not answer", body = Status, example = json!({"status": "unavailable"})),
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
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "native", responses((status = 200, description = "A JSON Web Key Set", body = Jwks)))]
async fn jwks(State(state): State<AppState>) -> Json<Value> {
    Json(state.tokens.jwks())
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", tag = "native", responses((status = 200, description = "OpenAPI 3.1", body = OpenApiDocument)))]
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
