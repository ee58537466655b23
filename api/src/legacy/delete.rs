//! `DELETE /api/users/delete`: the account is erased at once, unless it has holds (an active
//! subscription, an unpaid charge): then 403, as the original refused an account that still
//! held buckets. Answers the user as it was.
use super::extract::LegacyUser;
use super::users::{UserModel, user_model};
use super::{DIALECT, LegacyError};
use crate::request_meta::RequestMeta;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;

/// Delete the signed-in account.
#[utoipa::path(
    delete,
    path = "/api/users/delete",
    tag = "legacy",
    security(("legacy_user" = [])),
    responses(
        (status = 200, description = "the deleted user; its tokens stop working and its email and username are free", body = UserModel),
        (status = 403, description = "permission denied: the account has holds (an active subscription, an unpaid charge)", body = super::error::LegacyErrorBody),
    )
)]
pub async fn delete_account(
    State(state): State<AppState>,
    user: LegacyUser,
    meta: RequestMeta,
) -> Result<Json<UserModel>, LegacyError> {
    let model = user_model(&state, user.user_id).await?;
    let metadata = meta.by(DIALECT, &state.legacy_tenant, format!("user:{}", user.user_id));
    state.erasure.erase(user.user_id, "customer", state.clock.now(), &metadata).await?;
    Ok(Json(model))
}
