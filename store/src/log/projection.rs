//! A projector's tables and checkpoint: creating and dropping them, the schema fingerprint that
//! tells when the DDL changed, and applying a batch of events.
use crate::args;
use crate::error::StoreError;
use crate::model::{Checkpoint, RecordedEvent, format_time, now_micros};
use crate::projector::{Projector, Tables};
use crate::sql::{Engine, Tx};

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
    events: &[RecordedEvent],
) -> Result<Option<Checkpoint>, StoreError> {
    let (Some(first), Some(last)) = (events.first(), events.last()) else { return Ok(None) };
    projector.apply_batch(tx, tables, events).await.map_err(|e| StoreError::Projection {
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

pub(super) async fn create_indexes(tx: &mut Tx<'_>, projector: &dyn Projector) -> Result<(), StoreError> {
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

/// The projector's checkpoint, or `None` while another instance holds its lease. A projector
/// seen for the first time starts at position 0.
pub(crate) async fn lease(tx: &mut Tx<'_>, projection: &str) -> Result<Option<Checkpoint>, StoreError> {
    // does not wait for a lease holder: `do nothing` takes no lock on an existing row
    ensure_checkpoint(tx, projection).await?;
    let sql = match tx.engine() {
        Engine::Sqlite => "select last_tx, last_position from projection_checkpoints where projection = $1",
        Engine::Postgres => {
            "select last_tx, last_position from projection_checkpoints where projection = $1 for update skip locked"
        }
    };
    let row: Option<(i64, i64)> = tx.fetch_optional(sql, &args![projection]).await?;
    Ok(row.map(|(tx, position)| Checkpoint { tx, position }))
}

/// Keep appends (and this projector's live runner) out until the transaction ends, so that an
/// ungated read sees the whole log.
pub(crate) async fn exclude_appends(tx: &mut Tx<'_>, projection: &str) -> Result<(), StoreError> {
    if tx.engine() == Engine::Postgres {
        tx.execute("lock table events in exclusive mode", &[]).await?;
        ensure_checkpoint(tx, projection).await?;
        tx.execute("select 1 from projection_checkpoints where projection = $1 for update", &args![projection]).await?;
    }
    Ok(())
}
