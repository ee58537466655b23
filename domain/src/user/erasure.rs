//! Deleting an account: the holder asks (`DeletionRequested`), and the account is erased once
//! no hold is left (`UserErased`). The holds come from the aggregates that own them (the wallet's
//! active subscriptions and unpaid charges, parking sessions): the command names them, the rule
//! is here. An erased account answers every later command as unknown.
use super::{User, UserError, UserEvent};
use chrono::{DateTime, Utc};
use cqrs_es::event_sink::EventSink;

impl User {
    pub(super) async fn request_deletion(
        &mut self,
        at: DateTime<Utc>,
        sink: &EventSink<Self>,
    ) -> Result<(), UserError> {
        if !self.registered {
            return Err(UserError::NotRegistered);
        }
        if !self.deletion_requested {
            sink.write(UserEvent::DeletionRequested { requested_at: at }, self).await;
        }
        Ok(())
    }

    pub(super) async fn erase(
        &mut self,
        holds: Vec<String>,
        requested_by: String,
        at: DateTime<Utc>,
        sink: &EventSink<Self>,
    ) -> Result<(), UserError> {
        if !self.registered {
            return Err(UserError::NotRegistered);
        }
        if !holds.is_empty() {
            return Err(UserError::Held(holds));
        }
        sink.write(UserEvent::UserErased { requested_by, erased_at: at }, self).await;
        Ok(())
    }
}
