//! The payment-provider port, shaped after Stripe: a customer per user, cards attached to it by
//! a client-side token, one default card, charges and subscriptions. Amounts are in minor units
//! (cents). The provider is the system of record for card data: this service keeps ids, brand,
//! last four digits and a fingerprint, never a card number.
//!
//! The wallet aggregate (`domain::wallet`) decides first (which card is the default, whether a
//! card may go); the provider is then told. So an adapter answers only what it alone knows (new
//! ids, the card behind a token, whether a charge went through) and may be stateless.
//!
//! Every call that creates or changes something carries an idempotency key: the same key sent
//! again (a retry after a timeout) must not create or charge twice. Stripe takes it as the
//! `Idempotency-Key` header on every POST.
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CustomerId(pub String);

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CardId(pub String);

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ChargeId(pub String);

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SubscriptionId(pub String);

/// What the provider tells of a card it attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    pub id: CardId,
    /// As Stripe writes it: `Visa`, `MasterCard`, `American Express`, …
    pub brand: String,
    pub last4: String,
    pub exp_month: u32,
    pub exp_year: i32,
    /// The same card number gives the same fingerprint (to spot one card attached twice).
    pub fingerprint: String,
    /// `credit`, `debit`, `prepaid` or `unknown`.
    pub funding: String,
    /// The issuing country, ISO 3166-1 alpha-2.
    pub country: Option<String>,
}

/// A card's billing address, as the card-wallet API lets a user set it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BillingAddress {
    pub line1: Option<String>,
    pub city: Option<String>,
    pub zip: Option<String>,
    pub country: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeRequest {
    pub customer: CustomerId,
    /// The wallet names the card (its default unless told otherwise).
    pub card: CardId,
    pub amount_minor: i64,
    /// ISO 4217, lowercase as Stripe writes it (`chf`, `eur`).
    pub currency: String,
    pub description: String,
    pub idempotency_key: String,
}

/// A charge that went through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charge {
    pub id: ChargeId,
    pub amount_minor: i64,
    pub currency: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscriptionStatus {
    Active,
    Trialing,
    PastDue,
    Incomplete,
    Canceled,
}

impl SubscriptionStatus {
    /// Stripe's name of the status.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Trialing => "trialing",
            Self::PastDue => "past_due",
            Self::Incomplete => "incomplete",
            Self::Canceled => "canceled",
        }
    }

    /// Stripe's statuses; the ones this service does not track (`unpaid`, `paused`,
    /// `incomplete_expired`) read as the nearest it does.
    pub fn parse(status: &str) -> Self {
        match status {
            "active" => Self::Active,
            "trialing" => Self::Trialing,
            "past_due" | "unpaid" | "paused" => Self::PastDue,
            "incomplete" => Self::Incomplete,
            _ => Self::Canceled,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub id: SubscriptionId,
    /// The provider's price (plan) id.
    pub price: String,
    pub status: SubscriptionStatus,
    pub current_period_start: DateTime<Utc>,
    pub current_period_end: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentError {
    /// The issuer refused the card; `decline_code` as Stripe names it (`generic_decline`,
    /// `insufficient_funds`), `message` the provider's words. A refused charge has an id at
    /// Stripe (`charge`), a refused attach has none.
    #[error("{message}")]
    CardDeclined { decline_code: String, message: String, charge: Option<ChargeId> },
    /// The card token is unknown, spent, or malformed.
    #[error("{0}")]
    InvalidToken(String),
    /// The customer, card or subscription does not exist at the provider.
    #[error("no such {0} at the payment provider")]
    NotFound(&'static str),
    /// The provider refused the request as malformed (a currency it does not take, an amount
    /// below its minimum, an idempotency key reused with other parameters).
    #[error("{0}")]
    InvalidRequest(String),
    /// The provider refused this service's credentials or account: a configuration fault.
    #[error("the payment provider refused this service's credentials: {0}")]
    Misconfigured(String),
    /// The provider cannot be reached, timed out, or failed on its side; the call may be retried
    /// with the same idempotency key.
    #[error("payment provider unavailable: {0}")]
    Unavailable(String),
}

#[async_trait::async_trait]
pub trait PaymentProvider: Send + Sync {
    /// `sandbox` or `stripe`: recorded with the customer, so its later calls go to the same place.
    fn name(&self) -> &'static str;
    /// A new customer; `reference` (our user id) is stored with it for reconciliation.
    async fn create_customer(
        &self,
        reference: &str,
        email: Option<&str>,
        idempotency_key: &str,
    ) -> Result<CustomerId, PaymentError>;
    /// Attach the card a client tokenised. A card the issuer refuses is refused here
    /// (`CardDeclined`), as Stripe verifies a card when it is attached.
    async fn attach_card(
        &self,
        customer: &CustomerId,
        token: &str,
        idempotency_key: &str,
    ) -> Result<Card, PaymentError>;
    /// Remove a card from the customer.
    async fn detach_card(&self, customer: &CustomerId, card: &CardId) -> Result<(), PaymentError>;
    /// Make `card` the one the provider's own invoices (subscriptions) charge.
    async fn set_default_card(
        &self,
        customer: &CustomerId,
        card: &CardId,
        idempotency_key: &str,
    ) -> Result<(), PaymentError>;
    /// Set the card's billing address (fields left `None` are cleared).
    async fn update_card_address(
        &self,
        customer: &CustomerId,
        card: &CardId,
        address: &BillingAddress,
        idempotency_key: &str,
    ) -> Result<(), PaymentError>;
    /// Set the customer's metadata keys (VAT number, company name); a key with an empty value
    /// is removed, keys not named stay (Stripe's merge).
    async fn update_customer_metadata(
        &self,
        customer: &CustomerId,
        metadata: &BTreeMap<String, String>,
        idempotency_key: &str,
    ) -> Result<(), PaymentError>;
    /// Charge a card now; exactly once per idempotency key.
    async fn charge(&self, request: &ChargeRequest) -> Result<Charge, PaymentError>;
    /// Subscribe the customer to `price`, billed to its default card.
    async fn subscribe(
        &self,
        customer: &CustomerId,
        price: &str,
        idempotency_key: &str,
    ) -> Result<Subscription, PaymentError>;
    /// End a subscription at once.
    async fn cancel_subscription(&self, subscription: &SubscriptionId) -> Result<Subscription, PaymentError>;
}
