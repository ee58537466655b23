//! Reading the log: one stream after a version, and the whole log after a checkpoint in commit
//! order (gated on PostgreSQL, see `after_sql`).
use super::rows::{EventRow, page_to_stored, recorded_page, rows_to_stored, to_recorded};
use crate::args;
use crate::error::StoreError;
use crate::model::{Checkpoint, RecordedEvent, StoredEvent};
use crate::sql::{Arg, Engine, Tx};
use crate::upcast::Upcasters;

/// An event's columns for SQLite's `json_array` pages (`EventRow` order; `0` stands for `tx`).
const SQLITE_PAGE_COLUMNS: &str = "global_position, 0, event_id, stream_id, stream_type, stream_version, event_type, \
     schema_version, payload, metadata, correlation_id, causation_id, recorded_at, hash";

// aliases differ from column names on purpose: `order by transaction_id` must sort the xid8
// column, not a text cast of it (a lexicographic sort silently skips events)
const PG_COLUMNS: &str = "e.global_position, e.transaction_id::text::bigint as tx, e.event_id::text as event_id, \
     e.stream_id, e.stream_type, e.stream_version, e.event_type, e.schema_version, e.payload::text as payload, \
     e.metadata::text as metadata, e.correlation_id, e.causation_id, \
     to_char(e.recorded_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') as recorded_at, e.hash";

/// The page as JSON built by concatenation: payload and metadata are JSON text already (the store
/// wrote them from `serde_json::Value`s) and go in verbatim, so SQLite neither parses nor escapes
/// them and Rust parses each once. `json_quote` quotes the text columns (and turns NULL into null);
/// `format` writes each event's array in one go (a chain of `||` copies the row once per link:
/// a fifth more of SQLite's time on a page).
macro_rules! sqlite_recorded_page {
    ($filter:literal) => {
        concat!(
            "select '[' || coalesce(group_concat(event, ','), '') || ']' \
             from (select format('[%d,%s,%s,%s,%d,%s,%d,%s,%s,%s,%s,%s]', global_position, json_quote(event_id), \
             json_quote(stream_id), json_quote(stream_type), stream_version, json_quote(event_type), \
             schema_version, payload, metadata, json_quote(correlation_id), json_quote(causation_id), \
             json_quote(recorded_at)) as event from events ",
            $filter,
            ")"
        )
    };
}

/// The log after a position, a page.
const SQLITE_RECORDED_PAGE: &str =
    sqlite_recorded_page!("where global_position > $1 order by global_position limit $2");

/// One stream after a version, whole: a command loads it before deciding, and one row (not one
/// per event, each a thread wake-up in sqlx) keeps a long stream about as cheap as a short one.
const SQLITE_RECORDED_STREAM: &str =
    sqlite_recorded_page!("where stream_id = $1 and stream_version > $2 order by stream_version");

/// Events after `after`, upcast, for projectors and readers (see `read_after_in_tx`).
pub(crate) async fn read_recorded_after_in_tx(
    tx: &mut Tx<'_>,
    after: Checkpoint,
    limit: i64,
    gated: bool,
    upcasters: &Upcasters,
) -> Result<Vec<RecordedEvent>, StoreError> {
    let mut events = match tx.engine() {
        Engine::Sqlite => {
            recorded_page(tx.fetch_optional(SQLITE_RECORDED_PAGE, &args![after.position, limit]).await?, upcasters)?
        }
        Engine::Postgres => read_after_in_tx(tx, after, limit, gated)
            .await?
            .into_iter()
            .map(|e| to_recorded(e, upcasters))
            .collect::<Result<Vec<_>, _>>()?,
    };
    if let Some(vault) = upcasters.vault() {
        vault.reveal_in(tx, &mut events).await?;
    }
    Ok(events)
}

pub(crate) async fn read_recorded_after_in_db(
    db: &crate::sql::Db,
    after: Checkpoint,
    limit: i64,
    upcasters: &Upcasters,
) -> Result<Vec<RecordedEvent>, StoreError> {
    let mut events = match db.engine() {
        Engine::Sqlite => {
            recorded_page(db.fetch_optional(SQLITE_RECORDED_PAGE, &args![after.position, limit]).await?, upcasters)?
        }
        Engine::Postgres => read_after_in_db(db, after, limit)
            .await?
            .into_iter()
            .map(|e| to_recorded(e, upcasters))
            .collect::<Result<Vec<_>, _>>()?,
    };
    if let Some(vault) = upcasters.vault() {
        vault.reveal(db, &mut events).await?;
    }
    Ok(events)
}

/// One stream after a version (PostgreSQL; SQLite reads `SQLITE_RECORDED_STREAM`).
fn pg_stream_sql() -> String {
    format!(
        "select {PG_COLUMNS} from events e where e.stream_id = $1 and e.stream_version > $2 order by e.stream_version"
    )
}

/// Binds a checkpoint and a page size for `after_sql`'s statement.
type AfterBinds = fn(Checkpoint, i64) -> Vec<Arg>;

