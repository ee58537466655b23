//! Test support: real databases (a SQLite file, or a fresh database on a throwaway PostgreSQL
//! server) and the real server spawned on port 0.
#![forbid(unsafe_code)]
#![allow(clippy::unwrap_used)]

use api::{Application, Config, Settings};
use secrecy::ExposeSecret;
use serde_json::Value;
use sqlx::Connection;
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, OnceLock};
use store::{EventStore, PostgresStore, SqliteStore, StoreOptions};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A scratch directory removed at the end of the test.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("users-api-test-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Default for Scratch {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The admin URL of the test run's PostgreSQL server: `USERS_API_TEST_PG_URL` (set by
/// `scripts/test`), or a server this process starts itself and stops when it exits.
pub fn pg_admin_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        if let Ok(url) = std::env::var("USERS_API_TEST_PG_URL")
            && !url.is_empty()
        {
            return url;
        }
        let dir = std::env::temp_dir().join(format!("users-api-pg-{}", uuid::Uuid::new_v4().simple()));
        let script = repo_root().join("scripts/pg-server");
        let out = Command::new(&script).arg("start").arg(&dir).output().expect("run scripts/pg-server");
        assert!(out.status.success(), "scripts/pg-server start failed: {}", String::from_utf8_lossy(&out.stderr));
        // stop the server when this test process is gone
        let watchdog = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 1; done; '{script}' stop '{dir}' >/dev/null 2>&1",
            pid = std::process::id(),
            script = script.display(),
            dir = dir.display()
        );
        // deliberately not waited for: it outlives this process to stop the server
        #[allow(clippy::zombie_processes)]
        let _watchdog = Command::new("sh").arg("-c").arg(watchdog).spawn().expect("spawn watchdog");
        String::from_utf8_lossy(&out.stdout).lines().last().expect("url").trim().to_owned()
    })
}

/// A new, empty database on the test PostgreSQL server.
pub async fn fresh_pg_database() -> String {
    let admin = pg_admin_url();
    let name = format!("t_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(admin).await.expect("connect to test PostgreSQL");
    sqlx::query(sqlx::AssertSqlSafe(format!("create database {name}"))).execute(&mut conn).await.unwrap();
    let _ = conn.close().await;
    match admin.rfind('/') {
        Some(i) => format!("{}/{name}", &admin[..i]),
        None => panic!("admin url without a database: {admin}"),
    }
}

/// A database URL for `engine`: a SQLite file in `scratch`, or a fresh PostgreSQL database.
pub async fn database_url(engine: Engine, scratch: &Scratch) -> String {
    match engine {
        Engine::Sqlite => format!("sqlite://{}", scratch.0.join("events.db").display()),
        Engine::Postgres => fresh_pg_database().await,
    }
}

pub async fn open_store(engine: Engine, url: &str, options: StoreOptions) -> Arc<dyn EventStore> {
    match engine {
        Engine::Sqlite => Arc::new(SqliteStore::open(url, options).await.unwrap()),
        Engine::Postgres => Arc::new(PostgresStore::open(url, options).await.unwrap()),
    }
}

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
        let scratch = Scratch::new();
        let mut settings = Settings::for_data_dir(scratch.0.join("data"));
        let url = database_url(engine, &scratch).await;
        settings.database_url = Some(url.clone());
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

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub fn coord(&self, path: &str) -> String {
        format!("{}/v1/users{path}?access_key={}", self.address, self.access_key)
    }

    pub async fn create_test_jwt(&self, body: Value) -> reqwest::Response {
        self.client.post(self.coord("/testing/create_jwt")).json(&body).send().await.unwrap()
    }

    /// A test token for `email`, asserting success.
    pub async fn token_for(&self, email: &str) -> String {
        let res = self.create_test_jwt(serde_json::json!({ "email": email })).await;
        assert_eq!(res.status(), 200);
        let body: Value = res.json().await.unwrap();
        body["jwt_token"].as_str().unwrap().to_owned()
    }

    pub async fn current_user(&self, token: &str) -> reqwest::Response {
        self.client.get(self.coord("/user/current")).bearer_auth(token).send().await.unwrap()
    }

    pub async fn put_vehicle(&self, token: &str, body: Value) -> reqwest::Response {
        self.client.put(self.coord("/user/current/vehicle")).bearer_auth(token).json(&body).send().await.unwrap()
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

/// Poll `check` until it holds or `secs` pass.
pub async fn eventually<F, Fut>(secs: u64, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(secs);
    while tokio::time::Instant::now() < deadline {
        if check().await {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    false
}

/// Declare a test body once and run it on both engines: `both_engines!(name, |engine| async { … })`.
#[macro_export]
macro_rules! both_engines {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                ($body)($crate::Engine::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                ($body)($crate::Engine::Postgres).await
            }
        }
    };
}
