//! `Aggregate::handle`: the identity cards' decisions.
use super::{CardWithdrawal, IdentityCardCommand, IdentityCardError, IdentityCardEvent, IdentityCards};
use cqrs_es::Aggregate;
use cqrs_es::event_sink::EventSink;

impl Aggregate for IdentityCards {
    const TYPE: &'static str = super::STREAM_TYPE;
    type Command = IdentityCardCommand;
    type Event = IdentityCardEvent;
    type Error = IdentityCardError;
    type Services = ();

    async fn handle(
        &mut self,
        command: IdentityCardCommand,
        _: &(),
        sink: &EventSink<Self>,
    ) -> Result<(), IdentityCardError> {
        match command {
            IdentityCardCommand::Assign { tenant_id, card, at } => {
                card.check().map_err(IdentityCardError::Invalid)?;
                let label = card.label.as_deref().map(|l| l.trim().to_owned());
                let card = super::IdentityCard { number: card.number.trim().to_owned(), label, ..card };
                if self.cards.get(&card.card_id).map(|(c, _)| c) != Some(&card) {
                    let event = IdentityCardEvent::IdentityCardAssigned { tenant_id, card, assigned_at: at };
                    sink.write(event, self).await;
                }
            }
            IdentityCardCommand::Withdraw { tenant_id, card_id, at } => {
                if !self.cards.contains_key(&card_id) {
                    return Err(IdentityCardError::NotAssigned);
                }
                let reason = CardWithdrawal::Operator;
                let event = IdentityCardEvent::IdentityCardWithdrawn { tenant_id, card_id, reason, withdrawn_at: at };
                sink.write(event, self).await;
            }
            IdentityCardCommand::WithdrawAll { tenant_id, at } => {
                let ids: Vec<String> = self.cards.keys().cloned().collect();
                for card_id in ids {
                    let event = IdentityCardEvent::IdentityCardWithdrawn {
                        tenant_id: tenant_id.clone(),
                        card_id,
                        reason: CardWithdrawal::Erasure,
                        withdrawn_at: at,
                    };
                    sink.write(event, self).await;
                }
            }
        }
        Ok(())
    }

    fn apply(&mut self, event: IdentityCardEvent) {
        self.evolve(event);
    }
}
