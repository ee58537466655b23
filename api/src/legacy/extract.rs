//! Legacy extractors; every rejection is a `LegacyError`.
use super::{AUDIENCE, LegacyError};
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use uuid::Uuid;

/// A signed-in user of the legacy tenant, with a live session.
pub struct LegacyUser {
    pub user_id: Uuid,
    pub session_id: Uuid,
}

impl FromRequestParts<AppState> for LegacyUser {
    type Rejection = LegacyError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, LegacyError> {
        let token = crate::auth::bearer(parts)?;
        let auth = crate::auth::authenticate(state, token, AUDIENCE).await?;
        if auth.claims.tenant != state.legacy_tenant {
            return Err(ApiError::OtherTenant.into());
        }
        Ok(Self { user_id: auth.user_id, session_id: auth.session_id })
    }
}

/// A JSON body whose rejections speak legacy.
pub struct LegacyJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for LegacyJson<T> {
    type Rejection = LegacyError;

    async fn from_request(req: Request, state: &S) -> Result<Self, LegacyError> {
        let axum::Json(value) = axum::Json::<T>::from_request(req, state).await.map_err(ApiError::from)?;
        Ok(Self(value))
    }
}

/// The raw body, with rejections that speak legacy (a body over the limit is a 413).
pub struct RawBody(pub axum::body::Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = LegacyError;

    async fn from_request(req: Request, state: &S) -> Result<Self, LegacyError> {
        match axum::body::Bytes::from_request(req, state).await {
            Ok(bytes) => Ok(Self(bytes)),
            Err(rejection) if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                Err(ApiError::PayloadTooLarge.into())
            }
            Err(rejection) => Err(ApiError::InvalidBody(rejection.body_text()).into()),
        }
    }
}
