//! `/api/users/payment…`: the customer's metadata (VAT number, company name), charges and
//! subscriptions. The metadata paths are asymmetric (`GET …/card/stripe_metadata`, `PUT
//! …/stripe_metadata`), as in the original.
use super::extract::{LegacyJson, LegacyUser};
use super::stripe_objects::{ChargeList, MetadataData, StripeMetadata, SubscriptionList};
use super::{DIALECT, LegacyError};
use crate::error::ApiError;
use crate::request_meta::RequestMeta;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use commands::wallet::Payer;
use std::collections::BTreeMap;

type ErrorBody = super::error::LegacyErrorBody;

/// The customer's metadata; `{}` before any was set.
#[utoipa::path(
    get,
    path = "/api/users/payment/card/stripe_metadata",
    tag = "legacy",
    security(("legacy_user" = [])),
    responses((status = 200, description = "the customer's metadata", body = StripeMetadata))
)]
pub async fn get_metadata(
    State(state): State<AppState>,
    user: LegacyUser,
) -> Result<Json<StripeMetadata>, LegacyError> {
    let Some(customer) = state.reads.wallet_customer(user.user_id).await? else {
        return Ok(Json(StripeMetadata::default()));
    };
    let stored: BTreeMap<String, String> =
        serde_json::from_str(&customer.metadata).map_err(|e| ApiError::Internal(format!("wallet metadata: {e}")))?;
    Ok(Json(StripeMetadata::from(&stored)))
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[schema(as = legacy::UpdateMetadata)]
pub struct UpdateMetadata {
    /// The fields to set; an empty string removes one, a field left out stays.
    metadata: Option<StripeMetadata>,
}

/// Set the customer's VAT number and company name.
#[utoipa::path(
    put,
    path = "/api/users/payment/stripe_metadata",
    tag = "legacy",
    request_body = UpdateMetadata,
    security(("legacy_user" = [])),
    responses(
        (status = 200, description = "the customer's metadata", body = MetadataData),
        (status = 400, description = "missing parameters (`metadata`), or a value over 500 characters", body = ErrorBody),
        (status = 502, description = "stripe error", body = ErrorBody),
    )
)]
pub async fn put_metadata(
    State(state): State<AppState>,
    user: LegacyUser,
    meta: RequestMeta,
    LegacyJson(body): LegacyJson<UpdateMetadata>,
) -> Result<Json<MetadataData>, LegacyError> {
    let given = body.metadata.ok_or(ApiError::InvalidBody("missing parameters".into()))?;
    let wallet = state.wallets.wallet(user.user_id).await?;
    let mut metadata = wallet.metadata().clone();
    for (name, value) in [("vat_number", given.vat_number), ("company_name", given.company_name)] {
        match value.map(|v| v.trim().to_owned()) {
            Some(v) if v.is_empty() => drop(metadata.remove(name)),
            Some(v) => drop(metadata.insert(name.to_owned(), v)),
            None => {}
        }
    }
    let email = state.reads.user(user.user_id).await?.and_then(|row| row.email);
    let payer =
        Payer { tenant: &state.legacy_tenant, user_id: user.user_id, test_user: false, email: email.as_deref() };
    let key = uuid::Uuid::new_v4().simple().to_string();
    let meta = meta.by(DIALECT, &state.legacy_tenant, format!("user:{}", user.user_id));
    let wallet = state.wallets.update_metadata(payer, metadata, &key, state.clock.now(), &meta).await?;
    Ok(Json(MetadataData { data: StripeMetadata::from(wallet.metadata()) }))
}

/// The user's charges, newest first.
#[utoipa::path(
    get,
    path = "/api/users/payment/charges",
    tag = "legacy",
    security(("legacy_user" = [])),
    responses((status = 200, description = "the charges", body = ChargeList))
)]
pub async fn charges(State(state): State<AppState>, user: LegacyUser) -> Result<Json<ChargeList>, LegacyError> {
    let rows = state.reads.wallet_charges(user.user_id).await?;
    Ok(Json(ChargeList { data: rows.into_iter().map(Into::into).collect() }))
}

/// The user's subscriptions, newest first (the path is spelled as the original spells it).
#[utoipa::path(
    get,
    path = "/api/users/payment/subcriptions",
    tag = "legacy",
    security(("legacy_user" = [])),
    responses((status = 200, description = "the subscriptions", body = SubscriptionList))
)]
pub async fn subscriptions(
    State(state): State<AppState>,
    user: LegacyUser,
) -> Result<Json<SubscriptionList>, LegacyError> {
    let rows = state.reads.wallet_subscriptions(user.user_id).await?;
    Ok(Json(SubscriptionList { data: rows.into_iter().map(Into::into).collect() }))
}
