//! Why a wallet command was refused.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WalletError {
    #[error("the user has no payment customer yet")]
    NoCustomer,
    #[error("the user already has a payment customer")]
    CustomerExists,
    #[error("the user has no such card")]
    CardNotFound,
    #[error("the user doesn't have any default card")]
    NoDefaultCard,
    #[error("the user must have one card active when having a subscription")]
    LastCardWithSubscription,
    #[error("the user has no card to charge")]
    NoCard,
    #[error("the user has no such subscription")]
    SubscriptionNotFound,
    #[error("the amount must be 1 to 99999999 minor units and the currency three lowercase letters")]
    InvalidAmount,
    #[error("invalid metadata: {0}")]
    InvalidMetadata(String),
}
