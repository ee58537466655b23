//! Sign-in and sign-up with an OpenID provider's ID token: `social-login`, `sign-in-gaiyo`,
//! `user/openid-token-exchange` and `customers/social-sign-up`. The request bodies are this
//! service's reading of the original, whose schemas are not public: `{idToken, provider?,
//! nonce?}` (`token` is accepted for `idToken`).
use super::SuiteError;
use super::auth::SignInAnswer;
use super::extract::{SuiteJson, Tenant};
use crate::client_addr::ClientAddr;
use crate::error::ApiError;
use crate::request_meta::RequestMeta;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use commands::signin::{Dialect, FirstFactor};
use commands::user::VerifiedIdentity;
use domain::user::Profile;
use domain::values::Email;
use serde::Deserialize;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = suite::IdTokenSignIn, example = json!({"idToken": "eyJ…", "provider": "oidc", "nonce": "n-0S6_WzA2Mj"}))]
pub struct IdTokenSignIn {
    /// The provider's ID token (a JWT).
    #[serde(alias = "token")]
    id_token: String,
    /// The tenant's name for the provider; `oidc` by default (`gaiyo` for `sign-in-gaiyo`).
    #[serde(default)]
    provider: Option<String>,
    /// When given, the token's `nonce` must equal it.
    #[serde(default)]
    nonce: Option<String>,
    #[serde(default)]
    first_name: Option<String>,
    #[serde(default)]
    last_name: Option<String>,
    #[serde(default)]
    language: Option<String>,
}

/// What to do for an identity no account has yet.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Unknown {
    /// Create the account (or link the account of the same verified email).
    Create,
    /// Sign-up only: an identity already linked is a conflict.
    CreateOnly,
}

async fn with_id_token(
    state: &AppState,
    tenant: &str,
    address: std::net::IpAddr,
    meta: RequestMeta,
    default_provider: &str,
    body: IdTokenSignIn,
    unknown: Unknown,
) -> Result<SignInAnswer, ApiError> {
    let name = body.provider.clone().unwrap_or_else(|| default_provider.to_owned());
    state.limits.address(address)?;
    let provider = state.reads.identity_provider(tenant, &name).await?.ok_or(ApiError::UnknownIdentityProvider)?;
    let claims = state.oidc.verify(&provider, &body.id_token, body.nonce.as_deref()).await?;
    state.limits.account(&format!("{tenant}:idp:{}:{}", claims.iss, claims.sub))?;
    let identity = VerifiedIdentity {
        email: claims.email.as_deref().and_then(|e| Email::parse(e).ok()),
        email_verified: claims.email_verified == Some(true),
        profile: Profile {
            first_name: body.first_name.or(claims.given_name),
            last_name: body.last_name.or(claims.family_name),
            language: body.language,
            ..Profile::default()
        },
        issuer: claims.iss,
        subject: claims.sub,
    };
    let factor = FirstFactor::IdToken { provider: name, identity, sign_up_only: unknown == Unknown::CreateOnly };
    Ok(state.sign_in.sign_in(Dialect::Suite, tenant, factor, meta.0).await?.try_into()?)
}

/// Sign in with an ID token of the tenant's OpenID provider. An unknown identity with a verified
/// email joins the account of that email, or becomes a new account.
#[utoipa::path(
    post,
    path = "/{tenant}/auth/social-login",
    tag = "suite",
    params(("tenant" = String, Path, description = "The operator (tenant) id")),
    request_body = IdTokenSignIn,
    responses(
        (status = 200, description = "Signed in (tokens), or `{mfaRequired, mfaToken}`", body = SignInAnswer),
        (status = 400, description = "A212: no such provider; U130.3: no verified email for a new account", body = super::error::SuiteErrorBody),
        (status = 401, description = "A211: the ID token is not valid", body = super::error::SuiteErrorBody),
        (status = 409, description = "U102: the email belongs to an account that the token cannot join", body = super::error::SuiteErrorBody),
        (status = 503, description = "SRV503.1: the provider's keys cannot be fetched", body = super::error::SuiteErrorBody),
    )
)]
pub async fn social_login(
    State(state): State<AppState>,
    Tenant(tenant): Tenant,
    ClientAddr(address): ClientAddr,
    meta: RequestMeta,
    SuiteJson(body): SuiteJson<IdTokenSignIn>,
) -> Result<Json<SignInAnswer>, SuiteError> {
    Ok(Json(with_id_token(&state, &tenant, address, meta, "oidc", body, Unknown::Create).await?))
}

