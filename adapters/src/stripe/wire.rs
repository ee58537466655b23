//! Stripe's wire format as this adapter speaks it: the objects it reads (only the fields the
//! port needs), the error object and how it maps to `PaymentError`, and the form encoding of
//! request bodies.
use chrono::{DateTime, Utc};
use commands::ports::payments::{
    Card, CardId, Charge, ChargeId, PaymentError, Subscription, SubscriptionId, SubscriptionStatus,
};
use serde::Deserialize;

/// The API version every request pins: the one whose card and source objects the legacy
/// (Charges and Sources) API answers with.
pub(super) const API_VERSION: &str = "2020-08-27";

/// What a call was about: it names the `NotFound` a `resource_missing` answer becomes, and
/// `Token` marks the call whose `source` parameter is a card token (attach).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Subject {
    Customer,
    Token,
    Card,
    Charge,
    Subscription,
}

/// A form body's fields, in order; nested keys are spelt as Stripe does (`metadata[k]`).
pub(super) type Form = Vec<(String, String)>;

/// One form field.
pub(super) fn field(name: impl Into<String>, value: impl Into<String>) -> (String, String) {
    (name.into(), value.into())
}

/// `application/x-www-form-urlencoded` text of `form`.
pub(super) fn encode(form: &Form) -> String {
    let mut serializer = form_urlencoded::Serializer::new(String::new());
    for (name, value) in form {
        serializer.append_pair(name, value);
    }
    serializer.finish()
}

#[derive(Debug, Deserialize)]
pub(super) struct CustomerObject {
    pub id: String,
}

#[derive(Debug, Deserialize)]
pub(super) struct CardObject {
    id: String,
    brand: String,
    last4: String,
    exp_month: u32,
    exp_year: i32,
    fingerprint: Option<String>,
    funding: Option<String>,
    country: Option<String>,
}

