//! Group commit on SQLite. Every statement there is a hand-off to sqlx's worker thread and back,
//! and one connection writes; an append alone pays `BEGIN IMMEDIATE` and `COMMIT` besides its
//! own statements. Appends are therefore queued to one task, which takes all that are waiting
//! (up to `MAX_GROUP`) and writes them in one transaction, in the order they came.
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
use sqlx::{Connection, SqliteConnection};
use std::sync::Arc;
use tokio::sync::{Mutex, mpsc, oneshot};

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

/// Starts the group writer on `conn`; it ends when the returned sender (the store) is dropped.
pub(crate) fn spawn(conn: Arc<Mutex<SqliteConnection>>, inline: Vec<Arc<dyn Projector>>) -> mpsc::UnboundedSender<Job> {
    let (jobs, queue) = mpsc::unbounded_channel();
    tokio::spawn(run(conn, inline, queue));
    jobs
}

async fn run(
    conn: Arc<Mutex<SqliteConnection>>,
    inline: Vec<Arc<dyn Projector>>,
    mut queue: mpsc::UnboundedReceiver<Job>,
) {
    while let Some(first) = queue.recv().await {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match queue.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        let mut conn = conn.lock().await;
        if group.len() > 1 {
            match together(&mut conn, &group, &inline).await {
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
            let answer = alone(&mut conn, &job, &inline).await;
            let _ = job.done.send(answer);
        }
    }
}

async fn together(
    conn: &mut SqliteConnection,
    group: &[Job],
    inline: &[Arc<dyn Projector>],
) -> Result<Vec<(Appended, String)>, StoreError> {
    let mut transaction = conn.begin_with("BEGIN IMMEDIATE").await?;
    let mut answers = Vec::with_capacity(group.len());
    for job in group {
        let mut tx = Tx::Sqlite(&mut transaction);
        answers.push(log::append_in_tx(&mut tx, &job.request, job.previous.clone(), inline).await?);
        log::insert_outbox(&mut tx, &job.outbox).await?;
    }
    transaction.commit().await?;
    Ok(answers)
}

async fn alone(
    conn: &mut SqliteConnection,
    job: &Job,
    inline: &[Arc<dyn Projector>],
) -> Result<(Appended, String), StoreError> {
    if job.solo {
        return log::append_in_tx(&mut Tx::Sqlite(conn), &job.request, job.previous.clone(), inline).await;
    }
    let mut transaction = conn.begin_with("BEGIN IMMEDIATE").await?;
    let answer = {
        let mut tx = Tx::Sqlite(&mut transaction);
        let answer = log::append_in_tx(&mut tx, &job.request, job.previous.clone(), inline).await?;
        log::insert_outbox(&mut tx, &job.outbox).await?;
        answer
    };
    transaction.commit().await?;
    Ok(answer)
}
