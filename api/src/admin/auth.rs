//! The admin key: `Authorization: Bearer <key>`, compared in constant time with
//! `USERS_API_ADMIN_KEY` (generated on first start when not configured). Wrong keys count
//! against the caller's address like failed sign-ins.
use super::Problem;
use crate::client_addr::ClientAddr;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use secrecy::ExposeSecret as _;

/// A request that presented the admin key.
pub struct AdminKey;

impl FromRequestParts<AppState> for AdminKey {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        let presented = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .unwrap_or_default();
        let expected = state.admin_key.expose_secret().as_bytes();
        if !presented.is_empty() && bool::from(subtle::ConstantTimeEq::ct_eq(expected, presented.as_bytes())) {
            return Ok(Self);
        }
        let ClientAddr(address) =
            ClientAddr::from_request_parts(parts, state).await.unwrap_or_else(|never| match never {});
        if let Err(crate::error::ApiError::RateLimited { retry_after_secs }) = state.limits.address(address) {
            let detail = format!("too many wrong keys; retry in {retry_after_secs} s");
            return Err(Problem::new(StatusCode::TOO_MANY_REQUESTS, "rate-limited", detail));
        }
        Err(Problem::unauthorized())
    }
}
