//! Outbox rows, written in the append's transaction so a message exists exactly when its events do.
use crate::args;
use crate::error::StoreError;
use crate::model::{OutboxMessage, format_time, now_micros};
use crate::sql::Tx;

/// Outbox messages, in the append's transaction (after the events).
pub(crate) async fn insert_outbox(tx: &mut Tx<'_>, messages: &[OutboxMessage]) -> Result<(), StoreError> {
    let now = format_time(&now_micros());
    for m in messages {
        tx.execute(
            "insert into outbox (id, channel, recipient, subject, body, created_at, due_at) \
             values ($1, $2, $3, $4, $5, $6, $6)",
            &args![
                m.id.as_str(),
                m.channel.as_str(),
                m.recipient.as_str(),
                m.subject.as_str(),
                m.body.as_str(),
                now.as_str()
            ],
        )
        .await?;
    }
    Ok(())
}
