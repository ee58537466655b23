//! Configuration: the environment names of the configuration contract, mirrored as flags.
//! Every setting has a development default; generated secrets persist in the data dir so a
//! restart keeps them, and a value from the environment always wins.
use anyhow::Context;
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, clap::Args)]
pub struct Settings {
    /// Listen address.
    #[arg(long, env = "USERS_API_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// SQLite file, generated development secrets.
    #[arg(long, env = "USERS_API_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    /// `postgres://…` selects PostgreSQL; `sqlite://…` a SQLite file. Default: SQLite in the data dir.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Key for the native /admin surface.
    #[arg(long, env = "USERS_API_ADMIN_KEY", hide_env_values = true)]
    pub admin_key: Option<String>,
    /// The demo tenant's id.
    #[arg(long, env = "USERS_API_DEMO_TENANT", default_value = "demo")]
    pub demo_tenant: String,
    /// The demo partner's coord access_key.
    #[arg(long, env = "USERS_API_DEMO_ACCESS_KEY", hide_env_values = true)]
    pub demo_access_key: Option<String>,
    /// The demo partner's coord server token (for create_jwt).
    #[arg(long, env = "USERS_API_DEMO_SERVER_TOKEN", hide_env_values = true)]
    pub demo_server_token: Option<String>,
    /// `json` or `pretty`.
    #[arg(long, env = "LOG_FORMAT", default_value = "pretty")]
    pub log_format: String,
    /// argon2id memory cost in KiB (OWASP: 19456 with 2 iterations).
    #[arg(long, env = "USERS_API_PASSWORD_MEMORY_KIB", default_value_t = 19_456)]
    pub password_memory_kib: u32,
    /// argon2id iterations.
    #[arg(long, env = "USERS_API_PASSWORD_ITERATIONS", default_value_t = 2)]
    pub password_iterations: u32,
    /// argon2id parallelism.
    #[arg(long, env = "USERS_API_PASSWORD_PARALLELISM", default_value_t = 1)]
    pub password_parallelism: u32,
    /// Lifetime of suite access tokens, in minutes.
    #[arg(long, env = "USERS_API_SUITE_TOKEN_MINUTES", default_value_t = 300)]
    pub suite_token_minutes: i64,
    /// Lifetime of a login session (and so of its refresh tokens), in days.
    #[arg(long, env = "USERS_API_SESSION_DAYS", default_value_t = 30)]
    pub session_days: i64,
    /// Seconds during which the immediate parent of a refresh token still yields its successor.
    #[arg(long, env = "USERS_API_REFRESH_GRACE_SECS", default_value_t = 10)]
    pub refresh_grace_secs: i64,
    /// The tenant the legacy dialect (`/api/users`, `/api/oauth`) serves. Default: the demo tenant.
    #[arg(long, env = "USERS_API_LEGACY_TENANT")]
    pub legacy_tenant: Option<String>,
    /// SMTP server for one-time codes by email (`smtp://user:pass@host:587?tls=required`,
    /// `smtps://…`); unset: codes are written to `<data dir>/outbox.jsonl`.
    #[arg(long, env = "USERS_API_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// Sender address of code emails.
    #[arg(long, env = "USERS_API_SMTP_FROM", default_value = "Users API <no-reply@localhost>")]
    pub smtp_from: String,
    /// HTTP SMS gateway for codes by SMS (`POST {url}` with `{to, text}`); unset: the outbox file.
    #[arg(long, env = "USERS_API_SMS_GATEWAY_URL")]
    pub sms_gateway_url: Option<String>,
    /// Bearer token for the SMS gateway.
    #[arg(long, env = "USERS_API_SMS_GATEWAY_TOKEN", hide_env_values = true)]
    pub sms_gateway_token: Option<String>,
    /// The demo tenant's key for signed bootstrap requests (HMAC-SHA256); generated if unset.
    #[arg(long, env = "USERS_API_DEMO_SIGNATURE_KEY", hide_env_values = true)]
    pub demo_signature_key: Option<String>,
    /// Sign-in attempts per minute from one client address.
    #[arg(long, env = "USERS_API_SIGN_IN_PER_MINUTE", default_value_t = 30)]
    pub sign_in_per_minute: u32,
    /// Sign-in attempts per minute for one account.
    #[arg(long, env = "USERS_API_SIGN_IN_PER_ACCOUNT_PER_MINUTE", default_value_t = 10)]
    pub sign_in_per_account_per_minute: u32,
    /// Refresh-token grants per minute from one client address.
    #[arg(long, env = "USERS_API_REFRESH_PER_MINUTE", default_value_t = 150)]
    pub refresh_per_minute: u32,
    /// Anonymous writes per minute from one client address: sign-ups, test tokens, password
    /// resets and two-factor set-up.
    #[arg(long, env = "USERS_API_WRITES_PER_MINUTE", default_value_t = 20)]
    pub writes_per_minute: u32,
    /// Public profile look-ups per minute from one client address (legacy
    /// `GET /api/users/show/{id}`): a burst of this many, then one every 60/n seconds.
    #[arg(long, env = "USERS_API_LOOKUPS_PER_MINUTE", default_value_t = 30)]
    pub lookups_per_minute: u32,
    /// Tokens a coord partner may mint per minute with its server token (`create_jwt`).
    #[arg(long, env = "USERS_API_MINTS_PER_PARTNER_PER_MINUTE", default_value_t = 600)]
    pub mints_per_partner_per_minute: u32,
    /// Cards one user may attach an hour (legacy `POST /api/users/payment/`, coord
    /// `stripe_info`), per instance: a stolen-card tester gets few tries per account.
    #[arg(long, env = "USERS_API_CARD_ATTACHES_PER_HOUR", default_value_t = 10)]
    pub card_attaches_per_hour: u32,
    /// Proxies whose `X-Forwarded-For` is believed: comma-separated addresses or CIDR blocks
    /// (`10.0.0.0/8,::1`). Empty: the client address is the TCP peer.
    #[arg(long, env = "USERS_API_TRUSTED_PROXIES", default_value = "")]
    pub trusted_proxies: String,
    /// Failed password sign-ins within the lockout window that lock an account.
    #[arg(long, env = "USERS_API_LOCKOUT_FAILURES", default_value_t = 5)]
    pub lockout_failures: u32,
    /// Minutes of the lockout window, and of the lock.
    #[arg(long, env = "USERS_API_LOCKOUT_MINUTES", default_value_t = 15)]
    pub lockout_minutes: i64,
    /// Seconds a client has to send a request's headers (and an idle connection's next request).
    #[arg(long, env = "USERS_API_HEADER_READ_TIMEOUT_SECS", default_value_t = 10)]
    pub header_read_timeout_secs: u64,
    /// Seconds a request body may pause between two chunks before the request fails.
    #[arg(long, env = "USERS_API_BODY_READ_TIMEOUT_SECS", default_value_t = 10)]
    pub body_read_timeout_secs: u64,
    /// Seconds a request may take from its headers to its response: the deadline.
    #[arg(long, env = "USERS_API_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout_secs: u64,
    /// Open client connections at most; more wait in the listen backlog.
    #[arg(long, env = "USERS_API_MAX_CONNECTIONS", default_value_t = 1024)]
    pub max_connections: usize,
    /// Seconds a query waits for a database connection before the request gets 503.
    #[arg(long, env = "USERS_API_DB_ACQUIRE_TIMEOUT_SECS", default_value_t = 3)]
    pub db_acquire_timeout_secs: u64,
    /// Login sessions, and as many users, kept in memory for authenticated requests; 0: none.
    #[arg(long, env = "USERS_API_READ_CACHE_ENTRIES", default_value_t = 50_000)]
    pub read_cache_entries: usize,
    /// Seconds between the read cache's looks at the log for commits no notification announced.
    #[arg(long, env = "USERS_API_READ_CACHE_BACKSTOP_SECS", default_value_t = 1)]
    pub read_cache_backstop_secs: u64,
    /// Seconds between two looks at the deletion requests waiting for their holds to clear.
    #[arg(long, env = "USERS_API_DELETION_CHECK_SECS", default_value_t = 60)]
    pub deletion_check_secs: u64,
    /// The key that wraps the data keys of personal data. Unset: generated into the data dir
    /// (mode 0600) on first start. Losing it makes every encrypted field unreadable.
    #[arg(long, env = "USERS_API_MASTER_KEY", hide_env_values = true)]
    pub master_key: Option<String>,
    /// The address people reach this service at, for links in messages (email confirmation).
    #[arg(long, env = "USERS_API_PUBLIC_URL", default_value = "http://127.0.0.1:8080")]
    pub public_url: String,
    #[command(flatten)]
    pub stripe: crate::payments::StripeSettings,
    #[command(flatten)]
    pub idv: crate::identity::IdvSettings,
}

