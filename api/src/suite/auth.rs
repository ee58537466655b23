//! Suite Authentication API: email sign-in, refresh, logout.
use super::extract::{SuiteJson, SuiteUser, Tenant};
use super::{DIALECT, SuiteError};
use crate::client_addr::ClientAddr;
use crate::error::ApiError;
use crate::request_meta::RequestMeta;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use commands::signin::{Dialect, FirstFactor, SignInError, SignedIn, TokenPair};
use domain::login::RevocationReason;
use serde::{Deserialize, Serialize};

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = suite::SignInEmail, example = json!({"email": "ann@example.com", "password": "correct horse battery"}))]
pub struct SignInEmail {
    email: String,
    password: String,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = suite::Tokens)]
pub struct Tokens {
    /// An EdDSA JWT (5 hours by default); verify it with `/.well-known/jwks.json`.
    pub(super) access_token: String,
    /// Opaque; send it to `refresh-token` for a new pair. Each one works once.
    pub(super) refresh_token: String,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = suite::MfaRequired)]
pub struct MfaRequired {
    /// Always true.
    mfa_required: bool,
    /// Send it with a code to `user/2fa-code-validate` within 5 minutes.
    mfa_token: String,
}

/// Tokens, or (two-factor sign-in on) the request for a second factor.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
#[schema(as = suite::SignInAnswer)]
pub enum SignInAnswer {
    Tokens(Tokens),
    MfaRequired(MfaRequired),
}

impl TryFrom<TokenPair> for Tokens {
    type Error = SignInError;

    fn try_from(pair: TokenPair) -> Result<Self, SignInError> {
        Ok(Self { refresh_token: pair.refresh_token()?, access_token: pair.access_token })
    }
}

impl TryFrom<SignedIn> for SignInAnswer {
    type Error = SignInError;

    fn try_from(signed_in: SignedIn) -> Result<Self, SignInError> {
        Ok(match signed_in {
            SignedIn::Tokens(pair) => Self::Tokens(pair.try_into()?),
            SignedIn::MfaRequired { mfa_token } => Self::MfaRequired(MfaRequired { mfa_required: true, mfa_token }),
        })
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = suite::RefreshToken)]
pub struct RefreshToken {
    refresh_token: String,
}

/// Sign in with email and password: an access token and a refresh token. A wrong password and
/// an unknown email get the same answer, after the same work.
#[utoipa::path(
    post,
    path = "/{tenant}/auth/sign-in-email",
    tag = "suite",
    params(("tenant" = String, Path, description = "The operator (tenant) id, e.g. `demo`")),
    request_body = SignInEmail,
    responses(
        (status = 200, description = "Signed in (tokens), or, when two-factor sign-in is on, `{mfaRequired: true, mfaToken}`", body = SignInAnswer),
        (status = 400, description = "REQ400: invalid body", body = super::error::SuiteErrorBody),
        (status = 401, description = "A201: wrong email or password", body = super::error::SuiteErrorBody),
        (status = 403, description = "U131: the account is locked after repeated failures (Retry-After says how long)", body = super::error::SuiteErrorBody),
        (status = 404, description = "T404: unknown tenant", body = super::error::SuiteErrorBody),
        (status = 429, description = "REQ429: too many attempts from this address or for this account (Retry-After)", body = super::error::SuiteErrorBody),
    )
)]
#[tracing::instrument(skip_all, fields(tenant = %tenant))]
pub async fn sign_in_email(
    State(state): State<AppState>,
    Tenant(tenant): Tenant,
    ClientAddr(address): ClientAddr,
    meta: RequestMeta,
    SuiteJson(body): SuiteJson<SignInEmail>,
) -> Result<Json<SignInAnswer>, SuiteError> {
    state.limits.sign_in(address, &format!("{tenant}:{}", body.email.trim().to_lowercase()))?;
    let factor = FirstFactor::Password { email: body.email, password: body.password };
    let signed_in = state.sign_in.sign_in(Dialect::Suite, &tenant, factor, meta.0).await?;
    Ok(Json(signed_in.try_into()?))
}

