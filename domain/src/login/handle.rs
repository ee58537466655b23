//! `Aggregate::handle`: starting and revoking a session; refreshing is decided in `refresh`.
use super::{LoginCommand, LoginError, LoginEvent, LoginSession};
use cqrs_es::Aggregate;
use cqrs_es::event_sink::EventSink;

impl Aggregate for LoginSession {
    const TYPE: &'static str = "login";
    type Command = LoginCommand;
    type Event = LoginEvent;
    type Error = LoginError;
    type Services = ();

    async fn handle(&mut self, command: LoginCommand, _: &(), sink: &EventSink<Self>) -> Result<(), LoginError> {
        let event = match command {
            LoginCommand::Start {
                session_id,
                user_id,
                tenant_id,
                client_id,
                dialect,
                method,
                test_user,
                refresh_hash,
                expires_at,
                at,
            } => {
                if self.started {
                    return Err(LoginError::AlreadyStarted);
                }
                Some(LoginEvent::LoginSessionStarted {
                    session_id,
                    user_id,
                    tenant_id,
                    client_id,
                    dialect,
                    method,
                    test_user,
                    refresh_hash,
                    expires_at,
                    started_at: at,
                })
            }
            LoginCommand::Refresh { tenant_id, dialect, presented_hash, child_hash, grace, rotate, at } => {
                self.refresh((&tenant_id, &dialect), presented_hash, child_hash, (grace, rotate), at)?
            }
            LoginCommand::Revoke { reason, at } => {
                if !self.started {
                    return Err(LoginError::NotStarted);
                }
                // revoking twice changes nothing
                self.revoked.is_none().then_some(LoginEvent::LoginSessionRevoked { reason, revoked_at: at })
            }
        };
        if let Some(event) = event {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: LoginEvent) {
        self.evolve(event);
    }
}
