//! Transactable systems: as `GET /v1/users/user/current` lists them, and the test users'
//! simulated linking (`POST /v1/users/testing/user/current/transactable_systems`).
use super::error::CoordErrorBody;
use super::extract::{CoordJson, CoordUser};
use super::{CoordError, DIALECT};
use crate::error::ApiError;
use crate::linking::Standing;
use crate::request_meta::RequestMeta;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use commands::links::LinkRequest;
use domain::links::LinkVia;
use projections::users::UserRow;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What a system requires before a user can transact with it (the seed's `TransactionRequirements`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = coord::TransactionRequirements)]
pub struct TransactionInfo {
    /// Claims the user's token must carry: `email`, `external_uid`.
    jwt_claims: Vec<String>,
    /// The user must link an account first (`link_account`).
    linked_account: bool,
    /// Fields to set through this API: `vehicle.license_plate`, `stripe_info.stripe_customer_id`.
    users_api_fields: Vec<String>,
}

/// One of the tenant's systems, and the user's standing with it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = coord::TransactableSystem, example = json!({"system_id": "CitiBike", "linked_account": true, "transactable": true, "transaction_info": {"jwt_claims": ["email"], "linked_account": true, "users_api_fields": []}}))]
pub struct TransactableSystem {
    system_id: String,
    /// The user has linked an account at the system.
    linked_account: bool,
    /// The user meets every requirement of `transaction_info` (a link included, where required).
    transactable: bool,
    transaction_info: TransactionInfo,
}

impl From<Standing> for TransactableSystem {
    fn from(s: Standing) -> Self {
        let r = s.system.requirements;
        Self {
            system_id: s.system.system_id,
            linked_account: s.linked,
            transactable: s.transactable,
            transaction_info: TransactionInfo {
                jwt_claims: r.jwt_claims,
                linked_account: r.linked_account,
                users_api_fields: r.users_api_fields,
            },
        }
    }
}

/// The partner's tenant's systems, with the user's standing at each.
pub(super) async fn of_user(
    state: &AppState,
    user: &CoordUser,
    row: &UserRow,
) -> Result<Vec<TransactableSystem>, ApiError> {
    let standings = crate::linking::standings(state, &user.partner.tenant_id, user.user_id, row).await?;
    Ok(standings.into_iter().map(TransactableSystem::from).collect())
}

/// A link to set or end; the answer echoes it.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[schema(as = coord::SystemLink, example = json!({"system_id": "CitiBike", "linked_account": true}))]
pub struct SystemLink {
    system_id: String,
    /// `true` links, `false` unlinks.
    linked_account: bool,
}

/// Link or unlink a test user's account at a system, as `link_account` would. Not for users of a
/// production token.
#[utoipa::path(
    post,
    path = "/v1/users/testing/user/current/transactable_systems",
    tag = "coord",
    security(("access_key" = [], "coord_user" = [])),
    request_body = SystemLink,
    responses(
        (status = 200, description = "The link as it now stands", body = SystemLink),
        (status = 400, description = "unknown_system, system_not_linkable (the system needs no link), requirements_missing (a plate or Stripe info first), invalid_body", body = CoordErrorBody),
        (status = 401, description = "Missing/unknown access key or token", body = CoordErrorBody),
        (status = 403, description = "test_users_only: a production token; or the token is another partner's", body = CoordErrorBody),
        (status = 415, description = "Body is not JSON", body = CoordErrorBody),
    )
)]
#[tracing::instrument(skip_all, fields(user = %user.user_id))]
pub async fn test_link_user_account(
    State(state): State<AppState>,
    user: CoordUser,
    meta: RequestMeta,
    CoordJson(body): CoordJson<SystemLink>,
) -> Result<Json<SystemLink>, CoordError> {
    let row = state.reads.user(user.user_id).await?.ok_or(ApiError::UnknownUser)?;
    if !row.test_user {
        return Err(ApiError::TestUsersOnly.into());
    }
    let tenant = user.partner.tenant_id.as_str();
    let request = LinkRequest { tenant, user_id: user.user_id, system_id: &body.system_id, via: LinkVia::Testing };
    let metadata = meta.by(DIALECT, tenant, actor(user.user_id));
    if body.linked_account {
        crate::linking::link(&state, request, &row, &metadata).await?;
    } else {
        crate::linking::unlink(&state, request, &metadata).await?;
    }
    Ok(Json(body))
}

pub(super) fn actor(user_id: Uuid) -> String {
    format!("user:{user_id}")
}
