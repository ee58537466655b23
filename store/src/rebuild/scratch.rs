//! A SQLite rebuild's scratch databases: where the replay of the log writes each projector's
//! fresh tables before they are copied into the store's database (ADR 0026).
//!
//! A scratch file is private to one projector's lane of the rebuild and thrown away afterwards,
//! so it needs neither a journal nor syncs, and the whole replay runs in one transaction on the
//! lane's own connection: each table page is written about once (not once per committed page of
//! events, into the WAL and again by the checkpoint), the store's one writer stays free for
//! appends until the copy, and the lanes write side by side.
use crate::error::StoreError;
use crate::projector::{Projector, Tables};
use crate::sql::{Db, Tx};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteLockingMode, SqliteSynchronous};
use sqlx::{ConnectOptions as _, SqliteConnection};
use std::path::{Path, PathBuf};

/// The schema name the scratch file is attached under while its tables are copied.
const ATTACHED: &str = "rebuild_scratch";

/// The scratch file beside the store's database; removed when dropped (a failed rebuild leaves
/// nothing behind).
pub(crate) struct ScratchFile {
    path: PathBuf,
}

impl ScratchFile {
    /// The scratch file of one projector's lane in a rebuild of the SQLite database behind `db`,
    /// or `None` when there is no file to put it beside (PostgreSQL, an in-memory database).
    pub(crate) fn beside(db: &Db, fresh: &Tables, projector: &dyn Projector) -> Option<Self> {
        let Db::Sqlite(pool) = db else { return None };
        let options = pool.connect_options();
        let database = options.get_filename();
        let name = database.to_string_lossy();
        if name.is_empty() || name.contains(":memory:") || name.starts_with("file:") {
            return None;
        }
        let mut path = database.as_os_str().to_owned();
        path.push(format!("-rebuild{}-{}", fresh.name(""), projector.name()));
        Some(Self { path: PathBuf::from(path) })
    }

    /// A connection to a new, empty scratch file (owner-only: it holds the read models' personal
    /// data in the clear, as the store's database does) with the projector's fresh tables, and a
    /// transaction begun that lasts the whole replay. `cache_kib`: its page cache.
    pub(crate) async fn open(
        &self,
        projector: &dyn Projector,
        fresh: &Tables,
        cache_kib: u32,
    ) -> Result<SqliteConnection, StoreError> {
        remove(&self.path);
        crate::sqlite_file::owner_only(&self.path)?;
        let mut conn = SqliteConnectOptions::new()
            .filename(&self.path)
            // thrown away after the rebuild (and on any failure): nothing to roll back or recover
            .journal_mode(SqliteJournalMode::Off)
            .synchronous(SqliteSynchronous::Off)
            .locking_mode(SqliteLockingMode::Exclusive)
            .pragma("cache_size", format!("-{cache_kib}"))
            .pragma("temp_store", "memory")
            .foreign_keys(true)
            .connect()
            .await?;
        let mut tx = Tx::Sqlite(&mut conn);
        for statement in fresh.ddl(projector.tables()) {
            tx.execute(&statement, &[]).await?;
        }
        // no journal: nothing to roll back; the whole replay is one transaction so that pages
        // leave the cache only when it is full
        tx.execute("begin", &[]).await?;
        Ok(conn)
    }

    /// Copy the projector's fresh tables from the scratch file (committed and closed) into the
    /// store's fresh tables of the same names, one transaction per table, so appends wait at
    /// most one table's copy.
    pub(crate) async fn copy_into(
        &self,
        store: &crate::sql_store::SqlStore,
        projector: &dyn Projector,
        fresh: &Tables,
    ) -> Result<(), StoreError> {
        let path = self.path.to_string_lossy().into_owned();
        store
            .write_solo(async |tx| {
                tx.execute(&format!("attach database $1 as {ATTACHED}"), &crate::args![path]).await?;
                Ok(())
            })
            .await?;
        let copied = copy_tables(store, projector, fresh).await;
        let detached = store
            .write_solo(async |tx| {
                tx.execute(&format!("detach database {ATTACHED}"), &[]).await?;
                Ok(())
            })
            .await;
        copied.and(detached)
    }
}

async fn copy_tables(
    store: &crate::sql_store::SqlStore,
    projector: &dyn Projector,
    fresh: &Tables,
) -> Result<(), StoreError> {
    for spec in projector.tables() {
        let table = fresh.name(spec.name);
        store
            .write(async |tx| {
                tx.execute(&format!("insert into main.{table} select * from {ATTACHED}.{table}"), &[]).await?;
                Ok(())
            })
            .await?;
    }
    Ok(())
}

impl Drop for ScratchFile {
    fn drop(&mut self) {
        remove(&self.path);
    }
}

fn remove(path: &Path) {
    for suffix in ["", "-journal", "-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
}
