//! The end of a rebuild: bring the live tables to the head, compare the fresh tables with them,
//! and swap the fresh ones in.
use super::projection::{apply_events, create_indexes, table_exists, write_checkpoint};
use super::read::read_recorded_after_in_tx;
use crate::args;
use crate::error::StoreError;
use crate::model::Checkpoint;
use crate::projector::{Projector, Tables};
use crate::sql::{Arg, Db, Engine, Tx};
use crate::upcast::Upcasters;

/// Bring a catch-up projector's live tables to the head of the log before a rebuild compares
/// against them, so a runner that lagged (or was stopped mid-lag) shows no false difference.
/// Runs where appends are excluded, so it may read ungated. Returns whether it applied anything.
pub(crate) async fn catch_up_live(
    tx: &mut Tx<'_>,
    projector: &dyn Projector,
    upcasters: &Upcasters,
    page: i64,
) -> Result<bool, StoreError> {
    for spec in projector.tables() {
        if !table_exists(tx, spec.name).await? {
            return Ok(false);
        }
    }
    let sql = "select last_tx, last_position from projection_checkpoints where projection = $1";
    let row: Option<(i64, i64)> = tx.fetch_optional(sql, &args![projector.name()]).await?;
    let mut cp = row.map(|(tx, position)| Checkpoint { tx, position }).unwrap_or_default();
    let mut applied = false;
    loop {
        let events = read_recorded_after_in_tx(tx, cp, page, false, upcasters).await?;
        match apply_events(tx, projector, &Tables::live(), &events).await? {
            Some(last) => (cp, applied) = (last, true),
            None => return Ok(applied),
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

/// Where a comparison's counts run: inside the rebuild's last transaction, or on the pool's
/// connections (when that transaction has written nothing yet and excludes every write to the
/// tables compared, the pool sees exactly what it would see).
enum Counts<'a, 'c> {
    Tx(&'a mut Tx<'c>),
    Db(&'a Db),
}

impl Counts<'_, '_> {
    async fn count(&mut self, sql: &str, binds: &[Arg]) -> Result<i64, StoreError> {
        let row: Option<(i64,)> = match self {
            Self::Tx(tx) => tx.fetch_optional(sql, binds).await?,
            Self::Db(db) => db.fetch_optional(sql, binds).await?,
        };
        Ok(row.map_or(0, |(n,)| n))
    }

    /// SQLite: a table's columns as `s."c" is f."c"` conditions joined by `and`, and the number of
    /// its primary key's columns.
    async fn columns(&mut self, table: &str) -> Result<Option<(String, i64)>, StoreError> {
        let sql = "select group_concat(format('s.\"%w\" is f.\"%w\"', name, name), ' and '), max(pk) \
                   from pragma_table_info($1)";
        let row: Option<(Option<String>, Option<i64>)> = match self {
            Self::Tx(tx) => tx.fetch_optional(sql, &args![table]).await?,
            Self::Db(db) => db.fetch_optional(sql, &args![table]).await?,
        };
        Ok(row.and_then(|(same, pk)| Some((same?, pk?))))
    }

    fn engine(&self) -> Engine {
        match self {
            Self::Tx(tx) => tx.engine(),
            Self::Db(db) => db.engine(),
        }
    }
}

/// How the fresh table `rebuilt` compares with the live table `live`.
async fn compare_table(mut on: Counts<'_, '_>, live: &str, rebuilt: &str) -> Result<TableComparison, StoreError> {
    let exists = match on.engine() {
        Engine::Sqlite => "select count(*) from sqlite_master where type = 'table' and name = $1",
        Engine::Postgres => "select count(*) from pg_tables where schemaname = current_schema() and tablename = $1",
    };
    let rebuilt_rows = on.count(&format!("select count(*) from {rebuilt}"), &[]).await?;
    if on.count(exists, &args![live]).await? == 0 {
        return Ok(TableComparison {
            table: live.to_owned(),
            live_rows: 0,
            rebuilt_rows,
            only_live: 0,
            only_rebuilt: rebuilt_rows,
        });
    }
    let live_rows = on.count(&format!("select count(*) from {live}"), &[]).await?;
    let sql = only_in_first(&mut on, live, rebuilt).await?;
    let only_live = on.count(&sql, &[]).await?;
    // projection tables have primary keys, so their rows are distinct: equal counts and every
    // live row rebuilt leave no rebuilt row that is not live, and the second count (as long as
    // the first) can be skipped
    let only_rebuilt = if live_rows == rebuilt_rows && only_live == 0 {
        0
    } else {
        let sql = only_in_first(&mut on, rebuilt, live).await?;
        on.count(&sql, &[]).await?
    };
    Ok(TableComparison { table: live.to_owned(), live_rows, rebuilt_rows, only_live, only_rebuilt })
}

/// A count of the rows of `first` that `second` lacks. On SQLite, when both tables have the same
/// columns and a primary key: each row of `first` looked up in `second` by every column (the
/// key's index finds it), a third of the time of `except`, which first sorts both tables into a
/// temporary b-tree.
async fn only_in_first(on: &mut Counts<'_, '_>, first: &str, second: &str) -> Result<String, StoreError> {
    let except = format!("select count(*) from (select * from {first} except select * from {second}) d");
    if on.engine() != Engine::Sqlite {
        return Ok(except);
    }
    let (mine, theirs) = (on.columns(first).await?, on.columns(second).await?);
    Ok(match mine {
        Some((same, pk)) if pk > 0 && theirs.as_ref().is_some_and(|t| t.0 == same) => {
            format!("select count(*) from {first} f where not exists (select 1 from {second} s where {same})")
        }
        _ => except,
    })
}

/// Every projector's fresh tables compared with their live ones, all tables side by side, each
/// on a connection of the pool. Only for a rebuild's last transaction that has written nothing
/// yet (no tail, no live catch-up) and holds the writer (SQLite) or excludes appends and
/// catch-up batches (PostgreSQL): then the live and fresh tables cannot change under the counts.
pub(crate) async fn compare_on_pool(
    db: &Db,
    projectors: &[&dyn Projector],
    fresh: &Tables,
) -> Result<Vec<Vec<TableComparison>>, StoreError> {
    let tables = projectors.iter().flat_map(|p| p.tables().iter().map(|spec| (p.name(), spec.name)));
    let compared = futures_util::future::join_all(tables.map(|(projector, table)| async move {
        Ok::<_, StoreError>((projector, compare_table(Counts::Db(db), table, &fresh.name(table)).await?))
    }))
    .await;
    let mut by_projector: Vec<Vec<TableComparison>> = projectors.iter().map(|_| Vec::new()).collect();
    for done in compared {
        let (projector, comparison) = done?;
        if let Some(i) = projectors.iter().position(|p| p.name() == projector) {
            by_projector[i].push(comparison);
        }
    }
    Ok(by_projector)
}

/// The last step of a rebuild, inside a transaction that excludes appends: compare the fresh
/// tables with the live ones (unless `compared` already did, `compare_on_pool`), then swap them
/// in and set the checkpoint. Inline projections keep no checkpoint: the append transaction keeps
/// them current.
pub(crate) async fn compare_and_swap(
    tx: &mut Tx<'_>,
    projector: &dyn Projector,
    fresh: &Tables,
    cp: Checkpoint,
    events_applied: u64,
    inline: bool,
    compared: Option<Vec<TableComparison>>,
) -> Result<RebuildReport, StoreError> {
    let comparisons = match compared {
        Some(comparisons) => comparisons,
        None => {
            let mut comparisons = Vec::new();
            for spec in projector.tables() {
                comparisons.push(compare_table(Counts::Tx(tx), spec.name, &fresh.name(spec.name)).await?);
            }
            comparisons
        }
    };
    for spec in projector.tables() {
        let (live, rebuilt) = (spec.name, fresh.name(spec.name));
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