impl From<CardObject> for Card {
    fn from(card: CardObject) -> Self {
        Card {
            id: CardId(card.id),
            brand: card.brand,
            last4: card.last4,
            exp_month: card.exp_month,
            exp_year: card.exp_year,
            fingerprint: card.fingerprint.unwrap_or_default(),
            funding: card.funding.unwrap_or_else(|| "unknown".to_owned()),
            country: card.country.filter(|c| !c.is_empty()),
        }
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct ChargeObject {
    id: String,
    amount: i64,
    currency: String,
    status: String,
    failure_code: Option<String>,
    failure_message: Option<String>,
}

impl ChargeObject {
    /// A `succeeded` (or `pending`) charge went through; a `failed` one is a decline with an id.
    pub(super) fn into_charge(self) -> Result<Charge, PaymentError> {
        if self.status == "failed" {
            return Err(PaymentError::CardDeclined {
                decline_code: self.failure_code.unwrap_or_else(|| "generic_decline".to_owned()),
                message: self.failure_message.unwrap_or_else(|| "Your card was declined.".to_owned()),
                charge: Some(ChargeId(self.id)),
            });
        }
        Ok(Charge { id: ChargeId(self.id), amount_minor: self.amount, currency: self.currency })
    }
}

#[derive(Debug, Deserialize)]
struct List<T> {
    data: Vec<T>,
}

#[derive(Debug, Deserialize)]
struct Item {
    price: Price,
}

#[derive(Debug, Deserialize)]
struct Price {
    id: String,
}

#[derive(Debug, Deserialize)]
pub(super) struct SubscriptionObject {
    id: String,
    status: String,
    current_period_start: i64,
    current_period_end: i64,
    items: List<Item>,
}

impl SubscriptionObject {
    pub(super) fn into_subscription(self) -> Result<Subscription, PaymentError> {
        let unreadable = || PaymentError::Unavailable("Stripe answered a subscription this adapter cannot read".into());
        let instant = |secs| DateTime::<Utc>::from_timestamp(secs, 0).ok_or_else(unreadable);
        let price = self.items.data.into_iter().next().ok_or_else(unreadable)?.price.id;
        Ok(Subscription {
            id: SubscriptionId(self.id),
            price,
            status: SubscriptionStatus::parse(&self.status),
            current_period_start: instant(self.current_period_start)?,
            current_period_end: instant(self.current_period_end)?,
        })
    }
}

#[derive(Debug, Default, Deserialize)]
struct ErrorEnvelope {
    #[serde(default)]
    error: StripeError,
}

/// Stripe's error object (`{"error": {...}}`).
#[derive(Debug, Default, Deserialize)]
struct StripeError {
    #[serde(rename = "type")]
    kind: Option<String>,
    code: Option<String>,
    decline_code: Option<String>,
    message: Option<String>,
    param: Option<String>,
    charge: Option<String>,
}

/// The `PaymentError` of a non-2xx answer with `body`, for a call about `subject`.
pub(super) fn error_of(status: u16, body: &str, subject: Subject) -> PaymentError {
    let error = serde_json::from_str::<ErrorEnvelope>(body).map(|e| e.error).unwrap_or_default();
    let message = error.message.clone().unwrap_or_else(|| format!("Stripe answered HTTP {status}"));
    match error.kind.as_deref().unwrap_or_default() {
        _ if matches!(status, 401 | 403) => PaymentError::Misconfigured(message),
        "authentication_error" | "permission_error" => PaymentError::Misconfigured(message),
        _ if status == 429 || status >= 500 => PaymentError::Unavailable(message),
        "api_error" | "rate_limit_error" => PaymentError::Unavailable(message),
        "card_error" => PaymentError::CardDeclined {
            decline_code: error.decline_code.or(error.code).unwrap_or_else(|| "card_declined".to_owned()),
            message,
            charge: error.charge.map(ChargeId),
        },
        _ if error.code.as_deref() == Some("resource_missing") => missing(subject, error.param.as_deref(), message),
        _ => PaymentError::InvalidRequest(message),
    }
}

/// A `resource_missing` answer: the token of an attach, else what the parameter or the message
/// names, else what the call was about.
fn missing(subject: Subject, param: Option<&str>, message: String) -> PaymentError {
    let param = param.unwrap_or_default();
    let names = |what: &str| message.starts_with(&format!("No such {what}"));
    if param == "source" && subject == Subject::Token {
        PaymentError::InvalidToken(message)
    } else if param.contains("price") || param == "plan" {
        PaymentError::InvalidRequest(message)
    } else if param == "customer" || names("customer") {
        PaymentError::NotFound("customer")
    } else if matches!(param, "source" | "default_source") || names("source") || names("card") {
        PaymentError::NotFound("card")
    } else {
        PaymentError::NotFound(match subject {
            Subject::Customer | Subject::Token => "customer",
            Subject::Card => "card",
            Subject::Charge => "charge",
            Subject::Subscription => "subscription",
        })
    }
}

/// `error` with every occurrence of each of `secrets` in its text replaced: Stripe's messages
/// may quote the token or the key they refused, and an error's text reaches logs and clients.
pub(super) fn scrub(error: PaymentError, secrets: &[&str]) -> PaymentError {
    let clean = |mut text: String| {
        for secret in secrets.iter().filter(|s| !s.is_empty()) {
            text = text.replace(secret, "[redacted]");
        }
        text
    };
    match error {
        PaymentError::CardDeclined { decline_code, message, charge } => {
            PaymentError::CardDeclined { decline_code: clean(decline_code), message: clean(message), charge }
        }
        PaymentError::InvalidToken(m) => PaymentError::InvalidToken(clean(m)),
        PaymentError::InvalidRequest(m) => PaymentError::InvalidRequest(clean(m)),
        PaymentError::Misconfigured(m) => PaymentError::Misconfigured(clean(m)),
        PaymentError::Unavailable(m) => PaymentError::Unavailable(clean(m)),
        PaymentError::NotFound(what) => PaymentError::NotFound(what),
    }
}
