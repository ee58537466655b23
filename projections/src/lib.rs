//! Read models: projectors that copy events into query tables, the catch-up runner, and the
//! read functions the API calls. Projectors hold no rules.
#![forbid(unsafe_code)]

pub mod activity;
pub mod admin;
pub mod analytics;
pub mod cache;
pub mod cards;
pub mod catalog;
pub mod deletions;
pub mod export;
pub mod links;
pub mod logins;
mod reads;
mod runner;
pub mod signups;
pub mod users;
pub mod wallet;

pub use reads::Reads;
pub use runner::{BackgroundTasks, POLL, ProjectionRunners, spawn_runners, spawn_runners_polling};
pub use store::{Checkpoint, RebuildReport, StoreError, StoredEvent, VerifyReport};

use std::sync::Arc;
use store::{EventStore, PostgresStore, Projector, SqliteStore, StoreOptions, Upcasters};

/// Read models the API reads right after a write: applied inside the append transaction.
pub fn inline() -> Vec<Arc<dyn Projector>> {
    vec![
        Arc::new(catalog::CatalogProjector),
        Arc::new(users::UserViewProjector),
        Arc::new(logins::LoginSessionsProjector),
        Arc::new(wallet::WalletProjector),
        Arc::new(deletions::DeletionRequestsProjector),
        Arc::new(links::AccountLinksProjector),
        Arc::new(cards::IdentityCardsProjector),
        Arc::new(admin::AdminProjector),
    ]
}

/// Read models for analytics and operators: applied by catch-up runners after commit.
pub fn catch_up() -> Vec<Arc<dyn Projector>> {
    vec![
        Arc::new(signups::SignupsProjector),
        Arc::new(activity::LoginActivityProjector),
        Arc::new(analytics::signups::SignupsByMethodProjector),
        Arc::new(analytics::activity::ActivityProjector),
        Arc::new(analytics::payments::PaymentsProjector),
    ]
}

pub fn all() -> Vec<Arc<dyn Projector>> {
    inline().into_iter().chain(catch_up()).collect()
}

pub fn by_name(name: &str) -> Result<Arc<dyn Projector>, StoreError> {
    all().into_iter().find(|p| p.name() == name).ok_or_else(|| StoreError::UnknownProjection(name.to_owned()))
}

/// The event store of `database_url` (PostgreSQL for `postgres://` or `postgresql://`, SQLite
/// otherwise), with the inline read models applied inside every append. Opening it applies the
/// migrations and creates (or, when their DDL changed, rebuilds) the inline read models' tables.
pub async fn open_store(database_url: &str) -> Result<Arc<dyn EventStore>, StoreError> {
    open_store_with(database_url, store::DEFAULT_ACQUIRE_TIMEOUT, None).await
}

/// The vault of personal data under `master_key`, with what the domain declares personal.
pub fn vault(master_key: [u8; 32]) -> Arc<store::vault::Vault> {
    let personal = store::vault::PersonalData {
        streams: domain::personal::STREAMS.to_vec(),
        fields: domain::personal::fields().into_iter().collect(),
        erasing: domain::personal::ERASING.to_vec(),
    };
    Arc::new(store::vault::Vault::new(master_key, personal))
}

/// `open_store`, with the pool's acquire timeout.
pub async fn open_store_with(
    database_url: &str,
    acquire_timeout: std::time::Duration,
    master_key: Option<[u8; 32]>,
) -> Result<Arc<dyn EventStore>, StoreError> {
    let upcasters = match master_key {
        Some(key) => Upcasters::default().with_vault(vault(key)),
        None => Upcasters::default(),
    };
    let options =
        StoreOptions { inline: inline(), upcasters: Arc::new(upcasters), acquire_timeout: Some(acquire_timeout) };
    let postgres = database_url.starts_with("postgres://") || database_url.starts_with("postgresql://");
    Ok(if postgres {
        Arc::new(PostgresStore::open(database_url, options).await?)
    } else {
        Arc::new(SqliteStore::open(database_url, options).await?)
    })
}

/// Creates the tables of every read model, catch-up ones included (`users-api migrate`).
pub async fn create_tables(store: &dyn EventStore) -> Result<(), StoreError> {
    for projector in all() {
        store.ensure_tables(projector.clone()).await?;
    }
    Ok(())
}

/// Brings every catch-up read model to the head of the log, as running catch-up runners would
/// (`users-api generate` after filling a database).
pub async fn catch_up_to_head(store: &dyn EventStore) -> Result<(), StoreError> {
    for projector in catch_up() {
        loop {
            match store.project_batch(projector.as_ref(), 5_000).await? {
                store::Batch::Applied(..) | store::Batch::AppliedHeldBack(..) => {}
                store::Batch::Idle => break,
                store::Batch::HeldBack | store::Batch::Leased => tokio::time::sleep(POLL / 10).await,
            }
        }
    }
    Ok(())
}

/// Rebuilds one read model by name, or all of them, from position 0 (`users-api rebuild`), in
/// one pass over the log; `progress` hears the events replayed so far, and `report` gets each
/// read model's report once all are swapped in.
pub async fn rebuild<E: From<StoreError>>(
    store: &dyn EventStore,
    name: Option<&str>,
    progress: &(dyn Fn(u64) + Send + Sync),
    mut report: impl FnMut(RebuildReport) -> Result<(), E>,
) -> Result<(), E> {
    let projectors = match name {
        Some(name) => vec![by_name(name)?],
        None => all(),
    };
    for done in store.rebuild_all(&projectors, progress).await? {
        report(done)?;
    }
    Ok(())
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
