//! Email-code sign-in: a signed bootstrap request sends a one-time code (and so may start a new
//! account), `sign-in-email-code` confirms it. The bootstrap answers 204 whether or not the email
//! has an account, so it tells nobody which addresses are registered; the account of a new
//! address is created when its code is confirmed.
use super::auth::SignInAnswer;
use super::extract::{SuiteJson, Tenant};
use super::{DIALECT, SuiteError};
use crate::client_addr::ClientAddr;
use crate::error::ApiError;
use crate::request_meta::RequestMeta;
use crate::state::AppState;
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use commands::signin::{Dialect, FirstFactor};
use domain::values::{Email, PhoneNumber};
use serde::Deserialize;

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = suite::EmailCodeRequest, example = json!({"email": "ann@example.com"}))]
pub struct EmailCodeRequest {
    email: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = suite::EmailCodeSignIn, example = json!({"email": "ann@example.com", "code": "123456"}))]
pub struct EmailCodeSignIn {
    email: String,
    code: String,
}

/// Send a one-time sign-in code to an email address; a new address gets an account when the
/// code is confirmed. Signed: `timestamp` (Unix seconds, within ±300 s) and `signature`, the
/// lowercase hex HMAC-SHA256 under the tenant's signature key of `"{timestamp}.{email}"`, with
/// `email` exactly as in the body. A signature works once.
#[utoipa::path(
    post,
    path = "/{tenant}/front/customers/create-or-sign-in-with-email-code",
    tag = "suite",
    params(
        ("tenant" = String, Path, description = "The operator (tenant) id"),
        ("timestamp" = i64, Query, description = "Unix seconds; within 300 s of the server's clock"),
        ("signature" = String, Query, description = "hex(HMAC-SHA256(tenant signature key, \"{timestamp}.{email}\"))"),
    ),
    request_body = EmailCodeRequest,
    responses(
        (status = 204, description = "A code is on its way (whether or not the address has an account)"),
        (status = 400, description = "U130.3: not an email address", body = super::error::SuiteErrorBody),
        (status = 401, description = "A213: signature missing, wrong, stale or used before", body = super::error::SuiteErrorBody),
        (status = 429, description = "U401: a code was sent moments ago; REQ429: too many requests (Retry-After)", body = super::error::SuiteErrorBody),
    )
)]
pub async fn create_or_sign_in_with_email_code(
    State(state): State<AppState>,
    Tenant(tenant): Tenant,
    ClientAddr(address): ClientAddr,
    RawQuery(query): RawQuery,
    meta: RequestMeta,
    SuiteJson(body): SuiteJson<EmailCodeRequest>,
) -> Result<StatusCode, SuiteError> {
    let now = state.clock.now();
    state.limits.sign_in(address, &format!("{tenant}:code:{}", body.email.trim().to_lowercase()))?;
    super::bootstrap::verify(&state, &tenant, query.as_deref(), &body.email, now).await?;
    let email = Email::parse(&body.email)?;
    let metadata = meta.by(DIALECT, &tenant, "bootstrap".to_owned());
    state.codes.send_email_code(&tenant, &email, now, &metadata).await.map_err(ApiError::from)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Confirm an email code: tokens (or `mfaRequired`), and an account for a new address.
#[utoipa::path(
    post,
    path = "/{tenant}/auth/sign-in-email-code",
    tag = "suite",
    params(("tenant" = String, Path, description = "The operator (tenant) id")),
    request_body = EmailCodeSignIn,
    responses(
        (status = 200, description = "Signed in (tokens), or `{mfaRequired, mfaToken}`", body = SignInAnswer),
        (status = 401, description = "A207: wrong, expired or used code (5 tries per code)", body = super::error::SuiteErrorBody),
        (status = 429, description = "REQ429: too many attempts (Retry-After)", body = super::error::SuiteErrorBody),
    )
)]
pub async fn sign_in_email_code(
    State(state): State<AppState>,
    Tenant(tenant): Tenant,
    ClientAddr(address): ClientAddr,
    meta: RequestMeta,
    SuiteJson(body): SuiteJson<EmailCodeSignIn>,
) -> Result<Json<SignInAnswer>, SuiteError> {
    state.limits.sign_in(address, &format!("{tenant}:{}", body.email.trim().to_lowercase()))?;
    let email = Email::parse(&body.email).map_err(|_| ApiError::InvalidCode)?;
    let factor = FirstFactor::EmailCode { email, code: body.code };
    Ok(Json(state.sign_in.sign_in(Dialect::Suite, &tenant, factor, meta.0).await?.try_into()?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = suite::PhoneCodeRequest, example = json!({"phoneNumber": "+41791234567"}))]
pub struct PhoneCodeRequest {
    /// International form: `+` and 8 to 15 digits.
    phone_number: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = suite::PhoneCodeSignIn, example = json!({"phoneNumber": "+41791234567", "code": "123456"}))]
