//! `bench`: throughput of the event store beside raw sqlx, of authentication through the real
//! HTTP server beside raw argon2id and raw commits, and HTTP load (wrk against the `users-api`
//! binary) beside a bare axum endpoint, on SQLite and PostgreSQL.
//!
//! ```text
//! cargo run --release -p bench -- [--engine sqlite|postgres|both] [--only append|catchup|auth|refresh|http] [--quick]
//! ```
//!
//! Prints the machine, then Markdown tables (stdout); progress goes to stderr.
#![forbid(unsafe_code)]

mod append;
mod auth;
mod catchup;
mod http;
mod report;
mod setup;

use anyhow::Result;
use clap::{Parser, ValueEnum};
use report::Row;
use setup::{PgServer, Settings, Target, TempDir, cpu_model, loadavg};
use sqlx::postgres::PgPoolOptions;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Engines {
    Sqlite,
    Postgres,
    Both,
}

#[derive(Debug, Parser)]
#[command(
    about = "Event store throughput (append, catch-up) beside raw sqlx, and authentication through HTTP",
    long_about = "Event store throughput (append, catch-up) beside raw sqlx, and authentication \
        through the real HTTP server (auth) beside raw baselines measured in the same run.\n\n\
        The auth figures start the server in-process on port 0 (its own Tokio runtime, its abuse \
        limits raised out of the way), sign up 17 accounts, then measure:\n\
        - password sign-ins/s (POST /demo/auth/sign-in-email) against raw argon2id verifies/s of \
        the same stored hash (m=19456 KiB, t=2, p=1) on spawn_blocking, same concurrency \
        (--sign-in-clients, default one per CPU: more tasks than CPUs make raw argon2 itself \
        slower); target >= 85 %;\n\
        - refresh-token grants/s (POST /demo/auth/refresh-token, each of --refresh-clients clients \
        rotating its own session) against raw single-event commits/s with as many writers; \
        target >= 60 %;\n\
        - the latency of GET /demo/front/customers (a valid access token, one GET every \
        --get-interval-ms) while --load-clients clients sign in (default 4 per CPU, more sign-ins \
        at once than CPUs), beside the same GETs on the idle server; target p99 <= 50 ms.\n\
        Any unexpected HTTP status fails the run.\n\n\
        The http figures run the users-api binary (built by the bench with cargo, or --server-bin) \
        as a process of its own on a fresh database, and Debian's wrk (installed by \
        bench/scripts/wrk when missing) against it and against a bare axum endpoint (the `bare` \
        binary of this crate) answering JSON as long as the suite customer answer: authenticated \
        GETs of the three dialects at 64 and 256 connections (target at 64: >= 50 % of bare req/s, \
        p99 <= 10 ms), GET /healthz, a coord vehicle PUT of distinct users against raw \
        single-event commits (target >= 70 %), and the server's peak RSS (target <= 150 MB)."
)]
struct Cli {
    #[arg(long, value_enum, default_value_t = Engines::Both)]
    engine: Engines,
    /// Short runs and a small log, to check that everything works.
    #[arg(long)]
    quick: bool,
    /// Admin URL of a running PostgreSQL server to use instead of starting a durable throwaway
    /// one with scripts/pg-server (databases named append_*, catchup, auth_*, http_server and
    /// http_raw_commits are dropped and created).
    #[arg(long, env = "BENCH_PG_URL")]
    pg_url: Option<String>,
    /// Events in the log for the catch-up figures [default: 200000, 20000 with --quick].
    #[arg(long)]
    events: Option<u64>,
    /// Measured rounds per figure [default: 3, 1 with --quick].
    #[arg(long)]
    rounds: Option<usize>,
    /// Seconds per measured append or auth run [default: 3, 1 with --quick].
    #[arg(long)]
    secs: Option<f64>,
    /// Run only the append, the catch-up, the authentication, the refresh or the HTTP load
    /// figures [default: all].
    #[arg(long, value_enum)]
    only: Option<Part>,
    /// Concurrent clients of the sign-in figure (and tasks of the raw argon2id baseline)
    /// [default: the number of CPUs].
    #[arg(long)]
    sign_in_clients: Option<usize>,
    /// Concurrent sign-in clients of the latency figure's background load [default: 4 per CPU].
    #[arg(long)]
    load_clients: Option<usize>,
    /// Concurrent clients of the refresh figure (and writers of the raw commit baseline).
    #[arg(long, default_value_t = 16)]
    refresh_clients: usize,
    /// Milliseconds between the latency figure's GETs.
    #[arg(long, default_value_t = 10.0)]
    get_interval_ms: f64,
    /// The users-api binary of the HTTP load figures [default: built with cargo next to this one].
    #[arg(long)]
    server_bin: Option<std::path::PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Part {
    Append,
    Catchup,
    Auth,
    /// Only the refresh figure of the authentication part (for profiling it).
    Refresh,
    /// HTTP load with wrk against the users-api binary, beside a bare axum endpoint.
    Http,
}

/// (events per commit, writers) for the append figures.
const APPEND_CELLS: [(usize, usize); 4] = [(1, 1), (10, 1), (1, 16), (10, 16)];

async fn bench_engine(
    target: &Target,
    settings: &Settings,
    only: Option<Part>,
    notes: &mut Vec<String>,
) -> Result<Vec<Row>> {
    let mut rows = Vec::new();
    let before = loadavg();
    let runs = |part: Part| only.is_none_or(|o| o == part);
    if runs(Part::Append) {
        for (events, writers) in APPEND_CELLS {
            rows.extend(append::scenario(target, settings, events, writers).await?);
        }
    }
    if runs(Part::Catchup) {
        rows.extend(catchup::run(target, settings, notes).await?);
    }
    if runs(Part::Auth) || only == Some(Part::Refresh) {
        rows.extend(auth::run(target, settings, only == Some(Part::Refresh), notes).await?);
    }
    if runs(Part::Http) {
        rows.extend(http::run(target, settings, notes).await?);
    }
    notes.push(format!("{}: load average before {before}, after {}", target.name(), loadavg()));
    Ok(rows)
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    let settings = Settings {
        secs: cli.secs.unwrap_or(if cli.quick { 1.0 } else { 3.0 }),
        warmup_secs: if cli.quick { 0.3 } else { 1.0 },
        rounds: cli.rounds.unwrap_or(if cli.quick { 1 } else { 3 }).max(1),
        catchup_events: cli.events.unwrap_or(if cli.quick { 20_000 } else { 200_000 }),
        sign_in_clients: cli.sign_in_clients.unwrap_or(cpus).max(1),
        load_clients: cli.load_clients.unwrap_or(4 * cpus).max(1),
        refresh_clients: cli.refresh_clients.max(1),
        get_interval_ms: cli.get_interval_ms.max(0.1),
        server_bin: cli.server_bin.clone(),
    };
    eprintln!("settings: {settings:?}");
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    let mut header = vec![
        format!("- machine: {} CPUs ({}), load average at start {}", cpus, cpu_model(), loadavg()),
        format!("- date: {}", chrono::Utc::now().format("%Y-%m-%d %H:%M UTC")),
        format!("- settings: {settings:?}"),
    ];

    if matches!(cli.engine, Engines::Sqlite | Engines::Both) {
        let dir = TempDir::new("bench-sqlite")?;
        let target = Target::Sqlite { dir: dir.0.clone() };
        header.push(format!(
            "- SQLite: {} (bundled), files under {}",
            sqlx_sqlite_version(&target).await?,
            dir.0.display()
        ));
        rows.extend(bench_engine(&target, &settings, cli.only, &mut notes).await?);
    }

    if matches!(cli.engine, Engines::Postgres | Engines::Both) {
        let (_server, admin_url) = match &cli.pg_url {
            Some(url) => (None, url.clone()),
            None => {
                let (server, url) = PgServer::start()?;
                (Some(server), url)
            }
        };
        let admin = PgPoolOptions::new().max_connections(2).connect(&admin_url).await?;
        let settings_row: (String, String, String, String) = sqlx::query_as(
            "select current_setting('server_version'), current_setting('fsync'), \
             current_setting('synchronous_commit'), current_setting('full_page_writes')",
        )
        .fetch_one(&admin)
        .await?;
        header.push(format!(
            "- PostgreSQL {} on 127.0.0.1 (fsync={}, synchronous_commit={}, full_page_writes={})",
            settings_row.0, settings_row.1, settings_row.2, settings_row.3
        ));
        let target = Target::Postgres { admin, admin_url };
        rows.extend(bench_engine(&target, &settings, cli.only, &mut notes).await?);
    }

    println!("{}\n", header.join("\n"));
    print!("{}", report::markdown(&rows));
    println!();
    for note in notes {
        println!("- {note}");
    }
    Ok(())
}

async fn sqlx_sqlite_version(target: &Target) -> Result<String> {
    let url = target.fresh("version").await?;
    let mut conn = setup::raw_sqlite_writer(&url).await?;
    let (v,): (String,) = sqlx::query_as("select sqlite_version()").fetch_one(&mut conn).await?;
    Ok(v)
}
