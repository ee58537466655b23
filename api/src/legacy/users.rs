//! `/api/users`: the signed-in user, and TOTP two-factor management.
use super::extract::{LegacyJson, LegacyUser};
use super::{DIALECT, LegacyError};
use crate::error::ApiError;
use crate::request_meta::RequestMeta;
use crate::state::AppState;
use axum::Json;
use axum::extract::{RawQuery, State};
use base64::Engine as _;
use commands::signin::Dialect;
use projections::users::UserRow;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The user model.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = legacy::User)]
pub struct UserModel {
    #[serde(rename = "_id")]
    id: String,
    username: Option<String>,
    email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    company: Option<String>,
    /// Whether two-factor sign-in (TOTP) is on.
    otp_enabled: bool,
    created_at: String,
}

pub(super) async fn user_model(state: &AppState, user_id: Uuid) -> Result<UserModel, ApiError> {
    // the user model is an account with a password, as the original's; a user who came by a
    // code, an ID token or a partner (reachable here through a refresh grant) is unknown to it
    let row = state.reads.user(user_id).await?.filter(UserRow::signed_up_with_password).ok_or(ApiError::UnknownUser)?;
    Ok(UserModel {
        id: row.user_id,
        username: row.username,
        // a password sign-up always has one
        email: row.email.unwrap_or_default(),
        role: row.role,
        company: row.company,
        otp_enabled: row.otp_enabled,
        created_at: row.registered_at,
    })
}

/// The user of the access token.
#[utoipa::path(
    get,
    path = "/api/users/isLogged",
    tag = "legacy",
    security(("legacy_user" = [])),
    responses(
        (status = 200, description = "the user has been retrieved", body = UserModel),
        (status = 401, description = "no valid token or session", body = super::error::LegacyErrorBody),
    )
)]
pub async fn is_logged(State(state): State<AppState>, user: LegacyUser) -> Result<Json<UserModel>, LegacyError> {
    Ok(Json(user_model(&state, user.user_id).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = legacy::OtpSecret)]
pub struct OtpSecret {
    user: UserModel,
    /// The OTP secret (base32); send it back as `otpKey` with a first code.
    key: String,
    /// The secret as a QR code: a `data:image/png;base64,…` URL.
    qr_image: String,
}

/// A new OTP secret for the account, with its QR code.
#[utoipa::path(
    get,
    path = "/api/users/otp",
    tag = "legacy",
    security(("legacy_user" = [])),
    responses(
        (status = 200, description = "the otp can be registered for the account", body = OtpSecret),
        (status = 401, description = "no valid token or session", body = super::error::LegacyErrorBody),
        (status = 409, description = "the otp is already enabled for the user, you can only delete it", body = super::error::LegacyErrorBody),
    )
)]
pub async fn otp_secret(
    State(state): State<AppState>,
    user: LegacyUser,
    meta: RequestMeta,
) -> Result<Json<OtpSecret>, LegacyError> {
    let metadata = meta.by(DIALECT, &state.legacy_tenant, format!("user:{}", user.user_id));
    let key =
        state.two_factor.issue_secret(user.user_id, state.clock.now(), &metadata).await.map_err(ApiError::from)?;
    let model = user_model(&state, user.user_id).await?;
    let totp = commands::twofactor::totp(&key, "Users API", &model.email)
        .ok_or_else(|| ApiError::Internal("totp secret".into()))?;
    let png = totp.get_qr_png().map_err(ApiError::Internal)?;
    let qr_image = format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(png));
    Ok(Json(OtpSecret { user: model, key, qr_image }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = legacy::OtpEnable)]
pub struct OtpEnable {
    /// The secret from `GET /api/users/otp`.
    otp_key: Option<String>,
    /// A current code for that secret.
    otp_token: Option<String>,
    /// The account's password, asked again: an access token alone does not switch TOTP on.
    /// (Not in the original API; its client passes any body field through.)
    password: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = legacy::Message)]
