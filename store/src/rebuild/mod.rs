//! Rebuilding read models: one pass over the log for any number of projectors.
//!
//! Each page of the log is read once (on a read connection, while the page before it is being
//! written), decoded and decrypted once, and handed to every projector's lane; the lanes write
//! side by side, each on a connection of its own (`lanes.rs`). On SQLite a lane writes into the
//! fresh tables of a scratch file of its own, in one transaction, and they are copied into the
//! store's database a table at a time at the end (`scratch.rs`); on PostgreSQL (and an
//! in-memory SQLite database) each page goes straight into the fresh tables in a write
//! transaction of its own. Either way appends keep flowing meanwhile; the tail and the swap then
//! run in one transaction that no append can slip into, where every projector's fresh tables are
//! compared with its live ones and swapped in.
mod lanes;
mod scratch;

use crate::EventStore as _;
use crate::log;
use crate::model::{Checkpoint, RecordedEvent};
use crate::projector::{Projector, Tables};
use crate::sql_store::SqlStore;
use crate::{RebuildReport, StoreError};
use lanes::{Lane, Running};
use std::sync::Arc;

/// Events per page while a rebuild replays the log. A few pages are in memory at a time (one
/// read ahead, one waiting for each lane, the ones being written; shared by the lanes), so
/// memory does not grow with the log.
pub(crate) const REBUILD_PAGE: i64 = 10_000;

/// Pages of the log from position 0, read, decoded and decrypted by a task of their own (on
/// another core, on a multi-threaded runtime) while the pages before them are written; at most
/// one page waits. The task stops after the last page, or when the receiver is dropped.
fn read_ahead(store: &SqlStore) -> tokio::sync::mpsc::Receiver<Result<Vec<RecordedEvent>, StoreError>> {
    let (send, pages) = tokio::sync::mpsc::channel(1);
    let (db, upcasters) = (store.db().clone(), store.upcasters_arc());
    tokio::spawn(async move {
        let mut cp = Checkpoint::default();
        loop {
            let page = log::read_recorded_after_in_db(&db, cp, REBUILD_PAGE, &upcasters).await;
            let next = page.as_ref().ok().and_then(|p| p.last().map(RecordedEvent::checkpoint));
            if send.send(page).await.is_err() {
                return;
            }
            match next {
                Some(last) => cp = last,
                None => return,
            }
        }
    });
    pages
}

/// The pass over the log: each page to every projector's lane. The lanes run side by side, each
/// on a task of its own and at its own pace, so no lane waits for another at the end of every
/// page. Returns the checkpoint reached and the events applied; `progress` hears how far the
/// slowest lane is.
async fn replay(
    store: &SqlStore,
    projectors: &[Arc<dyn Projector>],
    fresh: &Tables,
    progress: &(dyn Fn(u64) + Send + Sync),
) -> Result<(Checkpoint, u64), StoreError> {
    let lanes = Running::start(store, projectors, fresh).await?;
    let (mut cp, mut applied) = (Checkpoint::default(), 0u64);
    let mut pages = read_ahead(store);
    let handed = async {
        while let Some(page) = pages.recv().await {
            let page = Arc::new(page?);
            let Some(last) = page.last().map(RecordedEvent::checkpoint) else { break };
            lanes.hand_out(page.clone()).await?;
            (applied, cp) = (applied + page.len() as u64, last);
            progress(lanes.slowest());
        }
        Ok::<(), StoreError>(())
    }
    .await;
    // a lane that failed says why before the pass does (it stopped taking pages)
    let lanes = lanes.join().await?;
    handed?;
    let copying = std::time::Instant::now();
    Lane::finish_all(lanes, store, fresh).await?;
    tracing::info!(
        finished_s = copying.elapsed().as_secs_f64(),
        "rebuild: lanes closed (SQLite: scratch files copied in)"
    );
    Ok((cp, applied))
}

pub(crate) async fn rebuild_all(
    store: &SqlStore,
    projectors: &[Arc<dyn Projector>],
    progress: &(dyn Fn(u64) + Send + Sync),
) -> Result<Vec<RebuildReport>, StoreError> {
    let fresh = Tables::with_suffix(crate::rebuild_suffix());
    let rebuilt = rebuild_into(store, projectors, &fresh, progress).await;
    if rebuilt.is_err() {
        // a failed rebuild leaves the live tables as they were and no fresh table behind
        let dropped = store
            .write(async |tx| {
                for projector in projectors {
                    for spec in projector.tables().iter().rev() {
                        tx.execute(&format!("drop table if exists {}", fresh.name(spec.name)), &[]).await?;
                    }
                }
                Ok(())
            })
            .await;
        if let Err(e) = dropped {
            tracing::warn!(error = %e, "the fresh tables of a failed rebuild could not be dropped");
        }
    }
    rebuilt
}

async fn rebuild_into(
    store: &SqlStore,
    projectors: &[Arc<dyn Projector>],
    fresh: &Tables,
    progress: &(dyn Fn(u64) + Send + Sync),
) -> Result<Vec<RebuildReport>, StoreError> {
    let upcasters = store.upcasters();
    store
        .write(async |tx| {
            for projector in projectors {
                log::create_tables(tx, projector.as_ref(), fresh).await?;
            }
            Ok(())
        })
        .await?;
    let started = std::time::Instant::now();
    let (mut cp, mut applied) = replay(store, projectors, fresh, progress).await?;
    let borrowed: Vec<&dyn Projector> = projectors.iter().map(AsRef::as_ref).collect();
    let projectors = borrowed.as_slice();
    let replayed = started.elapsed();
    // the tail and the swap in one transaction that no append can slip into
    let reports = store
        .write(async |tx| {
            for projector in projectors {
                log::exclude_appends(tx, projector.name()).await?;
            }
            let mut wrote = false;
            loop {
                let events = log::read_recorded_after_in_tx(tx, cp, REBUILD_PAGE, false, upcasters).await?;
                if events.is_empty() {
                    break;
                }
                applied += events.len() as u64;
                for projector in projectors {
                    log::apply_events(tx, *projector, fresh, &events).await?;
                }
                cp = events.last().map_or(cp, RecordedEvent::checkpoint);
                wrote = true;
            }
            for projector in projectors.iter().filter(|p| !store.is_inline(**p)) {
                wrote |= log::catch_up_live(tx, *projector, upcasters, REBUILD_PAGE).await?;
            }
            // nothing written here yet, and no one else may write: the pool's connections see
            // these tables as this transaction does, and compare them side by side
            let mut compared = match wrote {
                false => log::compare_on_pool(store.db(), projectors, fresh).await?.into_iter().map(Some).collect(),
                true => vec![None; projectors.len()],
            };
            let mut reports = Vec::with_capacity(projectors.len());
            for (projector, compared) in projectors.iter().zip(compared.drain(..)) {
                let inline = store.is_inline(*projector);
                reports.push(log::compare_and_swap(tx, *projector, fresh, cp, applied, inline, compared).await?);
            }
            Ok(reports)
        })
        .await?;
    let (replayed, swapped) = (replayed.as_secs_f64(), (started.elapsed() - replayed).as_secs_f64());
    tracing::info!(
        events = applied,
        replayed_s = replayed,
        swapped_s = swapped,
        "rebuild: log replayed, compared and swapped"
    );
    progress(applied);
    Ok(reports)
}
