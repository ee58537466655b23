//! Read models for analytics jobs (catch-up, eventually consistent; docs/analytics.md): sign-ups
//! per day by tenant and method, sign-ins per day by method, active users, refreshes and
//! revocations per day, payments and revenue per day and currency. Counts are added per batch
//! (the runner's checkpoint, written in the same transaction, makes each event count once), so a
//! rebuild from position 0 yields the same rows.
pub mod activity;
pub mod payments;
pub mod signups;

use std::collections::BTreeMap;
use store::{Arg, StoreError, Tx};

/// The UTC day of an instant, `YYYY-MM-DD`.
fn day(at: &chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d").to_string()
}

/// Counts keyed by their key columns' values.
type Counts = BTreeMap<Vec<String>, Vec<i64>>;

/// Add `counts` to `table` (its key columns `keys`, its counter columns `counters`): one
/// multi-row upsert per 200 rows.
async fn add_counts(
    tx: &mut Tx<'_>,
    table: &str,
    keys: &[&str],
    counters: &[&str],
    counts: Counts,
) -> Result<(), StoreError> {
    let rows: Vec<_> = counts.into_iter().collect();
    let columns = [keys, counters].concat().join(", ");
    let adds: Vec<String> = counters.iter().map(|c| format!("{c} = {table}.{c} + excluded.{c}")).collect();
    for chunk in rows.chunks(crate::ROWS_PER_STATEMENT) {
        let sql = format!(
            "insert into {table} ({columns}) values {} on conflict ({}) do update set {}",
            tx.values(chunk.len(), keys.len() + counters.len()),
            keys.join(", "),
            adds.join(", ")
        );
        let binds: Vec<Arg> = chunk
            .iter()
            .flat_map(|(key, values)| {
                key.iter().map(|k| Arg::from(k.clone())).chain(values.iter().map(|v| Arg::from(*v)))
            })
            .collect();
        tx.execute(&sql, &binds).await?;
    }
    Ok(())
}

/// Insert rows of text cells, skipping those whose key is there already.
async fn insert_new(tx: &mut Tx<'_>, table: &str, columns: &[&str], rows: Vec<Vec<String>>) -> Result<(), StoreError> {
    for chunk in rows.chunks(crate::ROWS_PER_STATEMENT) {
        let sql = format!(
            "insert into {table} ({}) values {} on conflict do nothing",
            columns.join(", "),
            tx.values(chunk.len(), columns.len())
        );
        let binds: Vec<Arg> = chunk.iter().flatten().map(|cell| Arg::from(cell.clone())).collect();
        tx.execute(&sql, &binds).await?;
    }
    Ok(())
}

/// `select key, a, b from table where key in (…)` for text columns: the owners of `keys` this
/// projector recorded in an earlier batch.
async fn lookup(
    tx: &mut Tx<'_>,
    table: &str,
    key: &str,
    columns: &str,
    keys: Vec<String>,
) -> Result<BTreeMap<String, (String, String)>, StoreError> {
    let mut found = BTreeMap::new();
    for chunk in keys.chunks(crate::ROWS_PER_STATEMENT) {
        let sql = format!("select {key}, {columns} from {table} where {key} in {}", tx.values(1, chunk.len()));
        let binds: Vec<Arg> = chunk.iter().map(|k| Arg::from(k.clone())).collect();
        let rows: Vec<(String, String, String)> = tx.fetch_all(&sql, &binds).await?;
        found.extend(rows.into_iter().map(|(k, a, b)| (k, (a, b))));
    }
    Ok(found)
}
