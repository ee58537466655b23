//! The append-only event store: one trait, two engines (SQLite, PostgreSQL).
//!
//! An append is one transaction holding the unique claims, a multi-row insert of the events
//! (`UNIQUE(stream_id, stream_version)` is the optimistic lock) and the inline projections.
#![forbid(unsafe_code)]

pub mod commits;
mod error;
mod group;
mod hash;
pub mod idempotency;
mod log;
mod model;
mod projector;
mod rebuild;
pub mod secrets;
mod sql;
mod sql_store;
mod sqlite_file;
mod upcast;
pub mod vault;
pub mod wrap;

pub use commits::CommitHook;
pub use error::StoreError;
pub use log::{RebuildReport, TableComparison, Tampered, VerifyReport};
pub use model::{
    AppendRequest, Appended, Checkpoint, ClaimOp, Metadata, NewEvent, OutboxMessage, OutboxRow, RecordedEvent,
    StoredEvent, format_time, now_micros,
};
pub use projector::{Projector, TableSpec, Tables};
pub use sql::{AnyRow, Arg, Col, Db, Engine, Tx, json_rows_arg};
pub use sql_store::{PostgresStore, SqlStore, SqliteStore};
pub use upcast::Upcasters;

use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::Notify;

/// What one catch-up step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Batch {
    /// Applied this many events; the checkpoint moved to `Checkpoint`.
    Applied(usize, Checkpoint),
    /// PostgreSQL: applied this many events, and more that committed wait beyond the gate, held
    /// back by a transaction still running; worth another look shortly (their commits may have
    /// woken the runner before this batch, so no further wake-up is due).
    AppliedHeldBack(usize, Checkpoint),
    /// Nothing new to apply.
    Idle,
    /// PostgreSQL: committed events wait beyond the gate, held back by a transaction still
    /// running (anywhere in the cluster); worth another look shortly.
    HeldBack,
    /// Another instance holds this projector's lease right now.
    Leased,
}

/// Options every engine shares.
#[derive(Clone, Default)]
pub struct StoreOptions {
    /// Projectors applied inside every append transaction (read-your-writes read models).
    pub inline: Vec<Arc<dyn Projector>>,
    pub upcasters: Arc<Upcasters>,
    /// How long a query waits for a pooled connection (with the database down, for a connect
    /// to succeed) before it fails with `PoolTimedOut`; `None`: [`DEFAULT_ACQUIRE_TIMEOUT`].
    pub acquire_timeout: Option<std::time::Duration>,
}

/// The pool's acquire timeout when `StoreOptions` names none.
pub const DEFAULT_ACQUIRE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

#[async_trait]
pub trait EventStore: Send + Sync {
    /// The read side: a pool for queries against read models and the log.
    fn db(&self) -> &Db;

    fn upcasters(&self) -> &Upcasters;