pub struct PhoneCodeSignIn {
    phone_number: String,
    code: String,
}

/// Send a one-time sign-in code by SMS; a new number gets an account when the code is confirmed.
/// Signed like the email variant, over `"{timestamp}.{phoneNumber}"` with `phoneNumber` exactly
/// as in the body.
#[utoipa::path(
    post,
    path = "/{tenant}/front/customers/create-or-sign-in-with-phone-number",
    tag = "suite",
    params(
        ("tenant" = String, Path, description = "The operator (tenant) id"),
        ("timestamp" = i64, Query, description = "Unix seconds; within 300 s of the server's clock"),
        ("signature" = String, Query, description = "hex(HMAC-SHA256(tenant signature key, \"{timestamp}.{phoneNumber}\"))"),
    ),
    request_body = PhoneCodeRequest,
    responses(
        (status = 204, description = "A code is on its way (whether or not the number has an account)"),
        (status = 400, description = "REQ400: not a phone number in international form", body = super::error::SuiteErrorBody),
        (status = 401, description = "A213: signature missing, wrong, stale or used before", body = super::error::SuiteErrorBody),
        (status = 429, description = "U401: a code was sent moments ago; REQ429: too many requests (Retry-After)", body = super::error::SuiteErrorBody),
    )
)]
pub async fn create_or_sign_in_with_phone_number(
    State(state): State<AppState>,
    Tenant(tenant): Tenant,
    ClientAddr(address): ClientAddr,
    RawQuery(query): RawQuery,
    meta: RequestMeta,
    SuiteJson(body): SuiteJson<PhoneCodeRequest>,
) -> Result<StatusCode, SuiteError> {
    let now = state.clock.now();
    state.limits.sign_in(address, &format!("{tenant}:code:{}", body.phone_number.trim()))?;
    super::bootstrap::verify(&state, &tenant, query.as_deref(), &body.phone_number, now).await?;
    let phone = PhoneNumber::parse(&body.phone_number)?;
    let metadata = meta.by(DIALECT, &tenant, "bootstrap".to_owned());
    state.codes.send_phone_code(&tenant, &phone, now, &metadata).await.map_err(ApiError::from)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Confirm an SMS code: tokens (or `mfaRequired`), and an account for a new number.
#[utoipa::path(
    post,
    path = "/{tenant}/auth/sign-in-phone-number",
    tag = "suite",
    params(("tenant" = String, Path, description = "The operator (tenant) id")),
    request_body = PhoneCodeSignIn,
    responses(
        (status = 200, description = "Signed in (tokens), or `{mfaRequired, mfaToken}`", body = SignInAnswer),
        (status = 401, description = "A207: wrong, expired or used code (5 tries per code)", body = super::error::SuiteErrorBody),
        (status = 429, description = "REQ429: too many attempts (Retry-After)", body = super::error::SuiteErrorBody),
    )
)]
pub async fn sign_in_phone_number(
    State(state): State<AppState>,
    Tenant(tenant): Tenant,
    ClientAddr(address): ClientAddr,
    meta: RequestMeta,
    SuiteJson(body): SuiteJson<PhoneCodeSignIn>,
) -> Result<Json<SignInAnswer>, SuiteError> {
    state.limits.sign_in(address, &format!("{tenant}:{}", body.phone_number.trim()))?;
    let phone = PhoneNumber::parse(&body.phone_number).map_err(|_| ApiError::InvalidCode)?;
    let factor = FirstFactor::PhoneCode { phone, code: body.code };
    Ok(Json(state.sign_in.sign_in(Dialect::Suite, &tenant, factor, meta.0).await?.try_into()?))
}
