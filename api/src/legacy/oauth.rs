//! `/api/oauth`: register, refresh, revoke.
use super::extract::{LegacyJson, LegacyUser, RawBody};
use super::users::{UserModel, user_model};
use super::{DIALECT, LegacyError};
use crate::client_addr::ClientAddr;
use crate::error::ApiError;
use crate::request_meta::RequestMeta;
use crate::state::AppState;
use axum::Json;
use axum::extract::{FromRequest, Request, State};
use axum::http::header::CONTENT_TYPE;
use commands::signin::{Dialect, FirstFactor, PasswordSignUp, SignInError, SignUpError, TokenPair};
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

fn valid_username(u: &str) -> bool {
    (2..=40).contains(&u.chars().count()) && u.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
}

fn optional(value: Option<String>) -> Result<Option<String>, ApiError> {
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

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = legacy::TokenRequest, example = json!({"grant_type": "refresh_token", "refresh_token": "0196…", "client_id": "web"}))]
pub struct TokenRequest {
    #[serde(default)]
    grant_type: Option<String>,
    #[serde(default)]
    refresh_token: Option<String>,
    /// Accepted and recorded; any value.
    #[serde(default)]
    #[allow(dead_code)]
    client_id: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = legacy::TokenResponse)]
pub struct TokenResponse {
    access_token: String,
    refresh_token: String,
    /// When the access token expires (UTC, RFC 3339).
    expire_at: String,
    token_type: &'static str,
}

impl TryFrom<TokenPair> for TokenResponse {
    type Error = SignInError;

    fn try_from(pair: TokenPair) -> Result<Self, SignInError> {
        Ok(Self {
            refresh_token: pair.refresh_token()?,
            access_token: pair.access_token,
            expire_at: pair.expires_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            token_type: "Bearer",
        })
    }
}

/// A token request as JSON or as a form (OAuth clients send forms).
pub struct TokenBody(TokenRequest);

impl<S: Send + Sync> FromRequest<S> for TokenBody {
    type Rejection = LegacyError;

    async fn from_request(req: Request, state: &S) -> Result<Self, LegacyError> {
        let form = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if form {
            let RawBody(bytes) = RawBody::from_request(req, state).await?;
            let mut request = TokenRequest { grant_type: None, refresh_token: None, client_id: None };
            for (k, v) in form_urlencoded::parse(&bytes) {
                match k.as_ref() {
                    "grant_type" => request.grant_type = Some(v.into_owned()),
                    "refresh_token" => request.refresh_token = Some(v.into_owned()),
                    "client_id" => request.client_id = Some(v.into_owned()),
                    _ => {}
                }
            }
            return Ok(Self(request));
        }
        let LegacyJson(request) = LegacyJson::<TokenRequest>::from_request(req, state).await?;
        Ok(Self(request))
    }
}

/// Refresh: a new access token and a new refresh token; the old refresh token is spent.
#[utoipa::path(
    post,
    path = "/api/oauth/token",
    tag = "legacy",
    request_body(content = TokenRequest, content_type = "application/json", description = "JSON or application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "new tokens", body = TokenResponse),
        (status = 400, description = "bad parameters (grant_type must be refresh_token), or an invalid or spent refresh token", body = super::error::LegacyErrorBody),
        (status = 429, description = "too many refreshes from this address (Retry-After)", body = super::error::LegacyErrorBody),
    )
)]
pub async fn token(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    meta: RequestMeta,
    TokenBody(body): TokenBody,
) -> Result<Json<TokenResponse>, LegacyError> {
    state.limits.refresh(address)?;
    if body.grant_type.as_deref() != Some("refresh_token") {
        return Err(ApiError::InvalidBody("grant_type must be refresh_token".into()).into());
    }
    let token = body
        .refresh_token
        .filter(|t| !t.is_empty())
        .ok_or(ApiError::InvalidBody("refresh_token is required".into()))?;
    let pair = state.sign_in.refresh(Dialect::Legacy, &state.legacy_tenant, &token, meta.0).await?;
    Ok(Json(pair.try_into()?))
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
    security(("bearer" = [])),
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
