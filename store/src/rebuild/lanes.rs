//! A rebuild's lanes: one per projector, each writing on a connection of its own, so the
//! projectors of a page are written side by side. While one lane's database works on its
//! statements, another lane decodes the page or builds its rows; on PostgreSQL each lane's
//! statements run in a server process of their own.
use super::scratch::ScratchFile;
use crate::log;
use crate::model::RecordedEvent;
use crate::projector::{Projector, Tables};
use crate::sql::{Engine, Tx};
use crate::sql_store::SqlStore;
use crate::{EventStore as _, StoreError};
use sqlx::SqliteConnection;

/// The page cache of all lanes' scratch files together, in KiB (each lane gets its share).
const SCRATCH_CACHE_KIB: u32 = 128 * 1024;

/// The least page cache of one lane's scratch file, in KiB.
const LANE_CACHE_KIB: u32 = 8 * 1024;

pub(super) struct Lane<'p> {
    projector: &'p dyn Projector,
    target: Target,
}

enum Target {
    /// SQLite: a scratch file of the lane's own; one transaction for the whole replay.
    Scratch { conn: SqliteConnection, file: ScratchFile },
    /// PostgreSQL, or an in-memory SQLite database: the store's fresh tables, a write
    /// transaction per page.
    Store,
}

impl<'p> Lane<'p> {
    /// A lane for each projector, their fresh tables created.
    pub(super) async fn open_all(
        store: &SqlStore,
        projectors: &[&'p dyn Projector],
        fresh: &Tables,
    ) -> Result<Vec<Self>, StoreError> {
        let lanes = u32::try_from(projectors.len()).unwrap_or(u32::MAX).max(1);
        let cache_kib = (SCRATCH_CACHE_KIB / lanes).max(LANE_CACHE_KIB);
        let mut opened = Vec::with_capacity(projectors.len());
        for projector in projectors {
            let target = match ScratchFile::beside(store.db(), fresh, *projector) {
                Some(file) => Target::Scratch { conn: file.open(*projector, fresh, cache_kib).await?, file },
                None => Target::Store,
            };
            opened.push(Self { projector: *projector, target });
        }
        Ok(opened)
    }

    pub(super) async fn apply(
        &mut self,
        store: &SqlStore,
        fresh: &Tables,
        page: &[RecordedEvent],
    ) -> Result<(), StoreError> {
        let projector = self.projector;
        match &mut self.target {
            Target::Scratch { conn, .. } => {
                log::apply_events(&mut Tx::Sqlite(conn), projector, fresh, page).await?;
            }
            Target::Store => {
                store
                    .write_for_rebuild(async |tx| {
                        if tx.engine() == Engine::Postgres {
                            // the swap's transaction is durable; a page's need not be, since a
                            // crash before the swap loses the rebuild (and its fresh tables) anyway
                            tx.execute("set local synchronous_commit = off", &[]).await?;
                        }
                        log::apply_events(tx, projector, fresh, page).await
                    })
                    .await?;
            }
        }
        Ok(())
    }

    /// The end of every lane's replay: each scratch file's transaction is committed and its
    /// connection closed (with it the exclusive lock), side by side; then the files' tables are
    /// copied into the store's fresh tables one file at a time (the writer attaches one at a
    /// time). Each file is removed as its lane's copy ends, or when a failure drops it.
    pub(super) async fn finish_all(lanes: Vec<Self>, store: &SqlStore, fresh: &Tables) -> Result<(), StoreError> {
        let closed = futures_util::future::join_all(lanes.into_iter().map(Self::close)).await;
        let closed = closed.into_iter().collect::<Result<Vec<_>, _>>()?;
        for (projector, file) in closed.into_iter().flatten() {
            file.copy_into(store, projector, fresh).await?;
        }
        Ok(())
    }

    async fn close(self) -> Result<Option<(&'p dyn Projector, ScratchFile)>, StoreError> {
        match self.target {
            Target::Scratch { mut conn, file } => {
                Tx::Sqlite(&mut conn).execute("commit", &[]).await?;
                sqlx::Connection::close(conn).await?;
                Ok(Some((self.projector, file)))
            }
            Target::Store => Ok(None),
        }
    }
}
