//! `POST /v1/users/testing/create_jwt`: a partner mints a test token for its end user.
use super::extract::{CoordJson, Partner};
use super::{AUDIENCE, CoordError, DIALECT, TOKEN_LIFETIME_MINUTES};
use crate::request_meta::RequestMeta;
use crate::state::AppState;
use crate::tokens::TokenService;
use axum::Json;
use axum::extract::State;
use chrono::{Duration, Utc};
use commands::user::PartnerRef;
use domain::values::{Email, ExternalUid};
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
pub struct CreateJwt {
    email: String,
    #[serde(default)]
    external_uid: Option<String>,
}

#[derive(Serialize)]
pub struct JwtToken {
    jwt_token: String,
}

#[tracing::instrument(skip_all, fields(partner = %partner.partner_id))]
pub async fn create_test_jwt(
    State(state): State<AppState>,
    Partner(partner): Partner,
    meta: RequestMeta,
    CoordJson(body): CoordJson<CreateJwt>,
) -> Result<Json<JwtToken>, CoordError> {
    let email = Email::parse(&body.email)?;
    let external_uid = body.external_uid.as_deref().map(ExternalUid::parse).transpose()?;
    let now = Utc::now();
    let partner_ref = PartnerRef { tenant_id: partner.tenant_id.clone(), partner_id: partner.partner_id.clone() };
    let metadata = meta.by(DIALECT, &partner.tenant_id, format!("partner:{}", partner.partner_id));
    let user_id =
        state.users.resolve_through_partner(&partner_ref, &email, external_uid.as_ref(), true, now, &metadata).await?;
    let claims = TokenService::claims(
        &user_id.to_string(),
        &partner.tenant_id,
        &partner.partner_id,
        AUDIENCE,
        true,
        now,
        Duration::minutes(TOKEN_LIFETIME_MINUTES),
    );
    Ok(Json(JwtToken { jwt_token: state.tokens.mint(&claims)? }))
}
