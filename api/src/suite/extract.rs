//! Suite extractors; every rejection is a `SuiteError`.
use super::{AUDIENCE, SuiteError};
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::rejection::JsonRejection;
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
        if !projections::catalog::tenant_exists(state.db(), &tenant).await? {
            return Err(ApiError::UnknownTenant.into());
        }
        Ok(Self(tenant))
    }
}

/// A signed-in user of the path's tenant, with a live session.
pub struct SuiteUser {
    pub tenant_id: String,
    pub user_id: Uuid,
    pub session_id: Uuid,
}

impl FromRequestParts<AppState> for SuiteUser {
    type Rejection = SuiteError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, SuiteError> {
        let Tenant(tenant_id) = Tenant::from_request_parts(parts, state).await?;
        let token = crate::auth::bearer(parts)?;
        let auth = crate::auth::authenticate(state, token, AUDIENCE).await?;
        if auth.claims.tenant != tenant_id {
            return Err(ApiError::OtherTenant.into());
        }
        Ok(Self { tenant_id, user_id: auth.user_id, session_id: auth.session_id })
    }
}

/// A JSON body whose rejections speak suite.
pub struct SuiteJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for SuiteJson<T> {
    type Rejection = SuiteError;

    async fn from_request(req: Request, state: &S) -> Result<Self, SuiteError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::UnsupportedMediaType.into()),
            Err(rejection) if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                Err(ApiError::PayloadTooLarge.into())
            }
            Err(rejection) => Err(ApiError::InvalidBody(rejection.body_text()).into()),
        }
    }
}
