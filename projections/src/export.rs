//! Exports for auditors and analytics jobs: the event history as NDJSON (every event exactly as
//! stored, in commit order, read in pages so memory stays flat for any size), and a read model's
//! table as CSV or NDJSON (every column as text, read in pages).
use crate::StoreError;
use serde_json::{Value, json};
use std::io::Write;
use store::{Checkpoint, Db, Engine, EventStore, StoredEvent, args};

/// Rows or events read per query.
const PAGE: i64 = 1000;

/// One exported event: what was stored, with its place in the log and its hash.
pub fn event_line(event: &StoredEvent) -> Value {
    let parse = |text: &str| serde_json::from_str::<Value>(text).unwrap_or_else(|_| Value::String(text.to_owned()));
    json!({
        "position": event.position,
        "event_id": event.event_id,
        "stream_id": event.stream_id,
        "stream_type": event.stream_type,
        "version": event.stream_version,
        "type": event.event_type,
        "schema_version": event.schema_version,
        "payload": parse(&event.payload),
        "metadata": parse(&event.metadata),
        "recorded_at": event.recorded_at,
        "hash": event.hash,
    })
}

/// How many events the log holds.
pub async fn event_count(store: &dyn EventStore) -> Result<u64, StoreError> {
    let row: Option<(i64,)> = store.db().fetch_optional("select count(*) from events", &[]).await?;
    Ok(row.map_or(0, |(n,)| u64::try_from(n).unwrap_or(0)))
}

/// Write every event as one JSON line to `out`, calling `progress` with each page's size; the
/// number of events written.
pub async fn export_events(
    store: &dyn EventStore,
    out: &mut dyn Write,
    progress: &mut dyn FnMut(u64),
) -> Result<u64, ExportError> {
    let (mut after, mut written) = (Checkpoint::default(), 0u64);
    loop {
        let page = store.read_all_stored(after, PAGE).await?;
        let Some(last) = page.last() else { return Ok(written) };
        after = last.checkpoint();
        for event in &page {
            serde_json::to_writer(&mut *out, &event_line(event))?;
            out.write_all(b"\n")?;
        }
        written += page.len() as u64;
        progress(page.len() as u64);
    }
}

/// How a table is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    /// A header line of column names, then one line per row (RFC 4180 quoting).
    Csv,
    /// One JSON object per row, every value a string or null.
    Ndjson,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("writing the export: {0}")]
    Io(#[from] std::io::Error),
    #[error("writing the export: {0}")]
    Json(#[from] serde_json::Error),
    #[error("writing the export: {0}")]
    Csv(#[from] csv::Error),
    #[error("{0}")]
    Unknown(String),
}

impl ExportError {
    /// The reader went away (`users-api export | head`): not a failure of the export.
    pub fn is_broken_pipe(&self) -> bool {
        let kind = match self {
            Self::Io(e) => Some(e.kind()),
            Self::Json(e) => e.io_error_kind(),
            Self::Csv(e) => match e.kind() {
                csv::ErrorKind::Io(e) => Some(e.kind()),
                _ => None,
            },
            _ => None,
        };
        kind == Some(std::io::ErrorKind::BrokenPipe)
    }
}

impl From<sqlx::Error> for ExportError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(e.into())
    }
}

/// The read-model table `name` names: a table of a projection, or the one table of a
/// projection of that name.
pub fn resolve_table(name: &str) -> Result<&'static str, ExportError> {
    let projectors = crate::all();
    if let Some(spec) = projectors.iter().flat_map(|p| p.tables().iter()).find(|t| t.name == name) {
        return Ok(spec.name);
    }
    let projector = projectors.iter().find(|p| p.name() == name).ok_or_else(|| {
        let names: Vec<&str> = projectors.iter().flat_map(|p| p.tables().iter().map(|t| t.name)).collect();
        ExportError::Unknown(format!("no read model or table {name}; tables: {}", names.join(", ")))
    })?;
    match projector.tables() {
        [only] => Ok(only.name),
        several => {
            let names: Vec<&str> = several.iter().map(|t| t.name).collect();
            Err(ExportError::Unknown(format!("{name} has several tables; name one: {}", names.join(", "))))
        }
    }
}

