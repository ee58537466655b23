//! `GET /{tenant}/front/customer-identity-cards`: the identity cards an operator assigned to the
//! signed-in customer (read-only here; operators assign them with `users-api identity-card`).
use super::SuiteError;
use super::extract::SuiteUser;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use projections::cards::IdentityCardRow;
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = suite::IdentityCard, example = json!({"id": "card-0042", "type": "RFID", "number": "04A2B3C4", "label": "Office badge", "validUntil": "2027-12-31", "assignedAt": "2026-12-03T10:00:00.000000Z"}))]
pub struct IdentityCardBody {
    /// The operator's id of the card.
    id: String,
    /// What kind of card (`RFID`, `CUSTOMER_CARD`).
    #[serde(rename = "type")]
    kind: String,
    /// What is printed on or stored in the card.
    number: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    label: Option<String>,
    /// `YYYY-MM-DD`, when the card expires.
    #[serde(skip_serializing_if = "Option::is_none")]
    valid_until: Option<String>,
    assigned_at: String,
}

impl From<IdentityCardRow> for IdentityCardBody {
    fn from(row: IdentityCardRow) -> Self {
        let IdentityCardRow { card_id, kind, number, label, valid_until, assigned_at } = row;
        Self { id: card_id, kind, number, label, valid_until, assigned_at }
    }
}

/// The signed-in customer's identity cards, by id; an empty list when there are none.
#[utoipa::path(
    get,
    path = "/{tenant}/front/customer-identity-cards",
    tag = "suite",
    params(("tenant" = String, Path, description = "The operator (tenant) id")),
    security(("suite_user" = [])),
    responses(
        (status = 200, description = "The cards", body = [IdentityCardBody]),
        (status = 401, description = "A202, A203, A204: no valid token", body = super::error::SuiteErrorBody),
    )
)]
pub async fn list(State(state): State<AppState>, user: SuiteUser) -> Result<Json<Vec<IdentityCardBody>>, SuiteError> {
    let rows = state.reads.identity_cards(user.user_id).await?;
    Ok(Json(rows.into_iter().map(IdentityCardBody::from).collect()))
}
