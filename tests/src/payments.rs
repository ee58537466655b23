//! Payments as the tests drive them: the legacy payment routes for one bearer, and a provider
//! that counts the calls it forwards to the sandbox (so a test can tell one provider call from
//! two).
use crate::TestApp;
use adapters::sandbox::SandboxPayments;
use commands::ports::PaymentProvider;
use commands::ports::payments::{
    BillingAddress, Card, CardId, Charge, ChargeRequest, CustomerId, PaymentError, Subscription, SubscriptionId,
};
use reqwest::{Method, RequestBuilder};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The sandbox, counting attaches and charges; `delay` holds every call that long (to let
/// concurrent requests overlap).
#[derive(Default)]
pub struct CountingPayments {
    inner: SandboxPayments,
    pub attaches: AtomicUsize,
    pub charges: AtomicUsize,
    pub delay_ms: u64,
}

impl CountingPayments {
    pub fn slow(delay_ms: u64) -> Arc<Self> {
        Arc::new(Self { delay_ms, ..Self::default() })
    }

    pub fn attached(&self) -> usize {
        self.attaches.load(Ordering::SeqCst)
    }

    pub fn charged(&self) -> usize {
        self.charges.load(Ordering::SeqCst)
    }

    async fn pause(&self) {
        tokio::time::sleep(std::time::Duration::from_millis(self.delay_ms)).await;
    }
}

#[async_trait::async_trait]
impl PaymentProvider for CountingPayments {
    fn name(&self) -> &'static str {
        "sandbox"
    }
    async fn create_customer(&self, r: &str, e: Option<&str>, k: &str) -> Result<CustomerId, PaymentError> {
        self.inner.create_customer(r, e, k).await
    }
    async fn attach_card(&self, c: &CustomerId, t: &str, k: &str) -> Result<Card, PaymentError> {
        self.attaches.fetch_add(1, Ordering::SeqCst);
        self.pause().await;
        self.inner.attach_card(c, t, k).await
    }
    async fn detach_card(&self, c: &CustomerId, card: &CardId) -> Result<(), PaymentError> {
        self.inner.detach_card(c, card).await
    }
    async fn set_default_card(&self, c: &CustomerId, card: &CardId, k: &str) -> Result<(), PaymentError> {
        self.inner.set_default_card(c, card, k).await
    }
    async fn update_card_address(
        &self,
        c: &CustomerId,
        card: &CardId,
        a: &BillingAddress,
        k: &str,
    ) -> Result<(), PaymentError> {
        self.inner.update_card_address(c, card, a, k).await
    }
    async fn update_customer_metadata(
        &self,
        c: &CustomerId,
        m: &BTreeMap<String, String>,
        k: &str,
    ) -> Result<(), PaymentError> {
        self.inner.update_customer_metadata(c, m, k).await
    }
    async fn charge(&self, r: &ChargeRequest) -> Result<Charge, PaymentError> {
        self.charges.fetch_add(1, Ordering::SeqCst);
        self.pause().await;
        self.inner.charge(r).await
    }
    async fn subscribe(&self, c: &CustomerId, p: &str, k: &str) -> Result<Subscription, PaymentError> {
        self.inner.subscribe(c, p, k).await
    }
    async fn cancel_subscription(&self, s: &SubscriptionId) -> Result<Subscription, PaymentError> {
        self.inner.cancel_subscription(s).await
    }
}

impl TestApp {
    /// `/api/users/payment{path}` for the bearer of `access`.
    pub fn payment(&self, method: Method, access: &str, path: &str) -> RequestBuilder {
        self.client.request(method, self.url(&format!("/api/users/payment{path}"))).bearer_auth(access)
    }
}
