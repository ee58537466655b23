//! The payment provider over Stripe's HTTP API (`docs/payments.md`): form-encoded requests with
//! the secret key as a bearer token, a pinned `Stripe-Version`, `Stripe-Account` when acting for
//! a connected account, and the port's idempotency key as `Idempotency-Key` on every POST.
//! Transport failures, 429 and 5xx answers are retried with the same key; 4xx answers never.
//! Logs name the method, path and status only: never the key, a token or a body.
mod wire;

use commands::ports::payments::{
    BillingAddress, Card, CardId, Charge, ChargeRequest, CustomerId, PaymentError, PaymentProvider, Subscription,
    SubscriptionId,
};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use reqwest::{Method, StatusCode, Url};
use secrecy::{ExposeSecret, SecretString};
use serde::de::{DeserializeOwned, IgnoredAny};
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;
use wire::{Form, Subject, field};

/// The wait before retry `n` is `n` times this.
const BACKOFF: Duration = Duration::from_millis(100);

/// Where and as whom the adapter talks to Stripe.
#[derive(Clone)]
pub struct StripeConfig {
    /// `https://api.stripe.com`, or a stand-in's address in tests.
    pub api_base: String,
    /// `sk_live_…` or `sk_test_…`; sent as the bearer token, never logged.
    pub secret_key: SecretString,
    /// `acct_…`: act for this connected account (`Stripe-Account` on every request).
    pub connected_account: Option<String>,
    /// The bound of each HTTP attempt, connection and answer included.
    pub timeout: Duration,
    /// Retries after a transport failure, a 429 or a 5xx answer (so at most `1 + max_retries`
    /// attempts, all with the call's idempotency key).
    pub max_retries: u32,
}

impl StripeConfig {
    /// Stripe's own address, a 10-second timeout, two retries, no connected account.
    pub fn new(secret_key: SecretString) -> Self {
        Self {
            api_base: "https://api.stripe.com".to_owned(),
            secret_key,
            connected_account: None,
            timeout: Duration::from_secs(10),
            max_retries: 2,
        }
    }
}

impl fmt::Debug for StripeConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StripeConfig")
            .field("api_base", &self.api_base)
            .field("secret_key", &"[redacted]")
            .field("connected_account", &self.connected_account)
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .finish()
    }
}

/// The Stripe payment provider. Stateless: Stripe keeps the customers, cards and charges.
pub struct StripePayments {
    config: StripeConfig,
    http: reqwest::Client,
    base: Url,
    auth: HeaderValue,
    account: Option<HeaderValue>,
}

impl fmt::Debug for StripePayments {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StripePayments").field("config", &self.config).finish_non_exhaustive()
    }
}

/// One API call: what it is about, and the values no message may repeat.
struct Call<'a> {
    method: Method,
    path: Vec<&'a str>,
    form: Form,
    idempotency_key: Option<&'a str>,
    subject: Subject,
    token: Option<&'a str>,
}

impl<'a> Call<'a> {
    fn post(path: Vec<&'a str>, form: Form, idempotency_key: &'a str, subject: Subject) -> Self {
        Self { method: Method::POST, path, form, idempotency_key: Some(idempotency_key), subject, token: None }
    }

    fn delete(path: Vec<&'a str>, subject: Subject) -> Self {
        Self { method: Method::DELETE, path, form: Form::new(), idempotency_key: None, subject, token: None }
    }
}

/// What one attempt came to.
enum Outcome {
    Answered { status: StatusCode, should_retry: Option<bool>, body: String },
    Failed(String),
}

