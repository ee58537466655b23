//! A payment provider without a network, answering Stripe's documented test tokens the way
//! Stripe does. It keeps nothing: every id is derived from the call's inputs and idempotency key,
//! so the same call gives the same answer on any instance and after a restart, and the wallet
//! aggregate (which already checked ownership and the rules) is the only record.
//!
//! Tokens: `tok_visa`, `tok_visa_debit`, `tok_mastercard`, `tok_amex` attach a working card;
//! `tok_chargeCustomerFail` attaches a card whose charges are declined; `tok_chargeDeclined`,
//! `tok_chargeDeclinedInsufficientFunds`, `tok_chargeDeclinedExpiredCard` and
//! `tok_cvcCheckFail` are refused at attach (Stripe verifies a card when it is attached). Any
//! other token is not valid. A charge of an amount below 50 minor units is refused as Stripe
//! refuses it.
use crate::clock::SystemClock;
use chrono::Duration;
use commands::ports::Clock;
use commands::ports::payments::{
    BillingAddress, Card, CardId, Charge, ChargeId, ChargeRequest, CustomerId, PaymentError, PaymentProvider,
    Subscription, SubscriptionId, SubscriptionStatus,
};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::sync::Arc;

/// A test card: brand, last four, funding, and whether charges on it are declined.
struct TestCard {
    brand: &'static str,
    last4: &'static str,
    funding: &'static str,
}

/// Cards whose charges are declined carry this marker in their id.
const CHARGES_FAIL: &str = "0341";

fn card_of_token(token: &str) -> Result<TestCard, PaymentError> {
    let declined = |code: &str, message: &str| {
        Err(PaymentError::CardDeclined { decline_code: code.to_owned(), message: message.to_owned(), charge: None })
    };
    let card = |brand, last4, funding| Ok(TestCard { brand, last4, funding });
    match token {
        "tok_visa" => card("Visa", "4242", "credit"),
        "tok_visa_debit" => card("Visa", "5556", "debit"),
        "tok_mastercard" => card("MasterCard", "4444", "credit"),
        "tok_amex" => card("American Express", "8431", "credit"),
        "tok_chargeCustomerFail" => card("Visa", CHARGES_FAIL, "credit"),
        "tok_chargeDeclined" => declined("generic_decline", "Your card was declined."),
        "tok_chargeDeclinedInsufficientFunds" => declined("insufficient_funds", "Your card has insufficient funds."),
        "tok_chargeDeclinedExpiredCard" => declined("expired_card", "Your card has expired."),
        "tok_cvcCheckFail" => declined("incorrect_cvc", "Your card's security code is incorrect."),
        _ => {
            Err(PaymentError::InvalidToken(format!("No such token: '{}'", token.chars().take(64).collect::<String>())))
        }
    }
}

/// 24 hex digits of a hash of `parts`: an id that is the same for the same inputs.
fn derived(parts: &[&str]) -> String {
    let mut hash = Sha256::new();
    for part in parts {
        hash.update(part.len().to_le_bytes());
        hash.update(part.as_bytes());
    }
    hex::encode(&hash.finalize()[..12])
}

fn sandbox_id<'a>(prefix: &str, id: &'a str, kind: &'static str) -> Result<&'a str, PaymentError> {
    id.strip_prefix(prefix).ok_or(PaymentError::NotFound(kind))
}

/// The sandbox payment provider.
pub struct SandboxPayments {
    clock: Arc<dyn Clock>,
}

impl Default for SandboxPayments {
    fn default() -> Self {
        Self::new(Arc::new(SystemClock))
    }
}

impl SandboxPayments {
    /// Subscriptions start at the clock's now.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self { clock }
    }
}

#[async_trait::async_trait]
impl PaymentProvider for SandboxPayments {
    fn name(&self) -> &'static str {
        "sandbox"
    }

    async fn create_customer(&self, reference: &str, _: Option<&str>, _: &str) -> Result<CustomerId, PaymentError> {
        Ok(CustomerId(format!("cus_sb_{}", derived(&[reference]))))
    }

    async fn attach_card(&self, customer: &CustomerId, token: &str, key: &str) -> Result<Card, PaymentError> {
        sandbox_id("cus_sb_", &customer.0, "customer")?;
        let card = card_of_token(token)?;
        Ok(Card {
            id: CardId(format!("card_sb_{}{}", card.last4, derived(&[&customer.0, key]))),
            brand: card.brand.to_owned(),
            last4: card.last4.to_owned(),
            exp_month: 12,
            exp_year: 2034,
            fingerprint: derived(&["fingerprint", token])[..16].to_owned(),
            funding: card.funding.to_owned(),
            country: Some("US".to_owned()),
        })
    }

    async fn detach_card(&self, customer: &CustomerId, card: &CardId) -> Result<(), PaymentError> {
        sandbox_id("cus_sb_", &customer.0, "customer")?;
        sandbox_id("card_sb_", &card.0, "card").map(drop)
    }

    async fn set_default_card(&self, customer: &CustomerId, card: &CardId, _: &str) -> Result<(), PaymentError> {
        self.detach_card(customer, card).await
    }

    async fn update_card_address(
        &self,
        customer: &CustomerId,
        card: &CardId,
        _: &BillingAddress,
        _: &str,
    ) -> Result<(), PaymentError> {
        self.detach_card(customer, card).await
    }

    async fn update_customer_metadata(
        &self,
        customer: &CustomerId,
        _: &BTreeMap<String, String>,
        _: &str,
    ) -> Result<(), PaymentError> {
        sandbox_id("cus_sb_", &customer.0, "customer").map(drop)
    }

    async fn charge(&self, request: &ChargeRequest) -> Result<Charge, PaymentError> {
        sandbox_id("cus_sb_", &request.customer.0, "customer")?;
        let card = sandbox_id("card_sb_", &request.card.0, "card")?;
        if request.amount_minor < 50 {
            return Err(PaymentError::InvalidRequest("Amount must be at least 50 cents".to_owned()));
        }
        if request.currency.len() != 3 || !request.currency.bytes().all(|b| b.is_ascii_lowercase()) {
            return Err(PaymentError::InvalidRequest(format!("Invalid currency: {}", request.currency)));
        }
        let id = ChargeId(format!("ch_sb_{}", derived(&[&request.customer.0, &request.idempotency_key])));
        if card.starts_with(CHARGES_FAIL) {
            let message = "Your card was declined.".to_owned();
            return Err(PaymentError::CardDeclined {
                decline_code: "generic_decline".into(),
                message,
                charge: Some(id),
            });
        }
        Ok(Charge { id, amount_minor: request.amount_minor, currency: request.currency.clone() })
    }

    async fn subscribe(&self, customer: &CustomerId, price: &str, key: &str) -> Result<Subscription, PaymentError> {
        sandbox_id("cus_sb_", &customer.0, "customer")?;
        let start = self.clock.now();
        Ok(Subscription {
            id: SubscriptionId(format!("sub_sb_{}", derived(&[&customer.0, key]))),
            price: price.to_owned(),
            status: SubscriptionStatus::Active,
            current_period_start: start,
            current_period_end: start + Duration::days(30),
        })
    }

    async fn cancel_subscription(&self, subscription: &SubscriptionId) -> Result<Subscription, PaymentError> {
        sandbox_id("sub_sb_", &subscription.0, "subscription")?;
        let now = self.clock.now();
        Ok(Subscription {
            id: subscription.clone(),
            price: String::new(),
            status: SubscriptionStatus::Canceled,
            current_period_start: now,
            current_period_end: now,
        })
    }
}

#[cfg(test)]
#[path = "payments_tests.rs"]
mod tests;
