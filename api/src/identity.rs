//! Which identity-verification provider the service uses: the sandbox by default; Veriff's
//! session API once `USERS_API_IDV_API_BASE` is set (with its key and shared secret). And how
//! long `GET /customers` waits for the provider's word on a customer's pending sessions.
use crate::startup::Adapters;
use adapters::sandbox::SandboxIdentityVerification;
use adapters::veriff::{VeriffConfig, VeriffVerification};
use anyhow::Context as _;
use commands::ports::IdentityVerification;
use secrecy::SecretString;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone, clap::Args)]
pub struct IdvSettings {
    /// Veriff's API address (`https://stationapi.veriff.com`, a stand-in in tests); unset: the
    /// sandbox verifies identities.
    #[arg(id = "idv-api-base", long = "idv-api-base", env = "USERS_API_IDV_API_BASE")]
    pub api_base: Option<String>,
    /// The API key of the Veriff integration (`X-AUTH-CLIENT`); needed with the API base.
    #[arg(id = "idv-api-key", long = "idv-api-key", env = "USERS_API_IDV_API_KEY", hide_env_values = true)]
    pub api_key: Option<SecretString>,
    /// The shared secret of the Veriff integration, which signs decision requests.
    #[arg(
        id = "idv-shared-secret",
        long = "idv-shared-secret",
        env = "USERS_API_IDV_SHARED_SECRET",
        hide_env_values = true
    )]
    pub shared_secret: Option<SecretString>,
    /// Seconds one request to the provider may take (no retries).
    #[arg(id = "idv-timeout-secs", long = "idv-timeout-secs", env = "USERS_API_IDV_TIMEOUT_SECS", default_value_t = 5)]
    pub timeout_secs: u64,
    /// Milliseconds `GET /customers` waits for the provider's decisions on the customer's
    /// pending sessions before it answers with what the log has.
    #[arg(
        id = "idv-poll-millis",
        long = "idv-poll-millis",
        env = "USERS_API_IDV_POLL_MILLIS",
        default_value_t = 1_500
    )]
    pub poll_millis: u64,
}

impl Default for IdvSettings {
    fn default() -> Self {
        Self { api_base: None, api_key: None, shared_secret: None, timeout_secs: 5, poll_millis: 1_500 }
    }
}

impl IdvSettings {
    /// The bound of the poll of `GET /customers`, 0 to 10 seconds.
    pub fn poll_timeout(&self) -> Duration {
        Duration::from_millis(self.poll_millis.min(10_000))
    }
}

/// The provider of `settings`, or the one the test `adapters` give in its place.
pub fn provider(settings: &IdvSettings, adapters: &Adapters) -> anyhow::Result<Arc<dyn IdentityVerification>> {
    if let Some(given) = &adapters.identity_verification {
        return Ok(given.clone());
    }
    let Some(api_base) = settings.api_base.clone().filter(|b| !b.is_empty()) else {
        return Ok(Arc::new(SandboxIdentityVerification::default()));
    };
    let key = settings.api_key.clone().context("USERS_API_IDV_API_KEY must be set with USERS_API_IDV_API_BASE")?;
    let secret = settings
        .shared_secret
        .clone()
        .context("USERS_API_IDV_SHARED_SECRET must be set with USERS_API_IDV_API_BASE")?;
    let config = VeriffConfig {
        api_base,
        api_key: key,
        shared_secret: secret,
        timeout: Duration::from_secs(settings.timeout_secs.clamp(1, 60)),
    };
    Ok(Arc::new(VeriffVerification::new(config).context("USERS_API_IDV_API_BASE")?))
}
