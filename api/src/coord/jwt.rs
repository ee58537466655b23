//! `POST /v1/users/create_jwt` and `POST /v1/users/testing/create_jwt`: a partner mints a token
//! for its end user (production: with its server token; test: with the access key alone).
use super::CoordError;
use super::extract::{CoordJson, Partner, ServerPartner};
use crate::client_addr::ClientAddr;
use crate::request_meta::RequestMeta;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use commands::signin::{Dialect, FirstFactor, PartnerVouches};
use commands::user::PartnerRef;
use domain::values::{Email, ExternalUid};
use projections::catalog::PartnerRow;
use serde::{Deserialize, Serialize};

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = coord::CreateJwt, example = json!({"email": "foo@bar.com", "external_uid": "1234"}))]
pub struct CreateJwt {
    /// The end user's verified email (case is ignored).
    email: String,
    /// The partner's own id for the user (1 to 128 characters).
    #[serde(default)]
    external_uid: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = coord::JwtToken)]
pub struct JwtToken {
    /// An EdDSA JWT, valid for one hour; verify it with `/.well-known/jwks.json`.
    jwt_token: String,
}

/// Create a test JWT for a user of the partner, creating the user on first sight. The same
/// partner and email (or external uid) always resolve to the same user. Test users are sandbox
/// users and never resolve to production users.
#[utoipa::path(
    post,
    path = "/v1/users/testing/create_jwt",
    tag = "coord",
    security(("access_key" = [])),
    request_body = CreateJwt,
    responses(
        (status = 200, description = "A test token", body = JwtToken),
        (status = 400, description = "Invalid body, email or external uid", body = super::error::CoordErrorBody),
        (status = 401, description = "Missing or unknown access key", body = super::error::CoordErrorBody),
        (status = 409, description = "The email belongs to a user with another external uid", body = super::error::CoordErrorBody),
        (status = 415, description = "Body is not JSON", body = super::error::CoordErrorBody),
        (status = 429, description = "rate_limited: too many tokens minted (Retry-After)", body = super::error::CoordErrorBody),
    )
)]
#[tracing::instrument(skip_all, fields(partner = %partner.partner_id))]
pub async fn create_test_jwt(
    State(state): State<AppState>,
    Partner(partner): Partner,
    ClientAddr(address): ClientAddr,
    meta: RequestMeta,
    CoordJson(body): CoordJson<CreateJwt>,
) -> Result<Json<JwtToken>, CoordError> {
    // the access key ships inside apps: anyone may hold it, so each address is counted
    state.limits.write(address)?;
    mint(&state, &partner, meta, body, true).await
}

/// Create a production JWT for a user of the partner, creating the user on first sight. Needs
/// the partner's server token as `Authorization: Bearer`, besides the access key.
#[utoipa::path(
    post,
    path = "/v1/users/create_jwt",
    tag = "coord",
    security(("access_key" = [], "server_token" = [])),
    request_body = CreateJwt,
    responses(
        (status = 200, description = "A token for a production user", body = JwtToken),
        (status = 400, description = "Invalid body, email or external uid", body = super::error::CoordErrorBody),
        (status = 401, description = "Missing or unknown access key, missing server token", body = super::error::CoordErrorBody),
        (status = 403, description = "The server token is not this partner's", body = super::error::CoordErrorBody),
        (status = 409, description = "The email belongs to a user with another external uid", body = super::error::CoordErrorBody),
        (status = 415, description = "Body is not JSON", body = super::error::CoordErrorBody),
        (status = 429, description = "rate_limited: too many tokens minted (Retry-After)", body = super::error::CoordErrorBody),
    )
)]
#[tracing::instrument(skip_all, fields(partner = %partner.partner_id))]
pub async fn create_jwt(
    State(state): State<AppState>,
    ServerPartner(partner): ServerPartner,
    meta: RequestMeta,
    CoordJson(body): CoordJson<CreateJwt>,
) -> Result<Json<JwtToken>, CoordError> {
    state.limits.mint(&partner.partner_id)?;
    mint(&state, &partner, meta, body, false).await
}

/// Sign the partner's user in (resolving or creating the user) and answer its access token.
async fn mint(
    state: &AppState,
    partner: &PartnerRow,
    meta: RequestMeta,
    body: CreateJwt,
    test: bool,
) -> Result<Json<JwtToken>, CoordError> {
    let email = Email::parse(&body.email)?;
    let external_uid = body.external_uid.as_deref().map(ExternalUid::parse).transpose()?;
    let partner = PartnerRef { tenant_id: partner.tenant_id.clone(), partner_id: partner.partner_id.clone() };
    let tenant = partner.tenant_id.clone();
    let factor = FirstFactor::Partner(PartnerVouches { partner, email, external_uid, test });
    let pair = state.sign_in.sign_in(Dialect::Coord, &tenant, factor, meta.0).await?.into_tokens()?;
    Ok(Json(JwtToken { jwt_token: pair.access_token }))
}
