//! Suite Authentication API: email sign-in, refresh, logout.
use super::extract::{SuiteJson, SuiteUser, Tenant};
use super::{APP_CLIENT, AUDIENCE, DIALECT, SuiteError};
use crate::auth::ClientAddr;
use crate::error::ApiError;
use crate::request_meta::RequestMeta;
use crate::state::AppState;
use crate::tokens::TokenService;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use commands::login::SignIn;
use domain::login::{RevocationReason, SignInMethod};
use domain::values::Email;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

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

/// An mfaToken is good for this long after the password was checked.
pub const MFA_TOKEN_MINUTES: i64 = 5;
/// The audience of mfaTokens: they open no door but `user/2fa-code-validate`.
pub const MFA_AUDIENCE: &str = "suite-mfa";

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
    let now = Utc::now();
    // an email that cannot exist still costs a password check
    let account = match Email::parse(&body.email) {
        Ok(email) => state.users.email_account(&tenant, &email).await?,
        Err(_) => None,
    };
    if let Some((_, user)) = &account {
        refuse_if_locked(user, now)?;
    }
    let stored = account.as_ref().and_then(|(_, user)| user.password_hash().map(str::to_owned));
    let matched = state.passwords.verify(body.password, stored).await;
    let Some((user_id, user)) = account else { return Err(ApiError::InvalidCredentials.into()) };
    let metadata = meta.by(DIALECT, &tenant, format!("user:{user_id}"));
    if !matched {
        return Err(failed_sign_in(&state, user_id, now, &metadata, ApiError::InvalidCredentials).await.into());
    }
    Ok(Json(finish_sign_in(&state, &tenant, user_id, &user, SignInMethod::EmailPassword, now, &metadata).await?))
}

/// `U131` for an account locked at `now`, with how long it stays locked.
pub(super) fn refuse_if_locked(user: &domain::user::User, now: DateTime<Utc>) -> Result<(), ApiError> {
    match user.locked_until(now) {
        Some(until) => Err(ApiError::AccountLocked { retry_after_secs: (until - now).num_seconds().max(1) as u64 }),
        None => Ok(()),
    }
}

/// Count a failed sign-in toward the lockout; the error to answer: `U131` when this failure
/// locked the account, else `otherwise`.
pub(super) async fn failed_sign_in(
    state: &AppState,
    user_id: Uuid,
    now: DateTime<Utc>,
    metadata: &store::Metadata,
    otherwise: ApiError,
) -> ApiError {
    match state.users.record_failed_sign_in(user_id, state.lockout, now, metadata).await {
        Ok(true) => ApiError::AccountLocked { retry_after_secs: state.lockout.lock_for.num_seconds().max(1) as u64 },
        Ok(false) => otherwise,
        Err(e) => e.into(),
    }
}

/// The first factor was right: tokens, or an mfaToken when two-factor sign-in is on.
pub(super) async fn finish_sign_in(
    state: &AppState,
    tenant: &str,
    user_id: Uuid,
    user: &domain::user::User,
    method: SignInMethod,
    now: DateTime<Utc>,
    metadata: &store::Metadata,
) -> Result<SignInAnswer, ApiError> {
    // a locked account stays locked whatever the first factor was (password, code, ID token)
    refuse_if_locked(user, now)?;
    if user.totp_secret().is_some() {
        // a second factor completes the sign-in (`user/2fa-code-validate`)
        let claims = TokenService::claims(
            &user_id.to_string(),
            tenant,
            APP_CLIENT,
            Uuid::now_v7(),
            MFA_AUDIENCE,
            user.is_test_user(),
            now,
            chrono::Duration::minutes(MFA_TOKEN_MINUTES),
        );
        let mfa_token = state.tokens.mint(&claims)?;
        return Ok(SignInAnswer::MfaRequired(MfaRequired { mfa_required: true, mfa_token }));
    }
    Ok(SignInAnswer::Tokens(start_session(state, tenant, user_id, user.is_test_user(), method, now, metadata).await?))
}

/// Open a login session with a refresh token and sign its first access token.
pub(super) async fn start_session(
    state: &AppState,
    tenant: &str,
    user_id: Uuid,
    test_user: bool,
    method: SignInMethod,
    now: DateTime<Utc>,
    metadata: &store::Metadata,
) -> Result<Tokens, ApiError> {
    let sign_in = SignIn {
        user_id,
        tenant_id: tenant.to_owned(),
        client_id: None,
        dialect: DIALECT,
        method,
        test_user,
        with_refresh: true,
    };
    let session = state.logins.start(sign_in, now, metadata).await?;
    let refresh_token = session.refresh_token.ok_or_else(|| ApiError::Internal("no refresh token".into()))?;
    let access_token = access_token(state, tenant, user_id, session.session_id, test_user, now).await?;
    Ok(Tokens { access_token, refresh_token })
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
    let now = Utc::now();
    let metadata = meta.by(DIALECT, &tenant, "refresh-token".to_owned());
    // a token of another tenant is as unknown here as a made-up one
    let refreshed = state.logins.refresh(&body.refresh_token, &tenant, now, &metadata).await.map_err(ApiError::from)?;
    let access_token =
        access_token(&state, &tenant, refreshed.user_id, refreshed.session_id, refreshed.test_user, now).await?;
    Ok(Json(Tokens { access_token, refresh_token: refreshed.refresh_token }))
}

/// End the session of the access token: it and every token of the session stop working at once.
#[utoipa::path(
    post,
    path = "/{tenant}/auth/logout",
    tag = "suite",
    params(("tenant" = String, Path, description = "The operator (tenant) id")),
    security(("bearer" = [])),
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
        .revoke(session_id, RevocationReason::SignedOut, Utc::now(), &metadata)
        .await
        .map_err(ApiError::from)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The tenant's own access-token lifetime, else the service default.
pub(super) async fn token_lifetime(state: &AppState, tenant: &str) -> Result<chrono::Duration, ApiError> {
    Ok(state
        .catalog
        .tenant(tenant)
        .await?
        .and_then(|t| t.suite_token_minutes)
        .map_or(state.suite_token_lifetime, |m| chrono::Duration::minutes(i64::from(m))))
}

async fn access_token(
    state: &AppState,
    tenant: &str,
    user_id: Uuid,
    session_id: Uuid,
    test: bool,
    now: DateTime<Utc>,
) -> Result<String, ApiError> {
    let lifetime = token_lifetime(state, tenant).await?;
    let claims =
        TokenService::claims(&user_id.to_string(), tenant, APP_CLIENT, session_id, AUDIENCE, test, now, lifetime);
    Ok(state.tokens.mint(&claims)?)
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
    let presented = commands::secret_hash(&body.client_key);
    // compare even for an unknown client, against a hash nobody has
    let expected = partner.as_ref().filter(|p| p.tenant_id == tenant).map_or("-", |p| p.server_token_hash.as_str());
    if !bool::from(subtle::ConstantTimeEq::ct_eq(presented.as_bytes(), expected.as_bytes())) {
        return Err(ApiError::InvalidCredentials.into());
    }
    let now = Utc::now();
    let claims = TokenService::claims(
        &body.client_id,
        &tenant,
        &body.client_id,
        Uuid::now_v7(),
        super::CLIENT_AUDIENCE,
        false,
        now,
        token_lifetime(&state, &tenant).await?,
    );
    Ok(Json(ClientToken { access_token: state.tokens.mint(&claims).map_err(ApiError::from)? }))
}
