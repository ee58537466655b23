//! `GET /customers`, `PATCH /customers` and `GET /customers/signed`: the signed-in customer's
//! profile, as the User API shows it (fields without a value left out), edited as a form whose
//! every field is checked before anything is written, and signed as a JWT that the service's
//! JWKS verifies.
use super::extract::{SuiteJson, SuiteUser};
use super::{DIALECT, SuiteError};
use crate::error::ApiError;
use crate::request_meta::RequestMeta;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use domain::user::Block;
use projections::users::UserRow;
use projections::wallet::PaymentState;
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;

type ErrorBody = super::error::SuiteErrorBody;

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = suite::Address)]
pub struct Address {
    pub(super) street: Option<String>,
    /// The postcode.
    pub(super) zip: Option<String>,
    pub(super) city: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub(super) country: Option<String>,
}

/// A customer as the User API shows it; fields without a value are left out.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = suite::Customer)]
pub struct Customer {
    uuid: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_name: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(skip_serializing_if = "Option::is_none")]
    birth_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    address: Option<Address>,
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    custom_properties: Option<BTreeMap<String, String>>,
    /// Whether the email was proven (a code or link sent to it came back, or an identity
    /// provider vouched for it); a changed email is unproven.
    email_is_verified: bool,
    /// Whether the phone number was proven (a code sent to it came back).
    phone_is_verified: bool,
    /// `NO_PAYMENT_SOURCE` until a card is attached, then `PAYMENT_SOURCE_ADDED`.
    payment_state: &'static str,
    /// Whether a failed charge is still unpaid.
    blocked_by_unpaid_invoices: bool,
    /// `NOT_BLOCKED`; `LOCKED` while repeated failed sign-ins lock the account (until
    /// `blockedUntil`); `DELETION_REQUESTED` while a requested deletion waits for holds to clear.
    block_state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    blocked_until: Option<String>,
    /// The driving licence's verification (`verification/init` with `LICENSE`): `NOT_STARTED`,
    /// `PENDING`, `VERIFIED` or `REJECTED`.
    license_verification_state: &'static str,
    /// The identity document's verification (`ID`), in the same states.
    id_verification_state: &'static str,
    /// An operator's check by hand: `NOT_STARTED`, `VERIFIED` or `REJECTED`.
    manual_verification_state: &'static str,
}

/// A verification column's state, as the User API names it.
fn verification_state(column: Option<&str>) -> &'static str {
    match column {
        Some("PENDING") => "PENDING",
        Some("VERIFIED") => "VERIFIED",
        Some("REJECTED") => "REJECTED",
        _ => "NOT_STARTED",
    }
}

impl Customer {
    pub fn of(row: UserRow, payments: PaymentState, block: Block) -> Self {
        let (block_state, blocked_until) = match block {
            Block::NotBlocked => ("NOT_BLOCKED", None),
            Block::Locked { until } => ("LOCKED", Some(until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))),
            Block::DeletionRequested => ("DELETION_REQUESTED", None),
        };
        Self {
            uuid: row.user_id,
            email: row.email,
            phone_number: row.phone_number,
            first_name: row.first_name,
            last_name: row.last_name,
            birth_date: row.birth_date,
            address: row.address.and_then(|a| serde_json::from_str(&a).ok()),
            language: row.language,
            custom_properties: row.custom_properties.and_then(|c| serde_json::from_str(&c).ok()),
            email_is_verified: row.email_verified,
            phone_is_verified: row.phone_verified,
            payment_state: if payments.has_card { "PAYMENT_SOURCE_ADDED" } else { "NO_PAYMENT_SOURCE" },
            blocked_by_unpaid_invoices: payments.unpaid_charges,
            block_state,
            blocked_until,
            license_verification_state: verification_state(row.license_verification.as_deref()),
            id_verification_state: verification_state(row.id_verification.as_deref()),
            manual_verification_state: verification_state(row.manual_verification.as_deref()),
        }
    }
}

