//! `GET /v1/users/user/current` and `PUT /v1/users/user/current/vehicle`.
use super::extract::{CoordJson, CoordUser};
use super::{CoordError, DIALECT};
use crate::error::ApiError;
use crate::request_meta::RequestMeta;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use chrono::Utc;
use domain::values::LicensePlate;
use projections::users::{UserRow, user_by_id};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
pub struct Plate {
    text: String,
    country: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    subdivision: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Vehicle {
    license_plate: Plate,
}

#[derive(Debug, Serialize)]
pub struct TransactableSystem {
    system_id: String,
    linked_account: bool,
}

#[derive(Debug, Serialize)]
pub struct CurrentUser {
    email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    vehicle: Option<Vehicle>,
    transactable_systems: Vec<TransactableSystem>,
}

impl From<UserRow> for CurrentUser {
    fn from(row: UserRow) -> Self {
        let vehicle = match (row.plate_text, row.plate_country) {
            (Some(text), Some(country)) => {
                Some(Vehicle { license_plate: Plate { text, country, subdivision: row.plate_subdivision } })
            }
            _ => None,
        };
        // account linking arrives with the transactable-systems catalog; none is linked yet
        Self { email: row.email, vehicle, transactable_systems: Vec::new() }
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

#[tracing::instrument(skip_all, fields(user = %user.user_id))]
pub async fn current(State(state): State<AppState>, user: CoordUser) -> Result<Json<CurrentUser>, CoordError> {
    let row = user_by_id(state.db(), &user.user_id.to_string()).await?.ok_or(ApiError::UnknownUser)?;
    Ok(Json(row.into()))
}

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
    state.users.change_vehicle(user.user_id, plate.clone(), Utc::now(), &metadata).await?;
    Ok(Json(Vehicle::from(&plate)))
}
