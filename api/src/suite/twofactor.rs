//! Suite two-factor sign-in (TOTP): get a secret, show it as a QR code, switch it on with a
//! first code (and receive recovery codes), and complete an `mfaRequired` sign-in.
use super::auth::Tokens;
use super::extract::{SuiteJson, SuiteUser, Tenant};
use super::{DIALECT, SuiteError};
use crate::client_addr::ClientAddr;
use crate::error::ApiError;
use crate::request_meta::RequestMeta;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use commands::signin::Dialect;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The name authenticator apps show above the code.
const ISSUER: &str = "Users API";

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = suite::TwoFactorSecret)]
pub struct TwoFactorSecret {
    /// Base32, for typing into an authenticator app.
    secret: String,
    /// `otpauth://totp/…`, what the QR code of `2fa-qr-code` encodes.
    otpauth_url: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = suite::TwoFactorEnable, example = json!({"code": "123456", "password": "correct horse battery"}))]
pub struct TwoFactorEnable {
    /// The 6-digit code the authenticator app shows.
    code: String,
    /// The account's password, asked again (required when the account has one).
    #[serde(default)]
    password: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = suite::RecoveryCodes)]
pub struct RecoveryCodes {
    /// Ten one-time codes for when the authenticator is lost; shown only now.
    recovery_codes: Vec<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = suite::TwoFactorValidate, example = json!({"mfaToken": "eyJ…", "code": "123456"}))]
pub struct TwoFactorValidate {
    mfa_token: String,
    /// A TOTP code, or one of the recovery codes.
    code: String,
}

async fn account_name(state: &AppState, user_id: Uuid) -> Result<String, ApiError> {
    let row = state.reads.user(user_id).await?.filter(projections::users::UserRow::signed_up);
    Ok(row.and_then(|c| c.email.or(c.phone_number)).unwrap_or_else(|| user_id.to_string()))
}

/// A new TOTP secret for the signed-in user, pending until `2fa-enable` confirms a first code.
#[utoipa::path(
    post,
    path = "/{tenant}/auth/user/2fa-secret",
    tag = "suite",
    params(("tenant" = String, Path, description = "The operator (tenant) id")),
    security(("suite_user" = [])),
    responses(
        (status = 200, description = "A pending secret", body = TwoFactorSecret),
        (status = 401, description = "A202/A203/A204: no valid token or session", body = super::error::SuiteErrorBody),
        (status = 409, description = "A208: two-factor sign-in is on already", body = super::error::SuiteErrorBody),
        (status = 429, description = "REQ429: too many requests from this address (Retry-After)", body = super::error::SuiteErrorBody),
    )
)]
pub async fn secret(
    State(state): State<AppState>,
    user: SuiteUser,
    ClientAddr(address): ClientAddr,
    meta: RequestMeta,
) -> Result<Json<TwoFactorSecret>, SuiteError> {
    state.limits.write(address)?;
    let metadata = meta.by(DIALECT, &user.tenant_id, format!("user:{}", user.user_id));
    let secret =
        state.two_factor.issue_secret(user.user_id, state.clock.now(), &metadata).await.map_err(ApiError::from)?;
    let account = account_name(&state, user.user_id).await?;
    let totp =
        commands::twofactor::totp(&secret, ISSUER, &account).ok_or_else(|| ApiError::Internal("totp secret".into()))?;
    Ok(Json(TwoFactorSecret { secret, otpauth_url: totp.get_url() }))
}

