//! The outbox dispatcher: messages committed with their events (one-time codes) are handed to
//! the sender of their channel. It wakes on every commit that adds messages (and every second),
//! leases the due ones, sends them, and retries failures with backoff; a sent message's body is
//! wiped. Several instances may run it: the lease keeps them off each other's messages.
use crate::ports::Senders;
use std::sync::Arc;
use std::time::Duration;
use store::EventStore;

/// Seconds before retry number `attempts + 1`: 2, 4, 8 … capped at an hour.
fn backoff(attempts: i32) -> i64 {
    2i64.saturating_pow(u32::try_from(attempts + 1).unwrap_or(1).min(12)).min(3600)
}

/// Send what is due; returns how many went out.
pub async fn dispatch_once(store: &dyn EventStore, senders: &Senders) -> Result<usize, store::StoreError> {
    let due = store.due_outbox(50).await?;
    let mut sent = 0;
    for message in due {
        match senders.for_channel(&message.channel).send(&message).await {
            Ok(()) => {
                store.outbox_sent(&message.id).await?;
                sent += 1;
            }
            Err(error) => {
                tracing::warn!(id = %message.id, channel = %message.channel, %error, "message not sent; will retry");
                let retry_at = store::now_micros() + chrono::Duration::seconds(backoff(message.attempts));
                store.outbox_failed(&message.id, &error.0, retry_at).await?;
            }
        }
    }
    Ok(sent)
}

/// Run the dispatcher until the task is aborted.
pub fn spawn_dispatcher(store: Arc<dyn EventStore>, senders: Senders) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let notify = store.outbox_notifier();
        loop {
            let woken = notify.notified();
            if let Err(e) = dispatch_once(store.as_ref(), &senders).await {
                tracing::warn!(error = %e, "outbox dispatch failed");
            }
            let _ = tokio::time::timeout(Duration::from_secs(1), woken).await;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_stops_at_an_hour() {
        assert_eq!((backoff(0), backoff(1), backoff(2)), (2, 4, 8));
        assert_eq!(backoff(30), 3600);
        assert_eq!(backoff(-5), 2);
    }
}