/// The user view's row of customer `user`.
async fn customer_row(state: &AppState, user: &SuiteUser) -> Result<UserRow, ApiError> {
    // a customer is someone who signed up; users a coord partner introduced are not
    state.reads.user(user.user_id).await?.filter(UserRow::signed_up).ok_or(ApiError::UnknownUser)
}

/// The customer of `user`, as the read models have it now.
pub(super) async fn customer(state: &AppState, user: &SuiteUser) -> Result<Customer, ApiError> {
    let row = customer_row(state, user).await?;
    customer_of(state, user, row).await
}

/// The customer of `user` with its user-view `row`: what blocks it, from the User aggregate,
/// and its payment state.
async fn customer_of(state: &AppState, user: &SuiteUser, row: UserRow) -> Result<Customer, ApiError> {
    let (account, _) = state.users.load(user.user_id).await?;
    let block = account.block(state.clock.now());
    Ok(Customer::of(row, state.reads.payment_state(user.user_id).await?, block))
}

/// The signed-in customer. With a verification pending, the provider is asked first (for at
/// most `USERS_API_IDV_POLL_MILLIS`), and a decision it has made is recorded and shown.
#[utoipa::path(
    get,
    path = "/{tenant}/front/customers",
    tag = "suite",
    params(("tenant" = String, Path, description = "The operator (tenant) id")),
    security(("suite_user" = [])),
    responses(
        (status = 200, description = "The customer", body = Customer),
        (status = 401, description = "A202/A203/A204: no valid token or session", body = ErrorBody),
        (status = 403, description = "A101: token of another tenant", body = ErrorBody),
        (status = 404, description = "U106: no customer for this token", body = ErrorBody),
    )
)]
pub async fn current(
    State(state): State<AppState>,
    user: SuiteUser,
    meta: RequestMeta,
) -> Result<Json<Customer>, SuiteError> {
    let mut row = customer_row(&state, &user).await?;
    if super::identity::poll(&state, &user, meta, &row).await {
        row = customer_row(&state, &user).await?;
    }
    Ok(Json(customer_of(&state, &user, row).await?))
}

/// A field of a `PATCH`: left out (unchanged), `null` (removed) or a value.
fn present<'de, T: Deserialize<'de>, D: Deserializer<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// The fields to change; a field left out stays, `null` removes it.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = suite::CustomerPatch, example = json!({"firstName": "Ann", "birthDate": "1990-04-01", "address": {"street": "Bahnhofstrasse 1", "zip": "8001", "city": "Zürich", "country": "CH"}}))]
pub struct CustomerPatch {
    #[serde(default, deserialize_with = "present")]
    pub(super) first_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub(super) last_name: Option<Option<String>>,
    /// `YYYY-MM-DD`, in the past; the customer must be 16 to 120 years old.
    #[serde(default, deserialize_with = "present")]
    pub(super) birth_date: Option<Option<String>>,
    /// Street, zip, city and country, all four.
    #[serde(default, deserialize_with = "present")]
    pub(super) address: Option<Option<Address>>,
    /// A BCP 47 tag (`de`, `fr-CH`).
    #[serde(default, deserialize_with = "present")]
    pub(super) language: Option<Option<String>>,
    /// International form (`+41791234567`); a new number is unproven.
    #[serde(default, deserialize_with = "present")]
    pub(super) phone_number: Option<Option<String>>,
    /// A new sign-in email; it is unproven until a code or link comes back.
    #[serde(default, deserialize_with = "present")]
    pub(super) email: Option<Option<String>>,
    /// Strings only; at most 50, keys up to 40 characters, values up to 500.
    #[serde(default, deserialize_with = "present")]
    pub(super) custom_properties: Option<Option<BTreeMap<String, String>>>,
    /// Read-only fields, refused with U120 when sent.
    #[serde(default)]
    #[schema(ignore)]
    pub(super) uuid: Option<serde_json::Value>,
    #[serde(default)]
    #[schema(ignore)]
    pub(super) email_is_verified: Option<serde_json::Value>,
    #[serde(default)]
    #[schema(ignore)]
    pub(super) phone_is_verified: Option<serde_json::Value>,
    #[serde(default)]
    #[schema(ignore)]
    pub(super) payment_state: Option<serde_json::Value>,
    #[serde(default)]
    #[schema(ignore)]
    pub(super) blocked_by_unpaid_invoices: Option<serde_json::Value>,
    #[serde(default)]
    #[schema(ignore)]
    pub(super) block_state: Option<serde_json::Value>,
    pub(super) license_verification_state: Option<serde_json::Value>,
    #[serde(default)]
    #[schema(ignore)]
    pub(super) id_verification_state: Option<serde_json::Value>,
    #[serde(default)]
    #[schema(ignore)]
    pub(super) manual_verification_state: Option<serde_json::Value>,
}

