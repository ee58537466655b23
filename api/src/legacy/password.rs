//! `/api/oauth/reset_password`: a reset code by email, and (this service's addition, named in the
//! original's style) `/api/oauth/reset_password/confirm`, which sets a new password with it.
use super::extract::LegacyJson;
use super::{DIALECT, LegacyError};
use crate::client_addr::ClientAddr;
use crate::error::ApiError;
use crate::request_meta::RequestMeta;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use commands::signin::Dialect;
use domain::values::{Email, NewPassword};
use serde::Deserialize;

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = legacy::ResetPassword, example = json!({"email": "ann@example.com"}))]
pub struct ResetPassword {
    #[serde(default)]
    email: Option<String>,
}

/// Mail a password-reset code to the account's email.
#[utoipa::path(
    post,
    path = "/api/oauth/reset_password",
    tag = "legacy",
    request_body = ResetPassword,
    responses(
        (status = 200, description = "the mail has been sent", body = super::users::Message),
        (status = 400, description = "missing or invalid email", body = super::error::LegacyErrorBody),
        (status = 404, description = "no user with this email (the original answers so)", body = super::error::LegacyErrorBody),
        (status = 429, description = "a mail was sent moments ago, or too many requests (Retry-After)", body = super::error::LegacyErrorBody),
    )
)]
pub async fn reset_password(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    meta: RequestMeta,
    LegacyJson(body): LegacyJson<ResetPassword>,
) -> Result<Json<super::users::Message>, LegacyError> {
    let tenant = state.legacy_tenant.clone();
    let raw = body.email.filter(|e| !e.trim().is_empty()).ok_or(ApiError::InvalidBody("email is required".into()))?;
    state.limits.write(address)?;
    state.limits.sign_in(address, &format!("{tenant}:reset:{}", raw.trim().to_lowercase()))?;
    let email = Email::parse(&raw)?;
    if state.users.email_account(&tenant, &email).await?.is_none() {
        // the original's text, typo and all
        return Err(ApiError::NoAccount.into());
    }
    let metadata = meta.by(DIALECT, &tenant, "reset_password".to_owned());
    state.codes.send_reset_code(&tenant, &email, state.clock.now(), &metadata).await?;
    Ok(Json(super::users::Message { msg: "the mail has been sent" }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = legacy::ResetPasswordConfirm, example = json!({"email": "ann@example.com", "code": "123456", "password": "a new correct horse"}))]
pub struct ResetPasswordConfirm {
    #[serde(default)]
    email: Option<String>,
    /// The 6-digit code of the reset mail.
    #[serde(default)]
    code: Option<String>,
    /// The new password: 8 to 128 characters.
    #[serde(default)]
    password: Option<String>,
}

/// Set a new password with the code `reset_password` mailed. Every session of the account ends.
#[utoipa::path(
    post,
    path = "/api/oauth/reset_password/confirm",
    tag = "legacy",
    request_body = ResetPasswordConfirm,
    responses(
        (status = 200, description = "the password has been changed; sign in with it (grant_type=password)", body = super::users::Message),
        (status = 400, description = "missing parameters, an invalid email, or a password not 8 to 128 characters (`weak_password`)", body = super::error::LegacyErrorBody),
        (status = 403, description = "the code is wrong, has expired or was used (`invalid_code`)", body = super::error::LegacyErrorBody),
        (status = 429, description = "too many attempts (Retry-After)", body = super::error::LegacyErrorBody),
    )
)]
pub async fn reset_password_confirm(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    meta: RequestMeta,
    LegacyJson(body): LegacyJson<ResetPasswordConfirm>,
) -> Result<Json<super::users::Message>, LegacyError> {
    let tenant = state.legacy_tenant.as_str();
    let given = |v: Option<String>| v.filter(|v| !v.trim().is_empty());
    let (Some(raw), Some(code), Some(password)) = (given(body.email), given(body.code), body.password) else {
        return Err(ApiError::InvalidBody("missing parameters: email, code and password are required".into()).into());
    };
    state.limits.write(address)?;
    state.limits.sign_in(address, &format!("{tenant}:reset:{}", raw.trim().to_lowercase()))?;
    let (email, password) = (Email::parse(&raw)?, NewPassword::parse(&password)?);
    let metadata = meta.by(DIALECT, tenant, "reset_password".to_owned());
    let asked = (Dialect::Legacy, tenant);
    state.sign_in.reset_password(asked, (&email, &code), password, metadata).await.map_err(ApiError::from)?;
    Ok(Json(super::users::Message { msg: "the password has been changed" }))
}
