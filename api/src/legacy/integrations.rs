//! `/api/users/integrations`: the card-wallet API's "providers" namespace. A provider is one of
//! the legacy tenant's transactable systems that require a linked account, named by its system
//! id; the links are the same as coord's (`AccountLinks`).
use super::extract::{LegacyJson, LegacyUser};
use super::{DIALECT, LegacyError};
use crate::error::ApiError;
use crate::request_meta::RequestMeta;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use commands::links::LinkRequest;
use domain::links::LinkVia;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

type ErrorBody = super::error::LegacyErrorBody;

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = legacy::Provider)]
pub struct Provider {
    /// The provider's name: a system id of the tenant (`CitiBike`).
    name: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = legacy::ProviderMessage)]
pub struct ProviderMessage {
    msg: &'static str,
}

/// An unknown system is the original's "provider isn't implemented".
fn provider_error(e: ApiError) -> LegacyError {
    LegacyError(match e {
        ApiError::UnknownSystem => ApiError::UnknownProvider,
        other => other,
    })
}

fn request<'a>(state: &'a AppState, user_id: Uuid, name: &'a str) -> LinkRequest<'a> {
    LinkRequest { tenant: &state.legacy_tenant, user_id, system_id: name, via: LinkVia::Integrations }
}

/// The account's providers: the names of the systems it is linked to.
#[utoipa::path(
    get,
    path = "/api/users/integrations",
    tag = "legacy",
    security(("legacy_user" = [])),
    responses(
        (status = 200, description = "the account's providers", body = Vec<String>),
        (status = 401, description = "no valid token or session", body = ErrorBody),
    )
)]
pub async fn providers(State(state): State<AppState>, user: LegacyUser) -> Result<Json<Vec<String>>, LegacyError> {
    let links = state.reads.account_links(user.user_id).await?;
    Ok(Json(links.into_iter().map(|link| link.system_id).collect()))
}

/// Add a provider to the account.
#[utoipa::path(
    post,
    path = "/api/users/integrations",
    tag = "legacy",
    request_body = Provider,
    security(("legacy_user" = [])),
    responses(
        (status = 200, description = "the provider has been added", body = ProviderMessage),
        (status = 400, description = "invalid parameters: no name, an unknown provider (`unknown_system`), one that needs no link (`system_not_linkable`), or one that needs a card first (`requirements_missing`)", body = ErrorBody),
        (status = 403, description = "the user already have this provider", body = ErrorBody),
    )
)]
pub async fn add_provider(
    State(state): State<AppState>,
    user: LegacyUser,
    meta: RequestMeta,
    LegacyJson(body): LegacyJson<Provider>,
) -> Result<Json<ProviderMessage>, LegacyError> {
    let name = body.name.filter(|n| !n.trim().is_empty()).ok_or(ApiError::InvalidBody("invalid parameters".into()))?;
    let row = state.reads.user(user.user_id).await?.ok_or(ApiError::UnknownUser)?;
    let metadata = meta.by(DIALECT, &state.legacy_tenant, format!("user:{}", user.user_id));
    let request = request(&state, user.user_id, name.trim());
    if !crate::linking::link(&state, request, &row, &metadata).await.map_err(provider_error)? {
        return Err(ApiError::AlreadyLinked.into());
    }
    Ok(Json(ProviderMessage { msg: "the provider has been added" }))
}

/// Remove a provider from the account.
#[utoipa::path(
    delete,
    path = "/api/users/integrations/{name}",
    tag = "legacy",
    params(("name" = String, Path, description = "The provider's name")),
    security(("legacy_user" = [])),
    responses(
        (status = 200, description = "the provider has been removed", body = ProviderMessage),
        (status = 400, description = "invalid parameters or provider isn't implemented", body = ErrorBody),
        (status = 403, description = "the provider isn't enabled", body = ErrorBody),
    )
)]
pub async fn remove_provider(
    State(state): State<AppState>,
    user: LegacyUser,
    meta: RequestMeta,
    Path(name): Path<String>,
) -> Result<Json<ProviderMessage>, LegacyError> {
    let metadata = meta.by(DIALECT, &state.legacy_tenant, format!("user:{}", user.user_id));
    let unlinked = crate::linking::unlink(&state, request(&state, user.user_id, &name), &metadata).await;
    match unlinked {
        Ok(true) => Ok(Json(ProviderMessage { msg: "the provider has been removed" })),
        Ok(false) => Err(ApiError::NotLinked.into()),
        // a system that needs no link is no provider
        Err(ApiError::SystemNotLinkable) => Err(ApiError::UnknownProvider.into()),
        Err(e) => Err(provider_error(e)),
    }
}