/// The columns of `table`, in their order.
pub async fn columns(db: &Db, table: &str) -> Result<Vec<String>, ExportError> {
    let sql = match db.engine() {
        Engine::Sqlite => "select name from pragma_table_info($1) order by cid",
        Engine::Postgres => {
            "select cast(column_name as text) from information_schema.columns \
             where table_schema = current_schema() and table_name = $1 order by ordinal_position"
        }
    };
    let rows: Vec<(String,)> = db.fetch_all(sql, &args![table]).await?;
    Ok(rows.into_iter().map(|(c,)| c).collect())
}

/// Rows in `table`.
pub async fn row_count(db: &Db, table: &str) -> Result<u64, ExportError> {
    let row: Option<(i64,)> = db.fetch_optional(&format!("select count(*) from {table}"), &[]).await?;
    Ok(row.map_or(0, |(n,)| u64::try_from(n).unwrap_or(0)))
}

/// Write read-model table `table` (a name `resolve_table` gave) to `out`; the rows written.
/// Rows are read in pages ordered by every column, so a table that changes during the export
/// may be written with a row missing or repeated: export a quiet database, or a copy.
pub async fn export_table(
    db: &Db,
    table: &str,
    format: TableFormat,
    out: &mut dyn Write,
    progress: &mut dyn FnMut(u64),
) -> Result<u64, ExportError> {
    let columns = columns(db, table).await?;
    if columns.is_empty() {
        return Err(ExportError::Unknown(format!("table {table} does not exist (run migrate)")));
    }
    let quoted: Vec<String> = columns.iter().map(|c| format!("\"{c}\"")).collect();
    let select: Vec<String> = quoted.iter().map(|c| format!("cast({c} as text)")).collect();
    let order: Vec<String> = (1..=columns.len()).map(|i| i.to_string()).collect();
    let sql = format!("select {} from {table} order by {} limit $1 offset $2", select.join(", "), order.join(", "));
    if format == TableFormat::Csv {
        csv_rows(out, [columns.iter().map(|c| Some(c.clone())).collect()].iter())?;
    }
    let mut written = 0u64;
    loop {
        let offset = i64::try_from(written).unwrap_or(i64::MAX);
        let rows = db.fetch_text_rows(&sql, &args![PAGE, offset]).await?;
        if rows.is_empty() {
            return Ok(written);
        }
        match format {
            TableFormat::Csv => csv_rows(out, rows.iter())?,
            TableFormat::Ndjson => {
                for row in &rows {
                    let object: serde_json::Map<String, Value> =
                        columns.iter().cloned().zip(row.iter().map(|v| json!(v))).collect();
                    serde_json::to_writer(&mut *out, &object)?;
                    out.write_all(b"\n")?;
                }
            }
        }
        written += rows.len() as u64;
        progress(rows.len() as u64);
    }
}

/// Write `rows` to `out` as CSV lines (RFC 4180 quoting; SQL null as an empty field).
fn csv_rows<'a>(out: &mut dyn Write, rows: impl Iterator<Item = &'a Vec<Option<String>>>) -> Result<(), ExportError> {
    let mut writer = csv::WriterBuilder::new().has_headers(false).from_writer(out);
    for row in rows {
        writer.write_record(row.iter().map(|v| v.as_deref().unwrap_or("")))?;
    }
    writer.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that went away.
    struct Closed;

    impl Write for Closed {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
    }

    #[test]
    fn a_closed_reader_is_told_apart_from_a_failure() {
        let json = serde_json::to_writer(Closed, &json!({"a": 1})).map_err(ExportError::from);
        assert!(json.is_err_and(|e| e.is_broken_pipe()));
        let rows = [vec![Some("a".to_owned()), None]];
        let csv = csv_rows(&mut Closed, rows.iter());
        assert!(csv.is_err_and(|e| e.is_broken_pipe()));
        let full = std::io::Error::from(std::io::ErrorKind::StorageFull);
        assert!(!ExportError::from(full).is_broken_pipe());
        let mut out = Vec::new();
        csv_rows(&mut out, rows.iter()).expect("csv");
        assert_eq!(String::from_utf8(out).expect("utf-8"), "a,\n", "null as an empty field");
    }
}
