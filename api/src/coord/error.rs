//! The coord error body: `{"code": "...", "message": "..."}` (the Coord swagger's `Error`).
use crate::error::ApiError;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

#[derive(Debug)]
pub struct CoordError(pub ApiError);

/// Every coord 4xx/5xx body. `code` is stable and documented; `message` is for people.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = coord::Error, example = json!({"code": "invalid_access_key", "message": "the access_key is not valid"}))]
pub struct CoordErrorBody {
    /// One of: missing_access_key, invalid_access_key, missing_token, malformed_token, expired_token,
    /// invalid_token, session_ended, invalid_claims (401); foreign_token, invalid_server_token, account_locked, test_users_only (403);
    /// invalid_body, invalid_email, invalid_external_uid, invalid_license_plate, missing_parameter, invalid_return_url,
    /// unknown_system, system_not_linkable, requirements_missing, invalid_link_state (400); unknown_user, not_found (404); method_not_allowed (405);
    /// conflict (409); request_timeout (408); payload_too_large (413); unsupported_media_type (415);
    /// rate_limited (429, with Retry-After); busy, deadline_exceeded, identity_provider_unavailable (503); unavailable (503, with
    /// Retry-After); internal_error (500).
    pub code: &'static str,
    pub message: String,
}

impl<E: Into<ApiError>> From<E> for CoordError {
    fn from(e: E) -> Self {
        Self(e.into())
    }
}

impl IntoResponse for CoordError {
    fn into_response(self) -> Response {
        let spec = self.0.spec();
        self.0.respond(spec.status, CoordErrorBody { code: spec.coord, message: self.0.public_message() })
    }
}

pub async fn not_found() -> CoordError {
    CoordError(ApiError::NotFound)
}

pub async fn method_not_allowed() -> CoordError {
    CoordError(ApiError::MethodNotAllowed)
}
