//! Operators start and cancel a user's subscriptions through the user's payment provider:
//! `POST /admin/users/{id}/subscriptions`, `DELETE /admin/users/{id}/subscriptions/{sub}`. An
//! `Idempotency-Key` header makes a retried start start one subscription.
use super::problem::AdminJson;
use super::{Operator, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use commands::idempotency::provider_key;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = admin::NewSubscription)]
pub struct NewSubscription {
    /// The provider's price id (`price_monthly`).
    plan: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = admin::Subscription)]
pub struct SubscriptionView {
    subscription_id: String,
    plan: String,
    /// The provider's status name (`active`, `trialing`, `incomplete`, …).
    status: String,
    current_period_end: chrono::DateTime<chrono::Utc>,
}

fn wallet_problem(e: commands::wallet::PaymentsError) -> Problem {
    let e = crate::error::ApiError::from(e);
    let (status, kind) = match e.spec().status {
        StatusCode::NOT_FOUND => (StatusCode::NOT_FOUND, "not-found"),
        s if s.is_server_error() => (StatusCode::BAD_GATEWAY, "provider"),
        _ => (StatusCode::CONFLICT, "conflict"),
    };
    Problem::new(status, kind, e.public_message())
}

/// Start a subscription for the user, on the user's default card.
#[utoipa::path(post, path = "/admin/users/{user_id}/subscriptions", tag = "admin", params(("user_id" = uuid::Uuid, Path), ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key start one subscription")), request_body = NewSubscription, security(("admin" = [])), responses(
    (status = 201, description = "Started", body = SubscriptionView),
    (status = 400, description = "Not a user id, or a body that is not JSON", body = Problem, content_type = "application/problem+json"),
    super::OperatorRefusals,
    (status = 404, description = "No such user, or no card to bill", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The wallet or the provider refuses it (a declined card, a plan the provider does not know)", body = Problem, content_type = "application/problem+json"),
    (status = 415, description = "The body is not `application/json`", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "A body of the wrong shape", body = Problem, content_type = "application/problem+json"),
    (status = 502, description = "The payment provider failed", body = Problem, content_type = "application/problem+json"),
))]
pub async fn subscribe(
    Operator(caller): Operator,
    State(state): State<AppState>,
    user_id: Result<Path<uuid::Uuid>, PathRejection>,
    headers: HeaderMap,
    AdminJson(body): AdminJson<NewSubscription>,
) -> Result<(StatusCode, Json<SubscriptionView>), Problem> {
    let Path(user_id) = user_id.map_err(|e| Problem::invalid_query(e.body_text()))?;
    let given = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let key = given.unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    let key = provider_key(&format!("admin:{user_id}"), &key, "subscribe");
    let sub = state.wallets.subscribe(user_id, &body.plan, &key, state.clock.now(), &caller.metadata).await;
    let sub = sub.map_err(wallet_problem)?;
    let view = SubscriptionView {
        subscription_id: sub.subscription_id,
        plan: sub.plan,
        status: sub.status,
        current_period_end: sub.current_period_end,
    };
    Ok((StatusCode::CREATED, Json(view)))
}

/// Cancel one of the user's subscriptions at once.
#[utoipa::path(delete, path = "/admin/users/{user_id}/subscriptions/{subscription_id}", tag = "admin", params(("user_id" = uuid::Uuid, Path), ("subscription_id" = String, Path)), security(("admin" = [])), responses(
    (status = 204, description = "Canceled"),
    (status = 400, description = "Not a user id", body = Problem, content_type = "application/problem+json"),
    super::OperatorRefusals,
    (status = 404, description = "No such user or subscription", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The wallet refuses it", body = Problem, content_type = "application/problem+json"),
    (status = 502, description = "The payment provider failed", body = Problem, content_type = "application/problem+json"),
))]
pub async fn cancel(
    Operator(caller): Operator,
    State(state): State<AppState>,
    ids: Result<Path<(uuid::Uuid, String)>, PathRejection>,
) -> Result<StatusCode, Problem> {
    let Path((user_id, subscription)) = ids.map_err(|e| Problem::invalid_query(e.body_text()))?;
    let canceled = state.wallets.cancel_subscription(user_id, &subscription, state.clock.now(), &caller.metadata).await;
    canceled.map_err(wallet_problem)?;
    Ok(StatusCode::NO_CONTENT)
}
