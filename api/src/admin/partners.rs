//! Operators manage a tenant's partners (API clients): register one (its keys are answered once
//! and kept only as hashes), rotate its keys, revoke it. Revoking ends its keys and every token
//! minted for it: each request checks its partner. And the service's own signing keys.
use super::problem::{AdminJson, catalog_problem};
use super::{Operator, Problem};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use commands::catalog::CatalogService;
use domain::catalog::CatalogCommand;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = admin::NewPartner)]
pub struct NewPartner {
    /// Unique across tenants: 1 to 64 letters, digits, `.`, `_` or `-`.
    partner_id: String,
    name: String,
}

/// A partner's keys, shown this once: `access_key` names the partner in coord requests,
/// `server_token` proves its server (coord `create_jwt`, suite `client_secret`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = admin::PartnerKeys)]
pub struct PartnerKeysView {
    partner_id: String,
    access_key: String,
    server_token: String,
}

/// Register a partner with new keys.
#[utoipa::path(post, path = "/admin/tenants/{tenant}/partners", tag = "admin", operation_id = "admin_register_partner", params(("tenant" = String, Path)), request_body = NewPartner, security(("admin" = [])), responses(
    (status = 201, description = "Registered; the keys are shown only here", body = PartnerKeysView),
    (status = 404, description = "No such tenant", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "A partner with this id exists or was revoked", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "An id or name that is not valid", body = Problem, content_type = "application/problem+json"),
    super::OperatorRefusals,
    super::JsonBodyRefusals,
))]
pub async fn create(
    Operator(caller): Operator,
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    AdminJson(body): AdminJson<NewPartner>,
) -> Result<(StatusCode, Json<PartnerKeysView>), Problem> {
    if !domain::values::is_plain_id(&body.partner_id) {
        let detail = "a partner id is 1 to 64 letters, digits, '.', '_' or '-'";
        return Err(Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-configuration", detail));
    }
    let (access_key, server_token, keys) = CatalogService::new_partner_keys();
    let partner_id = body.partner_id;
    let command = CatalogCommand::RegisterPartner {
        partner_id: partner_id.clone(),
        name: body.name,
        keys,
        at: state.clock.now(),
    };
    state.catalog.execute(&tenant, command, &caller.metadata).await.map_err(catalog_problem)?;
    Ok((StatusCode::CREATED, Json(PartnerKeysView { partner_id, access_key, server_token })))
}

/// Replace a partner's keys: the old ones stop working at once.
#[utoipa::path(post, path = "/admin/tenants/{tenant}/partners/{partner_id}/keys", tag = "admin", params(("tenant" = String, Path), ("partner_id" = String, Path)), security(("admin" = [])), responses(
    (status = 200, description = "The new keys, shown only here", body = PartnerKeysView),
    (status = 404, description = "No such tenant or partner", body = Problem, content_type = "application/problem+json"),
    super::OperatorRefusals,
))]
pub async fn rotate(
    Operator(caller): Operator,
    State(state): State<AppState>,
    Path((tenant, partner_id)): Path<(String, String)>,
) -> Result<Json<PartnerKeysView>, Problem> {
    let (access_key, server_token, keys) = CatalogService::new_partner_keys();
    let command = CatalogCommand::RotatePartnerKeys { partner_id: partner_id.clone(), keys, at: state.clock.now() };
    state.catalog.execute(&tenant, command, &caller.metadata).await.map_err(catalog_problem)?;
    Ok(Json(PartnerKeysView { partner_id, access_key, server_token }))
}

/// Revoke a partner for good: its keys and every token minted for it stop working.
#[utoipa::path(delete, path = "/admin/tenants/{tenant}/partners/{partner_id}", tag = "admin", params(("tenant" = String, Path), ("partner_id" = String, Path)), security(("admin" = [])), responses(
    (status = 204, description = "Revoked"),
    (status = 404, description = "No such tenant or partner", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Revoked already", body = Problem, content_type = "application/problem+json"),
    super::OperatorRefusals,
))]
pub async fn revoke(
    Operator(caller): Operator,
    State(state): State<AppState>,
    Path((tenant, partner_id)): Path<(String, String)>,
) -> Result<StatusCode, Problem> {
    let command = CatalogCommand::RevokePartner { partner_id, at: state.clock.now() };
    state.catalog.execute(&tenant, command, &caller.metadata).await.map_err(catalog_problem)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = admin::SigningKey)]
pub struct SigningKeyView {
    /// The id (`kid`) new access tokens are signed with from now on.
    signing_kid: String,
}

/// Add a new signing key for access tokens; tokens signed by older keys stay valid until they
/// expire. This instance signs with it at once, others within a minute.
#[utoipa::path(post, path = "/admin/signing-keys", tag = "admin", security(("admin" = [])), responses(
    (status = 201, description = "Rotated", body = SigningKeyView),
    super::OperatorRefusals,
))]
pub async fn rotate_signing_key(
    _: Operator,
    State(state): State<AppState>,
) -> Result<(StatusCode, Json<SigningKeyView>), Problem> {
    let signing_kid = crate::tokens::rotate(state.keys.as_ref()).await.map_err(|e| {
        tracing::error!(error = %e, "signing key rotation failed");
        Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "the key could not be rotated")
    })?;
    state.tokens.reload().await.ok();
    Ok((StatusCode::CREATED, Json(SigningKeyView { signing_kid })))
}
