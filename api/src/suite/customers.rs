//! Suite User API: sign-up with email and password, the current customer.
use super::extract::{OptionalClient, SuiteJson, SuiteUser, Tenant};
use super::{DIALECT, SuiteError};
use crate::client_addr::ClientAddr;
use crate::error::ApiError;
use crate::request_meta::RequestMeta;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use commands::signin::PasswordSignUp;
use domain::user::Profile;
use domain::values::{Email, NewPassword};
use projections::users::UserRow;
use serde::{Deserialize, Serialize};

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = suite::SignUp, example = json!({"email": "ann@example.com", "password": "correct horse battery", "firstName": "Ann", "language": "de"}))]
pub struct SignUp {
    email: String,
    /// 8 to 128 characters.
    password: String,
    #[serde(default)]
    first_name: Option<String>,
    #[serde(default)]
    last_name: Option<String>,
    /// A language tag such as `de` or `fr-CH`.
    #[serde(default)]
    language: Option<String>,
}

/// A customer as the User API shows it; fields without a value are left out.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = suite::Customer)]
pub struct Customer {
    uuid: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    /// For accounts made by a phone-number sign-in.
    #[serde(skip_serializing_if = "Option::is_none")]
    phone_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<String>,
    /// Email addresses are not verified yet in this version.
    email_is_verified: bool,
    /// `NO_PAYMENT_SOURCE` until a card is attached, then `PAYMENT_SOURCE_ADDED`.
    payment_state: &'static str,
    /// Whether a failed charge is still unpaid.
    blocked_by_unpaid_invoices: bool,
}

fn payment_state(state: projections::wallet::PaymentState) -> &'static str {
    if state.has_card { "PAYMENT_SOURCE_ADDED" } else { "NO_PAYMENT_SOURCE" }
}

impl SignUp {
    /// The parsed email, password and profile, or the first value that is not valid.
    fn checked(self) -> Result<(Email, NewPassword, Profile), ApiError> {
        let email = Email::parse(&self.email)?;
        let password = NewPassword::parse(&self.password)?;
        let profile = Profile {
            first_name: trimmed(self.first_name, 100)?,
            last_name: trimmed(self.last_name, 100)?,
            language: trimmed(self.language, 35)?,
            ..Profile::default()
        };
        Ok((email, password, profile))
    }
}

fn trimmed(value: Option<String>, max: usize) -> Result<Option<String>, ApiError> {
    let value = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    if value.as_ref().is_some_and(|v| v.chars().count() > max) {
        return Err(ApiError::InvalidBody(format!("a name or language is longer than {max} characters")));
    }
    Ok(value)
}

/// Sign up with email and password. The new customer then signs in with `sign-in-email`. With
/// an API client's token (`Authorization: Bearer`, from `sign-in-api-client`) the client creates
/// the customer, and may then act for them with `GoUrban-Impersonate: {uuid}`.
#[utoipa::path(
    post,
    path = "/{tenant}/front/customers",
    tag = "suite",
    params(("tenant" = String, Path, description = "The operator (tenant) id, e.g. `demo`")),
    request_body = SignUp,
    responses(
        (status = 201, description = "Signed up", body = Customer),
        (status = 400, description = "U130.3: invalid email; U101: password not 8 to 128 characters; REQ400: invalid body", body = super::error::SuiteErrorBody),
        (status = 404, description = "T404: unknown tenant", body = super::error::SuiteErrorBody),
        (status = 409, description = "U102: a user with this email exists", body = super::error::SuiteErrorBody),
    )
)]
#[tracing::instrument(skip_all, fields(tenant = %tenant))]
pub async fn sign_up(
    State(state): State<AppState>,
    Tenant(tenant): Tenant,
    OptionalClient(client): OptionalClient,
    ClientAddr(address): ClientAddr,
    meta: RequestMeta,
    SuiteJson(body): SuiteJson<SignUp>,
) -> Result<(StatusCode, Json<Customer>), SuiteError> {
    // an API client's sign-ups are its own business; anonymous ones are counted per address
    client.is_none().then(|| state.limits.write(address)).transpose()?;
    let (email, password, profile) = body.checked()?;
    // no email in the metadata: personal data stays in the payload, where erasure will find it
    let actor = client.as_ref().map_or_else(|| "signup".to_owned(), |c| format!("client:{c}"));
    let metadata = meta.by(DIALECT, &tenant, actor);
    let sign_up = PasswordSignUp {
        tenant_id: tenant.clone(),
        email: email.clone(),
        password,
        profile: profile.clone(),
        created_by: client,
    };
    let user_id = state.sign_in.sign_up_with_password(sign_up, &metadata).await?;
    Ok((StatusCode::CREATED, Json(Customer::signed_up(user_id, &email, profile))))
}

impl Customer {
    /// The customer a sign-up just created.
    fn signed_up(user_id: uuid::Uuid, email: &Email, profile: Profile) -> Self {
        Self {
            uuid: user_id.to_string(),
            email: Some(email.as_str().to_owned()),
            phone_number: None,
            first_name: profile.first_name,
            last_name: profile.last_name,
            language: profile.language,
            email_is_verified: false,
            payment_state: payment_state(Default::default()),
            blocked_by_unpaid_invoices: false,
        }
    }
}

/// The signed-in customer.
#[utoipa::path(
    get,
    path = "/{tenant}/front/customers",
    tag = "suite",
    params(("tenant" = String, Path, description = "The operator (tenant) id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The customer", body = Customer),
        (status = 401, description = "A202/A203/A204: no valid token or session", body = super::error::SuiteErrorBody),
        (status = 403, description = "A101: token of another tenant", body = super::error::SuiteErrorBody),
        (status = 404, description = "U106: no customer for this token", body = super::error::SuiteErrorBody),
    )
)]
pub async fn current(State(state): State<AppState>, user: SuiteUser) -> Result<Json<Customer>, SuiteError> {
    // a customer is someone who signed up; users a coord partner introduced are not
    let row = state.reads.user(user.user_id).await?.filter(UserRow::signed_up).ok_or(ApiError::UnknownUser)?;
    let payments = state.reads.payment_state(user.user_id).await?;
    Ok(Json(Customer {
        uuid: row.user_id,
        email: row.email,
        phone_number: row.phone_number,
        first_name: row.first_name,
        last_name: row.last_name,
        language: row.language,
        email_is_verified: false,
        payment_state: payment_state(payments),
        blocked_by_unpaid_invoices: payments.unpaid_charges,
    }))
}
