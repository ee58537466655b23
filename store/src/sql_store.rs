//! The store on SQL, written once for both engines. They differ in three places only:
//! - how a write transaction opens: SQLite has one writer connection and takes `BEGIN IMMEDIATE`
//!   (positions are then handed out in commit order); PostgreSQL takes a pooled connection;
//! - the projector lease: `FOR UPDATE SKIP LOCKED` on PostgreSQL, where several instances may
//!   run; SQLite's writer lock already serialises batches;
//! - how a rebuild keeps appends out of its final transaction: on SQLite the writer lock does;
//!   on PostgreSQL `LOCK TABLE events IN EXCLUSIVE MODE` (readers go on).
use crate::log;
use crate::model::{AppendRequest, Appended, OutboxMessage};
use crate::projector::{Projector, Tables};
use crate::sql::{Db, Engine, Tx};
use crate::upcast::Upcasters;
use crate::{Batch, DEFAULT_ACQUIRE_TIMEOUT, EventStore, RebuildReport, StoreError, StoreOptions};
use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Connection, PgPool, SqliteConnection};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, Notify};

/// Where writes go: SQLite's one writer connection, or PostgreSQL's pool.
pub(crate) enum Writer {
    Sqlite(Mutex<SqliteConnection>),
    Postgres(PgPool),
}

pub struct SqlStore {
    writer: Arc<Writer>,
    /// Appends go to the group writers (`group.rs`), which write them in groups.
    appends: tokio::sync::mpsc::UnboundedSender<crate::group::Job>,
    db: Db,
    options: StoreOptions,
    /// Who waits for commits, and for which stream types.
    wakers: std::sync::Mutex<Vec<Waker>>,
    outbox_notify: Arc<Notify>,
    /// Who hears of each commit: this process's hooks, and other instances (PostgreSQL).
    commits: crate::commits::Announcer,
    /// The hash of each recently appended stream's last event, by stream, with its version: the
    /// next append to the stream chains onto it without reading it back. An event's hash never
    /// changes, so an entry is either right for the version the append expects or unused.
    last_hashes: quick_cache::sync::Cache<String, (i64, String)>,
}

/// A waiter for commits: the stream types it cares for (`None`: all) and how to wake it.
type Waker = (Option<&'static [&'static str]>, Arc<Notify>);

/// Streams whose last hash the store keeps in memory.
const LAST_HASHES: usize = 10_000;

/// Rows a SQLite connection may buffer between its worker thread and the reader.
pub const ROW_CHANNEL: usize = 1024;

/// Opens the SQLite engine: WAL, one writer connection, a read pool.
pub struct SqliteStore;

impl SqliteStore {
    /// Open (creating if needed) the database at `url` (`sqlite://path`) and apply migrations.
    pub async fn open(url: &str, options: StoreOptions) -> Result<SqlStore, StoreError> {
        let connect = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // deleted rows (an erased person's) are overwritten, not left in free pages
            .pragma("secure_delete", "on")
            // WAL + NORMAL: a commit survives a crash of the process; a power loss may lose the
            // last commits but never corrupts the file
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            // sqlx hands each fetched row from the connection's worker thread through a bounded
            // channel; a channel that holds a whole catch-up page lets the worker run ahead
            // instead of waking the reader once per row
            .row_buffer_size(ROW_CHANNEL)
            // sorts and temporary b-trees (a rebuild's comparisons: `except` over whole tables)
            // in memory, not in temporary files
            .pragma("temp_store", "memory")
            .foreign_keys(true);
        crate::sqlite_file::owner_only(connect.get_filename())?;
        // the one writer keeps 64 MiB of pages (SQLite's default is 2 MiB: a rebuild's large
        // transactions spilled pages to the WAL mid-way and read them back)
        let writer_options = connect.clone().pragma("cache_size", "-65536");
        let mut writer = SqliteConnection::connect_with(&writer_options).await?;
        sqlx::migrate!("../migrations/sqlite").run(&mut writer).await?;
        crate::sqlite_file::keep_freed_heap(&mut writer).await?;
        let readers = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(options.acquire_timeout.unwrap_or(DEFAULT_ACQUIRE_TIMEOUT))
            .connect_with(connect)
            .await?;
        SqlStore::start(Writer::Sqlite(Mutex::new(writer)), Db::Sqlite(readers), options).await
    }
}

/// Opens the PostgreSQL engine: a pool; any number of instances may share the database.
pub struct PostgresStore;

impl PostgresStore {
    pub async fn open(url: &str, options: StoreOptions) -> Result<SqlStore, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(32)
            .acquire_timeout(options.acquire_timeout.unwrap_or(DEFAULT_ACQUIRE_TIMEOUT))
            .connect_with(PgConnectOptions::from_str(url)?)
            .await?;
        sqlx::migrate!("../migrations/postgres").run(&pool).await?;
        SqlStore::start(Writer::Postgres(pool.clone()), Db::Postgres(pool), options).await
    }
}

