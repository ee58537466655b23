//! Coord extractors; every rejection is a `CoordError`.
use super::{AUDIENCE, CoordError};
use crate::error::ApiError;
use crate::request_meta::RequestMeta;
use crate::state::AppState;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use projections::catalog::PartnerRow;
use serde::de::DeserializeOwned;
use uuid::Uuid;

/// The partner named by the `access_key` query parameter.
pub struct Partner(pub PartnerRow);

impl FromRequestParts<AppState> for Partner {
    type Rejection = CoordError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, CoordError> {
        let key = parts
            .uri
            .query()
            .and_then(|q| {
                form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "access_key").map(|(_, v)| v.into_owned())
            })
            .filter(|k| !k.is_empty())
            .ok_or(ApiError::MissingAccessKey)?;
        let partner = state
            .reads
            .partner_by_access_key_hash(&commands::secret_hash(&key))
            .await?
            .ok_or(ApiError::UnknownAccessKey)?;
        Ok(Self(partner))
    }
}

/// The partner of the `access_key`, proven by its server token (`Authorization: Bearer <server
/// token>`, `create_jwt`). Checked before the body is read, so a wrong token is a 403 whatever
/// the body says.
pub struct ServerPartner(pub PartnerRow);

impl FromRequestParts<AppState> for ServerPartner {
    type Rejection = CoordError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, CoordError> {
        let Partner(partner) = Partner::from_request_parts(parts, state).await?;
        let presented = crate::auth::bearer(parts)?;
        if !commands::signin::partner_key_matches(presented, Some(&partner.server_token_hash)) {
            return Err(ApiError::InvalidServerToken.into());
        }
        Ok(Self(partner))
    }
}

/// A signed-in user: a valid access token minted for the partner of the `access_key`, or a
/// valid token of one of that partner's own issuers.
pub struct CoordUser {
    pub user_id: Uuid,
    pub partner: PartnerRow,
}

/// What vouched for a coord user.
pub enum Credential {
    /// A token of this service, with its live login session.
    Session(crate::auth::Authenticated),
    /// A partner's own token, verified against the partner's issuer; valid until `expires_at`
    /// (Unix seconds). It has no session here.
    Partner { expires_at: i64 },
}

impl FromRequestParts<AppState> for CoordUser {
    type Rejection = CoordError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, CoordError> {
        let Partner(partner) = Partner::from_request_parts(parts, state).await?;
        let Ok(meta) = RequestMeta::from_request_parts(parts, state).await;
        let token = crate::auth::bearer(parts)?;
        Ok(Self::of_token(state, partner, token, meta).await?.0)
    }
}

impl CoordUser {
    /// The user of `token`: minted for `partner` with a live session, or signed by one of the
    /// partner's issuers (`meta`: of the events registering or updating its user); with what
    /// vouched for it.
    pub async fn of_token(
        state: &AppState,
        partner: PartnerRow,
        token: &str,
        meta: RequestMeta,
    ) -> Result<(Self, Credential), CoordError> {
        if let Some(issuer) = super::partner_token::issuer_of(state, &partner, token).await? {
            return Ok(super::partner_token::user_of(state, partner, &issuer, token, meta).await?);
        }
        let claims = state.tokens.verify(token, AUDIENCE).await?;
        if claims.azp != partner.partner_id || claims.tenant != partner.tenant_id {
            return Err(ApiError::ForeignToken.into());
        }
        let auth = crate::auth::live_session(state, claims).await?;
        Ok((Self { user_id: auth.user_id, partner }, Credential::Session(auth)))
    }
}

/// A form body (`application/x-www-form-urlencoded`) whose rejections speak coord.
pub struct CoordForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for CoordForm<T> {
    type Rejection = CoordError;

    async fn from_request(req: Request, state: &S) -> Result<Self, CoordError> {
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(value)) => Ok(Self(value)),
            Err(axum::extract::rejection::FormRejection::InvalidFormContentType(_)) => {
                Err(ApiError::UnsupportedMediaType.into())
            }
            Err(rejection) if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                Err(ApiError::PayloadTooLarge.into())
            }
            Err(rejection) => Err(ApiError::InvalidBody(rejection.body_text()).into()),
        }
    }
}

/// A JSON body whose rejections speak coord.
pub struct CoordJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for CoordJson<T> {
    type Rejection = CoordError;

    async fn from_request(req: Request, state: &S) -> Result<Self, CoordError> {
        let axum::Json(value) = axum::Json::<T>::from_request(req, state).await.map_err(ApiError::from)?;
        Ok(Self(value))
    }
}
