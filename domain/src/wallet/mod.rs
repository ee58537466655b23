//! The wallet aggregate (`payment-methods-{user id}`): one user's payment customer at the
//! provider, cards, default card, customer metadata, charges and subscriptions. One stream per
//! user because its rules span cards: the first card becomes the default, deleting the default
//! promotes another, the last card cannot go while a subscription is active, a charge needs a
//! card. An active subscription or an unpaid charge is a hold on deleting the account.
//!
//! The provider is told after the wallet decided (see `commands::wallet`): the pre-checks the
//! command service runs before calling it (`Wallet::check_*`) are the same functions `handle`
//! runs on the result.
use uuid::Uuid;

mod command;
mod error;
mod event;
mod handle;
mod state;

#[cfg(test)]
mod tests;

pub use command::WalletCommand;
pub use error::WalletError;
pub use event::{BillingAddress, ChargeFailure, PaymentCard, WalletEvent};
pub use handle::check_metadata;
pub use state::{ChargeRecord, ChargeStatus, Hold, SubscriptionRecord, Wallet, WalletCustomer};

pub const STREAM_TYPE: &str = "payment-methods";

pub fn stream_id(user_id: Uuid) -> String {
    format!("payment-methods-{user_id}")
}

/// Stripe's limits on customer metadata: keys and values this long at most, this many pairs.
pub const METADATA_MAX_KEYS: usize = 50;
pub const METADATA_KEY_MAX: usize = 40;
pub const METADATA_VALUE_MAX: usize = 500;
/// Stripe's largest charge, in minor units (eight digits).
pub const MAX_AMOUNT_MINOR: i64 = 99_999_999;