impl Settings {
    /// Defaults for an embedded SQLite database under `data_dir`, listening on port 0.
    pub fn for_data_dir(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            bind: "127.0.0.1:0".into(),
            data_dir: data_dir.into(),
            database_url: None,
            admin_key: None,
            demo_tenant: "demo".into(),
            demo_access_key: None,
            demo_server_token: None,
            log_format: "pretty".into(),
            stripe: crate::payments::StripeSettings::default(),
            idv: crate::identity::IdvSettings::default(),
            public_url: "http://127.0.0.1:8080".into(),
            deletion_check_secs: 60,
            master_key: None,
            password_memory_kib: 19_456,
            password_iterations: 2,
            password_parallelism: 1,
            suite_token_minutes: 300,
            session_days: 30,
            refresh_grace_secs: 10,
            legacy_tenant: None,
            smtp_url: None,
            smtp_from: "Users API <no-reply@localhost>".into(),
            sms_gateway_url: None,
            sms_gateway_token: None,
            demo_signature_key: None,
            sign_in_per_minute: 30,
            sign_in_per_account_per_minute: 10,
            refresh_per_minute: 150,
            writes_per_minute: 20,
            lookups_per_minute: 30,
            mints_per_partner_per_minute: 600,
            card_attaches_per_hour: 10,
            trusted_proxies: String::new(),
            lockout_failures: 5,
            lockout_minutes: 15,
            header_read_timeout_secs: 10,
            body_read_timeout_secs: 10,
            request_timeout_secs: 30,
            max_connections: 1024,
            db_acquire_timeout_secs: 3,
            read_cache_entries: 50_000,
            read_cache_backstop_secs: 1,
        }
    }
}

