//! Rebuilding read models: one pass over the log for any number of projectors.
//!
//! Each page of the log is read once (on a read connection, while the page before it is being
//! written), decoded and decrypted once, and handed to every projector, all in one write
//! transaction into their fresh tables. Most of the log goes in short transactions, so appends
//! keep flowing meanwhile; the tail and the swap then run in one transaction that no append can
//! slip into, where every projector's fresh tables are compared with its live ones and swapped in.
use crate::EventStore as _;
use crate::log;
use crate::model::{Checkpoint, RecordedEvent};
use crate::projector::{Projector, Tables};
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

pub(crate) async fn rebuild_all(
    store: &SqlStore,
    projectors: &[&dyn Projector],
    progress: &(dyn Fn(u64) + Send + Sync),
) -> Result<Vec<RebuildReport>, StoreError> {
    let fresh = Tables::with_suffix(crate::rebuild_suffix());
    let upcasters = store.upcasters();
    store
        .write(async |tx| {
            for projector in projectors {
                log::create_tables(tx, *projector, &fresh).await?;
            }
            Ok(())
        })
        .await?;
    let mut cp = Checkpoint::default();
    let mut applied = 0u64;
    let mut pages = read_ahead(store);
    while let Some(page) = pages.recv().await {
        let page = page?;
        let Some(last) = page.last().map(RecordedEvent::checkpoint) else { break };
        store.write_for_rebuild(async |tx| apply_all(tx, projectors, &fresh, &page).await).await?;
        applied += page.len() as u64;
        progress(applied);
        cp = last;
    }
    drop(pages);
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
                if let Some(last) = apply_all(tx, projectors, &fresh, &events).await? {
                    cp = last;
                }
            }
            let mut reports = Vec::with_capacity(projectors.len());
            for projector in projectors {
                let inline = store.is_inline(*projector);
                if !inline {
                    log::catch_up_live(tx, *projector, upcasters, REBUILD_PAGE).await?;
                }
                reports.push(log::compare_and_swap(tx, *projector, &fresh, cp, applied, inline).await?);
            }
            Ok(reports)
        })
        .await?;
    progress(applied);
    Ok(reports)
}
