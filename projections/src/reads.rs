//! The read handle the API queries the read models through. Its queries sit next to the read
//! models they read (`impl Reads` blocks in `catalog`, `logins`, `users`).
use store::{Db, EventStore, StoreError};

/// The queries the API makes of the read models; cheap to clone (a pool handle).
#[derive(Clone)]
pub struct Reads {
    pub(crate) db: Db,
}

impl Reads {
    pub fn new(store: &dyn EventStore) -> Self {
        Self { db: store.db().clone() }
    }

    /// Whether the read side answers a query: the readiness probe.
    pub async fn ready(&self) -> Result<(), StoreError> {
        let _: Option<(i64,)> = self.db.fetch_optional("select count(*) from catalog_tenants", &[]).await?;
        Ok(())
    }
}
