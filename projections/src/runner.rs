//! Catch-up runners: one task per projector, woken by the store after each commit and by a
//! poll as a backstop (another instance's commits, a missed wake-up).
use std::sync::Arc;
use std::time::Duration;
use store::{Batch, EventStore, Projector};
use tokio::sync::watch;
use tokio::task::JoinHandle;

const BATCH: i64 = 1_000;
/// The backstop when no wake-up comes: another instance's commits, a missed notification.
pub const POLL: Duration = Duration::from_millis(500);
/// How soon to look again when committed events wait behind a running transaction.
const HELD_BACK: Duration = Duration::from_millis(20);
/// How long a runner woken by a commit lets further commits gather before it reads them: under
/// load, one transaction applies many commits instead of one each (on SQLite every batch takes
/// the one writer).
const GATHER: Duration = Duration::from_millis(20);
/// After a transient failure (load, a database away for a moment): retry this soon.
const TRANSIENT_RETRY: Duration = Duration::from_millis(250);

/// Background tasks that stop together: each watches `stop` and ends after the work in hand.
pub struct BackgroundTasks {
    pub(crate) stop: watch::Sender<bool>,
    pub(crate) tasks: Vec<JoinHandle<()>>,
}

/// The catch-up runners; `shutdown` stops them after the batch in flight, whose transaction
/// either commits or rolls back whole.
pub type ProjectionRunners = BackgroundTasks;

impl BackgroundTasks {
    /// Tell every task to stop, and wait until they have.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

pub fn spawn_runners(store: Arc<dyn EventStore>, projectors: Vec<Arc<dyn Projector>>) -> ProjectionRunners {
    spawn_runners_polling(store, projectors, POLL)
}

/// As `spawn_runners`, polling every `poll` when no commit wakes a runner.
pub fn spawn_runners_polling(
    store: Arc<dyn EventStore>,
    projectors: Vec<Arc<dyn Projector>>,
    poll: Duration,
) -> ProjectionRunners {
    let (stop, stopped) = watch::channel(false);
    let tasks = projectors.into_iter().map(|p| tokio::spawn(run(store.clone(), p, stopped.clone(), poll))).collect();
    BackgroundTasks { stop, tasks }
}

async fn run(
    store: Arc<dyn EventStore>,
    projector: Arc<dyn Projector>,
    mut stopped: watch::Receiver<bool>,
    poll: Duration,
) {
    let notify = store.notifier(projector.stream_types());
    let mut failures = 0u32;
    if let Err(e) = store.ensure_tables(projector.clone()).await {
        tracing::error!(projection = projector.name(), error = %e, "cannot create projection tables");
    }
    while !*stopped.borrow() {
        // register interest before looking, so a commit between the look and the wait wakes us
        let woken = notify.notified();
        let wait = match store.project_batch(projector.as_ref(), BATCH).await {
            // a full page: more are waiting
            Ok(Batch::Applied(n, _)) if n as i64 >= BATCH => {
                failures = 0;
                continue;
            }
            // caught up: the next commit wakes the runner (registered before this batch read)
            Ok(Batch::Applied(..)) => {
                failures = 0;
                poll
            }
            // events committed before this batch wait behind a running transaction: their
            // wake-ups are spent, so look again soon
            Ok(Batch::AppliedHeldBack(..)) => {
                failures = 0;
                HELD_BACK.min(poll)
            }
            Ok(Batch::HeldBack) => HELD_BACK.min(poll),
            Ok(Batch::Idle | Batch::Leased) => poll,
            // load or a database away for a moment, not a broken projection: retry soon, and let
            // commits wake the runner meanwhile
            Err(e) if e.is_transient() || e.is_unavailable() => {
                tracing::warn!(projection = projector.name(), error = %e, "projection batch will be retried");
                TRANSIENT_RETRY.min(poll)
            }
            Err(e) => {
                failures = failures.saturating_add(1);
                tracing::error!(projection = projector.name(), error = %e, failures, "projection batch failed");
                poll * failures.min(20)
            }
        };
        // after a failure only the backoff (not every commit) wakes the runner
        let woken = async { if failures == 0 { woken.await } else { std::future::pending().await } };
        tokio::select! {
            _ = async { woken.await; tokio::time::sleep(GATHER).await } => {}
            _ = tokio::time::sleep(wait) => {}
            // `Err`: the handle was dropped without `shutdown`; stop rather than spin
            changed = stopped.changed() => if changed.is_err() { break },
        }
    }
}
