//! `Aggregate::handle`: each command checked against the wallet's rules, then recorded.
use super::{Wallet, WalletCommand, WalletError, WalletEvent};
use cqrs_es::Aggregate;
use cqrs_es::event_sink::EventSink;
use std::collections::BTreeMap;

impl Aggregate for Wallet {
    const TYPE: &'static str = super::STREAM_TYPE;
    type Command = WalletCommand;
    type Event = WalletEvent;
    type Error = WalletError;
    type Services = ();

    async fn handle(&mut self, command: WalletCommand, _: &(), sink: &EventSink<Self>) -> Result<(), WalletError> {
        if let Some(event) = self.decide(command)? {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: WalletEvent) {
        self.evolve(event);
    }
}

impl Wallet {
    /// The event a command makes, or none when it changes nothing.
    pub(super) fn decide(&self, command: WalletCommand) -> Result<Option<WalletEvent>, WalletError> {
        use WalletCommand as C;
        use WalletEvent as E;
        Ok(Some(match command {
            C::CreateCustomer { user_id, tenant_id, provider, customer_id, at } => match &self.customer {
                Some(known) if known.customer_id == customer_id => return Ok(None),
                Some(_) => return Err(WalletError::CustomerExists),
                None => E::PaymentCustomerCreated { user_id, tenant_id, provider, customer_id, created_at: at },
            },
            C::AttachCard { card, at } => {
                self.check_customer()?;
                if self.card(&card.id).is_some() {
                    return Ok(None);
                }
                E::PaymentCardAttached { made_default: self.default_card.is_none(), card, attached_at: at }
            }
            C::UpdateCardAddress { card_id, address, at } => {
                let (_, current) = self.card(&card_id).ok_or(WalletError::CardNotFound)?;
                if *current == address {
                    return Ok(None);
                }
                E::PaymentCardAddressUpdated { card_id, address, updated_at: at }
            }
            C::DetachCard { card_id, at } => {
                self.check_detach(&card_id)?;
                let new_default = if self.default_card.as_deref() == Some(&card_id) {
                    let others = self.cards.iter().rev().map(|(card, _)| &card.id);
                    others.into_iter().find(|id| **id != card_id).cloned()
                } else {
                    None
                };
                E::PaymentCardDetached { card_id, new_default, detached_at: at }
            }
            C::SetDefaultCard { card_id, at } => {
                self.card(&card_id).ok_or(WalletError::CardNotFound)?;
                if self.default_card.as_deref() == Some(&card_id) {
                    return Ok(None);
                }
                E::DefaultPaymentCardChanged { card_id, changed_at: at }
            }
            C::UpdateMetadata { metadata, at } => {
                self.check_customer()?;
                check_metadata(&metadata)?;
                if metadata == self.metadata {
                    return Ok(None);
                }
                E::PaymentCustomerMetadataUpdated { metadata, updated_at: at }
            }
            C::RecordCharge { charge_id, card_id, amount_minor, currency, description, reference, failure, at } => {
                // the provider answers a retried charge with the charge it made the first time
                if self.charges.iter().any(|c| c.charge_id == charge_id) {
                    return Ok(None);
                }
                self.check_charge(Some(&card_id), amount_minor, &currency)?;
                match failure {
                    None => E::ChargeSucceeded {
                        charge_id,
                        card_id,
                        amount_minor,
                        currency,
                        description,
                        reference,
                        charged_at: at,
                    },
                    Some(failure) => E::ChargeFailed {
                        charge_id,
                        card_id,
                        amount_minor,
                        currency,
                        description,
                        reference,
                        failure,
                        failed_at: at,
                    },
                }
            }
            C::StartSubscription { subscription_id, plan, status, current_period_start, current_period_end, at } => {
                self.default_card.as_ref().ok_or(WalletError::NoCard)?;
                if self.subscription(&subscription_id).is_some() {
                    return Ok(None);
                }
                let started_at = at;
                E::SubscriptionStarted {
                    subscription_id,
                    plan,
                    status,
                    current_period_start,
                    current_period_end,
                    started_at,
                }
            }
            C::EraseDetails { at } => {
                if self.customer.is_none() {
                    return Ok(None);
                }
                E::PaymentDetailsErased { erased_at: at }
            }
            C::CancelSubscription { subscription_id, at } => {
                let found = self.subscription(&subscription_id).ok_or(WalletError::SubscriptionNotFound)?;
                if !found.is_active() {
                    return Ok(None);
                }
                E::SubscriptionCanceled { subscription_id, canceled_at: at }
            }
        }))
    }
}

/// Stripe's metadata rules: at most 50 pairs, keys 1 to 40 characters without square brackets,
/// values at most 500 characters.
pub fn check_metadata(metadata: &BTreeMap<String, String>) -> Result<(), WalletError> {
    let invalid = |why: String| Err(WalletError::InvalidMetadata(why));
    if metadata.len() > super::METADATA_MAX_KEYS {
        return invalid(format!("at most {} keys", super::METADATA_MAX_KEYS));
    }
    for (key, value) in metadata {
        let key_len = key.chars().count();
        if key_len == 0 || key_len > super::METADATA_KEY_MAX || key.contains(['[', ']']) {
            return invalid(format!("keys are 1 to {} characters without [ or ]", super::METADATA_KEY_MAX));
        }
        if value.chars().count() > super::METADATA_VALUE_MAX || value.chars().any(char::is_control) {
            return invalid(format!("values are at most {} printable characters", super::METADATA_VALUE_MAX));
        }
    }
    Ok(())
}
