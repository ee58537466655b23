//! Building the application: store, adapters wired into the ports, demo tenant, keys, projection
//! runners, outbox dispatcher, HTTP listener.
use crate::config::{Config, reveal};
use crate::coord;
use crate::oidc::OidcVerifier;
use crate::state::AppState;
use crate::tokens::TokenService;
use adapters::clock::SystemClock;
use adapters::jwks::HttpProviderKeys;
use adapters::keys::SqlKeyStore;
use adapters::sandbox::SandboxMobilitySystems;
use adapters::senders::{FileSender, SmsGatewaySender, SmtpSender};
use anyhow::Context;
use axum::Router;
use axum::http::header::CACHE_CONTROL;
use axum::http::{HeaderName, HeaderValue, Request};
use commands::catalog::{CatalogService, PartnerSeed};
use commands::login::LoginService;
use commands::passwords::Passwords;
use commands::ports::{
    Clock, IdentityVerification, KeyStore, MessageSender, MobilityLinking, PaymentProvider, ProviderKeys, Senders,
    TokenSigner,
};
use commands::replay::SpentProofs;
use commands::signin::{SignInFlow, SignInPolicy, SignInServices};
use commands::user::UserService;
use commands::{CommandBus, EventStore, Metadata};
use projections::ProjectionRunners;
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// The store with the inline projections registered.
pub async fn open_store(config: &Config) -> anyhow::Result<Arc<dyn EventStore>> {
    let engine = if config.is_postgres() { "PostgreSQL" } else { "SQLite" };
    projections::open_store_with(&config.database_url, config.db_acquire_timeout, Some(config.master_key))
        .await
        .with_context(|| format!("cannot open {engine}"))
}

pub struct Application {
    listener: TcpListener,
    router: Router,
    runners: ProjectionRunners,
    cache_follower: Option<projections::cache::CacheFollower>,
    key_reloader: tokio::task::JoinHandle<()>,
    dispatcher: tokio::task::JoinHandle<()>,
    deletion_completer: tokio::task::JoinHandle<()>,
    state: AppState,
    http: crate::bounded::HttpLimits,
}

/// The outside world, port by port. A port left `None` gets the adapter the configuration
/// chooses, as `Application::build` wires it; a test passes its own for any port.
#[derive(Clone, Default)]
pub struct Adapters {
    /// Email: SMTP when `USERS_API_SMTP_URL` is set, else the outbox file.
    pub email: Option<Arc<dyn MessageSender>>,
    /// SMS: the HTTP gateway when `USERS_API_SMS_GATEWAY_URL` is set, else the outbox file.
    pub sms: Option<Arc<dyn MessageSender>>,
    /// OpenID providers' keys: fetched over HTTP.
    pub provider_keys: Option<Arc<dyn ProviderKeys>>,
    /// Signing keys and server secrets: the database.
    pub key_store: Option<Arc<dyn KeyStore>>,
    /// Access tokens: Ed25519 with the key store's keys.
    pub token_signer: Option<Arc<dyn TokenSigner>>,
    /// The system clock.
    pub clock: Option<Arc<dyn Clock>>,
    /// The sandbox payment provider (test users, and tenants not on Stripe).
    pub payments: Option<Arc<dyn PaymentProvider>>,
    /// The Stripe payment provider: the `USERS_API_STRIPE_*` configuration's when `None`.
    pub stripe: Option<Arc<dyn PaymentProvider>>,
    /// Identity verification: the `USERS_API_IDV_*` configuration's provider when `None`.
    pub identity_verification: Option<Arc<dyn IdentityVerification>>,
    /// Mobility systems: the sandbox until their real adapters arrive.
    pub mobility: Option<Arc<dyn MobilityLinking>>,
}

