//! The `Idempotency-Key` header on the POSTs that attach a card or move money: the first
//! request's answer (its status and JSON body) is kept for 24 hours and replayed, marked
//! `Idempotent-Replayed: true`, to a request with the same key and body; another body with the
//! key is a 422, and a request arriving while the first still runs waits for its answer (409
//! after 15 s). Answers in the 5xx range and 429s are not kept: the request may be retried. Keys are per
//! user (`scope`), so one user's key never replays another's answer.
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use commands::idempotency::{Start, provider_key, request_hash, valid_key};
use std::convert::Infallible;

/// The header, as sent: absent, or present (valid or not; checked when used, so each dialect
/// answers a bad one in its own format).
pub struct IdempotencyKey(Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        let value = parts.headers.get("idempotency-key").map(|v| v.to_str().unwrap_or("\u{0}").to_owned());
        Ok(Self(value))
    }
}

/// The largest answer kept for replay.
const MAX_KEPT_BODY: usize = 256 * 1024;

/// Run `work` once per key: it gets the idempotency key to hand the payment provider (derived
/// from the caller's key, or fresh when the request has none) and answers the response.
/// `request` is what the key is bound to (method, path, body).
pub async fn replayable(
    state: &AppState,
    key: IdempotencyKey,
    scope: &str,
    request: &[&[u8]],
    work: impl AsyncFnOnce(String) -> Response,
) -> Result<Response, ApiError> {
    let Some(key) = key.0 else {
        return Ok(work(uuid::Uuid::new_v4().simple().to_string()).await);
    };
    if !valid_key(&key) {
        return Err(ApiError::InvalidIdempotencyKey);
    }
    if let Start::Replay { status, response } = state.idempotency.start(scope, &key, &request_hash(request)).await? {
        return Ok(replay(status, response));
    }
    let answered = work(provider_key(scope, &key, "")).await;
    let (parts, body) = answered.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_KEPT_BODY).await {
        // a 5xx, or a 429 that ran nothing, is no answer to keep: the retry must run
        Ok(bytes) if !parts.status.is_server_error() && parts.status != StatusCode::TOO_MANY_REQUESTS => bytes,
        Ok(bytes) => {
            state.idempotency.abandon(scope, &key).await?;
            return Ok(Response::from_parts(parts, axum::body::Body::from(bytes)));
        }
        Err(e) => {
            state.idempotency.abandon(scope, &key).await?;
            return Err(ApiError::Internal(format!("idempotent response body: {e}")));
        }
    };
    let text = String::from_utf8_lossy(&bytes);
    state.idempotency.finish(scope, &key, parts.status.as_u16(), &text).await?;
    Ok(Response::from_parts(parts, axum::body::Body::from(bytes)))
}

fn replay(status: u16, body: String) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}
