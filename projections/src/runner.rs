//! Catch-up runners: one task per projector, woken by the store after each commit and by a
//! poll as a backstop (another instance's commits, a missed wake-up).
use std::sync::Arc;
use std::time::Duration;
use store::{Batch, EventStore, Projector};
use tokio::sync::watch;
use tokio::task::JoinHandle;

const BATCH: i64 = 1_000;
const POLL: Duration = Duration::from_millis(500);

pub struct ProjectionRunners {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl ProjectionRunners {
    /// Stop after the batch in flight; its transaction either commits or rolls back whole.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

pub fn spawn_runners(store: Arc<dyn EventStore>, projectors: Vec<Arc<dyn Projector>>) -> ProjectionRunners {
    let (stop, stopped) = watch::channel(false);
    let tasks = projectors.into_iter().map(|p| tokio::spawn(run(store.clone(), p, stopped.clone()))).collect();
    ProjectionRunners { stop, tasks }
}

async fn run(store: Arc<dyn EventStore>, projector: Arc<dyn Projector>, mut stopped: watch::Receiver<bool>) {
    let notify = store.notifier();
    let mut failures = 0u32;
    if let Err(e) = store.ensure_tables(projector.as_ref()).await {
        tracing::error!(projection = projector.name(), error = %e, "cannot create projection tables");
    }
    while !*stopped.borrow() {
        // register interest before looking, so a commit between the look and the wait wakes us
        let woken = notify.notified();
        let wait = match store.project_batch(projector.as_ref(), BATCH).await {
            Ok(Batch::Applied(..)) => {
                failures = 0;
                continue;
            }
            Ok(Batch::Idle | Batch::Leased) => POLL,
            Err(e) => {
                failures = failures.saturating_add(1);
                tracing::error!(projection = projector.name(), error = %e, failures, "projection batch failed");
                POLL * failures.min(20)
            }
        };
        tokio::select! {
            _ = woken => {}
            _ = tokio::time::sleep(wait) => {}
            _ = stopped.changed() => {}
        }
    }
}
