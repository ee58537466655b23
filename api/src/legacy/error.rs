//! The legacy error body: `{"msg": "<text>", "code": "<stable code>"}` with the card-wallet
//! API's status codes. The original documents statuses and their texts only; the `code` field
//! is this service's, so clients can branch without parsing text.
use crate::error::ApiError;
use axum::Json;
use axum::http::StatusCode;
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

/// The legacy status of an error: the original's own where it has one.
fn status(e: &ApiError) -> StatusCode {
    match e {
        // OAuth: a bad or spent grant is a 400 (`invalid_grant`)
        ApiError::InvalidRefreshToken | ApiError::RefreshTokenReused => StatusCode::BAD_REQUEST,
        // the OTP endpoints answer a wrong code with 403
        ApiError::InvalidCode => StatusCode::FORBIDDEN,
        other => other.kind().0,
    }
}

impl IntoResponse for LegacyError {
    fn into_response(self) -> Response {
        let (_, code) = self.0.kind();
        let status = status(&self.0);
        let retry_after = self.0.retry_after();
        let mut response = (status, Json(LegacyErrorBody { msg: self.0.public_message(), code })).into_response();
        if let Some(secs) = retry_after {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        response
    }
}

pub async fn not_found() -> LegacyError {
    LegacyError(ApiError::NotFound)
}

pub async fn method_not_allowed() -> LegacyError {
    LegacyError(ApiError::MethodNotAllowed)
}
