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

    /// Events a catch-up projection has not applied yet: those after its checkpoint's position
    /// (all of them before its first batch).
    pub async fn projection_lag(&self, projection: &str) -> Result<u64, StoreError> {
        let sql = "select count(*) from events where global_position > coalesce(\
                   (select last_position from projection_checkpoints where projection = $1), 0)";
        let row: Option<(i64,)> = self.db.fetch_optional(sql, &store::args![projection]).await?;
        Ok(row.map_or(0, |(n,)| u64::try_from(n).unwrap_or(0)))
    }
}

impl Reads {
    /// The position of the newest event (None: an empty log).
    pub async fn head_position(&self) -> Result<Option<i64>, StoreError> {
        let row: Option<(Option<i64>,)> =
            self.db.fetch_optional("select max(global_position) from events", &[]).await?;
        Ok(row.and_then(|(p,)| p))
    }
}
