//! `Aggregate::handle`: the account links' decisions.
use super::{AccountLinkCommand, AccountLinkError, AccountLinkEvent, AccountLinks, LinkVia};
use cqrs_es::Aggregate;
use cqrs_es::event_sink::EventSink;

impl Aggregate for AccountLinks {
    const TYPE: &'static str = super::STREAM_TYPE;
    type Command = AccountLinkCommand;
    type Event = AccountLinkEvent;
    type Error = AccountLinkError;
    type Services = ();

    async fn handle(
        &mut self,
        command: AccountLinkCommand,
        _: &(),
        sink: &EventSink<Self>,
    ) -> Result<(), AccountLinkError> {
        match command {
            AccountLinkCommand::Link { system, facts, via, at } => {
                if !system.requirements.linked_account {
                    return Err(AccountLinkError::NotLinkable);
                }
                let missing = system.requirements.unmet(&facts);
                if !missing.is_empty() {
                    return Err(AccountLinkError::RequirementsMissing(missing));
                }
                if !self.is_linked(&system.system_id) {
                    let event = AccountLinkEvent::AccountLinked { system_id: system.system_id, linked_at: at, via };
                    sink.write(event, self).await;
                }
            }
            AccountLinkCommand::Unlink { system, via, at } => {
                if self.is_linked(&system.system_id) {
                    let event = AccountLinkEvent::AccountUnlinked { system_id: system.system_id, unlinked_at: at, via };
                    sink.write(event, self).await;
                } else if !system.requirements.linked_account {
                    return Err(AccountLinkError::NotLinkable);
                }
            }
            AccountLinkCommand::EndAll { at } => {
                let linked: Vec<String> = self.systems().map(str::to_owned).collect();
                for system_id in linked {
                    let event = AccountLinkEvent::AccountUnlinked { system_id, unlinked_at: at, via: LinkVia::Erasure };
                    sink.write(event, self).await;
                }
            }
        }
        Ok(())
    }

    fn apply(&mut self, event: AccountLinkEvent) {
        self.evolve(event);
    }
}
