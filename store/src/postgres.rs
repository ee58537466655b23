//! PostgreSQL engine. Positions are taken at insert time but become visible at commit, so every
//! catch-up read is gated below the oldest running transaction (`pg_snapshot_xmin`) and ordered
//! by (transaction id, position): no reader skips the event of a slow transaction.
use crate::args;
use crate::log;
use crate::model::{AppendRequest, Appended, Checkpoint};
use crate::projector::{Projector, Tables};
use crate::sql::{Db, Tx};
use crate::upcast::Upcasters;
use crate::{Batch, EventStore, RebuildReport, StoreError, StoreOptions, is_inline, rebuild_suffix};
use async_trait::async_trait;
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

pub struct PostgresStore {
    pool: PgPool,
    db: Db,
    options: StoreOptions,
    notify: Arc<Notify>,
}

impl PostgresStore {
    pub async fn open(url: &str, options: StoreOptions) -> Result<Self, StoreError> {
        let connect = PgConnectOptions::from_str(url)?;
        let pool = PgPoolOptions::new()
            .max_connections(32)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(connect)
            .await?;
        sqlx::migrate!("../migrations/postgres").run(&pool).await?;
        let store = Self { db: Db::Postgres(pool.clone()), pool, options, notify: Arc::new(Notify::new()) };
        for projector in store.options.inline.clone() {
            store.ensure_tables(projector.as_ref()).await?;
        }
        Ok(store)
    }

    async fn write<T>(
        &self,
        f: impl for<'t> AsyncFnOnce(&mut Tx<'t>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut transaction = self.pool.begin().await?;
        let out = f(&mut Tx::Postgres(&mut transaction)).await?;
        transaction.commit().await?;
        Ok(out)
    }
}

#[async_trait]
impl EventStore for PostgresStore {
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
        // concurrent instances may race on `create table if not exists`: serialise them
        self.write(async |tx| {
            tx.execute("select pg_advisory_xact_lock(7426001)", &[]).await?;
            log::create_tables(tx, projector, &Tables::live()).await
        })
        .await
    }

    async fn project_batch(&self, projector: &dyn Projector, limit: i64) -> Result<Batch, StoreError> {
        let name = projector.name();
        self.db
            .execute(
                "insert into projection_checkpoints (projection) values ($1) on conflict (projection) do nothing",
                &args![name],
            )
            .await?;
        let upcasters = &self.options.upcasters;
        self.write(async |tx| {
            // the lease: one instance at a time applies this projector; the others skip
            let row: Option<(i64, i64)> = tx
                .fetch_optional(
                    "select last_tx, last_position from projection_checkpoints where projection = $1 for update skip locked",
                    &args![name],
                )
                .await?;
            let Some((last_tx, position)) = row else { return Ok(Batch::Leased) };
            let events = log::read_after_in_tx(tx, Checkpoint { tx: last_tx, position }, limit, true).await?;
            let n = events.len();
            match log::apply_events(tx, projector, &Tables::live(), events, upcasters).await? {
                Some(last) => {
                    log::write_checkpoint(tx, name, last).await?;
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
        let name = projector.name();
        self.write(async |tx| {
            // no append commits while we finish (readers go on), and the live runner of this
            // projector waits for its lease: then an ungated read sees the whole log
            tx.execute("lock table events in exclusive mode", &[]).await?;
            tx.execute(
                "insert into projection_checkpoints (projection) values ($1) on conflict (projection) do nothing",
                &args![name],
            )
            .await?;
            tx.execute("select 1 from projection_checkpoints where projection = $1 for update", &args![name]).await?;
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
