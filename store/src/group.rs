//! Group commit. Appends are handed to one group writer per store, which takes all the appends
//! that are waiting (up to `MAX_GROUP`) and writes them in one transaction, in the order they
//! came. On SQLite every statement is a hand-off to sqlx's worker thread and back, and one
//! connection writes: an append alone paid `BEGIN IMMEDIATE` and `COMMIT` besides its own
//! statements. On PostgreSQL each statement is a round trip and each commit a flush. One writer,
//! not several: groups written in parallel took their rows' locks in different orders and
//! deadlocked one another (PostgreSQL waits a second before it breaks a deadlock), where single
//! appends never did.
//!
//! An append of a group that fails (a stale version, a taken claim) rolls back the whole group;
//! each of its appends is then written alone, so every caller gets exactly the answer it would
//! have had alone, and a failed append still appends nothing. An append whose caller gave up
//! waiting (a request past its deadline) is still written: it was handed over whole.
use crate::error::StoreError;
use crate::log;
use crate::model::{AppendRequest, Appended, OutboxMessage};
use crate::projector::Projector;
use crate::sql::Tx;
use crate::sql_store::Writer;
use crate::vault::Vault;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// Appends written in one transaction at most.
const MAX_GROUP: usize = 64;

/// One append handed to the group writer, and where its answer goes.
pub(crate) struct Job {
    pub request: AppendRequest,
    pub outbox: Vec<OutboxMessage>,
    /// The hash of the stream's last event, when the store remembers it.
    pub previous: Option<String>,
    /// Needs no transaction of its own: events alone, written as one insert.
    pub solo: bool,
    pub done: oneshot::Sender<Result<(Appended, String), StoreError>>,
}

/// Starts the group writer; it ends when the returned sender (the store) is dropped.
pub(crate) fn spawn(
    writer: Arc<Writer>,
    inline: Vec<Arc<dyn Projector>>,
    vault: Option<Arc<Vault>>,
) -> mpsc::UnboundedSender<Job> {
    let (jobs, queue) = mpsc::unbounded_channel();
    tokio::spawn(run(writer, inline, vault, queue));
    jobs
}

async fn run(
    writer: Arc<Writer>,
    inline: Vec<Arc<dyn Projector>>,
    vault: Option<Arc<Vault>>,
    mut queue: mpsc::UnboundedReceiver<Job>,
) {
    let vault = vault.as_deref();
    while let Some(group) = next_group(&mut queue).await {
        if group.len() > 1 {
            match together(&writer, &group, &inline, vault).await {
                Ok(answers) => {
                    for (job, answer) in group.into_iter().zip(answers) {
                        let _ = job.done.send(Ok(answer));
                    }
                    continue;
                }
                Err(e) => tracing::debug!(error = %e, size = group.len(), "a group failed; writing its appends alone"),
            }
        }
        for job in group {
            let answer = alone(&writer, &job, &inline, vault).await;
            let _ = job.done.send(answer);
        }
    }
}

/// The appends waiting now, at least one; `None` once the store is gone.
async fn next_group(queue: &mut mpsc::UnboundedReceiver<Job>) -> Option<Vec<Job>> {
    let mut group = vec![queue.recv().await?];
    while group.len() < MAX_GROUP {
        match queue.try_recv() {
            Ok(job) => group.push(job),
            Err(_) => break,
        }
    }
    Some(group)
}

async fn together(
    writer: &Writer,
    group: &[Job],
    inline: &[Arc<dyn Projector>],
    vault: Option<&Vault>,
) -> Result<Vec<(Appended, String)>, StoreError> {
    writer
        .write(async |tx| {
            let mut answers = Vec::with_capacity(group.len());
            for job in group {
                answers.push(log::append_in_tx(tx, &job.request, job.previous.clone(), inline, vault).await?);
                log::insert_outbox(tx, &job.outbox).await?;
            }
            Ok(answers)
        })
        .await
}

async fn alone(
    writer: &Writer,
    job: &Job,
    inline: &[Arc<dyn Projector>],
    vault: Option<&Vault>,
) -> Result<(Appended, String), StoreError> {
    let append = async |tx: &mut Tx<'_>| {
        let answer = log::append_in_tx(tx, &job.request, job.previous.clone(), inline, vault).await?;
        log::insert_outbox(tx, &job.outbox).await?;
        Ok(answer)
    };
    if job.solo { writer.write_solo(append).await } else { writer.write(append).await }
}
