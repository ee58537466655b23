//! The coord error body: `{"code": "...", "message": "..."}` (the Coord swagger's `Error`).
use crate::error::ApiError;
use axum::Json;
use axum::response::{IntoResponse, Response};
use serde_json::json;

#[derive(Debug)]
pub struct CoordError(pub ApiError);

impl<E: Into<ApiError>> From<E> for CoordError {
    fn from(e: E) -> Self {
        Self(e.into())
    }
}

impl IntoResponse for CoordError {
    fn into_response(self) -> Response {
        let (status, code) = self.0.kind();
        (status, Json(json!({ "code": code, "message": self.0.public_message() }))).into_response()
    }
}

pub async fn not_found() -> CoordError {
    CoordError(ApiError::NotFound)
}

pub async fn method_not_allowed() -> CoordError {
    CoordError(ApiError::MethodNotAllowed)
}
