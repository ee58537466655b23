//! `users-api [serve|migrate|rebuild [name]|verify|keys rotate]`.
use crate::config::{Config, Settings, reveal};
use crate::startup::{Application, open_store};
use clap::{Parser, Subcommand};
use std::process::ExitCode;

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
    /// Signing keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
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
            let store = open_store(&config).await?;
            for projector in projections::all() {
                store.ensure_tables(projector.as_ref()).await?;
            }
            println!("migrated {}", redact(&config.database_url));
            Ok(ExitCode::SUCCESS)
        }
        Command::Rebuild { name } => {
            let store = open_store(&config).await?;
            let projectors = match name {
                Some(name) => vec![projections::by_name(&name)?],
                None => projections::all(),
            };
            for projector in projectors {
                let report = store.rebuild(projector.as_ref()).await?;
                println!(
                    "{}",
                    serde_json::to_string(&serde_json::json!({
                        "projection": report.projection,
                        "events_applied": report.events_applied,
                        "matched_live": report.matched_live(),
                        "tables": report.tables,
                    }))?
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Keys { command: KeysCommand::Rotate } => {
            let store = open_store(&config).await?;
            // a fresh database gets its first key, so the rotated-in one is always the second or later
            crate::tokens::TokenService::load_or_create(store.db()).await?;
            let kid = crate::tokens::rotate(store.db()).await?;
            println!("{}", serde_json::json!({ "rotated": true, "signing_kid": kid }));
            Ok(ExitCode::SUCCESS)
        }
        Command::Verify => {
            let store = open_store(&config).await?;
            let report = store.verify().await?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(if report.first_broken.is_none() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
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
        key = reveal(&config.demo_access_key),
        token = reveal(&config.demo_server_token),
        signature = reveal(&config.demo_signature_key),
    );
    println!("{banner}");
    app.run_until(shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
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
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}
