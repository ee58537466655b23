use commands::EventStore;
use commands::catalog::CatalogService;
use commands::login::LoginService;
use commands::passwords::Passwords;
use commands::ports::{Clock, KeyStore, MobilityLinking, TokenSigner};
use commands::user::UserService;
use std::sync::Arc;

/// What every handler reaches: cloned per request by axum, so one `Arc` (a clone is one atomic
/// increment, not one per service).
#[derive(Clone)]
pub struct AppState(Arc<Services>);

impl AppState {
    pub fn new(services: Services) -> Self {
        Self(Arc::new(services))
    }
}

impl std::ops::Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

pub struct Services {
    pub store: Arc<dyn EventStore>,
    /// The read models the handlers query.
    pub reads: projections::Reads,
    pub users: UserService,
    pub catalog: CatalogService,
    pub logins: LoginService,
    pub passwords: Passwords,
    pub two_factor: commands::twofactor::TwoFactorService,
    /// Signs and verifies access tokens (the token-signer port).
    pub tokens: Arc<dyn TokenSigner>,
    /// Server secrets (the refresh-token key, tenants' signature keys) and signing keys.
    pub keys: Arc<dyn KeyStore>,
    /// Spent bootstrap signatures and mfaTokens.
    pub spent: commands::replay::SpentProofs,
    pub clock: Arc<dyn Clock>,
    pub limits: crate::limits::Limits,
    /// Whose `X-Forwarded-For` is believed.
    pub proxies: crate::client_addr::TrustedProxies,
    pub codes: commands::codes::CodeService,
    pub oidc: crate::oidc::OidcVerifier,
    /// Payment methods, charges and subscriptions, through the tenant's payment provider.
    pub wallets: commands::wallet::WalletService,
    /// Account deletion: holds, erasure, deletion requests.
    pub erasure: commands::erasure::ErasureService,
    /// Answers kept for requests that carried an `Idempotency-Key`.
    pub idempotency: commands::idempotency::Idempotency,
    /// Identity verification: sessions at the provider, their outcomes in the log.
    pub verification: commands::verification::VerificationService,
    /// How long `GET /customers` waits for the provider's word on pending sessions.
    pub verification_poll: std::time::Duration,
    pub mobility: Arc<dyn MobilityLinking>,
    /// Where people reach this service: the base of links in messages.
    pub public_url: String,
    /// The tenant the legacy dialect serves.
    pub legacy_tenant: String,
    /// Every dialect's sign-in and refresh.
    pub sign_in: commands::signin::SignInFlow,
    /// Users' links to the tenants' transactable systems.
    pub links: commands::links::AccountLinkService,
    /// The identity cards operators assigned to users.
    pub cards: commands::cards::IdentityCardService,
    /// Signs the consent form of coord's `link_account`.
    pub link_key: crate::coord::link_state::LinkStateKey,
    /// The key of the admin surface (`USERS_API_ADMIN_KEY`, or generated).
    pub admin_key: secrecy::SecretString,
    /// Admin keys, the record of admin reads, users' past states.
    pub admin: commands::admin::AdminService,
    /// Rebuilds started through `/admin/projections/{name}/rebuild`.
    pub rebuilds: crate::admin::RebuildJobs,
}
