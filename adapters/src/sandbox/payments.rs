//! A payment provider in memory, answering Stripe's documented test tokens the way Stripe does:
//! `tok_visa`, `tok_mastercard` and `tok_amex` attach a working card; `tok_chargeDeclined` and
//! `tok_chargeDeclinedInsufficientFunds` are refused at attach (Stripe verifies a card when it is
//! attached to a customer) with `generic_decline` and `insufficient_funds`. Any other token is
//! not valid. Ids count up per kind (`cus_sandbox_1`, `card_sandbox_1`, `ch_sandbox_1`, …).
use commands::ports::payments::{
    Card, CardId, Charge, ChargeId, ChargeRequest, CustomerId, PaymentError, PaymentProvider, Subscription,
    SubscriptionId, SubscriptionStatus,
};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

/// The card a test token stands for: brand, last four digits, or the decline it causes.
fn card_of_token(token: &str) -> Result<(&'static str, &'static str), PaymentError> {
    let declined = |code: &str| Err(PaymentError::CardDeclined { decline_code: code.to_owned() });
    match token {
        "tok_visa" => Ok(("visa", "4242")),
        "tok_mastercard" => Ok(("mastercard", "4444")),
        "tok_amex" => Ok(("amex", "8431")),
        "tok_chargeDeclined" => declined("generic_decline"),
        "tok_chargeDeclinedInsufficientFunds" => declined("insufficient_funds"),
        _ => Err(PaymentError::InvalidToken),
    }
}

#[derive(Default)]
struct Customer {
    cards: Vec<Card>,
    default: Option<CardId>,
}

#[derive(Default)]
struct Ledger {
    next: u64,
    customers: HashMap<CustomerId, Customer>,
    charges: HashMap<String, Charge>,
    subscriptions: HashMap<SubscriptionId, Subscription>,
}

impl Ledger {
    fn id(&mut self, prefix: &str) -> String {
        self.next += 1;
        format!("{prefix}_sandbox_{}", self.next)
    }

    fn customer(&mut self, id: &CustomerId) -> Result<&mut Customer, PaymentError> {
        self.customers.get_mut(id).ok_or(PaymentError::NotFound("customer"))
    }
}

/// The sandbox payment provider; one ledger per instance.
#[derive(Default)]
pub struct SandboxPayments {
    ledger: Mutex<Ledger>,
}

impl SandboxPayments {
    fn ledger(&self) -> std::sync::MutexGuard<'_, Ledger> {
        self.ledger.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait::async_trait]
impl PaymentProvider for SandboxPayments {
    async fn create_customer(&self, _reference: &str, _email: Option<&str>) -> Result<CustomerId, PaymentError> {
        let mut ledger = self.ledger();
        let id = CustomerId(ledger.id("cus"));
        ledger.customers.insert(id.clone(), Customer::default());
        Ok(id)
    }

    async fn attach_card(&self, customer: &CustomerId, token: &str) -> Result<Card, PaymentError> {
        let (brand, last4) = card_of_token(token)?;
        let mut ledger = self.ledger();
        let id = CardId(ledger.id("card"));
        let card = Card {
            id: id.clone(),
            brand: brand.to_owned(),
            last4: last4.to_owned(),
            exp_month: 12,
            exp_year: 2034,
            metadata: BTreeMap::new(),
        };
        let customer = ledger.customer(customer)?;
        customer.cards.push(card.clone());
        customer.default.get_or_insert(id);
        Ok(card)
    }

    async fn detach_card(&self, customer: &CustomerId, card: &CardId) -> Result<(), PaymentError> {
        let mut ledger = self.ledger();
        let customer = ledger.customer(customer)?;
        let before = customer.cards.len();
        customer.cards.retain(|c| &c.id != card);
        if customer.cards.len() == before {
            return Err(PaymentError::NotFound("card"));
        }
        if customer.default.as_ref() == Some(card) {
            customer.default = None;
        }
        Ok(())
    }

    async fn set_default_card(&self, customer: &CustomerId, card: &CardId) -> Result<(), PaymentError> {
        let mut ledger = self.ledger();
        let customer = ledger.customer(customer)?;
        if !customer.cards.iter().any(|c| &c.id == card) {
            return Err(PaymentError::NotFound("card"));
        }
        customer.default = Some(card.clone());
        Ok(())
    }

    async fn update_card_metadata(
        &self,
        customer: &CustomerId,
        card: &CardId,
        metadata: BTreeMap<String, String>,
    ) -> Result<Card, PaymentError> {
        let mut ledger = self.ledger();
        let customer = ledger.customer(customer)?;
        let card = customer.cards.iter_mut().find(|c| &c.id == card).ok_or(PaymentError::NotFound("card"))?;
        card.metadata = metadata;
        Ok(card.clone())
    }

    async fn charge(&self, request: &ChargeRequest) -> Result<Charge, PaymentError> {
        if request.amount_minor <= 0 || request.currency.len() != 3 {
            return Err(PaymentError::InvalidAmount);
        }
        let mut ledger = self.ledger();
        if let Some(done) = ledger.charges.get(&request.idempotency_key) {
            return Ok(done.clone());
        }
        let customer = ledger.customer(&request.customer)?;
        let card = match &request.card {
            Some(card) => customer.cards.iter().find(|c| &c.id == card).ok_or(PaymentError::NotFound("card"))?,
            None => {
                let default = customer.default.as_ref().ok_or(PaymentError::NoCard)?;
                customer.cards.iter().find(|c| &c.id == default).ok_or(PaymentError::NoCard)?
            }
        }
        .id
        .clone();
        let charge = Charge {
            id: ChargeId(ledger.id("ch")),
            card,
            amount_minor: request.amount_minor,
            currency: request.currency.clone(),
        };
        ledger.charges.insert(request.idempotency_key.clone(), charge.clone());
        Ok(charge)
    }

    async fn subscribe(&self, customer: &CustomerId, price: &str) -> Result<Subscription, PaymentError> {
        let mut ledger = self.ledger();
        if ledger.customer(customer)?.default.is_none() {
            return Err(PaymentError::NoCard);
        }
        let subscription = Subscription {
            id: SubscriptionId(ledger.id("sub")),
            customer: customer.clone(),
            price: price.to_owned(),
            status: SubscriptionStatus::Active,
        };
        ledger.subscriptions.insert(subscription.id.clone(), subscription.clone());
        Ok(subscription)
    }

    async fn cancel_subscription(&self, subscription: &SubscriptionId) -> Result<Subscription, PaymentError> {
        let mut ledger = self.ledger();
        let found = ledger.subscriptions.get_mut(subscription).ok_or(PaymentError::NotFound("subscription"))?;
        found.status = SubscriptionStatus::Canceled;
        Ok(found.clone())
    }
}

#[cfg(test)]
#[path = "payments_tests.rs"]
mod tests;