/// Settings with every secret resolved.
#[derive(Debug, Clone)]
pub struct Config {
    pub bind: String,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub admin_key: SecretString,
    pub demo_tenant: String,
    pub demo_partner: String,
    pub demo_access_key: SecretString,
    pub demo_server_token: SecretString,
    pub passwords: commands::passwords::PasswordParams,
    pub suite_token_lifetime: chrono::Duration,
    pub sessions: commands::login::SessionPolicy,
    pub limits: crate::limits::LimitSettings,
    pub trusted_proxies: crate::client_addr::TrustedProxies,
    pub lockout: domain::user::LockoutPolicy,
    pub legacy_tenant: String,
    pub smtp_url: Option<String>,
    pub smtp_from: String,
    pub sms_gateway: Option<(String, String)>,
    pub demo_signature_key: SecretString,
    /// The names of the secrets this service generated (not configured): the only ones the
    /// banner may print.
    pub generated: std::collections::BTreeSet<&'static str>,
    pub http: crate::bounded::HttpLimits,
    pub db_acquire_timeout: std::time::Duration,
    /// `None`: every authenticated request reads the database.
    pub read_cache_entries: Option<usize>,
    pub read_cache_backstop: std::time::Duration,
    pub stripe: crate::payments::StripeSettings,
    pub idv: crate::identity::IdvSettings,
    pub public_url: String,
    pub deletion_check_every: std::time::Duration,
    /// 32 bytes: SHA-256 of the configured or generated master key.
    pub master_key: [u8; 32],
}

const GENERATED: &str = "generated-secrets.json";

