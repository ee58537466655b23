//! The record of an admin read of user data: who (the key), what (the route and its subject),
//! when. One stream per read.
use chrono::{DateTime, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq)]
pub enum AdminReadCommand {
    Record {
        /// The key that read (`bootstrap` for `USERS_API_ADMIN_KEY`).
        key_id: String,
        /// What was read: `user_state`, `stream`, `events`.
        action: String,
        /// Whose data or which stream (`user-…`, a user id), if one.
        subject: Option<String>,
        /// The query as the request sent it (filters, positions), if any.
        query: Option<String>,
        at: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdminReadError {
    #[error("a read is recorded once")]
    Recorded,
    #[error("a read names its key and action")]
    Incomplete,
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminRead {
    recorded: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum AdminReadEvent {
    AdminReadRecorded {
        key_id: String,
        action: String,
        subject: Option<String>,
        query: Option<String>,
        read_at: DateTime<Utc>,
    },
}

impl DomainEvent for AdminReadEvent {
    fn event_type(&self) -> String {
        "AdminReadRecorded".to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}

impl crate::HasClaims for AdminReadEvent {
    fn claim_changes(&self) -> Vec<crate::ClaimChange> {
        Vec::new()
    }
}

impl Aggregate for AdminRead {
    const TYPE: &'static str = super::READ_STREAM_TYPE;
    type Command = AdminReadCommand;
    type Event = AdminReadEvent;
    type Error = AdminReadError;
    type Services = ();

    async fn handle(
        &mut self,
        command: AdminReadCommand,
        _: &(),
        sink: &EventSink<Self>,
    ) -> Result<(), AdminReadError> {
        let AdminReadCommand::Record { key_id, action, subject, query, at } = command;
        if self.recorded {
            return Err(AdminReadError::Recorded);
        }
        if key_id.is_empty() || action.is_empty() {
            return Err(AdminReadError::Incomplete);
        }
        sink.write(AdminReadEvent::AdminReadRecorded { key_id, action, subject, query, read_at: at }, self).await;
        Ok(())
    }

    fn apply(&mut self, _: AdminReadEvent) {
        self.recorded = true;
    }
}
