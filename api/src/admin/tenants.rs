//! Operators configure tenants: create one, read its configuration, set its suite token
//! lifetime, its OpenID providers, transactable systems and branches. Each change is a catalog
//! event (nothing is appended when nothing changes); running servers use it at once (token
//! lifetimes within 5 seconds). Bodies are JSON; refusals are problem details.
use super::problem::{AdminJson, catalog_problem};
use super::{Operator, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use domain::catalog::{
    Branch, CatalogCommand, IdentityProvider, Position, TransactableSystem, TransactionRequirements,
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = admin::NewTenant)]
pub struct NewTenant {
    /// 1 to 64 letters, digits, `.`, `_` or `-`.
    tenant_id: String,
    name: String,
}

/// A tenant's configuration (partners by id; their keys are never shown).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = admin::Tenant)]
pub struct TenantView {
    tenant_id: String,
    partners: Vec<String>,
    suite_token_minutes: Option<u32>,
    #[schema(value_type = Vec<Object>)]
    providers: Vec<IdentityProvider>,
    #[schema(value_type = Vec<Object>)]
    systems: Vec<TransactableSystem>,
    #[schema(value_type = Vec<Object>)]
    branches: Vec<Branch>,
}

async fn view(state: &AppState, tenant_id: &str) -> Result<TenantView, Problem> {
    let catalog = state.catalog.catalog(tenant_id).await?;
    if !catalog.exists() {
        return Err(Problem::new(StatusCode::NOT_FOUND, "not-found", format!("no tenant {tenant_id}")));
    }
    Ok(TenantView {
        tenant_id: tenant_id.to_owned(),
        partners: catalog.partner_ids().map(str::to_owned).collect(),
        suite_token_minutes: catalog.suite_token_minutes(),
        providers: catalog.providers().to_vec(),
        systems: catalog.systems().to_vec(),
        branches: catalog.branches().to_vec(),
    })
}

/// Run `command` on the tenant's catalog and answer its configuration after.
async fn configure(
    state: &AppState,
    caller: &super::AdminCaller,
    tenant: &str,
    command: CatalogCommand,
) -> Result<Json<TenantView>, Problem> {
    state.catalog.execute(tenant, command, &caller.metadata).await.map_err(catalog_problem)?;
    Ok(Json(view(state, tenant).await?))
}

/// Create a tenant.
#[utoipa::path(post, path = "/admin/tenants", tag = "admin", operation_id = "admin_create_tenant", request_body = NewTenant, security(("admin" = [])), responses(
    (status = 201, description = "Created", body = TenantView),
    (status = 409, description = "A tenant with this id exists", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "An id or name that is not valid", body = Problem, content_type = "application/problem+json"),
    super::OperatorRefusals,
    super::JsonBodyRefusals,
))]
pub async fn create(
    Operator(caller): Operator,
    State(state): State<AppState>,
    AdminJson(body): AdminJson<NewTenant>,
) -> Result<(StatusCode, Json<TenantView>), Problem> {
    if !domain::values::is_plain_id(&body.tenant_id) {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-configuration",
            "a tenant id is 1 to 64 letters, digits, '.', '_' or '-'",
        ));
    }
    let command =
        CatalogCommand::CreateTenant { tenant_id: body.tenant_id.clone(), name: body.name, at: state.clock.now() };
    Ok((StatusCode::CREATED, configure(&state, &caller, &body.tenant_id, command).await?))
}

/// A tenant's configuration.
#[utoipa::path(get, path = "/admin/tenants/{tenant}", tag = "admin", params(("tenant" = String, Path)), security(("admin" = [])), responses(
    (status = 200, description = "Its configuration", body = TenantView),
    (status = 404, description = "No such tenant", body = Problem, content_type = "application/problem+json"),
    super::OperatorRefusals,
))]
pub async fn get(
    _: Operator,
    State(state): State<AppState>,
    Path(tenant): Path<String>,
) -> Result<Json<TenantView>, Problem> {
    Ok(Json(view(&state, &tenant).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = admin::TokenLifetime)]
pub struct TokenLifetime {
    /// 1 to 43200 (30 days).
    minutes: u32,
}

/// Set how long the tenant's suite access tokens live.
#[utoipa::path(put, path = "/admin/tenants/{tenant}/token-lifetime", tag = "admin", params(("tenant" = String, Path)), request_body = TokenLifetime, security(("admin" = [])), responses(
    (status = 200, description = "Its configuration after", body = TenantView),
    (status = 404, description = "No such tenant", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Out of range", body = Problem, content_type = "application/problem+json"),
    super::OperatorRefusals,
    super::JsonBodyRefusals,
))]
pub async fn token_lifetime(
    Operator(caller): Operator,
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    AdminJson(body): AdminJson<TokenLifetime>,
) -> Result<Json<TenantView>, Problem> {
    let command = CatalogCommand::SetSuiteTokenLifetime { minutes: body.minutes, at: state.clock.now() };
    configure(&state, &caller, &tenant, command).await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = admin::Provider)]
