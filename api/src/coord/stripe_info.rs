//! `POST /v1/users/user/current/stripe_info`: a Stripe token targeted at this service's account
//! becomes a card of the user's wallet, at the Stripe customer this service creates for the
//! user on first use. Test users cannot call it (their systems cannot require Stripe info).
use super::error::CoordErrorBody;
use super::extract::{CoordJson, CoordUser};
use super::{CoordError, DIALECT};
use crate::error::ApiError;
use crate::idempotency::{IdempotencyKey, replayable};
use crate::request_meta::RequestMeta;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use commands::Metadata;
use commands::wallet::Payer;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[schema(as = coord::StripeInfo, example = json!({"coord_targeted_token": "tok_visa"}))]
pub struct StripeInfo {
    /// A Stripe token targeted at this service's connected account (`tok_…`).
    coord_targeted_token: String,
    /// In the answer: the Stripe customer this service created for the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    customer_id: Option<String>,
}

async fn store_card(
    state: &AppState,
    user: &CoordUser,
    token: &str,
    key: &str,
    meta: Metadata,
) -> Result<StripeInfo, ApiError> {
    let row = state.reads.user(user.user_id).await?.ok_or(ApiError::UnknownUser)?;
    if row.test_user {
        return Err(ApiError::TestUserRefused);
    }
    state.limits.card_attach(user.user_id)?;
    let tenant = &user.partner.tenant_id;
    let payer = Payer { tenant, user_id: user.user_id, test_user: false, email: row.email.as_deref() };
    let (customer, _) = state.wallets.attach_card(payer, token, key, state.clock.now(), &meta).await?;
    Ok(StripeInfo { coord_targeted_token: token.to_owned(), customer_id: Some(customer.customer_id) })
}

/// Store the user's Stripe payment info; answers it with the Stripe customer id. Honours
/// `Idempotency-Key`.
#[utoipa::path(
    post,
    path = "/v1/users/user/current/stripe_info",
    tag = "coord",
    params(
        ("Idempotency-Key" = Option<String>, Header, description = "1 to 255 visible ASCII characters; the answer is replayed for 24 hours"),
    ),
    security(("access_key" = [], "coord_user" = [])),
    request_body = StripeInfo,
    responses(
        (status = 200, description = "The token, with the Stripe customer id", body = StripeInfo),
        (status = 400, description = "invalid_body, invalid_card_token or invalid_idempotency_key", body = CoordErrorBody),
        (status = 401, description = "Missing/unknown access key or token", body = CoordErrorBody),
        (status = 402, description = "card_declined", body = CoordErrorBody),
        (status = 403, description = "test_user: not available with a test JWT; or the token is another partner's", body = CoordErrorBody),
        (status = 409, description = "idempotency_key_in_use", body = CoordErrorBody),
        (status = 422, description = "idempotency_key_reused", body = CoordErrorBody),
        (status = 429, description = "rate_limited: too many cards attached this hour", body = CoordErrorBody),
        (status = 502, description = "payment_provider_error", body = CoordErrorBody),
    )
)]
#[tracing::instrument(skip_all, fields(user = %user.user_id))]
pub async fn post_stripe_info(
    State(state): State<AppState>,
    user: CoordUser,
    key: IdempotencyKey,
    meta: RequestMeta,
    CoordJson(body): CoordJson<StripeInfo>,
) -> Result<Response, CoordError> {
    let token = body.coord_targeted_token.trim().to_owned();
    if token.is_empty() || token.len() > 255 {
        return Err(ApiError::InvalidBody("coord_targeted_token must be a Stripe token".into()).into());
    }
    let scope = format!("user:{}", user.user_id);
    let meta = meta.by(DIALECT, &user.partner.tenant_id, scope.clone());
    let request = [b"POST /v1/users/user/current/stripe_info".as_slice(), token.as_bytes()];
    let work = async |key: String| match store_card(&state, &user, &token, &key, meta).await {
        Ok(info) => Json(info).into_response(),
        Err(e) => CoordError::from(e).into_response(),
    };
    Ok(replayable(&state, key, &scope, &request, work).await?)
}
