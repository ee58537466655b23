//! Proving the customer's phone number and email: `verify/send` and `verify/check/{code}` for
//! the signed-in customer's phone; `verify-email/resend/{email}` mails a code and a link, which
//! `POST verify-email` (the code) or `GET verify-email` (the link) take back. The codes are the
//! one-time codes of sign-in (5 minutes, 5 attempts, 60 s between two), under purposes of their
//! own, so a sign-in code never proves a number and the reverse.
use super::extract::{SuiteJson, SuiteUser, Tenant};
use super::{DIALECT, SuiteError};
use crate::client_addr::ClientAddr;
use crate::error::ApiError;
use crate::request_meta::RequestMeta;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Html;
use commands::Metadata;
use commands::codes::{EMAIL_VERIFICATION, PHONE_VERIFICATION};
use domain::user::UserCommand;
use domain::values::{Email, PhoneNumber};
use serde::Deserialize;

type ErrorBody = super::error::SuiteErrorBody;

/// Send a code by SMS to the signed-in customer's phone number (nothing when it is proven).
#[utoipa::path(
    post,
    path = "/{tenant}/front/customers/verify/send",
    tag = "suite",
    params(("tenant" = String, Path, description = "The operator (tenant) id")),
    security(("suite_user" = [])),
    responses(
        (status = 204, description = "The code was sent, or the number is proven already"),
        (status = 400, description = "U301: the customer has no phone number", body = ErrorBody),
        (status = 429, description = "U401: a code was sent less than 60 s ago", body = ErrorBody),
    )
)]
pub async fn send_phone_code(
    State(state): State<AppState>,
    user: SuiteUser,
    meta: RequestMeta,
) -> Result<StatusCode, SuiteError> {
    let (account, _) = state.users.load(user.user_id).await?;
    let phone = account.phone_number().ok_or(ApiError::NoPhoneToVerify)?;
    if !account.phone_verified() {
        let metadata = meta.by(DIALECT, &user.tenant_id, format!("user:{}", user.user_id));
        let (tenant, now) = (&user.tenant_id, state.clock.now());
        state.codes.send_proof(tenant, PHONE_VERIFICATION, "sms", phone.as_str(), None, now, &metadata).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Prove the signed-in customer's phone number with the code it received.
#[utoipa::path(
    post,
    path = "/{tenant}/front/customers/verify/check/{code}",
    tag = "suite",
    params(("tenant" = String, Path, description = "The operator (tenant) id"), ("code" = String, Path, description = "The 6-digit code")),
    security(("suite_user" = [])),
    responses(
        (status = 204, description = "The number is proven"),
        (status = 400, description = "U301: no phone number; U302: the code is wrong, used or expired, or the number changed", body = ErrorBody),
    )
)]
pub async fn check_phone_code(
    State(state): State<AppState>,
    user: SuiteUser,
    meta: RequestMeta,
    Path(path): Path<(String, String)>,
) -> Result<StatusCode, SuiteError> {
    let code = path.1;
    let (account, _) = state.users.load(user.user_id).await?;
    let phone: PhoneNumber = account.phone_number().cloned().ok_or(ApiError::NoPhoneToVerify)?;
    let metadata = meta.by(DIALECT, &user.tenant_id, format!("user:{}", user.user_id));
    let now = state.clock.now();
    if !state.codes.verify_proof(&user.tenant_id, PHONE_VERIFICATION, phone.as_str(), &code, now, &metadata).await? {
        return Err(ApiError::WrongPhoneCode.into());
    }
    let command = UserCommand::ProvePhoneNumber { phone_number: phone, at: now };
    state.users.change(user.user_id, command, &metadata).await.map_err(|_| ApiError::WrongPhoneCode)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Mail a confirmation code and link to `email`, when an account of the tenant has it unproven.
/// Always 204, so the answer tells nobody whether the email has an account.
#[utoipa::path(
    post,
    path = "/{tenant}/front/customers/verify-email/resend/{email}",
    tag = "suite",
    params(("tenant" = String, Path, description = "The operator (tenant) id"), ("email" = String, Path, description = "The account's email")),
    responses(
        (status = 204, description = "Mailed, if an account has this email unproven"),
        (status = 400, description = "U130.3: not an email address", body = ErrorBody),
        (status = 429, description = "REQ429: too many requests from this address; U401: a code was mailed less than 60 s ago", body = ErrorBody),
    )
)]
pub async fn resend_email(
    State(state): State<AppState>,
    Tenant(tenant): Tenant,
    ClientAddr(address): ClientAddr,
    meta: RequestMeta,
    Path(path): Path<(String, String)>,
) -> Result<StatusCode, SuiteError> {
    state.limits.write(address)?;
    let email = Email::parse(&path.1)?;
    let Some((user_id, account)) = state.users.email_account(&tenant, &email).await? else {
        return Ok(StatusCode::NO_CONTENT);
    };
    if !account.email_verified() {
        let metadata = meta.by(DIALECT, &tenant, format!("user:{user_id}"));
        let query = form_urlencoded::Serializer::new(String::new()).append_pair("email", email.as_str()).finish();
        let link = format!("{}/{tenant}/front/customers/verify-email?{query}&code={{code}}", state.public_url);
        let now = state.clock.now();
        state
            .codes
            .send_proof(&tenant, EMAIL_VERIFICATION, "email", email.as_str(), Some(&link), now, &metadata)
            .await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
#[schema(as = suite::EmailConfirmation)]
pub struct EmailConfirmation {
    email: String,
    /// The 6-digit code of the mail.
    code: String,
}

async fn confirm(state: &AppState, tenant: &str, body: EmailConfirmation, meta: RequestMeta) -> Result<(), ApiError> {
    let email = Email::parse(&body.email)?;
    let Some((user_id, _)) = state.users.email_account(tenant, &email).await? else {
        return Err(ApiError::WrongEmailCode);
    };
    let metadata: Metadata = meta.by(DIALECT, tenant, format!("user:{user_id}"));
    let now = state.clock.now();
    if !state.codes.verify_proof(tenant, EMAIL_VERIFICATION, email.as_str(), &body.code, now, &metadata).await? {
        return Err(ApiError::WrongEmailCode);
    }
    state.users.change(user_id, UserCommand::ConfirmEmail { at: now }, &metadata).await?;
    Ok(())
}

/// Prove an email with the code of its confirmation mail.
#[utoipa::path(
    post,
    path = "/{tenant}/front/customers/verify-email",
    tag = "suite",
    params(("tenant" = String, Path, description = "The operator (tenant) id")),
    request_body = EmailConfirmation,
    responses(
        (status = 204, description = "The email is proven"),
        (status = 400, description = "U130.3: not an email; U402: the code is wrong, used or expired", body = ErrorBody),
    )
)]
pub async fn confirm_email(
    State(state): State<AppState>,
    Tenant(tenant): Tenant,
    meta: RequestMeta,
    SuiteJson(body): SuiteJson<EmailConfirmation>,
) -> Result<StatusCode, SuiteError> {
    confirm(&state, &tenant, body, meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The link of the confirmation mail: proves the email and answers a page saying so.
#[utoipa::path(
    get,
    path = "/{tenant}/front/customers/verify-email",
    tag = "suite",
    params(("tenant" = String, Path, description = "The operator (tenant) id"), EmailConfirmation),
    responses(
        (status = 200, description = "A page: the email is confirmed", body = String, content_type = "text/html"),
        (status = 400, description = "A page: the link is wrong, used or expired", body = String, content_type = "text/html"),
    )
)]
pub async fn confirm_email_link(
    State(state): State<AppState>,
    Tenant(tenant): Tenant,
    meta: RequestMeta,
    link: Result<Query<EmailConfirmation>, axum::extract::rejection::QueryRejection>,
) -> (StatusCode, Html<&'static str>) {
    // a cut or altered link gets the same page as a used one, not the extractor's plain text
    let Ok(Query(link)) = link else { return (StatusCode::BAD_REQUEST, Html(PAGE_REFUSED)) };
    match confirm(&state, &tenant, link, meta).await {
        Ok(()) => (StatusCode::OK, Html(PAGE_CONFIRMED)),
        Err(_) => (StatusCode::BAD_REQUEST, Html(PAGE_REFUSED)),
    }
}

const PAGE_CONFIRMED: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Email confirmed</title></head>\
<body><h1>Your email address is confirmed.</h1><p>You can close this page.</p></body></html>";
const PAGE_REFUSED: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Link not valid</title></head>\
<body><h1>This link is not valid any more.</h1><p>It was used, or it expired. Ask for a new one in the app.</p></body></html>";
