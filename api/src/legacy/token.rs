//! `POST /api/oauth/token`: the refresh grant (the token does not rotate, ADR 0021) and the
//! password grant, as JSON or as a form.
use super::extract::{LegacyJson, RawBody};
use super::{DIALECT, LegacyError};
use crate::client_addr::ClientAddr;
use crate::error::ApiError;
use crate::request_meta::RequestMeta;
use crate::state::AppState;
use axum::Json;
use axum::extract::{FromRequest, Request, State};
use axum::http::header::CONTENT_TYPE;
use commands::signin::{Dialect, FirstFactor, SignInError, TokenPair};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[schema(as = legacy::TokenRequest, example = json!({"grant_type": "refresh_token", "refresh_token": "0196…", "client_id": "web"}))]
pub struct TokenRequest {
    /// `refresh_token` or `password`.
    #[serde(default)]
    grant_type: Option<String>,
    /// The refresh grant: the refresh token, the first one of the session as well as any later.
    #[serde(default)]
    refresh_token: Option<String>,
    /// The password grant: the username (any case) or the email.
    #[serde(default)]
    username: Option<String>,
    /// The password grant: the email, when `username` is not given.
    #[serde(default)]
    email: Option<String>,
    /// The password grant: the password.
    #[serde(default)]
    password: Option<String>,
    /// The password grant, for an account with TOTP on: a current code or a recovery code.
    #[serde(default, rename = "otpToken")]
    otp_token: Option<String>,
    /// Accepted and recorded; any value.
    #[serde(default)]
    #[allow(dead_code)]
    client_id: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = legacy::TokenResponse)]
pub struct TokenResponse {
    access_token: String,
    /// The session's refresh token: for a refresh, the one presented.
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
        if !form {
            let LegacyJson(request) = LegacyJson::<TokenRequest>::from_request(req, state).await?;
            return Ok(Self(request));
        }
        let RawBody(bytes) = RawBody::from_request(req, state).await?;
        let mut request = TokenRequest::default();
        for (k, v) in form_urlencoded::parse(&bytes) {
            let field = match k.as_ref() {
                "grant_type" => &mut request.grant_type,
                "refresh_token" => &mut request.refresh_token,
                "username" => &mut request.username,
                "email" => &mut request.email,
                "password" => &mut request.password,
                "otpToken" => &mut request.otp_token,
                "client_id" => &mut request.client_id,
                _ => continue,
            };
            *field = Some(v.into_owned());
        }
        Ok(Self(request))
    }
}

/// Tokens for a refresh token, or for a username (or email) and password.
#[utoipa::path(
    post,
    path = "/api/oauth/token",
    tag = "legacy",
    request_body(content = TokenRequest, content_type = "application/json", description = "JSON or application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "tokens; a refresh answers the refresh token it was given", body = TokenResponse),
        (status = 400, description = "bad parameters (grant_type refresh_token or password), or an invalid refresh token", body = super::error::LegacyErrorBody),
        (status = 401, description = "password grant: the username, email or password is wrong (`invalid_credentials`)", body = super::error::LegacyErrorBody),
        (status = 403, description = "password grant: the account is locked (`account_locked`), or has TOTP on and `otpToken` is missing (`two_factor_required`) or wrong (`invalid_code`)", body = super::error::LegacyErrorBody),
        (status = 429, description = "too many attempts from this address or for this account (Retry-After)", body = super::error::LegacyErrorBody),
    )
)]
pub async fn token(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    meta: RequestMeta,
    TokenBody(body): TokenBody,
) -> Result<Json<TokenResponse>, LegacyError> {
    let pair = match body.grant_type.as_deref() {
        Some("refresh_token") => refresh_grant(&state, address, body, meta).await?,
        Some("password") => password_grant(&state, address, body, meta).await?,
        _ => return Err(ApiError::InvalidBody("grant_type must be refresh_token or password".into()).into()),
    };
    Ok(Json(pair.try_into()?))
}

async fn refresh_grant(
    state: &AppState,
    address: IpAddr,
    body: TokenRequest,
    meta: RequestMeta,
) -> Result<TokenPair, ApiError> {
    state.limits.refresh(address)?;
    let token = body
        .refresh_token
        .filter(|t| !t.is_empty())
        .ok_or(ApiError::InvalidBody("refresh_token is required".into()))?;
    Ok(state.sign_in.refresh(Dialect::Legacy, &state.legacy_tenant, &token, meta.0).await?)
}

async fn password_grant(
    state: &AppState,
    address: IpAddr,
    body: TokenRequest,
    meta: RequestMeta,
) -> Result<TokenPair, ApiError> {
    let tenant = state.legacy_tenant.as_str();
    let given = |v: Option<String>| v.filter(|v| !v.trim().is_empty());
    let (Some(username), Some(password)) = (given(body.username).or(given(body.email)), given(body.password)) else {
        return Err(ApiError::InvalidBody("the password grant needs a username (or email) and a password".into()));
    };
    state.limits.sign_in(address, &format!("{tenant}:{}", username.trim().to_lowercase()))?;
    let metadata = meta.by(DIALECT, tenant, "oauth/token".to_owned());
    let factor = FirstFactor::UsernamePassword { username, password };
    Ok(state.sign_in.sign_in_one_step((Dialect::Legacy, tenant), factor, body.otp_token, metadata).await?)
}