/// Exchange a refresh token for a new access token and a new refresh token. The old refresh
/// token is spent: presented again after a few seconds' grace (or after its successor was
/// used), it ends the whole session.
#[utoipa::path(
    post,
    path = "/{tenant}/auth/refresh-token",
    tag = "suite",
    params(("tenant" = String, Path, description = "The operator (tenant) id")),
    request_body = RefreshToken,
    responses(
        (status = 200, description = "A new pair", body = Tokens),
        (status = 400, description = "REQ400: invalid body", body = super::error::SuiteErrorBody),
        (status = 401, description = "A205: not a valid refresh token; A206: a spent token came back and the session was revoked", body = super::error::SuiteErrorBody),
        (status = 404, description = "T404: unknown tenant", body = super::error::SuiteErrorBody),
        (status = 429, description = "REQ429: too many refreshes from this address (Retry-After)", body = super::error::SuiteErrorBody),
    )
)]
#[tracing::instrument(skip_all, fields(tenant = %tenant))]
pub async fn refresh_token(
    State(state): State<AppState>,
    Tenant(tenant): Tenant,
    ClientAddr(address): ClientAddr,
    meta: RequestMeta,
    SuiteJson(body): SuiteJson<RefreshToken>,
) -> Result<Json<Tokens>, SuiteError> {
    state.limits.refresh(address)?;
    let pair = state.sign_in.refresh(Dialect::Suite, &tenant, &body.refresh_token, meta.0).await?;
    Ok(Json(pair.try_into()?))
}

/// End the session of the access token: it and every token of the session stop working at once.
#[utoipa::path(
    post,
    path = "/{tenant}/auth/logout",
    tag = "suite",
    params(("tenant" = String, Path, description = "The operator (tenant) id")),
    security(("suite_user" = [])),
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, description = "A202/A203/A204: no valid token or session", body = super::error::SuiteErrorBody),
        (status = 403, description = "A101: token of another tenant, or a client acting for a user (it has no session to end)", body = super::error::SuiteErrorBody),
    )
)]
#[tracing::instrument(skip_all, fields(tenant = %user.tenant_id))]
pub async fn logout(
    State(state): State<AppState>,
    user: SuiteUser,
    meta: RequestMeta,
) -> Result<StatusCode, SuiteError> {
    // a client acting for a user has no session of the user's to end
    let session_id = user.session_id.ok_or(ApiError::OtherTenant)?;
    let metadata = meta.by(DIALECT, &user.tenant_id, format!("user:{}", user.user_id));
    state
        .logins
        .revoke(session_id, RevocationReason::SignedOut, state.clock.now(), &metadata)
        .await
        .map_err(ApiError::from)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = suite::SignInApiClient, example = json!({"clientId": "demo-partner", "clientKey": "st_…"}))]
pub struct SignInApiClient {
    client_id: String,
    client_key: String,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = suite::ClientToken)]
pub struct ClientToken {
    /// A client token: create customers with it (`POST /customers`) and act for them with
    /// `GoUrban-Impersonate: {uuid}`. No refresh token: sign in again when it expires.
    access_token: String,
}

/// Sign in as an API client (a partner of the tenant: its id and its secret key).
#[utoipa::path(
    post,
    path = "/{tenant}/auth/sign-in-api-client",
    tag = "suite",
    params(("tenant" = String, Path, description = "The operator (tenant) id")),
    request_body = SignInApiClient,
    responses(
        (status = 200, description = "A client token", body = ClientToken),
        (status = 401, description = "A201: unknown client or wrong key", body = super::error::SuiteErrorBody),
        (status = 404, description = "T404: unknown tenant", body = super::error::SuiteErrorBody),
        (status = 429, description = "REQ429: too many attempts (Retry-After)", body = super::error::SuiteErrorBody),
    )
)]
#[tracing::instrument(skip_all, fields(tenant = %tenant))]
pub async fn sign_in_api_client(
    State(state): State<AppState>,
    Tenant(tenant): Tenant,
    ClientAddr(address): ClientAddr,
    SuiteJson(body): SuiteJson<SignInApiClient>,
) -> Result<Json<ClientToken>, SuiteError> {
    state.limits.sign_in(address, &format!("{tenant}:client:{}", body.client_id))?;
    let partner = state.reads.partner(&body.client_id).await?;
    // a client of another tenant is as unknown here as a made-up one
    let stored = partner.as_ref().filter(|p| p.tenant_id == tenant).map(|p| p.server_token_hash.as_str());
    let access_token = state.sign_in.api_client(&tenant, &body.client_id, &body.client_key, stored).await?;
    Ok(Json(ClientToken { access_token }))
}