/// Change the signed-in customer's profile; answers the customer as it now stands. Every field
/// is checked first: one refused field changes nothing.
#[utoipa::path(
    patch,
    path = "/{tenant}/front/customers",
    tag = "suite",
    params(("tenant" = String, Path, description = "The operator (tenant) id")),
    request_body = CustomerPatch,
    security(("suite_user" = [])),
    responses(
        (status = 200, description = "The customer after the change", body = Customer),
        (status = 400, description = "U130.2 neither email nor phone left; U130.3 email; U130.4 phone; U130.5/U130.6 names; U130.7 birth date; U132/U133 age; U135–U138 address part missing; U111 unknown country; REQ400 language, custom properties or body", body = ErrorBody),
        (status = 403, description = "U120: a read-only field; U140: the email comes from an identity provider", body = ErrorBody),
        (status = 409, description = "U141: another account uses the email; U102: the phone number", body = ErrorBody),
    )
)]
pub async fn patch(
    State(state): State<AppState>,
    user: SuiteUser,
    meta: RequestMeta,
    SuiteJson(body): SuiteJson<CustomerPatch>,
) -> Result<Json<Customer>, SuiteError> {
    let (current, _) = state.users.load(user.user_id).await?;
    let row = state.reads.user(user.user_id).await?.filter(UserRow::signed_up).ok_or(ApiError::UnknownUser)?;
    let command = super::profile_edit::command(body, &current, &row, state.clock.now())?;
    let metadata = meta.by(DIALECT, &user.tenant_id, format!("user:{}", user.user_id));
    state.users.change(user.user_id, command, &metadata).await.map_err(super::profile_edit::refusal)?;
    Ok(Json(customer(&state, &user).await?))
}

/// The claims of a signed profile: the customer, who it is about and for how long it holds.
#[derive(Serialize)]
struct SignedProfile {
    iss: &'static str,
    sub: String,
    aud: String,
    iat: i64,
    exp: i64,
    #[serde(flatten)]
    customer: Customer,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = suite::SignedCustomer)]
pub struct Signed {
    /// A JWT (EdDSA) whose claims are the customer's fields plus `iss`, `sub` (the uuid), `aud`
    /// (`{tenant}-profile`), `iat` and `exp` (5 minutes); verify it with `/.well-known/jwks.json`.
    token: String,
}

/// The signed-in customer's profile as a signed JWT, for a trusted downstream system.
#[utoipa::path(
    get,
    path = "/{tenant}/front/customers/signed",
    tag = "suite",
    params(("tenant" = String, Path, description = "The operator (tenant) id")),
    security(("suite_user" = [])),
    responses(
        (status = 200, description = "The signed profile", body = Signed),
        (status = 401, description = "A202/A203/A204: no valid token or session", body = ErrorBody),
        (status = 404, description = "U106: no customer for this token", body = ErrorBody),
    )
)]
pub async fn signed(State(state): State<AppState>, user: SuiteUser) -> Result<Json<Signed>, SuiteError> {
    let customer = customer(&state, &user).await?;
    let now = state.clock.now().timestamp();
    let claims = SignedProfile {
        iss: commands::ports::tokens::ISSUER,
        sub: user.user_id.to_string(),
        aud: format!("{}-profile", user.tenant_id),
        iat: now,
        exp: now + 300,
        customer,
    };
    let value = serde_json::to_value(&claims).map_err(|e| ApiError::Internal(e.to_string()))?;
    let token = state.tokens.sign_document(&value).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(Json(Signed { token }))
}
