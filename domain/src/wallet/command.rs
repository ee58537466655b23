//! What can be asked of a wallet. Provider answers (ids, the card behind a token, a charge's
//! outcome) arrive inside the commands: the aggregate records them after checking its rules.
use super::{BillingAddress, ChargeFailure, PaymentCard};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq)]
pub enum WalletCommand {
    /// Record the provider's customer; a wallet has one (the same id again changes nothing).
    CreateCustomer {
        user_id: Uuid,
        tenant_id: String,
        provider: String,
        customer_id: String,
        at: DateTime<Utc>,
    },
    /// Record a card the provider attached (the same card id again changes nothing).
    AttachCard {
        card: PaymentCard,
        at: DateTime<Utc>,
    },
    UpdateCardAddress {
        card_id: String,
        address: BillingAddress,
        at: DateTime<Utc>,
    },
    DetachCard {
        card_id: String,
        at: DateTime<Utc>,
    },
    SetDefaultCard {
        card_id: String,
        at: DateTime<Utc>,
    },
    UpdateMetadata {
        metadata: BTreeMap<String, String>,
        at: DateTime<Utc>,
    },
    /// Record what the provider answered to a charge of `card_id`; `failure` when it refused.
    RecordCharge {
        charge_id: String,
        card_id: String,
        amount_minor: i64,
        currency: String,
        description: String,
        reference: String,
        failure: Option<ChargeFailure>,
        at: DateTime<Utc>,
    },
    StartSubscription {
        subscription_id: String,
        plan: String,
        status: String,
        current_period_start: DateTime<Utc>,
        current_period_end: DateTime<Utc>,
        at: DateTime<Utc>,
    },
    /// Forget the personal data of the wallet (the account is erased).
    EraseDetails {
        at: DateTime<Utc>,
    },
    /// Ending an ended subscription changes nothing.
    CancelSubscription {
        subscription_id: String,
        at: DateTime<Utc>,
    },
}
