//! `/api/users/payment…`: the signed-in user's cards, customer metadata, charges and
//! subscriptions. Answers are Stripe's objects; a payment-provider failure is a 502 with the
//! provider's reason (the original answered 500).
use super::extract::{LegacyJson, LegacyUser};
use super::stripe_objects::{CardData, StripeCard};
use super::{DIALECT, LegacyError};
use crate::error::ApiError;
use crate::idempotency::{IdempotencyKey, replayable};
use crate::request_meta::RequestMeta;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use commands::Metadata;
use commands::wallet::Payer;
use domain::wallet::BillingAddress;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

type ErrorBody = super::error::LegacyErrorBody;

fn metadata(state: &AppState, meta: RequestMeta, user_id: Uuid) -> Metadata {
    meta.by(DIALECT, &state.legacy_tenant, format!("user:{user_id}"))
}

/// One of the user's cards, as the read model has it now.
async fn card(state: &AppState, user_id: Uuid, card_id: &str) -> Result<StripeCard, ApiError> {
    Ok(state.reads.wallet_card(user_id, card_id).await?.ok_or(ApiError::CardNotFound)?.into())
}

#[derive(Deserialize, Serialize, utoipa::ToSchema)]
#[schema(as = legacy::AttachCard)]
pub struct AttachCard {
    /// A card token made by Stripe.js or the mobile SDK (`tok_…`); card numbers never reach
    /// this service.
    token: Option<String>,
}

async fn attach(state: &AppState, user_id: Uuid, token: &str, key: &str, meta: Metadata) -> Result<CardData, ApiError> {
    state.limits.card_attach(user_id)?;
    let email = state.reads.user(user_id).await?.and_then(|row| row.email);
    let payer = Payer { tenant: &state.legacy_tenant, user_id, test_user: false, email: email.as_deref() };
    let (_, attached) = state.wallets.attach_card(payer, token, key, state.clock.now(), &meta).await?;
    Ok(CardData { msg: Some("succesfully added the card"), data: card(state, user_id, &attached.id).await? })
}

/// Attach a card from a Stripe token; the first card becomes the default. Honours
/// `Idempotency-Key`: a retry with the same key and body answers the first answer again.
#[utoipa::path(
    post,
    path = "/api/users/payment/",
    tag = "legacy",
    request_body = AttachCard,
    params(("Idempotency-Key" = Option<String>, Header, description = "1 to 255 visible ASCII characters; the answer is replayed for 24 hours")),
    security(("legacy_user" = [])),
    responses(
        (status = 200, description = "succesfully added the card", body = CardData),
        (status = 400, description = "missing parameters (`token`), `invalid_card_token` (the provider does not know the token), or a bad `Idempotency-Key`", body = ErrorBody),
        (status = 402, description = "`card_declined`: the card's issuer refused it", body = ErrorBody),
        (status = 409, description = "a request with this key is still running", body = ErrorBody),
        (status = 422, description = "the key was used with another body", body = ErrorBody),
        (status = 429, description = "too many cards attached this hour (`rate_limited`, `Retry-After`)", body = ErrorBody),
        (status = 502, description = "`payment_provider_error`: the payment provider failed", body = ErrorBody),
    )
)]
pub async fn attach_card(
    State(state): State<AppState>,
    user: LegacyUser,
    key: IdempotencyKey,
    meta: RequestMeta,
    LegacyJson(body): LegacyJson<AttachCard>,
) -> Result<Response, LegacyError> {
    let token =
        body.token.filter(|t| !t.trim().is_empty()).ok_or(ApiError::InvalidBody("missing parameters".into()))?;
    let (scope, meta) = (format!("user:{}", user.user_id), metadata(&state, meta, user.user_id));
    let request = [b"POST /api/users/payment/".as_slice(), token.as_bytes()];
    let work = async |key: String| match attach(&state, user.user_id, &token, &key, meta).await {
        Ok(data) => Json(data).into_response(),
        Err(e) => LegacyError(e).into_response(),
    };
    Ok(replayable(&state, key, &scope, &request, work).await?)
}

/// The default card.
#[utoipa::path(
    get,
    path = "/api/users/payment/card",
    tag = "legacy",
    security(("legacy_user" = [])),
    responses(
        (status = 200, description = "the default card", body = CardData),
        (status = 404, description = "the user doesn't have any default card", body = ErrorBody),
    )
)]
pub async fn default_card(State(state): State<AppState>, user: LegacyUser) -> Result<Json<CardData>, LegacyError> {
    let cards = state.reads.wallet_cards(user.user_id).await?;
    let default = cards.into_iter().find(|c| c.is_default).ok_or(ApiError::NoDefaultCard)?;
    Ok(Json(CardData { msg: None, data: default.into() }))
}

/// One of the user's cards (another user's card is not found).
#[utoipa::path(
    get,
    path = "/api/users/payment/card/{card_id}",
    tag = "legacy",
    params(("card_id" = String, Path, description = "The Stripe card id (`card_…`)")),
    security(("legacy_user" = [])),
    responses(
        (status = 200, description = "the card", body = CardData),
        (status = 404, description = "the user has no such card", body = ErrorBody),
    )
)]
pub async fn get_card(
    State(state): State<AppState>,
    user: LegacyUser,
    Path(card_id): Path<String>,
) -> Result<Json<CardData>, LegacyError> {
    Ok(Json(CardData { msg: None, data: card(&state, user.user_id, &card_id).await? }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = legacy::CardAddress)]
pub struct CardAddress {
    address_line1: Option<String>,
    address_city: Option<String>,
    address_zip: Option<String>,
    /// ISO 3166-1 alpha-2.
    address_country: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = legacy::UpdateCard)]
