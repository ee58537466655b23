//! The end of a rebuild: bring the live tables to the head, compare the fresh tables with them,
//! and swap the fresh ones in.
use super::projection::{apply_events, create_indexes, table_exists, write_checkpoint};
use super::read::read_recorded_after_in_tx;
use crate::args;
use crate::error::StoreError;
use crate::model::Checkpoint;
use crate::projector::{Projector, Tables};
use crate::sql::Tx;
use crate::upcast::Upcasters;

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
        match apply_events(tx, projector, &Tables::live(), &events).await? {
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
