//! The event-log statements shared by both engines. Engines differ only in how a write
//! transaction is opened (one writer + `BEGIN IMMEDIATE` vs. a pool) and in the gated read on
//! PostgreSQL; everything else is written once here.
use crate::args;
use crate::error::StoreError;
use crate::hash::{HashInput, event_hash};
use crate::model::{
    AppendRequest, Appended, Checkpoint, ClaimOp, Metadata, RecordedEvent, StoredEvent, format_time, now_micros,
};
use crate::projector::{Projector, Tables};
use crate::sql::{Arg, Engine, Tx};
use crate::upcast::Upcasters;
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// An event's columns for SQLite's `json_array` pages (`EventRow` order; `0` stands for `tx`).
const SQLITE_PAGE_COLUMNS: &str = "global_position, 0, event_id, stream_id, stream_type, stream_version, event_type, \
     schema_version, payload, metadata, correlation_id, causation_id, recorded_at, hash";

// aliases differ from column names on purpose: `order by transaction_id` must sort the xid8
// column, not a text cast of it (a lexicographic sort silently skips events)
const PG_COLUMNS: &str = "e.global_position, e.transaction_id::text::bigint as tx, e.event_id::text as event_id, \
     e.stream_id, e.stream_type, e.stream_version, e.event_type, e.schema_version, e.payload::text as payload, \
     e.metadata::text as metadata, e.correlation_id, e.causation_id, \
     to_char(e.recorded_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') as recorded_at, e.hash";

/// One stored event's columns; also deserialised from SQLite's one-row JSON pages (`json_array`
/// in this field order).
#[derive(sqlx::FromRow, serde::Deserialize)]
struct EventRow {
    global_position: i64,
    tx: i64,
    event_id: String,
    stream_id: String,
    stream_type: String,
    stream_version: i64,
    event_type: String,
    schema_version: i32,
    payload: String,
    metadata: String,
    correlation_id: Option<String>,
    causation_id: Option<String>,
    recorded_at: String,
    hash: String,
}

impl TryFrom<EventRow> for StoredEvent {
    type Error = StoreError;

    fn try_from(r: EventRow) -> Result<Self, StoreError> {
        let recorded_at = parse_time(&r.recorded_at, r.global_position)?;
        Ok(StoredEvent {
            position: r.global_position,
            tx: r.tx,
            event_id: r.event_id,
            stream_id: r.stream_id,
            stream_type: r.stream_type,
            stream_version: r.stream_version,
            event_type: r.event_type,
            schema_version: r.schema_version,
            payload: r.payload,
            metadata: r.metadata,
            correlation_id: r.correlation_id,
            causation_id: r.causation_id,
            recorded_at,
            hash: r.hash,
        })
    }
}

/// `RecordedEvent`'s columns in a SQLite JSON page: payload and metadata embedded as JSON
/// (`json(..)`), so they are parsed once, straight into their types.
#[derive(serde::Deserialize)]
struct RecordedRow {
    position: i64,
    event_id: String,
    stream_id: String,
    stream_type: String,
    stream_version: i64,
    event_type: String,
    schema_version: i32,
    payload: serde_json::Value,
    metadata: Metadata,
    correlation_id: Option<String>,
    causation_id: Option<String>,
    recorded_at: String,
}

