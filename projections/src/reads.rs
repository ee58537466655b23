//! The read handle the API queries the read models through. Its queries sit next to the read
//! models they read (`impl Reads` blocks in `catalog`, `logins`, `users`).
use crate::cache::ReadCache;
use std::sync::Arc;
use store::{Db, EventStore, StoreError};

/// The queries the API makes of the read models; cheap to clone (a pool handle, and the cache).
#[derive(Clone)]
pub struct Reads {
    pub(crate) db: Db,
    /// The rows of the authenticated request path, kept in memory (see `cache`).
    pub(crate) cache: Option<Arc<ReadCache>>,
}

impl Reads {
    /// Every query reads the database.
    pub fn new(store: &dyn EventStore) -> Self {
        Self { db: store.db().clone(), cache: None }
    }

    /// Sessions, users and partners come from `cache` when it has them; `cache::follow` must
    /// keep it in step with the commits.
    pub fn cached(store: &dyn EventStore, cache: Arc<ReadCache>) -> Self {
        Self { db: store.db().clone(), cache: Some(cache) }
    }

    /// Whether the read side answers a query: the readiness probe.
    pub async fn ready(&self) -> Result<(), StoreError> {
        let _: Option<(i64,)> = self.db.fetch_optional("select count(*) from catalog_tenants", &[]).await?;
        Ok(())
    }
}