pub struct Message {
    pub(super) msg: &'static str,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = legacy::OtpEnabled)]
pub struct OtpEnabled {
    msg: &'static str,
    /// Ten one-time codes for when the authenticator is lost; shown only now.
    recovery_codes: Vec<String>,
}

/// Switch two-factor sign-in on with the secret from `GET` and a current code.
#[utoipa::path(
    post,
    path = "/api/users/otp",
    tag = "legacy",
    request_body = OtpEnable,
    security(("legacy_user" = [])),
    responses(
        (status = 200, description = "the otp has been registered for the user; keep the recovery codes", body = OtpEnabled),
        (status = 400, description = "missing parameters", body = super::error::LegacyErrorBody),
        (status = 401, description = "the password is wrong or missing (`invalid_credentials`)", body = super::error::LegacyErrorBody),
        (status = 403, description = "the otp token is invalid; or the account is locked (`account_locked`)", body = super::error::LegacyErrorBody),
        (status = 409, description = "the otp is already enabled", body = super::error::LegacyErrorBody),
    )
)]
pub async fn otp_enable(
    State(state): State<AppState>,
    user: LegacyUser,
    meta: RequestMeta,
    LegacyJson(body): LegacyJson<OtpEnable>,
) -> Result<Json<OtpEnabled>, LegacyError> {
    let (Some(key), Some(code)) = (body.otp_key, body.otp_token) else {
        return Err(ApiError::InvalidBody("missing parameters: otpKey and otpToken are required".into()).into());
    };
    let pending = state.two_factor.pending_secret(user.user_id).await.map_err(ApiError::from)?;
    let (model, _) = state.users.load(user.user_id).await?;
    if model.totp_secret().is_some() {
        return Err(ApiError::TotpAlreadyEnabled.into());
    }
    // a key other than the one handed out is as wrong as a wrong code
    if pending.as_deref() != Some(key.trim()) {
        return Err(ApiError::InvalidCode.into());
    }
    let asked = (Dialect::Legacy, state.legacy_tenant.as_str());
    let recovery_codes = state.sign_in.enable_two_factor(asked, user.user_id, body.password, &code, meta.0).await?;
    Ok(Json(OtpEnabled { msg: "the otp has been registered for the user", recovery_codes }))
}

#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
pub struct OtpDisable {
    /// A current code.
    #[allow(dead_code)]
    otp_token: String,
}

/// Switch two-factor sign-in off with a current code.
#[utoipa::path(
    delete,
    path = "/api/users/otp",
    tag = "legacy",
    params(OtpDisable),
    security(("legacy_user" = [])),
    responses(
        (status = 200, description = "the otp has been deleted", body = Message),
        (status = 400, description = "missing parameters, or the otp is not enabled", body = super::error::LegacyErrorBody),
        (status = 403, description = "the otp token is invalid", body = super::error::LegacyErrorBody),
    )
)]
pub async fn otp_disable(
    State(state): State<AppState>,
    user: LegacyUser,
    meta: RequestMeta,
    RawQuery(query): RawQuery,
) -> Result<Json<Message>, LegacyError> {
    // parsed by hand: a query that does not parse is a missing parameter, not a plain-text 400
    let code = query
        .and_then(|q| form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "otpToken").map(|(_, v)| v.into_owned()))
        .filter(|c| !c.is_empty())
        .ok_or(ApiError::InvalidBody("missing parameters: otpToken".into()))?;
    let metadata = meta.by(DIALECT, &state.legacy_tenant, format!("user:{}", user.user_id));
    match state.two_factor.disable(user.user_id, &code, state.clock.now(), &metadata).await {
        Ok(()) => Ok(Json(Message { msg: "the otp has been deleted" })),
        Err(commands::twofactor::TwoFactorError::Command(commands::CommandError::Domain(_))) => {
            Err(ApiError::InvalidBody("the otp is not enabled for the user".into()).into())
        }
        Err(e) => Err(ApiError::from(e).into()),
    }
}