impl Writer {
    /// Run `f` inside one write transaction: committed when `f` succeeds, rolled back otherwise.
    pub(crate) async fn write<T>(
        &self,
        f: impl for<'t> AsyncFnOnce(&mut Tx<'t>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        match self {
            Writer::Sqlite(conn) => {
                let mut conn = conn.lock().await;
                let mut transaction = conn.begin_with("BEGIN IMMEDIATE").await?;
                let out = f(&mut Tx::Sqlite(&mut transaction)).await?;
                transaction.commit().await?;
                Ok(out)
            }
            Writer::Postgres(pool) => {
                let mut transaction = pool.begin().await?;
                let out = f(&mut Tx::Postgres(&mut transaction)).await?;
                transaction.commit().await?;
                Ok(out)
            }
        }
    }

    /// Run `f` on the writer without a transaction around it: for work that is one write
    /// statement (the database makes that atomic on its own), so the `BEGIN` and `COMMIT` round
    /// trips are saved.
    pub(crate) async fn write_solo<T>(
        &self,
        f: impl for<'t> AsyncFnOnce(&mut Tx<'t>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        match self {
            Writer::Sqlite(conn) => {
                let mut conn = conn.lock().await;
                f(&mut Tx::Sqlite(&mut conn)).await
            }
            Writer::Postgres(pool) => {
                let mut conn = pool.acquire().await?;
                f(&mut Tx::Postgres(&mut conn)).await
            }
        }
    }
}

impl SqlStore {
    async fn start(writer: Writer, db: Db, options: StoreOptions) -> Result<Self, StoreError> {
        let commits = crate::commits::Announcer::new(&db);
        let writer = Arc::new(writer);
        let appends = crate::group::spawn(writer.clone(), options.inline.clone(), options.upcasters.vault().cloned());
        let store = Self {
            writer,
            appends,
            commits,
            db,
            options,
            wakers: std::sync::Mutex::default(),
            outbox_notify: Arc::new(Notify::new()),
            last_hashes: quick_cache::sync::Cache::new(LAST_HASHES),
        };
        for projector in store.options.inline.clone() {
            store.ensure_tables(projector.clone()).await?;
        }
        if let Some(vault) = store.options.upcasters.vault().cloned() {
            store.write(async |tx| vault.blind_stored_claims(tx).await).await?;
        }
        Ok(store)
    }

    pub(crate) async fn write<T>(
        &self,
        f: impl for<'t> AsyncFnOnce(&mut Tx<'t>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.writer.write(f).await
    }

    /// `Writer::write_solo`: one statement on the writer, outside a transaction.
    pub(crate) async fn write_solo<T>(
        &self,
        f: impl for<'t> AsyncFnOnce(&mut Tx<'t>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.writer.write_solo(f).await
    }

    /// The writer, for a rebuild's lanes writing pages into their fresh tables.
    pub(crate) fn writer_for_rebuild(&self) -> Arc<Writer> {
        self.writer.clone()
    }

    /// What follows a committed append: remember the stream's last hash, tell the hooks and
    /// other instances, wake the runners (and the outbox dispatcher).
    fn after_commit(&self, stream_id: &str, stream_type: &str, written: (Appended, String), outbox: bool) -> Appended {
        let (appended, last_hash) = written;
        self.last_hashes.insert(stream_id.to_owned(), (appended.stream_version, last_hash));
        self.commits.committed(stream_id);
        if let Ok(wakers) = self.wakers.lock() {
            for (types, notify) in wakers.iter() {
                if types.is_none_or(|t| t.contains(&stream_type)) {
                    notify.notify_waiters();
                }
            }
        }
        if outbox {
            self.outbox_notify.notify_waiters();
        }
        appended
    }

    /// The upcasters, shared with a task of their own (a rebuild's read-ahead).
    pub(crate) fn upcasters_arc(&self) -> Arc<crate::Upcasters> {
        self.options.upcasters.clone()
    }

    pub(crate) fn is_inline(&self, projector: &dyn Projector) -> bool {
        self.options.inline.iter().any(|p| p.name() == projector.name())
    }
}

#[async_trait]
impl EventStore for SqlStore {
    fn db(&self) -> &Db {
        &self.db
    }

    fn upcasters(&self) -> &Upcasters {
        &self.options.upcasters
    }

