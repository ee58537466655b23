//! Password reset: `customers/reset/{email}` mails a code, `set-password/{code}` sets a new
//! password with it. A code is kept per recipient, so `set-password` names the email in its body.
//! The first request answers 204 whether or not the email has an account (and whether or not a
//! code went out moments ago), so it tells nobody which addresses are registered.
use super::extract::{SuiteJson, Tenant};
use super::{DIALECT, SuiteError};
use crate::client_addr::ClientAddr;
use crate::error::ApiError;
use crate::request_meta::RequestMeta;
use crate::state::AppState;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use commands::CommandError;
use commands::signin::Dialect;
use domain::code::CodeError;
use domain::values::{Email, NewPassword};
use serde::Deserialize;
use std::collections::HashMap;
use utoipa_axum::routes;

/// The two routes, merged into the suite's router.
pub fn router() -> crate::openapi::ApiRouter {
    crate::openapi::ApiRouter::new().routes(routes!(reset)).routes(routes!(set_password))
}

/// The path parameter `name` (percent-decoded).
fn path_param(params: Result<Path<HashMap<String, String>>, PathRejection>, name: &str) -> Result<String, ApiError> {
    let Path(params) = params.map_err(|e| ApiError::InvalidBody(e.body_text()))?;
    params.get(name).cloned().ok_or_else(|| ApiError::InvalidBody(format!("{name} is required")))
}

/// Mail a password-reset code to the account with this email. 204 for any valid address: an
/// unknown one gets no mail, and one that got a code less than 60 seconds ago no second one.
#[utoipa::path(
    post,
    path = "/{tenant}/front/customers/reset/{email}",
    tag = "suite",
    params(
        ("tenant" = String, Path, description = "The operator (tenant) id"),
        ("email" = String, Path, description = "The account's email"),
    ),
    responses(
        (status = 204, description = "A code is on its way if the address has an account"),
        (status = 400, description = "U130.3: not an email address", body = super::error::SuiteErrorBody),
        (status = 429, description = "REQ429: too many requests (Retry-After)", body = super::error::SuiteErrorBody),
    )
)]
pub async fn reset(
    State(state): State<AppState>,
    Tenant(tenant): Tenant,
    ClientAddr(address): ClientAddr,
    meta: RequestMeta,
    params: Result<Path<HashMap<String, String>>, PathRejection>,
) -> Result<StatusCode, SuiteError> {
    let raw = path_param(params, "email")?;
    state.limits.write(address)?;
    state.limits.sign_in(address, &format!("{tenant}:reset:{}", raw.trim().to_lowercase()))?;
    let email = Email::parse(&raw)?;
    if state.users.email_account(&tenant, &email).await?.is_some() {
        let metadata = meta.by(DIALECT, &tenant, "reset".to_owned());
        match state.codes.send_reset_code(&tenant, &email, state.clock.now(), &metadata).await {
            // a 429 here would tell that the address has an account
            Ok(()) | Err(CommandError::Domain(CodeError::Cooldown { .. })) => {}
            Err(e) => return Err(ApiError::from(e).into()),
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = suite::SetPassword, example = json!({"email": "ann@example.com", "password": "a new correct horse"}))]
pub struct SetPassword {
    /// The email the code was mailed to.
    email: String,
    /// The new password: 8 to 128 characters.
    password: String,
}

/// Set a new password with the code `customers/reset/{email}` mailed. The code works once; every
/// session of the account ends (its access and refresh tokens stop working).
#[utoipa::path(
    post,
    path = "/{tenant}/front/set-password/{code}",
    tag = "suite",
    params(
        ("tenant" = String, Path, description = "The operator (tenant) id"),
        ("code" = String, Path, description = "The 6-digit code of the reset mail"),
    ),
    request_body = SetPassword,
    responses(
        (status = 204, description = "The password is changed; sign in with it"),
        (status = 400, description = "U402: the code is wrong, has expired (after 5 minutes) or was used, or none was sent to this email; U101: password not 8 to 128 characters; U130.3: not an email address; REQ400: invalid body", body = super::error::SuiteErrorBody),
        (status = 429, description = "REQ429: too many attempts (Retry-After)", body = super::error::SuiteErrorBody),
    )
)]
pub async fn set_password(
    State(state): State<AppState>,
    Tenant(tenant): Tenant,
    ClientAddr(address): ClientAddr,
    meta: RequestMeta,
    params: Result<Path<HashMap<String, String>>, PathRejection>,
    SuiteJson(body): SuiteJson<SetPassword>,
) -> Result<StatusCode, SuiteError> {
    let code = path_param(params, "code")?;
    state.limits.write(address)?;
    state.limits.sign_in(address, &format!("{tenant}:reset:{}", body.email.trim().to_lowercase()))?;
    let (email, password) = (Email::parse(&body.email)?, NewPassword::parse(&body.password)?);
    let metadata = meta.by(DIALECT, &tenant, "set-password".to_owned());
    let asked = (Dialect::Suite, tenant.as_str());
    state.sign_in.reset_password(asked, (&email, &code), password, metadata).await.map_err(ApiError::from)?;
    Ok(StatusCode::NO_CONTENT)
}
