//! The deletion completer: every `USERS_API_DELETION_CHECK_SECS` it erases the accounts whose
//! deletion was asked for and whose holds have cleared (a subscription ended, a charge paid).
use crate::state::AppState;
use commands::Metadata;
use std::time::Duration;

/// Requests looked at per round.
const PER_ROUND: i64 = 100;

pub fn spawn_completer(state: AppState, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            if let Err(e) = complete_round(&state).await {
                tracing::warn!(error = %e, "deletion completer");
            }
        }
    })
}

/// One round: the pending requests, oldest first; the number of accounts erased.
pub async fn complete_round(state: &AppState) -> anyhow::Result<usize> {
    let pending = state.reads.pending_deletions(PER_ROUND).await?;
    if pending.is_empty() {
        return Ok(0);
    }
    let metadata = Metadata { actor: Some("system:deletion-completer".into()), ..Metadata::default() };
    let erased = state.erasure.complete(&pending, state.clock.now(), &metadata).await?;
    if erased > 0 {
        tracing::info!(erased, "deletion requests completed");
    }
    Ok(erased)
}