    fn notifier(&self, stream_types: Option<&'static [&'static str]>) -> Arc<Notify> {
        let notify = Arc::new(Notify::new());
        if let Ok(mut wakers) = self.wakers.lock() {
            wakers.push((stream_types, notify.clone()));
        }
        notify
    }

    fn outbox_notifier(&self) -> Arc<Notify> {
        self.outbox_notify.clone()
    }

    fn on_commit(&self, hook: crate::CommitHook) {
        self.commits.add(hook);
    }

    async fn append_with_outbox(
        &self,
        request: AppendRequest,
        outbox: Vec<OutboxMessage>,
    ) -> Result<Appended, StoreError> {
        let inline = &self.options.inline;
        let previous = self
            .last_hashes
            .get(&request.stream_id)
            .and_then(|(version, hash)| (version == request.expected_version).then_some(hash));
        // events alone: one insert (after, perhaps, reading the previous event's hash, which no
        // one can change; the insert's version key fails if the stream moved meanwhile)
        let solo = request.claims.is_empty()
            && outbox.is_empty()
            && !inline.iter().any(|p| p.wants(&request.stream_type, &request.events))
            && self.options.upcasters.vault().is_none_or(|v| !v.concerns(&request));
        let (stream_id, stream_type, has_outbox) =
            (request.stream_id.clone(), request.stream_type.clone(), !outbox.is_empty());
        let types: Vec<String> = request.events.iter().map(|e| e.event_type.clone()).collect();
        let (done, answer) = tokio::sync::oneshot::channel();
        let job = crate::group::Job { request, outbox, previous, solo, done };
        // the group writers live as long as the store
        let gone = || StoreError::Database(sqlx::Error::PoolClosed);
        self.appends.send(job).map_err(|_| gone())?;
        let written = answer.await.map_err(|_| gone())??;
        // every event type counts, without a list to keep: a new aggregate's events join at once
        for event_type in types {
            metrics::counter!("users_api_events_appended_total", "type" => event_type).increment(1);
        }
        Ok(self.after_commit(&stream_id, &stream_type, written, has_outbox))
    }

    /// Creates missing tables. When the projector's DDL changed since its tables were made (the
    /// fingerprint in `projection_schemas` differs), the old tables are dropped and rebuilt from
    /// position 0 with the new DDL: a read model's shape may change between versions, the log
    /// never does.
    async fn ensure_tables(&self, projector: Arc<dyn Projector>) -> Result<(), StoreError> {
        let fingerprint = log::fingerprint(projector.as_ref());
        let changed = self
            .write(async |tx| {
                if tx.engine() == Engine::Postgres {
                    // instances starting together race on `create table if not exists`
                    tx.execute("select pg_advisory_xact_lock(7426001)", &[]).await?;
                }
                let stored = log::stored_fingerprint(tx, projector.name()).await?;
                let mut exists = !projector.tables().is_empty();
                for spec in projector.tables() {
                    exists &= log::table_exists(tx, spec.name).await?;
                }
                // tables without a fingerprint were made before fingerprints existed: their shape
                // is unknown, so they are rebuilt once too
                let changed = match stored.as_deref() {
                    Some(f) => f != fingerprint,
                    None => exists,
                };
                if changed {
                    tracing::warn!(
                        projection = projector.name(),
                        "read-model schema changed: rebuilding from position 0"
                    );
                    log::drop_tables(tx, projector.as_ref()).await?;
                    return Ok(true);
                }
                log::create_tables(tx, projector.as_ref(), &Tables::live()).await?;
                log::write_fingerprint(tx, projector.name(), &fingerprint).await?;
                Ok(false)
            })
            .await?;
        if changed {
            let name = projector.name();
            self.rebuild(projector).await?;
            self.write(async |tx| log::write_fingerprint(tx, name, &fingerprint).await).await?;
        }
        Ok(())
    }

    async fn project_batch(&self, projector: &dyn Projector, limit: i64) -> Result<Batch, StoreError> {
        let name = projector.name();
        let upcasters = &self.options.upcasters;
        self.write(async |tx| {
            let Some(cp) = log::lease(tx, name).await? else { return Ok(Batch::Leased) };
            let events = log::read_recorded_after_in_tx(tx, cp, limit, true, upcasters).await?;
            let n = events.len();
            match log::apply_events(tx, projector, &Tables::live(), &events).await? {
                Some(last) => {
                    log::write_checkpoint(tx, name, last).await?;
                    // a full page says "more" by itself
                    let partial = (n as i64) < limit && tx.engine() == Engine::Postgres;
                    if partial && log::any_after(tx, last).await? {
                        return Ok(Batch::AppliedHeldBack(n, last));
                    }
                    Ok(Batch::Applied(n, last))
                }
                None if tx.engine() == Engine::Postgres && log::any_after(tx, cp).await? => Ok(Batch::HeldBack),
                None => Ok(Batch::Idle),
            }
        })
        .await
    }

    async fn rebuild_all(
        &self,
        projectors: &[Arc<dyn Projector>],
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<Vec<RebuildReport>, StoreError> {
        crate::rebuild::rebuild_all(self, projectors, progress).await
    }
}
