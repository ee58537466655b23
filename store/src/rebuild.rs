//! Rebuilding read models: one pass over the log for any number of projectors.
//!
//! Each page of the log is read once (on a read connection, while the page before it is being
//! written), decoded and decrypted once, and handed to every projector. On SQLite the pages go
//! into the fresh tables of a scratch file of the rebuild's own, in one transaction on its own
//! connection, and are then copied into the store's database a table at a time (`scratch.rs`);
//! on PostgreSQL (and an in-memory SQLite database) each page goes straight into the fresh tables
//! in a write transaction of its own. Either way appends keep flowing meanwhile; the tail and the
//! swap then run in one transaction that no append can slip into, where every projector's fresh
//! tables are compared with its live ones and swapped in.
use crate::EventStore as _;
use crate::log;
use crate::model::{Checkpoint, RecordedEvent};
use crate::projector::{Projector, Tables};
use crate::scratch::ScratchFile;
use crate::sql_store::SqlStore;
use crate::{RebuildReport, StoreError};

/// Events per page (and per write transaction) while a rebuild replays the log. Two pages are
/// in memory at a time (one read ahead), so memory does not grow with the log.
pub(crate) const REBUILD_PAGE: i64 = 10_000;

/// Apply a page to every projector's fresh tables.
async fn apply_all(
    tx: &mut crate::Tx<'_>,
    projectors: &[&dyn Projector],
    fresh: &Tables,
    page: &[RecordedEvent],
) -> Result<Option<Checkpoint>, StoreError> {
    let mut last = None;
    for projector in projectors {
        last = log::apply_events(tx, *projector, fresh, page).await?;
    }
    Ok(last)
}

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

/// The pass over the log into the store's fresh tables, a write transaction per page (most of
/// the log: appends keep flowing between pages). Returns the checkpoint reached and the events
/// applied.
async fn replay(
    store: &SqlStore,
    projectors: &[&dyn Projector],
    fresh: &Tables,
    progress: &(dyn Fn(u64) + Send + Sync),
) -> Result<(Checkpoint, u64), StoreError> {
    let (mut cp, mut applied) = (Checkpoint::default(), 0u64);
    let mut pages = read_ahead(store);
    while let Some(page) = pages.recv().await {
        let page = page?;
        let Some(last) = page.last().map(RecordedEvent::checkpoint) else { break };
        store.write_for_rebuild(async |tx| apply_all(tx, projectors, fresh, &page).await).await?;
        applied += page.len() as u64;
        progress(applied);
        cp = last;
    }
    Ok((cp, applied))
}

/// `replay`, into a SQLite scratch file's fresh tables, in one transaction on its own
/// connection; the store's writer is not taken.
async fn replay_into_scratch(
    store: &SqlStore,
    scratch: &ScratchFile,
    projectors: &[&dyn Projector],
    fresh: &Tables,
    progress: &(dyn Fn(u64) + Send + Sync),
) -> Result<(Checkpoint, u64), StoreError> {
    use sqlx::Connection as _;
    let (mut cp, mut applied) = (Checkpoint::default(), 0u64);
    let mut conn = scratch.open(projectors, fresh).await?;
    let mut pass = conn.begin().await?;
    let mut pages = read_ahead(store);
    while let Some(page) = pages.recv().await {
        let page = page?;
        let Some(last) = page.last().map(RecordedEvent::checkpoint) else { break };
        apply_all(&mut crate::Tx::Sqlite(&mut pass), projectors, fresh, &page).await?;
        applied += page.len() as u64;
        progress(applied);
        cp = last;
    }
    pass.commit().await?;
    // the exclusive lock goes with the connection: the writer attaches the file next
    conn.close().await?;
    Ok((cp, applied))
}

pub(crate) async fn rebuild_all(
    store: &SqlStore,
    projectors: &[&dyn Projector],
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
    projectors: &[&dyn Projector],
    fresh: &Tables,
    progress: &(dyn Fn(u64) + Send + Sync),
) -> Result<Vec<RebuildReport>, StoreError> {
    let upcasters = store.upcasters();
    store
        .write(async |tx| {
            for projector in projectors {
                log::create_tables(tx, *projector, fresh).await?;
            }
            Ok(())
        })
        .await?;
    let (mut cp, mut applied) = match ScratchFile::beside(store.db(), fresh) {
        Some(scratch) => {
            let reached = replay_into_scratch(store, &scratch, projectors, fresh, progress).await?;
            scratch.copy_into(store, projectors, fresh).await?;
            reached
        }
        None => replay(store, projectors, fresh, progress).await?,
    };
    // the tail and the swap in one transaction that no append can slip into
    let reports = store
        .write(async |tx| {
            for projector in projectors {
                log::exclude_appends(tx, projector.name()).await?;
            }
            loop {
                let events = log::read_recorded_after_in_tx(tx, cp, REBUILD_PAGE, false, upcasters).await?;
                if events.is_empty() {
                    break;
                }
                applied += events.len() as u64;
                if let Some(last) = apply_all(tx, projectors, fresh, &events).await? {
                    cp = last;
                }
            }
            let mut reports = Vec::with_capacity(projectors.len());
            for projector in projectors {
                let inline = store.is_inline(*projector);
                if !inline {
                    log::catch_up_live(tx, *projector, upcasters, REBUILD_PAGE).await?;
                }
                reports.push(log::compare_and_swap(tx, *projector, fresh, cp, applied, inline).await?);
            }
            Ok(reports)
        })
        .await?;
    progress(applied);
    Ok(reports)
}
