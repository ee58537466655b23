//! The message-sender port: how a one-time code (or any outbox message) reaches a person, by
//! email or SMS. The transactional outbox hands each committed message to the sender of its
//! channel; a failed send is retried later, so a sender need not retry itself.
use std::sync::Arc;

pub use store::OutboxRow as OutgoingMessage;

/// The message was not delivered; it will be tried again.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SendError(pub String);

#[async_trait::async_trait]
pub trait MessageSender: Send + Sync {
    /// Deliver one message: Ok once the transport (SMTP server, SMS gateway, file) accepted it.
    async fn send(&self, message: &OutgoingMessage) -> Result<(), SendError>;
    /// Forget what was sent to `recipient` (an erased person), where the transport keeps it:
    /// the outbox file does; a mail server or SMS gateway cannot be asked to.
    async fn forget(&self, _recipient: &str) -> Result<(), SendError> {
        Ok(())
    }
}

/// The sender of each channel.
#[derive(Clone)]
pub struct Senders {
    pub email: Arc<dyn MessageSender>,
    pub sms: Arc<dyn MessageSender>,
}

impl Senders {
    /// The sender of `channel` (`sms`; anything else is email).
    pub fn for_channel(&self, channel: &str) -> &Arc<dyn MessageSender> {
        if channel == "sms" { &self.sms } else { &self.email }
    }
}