/// The page as JSON built by concatenation: payload and metadata are JSON text already (the store
/// wrote them from `serde_json::Value`s) and go in verbatim, so SQLite neither parses nor escapes
/// them and Rust parses each once. `json_quote` quotes the text columns (and turns NULL into null).
macro_rules! sqlite_recorded_page {
    ($filter:literal) => {
        concat!(
            "select '[' || coalesce(group_concat(event, ','), '') || ']' \
             from (select '[' || global_position || ',' || json_quote(event_id) || ',' || \
             json_quote(stream_id) || ',' || json_quote(stream_type) || ',' || stream_version || ',' || \
             json_quote(event_type) || ',' || schema_version || ',' || payload || ',' || metadata || ',' || \
             json_quote(correlation_id) || ',' || json_quote(causation_id) || ',' || json_quote(recorded_at) || ']' \
             as event from events ",
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

fn recorded_page(page: Option<(String,)>, upcasters: &Upcasters) -> Result<Vec<RecordedEvent>, StoreError> {
    let Some((json,)) = page else { return Ok(Vec::new()) };
    let mut rows: Vec<RecordedRow> = serde_json::from_str(&json)?;
    // SQLite aggregates in the subquery's order; sorting here (already sorted: linear) keeps
    // that an assumption nothing depends on
    rows.sort_by_key(|r| r.position);
    rows.into_iter()
        .map(|r| {
            let recorded_at = parse_time(&r.recorded_at, r.position)?;
            let (schema_version, payload) = upcasters.upcast(&r.event_type, r.schema_version, r.payload);
            let mut metadata = r.metadata;
            metadata.correlation_id = r.correlation_id;
            metadata.causation_id = r.causation_id;
            Ok(RecordedEvent {
                position: r.position,
                tx: 0,
                event_id: r.event_id,
                stream_id: r.stream_id,
                stream_type: r.stream_type,
                stream_version: r.stream_version,
                event_type: r.event_type,
                schema_version,
                payload,
                metadata,
                recorded_at,
            })
        })
        .collect()
}

fn parse_time(text: &str, position: i64) -> Result<DateTime<Utc>, StoreError> {
    Ok(DateTime::parse_from_rfc3339(text)
        .map_err(|e| StoreError::Corrupt(format!("event {position}: recorded_at {e}")))?
        .with_timezone(&Utc))
}

/// Events after `after`, upcast, for projectors and readers (see `read_after_in_tx`).
pub(crate) async fn read_recorded_after_in_tx(
    tx: &mut Tx<'_>,
    after: Checkpoint,
    limit: i64,
    gated: bool,
    upcasters: &Upcasters,
) -> Result<Vec<RecordedEvent>, StoreError> {
    match tx.engine() {
        Engine::Sqlite => {
            recorded_page(tx.fetch_optional(SQLITE_RECORDED_PAGE, &args![after.position, limit]).await?, upcasters)
        }
        Engine::Postgres => {
            read_after_in_tx(tx, after, limit, gated).await?.into_iter().map(|e| to_recorded(e, upcasters)).collect()
        }
    }
}

pub(crate) async fn read_recorded_after_in_db(
    db: &crate::sql::Db,
    after: Checkpoint,
    limit: i64,
    upcasters: &Upcasters,
) -> Result<Vec<RecordedEvent>, StoreError> {
    match db.engine() {
        Engine::Sqlite => {
            recorded_page(db.fetch_optional(SQLITE_RECORDED_PAGE, &args![after.position, limit]).await?, upcasters)
        }
        Engine::Postgres => {
            read_after_in_db(db, after, limit).await?.into_iter().map(|e| to_recorded(e, upcasters)).collect()
        }
    }
}

/// A SQLite page (`after_sql`): one JSON array of `EventRow` arrays.
fn page_to_stored(page: Option<(String,)>) -> Result<Vec<StoredEvent>, StoreError> {
    let Some((json,)) = page else { return Ok(Vec::new()) };
    let rows: Vec<EventRow> = serde_json::from_str(&json)?;
    rows_to_stored(rows)
}

fn rows_to_stored(rows: Vec<EventRow>) -> Result<Vec<StoredEvent>, StoreError> {
    rows.into_iter().map(StoredEvent::try_from).collect()
}

pub(crate) fn to_recorded(e: StoredEvent, upcasters: &Upcasters) -> Result<RecordedEvent, StoreError> {
    let payload = serde_json::from_str(&e.payload)?;
    let (schema_version, payload) = upcasters.upcast(&e.event_type, e.schema_version, payload);
    let mut metadata: Metadata = serde_json::from_str(&e.metadata)?;
    metadata.correlation_id = e.correlation_id;
    metadata.causation_id = e.causation_id;
    Ok(RecordedEvent {
        position: e.position,
        tx: e.tx,
        event_id: e.event_id,
        stream_id: e.stream_id,
        stream_type: e.stream_type,
        stream_version: e.stream_version,
        event_type: e.event_type,
        schema_version,
        payload,
        metadata,
        recorded_at: e.recorded_at,
    })
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

/// One stream's events after `after_version`, upcast, in stream order.
pub(crate) async fn read_recorded_stream_in_db(
    db: &crate::sql::Db,
    stream_id: &str,
    after_version: i64,
    upcasters: &Upcasters,
) -> Result<Vec<RecordedEvent>, StoreError> {
    let binds = args![stream_id, after_version];
    match db.engine() {
        Engine::Sqlite => recorded_page(db.fetch_optional(SQLITE_RECORDED_STREAM, &binds).await?, upcasters),
        Engine::Postgres => rows_to_stored(db.fetch_all::<EventRow>(&pg_stream_sql(), &binds).await?)?
            .into_iter()
            .map(|e| to_recorded(e, upcasters))
            .collect(),
    }
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// Take a claim for `stream_id`, or say who holds it. A claim released in between by a committed
/// transaction is free again: the loop looks twice.
async fn take_claim(tx: &mut Tx<'_>, stream_id: &str, scope: &str, value: &str) -> Result<(), StoreError> {
    let mut holder = "another stream".to_owned();
    for _ in 0..2 {
        let inserted = tx
            .execute(
                "insert into unique_claims (scope, value, owner_stream) values ($1, $2, $3) \
                 on conflict (scope, value) do nothing",
                &args![scope, value, stream_id],
            )
            .await?;
        if inserted == 1 {
            return Ok(());
        }
        let sql = "select owner_stream from unique_claims where scope = $1 and value = $2";
        match tx.fetch_optional::<(String,)>(sql, &args![scope, value]).await? {
            Some((owner,)) if owner == stream_id => return Ok(()),
            Some((owner,)) => {
                holder = owner;
                break;
            }
            None => continue,
        }
    }
    Err(StoreError::Claim { scope: scope.to_owned(), value: value.to_owned(), owner: holder })
}

async fn apply_claims(tx: &mut Tx<'_>, stream_id: &str, claims: &[ClaimOp]) -> Result<(), StoreError> {
    for op in claims {
        match op {
            ClaimOp::Take { scope, value } => take_claim(tx, stream_id, scope, value).await?,
            ClaimOp::Release { scope, value } => {
                tx.execute(
                    "delete from unique_claims where scope = $1 and value = $2 and owner_stream = $3",
                    &args![scope.as_str(), value.as_str(), stream_id],
                )
                .await?;
            }
        }
    }
    Ok(())
}

/// The whole append inside an open write transaction: one multi-row insert of the events (the
/// stream-version unique key is the optimistic lock), the claims, then the inline projectors.
/// `previous` is the hash of the stream's event at the expected version when the caller knows
/// it; otherwise it is read. With the hash of the last event appended.
pub(crate) async fn append_in_tx(
    tx: &mut Tx<'_>,
    req: &AppendRequest,
    previous: Option<String>,
    inline: &[Arc<dyn Projector>],
) -> Result<(Appended, String), StoreError> {
    let concurrency =
        || StoreError::Concurrency { stream_id: req.stream_id.clone(), expected_version: req.expected_version };
    let engine = tx.engine();
    let mut previous_hash = if let Some(known) = previous.filter(|_| req.expected_version > 0) {
        known
    } else if req.expected_version > 0 {
        let row: Option<(String,)> = tx
            .fetch_optional(
                "select hash from events where stream_id = $1 and stream_version = $2",
                &args![req.stream_id.as_str(), req.expected_version],
            )
            .await?;
        row.ok_or_else(concurrency)?.0
    } else {
        String::new()
    };

    let recorded_at = now_micros();
    let at = format_time(&recorded_at);
    let metadata = serde_json::to_string(&req.metadata)?;
    let (uuid, json, ts) = match engine {
        Engine::Postgres => ("::uuid", "::json", "::timestamptz"),
        Engine::Sqlite => ("", "", ""),
    };
    let mut sql = String::from(
        "insert into events (event_id, stream_id, stream_type, stream_version, event_type, schema_version, \
         payload, metadata, correlation_id, causation_id, recorded_at, hash) values ",
    );
    let mut binds = Vec::with_capacity(req.events.len() * 12);
    let mut payloads = Vec::with_capacity(req.events.len());
    for (i, event) in req.events.iter().enumerate() {
        let version = req.expected_version + 1 + i as i64;
        let payload = serde_json::to_string(&event.payload)?;
        let event_id = event.event_id.to_string();
        let hash = event_hash(&HashInput {
            previous_hash: &previous_hash,
            stream_id: &req.stream_id,
            stream_type: &req.stream_type,
            stream_version: version,
            event_id: &event_id,
            event_type: &event.event_type,
            schema_version: event.schema_version,
            recorded_at: &at,
            correlation_id: req.metadata.correlation_id.as_deref(),
            causation_id: req.metadata.causation_id.as_deref(),
            metadata: &metadata,
            payload: &payload,
        });
        let n = i * 12;
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!(
            "(${}{uuid}, ${}, ${}, ${}, ${}, ${}, ${}{json}, ${}{json}, ${}, ${}, ${}{ts}, ${})",
            n + 1,
            n + 2,
            n + 3,
            n + 4,
            n + 5,
            n + 6,
            n + 7,
            n + 8,
            n + 9,
            n + 10,
            n + 11,
            n + 12
        ));
        binds.extend([
            Arg::Text(event_id),
            Arg::Text(req.stream_id.clone()),
            Arg::Text(req.stream_type.clone()),
            Arg::Int(version),
            Arg::Text(event.event_type.clone()),
            Arg::Int(i64::from(event.schema_version)),
            Arg::Text(payload.clone()),
            Arg::Text(metadata.clone()),
            Arg::OptText(req.metadata.correlation_id.clone()),
            Arg::OptText(req.metadata.causation_id.clone()),
            Arg::Text(at.clone()),
            Arg::Text(hash.clone()),
        ]);
        payloads.push(payload);
        previous_hash = hash;
    }
    sql.push_str(match engine {
        Engine::Postgres => " returning global_position, transaction_id::text::bigint",
        Engine::Sqlite => " returning global_position, 0",
    });
    let mut rows: Vec<(i64, i64)> = tx
        .fetch_all(&sql, &binds)
        .await
        .map_err(|e| if is_unique_violation(&e) { concurrency() } else { StoreError::Database(e) })?;
    rows.sort_unstable();
    let (first, last) = match (rows.first(), rows.last()) {
        (Some(f), Some(l)) => (f.0, l.0),
        _ => return Err(StoreError::Corrupt("insert returned no positions".into())),
    };

    // claims only after the events: the events insert must be this transaction's first write.
    // It takes the lock that a rebuild's `lock table events in exclusive mode` waits for, so no
    // transaction can hold a transaction id (from a claim) while a rebuild reads past it
    apply_claims(tx, &req.stream_id, &req.claims).await?;

    let interested: Vec<_> = inline.iter().filter(|p| p.wants(&req.stream_type, &req.events)).collect();
    if !interested.is_empty() {
        let recorded = req.events.iter().zip(&rows).enumerate().map(|(i, (event, (position, xid)))| RecordedEvent {
            position: *position,
            tx: *xid,
            event_id: event.event_id.to_string(),
            stream_id: req.stream_id.clone(),
            stream_type: req.stream_type.clone(),
            stream_version: req.expected_version + 1 + i as i64,
            event_type: event.event_type.clone(),
            schema_version: event.schema_version,
            payload: event.payload.clone(),
            metadata: req.metadata.clone(),
            recorded_at,
        });
        let recorded: Vec<_> = recorded.collect();
        let tables = Tables::live();
        for projector in interested {
            projector.apply_batch(tx, &tables, &recorded).await?;
        }
    }

    let appended = Appended {
        stream_version: req.expected_version + req.events.len() as i64,
        first_position: first,
        last_position: last,
    };
    Ok((appended, previous_hash))
}

/// Outbox messages, in the append's transaction (after the events).
pub(crate) async fn insert_outbox(tx: &mut Tx<'_>, messages: &[crate::model::OutboxMessage]) -> Result<(), StoreError> {
    let now = format_time(&now_micros());
    for m in messages {
        tx.execute(
            "insert into outbox (id, channel, recipient, subject, body, created_at, due_at) \
             values ($1, $2, $3, $4, $5, $6, $6)",
            &args![
                m.id.as_str(),
                m.channel.as_str(),
                m.recipient.as_str(),
                m.subject.as_str(),
                m.body.as_str(),
                now.as_str()
            ],
        )
        .await?;
    }
    Ok(())
}

/// SHA-256 of a projector's DDL and index statements.
pub(crate) fn fingerprint(projector: &dyn Projector) -> String {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    for spec in projector.tables() {
        hash.update(spec.name.as_bytes());
        hash.update(b"\0");
        hash.update(spec.ddl.as_bytes());
        hash.update(b"\0");
        hash.update(spec.indexes.as_bytes());
        hash.update(b"\0");
    }
    hex::encode(hash.finalize())
}

pub(crate) async fn stored_fingerprint(tx: &mut Tx<'_>, projection: &str) -> Result<Option<String>, StoreError> {
    let row: Option<(String,)> = tx
        .fetch_optional("select fingerprint from projection_schemas where projection = $1", &args![projection])
        .await?;
    Ok(row.map(|(f,)| f))
}

pub(crate) async fn write_fingerprint(tx: &mut Tx<'_>, projection: &str, fingerprint: &str) -> Result<(), StoreError> {
    tx.execute(
        "insert into projection_schemas (projection, fingerprint, updated_at) values ($1, $2, $3) \
         on conflict (projection) do update set fingerprint = excluded.fingerprint, updated_at = excluded.updated_at",
        &args![projection, fingerprint, format_time(&now_micros())],
    )
    .await?;
    Ok(())
}

/// Drop a projector's live tables and checkpoint (its schema changed).
pub(crate) async fn drop_tables(tx: &mut Tx<'_>, projector: &dyn Projector) -> Result<(), StoreError> {
    for spec in projector.tables() {
        tx.execute(&format!("drop table if exists {}", spec.name), &[]).await?;
    }
    tx.execute("delete from projection_checkpoints where projection = $1", &args![projector.name()]).await?;
    Ok(())
}

pub(crate) async fn ensure_checkpoint(tx: &mut Tx<'_>, projection: &str) -> Result<(), StoreError> {
    let ts = if tx.engine() == Engine::Postgres { "::timestamptz" } else { "" };
    let sql = format!(
        "insert into projection_checkpoints (projection, last_tx, last_position, updated_at) \
         values ($1, 0, 0, $2{ts}) on conflict (projection) do nothing"
    );
    tx.execute(&sql, &args![projection, format_time(&now_micros())]).await?;
    Ok(())
}

pub(crate) async fn write_checkpoint(tx: &mut Tx<'_>, projection: &str, cp: Checkpoint) -> Result<(), StoreError> {
    let at = format_time(&now_micros());
    let ts = if tx.engine() == Engine::Postgres { "::timestamptz" } else { "" };
    tx.execute(
        &format!(
            "insert into projection_checkpoints (projection, last_tx, last_position, updated_at) values ($1, $2, $3, $4{ts}) \
             on conflict (projection) do update set last_tx = excluded.last_tx, \
             last_position = excluded.last_position, updated_at = excluded.updated_at"
        ),
        &args![projection, cp.tx, cp.position, at],
    )
    .await?;
    Ok(())
}

/// Apply stored events to a projector's tables; returns the checkpoint of the last one.
pub(crate) async fn apply_events(
    tx: &mut Tx<'_>,
    projector: &dyn Projector,
    tables: &Tables,
    events: Vec<RecordedEvent>,
) -> Result<Option<Checkpoint>, StoreError> {
    let (Some(first), Some(last)) = (events.first(), events.last()) else { return Ok(None) };
    projector.apply_batch(tx, tables, &events).await.map_err(|e| StoreError::Projection {
        projection: projector.name().to_owned(),
        message: format!("events {} to {}: {e}", first.position, last.position),
    })?;
    Ok(Some(last.checkpoint()))
}

pub(crate) async fn create_tables(
    tx: &mut Tx<'_>,
    projector: &dyn Projector,
    tables: &Tables,
) -> Result<(), StoreError> {
    for statement in tables.ddl(projector.tables()) {
        tx.execute(&statement, &[]).await?;
    }
    // a rebuild's fresh tables get their indexes after the swap, under the live names
    if tables.is_live() {
        create_indexes(tx, projector).await?;
    }
    Ok(())
}

async fn create_indexes(tx: &mut Tx<'_>, projector: &dyn Projector) -> Result<(), StoreError> {
    for statement in Tables::live().index_ddl(projector.tables()) {
        tx.execute(&statement, &[]).await?;
    }
    Ok(())
}

pub(crate) async fn table_exists(tx: &mut Tx<'_>, name: &str) -> Result<bool, StoreError> {
    let sql = match tx.engine() {
        Engine::Sqlite => "select count(*) from sqlite_master where type = 'table' and name = $1",
        Engine::Postgres => "select count(*) from pg_tables where schemaname = current_schema() and tablename = $1",
    };
    let (n,): (i64,) = tx.fetch_optional(sql, &args![name]).await?.unwrap_or((0,));
    Ok(n > 0)
}

async fn count(tx: &mut Tx<'_>, sql: &str) -> Result<i64, StoreError> {
    let (n,): (i64,) = tx.fetch_optional(sql, &[]).await?.unwrap_or((0,));
    Ok(n)
}

/// Bring a catch-up projector's live tables to the head of the log before a rebuild compares
/// against them, so a runner that lagged (or was stopped mid-lag) shows no false difference.
/// Runs where appends are excluded, so it may read ungated.
pub(crate) async fn catch_up_live(
    tx: &mut Tx<'_>,
    projector: &dyn Projector,
    upcasters: &Upcasters,
    page: i64,
) -> Result<(), StoreError> {
    for spec in projector.tables() {
        if !table_exists(tx, spec.name).await? {
            return Ok(());
        }
    }
    let sql = "select last_tx, last_position from projection_checkpoints where projection = $1";
    let row: Option<(i64, i64)> = tx.fetch_optional(sql, &args![projector.name()]).await?;
    let mut cp = row.map(|(tx, position)| Checkpoint { tx, position }).unwrap_or_default();
    loop {
        let events = read_recorded_after_in_tx(tx, cp, page, false, upcasters).await?;
        match apply_events(tx, projector, &Tables::live(), events).await? {
            Some(last) => cp = last,
            None => return Ok(()),
        }
    }
}

/// How a rebuilt table compares with the live one it replaces.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TableComparison {
    pub table: String,
    pub live_rows: i64,
    pub rebuilt_rows: i64,
    /// Rows in the live table that the rebuild did not produce.
    pub only_live: i64,
    /// Rows the rebuild produced that the live table lacked.
    pub only_rebuilt: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RebuildReport {
    pub projection: String,
    pub events_applied: u64,
    pub checkpoint: Checkpoint,
    pub tables: Vec<TableComparison>,
}

impl RebuildReport {
    /// True when every rebuilt table held exactly the live rows.
    pub fn matched_live(&self) -> bool {
        self.tables.iter().all(|t| t.only_live == 0 && t.only_rebuilt == 0)
    }
}

/// The last step of a rebuild, inside a transaction that excludes appends: compare the fresh
/// tables with the live ones, then swap them in and set the checkpoint. Inline projections keep
/// no checkpoint: the append transaction keeps them current.
pub(crate) async fn compare_and_swap(
    tx: &mut Tx<'_>,
    projector: &dyn Projector,
    fresh: &Tables,
    cp: Checkpoint,
    events_applied: u64,
    inline: bool,
) -> Result<RebuildReport, StoreError> {
    let mut comparisons = Vec::new();
    for spec in projector.tables() {
        let live = spec.name;
        let rebuilt = fresh.name(spec.name);
        let comparison = if table_exists(tx, live).await? {
            let live_rows = count(tx, &format!("select count(*) from {live}")).await?;
            let rebuilt_rows = count(tx, &format!("select count(*) from {rebuilt}")).await?;
            let only_live =
                count(tx, &format!("select count(*) from (select * from {live} except select * from {rebuilt}) d"))
                    .await?;
            // projection tables have primary keys, so their rows are distinct: equal counts and
            // every live row rebuilt leave no rebuilt row that is not live, and the second
            // `except` (as long as the first) can be skipped
            let only_rebuilt = if live_rows == rebuilt_rows && only_live == 0 {
                0
            } else {
                count(tx, &format!("select count(*) from (select * from {rebuilt} except select * from {live}) d"))
                    .await?
            };
            TableComparison { table: live.to_owned(), live_rows, rebuilt_rows, only_live, only_rebuilt }
        } else {
            let rows = count(tx, &format!("select count(*) from {rebuilt}")).await?;
            TableComparison {
                table: live.to_owned(),
                live_rows: 0,
                rebuilt_rows: rows,
                only_live: 0,
                only_rebuilt: rows,
            }
        };
        comparisons.push(comparison);
        tx.execute(&format!("drop table if exists {live}"), &[]).await?;
        tx.execute(&format!("alter table {rebuilt} rename to {live}"), &[]).await?;
    }
    create_indexes(tx, projector).await?;
    if inline {
        let sql = "delete from projection_checkpoints where projection = $1";
        tx.execute(sql, &args![projector.name()]).await?;
    } else {
        write_checkpoint(tx, projector.name(), cp).await?;
    }
    Ok(RebuildReport { projection: projector.name().to_owned(), events_applied, checkpoint: cp, tables: comparisons })
}

/// The first broken link `verify` found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Tampered {
    pub position: i64,
    pub event_id: String,
    pub stream_id: String,
    pub stream_version: i64,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VerifyReport {
    pub events_checked: u64,
    pub streams: u64,
    pub first_broken: Option<Tampered>,
}

/// Recompute every stream's hash chain in commit order and check versions run 1, 2, 3 …
/// Returns how many events passed, and the first that did not.
pub(crate) fn verify_events(
    state: &mut std::collections::HashMap<String, (i64, String)>,
    events: &[StoredEvent],
) -> (u64, Option<Tampered>) {
    for (passed, e) in events.iter().enumerate() {
        let broken = |reason: String| Tampered {
            position: e.position,
            event_id: e.event_id.clone(),
            stream_id: e.stream_id.clone(),
            stream_version: e.stream_version,
            reason,
        };
        let (last_version, previous_hash) = state.get(&e.stream_id).cloned().unwrap_or((0, String::new()));
        if e.stream_version != last_version + 1 {
            let reason = format!(
                "stream version {} follows version {last_version}: an event was removed or reordered",
                e.stream_version
            );
            return (passed as u64, Some(broken(reason)));
        }
        let recorded_at = format_time(&e.recorded_at);
        let expected = event_hash(&HashInput {
            previous_hash: &previous_hash,
            stream_id: &e.stream_id,
            stream_type: &e.stream_type,
            stream_version: e.stream_version,
            event_id: &e.event_id,
            event_type: &e.event_type,
            schema_version: e.schema_version,
            recorded_at: &recorded_at,
            correlation_id: e.correlation_id.as_deref(),
            causation_id: e.causation_id.as_deref(),
            metadata: &e.metadata,
            payload: &e.payload,
        });
        if expected != e.hash {
            let reason = "stored bytes do not match the event's hash: the event was changed";
            return (passed as u64, Some(broken(reason.into())));
        }
        state.insert(e.stream_id.clone(), (e.stream_version, e.hash.clone()));
    }
    (events.len() as u64, None)
}
