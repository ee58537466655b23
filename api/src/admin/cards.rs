//! Operators assign and withdraw a user's identity cards (read by the suite's
//! `customer-identity-cards`): `PUT|DELETE /admin/users/{id}/identity-cards/{card_id}`. The card
//! number is personal data (encrypted in the event, gone with an erasure).
use super::problem::AdminJson;
use super::{Operator, Problem};
use crate::state::AppState;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use commands::cards::CardCommandError;
use domain::cards::{IdentityCard, IdentityCardError};
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = admin::IdentityCard)]
pub struct CardBody {
    /// What kind of card: 1 to 32 upper-case letters, digits or `_` (`RFID`, `CUSTOMER_CARD`).
    #[serde(rename = "type")]
    kind: String,
    /// What is printed on or stored in the card (1 to 64 characters).
    number: String,
    label: Option<String>,
    /// `YYYY-MM-DD`.
    valid_until: Option<chrono::NaiveDate>,
}

fn card_problem(e: CardCommandError) -> Problem {
    let domain = |e: IdentityCardError| match e {
        IdentityCardError::Invalid(why) => Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-configuration", why),
        e @ IdentityCardError::NotAssigned => Problem::new(StatusCode::NOT_FOUND, "not-found", e.to_string()),
    };
    super::problem::command_problem(e, domain, "the card is assigned to another user of the tenant")
}

/// The holder's tenant, or 404 for no such user (or an erased one).
async fn holder(
    state: &AppState,
    ids: Result<Path<(uuid::Uuid, String)>, PathRejection>,
) -> Result<(uuid::Uuid, String, String), Problem> {
    let Path((user_id, card_id)) = ids.map_err(|e| Problem::invalid_query(e.body_text()))?;
    let tenant = state.cards.holder_tenant(user_id).await?;
    let tenant =
        tenant.ok_or_else(|| Problem::new(StatusCode::NOT_FOUND, "not-found", format!("no user {user_id}")))?;
    Ok((user_id, card_id, tenant))
}

/// Assign a card to a user (or state again what is known of it: the whole card).
#[utoipa::path(put, path = "/admin/users/{user_id}/identity-cards/{card_id}", tag = "admin", params(("user_id" = uuid::Uuid, Path), ("card_id" = String, Path, description = "The operator's id of the physical card")), request_body = CardBody, security(("admin" = [])), responses(
    (status = 204, description = "Assigned"),
    (status = 400, description = "Not a user id, or a body that is not JSON", body = Problem, content_type = "application/problem+json"),
    super::OperatorRefusals,
    (status = 404, description = "No such user, or an erased one", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The card is assigned to another user of the tenant", body = Problem, content_type = "application/problem+json"),
    (status = 415, description = "The body is not `application/json`", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "A card field that is not valid", body = Problem, content_type = "application/problem+json"),
))]
pub async fn assign(
    Operator(caller): Operator,
    State(state): State<AppState>,
    ids: Result<Path<(uuid::Uuid, String)>, PathRejection>,
    AdminJson(body): AdminJson<CardBody>,
) -> Result<StatusCode, Problem> {
    let (user_id, card_id, tenant) = holder(&state, ids).await?;
    let card = IdentityCard {
        card_id,
        kind: body.kind,
        number: body.number,
        label: body.label,
        valid_until: body.valid_until,
    };
    let assigned = state.cards.assign(&tenant, user_id, card, state.clock.now(), &caller.metadata).await;
    assigned.map_err(card_problem)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Take a card back.
#[utoipa::path(delete, path = "/admin/users/{user_id}/identity-cards/{card_id}", tag = "admin", params(("user_id" = uuid::Uuid, Path), ("card_id" = String, Path)), security(("admin" = [])), responses(
    (status = 204, description = "Withdrawn"),
    (status = 400, description = "Not a user id", body = Problem, content_type = "application/problem+json"),
    super::OperatorRefusals,
    (status = 404, description = "No such user, or no such card assigned to it", body = Problem, content_type = "application/problem+json"),
))]
pub async fn withdraw(
    Operator(caller): Operator,
    State(state): State<AppState>,
    ids: Result<Path<(uuid::Uuid, String)>, PathRejection>,
) -> Result<StatusCode, Problem> {
    let (user_id, card_id, tenant) = holder(&state, ids).await?;
    let withdrawn = state.cards.withdraw(&tenant, user_id, &card_id, state.clock.now(), &caller.metadata).await;
    withdrawn.map_err(card_problem)?;
    Ok(StatusCode::NO_CONTENT)
}
