//! What the coord and legacy dialects share of account linking: what a user has of the
//! systems' requirements, each system with the user's standing at it, the link itself, and the
//! demo tenant's systems and branches.
use crate::error::ApiError;
use crate::state::AppState;
use commands::Metadata;
use commands::links::LinkRequest;
use domain::catalog::{LICENSE_PLATE, STRIPE_CUSTOMER_ID, TransactableSystem, TransactionRequirements, UserFacts};
use projections::users::UserRow;
use std::collections::BTreeSet;
use uuid::Uuid;

/// What the user has of the requirements a system may state: the plate from the user's read
/// model, a payment customer from the wallet's.
pub async fn facts(state: &AppState, user_id: Uuid, row: &UserRow) -> Result<UserFacts, ApiError> {
    let customer = state.reads.wallet_customer(user_id).await?;
    Ok(UserFacts {
        license_plate: row.plate_text.is_some() && row.plate_country.is_some(),
        stripe_customer_id: customer.is_some(),
        email: row.email.is_some(),
        external_uid: row.external_uid.is_some(),
    })
}

/// A system of the tenant, and where the user stands with it.
#[derive(Debug, Clone)]
pub struct Standing {
    pub system: TransactableSystem,
    pub linked: bool,
    /// Every requirement met: the user can transact with the system.
    pub transactable: bool,
}

/// Every system of the tenant, by id, with the user's standing.
pub async fn standings(
    state: &AppState,
    tenant: &str,
    user_id: Uuid,
    row: &UserRow,
) -> Result<Vec<Standing>, ApiError> {
    let facts = facts(state, user_id, row).await?;
    let linked: BTreeSet<String> =
        state.reads.account_links(user_id).await?.into_iter().map(|link| link.system_id).collect();
    let systems = state.reads.transactable_systems(tenant).await?;
    Ok(systems
        .into_iter()
        .map(|system| {
            let linked = linked.contains(&system.system_id);
            let transactable = system.requirements.met_by(&facts, linked);
            Standing { system, linked, transactable }
        })
        .collect())
}

/// Link the user (`row`) to the system; false when it was linked already.
pub async fn link(
    state: &AppState,
    request: LinkRequest<'_>,
    row: &UserRow,
    metadata: &Metadata,
) -> Result<bool, ApiError> {
    let facts = facts(state, request.user_id, row).await?;
    Ok(state.links.link(request, facts, state.clock.now(), metadata).await?)
}

/// End the user's link with the system; false when it was not linked.
pub async fn unlink(state: &AppState, request: LinkRequest<'_>, metadata: &Metadata) -> Result<bool, ApiError> {
    Ok(state.links.unlink(request, state.clock.now(), metadata).await?)
}

/// The demo tenant's systems, added at startup when missing: one needing nothing, one needing a
/// linked account, one a linked account and a plate, one a Stripe customer.
pub fn demo_systems() -> Vec<TransactableSystem> {
    let system = |id: &str, name: &str, linked_account: bool, fields: &[&str]| TransactableSystem {
        system_id: id.to_owned(),
        name: name.to_owned(),
        requirements: TransactionRequirements {
            jwt_claims: vec!["email".to_owned()],
            linked_account,
            users_api_fields: fields.iter().map(|f| (*f).to_owned()).collect(),
        },
    };
    vec![
        system("MeterPark", "Meter Park", false, &[]),
        system("CitiBike", "Citi Bike", true, &[]),
        system("PlateGarage", "Plate Garage", true, &[LICENSE_PLATE]),
        system("StripeLot", "Stripe Lot", false, &[STRIPE_CUSTOMER_ID]),
    ]
}

/// The demo tenant's branches: two cities and the region around one of them.
pub fn demo_branches() -> Vec<domain::catalog::Branch> {
    let branch = |id: &str, name: &str, (latitude, longitude): (f64, f64), radius_km: f64, hints: &[&str]| {
        domain::catalog::Branch {
            branch_id: id.to_owned(),
            name: name.to_owned(),
            center: domain::catalog::Position { latitude, longitude },
            radius_km,
            hints: hints.iter().map(|h| (*h).to_owned()).collect(),
        }
    };
    vec![
        branch("zurich", "Zürich", (47.3769, 8.5417), 12.0, &["Zurich", "ZH"]),
        branch("zurich-region", "Greater Zürich", (47.45, 8.60), 50.0, &[]),
        branch("berlin", "Berlin", (52.52, 13.405), 30.0, &["BER"]),
    ]
}
