//! `POST /customers/request-deletion`: the customer asks for the account's deletion. Without
//! holds the account is erased at once; with an active subscription the request is recorded
//! and completes when it ends; with an unpaid charge it is refused (U134): pay first.
use super::extract::SuiteUser;
use super::{DIALECT, SuiteError};
use crate::request_meta::RequestMeta;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use commands::erasure::Requested;
use serde::Serialize;

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = suite::DeletionPending)]
pub struct DeletionPending {
    /// What the deletion waits for (`active_subscription`).
    pending_holds: Vec<String>,
}

/// Ask for the signed-in customer's deletion.
#[utoipa::path(
    post,
    path = "/{tenant}/front/customers/request-deletion",
    tag = "suite",
    params(("tenant" = String, Path, description = "The operator (tenant) id")),
    security(("suite_user" = [])),
    responses(
        (status = 202, description = "Recorded; the account is erased when the holds clear", body = DeletionPending),
        (status = 204, description = "The account is erased: its tokens stop working, its email is free"),
        (status = 409, description = "U134: unpaid invoices; nothing recorded", body = super::error::SuiteErrorBody),
    )
)]
pub async fn request_deletion(
    State(state): State<AppState>,
    user: SuiteUser,
    meta: RequestMeta,
) -> Result<Response, SuiteError> {
    let metadata = meta.by(DIALECT, &user.tenant_id, format!("user:{}", user.user_id));
    match state.erasure.request(user.user_id, state.clock.now(), &metadata).await? {
        Requested::Erased => Ok(StatusCode::NO_CONTENT.into_response()),
        Requested::Pending(holds) => {
            let pending_holds = holds.iter().map(|h| h.kind().to_owned()).collect();
            Ok((StatusCode::ACCEPTED, Json(DeletionPending { pending_holds })).into_response())
        }
    }
}
