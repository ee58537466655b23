//! `GET /v1/users/user/current` and `PUT /v1/users/user/current/vehicle`.
use super::error::CoordErrorBody;
use super::extract::{CoordJson, CoordUser};
use super::systems::TransactableSystem;
use super::{CoordError, DIALECT};
use crate::error::ApiError;
use crate::request_meta::RequestMeta;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use domain::values::LicensePlate;
use projections::users::UserRow;
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = coord::Plate)]
pub struct Plate {
    /// As printed: 1 to 16 letters, digits, spaces or hyphens.
    text: String,
    /// ISO 3166-1 alpha-2, answered in lower case.
    country: String,
    /// ISO 3166-2 subdivision (state) code, 1 to 3 letters or digits, answered in lower case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    subdivision: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = coord::Vehicle, example = json!({"license_plate": {"text": "123abc", "country": "us", "subdivision": "ny"}}))]
pub struct Vehicle {
    license_plate: Plate,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = coord::User)]
pub struct CurrentUser {
    email: String,
    /// When known: a partner's own token states it (`given_name`, or the start of `name`).
    #[serde(skip_serializing_if = "Option::is_none")]
    first_name: Option<String>,
    /// When known: a partner's own token states it (`family_name`, or the last word of `name`).
    #[serde(skip_serializing_if = "Option::is_none")]
    last_name: Option<String>,
    /// Absent until a vehicle is set.
    #[serde(skip_serializing_if = "Option::is_none")]
    vehicle: Option<Vehicle>,
    /// The tenant's systems, with the user's link and standing at each.
    transactable_systems: Vec<TransactableSystem>,
}

/// Coord speaks of the users its partners introduced; to it, anyone else is unknown.
impl TryFrom<UserRow> for CurrentUser {
    type Error = ApiError;

    fn try_from(row: UserRow) -> Result<Self, ApiError> {
        let (true, Some(email)) = (row.introduced_by_partner(), row.email) else {
            return Err(ApiError::UnknownUser);
        };
        let vehicle = match (row.plate_text, row.plate_country) {
            (Some(text), Some(country)) => {
                Some(Vehicle { license_plate: Plate { text, country, subdivision: row.plate_subdivision } })
            }
            _ => None,
        };
        // `current` adds the systems, which need more than the row
        let (first_name, last_name) = (row.first_name, row.last_name);
        Ok(Self { email, first_name, last_name, vehicle, transactable_systems: Vec::new() })
    }
}

impl From<&LicensePlate> for Vehicle {
    fn from(p: &LicensePlate) -> Self {
        Self {
            license_plate: Plate {
                text: p.text().to_owned(),
                country: p.country().to_owned(),
                subdivision: p.subdivision().map(str::to_owned),
            },
        }
    }
}

/// The signed-in user: email, names (when known), vehicle (when set) and transactable systems.
#[utoipa::path(
    get,
    path = "/v1/users/user/current",
    tag = "coord",
    security(("access_key" = [], "coord_user" = [])),
    responses(
        (status = 200, description = "The current user", body = CurrentUser),
        (status = 401, description = "Missing/unknown access key; missing, malformed, expired or invalid token", body = CoordErrorBody),
        (status = 403, description = "The token was minted for another partner", body = CoordErrorBody),
        (status = 404, description = "The token's user does not exist", body = CoordErrorBody),
    )
)]
#[tracing::instrument(skip_all, fields(user = %user.user_id))]
pub async fn current(State(state): State<AppState>, user: CoordUser) -> Result<Json<CurrentUser>, CoordError> {
    let row = state.reads.user(user.user_id).await?.ok_or(ApiError::UnknownUser)?;
    let systems = super::systems::of_user(&state, &user, &row).await?;
    let mut current = CurrentUser::try_from(row)?;
    current.transactable_systems = systems;
    Ok(Json(current))
}

/// Set the user's vehicle; answers the stored vehicle. Setting the same plate again changes nothing.
#[utoipa::path(
    put,
    path = "/v1/users/user/current/vehicle",
    tag = "coord",
    security(("access_key" = [], "coord_user" = [])),
    request_body = Vehicle,
    responses(
        (status = 200, description = "The stored vehicle", body = Vehicle),
        (status = 400, description = "invalid_license_plate or invalid_body", body = CoordErrorBody),
        (status = 401, description = "Missing/unknown access key or token", body = CoordErrorBody),
        (status = 403, description = "The token was minted for another partner", body = CoordErrorBody),
        (status = 415, description = "Body is not JSON", body = CoordErrorBody),
    )
)]
#[tracing::instrument(skip_all, fields(user = %user.user_id))]
pub async fn put_vehicle(
    State(state): State<AppState>,
    user: CoordUser,
    meta: RequestMeta,
    CoordJson(body): CoordJson<Vehicle>,
) -> Result<Json<Vehicle>, CoordError> {
    let p = &body.license_plate;
    let plate = LicensePlate::parse(&p.text, &p.country, p.subdivision.as_deref())?;
    let metadata = meta.by(DIALECT, &user.partner.tenant_id, format!("user:{}", user.user_id));
    state.users.change_vehicle(user.user_id, plate.clone(), state.clock.now(), &metadata).await?;
    Ok(Json(Vehicle::from(&plate)))
}

/// The older name of `PUT /v1/users/user/current/vehicle`, kept for clients that use it.
#[utoipa::path(
    post,
    path = "/v1/users/user/current/update_vehicle",
    tag = "coord",
    security(("access_key" = [], "coord_user" = [])),
    request_body = Vehicle,
    responses(
        (status = 200, description = "The stored vehicle", body = Vehicle),
        (status = 400, description = "invalid_license_plate or invalid_body", body = CoordErrorBody),
        (status = 401, description = "Missing/unknown access key or token", body = CoordErrorBody),
    )
)]
pub async fn update_vehicle(
    state: State<AppState>,
    user: CoordUser,
    meta: RequestMeta,
    body: CoordJson<Vehicle>,
) -> Result<Json<Vehicle>, CoordError> {
    put_vehicle(state, user, meta, body).await
}
