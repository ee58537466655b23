//! A rebuild's lanes: one per projector, each a task of its own writing on a connection of its
//! own, so the projectors of a page are written side by side: on a multi-threaded runtime one
//! lane's Rust work (decoding the page, building its rows) runs on one core while another's runs
//! on the next, or while the lanes' databases work on their statements; on PostgreSQL each
//! lane's statements run in a server process of their own.
use super::scratch::ScratchFile;
use crate::log;
use crate::model::RecordedEvent;
use crate::projector::{Projector, Tables};
use crate::sql::{Engine, Tx};
use crate::sql_store::{SqlStore, Writer};
use crate::{EventStore as _, StoreError};
use sqlx::SqliteConnection;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The page cache of all lanes' scratch files together, in KiB (each lane gets its share).
const SCRATCH_CACHE_KIB: u32 = 128 * 1024;

/// The least page cache of one lane's scratch file, in KiB.
const LANE_CACHE_KIB: u32 = 8 * 1024;

/// Pages a lane may hold beyond the one it is writing.
const LANE_PAGES: usize = 1;

pub(super) struct Lane {
    projector: Arc<dyn Projector>,
    target: Target,
}

enum Target {
    /// SQLite: a scratch file of the lane's own; one transaction for the whole replay.
    Scratch { conn: SqliteConnection, file: ScratchFile },
    /// PostgreSQL, or an in-memory SQLite database: the store's fresh tables, a write
    /// transaction per page.
    Store(Arc<Writer>),
}

/// The lanes at work: each takes pages from its channel and counts the events it has written.
pub(super) struct Running {
    pages: Vec<tokio::sync::mpsc::Sender<Arc<Vec<RecordedEvent>>>>,
    written: Arc<[AtomicU64]>,
    /// Dropping it (a rebuild given up) stops every lane; a lane's scratch file goes with it.
    tasks: tokio::task::JoinSet<(usize, Result<Lane, StoreError>)>,
}

impl Lane {
    /// Writes each page it is handed until the channel closes; returns itself for `finish_all`.
    async fn run(
        mut self,
        fresh: &Tables,
        mut pages: tokio::sync::mpsc::Receiver<Arc<Vec<RecordedEvent>>>,
        written: &AtomicU64,
    ) -> Result<Self, StoreError> {
        while let Some(page) = pages.recv().await {
            self.apply(fresh, &page).await?;
            written.fetch_add(page.len() as u64, Ordering::Relaxed);
        }
        Ok(self)
    }

    async fn apply(&mut self, fresh: &Tables, page: &[RecordedEvent]) -> Result<(), StoreError> {
        let projector = self.projector.as_ref();
        match &mut self.target {
            Target::Scratch { conn, .. } => {
                log::apply_events(&mut Tx::Sqlite(conn), projector, fresh, page).await?;
            }
            Target::Store(writer) => {
                writer
                    .write(async |tx| {
                        if tx.engine() == Engine::Postgres {
                            // the swap's transaction is durable; a page's need not be, since a
                            // crash before the swap loses the rebuild (and its fresh tables) anyway
                            tx.execute("set local synchronous_commit = off", &[]).await?;
                        }
                        log::apply_events(tx, projector, fresh, page).await
                    })
                    .await?;
            }
        }
        Ok(())
    }

    /// The end of every lane's replay: each scratch file's transaction is committed and its
    /// connection closed (with it the exclusive lock), side by side; then the files' tables are
    /// copied into the store's fresh tables one file at a time (the writer attaches one at a
    /// time). Each file is removed as its lane's copy ends, or when a failure drops it.
    pub(super) async fn finish_all(lanes: Vec<Self>, store: &SqlStore, fresh: &Tables) -> Result<(), StoreError> {
        let closed = futures_util::future::join_all(lanes.into_iter().map(Self::close)).await;
        let closed = closed.into_iter().collect::<Result<Vec<_>, _>>()?;
        for (projector, file) in closed.into_iter().flatten() {
            file.copy_into(store, projector.as_ref(), fresh).await?;
        }
        Ok(())
    }

    async fn close(self) -> Result<Option<(Arc<dyn Projector>, ScratchFile)>, StoreError> {
        match self.target {
            Target::Scratch { mut conn, file } => {
                Tx::Sqlite(&mut conn).execute("commit", &[]).await?;
                sqlx::Connection::close(conn).await?;
                Ok(Some((self.projector, file)))
            }
            Target::Store(_) => Ok(None),
        }
    }
}

impl Running {
    /// A lane for each projector, their fresh tables created, each started on a task of its own.
    pub(super) async fn start(
        store: &SqlStore,
        projectors: &[Arc<dyn Projector>],
        fresh: &Tables,
    ) -> Result<Self, StoreError> {
        let lanes = u32::try_from(projectors.len()).unwrap_or(u32::MAX).max(1);
        let cache_kib = (SCRATCH_CACHE_KIB / lanes).max(LANE_CACHE_KIB);
        let written: Arc<[AtomicU64]> = projectors.iter().map(|_| AtomicU64::new(0)).collect();
        let mut running = Self { pages: Vec::new(), written: written.clone(), tasks: tokio::task::JoinSet::new() };
        for (i, projector) in projectors.iter().enumerate() {
            let target = match ScratchFile::beside(store.db(), fresh, projector.as_ref()) {
                Some(file) => Target::Scratch { conn: file.open(projector.as_ref(), fresh, cache_kib).await?, file },
                None => Target::Store(store.writer_for_rebuild()),
            };
            let lane = Lane { projector: projector.clone(), target };
            let (send, pages) = tokio::sync::mpsc::channel(LANE_PAGES);
            running.pages.push(send);
            let (fresh, written) = (fresh.clone(), written.clone());
            running.tasks.spawn(async move { (i, lane.run(&fresh, pages, &written[i]).await) });
        }
        Ok(running)
    }

    /// Hands a page to every lane, each as soon as it has room (a lane may be up to
    /// `LANE_PAGES` pages ahead of the slowest). Fails only when a lane stopped, having failed.
    pub(super) async fn hand_out(&self, page: Arc<Vec<RecordedEvent>>) -> Result<(), StoreError> {
        for lane in &self.pages {
            if lane.send(page.clone()).await.is_err() {
                return Err(StoreError::Corrupt("a rebuild lane stopped".into()));
            }
        }
        Ok(())
    }

    /// Events the slowest lane has written.
    pub(super) fn slowest(&self) -> u64 {
        self.written.iter().map(|n| n.load(Ordering::Relaxed)).min().unwrap_or(0)
    }

    /// Closes the lanes' channels and waits for each to write what it holds; the lanes in their
    /// projectors' order, or the first failure (a lane's own before the reason it stopped).
    pub(super) async fn join(mut self) -> Result<Vec<Lane>, StoreError> {
        self.pages.clear();
        let mut lanes: Vec<Option<Lane>> = (0..self.written.len()).map(|_| None).collect();
        let mut failed = None;
        while let Some(joined) = self.tasks.join_next().await {
            match joined {
                Ok((i, Ok(lane))) => lanes[i] = Some(lane),
                Ok((_, Err(e))) => failed = failed.or(Some(e)),
                Err(e) => failed = failed.or(Some(StoreError::Corrupt(format!("a rebuild lane ended: {e}")))),
            }
        }
        match failed {
            Some(e) => Err(e),
            None => Ok(lanes.into_iter().flatten().collect()),
        }
    }
}
