//! The legacy error body: `{"msg": "<text>", "code": "<stable code>"}` with the card-wallet
//! API's status codes. The original documents statuses and their texts only; the `code` field
//! is this service's, so clients can branch without parsing text.
use crate::error::ApiError;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

#[derive(Debug)]
pub struct LegacyError(pub ApiError);

impl<E: Into<ApiError>> From<E> for LegacyError {
    fn from(e: E) -> Self {
        Self(e.into())
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = legacy::Error, example = json!({"msg": "when updating email or username another user already have one of those two", "code": "conflict"}))]
pub struct LegacyErrorBody {
    pub msg: String,
    /// The coord-style code of the error (`invalid_body`, `invalid_token`, `conflict`, …).
    pub code: &'static str,
}

impl IntoResponse for LegacyError {
    fn into_response(self) -> Response {
        let spec = self.0.spec();
        self.0.respond(spec.legacy_status, LegacyErrorBody { msg: self.0.public_message(), code: spec.coord })
    }
}

pub async fn not_found() -> LegacyError {
    LegacyError(ApiError::NotFound)
}

pub async fn method_not_allowed() -> LegacyError {
    LegacyError(ApiError::MethodNotAllowed)
}
