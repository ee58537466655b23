//! `/api/users/update` (the signed-in user edits username, email, password and `info`),
//! `/api/users/show/{id}` (the public part of an account) and `/api/bucket` (none here).
use super::LegacyError;
use super::extract::{LegacyJson, LegacyUser};
use super::oauth::{optional, valid_username};
use super::users::{UserModel, user_model};
use crate::client_addr::ClientAddr;
use crate::error::ApiError;
use crate::request_meta::RequestMeta;
use crate::state::AppState;
use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use commands::signin::{AccountEdit, AccountEditError, Dialect};
use domain::user::{PersonalDetails, UserCommand};
use domain::values::{Email, NewPassword};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

type Now = chrono::DateTime<chrono::Utc>;

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[schema(as = legacy::UserInfo, example = json!({"role": "CTO", "company": "ACME"}))]
pub struct Info {
    /// At most 100 characters; empty removes it.
    #[serde(default)]
    role: Option<String>,
    /// At most 100 characters; empty removes it.
    #[serde(default)]
    company: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = legacy::UpdateUser, example = json!({"username": "ann2", "old_password": "correct horse battery", "new_password": "a new correct horse", "info": {"company": "ACME"}}))]
pub struct UpdateUser {
    /// 2 to 40 letters, digits, `.`, `_` or `-`; unique in any case.
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    email: Option<String>,
    /// The password now; needed with `new_password`.
    #[serde(default)]
    old_password: Option<String>,
    /// 8 to 128 characters.
    #[serde(default)]
    new_password: Option<String>,
    #[serde(default)]
    info: Option<Info>,
}

impl UpdateUser {
    /// The edit a valid request asks for, checked before anything is looked up.
    fn checked(self, user: &LegacyUser, mut details: PersonalDetails, at: Now) -> Result<AccountEdit, ApiError> {
        let info = self.info.unwrap_or_default();
        let nothing = [&self.username, &self.email, &self.old_password, &self.new_password, &info.role, &info.company];
        if nothing.iter().all(|v| v.is_none()) {
            return Err(ApiError::InvalidBody("missing parameters, no data to update".into()));
        }
        let password = match (self.old_password, self.new_password) {
            (Some(_), None) => return Err(ApiError::NewPasswordMissing),
            (None, Some(_)) => return Err(ApiError::InvalidBody("missing parameters: old_password".into())),
            (Some(old), Some(new)) => Some((old, NewPassword::parse(&new)?)),
            (None, None) => None,
        };
        let mut changes = Vec::new();
        if let Some(username) = self.username.map(|u| u.trim().to_owned()) {
            if !valid_username(&username) {
                return Err(ApiError::InvalidBody("username: 2 to 40 letters, digits, '.', '_' or '-'".into()));
            }
            changes.push(UserCommand::ChangeUsername { username, at });
        }
        if let Some(email) = self.email {
            changes.push(UserCommand::ChangeEmail { email: Email::parse(&email)?, at });
        }
        if info.role.is_some() || info.company.is_some() {
            details.role = if info.role.is_some() { optional(info.role)? } else { details.role };
            details.company = if info.company.is_some() { optional(info.company)? } else { details.company };
            changes.push(UserCommand::ChangeProfile { details, at });
        }
        Ok(AccountEdit { user_id: user.user_id, session_id: user.session_id, changes, password })
    }
}