pub struct ProviderBody {
    /// The `iss` its ID tokens carry.
    issuer: String,
    /// The `aud` its ID tokens must carry.
    audience: String,
    /// Where it publishes its signing keys (http or https).
    jwks_url: String,
}

/// Add or change an OpenID provider (by the name sign-in requests use).
#[utoipa::path(put, path = "/admin/tenants/{tenant}/providers/{name}", tag = "admin", params(("tenant" = String, Path), ("name" = String, Path)), request_body = ProviderBody, security(("admin" = [])), responses(
    (status = 200, description = "Its configuration after", body = TenantView),
    (status = 404, description = "No such tenant", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "A value that is not valid", body = Problem, content_type = "application/problem+json"),
    super::OperatorRefusals,
    super::JsonBodyRefusals,
))]
pub async fn provider(
    Operator(caller): Operator,
    State(state): State<AppState>,
    Path((tenant, name)): Path<(String, String)>,
    AdminJson(body): AdminJson<ProviderBody>,
) -> Result<Json<TenantView>, Problem> {
    adapters::jwks::check_jwks_url(&body.jwks_url)
        .map_err(|e| Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-configuration", e.to_string()))?;
    let provider =
        IdentityProvider { provider: name, issuer: body.issuer, audience: body.audience, jwks_url: body.jwks_url };
    configure(&state, &caller, &tenant, CatalogCommand::ConfigureIdentityProvider { provider, at: state.clock.now() })
        .await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = admin::System)]
pub struct SystemBody {
    name: String,
    #[serde(default)]
    linked_account: bool,
    /// `vehicle.license_plate`, `stripe_info.stripe_customer_id`.
    #[serde(default)]
    users_api_fields: Vec<String>,
    /// `email`, `external_uid`.
    #[serde(default)]
    jwt_claims: Vec<String>,
}

/// Add or change a transactable system (the whole system: requirements left out are dropped).
#[utoipa::path(put, path = "/admin/tenants/{tenant}/systems/{system_id}", tag = "admin", params(("tenant" = String, Path), ("system_id" = String, Path)), request_body = SystemBody, security(("admin" = [])), responses(
    (status = 200, description = "Its configuration after", body = TenantView),
    (status = 404, description = "No such tenant", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "A value that is not valid", body = Problem, content_type = "application/problem+json"),
    super::OperatorRefusals,
    super::JsonBodyRefusals,
))]
pub async fn system(
    Operator(caller): Operator,
    State(state): State<AppState>,
    Path((tenant, system_id)): Path<(String, String)>,
    AdminJson(body): AdminJson<SystemBody>,
) -> Result<Json<TenantView>, Problem> {
    let requirements = TransactionRequirements {
        jwt_claims: body.jwt_claims,
        linked_account: body.linked_account,
        users_api_fields: body.users_api_fields,
    };
    let system = TransactableSystem { system_id, name: body.name, requirements };
    configure(&state, &caller, &tenant, CatalogCommand::ConfigureTransactableSystem { system, at: state.clock.now() })
        .await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = admin::Branch)]
pub struct BranchBody {
    name: String,
    /// The centre of its area, WGS 84 degrees.
    latitude: f64,
    longitude: f64,
    /// More than 0, at most 2000.
    radius_km: f64,
    #[serde(default)]
    hints: Vec<String>,
}

/// Add or change a branch (the whole branch).
#[utoipa::path(put, path = "/admin/tenants/{tenant}/branches/{branch_id}", tag = "admin", params(("tenant" = String, Path), ("branch_id" = String, Path)), request_body = BranchBody, security(("admin" = [])), responses(
    (status = 200, description = "Its configuration after", body = TenantView),
    (status = 404, description = "No such tenant", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "A value that is not valid", body = Problem, content_type = "application/problem+json"),
    super::OperatorRefusals,
    super::JsonBodyRefusals,
))]
pub async fn branch(
    Operator(caller): Operator,
    State(state): State<AppState>,
    Path((tenant, branch_id)): Path<(String, String)>,
    AdminJson(body): AdminJson<BranchBody>,
) -> Result<Json<TenantView>, Problem> {
    let center = Position { latitude: body.latitude, longitude: body.longitude };
    let branch = Branch { branch_id, name: body.name, center, radius_km: body.radius_km, hints: body.hints };
    configure(&state, &caller, &tenant, CatalogCommand::ConfigureBranch { branch, at: state.clock.now() }).await
}
