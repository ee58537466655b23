//! The wallet's events: a permanent contract (names, fields and serde names never change).
use crate::codec::HasClaims;
use chrono::{DateTime, Utc};
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// A card as the provider described it when it was attached: never the number, only its
/// provider id, brand, last four digits, expiry and fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentCard {
    pub id: String,
    pub brand: String,
    pub last4: String,
    pub exp_month: u32,
    pub exp_year: i32,
    pub fingerprint: String,
    pub funding: String,
    #[serde(default)]
    pub country: Option<String>,
}

/// A card's billing address (the card-wallet API's `metadata.address_*`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingAddress {
    #[serde(default)]
    pub line1: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub zip: Option<String>,
    #[serde(default)]
    pub country: Option<String>,
}

/// Why the provider refused a charge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChargeFailure {
    /// Stripe's decline code (`generic_decline`, `insufficient_funds`, …).
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum WalletEvent {
    PaymentCustomerCreated {
        user_id: Uuid,
        tenant_id: String,
        /// `sandbox` or `stripe`: where the customer and its cards live.
        provider: String,
        customer_id: String,
        created_at: DateTime<Utc>,
    },
    PaymentCardAttached {
        card: PaymentCard,
        /// The first card of a wallet becomes its default.
        made_default: bool,
        attached_at: DateTime<Utc>,
    },
    PaymentCardAddressUpdated {
        card_id: String,
        address: BillingAddress,
        updated_at: DateTime<Utc>,
    },
    PaymentCardDetached {
        card_id: String,
        /// The card promoted to default when the default went; `None` when it was not the
        /// default or was the last card.
        new_default: Option<String>,
        detached_at: DateTime<Utc>,
    },
    DefaultPaymentCardChanged {
        card_id: String,
        changed_at: DateTime<Utc>,
    },
    PaymentCustomerMetadataUpdated {
        metadata: BTreeMap<String, String>,
        updated_at: DateTime<Utc>,
    },
    /// A charge the provider took. `reference` names what it pays for (a parking session, an
    /// invoice); a successful charge settles an earlier failed one of the same reference.
    ChargeSucceeded {
        charge_id: String,
        card_id: String,
        amount_minor: i64,
        currency: String,
        description: String,
        reference: String,
        charged_at: DateTime<Utc>,
    },
    /// A charge the provider refused: unpaid until a charge of the same reference succeeds.
    ChargeFailed {
        charge_id: String,
        card_id: String,
        amount_minor: i64,
        currency: String,
        description: String,
        reference: String,
        failure: ChargeFailure,
        failed_at: DateTime<Utc>,
    },
    SubscriptionStarted {
        subscription_id: String,
        plan: String,
        /// Stripe's status name (`active`, `trialing`, `incomplete`, …).
        status: String,
        current_period_start: DateTime<Utc>,
        current_period_end: DateTime<Utc>,
        started_at: DateTime<Utc>,
    },
    SubscriptionCanceled {
        subscription_id: String,
        canceled_at: DateTime<Utc>,
    },
    /// The account was erased: the billing addresses and customer metadata are forgotten; the
    /// charges stay, pseudonymous, for the accounts.
    PaymentDetailsErased {
        erased_at: DateTime<Utc>,
    },
}

impl DomainEvent for WalletEvent {
    fn event_type(&self) -> String {
        match self {
            Self::PaymentCustomerCreated { .. } => "PaymentCustomerCreated",
            Self::PaymentCardAttached { .. } => "PaymentCardAttached",
            Self::PaymentCardAddressUpdated { .. } => "PaymentCardAddressUpdated",
            Self::PaymentCardDetached { .. } => "PaymentCardDetached",
            Self::DefaultPaymentCardChanged { .. } => "DefaultPaymentCardChanged",
            Self::PaymentCustomerMetadataUpdated { .. } => "PaymentCustomerMetadataUpdated",
            Self::ChargeSucceeded { .. } => "ChargeSucceeded",
            Self::ChargeFailed { .. } => "ChargeFailed",
            Self::SubscriptionStarted { .. } => "SubscriptionStarted",
            Self::SubscriptionCanceled { .. } => "SubscriptionCanceled",
            Self::PaymentDetailsErased { .. } => "PaymentDetailsErased",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}

impl HasClaims for WalletEvent {}