/// Change the username, the email, the password (with the old one) or `info` (`role`,
/// `company`): all of them, or on any error none. A new password ends every other session.
#[utoipa::path(
    post,
    path = "/api/users/update",
    tag = "legacy",
    request_body = UpdateUser,
    security(("legacy_user" = [])),
    responses(
        (status = 200, description = "the user, updated", body = UserModel),
        (status = 400, description = "missing parameters, no data to update; or a username, email, new password or info value that breaks its rule", body = super::error::LegacyErrorBody),
        (status = 401, description = "no valid token or session", body = super::error::LegacyErrorBody),
        (status = 403, description = "when updating the password, it need a new one; or the account is locked (`account_locked`)", body = super::error::LegacyErrorBody),
        (status = 406, description = "when updating the password, the old one is false", body = super::error::LegacyErrorBody),
        (status = 409, description = "when updating email or username another user already have one of those two", body = super::error::LegacyErrorBody),
        (status = 429, description = "too many password checks for this account (Retry-After)", body = super::error::LegacyErrorBody),
    )
)]
pub async fn update(
    State(state): State<AppState>,
    user: LegacyUser,
    meta: RequestMeta,
    LegacyJson(body): LegacyJson<UpdateUser>,
) -> Result<Json<UserModel>, LegacyError> {
    let (account, _) = state.users.load(user.user_id).await?;
    let edit = body.checked(&user, account.details().clone(), state.clock.now())?;
    if edit.password.is_some() {
        state.limits.account(&format!("{}:user:{}", state.legacy_tenant, user.user_id))?;
    }
    let asked = (Dialect::Legacy, state.legacy_tenant.as_str());
    state.sign_in.edit_account(asked, edit, meta.0).await.map_err(|e| match e {
        AccountEditError::Taken => {
            ApiError::Conflict("when updating email or username another user already have one of those two".into())
        }
        e => e.into(),
    })?;
    Ok(Json(user_model(&state, user.user_id).await?))
}

/// The public part of an account.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = legacy::PublicUser)]
pub struct PublicUser {
    email: String,
    username: String,
}

/// The email and username of an account that registered here. Unauthenticated, and rate-limited
/// per client address (`USERS_API_LOOKUPS_PER_MINUTE`).
#[utoipa::path(
    get,
    path = "/api/users/show/{id}",
    tag = "legacy",
    params(("id" = String, Path, description = "The user's `_id`")),
    responses(
        (status = 200, description = "the account's public data", body = PublicUser),
        (status = 400, description = "invalid parameters (no id provided): not a user id", body = super::error::LegacyErrorBody),
        (status = 404, description = "no user account where found", body = super::error::LegacyErrorBody),
        (status = 429, description = "too many look-ups from this address (Retry-After)", body = super::error::LegacyErrorBody),
    )
)]
pub async fn show(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<PublicUser>, LegacyError> {
    state.limits.lookup(address)?;
    let no_id = || ApiError::InvalidBody("invalid parameters (no id provided)".into());
    let Path(id) = id.map_err(|_| no_id())?;
    let user_id = Uuid::try_parse(id.trim()).map_err(|_| no_id())?;
    let row = state.reads.user(user_id).await?;
    // only accounts that registered here: a password and a username, in the legacy tenant
    let row = row.filter(|r| r.tenant_id == state.legacy_tenant && r.signed_up_with_password());
    let Some((Some(email), Some(username))) = row.map(|r| (r.email, r.username)) else {
        return Err(ApiError::NoAccount.into());
    };
    Ok(Json(PublicUser { email, username }))
}

/// `GET /api/users/show/` without an id.
#[utoipa::path(
    get,
    path = "/api/users/show/",
    tag = "legacy",
    responses(
        (status = 400, description = "invalid parameters (no id provided)", body = super::error::LegacyErrorBody),
        (status = 429, description = "too many look-ups from this address (Retry-After)", body = super::error::LegacyErrorBody),
    )
)]
pub async fn show_without_id(State(state): State<AppState>, ClientAddr(address): ClientAddr) -> LegacyError {
    state
        .limits
        .lookup(address)
        .err()
        .unwrap_or(ApiError::InvalidBody("invalid parameters (no id provided)".into()))
        .into()
}

/// The user's buckets: this service has none. The published client reads this list after every
/// token grant.
#[utoipa::path(
    get,
    path = "/api/bucket",
    tag = "legacy",
    security(("legacy_user" = [])),
    responses(
        (status = 200, description = "always empty", body = Vec<serde_json::Value>, example = json!([])),
        (status = 401, description = "no valid token or session", body = super::error::LegacyErrorBody),
    )
)]
pub async fn buckets(_user: LegacyUser) -> Json<Vec<serde_json::Value>> {
    Json(Vec::new())
}
