//! Suite extractors; every rejection is a `SuiteError`.
use super::{AUDIENCE, SuiteError};
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use uuid::Uuid;

/// The tenant of the path (`/{tenant}/…`); unknown tenants are refused.
pub struct Tenant(pub String);

impl FromRequestParts<AppState> for Tenant {
    type Rejection = SuiteError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, SuiteError> {
        let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::UnknownTenant)?;
        let tenant = params.get("tenant").cloned().ok_or(ApiError::UnknownTenant)?;
        if state.catalog.tenant(&tenant).await?.is_none() {
            return Err(ApiError::UnknownTenant.into());
        }
        Ok(Self(tenant))
    }
}

/// The header with which an API client acts for a user it created.
pub const IMPERSONATE: &str = "gourban-impersonate";

/// A signed-in user of the path's tenant: with their own token and a live session, or acted for
/// by the API client that created them (client token + `GoUrban-Impersonate: {user uuid}`).
pub struct SuiteUser {
    pub tenant_id: String,
    pub user_id: Uuid,
    /// The session of the user's own token; `None` when a client acts for the user.
    pub session_id: Option<Uuid>,
}

impl FromRequestParts<AppState> for SuiteUser {
    type Rejection = SuiteError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, SuiteError> {
        let Tenant(tenant_id) = Tenant::from_request_parts(parts, state).await?;
        let token = crate::auth::bearer(parts)?;
        if let Some(target) = parts.headers.get(IMPERSONATE) {
            let client = verify_client(state, token, &tenant_id).await?;
            let user_id =
                target.to_str().ok().and_then(|v| Uuid::parse_str(v.trim()).ok()).ok_or(ApiError::OtherTenant)?;
            // only users this very client created, in this tenant
            let (user, _) = state.users.load(user_id).await?;
            if user.created_by() != Some(client.as_str()) || user.tenant_id() != Some(tenant_id.as_str()) {
                return Err(ApiError::OtherTenant.into());
            }
            return Ok(Self { tenant_id, user_id, session_id: None });
        }
        let auth = crate::auth::authenticate(state, token, AUDIENCE).await?;
        if auth.claims.tenant != tenant_id {
            return Err(ApiError::OtherTenant.into());
        }
        Ok(Self { tenant_id, user_id: auth.user_id, session_id: Some(auth.session_id) })
    }
}

/// The API client of a client token for `tenant`.
pub async fn verify_client(state: &AppState, token: &str, tenant: &str) -> Result<String, ApiError> {
    let claims = state.tokens.verify(token, super::CLIENT_AUDIENCE).await?;
    if claims.tenant != tenant {
        return Err(ApiError::OtherTenant);
    }
    // a client removed from the catalog (or moved) loses its tokens at once
    match state.reads.partner(&claims.azp).await? {
        Some(p) if p.tenant_id == tenant => Ok(claims.azp),
        _ => Err(ApiError::InvalidToken),
    }
}

/// An API client's token, when the request carries one (`POST /customers` on a user's behalf).
pub struct OptionalClient(pub Option<String>);

impl FromRequestParts<AppState> for OptionalClient {
    type Rejection = SuiteError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, SuiteError> {
        if !parts.headers.contains_key(axum::http::header::AUTHORIZATION) {
            return Ok(Self(None));
        }
        let Tenant(tenant_id) = Tenant::from_request_parts(parts, state).await?;
        let token = crate::auth::bearer(parts)?;
        Ok(Self(Some(verify_client(state, token, &tenant_id).await?)))
    }
}

/// A JSON body whose rejections speak suite.
pub struct SuiteJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for SuiteJson<T> {
    type Rejection = SuiteError;

    async fn from_request(req: Request, state: &S) -> Result<Self, SuiteError> {
        let axum::Json(value) = axum::Json::<T>::from_request(req, state).await.map_err(ApiError::from)?;
        Ok(Self(value))
    }
}