impl StripePayments {
    /// Refuses a base that is not an http(s) URL, or a key or account that cannot be a header.
    pub fn new(config: StripeConfig) -> Result<Self, PaymentError> {
        let misconfigured = |what: &str| PaymentError::Misconfigured(what.to_owned());
        let base = Url::parse(&config.api_base)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && !u.cannot_be_a_base())
            .ok_or_else(|| misconfigured("the Stripe API base is not an http(s) URL"))?;
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", config.secret_key.expose_secret()))
            .map_err(|_| misconfigured("the Stripe secret key is not a valid header value"))?;
        auth.set_sensitive(true);
        let account = match &config.connected_account {
            Some(acct) => Some(
                HeaderValue::from_str(acct)
                    .map_err(|_| misconfigured("the connected account is not a header value"))?,
            ),
            None => None,
        };
        let http = reqwest::Client::builder()
            .connect_timeout(config.timeout)
            .build()
            .map_err(|_| misconfigured("the HTTP client cannot be built"))?;
        Ok(Self { config, http, base, auth, account })
    }

    fn url(&self, path: &[&str]) -> Result<Url, PaymentError> {
        if path.iter().any(|s| matches!(*s, "" | "." | "..")) {
            return Err(PaymentError::InvalidRequest("an empty or dot-only id is not a Stripe id".into()));
        }
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|_| PaymentError::Misconfigured("the Stripe API base cannot take a path".into()))?
            .pop_if_empty()
            .extend(path);
        Ok(url)
    }

    /// Sends `call`, retrying what may be retried, and reads the answer as `T`.
    async fn call<T: DeserializeOwned>(&self, call: Call<'_>) -> Result<T, PaymentError> {
        let url = self.url(&call.path)?;
        let key = match call.idempotency_key {
            Some(key) => Some(
                HeaderValue::from_str(key)
                    .map_err(|_| PaymentError::InvalidRequest("the idempotency key is not a header value".into()))?,
            ),
            None => None,
        };
        let body = wire::encode(&call.form);
        let mut attempt = 0;
        loop {
            let outcome = self.attempt(&call.method, &url, key.as_ref(), &body, attempt).await;
            let retryable = match &outcome {
                Outcome::Failed(_) => true,
                Outcome::Answered { status, should_retry, .. } => {
                    (*status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error())
                        && *should_retry != Some(false)
                }
            };
            if !retryable || attempt >= self.config.max_retries {
                let secrets = [self.config.secret_key.expose_secret(), call.token.unwrap_or_default()];
                return self.finish(outcome, call.subject).map_err(|e| wire::scrub(e, &secrets));
            }
            attempt += 1;
            tokio::time::sleep(BACKOFF * attempt).await;
        }
    }

    async fn attempt(
        &self,
        method: &Method,
        url: &Url,
        key: Option<&HeaderValue>,
        body: &str,
        attempt: u32,
    ) -> Outcome {
        let path = url.path();
        let mut request = self
            .http
            .request(method.clone(), url.clone())
            .timeout(self.config.timeout)
            .header(AUTHORIZATION, self.auth.clone())
            .header("Stripe-Version", wire::API_VERSION);
        if let Some(account) = &self.account {
            request = request.header("Stripe-Account", account.clone());
        }
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key.clone());
        }
        if *method == Method::POST {
            request = request.header(CONTENT_TYPE, "application/x-www-form-urlencoded").body(body.to_owned());
        }
        tracing::debug!(%method, path, attempt, "stripe request");
        let failed = |e: reqwest::Error| {
            let reason = if e.is_timeout() {
                format!("Stripe did not answer within {:?}", self.config.timeout)
            } else if e.is_connect() {
                "cannot connect to Stripe".to_owned()
            } else {
                "the connection to Stripe failed".to_owned()
            };
            tracing::warn!(%method, path, attempt, failure = %reason, "stripe request failed");
            Outcome::Failed(reason)
        };
        let response = match request.send().await {
            Ok(response) => response,
            Err(e) => return failed(e),
        };
        let status = response.status();
        let should_retry = response.headers().get("Stripe-Should-Retry").map(|v| v.as_bytes() == b"true");
        tracing::info!(%method, path, status = status.as_u16(), attempt, "stripe answered");
        match response.text().await {
            Ok(body) => Outcome::Answered { status, should_retry, body },
            Err(e) => failed(e),
        }
    }

    fn finish<T: DeserializeOwned>(&self, outcome: Outcome, subject: Subject) -> Result<T, PaymentError> {
        match outcome {
            Outcome::Failed(reason) => Err(PaymentError::Unavailable(reason)),
            Outcome::Answered { status, body, .. } if status.is_success() => {
                serde_json::from_str(&body).map_err(|_| {
                    PaymentError::Unavailable("Stripe answered with an object this adapter cannot read".into())
                })
            }
            Outcome::Answered { status, body, .. } => Err(wire::error_of(status.as_u16(), &body, subject)),
        }
    }
}

