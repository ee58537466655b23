//! Which payment provider serves a wallet: the sandbox always for test users and by default;
//! Stripe for the tenants configured to use it. A wallet records its provider when its customer
//! is created, and keeps using that one.
use crate::ports::PaymentProvider;
use crate::ports::payments::PaymentError;
use std::collections::BTreeSet;
use std::sync::Arc;

#[derive(Clone)]
pub struct PaymentProviders {
    sandbox: Arc<dyn PaymentProvider>,
    stripe: Option<(Arc<dyn PaymentProvider>, Tenants)>,
}

#[derive(Clone)]
enum Tenants {
    All,
    Only(BTreeSet<String>),
}

impl PaymentProviders {
    /// Every wallet in the sandbox.
    pub fn sandbox(sandbox: Arc<dyn PaymentProvider>) -> Self {
        Self { sandbox, stripe: None }
    }

    /// Wallets of `tenants` (`*`: every tenant) use `stripe`, test users excepted.
    pub fn with_stripe(mut self, stripe: Arc<dyn PaymentProvider>, tenants: &[String]) -> Self {
        let tenants = if tenants.iter().any(|t| t == "*") {
            Tenants::All
        } else {
            Tenants::Only(tenants.iter().cloned().collect())
        };
        self.stripe = Some((stripe, tenants));
        self
    }

    /// The provider a new customer of `tenant` goes to.
    pub fn for_new_customer(&self, tenant: &str, test_user: bool) -> &Arc<dyn PaymentProvider> {
        match &self.stripe {
            Some((stripe, Tenants::All)) if !test_user => stripe,
            Some((stripe, Tenants::Only(set))) if !test_user && set.contains(tenant) => stripe,
            _ => &self.sandbox,
        }
    }

    /// The provider a wallet's customer lives at, by the name the wallet recorded.
    pub fn named(&self, name: &str) -> Result<&Arc<dyn PaymentProvider>, PaymentError> {
        if name == self.sandbox.name() {
            return Ok(&self.sandbox);
        }
        match &self.stripe {
            Some((stripe, _)) if stripe.name() == name => Ok(stripe),
            _ => Err(PaymentError::Misconfigured(format!("the payment provider {name} is not configured"))),
        }
    }
}