    /// Woken after every commit that appends to a stream of one of `stream_types` (`None`: of
    /// any type); catch-up projectors wait on it, with polling as a backstop. A projector that
    /// reads users is not woken by every refresh-token rotation.
    fn notifier(&self, stream_types: Option<&'static [&'static str]>) -> Arc<Notify>;

    /// Woken after every commit that adds outbox messages; the dispatcher waits on it.
    fn outbox_notifier(&self) -> Arc<Notify>;

    /// `hook` is called with the stream id after every commit of this store, before the append
    /// returns: in-process caches drop what the commit made stale (other instances' commits
    /// reach them through `commits::CommitFeed` and the `commits::streams_after` backstop).
    fn on_commit(&self, hook: CommitHook);

    /// Append events to one stream with claims and inline projections, all or nothing.
    async fn append(&self, request: AppendRequest) -> Result<Appended, StoreError> {
        self.append_with_outbox(request, Vec::new()).await
    }

    /// `append`, and in the same transaction the messages to send once it commits.
    async fn append_with_outbox(
        &self,
        request: AppendRequest,
        outbox: Vec<OutboxMessage>,
    ) -> Result<Appended, StoreError>;

    /// Outbox messages due now, oldest first, leased for two minutes: another dispatcher (another
    /// instance) skips them meanwhile; one that is not marked sent by then is tried again.
    async fn due_outbox(&self, limit: i64) -> Result<Vec<OutboxRow>, StoreError> {
        let now = now_micros();
        let lease = format_time(&(now + chrono::Duration::minutes(2)));
        let skip_locked = if self.db().engine() == Engine::Postgres { "for update skip locked" } else { "" };
        let sql = format!(
            "update outbox set due_at = $1 where id in (select id from outbox where sent_at is null and due_at <= $2 \
             order by due_at limit $3 {skip_locked}) returning id, channel, recipient, subject, body, attempts"
        );
        Ok(self.db().fetch_all(&sql, &args![lease, format_time(&now), limit]).await?)
    }

    /// Remember a bootstrap signature as seen at `now` (the caller's clock); false when it was
    /// seen before (a replay). Signatures seen more than `window` before `now` are forgotten.
    async fn first_sight_of_signature(
        &self,
        signature: &str,
        now: chrono::DateTime<chrono::Utc>,
        window: chrono::Duration,
    ) -> Result<bool, StoreError> {
        self.db()
            .execute("delete from seen_signatures where seen_at < $1", &args![format_time(&(now - window))])
            .await?;
        let inserted = self
            .db()
            .execute(
                "insert into seen_signatures (signature, seen_at) values ($1, $2) on conflict do nothing",
                &args![signature, format_time(&now)],
            )
            .await?;
        Ok(inserted == 1)
    }

    /// A message went out: its body (the code in clear) is wiped.
    async fn outbox_sent(&self, id: &str) -> Result<(), StoreError> {
        let now = format_time(&now_micros());
        self.db().execute("update outbox set sent_at = $2, body = '' where id = $1", &args![id, now]).await?;
        Ok(())
    }

    /// A send failed: try again at `retry_at`.
    async fn outbox_failed(
        &self,
        id: &str,
        error: &str,
        retry_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), StoreError> {
        self.db()
            .execute(
                "update outbox set attempts = attempts + 1, last_error = $2, due_at = $3 where id = $1",
                &args![id, error.chars().take(500).collect::<String>(), format_time(&retry_at)],
            )
            .await?;
        Ok(())
    }

    /// After an erasure: let no page of the database file keep what was deleted (SQLite writes
    /// deleted content as zeros, `secure_delete`, and this empties the write-ahead log, whose
    /// frames still hold the old pages). PostgreSQL: nothing here (VACUUM is the operator's).
    async fn scrub(&self) -> Result<(), StoreError> {
        if self.db().engine() == Engine::Sqlite {
            let _: Option<(i64, i64, i64)> = self.db().fetch_optional("pragma wal_checkpoint(truncate)", &[]).await?;
        }
        Ok(())
    }

    /// Forget the recipient of every outbox message sent to `recipient` (an erased person).
    async fn forget_recipient(&self, recipient: &str) -> Result<(), StoreError> {
        self.db()
            .execute("update outbox set recipient = '', body = '' where recipient = $1", &args![recipient])
            .await?;
        Ok(())
    }

    /// Create a projector's live tables if they do not exist yet.
    async fn ensure_tables(&self, projector: Arc<dyn Projector>) -> Result<(), StoreError>;

    /// Apply the next batch of events after the projector's checkpoint, writing the checkpoint
    /// in the same transaction as its tables.
    async fn project_batch(&self, projector: &dyn Projector, limit: i64) -> Result<Batch, StoreError>;

    /// Rebuild a projector from position 0 into fresh tables, compare them with the live ones
    /// and swap them in.
    async fn rebuild(&self, projector: Arc<dyn Projector>) -> Result<RebuildReport, StoreError> {
        let name = projector.name();
        let mut reports = self.rebuild_all(&[projector], &|_| {}).await?;
        reports.pop().ok_or_else(|| StoreError::Corrupt(format!("no rebuild report for {name}")))
    }

    /// Rebuild several projectors in one pass over the log (each page is read and decoded once
    /// and handed to every projector in one write transaction), then compare and swap each as
    /// `rebuild` does; one report per projector, in their order. `progress` hears the number of
    /// events replayed so far after every page.
    async fn rebuild_all(
        &self,
        projectors: &[Arc<dyn Projector>],
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<Vec<RebuildReport>, StoreError>;

    async fn read_stream(&self, stream_id: &str, after_version: i64) -> Result<Vec<RecordedEvent>, StoreError> {
        log::read_recorded_stream_in_db(self.db(), stream_id, after_version, self.upcasters()).await
    }

    /// Events after `after` in commit order, exactly as stored.
    async fn read_all_stored(&self, after: Checkpoint, limit: i64) -> Result<Vec<StoredEvent>, StoreError> {
        log::read_after_in_db(self.db(), after, limit).await
    }

    /// One stream's events exactly as stored, oldest first (for auditors).
    async fn read_stream_stored(&self, stream_id: &str) -> Result<Vec<StoredEvent>, StoreError> {
        log::read_stored_stream_in_db(self.db(), stream_id).await
    }

    /// The checkpoint of the event at `position` (reading after it resumes there), if any.
    async fn checkpoint_at(&self, position: i64) -> Result<Option<Checkpoint>, StoreError> {
        log::checkpoint_at_in_db(self.db(), position).await
    }

    /// Events after `after` in commit order, upcast to their newest schema.
    async fn read_all(&self, after: Checkpoint, limit: i64) -> Result<Vec<RecordedEvent>, StoreError> {
        log::read_recorded_after_in_db(self.db(), after, limit, self.upcasters()).await
    }

    /// The stream that holds a unique claim, if any.
    async fn claim_owner(&self, scope: &str, value: &str) -> Result<Option<String>, StoreError> {
        let value = self.upcasters().vault().map_or_else(|| value.to_owned(), |v| v.blind(scope, value));
        let row: Option<(String,)> = self
            .db()
            .fetch_optional(
                "select owner_stream from unique_claims where scope = $1 and value = $2",
                &args![scope, value],
            )
            .await?;
        Ok(row.map(|(owner,)| owner))
    }

    async fn checkpoint(&self, projection: &str) -> Result<Option<Checkpoint>, StoreError> {
        let row: Option<(i64, i64)> = self
            .db()
            .fetch_optional(
                "select last_tx, last_position from projection_checkpoints where projection = $1",
                &args![projection],
            )
            .await?;
        Ok(row.map(|(tx, position)| Checkpoint { tx, position }))
    }

    /// Recompute the hash chain of every stream and name the first broken link.
    async fn verify(&self) -> Result<VerifyReport, StoreError> {
        let mut state = HashMap::new();
        let mut after = Checkpoint::default();
        let mut checked = 0u64;
        loop {
            let events = self.read_all_stored(after, 2_000).await?;
            let Some(last) = events.last() else { break };
            after = last.checkpoint();
            let (passed, broken) = log::verify_events(&mut state, &events);
            checked += passed;
            if broken.is_some() {
                let streams = state.len() as u64;
                return Ok(VerifyReport { events_checked: checked, streams, first_broken: broken });
            }
        }
        Ok(VerifyReport { events_checked: checked, streams: state.len() as u64, first_broken: None })
    }
}

/// A suffix no earlier rebuild used, so index names never collide with the live tables'.
fn rebuild_suffix() -> String {
    format!("__rb_{}", &uuid::Uuid::new_v4().simple().to_string()[..10])
}