/// Events after `after` in log order: position on SQLite (commit order, one writer), (transaction
/// id, position) on PostgreSQL. There `gated` stops below the oldest running transaction so a slow
/// transaction's events are never skipped; only a caller that excludes appends may read ungated.
pub(crate) fn after_sql(engine: Engine, gated: bool) -> (String, AfterBinds) {
    match engine {
        // one row holding the page as a JSON array: sqlx hands every fetched row from SQLite's
        // worker thread to the reader with a thread wake-up, which cost more than the row itself
        Engine::Sqlite => (
            format!(
                "select json_group_array(json_array({SQLITE_PAGE_COLUMNS}) order by global_position) from \
                 (select * from events where global_position > $1 order by global_position limit $2)"
            ),
            |cp, limit| args![cp.position, limit].to_vec(),
        ),
        Engine::Postgres => {
            let gate = if gated { "and e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())" } else { "" };
            (
                format!(
                    "select {PG_COLUMNS} from events e \
                     where (e.transaction_id, e.global_position) > ($1::text::xid8, $2) {gate} \
                     order by e.transaction_id, e.global_position limit $3"
                ),
                |cp, limit| args![cp.tx, cp.position, limit].to_vec(),
            )
        }
    }
}

/// Whether any event lies after `cp`, gate or not (PostgreSQL's order).
pub(crate) async fn any_after(tx: &mut Tx<'_>, cp: Checkpoint) -> Result<bool, StoreError> {
    let sql = "select count(*) from (select 1 from events e \
               where (e.transaction_id, e.global_position) > ($1::text::xid8, $2) limit 1) n";
    let (n,): (i64,) = tx.fetch_optional(sql, &args![cp.tx, cp.position]).await?.unwrap_or((0,));
    Ok(n > 0)
}

pub(crate) async fn read_after_in_tx(
    tx: &mut Tx<'_>,
    after: Checkpoint,
    limit: i64,
    gated: bool,
) -> Result<Vec<StoredEvent>, StoreError> {
    let (sql, bind) = after_sql(tx.engine(), gated);
    match tx.engine() {
        Engine::Sqlite => page_to_stored(tx.fetch_optional(&sql, &bind(after, limit)).await?),
        Engine::Postgres => rows_to_stored(tx.fetch_all::<EventRow>(&sql, &bind(after, limit)).await?),
    }
}

pub(crate) async fn read_after_in_db(
    db: &crate::sql::Db,
    after: Checkpoint,
    limit: i64,
) -> Result<Vec<StoredEvent>, StoreError> {
    let (sql, bind) = after_sql(db.engine(), true);
    match db.engine() {
        Engine::Sqlite => page_to_stored(db.fetch_optional(&sql, &bind(after, limit)).await?),
        Engine::Postgres => rows_to_stored(db.fetch_all::<EventRow>(&sql, &bind(after, limit)).await?),
    }
}

/// One stream's events exactly as stored, in stream order (for auditors).
pub(crate) async fn read_stored_stream_in_db(
    db: &crate::sql::Db,
    stream_id: &str,
) -> Result<Vec<StoredEvent>, StoreError> {
    let binds = args![stream_id, 0i64];
    match db.engine() {
        Engine::Sqlite => {
            let sql = format!(
                "select json_group_array(json_array({SQLITE_PAGE_COLUMNS}) order by stream_version) from \
                 (select * from events where stream_id = $1 and stream_version > $2)"
            );
            page_to_stored(db.fetch_optional(&sql, &binds).await?)
        }
        Engine::Postgres => rows_to_stored(db.fetch_all::<EventRow>(&pg_stream_sql(), &binds).await?),
    }
}

/// The checkpoint of the event at `position`, if there is one: where reading resumes after it.
pub(crate) async fn checkpoint_at_in_db(db: &crate::sql::Db, position: i64) -> Result<Option<Checkpoint>, StoreError> {
    let sql = match db.engine() {
        Engine::Sqlite => "select 0, global_position from events where global_position = $1",
        Engine::Postgres => {
            "select transaction_id::text::bigint, global_position from events where global_position = $1"
        }
    };
    let row: Option<(i64, i64)> = db.fetch_optional(sql, &args![position]).await?;
    Ok(row.map(|(tx, position)| Checkpoint { tx, position }))
}

/// One stream's events after `after_version`, upcast, in stream order.
pub(crate) async fn read_recorded_stream_in_db(
    db: &crate::sql::Db,
    stream_id: &str,
    after_version: i64,
    upcasters: &Upcasters,
) -> Result<Vec<RecordedEvent>, StoreError> {
    let binds = args![stream_id, after_version];
    let mut events = match db.engine() {
        Engine::Sqlite => recorded_page(db.fetch_optional(SQLITE_RECORDED_STREAM, &binds).await?, upcasters)?,
        Engine::Postgres => rows_to_stored(db.fetch_all::<EventRow>(&pg_stream_sql(), &binds).await?)?
            .into_iter()
            .map(|e| to_recorded(e, upcasters))
            .collect::<Result<Vec<_>, _>>()?,
    };
    if let Some(vault) = upcasters.vault() {
        vault.reveal(db, &mut events).await?;
    }
    Ok(events)
}
