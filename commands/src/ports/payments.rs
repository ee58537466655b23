//! The payment-provider port, shaped after Stripe: a customer per user, cards attached to it by
//! a client-side token, one default card, charges and subscriptions. Amounts are in minor units
//! (cents). The provider is the system of record for card data: this service keeps ids, brand and
//! last four digits, never a card number.
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CustomerId(pub String);

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CardId(pub String);

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ChargeId(pub String);

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SubscriptionId(pub String);

/// What the provider keeps of a card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    pub id: CardId,
    /// `visa`, `mastercard`, `amex`, …
    pub brand: String,
    pub last4: String,
    pub exp_month: u32,
    pub exp_year: i32,
    /// Free key-value pairs (a billing reference, a nickname); the provider stores them as given.
    pub metadata: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeRequest {
    pub customer: CustomerId,
    /// `None`: the customer's default card.
    pub card: Option<CardId>,
    pub amount_minor: i64,
    /// ISO 4217, lowercase as Stripe writes it (`chf`, `eur`).
    pub currency: String,
    pub description: String,
    /// The same key returns the first charge again instead of charging twice (a retried request).
    pub idempotency_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charge {
    pub id: ChargeId,
    pub card: CardId,
    pub amount_minor: i64,
    pub currency: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscriptionStatus {
    Active,
    Canceled,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub id: SubscriptionId,
    pub customer: CustomerId,
    /// The provider's price (plan) id.
    pub price: String,
    pub status: SubscriptionStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentError {
    /// The issuer refused the card; `decline_code` as Stripe names it (`generic_decline`,
    /// `insufficient_funds`). The person can try another card.
    #[error("the card was declined ({decline_code})")]
    CardDeclined { decline_code: String },
    /// The card token is unknown, spent, or malformed.
    #[error("the card token is not valid")]
    InvalidToken,
    /// A charge needs a card, and the customer has none (or no default).
    #[error("the customer has no card to charge")]
    NoCard,
    /// The customer, card or subscription does not exist at the provider (or not for this customer).
    #[error("no such {0}")]
    NotFound(&'static str),
    /// The amount is not positive, or the currency not one the provider takes.
    #[error("invalid amount or currency")]
    InvalidAmount,
    /// The provider cannot be reached or failed; the request may be retried.
    #[error("payment provider unavailable: {0}")]
    Unavailable(String),
}

#[async_trait::async_trait]
pub trait PaymentProvider: Send + Sync {
    /// A new customer; `reference` (our user id) is stored with it for reconciliation.
    async fn create_customer(&self, reference: &str, email: Option<&str>) -> Result<CustomerId, PaymentError>;
    /// Attach the card a client tokenised. The first card of a customer becomes its default.
    /// A card the issuer refuses is refused here (`CardDeclined`), as Stripe verifies on attach.
    async fn attach_card(&self, customer: &CustomerId, token: &str) -> Result<Card, PaymentError>;
    /// Remove a card; when it was the default, the customer has no default until one is set.
    async fn detach_card(&self, customer: &CustomerId, card: &CardId) -> Result<(), PaymentError>;
    /// Make `card` (one of the customer's) the one charges use by default.
    async fn set_default_card(&self, customer: &CustomerId, card: &CardId) -> Result<(), PaymentError>;
    /// Replace the card's metadata with `metadata`.
    async fn update_card_metadata(
        &self,
        customer: &CustomerId,
        card: &CardId,
        metadata: BTreeMap<String, String>,
    ) -> Result<Card, PaymentError>;
    /// Charge a card now; exactly once per idempotency key.
    async fn charge(&self, request: &ChargeRequest) -> Result<Charge, PaymentError>;
    /// Subscribe the customer to `price`, billed to its default card.
    async fn subscribe(&self, customer: &CustomerId, price: &str) -> Result<Subscription, PaymentError>;
    /// End a subscription at once; ending an ended one changes nothing.
    async fn cancel_subscription(&self, subscription: &SubscriptionId) -> Result<Subscription, PaymentError>;
}
