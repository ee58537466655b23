//! What followers of the log's commits need, lighter than reading events: which streams
//! changed. In-process caches use it to drop what a commit made stale:
//! - the committing instance calls its [`CommitHook`]s right after each commit;
//! - other instances on PostgreSQL hear, through a [`CommitFeed`], a `NOTIFY` on [`CHANNEL`] with
//!   the changed stream ids, which the committing store sends right after its commits (gathered:
//!   one notification for all the commits of a moment). Sent after commit rather than inside the
//!   append's transaction: a `NOTIFY` there would queue every commit in the cluster behind one
//!   lock;
//! - and, as the backstop for both (a process that died between commit and announcement, a
//!   writer that is not this program), [`streams_after`] pages through the log from [`head`].
use crate::args;
use crate::error::StoreError;
use crate::model::Checkpoint;
use crate::sql::{Db, Engine};
use std::sync::Arc;
use std::time::Duration;

/// Called with the stream id after each commit of this process's store, before the append
/// returns: must be quick and must not block.
pub type CommitHook = Arc<dyn Fn(&str) + Send + Sync>;

/// The `NOTIFY` channel; the payload is the changed stream ids, one per line, or [`ALL`].
pub const CHANNEL: &str = "users_api_commits";
/// The payload when the stream ids would not fit a notification: anything may have changed.
pub const ALL: &str = "*";

/// The checkpoint of the last event a gated reader can see now: where a follower that starts
/// with nothing cached begins.
pub async fn head(db: &Db) -> Result<Checkpoint, StoreError> {
    let sql = match db.engine() {
        Engine::Sqlite => "select 0, coalesce(max(global_position), 0) from events",
        Engine::Postgres => {
            "select coalesce(max(transaction_id::text::bigint), 0), coalesce(max(global_position), 0) from events e \
             where e.transaction_id = (select max(transaction_id) from events \
                                        where transaction_id < pg_snapshot_xmin(pg_current_snapshot()))"
        }
    };
    let row: Option<(i64, i64)> = db.fetch_optional(sql, &[]).await?;
    Ok(row.map(|(tx, position)| Checkpoint { tx, position }).unwrap_or_default())
}

/// The stream ids of up to `limit` events after `after`, in log order (gated on PostgreSQL, as
/// every reader that must not skip), each with its checkpoint.
pub async fn streams_after(db: &Db, after: Checkpoint, limit: i64) -> Result<Vec<(Checkpoint, String)>, StoreError> {
    let rows: Vec<(i64, i64, String)> = match db.engine() {
        Engine::Sqlite => {
            let sql = "select 0, global_position, stream_id from events where global_position > $1 \
                       order by global_position limit $2";
            db.fetch_all(sql, &args![after.position, limit]).await?
        }
        Engine::Postgres => {
            let sql = "select e.transaction_id::text::bigint, e.global_position, e.stream_id from events e \
                       where (e.transaction_id, e.global_position) > ($1::text::xid8, $2) \
                       and e.transaction_id < pg_snapshot_xmin(pg_current_snapshot()) \
                       order by e.transaction_id, e.global_position limit $3";
            db.fetch_all(sql, &args![after.tx, after.position, limit]).await?
        }
    };
    Ok(rows.into_iter().map(|(tx, position, stream)| (Checkpoint { tx, position }, stream)).collect())
}

/// Tells this process's hooks, and on PostgreSQL the other instances, which stream committed.
pub(crate) struct Announcer {
    hooks: std::sync::Mutex<Vec<CommitHook>>,
    outgoing: Option<tokio::sync::mpsc::UnboundedSender<String>>,
}

/// The longest payload sent; PostgreSQL takes up to 8000 bytes.
const PAYLOAD_BYTES: usize = 7_900;

impl Announcer {
    pub(crate) fn new(db: &Db) -> Self {
        let outgoing = match db {
            Db::Postgres(pool) => {
                let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
                tokio::spawn(announce(pool.clone(), rx));
                Some(tx)
            }
            Db::Sqlite(_) => None,
        };
        Self { hooks: std::sync::Mutex::default(), outgoing }
    }