impl Config {
    pub fn resolve(settings: Settings) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&settings.data_dir)
            .with_context(|| format!("cannot create data dir {}", settings.data_dir.display()))?;
        // the database, keys and generated secrets live here: owner-only
        #[cfg(unix)]
        std::fs::set_permissions(&settings.data_dir, std::os::unix::fs::PermissionsExt::from_mode(0o700))
            .with_context(|| format!("cannot restrict data dir {}", settings.data_dir.display()))?;
        let mut generated = GeneratedSecrets::load(&settings.data_dir)?;
        let database_url = settings
            .database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", settings.data_dir.join("users.db").display()));
        let http = crate::bounded::HttpLimits::from_settings(&settings);
        let master = generated.pick("master_key", settings.master_key.clone(), "mk_");
        let master_key: [u8; 32] = <sha2::Sha256 as sha2::Digest>::digest(master.expose_secret().as_bytes()).into();
        let config = Self {
            master_key,
            admin_key: generated.pick("admin_key", settings.admin_key, "adm_"),
            demo_access_key: generated.pick("demo_access_key", settings.demo_access_key, "ak_"),
            demo_server_token: generated.pick("demo_server_token", settings.demo_server_token, "st_"),
            demo_signature_key: generated.pick("demo_signature_key", settings.demo_signature_key.clone(), "sk_"),
            smtp_url: settings.smtp_url.clone().filter(|u| !u.is_empty()),
            smtp_from: settings.smtp_from.clone(),
            stripe: settings.stripe.clone(),
            idv: settings.idv.clone(),
            public_url: settings.public_url.trim_end_matches('/').to_owned(),
            deletion_check_every: std::time::Duration::from_secs(settings.deletion_check_secs.clamp(1, 86_400)),
            sms_gateway: settings
                .sms_gateway_url
                .clone()
                .filter(|u| !u.is_empty())
                .map(|u| (u, settings.sms_gateway_token.clone().unwrap_or_default())),
            bind: settings.bind,
            database_url,
            demo_partner: format!("{}-partner", settings.demo_tenant),
            legacy_tenant: settings
                .legacy_tenant
                .clone()
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| settings.demo_tenant.clone()),
            passwords: commands::passwords::PasswordParams {
                memory_kib: settings.password_memory_kib,
                iterations: settings.password_iterations,
                parallelism: settings.password_parallelism,
            },
            suite_token_lifetime: chrono::Duration::minutes(settings.suite_token_minutes.clamp(1, 60 * 24 * 30)),
            sessions: commands::login::SessionPolicy {
                lifetime: chrono::Duration::days(settings.session_days.clamp(1, 3650)),
                refresh_grace: chrono::Duration::seconds(settings.refresh_grace_secs.clamp(0, 300)),
            },
            limits: crate::limits::LimitSettings {
                sign_in_per_address: settings.sign_in_per_minute,
                sign_in_per_account: settings.sign_in_per_account_per_minute,
                refresh_per_address: settings.refresh_per_minute,
                writes_per_address: settings.writes_per_minute,
                lookups_per_address: settings.lookups_per_minute,
                mints_per_partner: settings.mints_per_partner_per_minute,
                card_attaches_per_user: settings.card_attaches_per_hour,
            },
            trusted_proxies: crate::client_addr::TrustedProxies::parse(&settings.trusted_proxies)
                .map_err(anyhow::Error::msg)?,
            lockout: domain::user::LockoutPolicy {
                max_failures: settings.lockout_failures.max(1),
                window: chrono::Duration::minutes(settings.lockout_minutes.clamp(1, 24 * 60)),
                lock_for: chrono::Duration::minutes(settings.lockout_minutes.clamp(1, 24 * 60)),
            },
            http,
            db_acquire_timeout: std::time::Duration::from_secs(settings.db_acquire_timeout_secs.clamp(1, 60)),
            read_cache_entries: (settings.read_cache_entries > 0).then_some(settings.read_cache_entries),
            read_cache_backstop: std::time::Duration::from_secs(settings.read_cache_backstop_secs.clamp(1, 3_600)),
            demo_tenant: settings.demo_tenant,
            data_dir: settings.data_dir.clone(),
            generated: std::collections::BTreeSet::new(),
        };
        generated.save(&settings.data_dir)?;
        Ok(Self { generated: generated.picked, ..config })
    }

    pub fn is_postgres(&self) -> bool {
        self.database_url.starts_with("postgres://") || self.database_url.starts_with("postgresql://")
    }
}

struct GeneratedSecrets {
    values: BTreeMap<String, String>,
    changed: bool,
    /// The names `pick` answered with a generated value.
    picked: std::collections::BTreeSet<&'static str>,
}

impl GeneratedSecrets {
    fn load(dir: &Path) -> anyhow::Result<Self> {
        let path = dir.join(GENERATED);
        let values = match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).with_context(|| format!("{} is not valid JSON", path.display()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        Ok(Self { values, changed: false, picked: std::collections::BTreeSet::new() })
    }

    /// The configured value, else the one generated on an earlier start, else a new one.
    fn pick(&mut self, name: &'static str, configured: Option<String>, prefix: &str) -> SecretString {
        if let Some(value) = configured.filter(|v| !v.is_empty()) {
            return SecretString::from(value);
        }
        self.picked.insert(name);
        let value = self.values.entry(name.to_owned()).or_insert_with(|| {
            self.changed = true;
            let mut bytes = [0u8; 24];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            format!("{prefix}{}", hex::encode(bytes))
        });
        SecretString::from(value.clone())
    }

    fn save(&self, dir: &Path) -> anyhow::Result<()> {
        if !self.changed {
            return Ok(());
        }
        let path = dir.join(GENERATED);
        use std::io::Write;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        // owner-only from the first byte written
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&path).with_context(|| format!("cannot write {}", path.display()))?;
        file.write_all(serde_json::to_string_pretty(&self.values)?.as_bytes())?;
        Ok(())
    }
}

/// For the startup banner.
pub fn reveal(secret: &SecretString) -> &str {
    secret.expose_secret()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_secrets_survive_a_restart_and_configured_ones_win() {
        let dir = std::env::temp_dir().join(format!("users-api-config-{}", uuid::Uuid::new_v4()));
        let first = Config::resolve(Settings::for_data_dir(&dir)).expect("config");
        let again = Config::resolve(Settings::for_data_dir(&dir)).expect("config");
        assert_eq!(reveal(&first.demo_access_key), reveal(&again.demo_access_key));
        assert!(reveal(&first.demo_access_key).starts_with("ak_"));
        assert_ne!(reveal(&first.demo_access_key), reveal(&first.demo_server_token));
        let mut settings = Settings::for_data_dir(&dir);
        settings.demo_access_key = Some("mine".into());
        assert_eq!(reveal(&Config::resolve(settings).expect("config").demo_access_key), "mine");
        let _ = std::fs::remove_dir_all(dir);
    }
}
