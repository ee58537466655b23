//! Read models for analytics jobs (catch-up, eventually consistent; docs/analytics.md): sign-ups
//! per day by tenant and method, sign-ins per day by method, active users, refreshes and
//! revocations per day, payments and revenue per day and currency. Counts are added per batch
//! (the runner's checkpoint, written in the same transaction, makes each event count once), so a
//! rebuild from position 0 yields the same rows.
pub mod activity;
pub mod payments;
pub mod signups;

use std::collections::BTreeMap;
use store::{Arg, Col, StoreError, Tx, json_rows_arg};

/// The UTC day of an instant, `YYYY-MM-DD`.
fn day(at: &chrono::DateTime<chrono::Utc>) -> String {
    use chrono::Datelike as _;
    let (year, month, day) = (at.year(), at.month(), at.day());
    // written out: `format` parses its pattern on every call, and this runs for every login event
    if (0..=9999).contains(&year) {
        format!("{year:04}-{month:02}-{day:02}")
    } else {
        at.format("%Y-%m-%d").to_string()
    }
}

/// Counts keyed by their key columns' values.
type Counts = BTreeMap<Vec<String>, Vec<i64>>;

/// Add `counts` to `table` (its key columns `keys`, its counter columns `counters`): one upsert
/// for the whole batch, its rows in one JSON bind.
async fn add_counts(
    tx: &mut Tx<'_>,
    table: &str,
    keys: &[&str],
    counters: &[&str],
    counts: Counts,
) -> Result<(), StoreError> {
    if counts.is_empty() {
        return Ok(());
    }
    let columns = [keys, counters].concat();
    let types: Vec<Col> = keys.iter().map(|_| Col::Text).chain(counters.iter().map(|_| Col::Int)).collect();
    let cells: Vec<String> = (1..=columns.len()).map(|c| format!("c{c}")).collect();
    let adds: Vec<String> = counters.iter().map(|c| format!("{c} = {table}.{c} + excluded.{c}")).collect();
    let sql = format!(
        "insert into {table} ({}) select {} from {} where true on conflict ({}) do update set {}",
        columns.join(", "),
        cells.join(", "),
        tx.json_rows(1, &types),
        keys.join(", "),
        adds.join(", ")
    );
    let rows: Vec<Vec<Arg>> = counts
        .into_iter()
        .map(|(key, values)| key.into_iter().map(Arg::from).chain(values.into_iter().map(Arg::from)).collect())
        .collect();
    tx.execute(&sql, &[json_rows_arg(&rows)]).await?;
    Ok(())
}

/// Insert rows of text cells, skipping those whose key is there already: one statement, its rows
/// in one JSON bind.
async fn insert_new(tx: &mut Tx<'_>, table: &str, columns: &[&str], rows: Vec<Vec<String>>) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let cells: Vec<String> = (1..=columns.len()).map(|c| format!("c{c}")).collect();
    let sql = format!(
        "insert into {table} ({}) select {} from {} where true on conflict do nothing",
        columns.join(", "),
        cells.join(", "),
        tx.json_rows(1, &vec![Col::Text; columns.len()])
    );
    let rows: Vec<Vec<Arg>> = rows.into_iter().map(|row| row.into_iter().map(Arg::from).collect()).collect();
    tx.execute(&sql, &[json_rows_arg(&rows)]).await?;
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
    if !keys.is_empty() {
        let source = tx.json_rows(1, &[Col::Text]);
        let sql = format!("select {key}, {columns} from {table} where {key} in (select c1 from {source})");
        let keys: Vec<[Arg; 1]> = keys.into_iter().map(|k| [Arg::from(k)]).collect();
        let rows: Vec<(String, String, String)> = tx.fetch_all(&sql, &[json_rows_arg(&keys)]).await?;
        found.extend(rows.into_iter().map(|(k, a, b)| (k, (a, b))));
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    #[test]
    fn a_day_is_written_as_chrono_writes_it() {
        for (y, m, d) in [(2026, 12, 3), (1, 1, 1), (9999, 12, 31), (12026, 2, 3), (-4, 5, 6)] {
            let Some(at) = chrono::Utc.with_ymd_and_hms(y, m, d, 23, 59, 59).single() else { panic!("{y}-{m}-{d}") };
            assert_eq!(super::day(&at), at.format("%Y-%m-%d").to_string());
        }
    }
}