#[async_trait::async_trait]
impl PaymentProvider for StripePayments {
    fn name(&self) -> &'static str {
        "stripe"
    }

    async fn create_customer(
        &self,
        reference: &str,
        email: Option<&str>,
        idempotency_key: &str,
    ) -> Result<CustomerId, PaymentError> {
        let mut form = vec![field("description", reference), field("metadata[reference]", reference)];
        form.extend(email.map(|e| field("email", e)));
        let call = Call::post(vec!["v1", "customers"], form, idempotency_key, Subject::Customer);
        let customer: wire::CustomerObject = self.call(call).await?;
        Ok(CustomerId(customer.id))
    }

    async fn attach_card(
        &self,
        customer: &CustomerId,
        token: &str,
        idempotency_key: &str,
    ) -> Result<Card, PaymentError> {
        let form = vec![field("source", token)];
        let mut call =
            Call::post(vec!["v1", "customers", &customer.0, "sources"], form, idempotency_key, Subject::Token);
        call.token = Some(token);
        let card: wire::CardObject = self.call(call).await?;
        Ok(card.into())
    }

    async fn detach_card(&self, customer: &CustomerId, card: &CardId) -> Result<(), PaymentError> {
        let call = Call::delete(vec!["v1", "customers", &customer.0, "sources", &card.0], Subject::Card);
        self.call::<IgnoredAny>(call).await.map(|_| ())
    }

    async fn set_default_card(
        &self,
        customer: &CustomerId,
        card: &CardId,
        idempotency_key: &str,
    ) -> Result<(), PaymentError> {
        let form = vec![field("default_source", card.0.as_str())];
        let call = Call::post(vec!["v1", "customers", &customer.0], form, idempotency_key, Subject::Customer);
        self.call::<IgnoredAny>(call).await.map(|_| ())
    }

    async fn update_card_address(
        &self,
        customer: &CustomerId,
        card: &CardId,
        address: &BillingAddress,
        idempotency_key: &str,
    ) -> Result<(), PaymentError> {
        let value = |v: &Option<String>| v.clone().unwrap_or_default();
        let form = vec![
            field("address_line1", value(&address.line1)),
            field("address_city", value(&address.city)),
            field("address_zip", value(&address.zip)),
            field("address_country", value(&address.country)),
        ];
        let path = vec!["v1", "customers", &customer.0, "sources", &card.0];
        self.call::<IgnoredAny>(Call::post(path, form, idempotency_key, Subject::Card)).await.map(|_| ())
    }

    /// Stripe merges metadata: each key given is set (an empty value unsets it at Stripe), keys
    /// not given are left as they are, so `reference` (set at creation) stays.
    async fn update_customer_metadata(
        &self,
        customer: &CustomerId,
        metadata: &BTreeMap<String, String>,
        idempotency_key: &str,
    ) -> Result<(), PaymentError> {
        let form = metadata.iter().map(|(k, v)| field(format!("metadata[{k}]"), v.as_str())).collect();
        let call = Call::post(vec!["v1", "customers", &customer.0], form, idempotency_key, Subject::Customer);
        self.call::<IgnoredAny>(call).await.map(|_| ())
    }

    async fn charge(&self, request: &ChargeRequest) -> Result<Charge, PaymentError> {
        let form = vec![
            field("amount", request.amount_minor.to_string()),
            field("currency", request.currency.as_str()),
            field("customer", request.customer.0.as_str()),
            field("source", request.card.0.as_str()),
            field("description", request.description.as_str()),
        ];
        let call = Call::post(vec!["v1", "charges"], form, &request.idempotency_key, Subject::Charge);
        let charge: wire::ChargeObject = self.call(call).await?;
        charge.into_charge()
    }

    async fn subscribe(
        &self,
        customer: &CustomerId,
        price: &str,
        idempotency_key: &str,
    ) -> Result<Subscription, PaymentError> {
        let form = vec![field("customer", customer.0.as_str()), field("items[0][price]", price)];
        let call = Call::post(vec!["v1", "subscriptions"], form, idempotency_key, Subject::Customer);
        let subscription: wire::SubscriptionObject = self.call(call).await?;
        subscription.into_subscription()
    }

    async fn cancel_subscription(&self, subscription: &SubscriptionId) -> Result<Subscription, PaymentError> {
        let call = Call::delete(vec!["v1", "subscriptions", &subscription.0], Subject::Subscription);
        let subscription: wire::SubscriptionObject = self.call(call).await?;
        subscription.into_subscription()
    }
}

#[cfg(test)]
mod standin;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_errors;