pub struct UpdateCard {
    /// The Stripe card id.
    id: Option<String>,
    /// The billing address; fields left out are cleared.
    metadata: Option<CardAddress>,
}

/// One address field: trimmed, at most 200 characters, no control characters; empty is none.
fn address_field(value: Option<String>) -> Result<Option<String>, ApiError> {
    let value = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    match value {
        Some(v) if v.chars().count() > 200 || v.chars().any(char::is_control) => {
            Err(ApiError::InvalidBody("address fields are at most 200 printable characters".into()))
        }
        v => Ok(v),
    }
}

fn address(given: Option<CardAddress>) -> Result<BillingAddress, ApiError> {
    let given = given.unwrap_or(CardAddress {
        address_line1: None,
        address_city: None,
        address_zip: None,
        address_country: None,
    });
    let country = address_field(given.address_country)?.map(|c| c.to_ascii_uppercase());
    if country.as_ref().is_some_and(|c| c.len() != 2 || !c.bytes().all(|b| b.is_ascii_alphabetic())) {
        return Err(ApiError::InvalidBody("address_country is an ISO 3166-1 alpha-2 code".into()));
    }
    Ok(BillingAddress {
        line1: address_field(given.address_line1)?,
        city: address_field(given.address_city)?,
        zip: address_field(given.address_zip)?,
        country,
    })
}

/// Set a card's billing address.
#[utoipa::path(
    put,
    path = "/api/users/payment/card",
    tag = "legacy",
    request_body = UpdateCard,
    security(("legacy_user" = [])),
    responses(
        (status = 200, description = "the card", body = CardData),
        (status = 400, description = "missing parameters, you need to specify a card", body = ErrorBody),
        (status = 404, description = "the user has no such card", body = ErrorBody),
        (status = 502, description = "stripe error", body = ErrorBody),
    )
)]
pub async fn update_card(
    State(state): State<AppState>,
    user: LegacyUser,
    meta: RequestMeta,
    LegacyJson(body): LegacyJson<UpdateCard>,
) -> Result<Json<CardData>, LegacyError> {
    let missing = || ApiError::InvalidBody("missing parameters, you need to specify a card".into());
    let card_id = body.id.filter(|id| !id.is_empty()).ok_or_else(missing)?;
    let address = address(body.metadata)?;
    let key = uuid::Uuid::new_v4().simple().to_string();
    let meta = metadata(&state, meta, user.user_id);
    state.wallets.update_card_address(user.user_id, &card_id, address, &key, state.clock.now(), &meta).await?;
    Ok(Json(CardData { msg: None, data: card(&state, user.user_id, &card_id).await? }))
}

/// Remove a card; when it was the default, the latest other card becomes the default.
#[utoipa::path(
    delete,
    path = "/api/users/payment/card/{card_id}",
    tag = "legacy",
    params(("card_id" = String, Path, description = "The Stripe card id")),
    security(("legacy_user" = [])),
    responses(
        (status = 200, description = "the removed card, with `deleted: true`", body = StripeCard),
        (status = 403, description = "the user must have one card active when having a subscription", body = ErrorBody),
        (status = 404, description = "the user has no such card", body = ErrorBody),
        (status = 502, description = "stripe error", body = ErrorBody),
    )
)]
pub async fn delete_card(
    State(state): State<AppState>,
    user: LegacyUser,
    meta: RequestMeta,
    Path(card_id): Path<String>,
) -> Result<Json<StripeCard>, LegacyError> {
    let removed = card(&state, user.user_id, &card_id).await?;
    let meta = metadata(&state, meta, user.user_id);
    state.wallets.detach_card(user.user_id, &card_id, state.clock.now(), &meta).await?;
    Ok(Json(removed.deleted()))
}

/// Make a card the default.
#[utoipa::path(
    post,
    path = "/api/users/payment/card/{card_id}/default",
    tag = "legacy",
    params(("card_id" = String, Path, description = "The Stripe card id")),
    security(("legacy_user" = [])),
    responses(
        (status = 200, description = "succesfully set the card as default", body = CardData),
        (status = 404, description = "the user has no such card", body = ErrorBody),
        (status = 502, description = "stripe error", body = ErrorBody),
    )
)]
pub async fn set_default(
    State(state): State<AppState>,
    user: LegacyUser,
    meta: RequestMeta,
    Path(card_id): Path<String>,
) -> Result<Json<CardData>, LegacyError> {
    let key = uuid::Uuid::new_v4().simple().to_string();
    let meta = metadata(&state, meta, user.user_id);
    state.wallets.set_default_card(user.user_id, &card_id, &key, state.clock.now(), &meta).await?;
    let data = card(&state, user.user_id, &card_id).await?;
    Ok(Json(CardData { msg: Some("succesfully set the card as default"), data }))
}