/// `social-login` with the tenant's `gaiyo` provider.
#[utoipa::path(
    post,
    path = "/{tenant}/auth/sign-in-gaiyo",
    tag = "suite",
    params(("tenant" = String, Path, description = "The operator (tenant) id")),
    request_body = IdTokenSignIn,
    responses(
        (status = 200, description = "Signed in (tokens), or `{mfaRequired, mfaToken}`", body = SignInAnswer),
        (status = 400, description = "A212: no gaiyo provider; U130.3: no verified email", body = super::error::SuiteErrorBody),
        (status = 401, description = "A211: the ID token is not valid", body = super::error::SuiteErrorBody),
    )
)]
pub async fn sign_in_gaiyo(
    State(state): State<AppState>,
    Tenant(tenant): Tenant,
    ClientAddr(address): ClientAddr,
    meta: RequestMeta,
    SuiteJson(body): SuiteJson<IdTokenSignIn>,
) -> Result<Json<SignInAnswer>, SuiteError> {
    Ok(Json(with_id_token(&state, &tenant, address, meta, "gaiyo", body, Unknown::Create).await?))
}

/// Exchange an external OpenID token for this service's tokens (as `social-login`).
#[utoipa::path(
    post,
    path = "/{tenant}/auth/user/openid-token-exchange",
    tag = "suite",
    params(("tenant" = String, Path, description = "The operator (tenant) id")),
    request_body = IdTokenSignIn,
    responses(
        (status = 200, description = "Signed in (tokens), or `{mfaRequired, mfaToken}`", body = SignInAnswer),
        (status = 400, description = "A212: no such provider; U130.3: no verified email", body = super::error::SuiteErrorBody),
        (status = 401, description = "A211: the token is not valid", body = super::error::SuiteErrorBody),
    )
)]
pub async fn openid_token_exchange(
    State(state): State<AppState>,
    Tenant(tenant): Tenant,
    ClientAddr(address): ClientAddr,
    meta: RequestMeta,
    SuiteJson(body): SuiteJson<IdTokenSignIn>,
) -> Result<Json<SignInAnswer>, SuiteError> {
    Ok(Json(with_id_token(&state, &tenant, address, meta, "oidc", body, Unknown::Create).await?))
}

/// Sign up with an ID token; an identity that already has an account is a conflict.
#[utoipa::path(
    post,
    path = "/{tenant}/front/customers/social-sign-up",
    tag = "suite",
    params(("tenant" = String, Path, description = "The operator (tenant) id")),
    request_body = IdTokenSignIn,
    responses(
        (status = 200, description = "Signed up and in", body = SignInAnswer),
        (status = 400, description = "A212: no such provider; U130.3: no verified email", body = super::error::SuiteErrorBody),
        (status = 401, description = "A211: the ID token is not valid", body = super::error::SuiteErrorBody),
        (status = 409, description = "U102: this identity has an account already (an email of an account, verified by the provider, is joined instead)", body = super::error::SuiteErrorBody),
    )
)]
pub async fn social_sign_up(
    State(state): State<AppState>,
    Tenant(tenant): Tenant,
    ClientAddr(address): ClientAddr,
    meta: RequestMeta,
    SuiteJson(body): SuiteJson<IdTokenSignIn>,
) -> Result<Json<SignInAnswer>, SuiteError> {
    Ok(Json(with_id_token(&state, &tenant, address, meta, "oidc", body, Unknown::CreateOnly).await?))
}
