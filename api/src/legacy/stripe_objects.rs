//! The payment routes answer Stripe's own objects (cards, charges, subscriptions, customer
//! metadata), as the card-wallet API passed Stripe's answers through. Built from the wallet read
//! model; fields this service does not track are left out rather than invented.
use projections::wallet::{CardRow, ChargeRow, SubscriptionRow};
use serde::Serialize;
use std::collections::BTreeMap;

/// Unix seconds of a read-model timestamp.
fn unix(at: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(at).map_or(0, |t| t.timestamp())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = legacy::StripeCard)]
pub struct StripeCard {
    /// `card_…`
    id: String,
    /// Always `card`.
    object: &'static str,
    address_city: Option<String>,
    address_country: Option<String>,
    address_line1: Option<String>,
    address_zip: Option<String>,
    /// `Visa`, `MasterCard`, `American Express`, …
    brand: String,
    /// Issuing country, ISO 3166-1 alpha-2.
    country: Option<String>,
    /// The Stripe customer (`cus_…`).
    customer: String,
    exp_month: i64,
    exp_year: i64,
    fingerprint: String,
    /// `credit`, `debit`, `prepaid` or `unknown`.
    funding: String,
    last4: String,
    metadata: BTreeMap<String, String>,
    /// Whether this is the customer's default card (Stripe tells it on the customer).
    default: bool,
    /// `true` in the answer to a deletion.
    #[serde(skip_serializing_if = "Option::is_none")]
    deleted: Option<bool>,
}

impl From<CardRow> for StripeCard {
    fn from(row: CardRow) -> Self {
        Self {
            id: row.card_id,
            object: "card",
            address_city: row.address_city,
            address_country: row.address_country,
            address_line1: row.address_line1,
            address_zip: row.address_zip,
            brand: row.brand,
            country: row.country,
            customer: row.customer_id,
            exp_month: row.exp_month,
            exp_year: row.exp_year,
            fingerprint: row.fingerprint,
            funding: row.funding,
            last4: row.last4,
            metadata: BTreeMap::new(),
            default: row.is_default,
            deleted: None,
        }
    }
}

impl StripeCard {
    pub fn deleted(mut self) -> Self {
        self.deleted = Some(true);
        self.default = false;
        self
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = legacy::StripeCharge)]
pub struct StripeCharge {
    /// `ch_…`
    id: String,
    /// Always `charge`.
    object: &'static str,
    /// In minor units (cents).
    amount: i64,
    currency: String,
    customer: String,
    description: String,
    /// The card charged.
    payment_method: String,
    paid: bool,
    /// `succeeded` or `failed`.
    status: String,
    failure_code: Option<String>,
    failure_message: Option<String>,
    /// Unix seconds.
    created: i64,
    /// `reference`: what the charge pays for.
    metadata: BTreeMap<String, String>,
}

impl From<ChargeRow> for StripeCharge {
    fn from(row: ChargeRow) -> Self {
        Self {
            id: row.charge_id,
            object: "charge",
            amount: row.amount_minor,
            currency: row.currency,
            customer: row.customer_id,
            description: row.description,
            payment_method: row.card_id,
            paid: row.status == "succeeded",
            status: row.status,
            failure_code: row.failure_code,
            failure_message: row.failure_message,
            created: unix(&row.created_at),
            metadata: BTreeMap::from([("reference".to_owned(), row.reference)]),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = legacy::StripePlan)]
pub struct StripePlan {
    /// The price (plan) id.
    id: String,
    /// Always `plan`.
    object: &'static str,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = legacy::StripeSubscription)]
pub struct StripeSubscription {
    /// `sub_…`
    id: String,
    /// Always `subscription`.
    object: &'static str,
    customer: String,
    /// Stripe's status: `active`, `trialing`, `past_due`, `incomplete`, `canceled`.
    status: String,
    plan: StripePlan,
    current_period_start: i64,
    current_period_end: i64,
    created: i64,
    canceled_at: Option<i64>,
}

impl From<SubscriptionRow> for StripeSubscription {
    fn from(row: SubscriptionRow) -> Self {
        Self {
            id: row.subscription_id,
            object: "subscription",
            customer: row.customer_id,
            status: row.status,
            plan: StripePlan { id: row.plan, object: "plan" },
            current_period_start: unix(&row.current_period_start),
            current_period_end: unix(&row.current_period_end),
            created: unix(&row.started_at),
            canceled_at: row.canceled_at.as_deref().map(unix),
        }
    }
}

/// `{"msg": …, "data": card}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = legacy::CardData)]
pub struct CardData {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub msg: Option<&'static str>,
    pub data: StripeCard,
}

/// `{"data": [charges]}`, newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = legacy::ChargeList)]
pub struct ChargeList {
    pub data: Vec<StripeCharge>,
}

/// `{"data": [subscriptions]}`, newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = legacy::SubscriptionList)]
pub struct SubscriptionList {
    pub data: Vec<StripeSubscription>,
}

/// `{"data": metadata}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = legacy::MetadataData)]
pub struct MetadataData {
    pub data: StripeMetadata,
}

/// The customer's metadata: `vat_number` and `company_name` when set.
#[derive(Debug, Default, serde::Deserialize, Serialize, utoipa::ToSchema)]
#[schema(as = legacy::StripeMetadata)]
pub struct StripeMetadata {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
}

impl From<&BTreeMap<String, String>> for StripeMetadata {
    fn from(metadata: &BTreeMap<String, String>) -> Self {
        Self { vat_number: metadata.get("vat_number").cloned(), company_name: metadata.get("company_name").cloned() }
    }
}