/// The pending secret as a QR code (PNG) for an authenticator app to scan.
#[utoipa::path(
    post,
    path = "/{tenant}/auth/user/2fa-qr-code",
    tag = "suite",
    params(("tenant" = String, Path, description = "The operator (tenant) id")),
    security(("suite_user" = [])),
    responses(
        (status = 200, description = "The otpauth URL as a QR code", body = Vec<u8>, content_type = "image/png"),
        (status = 401, description = "A202/A203/A204: no valid token or session", body = super::error::SuiteErrorBody),
        (status = 409, description = "A209: no pending secret (call 2fa-secret first)", body = super::error::SuiteErrorBody),
    )
)]
pub async fn qr_code(State(state): State<AppState>, user: SuiteUser) -> Result<impl IntoResponse, SuiteError> {
    let secret = state
        .two_factor
        .pending_secret(user.user_id)
        .await
        .map_err(ApiError::from)?
        .ok_or(ApiError::NoPendingTotpSecret)?;
    let account = account_name(&state, user.user_id).await?;
    let totp =
        commands::twofactor::totp(&secret, ISSUER, &account).ok_or_else(|| ApiError::Internal("totp secret".into()))?;
    let png = totp.get_qr_png().map_err(ApiError::Internal)?;
    Ok(([(CONTENT_TYPE, "image/png")], png))
}

/// Switch two-factor sign-in on with a first code of the pending secret.
#[utoipa::path(
    post,
    path = "/{tenant}/auth/user/2fa-enable",
    tag = "suite",
    params(("tenant" = String, Path, description = "The operator (tenant) id")),
    request_body = TwoFactorEnable,
    security(("suite_user" = [])),
    responses(
        (status = 200, description = "On; keep the recovery codes", body = RecoveryCodes),
        (status = 401, description = "A201: wrong or missing password; A207: wrong code; A202/A203/A204: no valid token or session", body = super::error::SuiteErrorBody),
        (status = 403, description = "U131: the account is locked", body = super::error::SuiteErrorBody),
        (status = 409, description = "A208: on already; A209: no pending secret", body = super::error::SuiteErrorBody),
        (status = 429, description = "REQ429: too many requests from this address (Retry-After)", body = super::error::SuiteErrorBody),
    )
)]
pub async fn enable(
    State(state): State<AppState>,
    user: SuiteUser,
    ClientAddr(address): ClientAddr,
    meta: RequestMeta,
    SuiteJson(body): SuiteJson<TwoFactorEnable>,
) -> Result<Json<RecoveryCodes>, SuiteError> {
    state.limits.write(address)?;
    let asked = (Dialect::Suite, user.tenant_id.as_str());
    let codes = state.sign_in.enable_two_factor(asked, user.user_id, body.password, &body.code, meta.0).await?;
    Ok(Json(RecoveryCodes { recovery_codes: codes }))
}

/// Complete an `mfaRequired` sign-in with a TOTP code or a recovery code. A wrong code counts
/// as a failed sign-in toward the account lockout.
#[utoipa::path(
    post,
    path = "/{tenant}/auth/user/2fa-code-validate",
    tag = "suite",
    params(("tenant" = String, Path, description = "The operator (tenant) id")),
    request_body = TwoFactorValidate,
    responses(
        (status = 200, description = "Signed in", body = Tokens),
        (status = 401, description = "A207: wrong or used code; A210: mfaToken invalid or expired", body = super::error::SuiteErrorBody),
        (status = 403, description = "U131: the account is locked", body = super::error::SuiteErrorBody),
        (status = 429, description = "REQ429: too many attempts (Retry-After)", body = super::error::SuiteErrorBody),
    )
)]
pub async fn validate(
    State(state): State<AppState>,
    Tenant(tenant): Tenant,
    ClientAddr(address): ClientAddr,
    meta: RequestMeta,
    SuiteJson(body): SuiteJson<TwoFactorValidate>,
) -> Result<Json<Tokens>, SuiteError> {
    let ticket = state.sign_in.open_mfa_token(&tenant, &body.mfa_token).await?;
    state.limits.sign_in(address, &format!("{tenant}:user:{}", ticket.user_id))?;
    let pair = state.sign_in.second_factor(ticket, &body.code, meta.0).await?;
    Ok(Json(pair.try_into()?))
}
