//! The real server on port 0, on its own database, and every place the harness reaches inside
//! the server's crates (`api`, `commands`, `store`, `domain`). When their public API shifts, this
//! is the one harness file to adapt; the dialect clients only speak HTTP.

use crate::databases::{Engine, Scratch, database_url};
use api::{Application, Config, Settings};
use secrecy::ExposeSecret;
use std::sync::Arc;
use store::{EventStore, Metadata, PostgresStore, RecordedEvent, SqliteStore, StoreOptions};

/// The real server on port 0, on its own database.
pub struct TestApp {
    pub address: String,
    pub access_key: String,
    pub server_token: String,
    pub database_url: String,
    pub state: api::state::AppState,
    pub client: reqwest::Client,
    pub scratch: Scratch,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl TestApp {
    pub async fn spawn(engine: Engine) -> Self {
        Self::spawn_configured(engine, |_| {}).await
    }

    /// The server on a fresh database, with `configure` applied to the development settings.
    pub async fn spawn_configured(engine: Engine, configure: impl FnOnce(&mut Settings)) -> Self {
        let scratch = Scratch::new();
        let mut settings = Settings::for_data_dir(scratch.0.join("data"));
        settings.database_url = Some(database_url(engine, &scratch).await);
        // every test client writes from 127.0.0.1; the write limit has a test of its own
        settings.writes_per_minute = 10_000;
        configure(&mut settings);
        Self::spawn_with(settings, scratch).await
    }

    pub async fn spawn_with(settings: Settings, scratch: Scratch) -> Self {
        Self::spawn_with_adapters(settings, scratch, api::startup::Adapters::default()).await
    }

    /// `spawn_with`, with `adapters` in place of the configured ones where given.
    pub async fn spawn_with_adapters(settings: Settings, scratch: Scratch, adapters: api::startup::Adapters) -> Self {
        let config = Config::resolve(settings).unwrap();
        let access_key = config.demo_access_key.expose_secret().to_owned();
        let server_token = config.demo_server_token.expose_secret().to_owned();
        let database_url = config.database_url.clone();
        let app = Application::build_with(config, adapters).await.unwrap();
        let address = format!("http://127.0.0.1:{}", app.port());
        let state = app.state().clone();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(app.run_until(async {
            let _ = rx.await;
        }));
        Self {
            address,
            access_key,
            server_token,
            database_url,
            state,
            client: reqwest::Client::new(),
            scratch,
            shutdown: Some(tx),
        }
    }

    /// Another instance of this server on the same database (a restart, or a second node).
    pub async fn another_instance(&self) -> Self {
        self.another_instance_configured(|_| {}).await
    }

    /// `another_instance`, with `configure` applied to its settings.
    pub async fn another_instance_configured(&self, configure: impl FnOnce(&mut Settings)) -> Self {
        let mut settings = Settings::for_data_dir(self.scratch.0.join("data"));
        settings.database_url = Some(self.database_url.clone());
        configure(&mut settings);
        Self::spawn_with(settings, Scratch::new()).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.get(self.url(path))
    }

    pub fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.post(self.url(path))
    }

    /// The file the development sender writes each outgoing message to, one JSON line each.
    pub fn outbox_file(&self) -> std::path::PathBuf {
        self.scratch.0.join("data").join("outbox.jsonl")
    }

