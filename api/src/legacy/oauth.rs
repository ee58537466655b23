//! `/api/oauth`: register and revoke (the token grants are in `token`, passwords in `password`).
use super::extract::{LegacyJson, LegacyUser, RawBody};
use super::users::{UserModel, user_model};
use super::{DIALECT, LegacyError};
use crate::client_addr::ClientAddr;
use crate::error::ApiError;
use crate::request_meta::RequestMeta;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use commands::signin::{Dialect, FirstFactor, PasswordSignUp, SignUpError};
use domain::login::RevocationReason;
use domain::user::Profile;
use domain::values::{Email, NewPassword};
use serde::{Deserialize, Serialize};

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = legacy::Register, example = json!({"username": "ann", "email": "ann@example.com", "password": "correct horse battery", "accept_terms": 1}))]
pub struct Register {
    /// 2 to 40 letters, digits, `.`, `_` or `-`; unique.
    username: String,
    email: String,
    /// 8 to 128 characters.
    password: String,
    /// Job title.
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    company: Option<String>,
    /// Must be 1: the terms were accepted.
    #[serde(default)]
    accept_terms: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = legacy::Registered)]
pub struct Registered {
    user: UserModel,
    access_token: String,
    /// Spelled as the original spells it here (`refresh_token` elsewhere).
    #[serde(rename = "refreshToken")]
    refresh_token: String,
}

/// 2 to 40 letters, digits, `.`, `_` or `-`.
pub(super) fn valid_username(u: &str) -> bool {
    (2..=40).contains(&u.chars().count()) && u.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
}

/// A role or company: trimmed, empty is none, at most 100 characters.
pub(super) fn optional(value: Option<String>) -> Result<Option<String>, ApiError> {
    let value = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    if value.as_ref().is_some_and(|v| v.chars().count() > 100) {
        return Err(ApiError::InvalidBody("role and company are at most 100 characters".into()));
    }
    Ok(value)
}

impl Register {
    /// The email, the password and the profile of a valid request, checked in the original's order.
    fn checked(self) -> Result<(Email, NewPassword, Profile), ApiError> {
        let username = self.username.trim().to_owned();
        if !valid_username(&username) {
            return Err(ApiError::InvalidBody("username: 2 to 40 letters, digits, '.', '_' or '-'".into()));
        }
        let email = Email::parse(&self.email)?;
        let password = NewPassword::parse(&self.password)?;
        if self.accept_terms != Some(1) {
            return Err(ApiError::InvalidBody("accept_terms must be 1".into()));
        }
        let profile = Profile {
            username: Some(username),
            role: optional(self.role)?,
            company: optional(self.company)?,
            ..Profile::default()
        };
        Ok((email, password, profile))
    }
}

/// Create an account and sign it in. `GET` with a JSON body, as the original; `POST` works too.
#[utoipa::path(
    method(get, post),
    path = "/api/oauth/register",
    tag = "legacy",
    request_body = Register,
    responses(
        (status = 200, description = "the account was created; tokens for it", body = Registered),
        (status = 400, description = "invalid parameters (username, email, password of 8 to 128 characters, accept_terms = 1)", body = super::error::LegacyErrorBody),
        (status = 409, description = "the email or username is taken", body = super::error::LegacyErrorBody),
        (status = 429, description = "too many attempts from this address (Retry-After)", body = super::error::LegacyErrorBody),
    )
)]
pub async fn register(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    meta: RequestMeta,
    LegacyJson(body): LegacyJson<Register>,
) -> Result<Json<Registered>, LegacyError> {
    let tenant = state.legacy_tenant.clone();
    state.limits.write(address)?;
    state.limits.sign_in(address, &format!("{tenant}:register:{}", body.email.trim().to_lowercase()))?;
    let (email, password, profile) = body.checked()?;
    let metadata = meta.by(DIALECT, &tenant, "register".to_owned());
    let sign_up = PasswordSignUp { tenant_id: tenant.clone(), email, password, profile, created_by: None };
    let user_id = state.sign_in.sign_up_with_password(sign_up, &metadata).await.map_err(|e| match e {
        SignUpError::Taken => ApiError::Conflict("the email or username is already taken".into()),
        e => e.into(),
    })?;
    let factor = FirstFactor::NewAccount { user_id };
    let pair = state.sign_in.sign_in(Dialect::Legacy, &tenant, factor, metadata).await?.into_tokens()?;
    let refresh_token = pair.refresh_token()?;
    Ok(Json(Registered { user: user_model(&state, user_id).await?, access_token: pair.access_token, refresh_token }))
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[schema(as = legacy::Revoke)]
pub struct Revoke {
    /// The refresh token to revoke; without it, the session of the bearer token.
    #[serde(default)]
    refresh_token: Option<String>,
}

/// Revoke a refresh token, and with it every access token of its session.
#[utoipa::path(
    post,
    path = "/api/oauth/revoke",
    tag = "legacy",
    request_body(content = Revoke, description = "optional"),
    security(("legacy_user" = [])),
    responses(
        (status = 200, description = "revoked", body = super::users::Message),
        (status = 401, description = "no valid token or session", body = super::error::LegacyErrorBody),
        (status = 404, description = "token not found", body = super::error::LegacyErrorBody),
    )
)]
pub async fn revoke(
    State(state): State<AppState>,
    user: LegacyUser,
    meta: RequestMeta,
    RawBody(body): RawBody,
) -> Result<Json<super::users::Message>, LegacyError> {
    // the body is optional: none revokes the bearer token's own session
    let body: Revoke = if body.iter().all(u8::is_ascii_whitespace) {
        Revoke::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| ApiError::InvalidBody(format!("invalid JSON body: {e}")))?
    };
    let session_id = match body.refresh_token.filter(|t| !t.is_empty()) {
        None => user.session_id,
        Some(token) => {
            // only the current token of one of the caller's own live sessions; anything else is not found
            match state.logins.session_holding(&token).await? {
                Some((sid, session)) if session.user_id() == Some(user.user_id) => sid,
                _ => return Err(ApiError::NotFound.into()),
            }
        }
    };
    let metadata = meta.by(DIALECT, &state.legacy_tenant, format!("user:{}", user.user_id));
    state.logins.revoke(session_id, RevocationReason::SignedOut, state.clock.now(), &metadata).await?;
    Ok(Json(super::users::Message { msg: "revoked" }))
}