    pub(crate) fn add(&self, hook: CommitHook) {
        if let Ok(mut hooks) = self.hooks.lock() {
            hooks.push(hook);
        }
    }

    pub(crate) fn committed(&self, stream_id: &str) {
        if let Ok(hooks) = self.hooks.lock() {
            for hook in hooks.iter() {
                hook(stream_id);
            }
        }
        if let Some(outgoing) = &self.outgoing {
            // the receiver lives as long as the store
            let _ = outgoing.send(stream_id.to_owned());
        }
    }
}

/// Sends what committed, a notification per gathering of stream ids; ends with the store.
async fn announce(pool: sqlx::PgPool, mut committed: tokio::sync::mpsc::UnboundedReceiver<String>) {
    while let Some(first) = committed.recv().await {
        let mut streams = std::collections::BTreeSet::from([first]);
        while let Ok(more) = committed.try_recv() {
            streams.insert(more);
        }
        let payload = streams.into_iter().collect::<Vec<_>>().join("\n");
        let payload = if payload.len() > PAYLOAD_BYTES { ALL.to_owned() } else { payload };
        let sent = sqlx::query("select pg_notify($1, $2)").bind(CHANNEL).bind(&payload).execute(&pool).await;
        if let Err(e) = sent {
            // the backstop finds these commits within its period
            tracing::warn!(error = %e, "could not announce commits to other instances");
        }
    }
}

/// What a [`CommitFeed`] heard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Heard {
    /// These streams changed (another instance's commit, or this one's).
    Streams(Vec<String>),
    /// Notifications may have been missed (the connection dropped, or a payload said [`ALL`]):
    /// anything may have changed.
    Anything,
}

/// Commits announced by PostgreSQL's `NOTIFY`, on a connection of its own (outside the pool).
pub struct CommitFeed {
    pool: sqlx::PgPool,
    /// `None` until listening (again): the next hearing then is `Anything`.
    listener: Option<sqlx::postgres::PgListener>,
}

/// How long the feed waits before it tries a broken connection again.
const RECONNECT_PAUSE: Duration = Duration::from_millis(500);

impl CommitFeed {
    /// `None` on SQLite, which has no notifications (one process writes; the backstop serves
    /// any other). Listening starts with the first `next`, which says `Anything`.
    pub fn new(db: &Db) -> Option<Self> {
        let Db::Postgres(pool) = db else { return None };
        Some(Self { pool: pool.clone(), listener: None })
    }

    /// The next announcement. Never fails: a broken connection is made again (every
    /// `RECONNECT_PAUSE`), and once it listens again the feed says `Anything`, since whatever
    /// committed meanwhile went unheard.
    pub async fn next(&mut self) -> Heard {
        loop {
            let Some(listener) = self.listener.as_mut() else {
                match listen(&self.pool).await {
                    Ok(listener) => {
                        self.listener = Some(listener);
                        return Heard::Anything;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "the commit feed cannot listen; retrying");
                        tokio::time::sleep(RECONNECT_PAUSE).await;
                        continue;
                    }
                }
            };
            match listener.try_recv().await {
                Ok(Some(note)) => return parse(note.payload()),
                // the connection dropped: listen again on a new one
                Ok(None) | Err(_) => self.listener = None,
            }
        }
    }
}

async fn listen(pool: &sqlx::PgPool) -> Result<sqlx::postgres::PgListener, StoreError> {
    let mut listener = sqlx::postgres::PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

fn parse(payload: &str) -> Heard {
    if payload == ALL {
        return Heard::Anything;
    }
    Heard::Streams(payload.lines().filter(|l| !l.is_empty()).map(str::to_owned).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payload_names_streams_one_per_line_or_says_anything() {
        assert_eq!(parse("user-1\nlogin-2"), Heard::Streams(vec!["user-1".into(), "login-2".into()]));
        assert_eq!(parse(ALL), Heard::Anything);
    }
}
