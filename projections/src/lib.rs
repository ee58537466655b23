//! Read models: projectors that copy events into query tables, the catch-up runner, and the
//! read functions the API calls. Projectors hold no rules.
#![forbid(unsafe_code)]

pub mod accounts;
pub mod activity;
pub mod catalog;
pub mod customers;
pub mod logins;
mod runner;
pub mod signups;
pub mod users;

pub use runner::{POLL, ProjectionRunners, spawn_runners, spawn_runners_polling};

use std::sync::Arc;
use store::{Projector, StoreError};

/// Read models the API reads right after a write: applied inside the append transaction.
pub fn inline() -> Vec<Arc<dyn Projector>> {
    vec![
        Arc::new(catalog::CatalogProjector),
        Arc::new(users::UserViewProjector),
        Arc::new(customers::CustomerViewProjector),
        Arc::new(logins::LoginSessionsProjector),
        Arc::new(accounts::AccountsProjector),
    ]
}

/// Read models for analytics and operators: applied by catch-up runners after commit.
pub fn catch_up() -> Vec<Arc<dyn Projector>> {
    vec![Arc::new(signups::SignupsProjector), Arc::new(activity::LoginActivityProjector)]
}

pub fn all() -> Vec<Arc<dyn Projector>> {
    inline().into_iter().chain(catch_up()).collect()
}

pub fn by_name(name: &str) -> Result<Arc<dyn Projector>, StoreError> {
    all().into_iter().find(|p| p.name() == name).ok_or_else(|| StoreError::UnknownProjection(name.to_owned()))
}

/// The domain event, or `None` for an event type this build does not know (a newer binary
/// wrote it): projectors skip those instead of stopping.
fn decode<E: domain::EventCodec>(event: &store::RecordedEvent) -> Result<Option<E>, StoreError> {
    match E::decode_ref(&event.event_type, &event.payload) {
        Ok(e) => Ok(Some(e)),
        Err(e) if e.to_string().starts_with("unknown variant") => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Rows per multi-row statement: well under both engines' bind limits.
const ROWS_PER_STATEMENT: usize = 200;
