//! Which payment provider a tenant's wallets use: the sandbox by default and always for test
//! users; Stripe for the tenants `USERS_API_STRIPE_TENANTS` names once `USERS_API_STRIPE_SECRET_KEY`
//! is set.
use crate::startup::Adapters;
use adapters::sandbox::SandboxPayments;
use adapters::stripe::{StripeConfig, StripePayments};
use anyhow::Context as _;
use commands::ports::{Clock, PaymentProvider};
use commands::wallet::PaymentProviders;
use secrecy::SecretString;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone, clap::Args)]
pub struct StripeSettings {
    /// Stripe secret key (`sk_live_…`, `sk_test_…`); unset: every wallet is in the sandbox.
    #[arg(long = "stripe-secret-key", env = "USERS_API_STRIPE_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<SecretString>,
    /// The tenants whose wallets use Stripe, comma-separated; `*` for all. Test users always use
    /// the sandbox.
    #[arg(long = "stripe-tenants", env = "USERS_API_STRIPE_TENANTS", value_delimiter = ',', default_value = "*")]
    pub tenants: Vec<String>,
    /// A connected account (`acct_…`) to act for: sent as `Stripe-Account` on every request.
    #[arg(long = "stripe-account", env = "USERS_API_STRIPE_ACCOUNT")]
    pub account: Option<String>,
    /// Stripe's API address (a stand-in in tests).
    #[arg(long = "stripe-api-base", env = "USERS_API_STRIPE_API_BASE", default_value = "https://api.stripe.com")]
    pub api_base: String,
    /// Seconds a Stripe request may take before it counts as failed (and is retried, with the
    /// same idempotency key, twice).
    #[arg(long = "stripe-timeout-secs", env = "USERS_API_STRIPE_TIMEOUT_SECS", default_value_t = 8)]
    pub timeout_secs: u64,
}

impl Default for StripeSettings {
    fn default() -> Self {
        Self {
            secret_key: None,
            tenants: vec!["*".to_owned()],
            account: None,
            api_base: "https://api.stripe.com".to_owned(),
            timeout_secs: 8,
        }
    }
}

/// The providers of `settings`, with any the test `adapters` give in their place.
pub fn providers(
    settings: &StripeSettings,
    adapters: &Adapters,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<PaymentProviders> {
    let sandbox = adapters.payments.clone().unwrap_or_else(|| Arc::new(SandboxPayments::new(clock)));
    let providers = PaymentProviders::sandbox(sandbox);
    let stripe: Option<Arc<dyn PaymentProvider>> = match (&adapters.stripe, &settings.secret_key) {
        (Some(given), _) => Some(given.clone()),
        (None, Some(key)) => {
            let config = StripeConfig {
                api_base: settings.api_base.clone(),
                connected_account: settings.account.clone().filter(|a| !a.is_empty()),
                timeout: Duration::from_secs(settings.timeout_secs.clamp(1, 60)),
                ..StripeConfig::new(key.clone())
            };
            Some(Arc::new(StripePayments::new(config).context("USERS_API_STRIPE_API_BASE")?))
        }
        (None, None) => None,
    };
    Ok(match stripe {
        Some(stripe) => providers.with_stripe(stripe, &settings.tenants),
        None => providers,
    })
}
