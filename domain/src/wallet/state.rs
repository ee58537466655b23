//! What a wallet's history amounts to, how each event changes it, and the checks the rules make.
use super::{BillingAddress, PaymentCard, WalletError, WalletEvent};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalletCustomer {
    pub user_id: Uuid,
    pub tenant_id: String,
    pub provider: String,
    pub customer_id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChargeStatus {
    Succeeded,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChargeRecord {
    pub charge_id: String,
    pub reference: String,
    pub amount_minor: i64,
    pub currency: String,
    pub status: ChargeStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionRecord {
    pub subscription_id: String,
    pub plan: String,
    pub status: String,
    pub current_period_end: DateTime<Utc>,
}

impl Hold {
    /// The hold's name, as deletion answers list it (`active_subscription`, `unpaid_charge`).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::ActiveSubscription { .. } => "active_subscription",
            Self::UnpaidCharge { .. } => "unpaid_charge",
        }
    }
}

impl SubscriptionRecord {
    /// Stripe's statuses that still bill (or will): everything but `canceled` and
    /// `incomplete_expired`.
    pub fn is_active(&self) -> bool {
        !matches!(self.status.as_str(), "canceled" | "incomplete_expired")
    }
}

/// What keeps an account from being deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "hold", rename_all = "snake_case")]
pub enum Hold {
    ActiveSubscription {
        subscription_id: String,
    },
    /// The last charge for `reference` failed and none has settled it since.
    UnpaidCharge {
        reference: String,
        charge_id: String,
    },
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Wallet {
    pub(super) customer: Option<WalletCustomer>,
    /// In the order they were attached.
    pub(super) cards: Vec<(PaymentCard, BillingAddress)>,
    pub(super) default_card: Option<String>,
    pub(super) metadata: BTreeMap<String, String>,
    pub(super) charges: Vec<ChargeRecord>,
    pub(super) subscriptions: Vec<SubscriptionRecord>,
}

impl Wallet {
    pub fn customer(&self) -> Option<&WalletCustomer> {
        self.customer.as_ref()
    }

    pub fn card(&self, card_id: &str) -> Option<&(PaymentCard, BillingAddress)> {
        self.cards.iter().find(|(card, _)| card.id == card_id)
    }

    pub fn cards(&self) -> &[(PaymentCard, BillingAddress)] {
        &self.cards
    }

    pub fn default_card(&self) -> Option<&str> {
        self.default_card.as_deref()
    }

    pub fn metadata(&self) -> &BTreeMap<String, String> {
        &self.metadata
    }

    pub fn subscription(&self, subscription_id: &str) -> Option<&SubscriptionRecord> {
        self.subscriptions.iter().find(|s| s.subscription_id == subscription_id)
    }

    pub fn has_active_subscription(&self) -> bool {
        self.subscriptions.iter().any(SubscriptionRecord::is_active)
    }

    /// The customer, or `NoCustomer`.
    pub fn check_customer(&self) -> Result<&WalletCustomer, WalletError> {
        self.customer.as_ref().ok_or(WalletError::NoCustomer)
    }

    /// Whether `card_id` may be removed: it must be one of the user's, and not the last one
    /// while a subscription bills it.
    pub fn check_detach(&self, card_id: &str) -> Result<(), WalletError> {
        self.card(card_id).ok_or(WalletError::CardNotFound)?;
        if self.cards.len() == 1 && self.has_active_subscription() {
            return Err(WalletError::LastCardWithSubscription);
        }
        Ok(())
    }

    /// The card a charge goes to: `card_id` when given (one of the user's), else the default.
    pub fn check_charge(&self, card_id: Option<&str>, amount_minor: i64, currency: &str) -> Result<&str, WalletError> {
        let currency_ok = currency.len() == 3 && currency.bytes().all(|b| b.is_ascii_lowercase());
        if !(1..=super::MAX_AMOUNT_MINOR).contains(&amount_minor) || !currency_ok {
            return Err(WalletError::InvalidAmount);
        }
        match card_id {
            Some(id) => Ok(&self.card(id).ok_or(WalletError::CardNotFound)?.0.id),
            None => self.default_card.as_deref().ok_or(WalletError::NoCard),
        }
    }

    /// Active subscriptions and unpaid charges, oldest first.
    pub fn holds(&self) -> Vec<Hold> {
        let subscriptions = self.subscriptions.iter().filter(|s| s.is_active());
        let mut holds: Vec<Hold> =
            subscriptions.map(|s| Hold::ActiveSubscription { subscription_id: s.subscription_id.clone() }).collect();
        let mut last_by_reference: BTreeMap<&str, &ChargeRecord> = BTreeMap::new();
        for charge in &self.charges {
            last_by_reference.insert(&charge.reference, charge);
        }
        let unpaid = last_by_reference.into_values().filter(|c| c.status == ChargeStatus::Failed);
        holds.extend(
            unpaid.map(|c| Hold::UnpaidCharge { reference: c.reference.clone(), charge_id: c.charge_id.clone() }),
        );
        holds
    }

    /// `Aggregate::apply`: only mutates; every rule was checked when the event was decided.
    pub(super) fn evolve(&mut self, event: WalletEvent) {
        match event {
            WalletEvent::PaymentCustomerCreated { user_id, tenant_id, provider, customer_id, .. } => {
                self.customer = Some(WalletCustomer { user_id, tenant_id, provider, customer_id });
            }
            WalletEvent::PaymentCardAttached { card, made_default, .. } => {
                if made_default {
                    self.default_card = Some(card.id.clone());
                }
                self.cards.push((card, BillingAddress::default()));
            }
            WalletEvent::PaymentCardAddressUpdated { card_id, address, .. } => {
                if let Some((_, stored)) = self.cards.iter_mut().find(|(card, _)| card.id == card_id) {
                    *stored = address;
                }
            }
            WalletEvent::PaymentCardDetached { card_id, new_default, .. } => {
                self.cards.retain(|(card, _)| card.id != card_id);
                if self.default_card.as_deref() == Some(&card_id) {
                    self.default_card = new_default;
                }
            }
            WalletEvent::DefaultPaymentCardChanged { card_id, .. } => self.default_card = Some(card_id),
            WalletEvent::PaymentCustomerMetadataUpdated { metadata, .. } => self.metadata = metadata,
            WalletEvent::ChargeSucceeded { charge_id, amount_minor, currency, reference, .. } => {
                let status = ChargeStatus::Succeeded;
                self.charges.push(ChargeRecord { charge_id, reference, amount_minor, currency, status });
            }
            WalletEvent::ChargeFailed { charge_id, amount_minor, currency, reference, .. } => {
                let status = ChargeStatus::Failed;
                self.charges.push(ChargeRecord { charge_id, reference, amount_minor, currency, status });
            }
            WalletEvent::SubscriptionStarted { subscription_id, plan, status, current_period_end, .. } => {
                self.subscriptions.push(SubscriptionRecord { subscription_id, plan, status, current_period_end });
            }
            WalletEvent::PaymentDetailsErased { .. } => {
                self.metadata.clear();
                for (_, address) in &mut self.cards {
                    *address = BillingAddress::default();
                }
            }
            WalletEvent::SubscriptionCanceled { subscription_id, .. } => {
                if let Some(s) = self.subscriptions.iter_mut().find(|s| s.subscription_id == subscription_id) {
                    s.status = "canceled".to_owned();
                }
            }
        }
    }
}