    /// `select count(*) …` on the server's database.
    /// The 6-digit codes the outbox file holds for `to` (an email or a phone number), oldest
    /// first.
    pub fn codes_sent_to(&self, to: &str) -> Vec<String> {
        let text = std::fs::read_to_string(self.outbox_file()).unwrap_or_default();
        let digits = |text: &str| text.split(|c: char| !c.is_ascii_digit()).find(|w| w.len() == 6).map(str::to_owned);
        text.lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|m| m["to"] == to)
            .filter_map(|m| m["body"].as_str().and_then(digits))
            .collect()
    }

    pub async fn count(&self, sql: &str) -> i64 {
        let (n,): (i64,) = self.state.store.db().fetch_optional(sql, &[]).await.unwrap().unwrap_or((0,));
        n
    }

    /// Events in the table: unlike the log read, which PostgreSQL gates, a catch-up runner's open
    /// transaction cannot hold committed ones back from it.
    pub async fn event_count(&self) -> i64 {
        self.count("select count(*) from events").await
    }

    pub async fn stream(&self, stream_id: &str) -> Vec<RecordedEvent> {
        self.state.store.read_stream(stream_id, 0).await.unwrap()
    }

    /// How many events of `event_type` the stream holds.
    pub async fn events_of_type(&self, stream_id: &str, event_type: &str) -> usize {
        self.stream(stream_id).await.iter().filter(|e| e.event_type == event_type).count()
    }

    /// The signature of a suite bootstrap request (`?timestamp=…&signature=…`), made with the
    /// tenant's signing key as its API client would.
    pub async fn bootstrap_signature(&self, tenant: &str, timestamp: i64, subject: &str) -> String {
        let name = api::suite::bootstrap::key_name(tenant);
        let key = self.state.keys.secret(&name).await.unwrap().unwrap();
        api::suite::bootstrap::sign(&key, timestamp, subject).unwrap()
    }

    /// A second tenant with its own partner, as the operator's seed would add it.
    pub async fn add_tenant(&self, tenant_id: &str, access_key: &str, server_token: &str) {
        let seed = commands::catalog::PartnerSeed {
            tenant_id: tenant_id.into(),
            tenant_name: format!("Tenant {tenant_id}"),
            partner_id: format!("{tenant_id}-partner"),
            partner_name: format!("Partner of {tenant_id}"),
            access_key: access_key.into(),
            server_token: server_token.into(),
        };
        self.state.catalog.ensure_partner(&seed, chrono::Utc::now(), &Metadata::default()).await.unwrap();
    }

    pub async fn set_suite_token_lifetime(&self, tenant: &str, minutes: u32) {
        let now = chrono::Utc::now();
        self.state.catalog.set_suite_token_lifetime(tenant, minutes, now, &Metadata::default()).await.unwrap();
    }

    pub async fn configure_identity_provider(&self, tenant: &str, provider: domain::catalog::IdentityProvider) {
        let now = chrono::Utc::now();
        self.state.catalog.configure_identity_provider(tenant, provider, now, &Metadata::default()).await.unwrap();
    }

    /// Sign a login session out from the server side.
    pub async fn revoke_session(&self, sid: &str) {
        let sid = uuid::Uuid::parse_str(sid).unwrap();
        let reason = domain::login::RevocationReason::SignedOut;
        self.state.logins.revoke(sid, reason, chrono::Utc::now(), &Metadata::default()).await.unwrap();
    }

    /// A token signed with the server's current key over `claims` (as [`crate::claims`] reads
    /// them), for tokens the API itself would never issue.
    pub fn sign_claims(&self, claims: &serde_json::Value) -> String {
        let claims: api::tokens::AccessClaims = serde_json::from_value(claims.clone()).unwrap();
        self.state.tokens.sign(&claims).unwrap()
    }

    /// Add a signing key, as `users-api keys rotate` does; its kid.
    pub async fn rotate_signing_key(&self) -> String {
        api::tokens::rotate(self.state.keys.as_ref()).await.unwrap()
    }

    /// Reload the signing keys from the database, as an instance does when it restarts.
    pub async fn reload_signing_keys(&self) {
        self.state.tokens.reload().await.unwrap();
    }

    pub fn signing_kid(&self) -> String {
        self.state.tokens.signing_kid()
    }

    /// Stop the server gracefully (in-flight requests and projector batches finish).
    pub fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The authenticator app's code for `secret` at `unix_secs`, computed as the server does.
pub fn totp_code(secret: &str, unix_secs: i64) -> String {
    commands::twofactor::totp(secret, "t", "t").unwrap().generate(unix_secs as u64)
}

/// The event store on `url`, without a server.
pub async fn open_store(engine: Engine, url: &str, options: StoreOptions) -> Arc<dyn EventStore> {
    match engine {
        Engine::Sqlite => Arc::new(SqliteStore::open(url, options).await.unwrap()),
        Engine::Postgres => Arc::new(PostgresStore::open(url, options).await.unwrap()),
    }
}

/// The store of a database the service made (`sqlite://…` or `postgres://…`), opened without
/// read models: for tests that reach past the service, such as tampering with the log.
pub async fn open_existing_store(url: &str) -> Arc<dyn EventStore> {
    let engine = if url.starts_with("postgres") { Engine::Postgres } else { Engine::Sqlite };
    open_store(engine, url, StoreOptions::default()).await
}
