//! `users-api [serve|migrate|rebuild [name]|generate|verify|export|keys rotate|admin-key …|tenant <id> provider|
//! token-lifetime|system|branch|partner <id> issuer|remove-issuer|identity-card <user> …|
//! wallet <user> …|verification <user> …]`.
use crate::config::{Config, Settings, reveal};
use crate::startup::{Application, open_store};
use adapters::keys::SqlKeyStore;
use anyhow::Context as _;
use clap::{Parser, Subcommand};
use commands::ports::KeyStore;
use commands::{EventStore, Metadata};
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Debug, Parser)]
#[command(name = "users-api", version, about = "Event-sourced users API with CQRS read models")]
pub struct Cli {
    #[command(flatten)]
    pub settings: Settings,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve HTTP (the default).
    Serve,
    /// Apply database migrations and create the read-model tables, then exit.
    Migrate,
    /// Rebuild read models from position 0 into fresh tables and swap them in; prints how the
    /// rebuilt tables compared with the live ones.
    Rebuild {
        /// One projection (default: all).
        name: Option<String>,
    },
    /// Recompute the hash chain of every stream; exits 1 and names the first broken link.
    Verify,
    /// Fill the database with a realistic mix of generated events (sign-ups, sign-ins and
    /// refreshes, profile changes, wallets, account links, erasures), appended as the service
    /// appends them; for load tests and `rebuild` at scale. Prints one JSON line.
    Generate(crate::cli_generate::GenerateArgs),
    /// A user's wallet: charge, subscribe, cancel a subscription, list charges and holds. Prints
    /// one JSON line; exits 1 with the reason when refused.
    Wallet {
        /// The user id.
        user: uuid::Uuid,
        #[command(subcommand)]
        command: crate::cli_wallet::WalletCommand,
    },
    /// Assign, withdraw or list a user's identity cards.
    IdentityCard {
        /// The user id.
        user: uuid::Uuid,
        #[command(subcommand)]
        command: crate::cli_cards::CardCommand,
    },
    /// Write the event history (NDJSON, as stored) or a read-model table (`--projection`, CSV or
    /// NDJSON) to stdout or `--output`; prints what it wrote as one JSON line (to stderr when the
    /// export goes to stdout).
    Export(crate::cli_export::ExportArgs),
    /// A customer's identity verification: decide the pending session, or record a manual
    /// verification. Prints one JSON line; exits 1 with the reason when refused.
    Verification {
        /// The user id.
        user: uuid::Uuid,
        #[command(subcommand)]
        command: crate::cli_verification::VerificationCommand,
    },
    /// Keys of the admin surface (`/admin`): create one with a role, revoke one, list them.
    AdminKey {
        #[command(subcommand)]
        command: crate::cli_admin::AdminKeyCommand,
    },
    /// Signing keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// A tenant's settings: its OpenID providers, its suite access-token lifetime and its
    /// transactable systems. Prints one
    /// JSON line; exits 1 with the reason for an unknown tenant or an invalid value.
    Tenant {
        /// The tenant id (`demo` for the demo tenant).
        tenant: String,
        #[command(subcommand)]
        command: TenantCommand,
    },
    /// A partner's own token issuers, whose JWTs sign its end users in to the coord API. Prints
    /// one JSON line; exits 1 with the reason for an unknown partner or an invalid value.
    Partner {
        /// The partner id (`demo-partner` for the demo partner).
        partner: String,
        #[command(subcommand)]
        command: crate::cli_partner::PartnerCommand,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum TenantCommand {
    /// Add or change an OpenID provider whose ID tokens sign users in (`social-login`,
    /// `sign-in-gaiyo`, `user/openid-token-exchange`, `customers/social-sign-up`). Running
    /// servers use it on the next sign-in.
    Provider {
        /// The tenant's name for it, as sign-in requests name it (`oidc`, `gaiyo`, `google`).
        name: String,
        /// The `iss` its ID tokens carry.
        #[arg(long)]
        issuer: String,
        /// The `aud` its ID tokens must carry: the tenant's client id at the provider.
        #[arg(long)]
        audience: String,
        /// Where the provider publishes its signing keys (a JWKS document, http or https).
        #[arg(long)]
        jwks_url: String,
    },
    /// Set how long the tenant's suite access tokens live, in minutes (1 to 43200, 30 days).
    /// Running servers use it within 5 seconds.
    TokenLifetime { minutes: u32 },
    /// Add or change a transactable system and what it requires of a user. Each run states the
    /// whole system: a requirement left out is dropped. Running servers use it at once.
    System {
        /// The id clients name it by (`CitiBike`): 1 to 64 letters, digits, `.`, `_` or `-`.
        system_id: String,
        /// Its name for people, shown on the consent page of `link_account`.
        #[arg(long)]
        name: String,
        /// Users must link an account at the system first (`link_account`).
        #[arg(long)]
        linked_account: bool,
        /// A field users must have set through the API: `vehicle.license_plate` or
        /// `stripe_info.stripe_customer_id` (repeatable).
        #[arg(long = "users-api-field", value_name = "FIELD")]
        users_api_fields: Vec<String>,
        /// A claim users' tokens must carry: `email` or `external_uid` (repeatable).
        #[arg(long = "jwt-claim", value_name = "CLAIM")]
        jwt_claims: Vec<String>,
    },
    /// Add or change a branch: the circular area it serves and the hints it answers to
    /// (`branches/resolve`). Each run states the whole branch. Running servers use it at once.
    Branch {
        /// The id clients name it by (`zurich`): 1 to 64 letters, digits, `.`, `_` or `-`.
        branch_id: String,
        #[arg(long)]
        name: String,
        /// The centre of its area, WGS 84 degrees.
        #[arg(long, allow_hyphen_values = true)]
        latitude: f64,
        #[arg(long, allow_hyphen_values = true)]
        longitude: f64,
        /// The radius of its area, more than 0 and at most 2000 km.
        #[arg(long)]
        radius_km: f64,
        /// Another name it answers to, without case: a city, a code in a link (repeatable).
        #[arg(long = "hint", value_name = "HINT")]
        hints: Vec<String>,
    },
}

/// Apply a tenant command to the store, as `users-api tenant` does; the JSON it prints.
pub async fn tenant_command(
    store: Arc<dyn EventStore>,
    tenant: &str,
    command: TenantCommand,
) -> anyhow::Result<serde_json::Value> {
    let catalog = commands::catalog::CatalogService::new(commands::CommandBus::new(store));
    let metadata = Metadata { actor: Some("system:cli".into()), ..Metadata::default() };
    let now = chrono::Utc::now();
    match command {
        TenantCommand::Provider { name, issuer, audience, jwks_url } => {
            adapters::jwks::check_jwks_url(&jwks_url)?;
            let provider = domain::catalog::IdentityProvider { provider: name.clone(), issuer, audience, jwks_url };
            catalog
                .configure_identity_provider(tenant, provider, now, &metadata)
                .await
                .with_context(|| format!("tenant {tenant}"))?;
            Ok(serde_json::json!({ "tenant": tenant, "provider": name, "configured": true }))
        }
        TenantCommand::System { system_id, name, linked_account, users_api_fields, jwt_claims } => {
            let requirements =
                domain::catalog::TransactionRequirements { jwt_claims, linked_account, users_api_fields };
            let system = domain::catalog::TransactableSystem { system_id, name, requirements };
            let printed = serde_json::json!({ "tenant": tenant, "system_id": system.system_id, "configured": true });
            let configured = catalog.configure_transactable_system(tenant, system, now, &metadata).await;
            configured.with_context(|| format!("tenant {tenant}"))?;
            Ok(printed)
        }
        TenantCommand::Branch { branch_id, name, latitude, longitude, radius_km, hints } => {
            let center = domain::catalog::Position { latitude, longitude };
            let branch = domain::catalog::Branch { branch_id, name, center, radius_km, hints };
            let printed = serde_json::json!({ "tenant": tenant, "branch_id": branch.branch_id, "configured": true });
            let configured = catalog.configure_branch(tenant, branch, now, &metadata).await;
            configured.with_context(|| format!("tenant {tenant}"))?;
            Ok(printed)
        }
        TenantCommand::TokenLifetime { minutes } => {
            catalog
                .set_suite_token_lifetime(tenant, minutes, now, &metadata)
                .await
                .with_context(|| format!("tenant {tenant}"))?;
            Ok(serde_json::json!({ "tenant": tenant, "suite_token_minutes": minutes }))
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Add a new signing key. Running servers sign with it within a minute; tokens signed by
    /// older keys stay valid until they expire.
    Rotate,
}

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let config = Config::resolve(cli.settings)?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config).await,
        Command::Migrate => {
            projections::create_tables(open_store(&config).await?.as_ref()).await?;
            println!("migrated {}", redact(&config.database_url));
            Ok(ExitCode::SUCCESS)
        }
        Command::Rebuild { name } => {
            let store = open_store(&config).await?;
            crate::cli_rebuild::rebuild(store.as_ref(), name.as_deref()).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Generate(args) => {
            let store = open_store(&config).await?;
            crate::cli_generate::generate(store, &args).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Export(args) => {
            let store = open_store(&config).await?;
            let summary = crate::cli_export::export(store.as_ref(), &args).await?;
            match args.output {
                Some(_) => println!("{summary}"),
                None => eprintln!("{summary}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Keys { command: KeysCommand::Rotate } => {
            let store = open_store(&config).await?;
            let keys: Arc<dyn KeyStore> = Arc::new(SqlKeyStore::for_store(store.as_ref(), &config.master_key));
            // a fresh database gets its first key, so the rotated-in one is always the second or later
            crate::tokens::TokenService::load_or_create(keys.clone()).await?;
            let kid = crate::tokens::rotate(keys.as_ref()).await?;
            println!("{}", serde_json::json!({ "rotated": true, "signing_kid": kid }));
            Ok(ExitCode::SUCCESS)
        }
        Command::Tenant { tenant, command } => {
            let store = open_store(&config).await?;
            print_or_fail(tenant_command(store, &tenant, command).await)
        }
        Command::AdminKey { command } => {
            let store = open_store(&config).await?;
            print_or_fail(crate::cli_admin::admin_key_command(store, command).await)
        }
        Command::IdentityCard { user, command } => {
            let store = open_store(&config).await?;
            print_or_fail(crate::cli_cards::identity_card_command(store, user, command).await)
        }
        Command::Partner { partner, command } => {
            let store = open_store(&config).await?;
            print_or_fail(crate::cli_partner::partner_command(store, &partner, command).await)
        }
        Command::Wallet { user, command } => {
            let store = open_store(&config).await?;
            let clock: Arc<dyn commands::ports::Clock> = Arc::new(adapters::clock::SystemClock);
            let operator = crate::cli_wallet::Operator::new(store, &config.stripe, &Default::default(), clock)?;
            print_or_fail(operator.run(user, command).await)
        }
        Command::Verification { user, command } => {
            let store = open_store(&config).await?;
            let done = crate::cli_verification::run(store, &config.idv, &Default::default(), user, command).await;
            print_or_fail(done)
        }
        Command::Verify => {
            let store = open_store(&config).await?;
            let report = store.verify().await?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(if report.first_broken.is_none() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
    }
}

/// One JSON line on success; the reason on stderr and exit code 1 otherwise.
fn print_or_fail(done: anyhow::Result<serde_json::Value>) -> anyhow::Result<ExitCode> {
    match done {
        Ok(done) => {
            println!("{done}");
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("{e:#}");
            Ok(ExitCode::FAILURE)
        }
    }
}

async fn serve(config: Config) -> anyhow::Result<ExitCode> {
    let app = Application::build(config.clone()).await?;
    let banner = format!(
        "users-api listening\n  url:               http://{bind}\n  database:          {db}\n  demo tenant:       {tenant}\n  \
         demo access_key:   {key}\n  demo server token: {token}\n  demo signature key: {signature}\n  try: curl -X POST 'http://{bind}/v1/users/testing/create_jwt?access_key={key}' \
         -H 'Content-Type: application/json' -d '{{\"email\":\"foo@bar.com\"}}'",
        bind = app.address(),
        db = redact(&config.database_url),
        tenant = config.demo_tenant,
        key = shown(&config, "demo_access_key", &config.demo_access_key),
        token = shown(&config, "demo_server_token", &config.demo_server_token),
        signature = shown(&config, "demo_signature_key", &config.demo_signature_key),
    );
    println!("{banner}");
    app.run_until(shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// A secret for the banner: one this service generated is shown (a developer needs it to try
/// the API); one from the configuration is not, since the banner ends up in logs.
fn shown<'a>(config: &Config, name: &str, secret: &'a secrecy::SecretString) -> &'a str {
    if config.generated.contains(name) { reveal(secret) } else { "(from the configuration)" }
}

/// A database URL without its password.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => match url[scheme + 3..at].split_once(':') {
            Some((user, _password)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
            None => url.to_owned(),
        },
        _ => url.to_owned(),
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}

pub fn init_tracing(format: &str) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    // colours only for a person at a terminal: a log file or collector gets plain text, and a
    // server under load does not format escape codes for every request's span
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi);
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// Every flattened setting has an id of its own (clap refuses two `api_base`s at the first
    /// parse, so a clash would stop every start), and a verification command parses.
    #[test]
    fn the_command_line_is_well_formed_and_parses_a_verification_decision() {
        Cli::command().debug_assert();
        let user = "01a201c8-9d98-7646-a6f1-2e7dcef38a7e";
        let argv = ["users-api", "--idv-api-base", "https://veriff.example", "verification", user, "reject"];
        let cli = Cli::try_parse_from(argv.into_iter().chain(["--kind", "id", "--reason", "blurry"])).expect("parses");
        assert_eq!(cli.settings.idv.api_base.as_deref(), Some("https://veriff.example"));
        assert_eq!(cli.settings.stripe.api_base, "https://api.stripe.com");
        let Some(Command::Verification { command, .. }) = cli.command else { panic!("{:?}", cli.command) };
        let crate::cli_verification::VerificationCommand::Reject { reason, kind } = command else { panic!() };
        assert_eq!((reason.as_deref(), kind), (Some("blurry"), Some(domain::user::VerificationKind::Id)));
        let bad = ["users-api", "verification", user, "approve", "--kind", "PASSPORT"];
        assert!(Cli::try_parse_from(bad).is_err());
    }
}
