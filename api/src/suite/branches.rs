//! `GET /{tenant}/front/branches/resolve`: the branch an app should use, before sign-up, for the
//! device's position (the branch whose area holds it, the nearest centre when several do) or for
//! a hint (a branch id, its name or one of its hints: a city name, a code in a link).
use super::SuiteError;
use super::extract::Tenant;
use crate::error::ApiError;
use crate::state::AppState;
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use domain::catalog::{Branch, Position, resolve_hint, resolve_position};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

type ErrorBody = super::error::SuiteErrorBody;

#[derive(Debug, Deserialize, IntoParams)]
pub struct ResolveQuery {
    /// WGS 84 degrees, with `longitude`.
    latitude: Option<f64>,
    longitude: Option<f64>,
    /// A branch id, a branch's name or one of its hints (without case); used when no position is given.
    #[param(max_length = 100)]
    hint: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = suite::Branch, example = json!({"branchId": "zurich", "name": "Zürich", "center": {"latitude": 47.3769, "longitude": 8.5417}, "radiusKm": 15.0, "resolvedBy": "position"}))]
pub struct BranchBody {
    branch_id: String,
    name: String,
    #[schema(value_type = Object)]
    center: Position,
    radius_km: f64,
    /// `position` or `hint`.
    resolved_by: &'static str,
}

impl BranchBody {
    fn of(branch: &Branch, resolved_by: &'static str) -> Self {
        let Branch { branch_id, name, center, radius_km, .. } = branch.clone();
        Self { branch_id, name, center, radius_km, resolved_by }
    }
}

/// What the query asks for: a position (both coordinates, in range) or else a hint.
fn asked(query: ResolveQuery) -> Result<Result<Position, String>, ApiError> {
    match (query.latitude, query.longitude, query.hint) {
        (Some(lat), Some(lon), _) => Position::new(lat, lon)
            .map(Ok)
            .ok_or_else(|| ApiError::InvalidBody("latitude must be in [-90, 90] and longitude in [-180, 180]".into())),
        (Some(_), None, _) | (None, Some(_), _) => {
            Err(ApiError::InvalidBody("a position needs both latitude and longitude".into()))
        }
        (None, None, Some(hint)) if !hint.trim().is_empty() && hint.chars().count() <= 100 => Ok(Err(hint)),
        (None, None, _) => {
            Err(ApiError::InvalidBody("give latitude and longitude, or a hint of 1 to 100 characters".into()))
        }
    }
}

/// The tenant's branch for a position or a hint.
#[utoipa::path(
    get,
    path = "/{tenant}/front/branches/resolve",
    tag = "suite",
    params(("tenant" = String, Path, description = "The operator (tenant) id"), ResolveQuery),
    responses(
        (status = 200, description = "The branch", body = BranchBody),
        (status = 400, description = "REQ400: no position and no hint, half a position, or coordinates out of range", body = ErrorBody),
        (status = 404, description = "B404: no branch serves the position or answers to the hint; T404: no such operator", body = ErrorBody),
    )
)]
pub async fn resolve(
    State(state): State<AppState>,
    Tenant(tenant): Tenant,
    query: Result<Query<ResolveQuery>, QueryRejection>,
) -> Result<Json<BranchBody>, SuiteError> {
    let Query(query) = query.map_err(|e| ApiError::InvalidBody(e.body_text()))?;
    let branches = state.catalog.branches(&tenant).await?;
    let found = match asked(query)? {
        Ok(position) => resolve_position(&branches, &position).map(|b| BranchBody::of(b, "position")),
        Err(hint) => resolve_hint(&branches, &hint).map(|b| BranchBody::of(b, "hint")),
    };
    Ok(Json(found.ok_or(ApiError::NoBranch)?))
}