impl Application {
    /// The application with every adapter chosen by the configuration.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        Self::build_with(config, Adapters::default()).await
    }

    /// The application with `adapters` in place of the configured ones where given.
    pub async fn build_with(config: Config, adapters: Adapters) -> anyhow::Result<Self> {
        crate::metrics::recorder();
        let store = open_store(&config).await?;
        let bus = CommandBus::new(store.clone());
        let keys: Arc<dyn KeyStore> = match adapters.key_store.clone() {
            Some(given) => given,
            None => {
                let sql_keys = SqlKeyStore::for_store(store.as_ref(), &config.master_key);
                let sealed = sql_keys.seal_stored().await?;
                if sealed > 0 {
                    tracing::info!(sealed, "sealed the keys stored in clear with the master key");
                }
                Arc::new(sql_keys)
            }
        };
        let refresh_key = keys.secret_bytes_or_create("refresh-token-key").await?;
        let clock: Arc<dyn Clock> = adapters.clock.clone().unwrap_or_else(|| Arc::new(SystemClock));
        let link_key =
            crate::coord::link_state::LinkStateKey::new(keys.secret_bytes_or_create("link-state-key").await?);
        let tokens: Arc<dyn TokenSigner> = match adapters.token_signer.clone() {
            Some(given) => given,
            None => Arc::new(TokenService::load_or_create(keys.clone()).await?.with_clock(clock.clone())),
        };
        let (reads, cache_follower) = reads(&store, &config);
        let services = SignInServices {
            users: UserService::new(bus.clone()),
            logins: LoginService::new(bus.clone(), refresh_key, config.sessions),
            catalog: CatalogService::new(bus.clone()),
            passwords: Passwords::new(config.passwords).context("password hashing")?,
            codes: commands::codes::CodeService::new(bus.clone(), domain::code::CodePolicy::default()),
            two_factor: commands::twofactor::TwoFactorService::new(bus.clone()),
            store: store.clone(),
            sessions: Arc::new(adapters::sessions::ReadModelSessions(reads.clone())),
        };
        let wallets = commands::wallet::WalletService::new(
            bus.clone(),
            crate::payments::providers(&config.stripe, &adapters, clock.clone())?,
        );
        let senders = senders(&config, &adapters)?;
        let links = commands::links::AccountLinkService::new(bus.clone(), CatalogService::new(bus.clone()));
        let cards = commands::cards::IdentityCardService::new(bus.clone());
        let erasure = commands::erasure::ErasureService {
            links: links.clone(),
            cards: cards.clone(),
            store: store.clone(),
            senders: senders.clone(),
            users: services.users.clone(),
            wallets: wallets.clone(),
            logins: services.logins.clone(),
            sessions: services.sessions.clone(),
        };
        let policy = SignInPolicy { lockout: config.lockout, suite_token_lifetime: config.suite_token_lifetime };
        let sign_in = SignInFlow::new(services.clone(), tokens.clone(), clock.clone(), policy);
        let state = AppState::new(crate::state::Services {
            users: services.users,
            logins: services.logins,
            two_factor: services.two_factor,
            catalog: services.catalog,
            passwords: services.passwords,
            tokens,
            keys,
            spent: SpentProofs::new(store.clone()),
            clock: clock.clone(),
            limits: crate::limits::Limits::new(config.limits),
            proxies: config.trusted_proxies.clone(),
            codes: services.codes,
            oidc: OidcVerifier::new(
                adapters.provider_keys.clone().unwrap_or_else(|| Arc::new(HttpProviderKeys::new())),
            ),
            wallets,
            erasure,
            idempotency: commands::idempotency::Idempotency::new(store.clone(), clock.clone()),
            verification: commands::verification::VerificationService::new(
                bus.clone(),
                crate::identity::provider(&config.idv, &adapters)?,
            ),
            verification_poll: config.idv.poll_timeout(),
            mobility: adapters.mobility.clone().unwrap_or_else(|| Arc::new(SandboxMobilitySystems::default())),
            public_url: config.public_url.clone(),
            legacy_tenant: config.legacy_tenant.clone(),
            reads,
            store: store.clone(),
            sign_in,
            links,
            cards,
            link_key,
            admin_key: config.admin_key.clone(),
            admin: commands::admin::AdminService::new(bus.clone()),
            rebuilds: Default::default(),
        });
        seed_demo(&state, &config).await?;
        if !state.reads.tenant_exists(&config.legacy_tenant).await? {
            anyhow::bail!("USERS_API_LEGACY_TENANT names no tenant: {}", config.legacy_tenant);
        }
        let runners = projections::spawn_runners(store.clone(), projections::catch_up());
        let listener =
            TcpListener::bind(&config.bind).await.with_context(|| format!("cannot listen on {}", config.bind))?;
        let key_reloader = crate::tokens::spawn_reloader(state.tokens.clone(), state.limits.clone());
        let dispatcher = commands::outbox::spawn_dispatcher(store.clone(), senders);
        let deletion_completer = crate::deletion::spawn_completer(state.clone(), config.deletion_check_every);
        let router = crate::bounded::layers(app(state.clone()), &config.http);
        Ok(Self {
            router,
            listener,
            runners,
            cache_follower,
            key_reloader,
            dispatcher,
            deletion_completer,
            state,
            http: config.http,
        })
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// The address actually bound (port 0 resolved).
    pub fn address(&self) -> String {
        self.listener.local_addr().map(|a| a.to_string()).unwrap_or_default()
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serve until `shutdown` resolves, then finish in-flight requests and projector batches.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        let served = crate::bounded::serve(self.listener, self.router, self.http, shutdown).await;
        self.key_reloader.abort();
        self.dispatcher.abort();
        self.deletion_completer.abort();
        self.runners.shutdown().await;
        if let Some(follower) = self.cache_follower {
            follower.shutdown().await;
        }
        served
    }
}

