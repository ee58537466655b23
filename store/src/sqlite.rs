//! SQLite engine: WAL, one writer connection taking `BEGIN IMMEDIATE`, a separate read pool.
//! With a single writer, positions are handed out in commit order, so readers need no gate.
use crate::log;
use crate::model::{AppendRequest, Appended, Checkpoint};
use crate::projector::{Projector, Tables};
use crate::sql::{Db, Tx};
use crate::upcast::Upcasters;
use crate::{Batch, EventStore, RebuildReport, StoreError, StoreOptions, is_inline, rebuild_suffix};
use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Connection, SqliteConnection};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, Notify};

pub struct SqliteStore {
    writer: Mutex<SqliteConnection>,
    db: Db,
    options: StoreOptions,
    notify: Arc<Notify>,
}

impl SqliteStore {
    /// Open (creating if needed) the database at `url` (`sqlite://path`) and apply migrations.
    pub async fn open(url: &str, options: StoreOptions) -> Result<Self, StoreError> {
        let connect = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // WAL + NORMAL: a commit survives a crash of the process; a power loss may lose the
            // last commits but never corrupts the file
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let mut writer = SqliteConnection::connect_with(&connect).await?;
        sqlx::migrate!("../migrations/sqlite").run(&mut writer).await?;
        let readers = SqlitePoolOptions::new().max_connections(8).connect_with(connect).await?;
        let store =
            Self { writer: Mutex::new(writer), db: Db::Sqlite(readers), options, notify: Arc::new(Notify::new()) };
        for projector in store.options.inline.clone() {
            store.ensure_tables(projector.as_ref()).await?;
        }
        Ok(store)
    }

    /// Run `f` inside one write transaction on the writer connection.
    async fn write<T>(
        &self,
        f: impl for<'t> AsyncFnOnce(&mut Tx<'t>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.writer.lock().await;
        let mut transaction = conn.begin_with("BEGIN IMMEDIATE").await?;
        let out = f(&mut Tx::Sqlite(&mut transaction)).await?;
        transaction.commit().await?;
        Ok(out)
    }
}

#[async_trait]
impl EventStore for SqliteStore {
    fn db(&self) -> &Db {
        &self.db
    }

    fn upcasters(&self) -> &Upcasters {
        &self.options.upcasters
    }

    fn notifier(&self) -> Arc<Notify> {
        self.notify.clone()
    }

    async fn append(&self, request: AppendRequest) -> Result<Appended, StoreError> {
        let inline = &self.options.inline;
        let appended = self.write(async |tx| log::append_in_tx(tx, &request, inline).await).await?;
        self.notify.notify_waiters();
        Ok(appended)
    }

    async fn ensure_tables(&self, projector: &dyn Projector) -> Result<(), StoreError> {
        self.write(async |tx| log::create_tables(tx, projector, &Tables::live()).await).await
    }

    async fn project_batch(&self, projector: &dyn Projector, limit: i64) -> Result<Batch, StoreError> {
        let upcasters = &self.options.upcasters;
        self.write(async |tx| {
            let cp = log::read_checkpoint(tx, projector.name()).await?;
            let events = log::read_after_in_tx(tx, cp, limit, true).await?;
            let n = events.len();
            match log::apply_events(tx, projector, &Tables::live(), events, upcasters).await? {
                Some(last) => {
                    log::write_checkpoint(tx, projector.name(), last).await?;
                    Ok(Batch::Applied(n, last))
                }
                None => Ok(Batch::Idle),
            }
        })
        .await
    }

    async fn rebuild(&self, projector: &dyn Projector) -> Result<RebuildReport, StoreError> {
        let fresh = Tables::with_suffix(rebuild_suffix());
        let inline = is_inline(&self.options, projector);
        let upcasters = &self.options.upcasters;
        self.write(async |tx| log::create_tables(tx, projector, &fresh).await).await?;
        let mut cp = Checkpoint::default();
        let mut applied = 0u64;
        // most of the log in short transactions, so appends keep flowing meanwhile
        loop {
            let events = self.read_all_stored(cp, 5_000).await?;
            if events.is_empty() {
                break;
            }
            applied += events.len() as u64;
            if let Some(last) =
                self.write(async |tx| log::apply_events(tx, projector, &fresh, events, upcasters).await).await?
            {
                cp = last;
            }
        }
        // the tail and the swap under the writer lock: no append can slip between them
        self.write(async |tx| {
            loop {
                let events = log::read_after_in_tx(tx, cp, 5_000, false).await?;
                if events.is_empty() {
                    break;
                }
                applied += events.len() as u64;
                if let Some(last) = log::apply_events(tx, projector, &fresh, events, upcasters).await? {
                    cp = last;
                }
            }
            log::compare_and_swap(tx, projector, &fresh, cp, applied, inline).await
        })
        .await
    }
}
