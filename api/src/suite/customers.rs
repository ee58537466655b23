//! Suite User API: sign-up with email and password.
use super::extract::{OptionalClient, SuiteJson, Tenant};
use super::profile::Customer;
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
use serde::Deserialize;

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
    let sign_up = PasswordSignUp { tenant_id: tenant.clone(), email, password, profile, created_by: client };
    let user_id = state.sign_in.sign_up_with_password(sign_up, &metadata).await?;
    let user = super::extract::SuiteUser { tenant_id: tenant, user_id, session_id: None };
    Ok((StatusCode::CREATED, Json(super::profile::customer(&state, &user).await?)))
}