/// The read handle: with the in-memory cache of the authenticated path, and the follower that
/// keeps it in step with the commits, unless the configuration turns the cache off.
fn reads(
    store: &Arc<dyn EventStore>,
    config: &Config,
) -> (projections::Reads, Option<projections::cache::CacheFollower>) {
    use projections::cache::{self, ReadCache};
    match config.read_cache_entries {
        Some(entries) => {
            let cache = Arc::new(ReadCache::new(entries));
            let follower = cache::follow(store.clone(), cache.clone(), config.read_cache_backstop);
            (projections::Reads::cached(store.as_ref(), cache), Some(follower))
        }
        None => (projections::Reads::new(store.as_ref()), None),
    }
}

/// The sender of each channel: the given one, else SMTP and the SMS gateway when configured,
/// else the outbox file.
fn senders(config: &Config, adapters: &Adapters) -> anyhow::Result<Senders> {
    let file: Arc<dyn MessageSender> = Arc::new(FileSender::new(config.data_dir.join("outbox.jsonl")));
    let email: Arc<dyn MessageSender> = match (&adapters.email, &config.smtp_url) {
        (Some(given), _) => given.clone(),
        (None, Some(url)) => Arc::new(SmtpSender::new(url, &config.smtp_from).context("USERS_API_SMTP_URL")?),
        (None, None) => file.clone(),
    };
    let sms: Arc<dyn MessageSender> = match (&adapters.sms, &config.sms_gateway) {
        (Some(given), _) => given.clone(),
        (None, Some((url, token))) => Arc::new(SmsGatewaySender::new(url, token)),
        (None, None) => file,
    };
    Ok(Senders { email, sms })
}

async fn seed_demo(state: &AppState, config: &Config) -> anyhow::Result<()> {
    let seed = PartnerSeed {
        tenant_id: config.demo_tenant.clone(),
        tenant_name: "Demo tenant".into(),
        partner_id: config.demo_partner.clone(),
        partner_name: "Demo partner".into(),
        access_key: reveal(&config.demo_access_key).to_owned(),
        server_token: reveal(&config.demo_server_token).to_owned(),
    };
    state
        .keys
        .set_secret(&crate::suite::bootstrap::key_name(&config.demo_tenant), reveal(&config.demo_signature_key))
        .await?;
    let metadata = Metadata { actor: Some("system:startup".into()), ..Metadata::default() };
    state
        .catalog
        .ensure_partner(&seed, state.clock.now(), &metadata)
        .await
        .map_err(|e| anyhow::anyhow!("cannot seed the demo tenant: {e}"))?;
    for system in crate::linking::demo_systems() {
        state
            .catalog
            .ensure_transactable_system(&config.demo_tenant, system, state.clock.now(), &metadata)
            .await
            .map_err(|e| anyhow::anyhow!("cannot seed the demo tenant's systems: {e}"))?;
    }
    for branch in crate::linking::demo_branches() {
        state
            .catalog
            .ensure_branch(&config.demo_tenant, branch, state.clock.now(), &metadata)
            .await
            .map_err(|e| anyhow::anyhow!("cannot seed the demo tenant's branches: {e}"))?;
    }
    Ok(())
}

/// The whole HTTP surface; separate from serving so tests can drive it directly too.
pub fn app(state: AppState) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let (routes, document) = crate::openapi::routes().split_for_parts();
    routes
        // `/openapi.json` serves the document split from this very router
        .layer(axum::Extension(Arc::new(document)))
        .fallback(coord::error::not_found)
        // after the fallback, so unknown paths count too (as `unmatched`)
        .layer(axum::middleware::from_fn(crate::metrics::track))
        .with_state(state)
        // a panic is a bug, but the client still gets a JSON body
        .layer(CatchPanicLayer::custom(|_| {
            axum::response::IntoResponse::into_response(coord::CoordError(crate::error::ApiError::Internal(
                "handler panicked".into(),
            )))
        }))
        // tokens and personal data must not stay in a browser's or a proxy's cache; a route that
        // chose its own caching keeps it
        .layer(SetResponseHeaderLayer::if_not_present(CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}
