//! What every dialect's user extractor does: read the bearer token, verify it, and check that
//! its login session is still live, so a logout or a revoked refresh family takes effect on the
//! next request.
use crate::error::ApiError;
use crate::state::AppState;
use crate::tokens::AccessClaims;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// The token of `Authorization: Bearer …`.
pub fn bearer(parts: &Parts) -> Result<&str, ApiError> {
    let header = parts.headers.get(AUTHORIZATION).ok_or(ApiError::MissingToken)?;
    header
        .to_str()
        .ok()
        .and_then(|h| h.strip_prefix("Bearer ").or_else(|| h.strip_prefix("bearer ")))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(ApiError::MalformedToken)
}

/// An access token's verified claims, its user and its live session.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub claims: AccessClaims,
    pub user_id: Uuid,
    pub session_id: Uuid,
}

pub async fn authenticate(state: &AppState, token: &str, audience: &str) -> Result<Authenticated, ApiError> {
    live_session(state, state.tokens.verify(token, audience).await?).await
}

/// Verified claims whose session is still live.
pub async fn live_session(state: &AppState, claims: AccessClaims) -> Result<Authenticated, ApiError> {
    let user_id = Uuid::parse_str(&claims.sub).map_err(|_| ApiError::InvalidToken)?;
    let session_id = Uuid::parse_str(&claims.sid).map_err(|_| ApiError::InvalidToken)?;
    session_is_live(state, &claims.sid, &claims.sub, &claims.tenant).await?;
    Ok(Authenticated { claims, user_id, session_id })
}

/// The login session `sid` exists, is user `sub`'s at `tenant`, and is neither revoked nor expired.
pub async fn session_is_live(state: &AppState, sid: &str, sub: &str, tenant: &str) -> Result<(), ApiError> {
    let session = state.reads.login_session(sid).await?.ok_or(ApiError::SessionEnded)?;
    if session.user_id != sub || session.tenant_id != tenant {
        return Err(ApiError::InvalidToken);
    }
    let expired =
        DateTime::parse_from_rfc3339(&session.expires_at).map_or(true, |e| e.with_timezone(&Utc) <= state.clock.now());
    if session.is_revoked() || expired {
        return Err(ApiError::SessionEnded);
    }
    Ok(())
}
