//! Where the benchmark's databases live (SQLite files, a throwaway durable PostgreSQL server),
//! how stores and raw connections are opened, the concurrent driver and small statistics.
use anyhow::{Context, Result, bail};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{AssertSqlSafe, SqliteConnection};
use std::collections::HashMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use store::{EventStore, PostgresStore, Projector, SqliteStore, StoreOptions};
use tokio::task::JoinSet;

/// Run lengths and sizes.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Target length of one measured append run.
    pub secs: f64,
    /// Length of the warm-up run that also calibrates the commit count.
    pub warmup_secs: f64,
    /// Measured rounds per figure (store and raw interleaved); the median is reported.
    pub rounds: usize,
    /// Events in the log for the catch-up figures.
    pub catchup_events: u64,
    /// Concurrent clients of the sign-in figure (and tasks of its raw argon2id baseline).
    pub sign_in_clients: usize,
    /// Concurrent sign-in clients of the latency figure's background load.
    pub load_clients: usize,
    /// Concurrent clients of the refresh figure (and writers of its raw commit baseline).
    pub refresh_clients: usize,
    /// Milliseconds between the latency figure's GETs.
    pub get_interval_ms: f64,
    /// The users-api binary of the HTTP load figures (`None`: built with cargo).
    pub server_bin: Option<PathBuf>,
}

/// One engine's home for fresh databases.
pub enum Target {
    Sqlite { dir: PathBuf },
    Postgres { admin: PgPool, admin_url: String },
}

impl Target {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Sqlite { .. } => "SQLite",
            Self::Postgres { .. } => "PostgreSQL",
        }
    }

    /// A new, empty database called `name` (a file, or a PostgreSQL database); its URL.
    pub async fn fresh(&self, name: &str) -> Result<String> {
        match self {
            Self::Sqlite { dir } => {
                let path = dir.join(format!("{name}.db"));
                for suffix in ["", "-wal", "-shm"] {
                    let p = PathBuf::from(format!("{}{suffix}", path.display()));
                    if p.exists() {
                        std::fs::remove_file(&p).with_context(|| format!("removing {}", p.display()))?;
                    }
                }
                Ok(format!("sqlite://{}", path.display()))
            }
            Self::Postgres { admin, admin_url } => {
                // names are ours (letters, digits, underscores), never input
                sqlx::query(AssertSqlSafe(format!("drop database if exists {name} with (force)")))
                    .execute(admin)
                    .await?;
                sqlx::query(AssertSqlSafe(format!("create database {name}"))).execute(admin).await?;
                let (base, query) = match admin_url.split_once('?') {
                    Some((b, q)) => (b, format!("?{q}")),
                    None => (admin_url.as_str(), String::new()),
                };
                let (server, _) = base.rsplit_once('/').context("the PostgreSQL URL has no database part")?;
                Ok(format!("{server}/{name}{query}"))
            }
        }
    }

    /// Open the real store on `url` as the server does, with these inline projectors.
    pub async fn open_store(&self, url: &str, inline: Vec<Arc<dyn Projector>>) -> Result<Arc<dyn EventStore>> {
        let options = StoreOptions { inline, ..StoreOptions::default() };
        Ok(match self {
            Self::Sqlite { .. } => Arc::new(SqliteStore::open(url, options).await?),
            Self::Postgres { .. } => Arc::new(PostgresStore::open(url, options).await?),
        })
    }
}

/// The connection settings `SqliteStore::open` uses (WAL, synchronous=NORMAL, busy timeout).
pub fn sqlite_options(url: &str) -> Result<SqliteConnectOptions> {
    Ok(SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(10))
        .foreign_keys(true))
}

/// A raw SQLite writer connection on a database migrated exactly like the store's.
pub async fn raw_sqlite_writer(url: &str) -> Result<SqliteConnection> {
    use sqlx::Connection;
    let mut conn = SqliteConnection::connect_with(&sqlite_options(url)?).await?;
    sqlx::migrate!("../migrations/sqlite").run(&mut conn).await?;
    Ok(conn)
}

/// A raw PostgreSQL pool the size of the store's (32), on a database migrated like the store's.
pub async fn raw_pg_pool(url: &str) -> Result<PgPool> {
    let pool = PgPoolOptions::new().max_connections(32).acquire_timeout(Duration::from_secs(10)).connect(url).await?;
    sqlx::migrate!("../migrations/postgres").run(&pool).await?;
    Ok(pool)
}

/// A private durable PostgreSQL server started with `scripts/pg-server`; stopped on drop.
pub struct PgServer {
    script: PathBuf,
    dir: PathBuf,
}

impl PgServer {
    pub fn start() -> Result<(Self, String)> {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/pg-server");
        let dir = std::env::temp_dir().join(format!("bench-pg-{}", std::process::id()));
        eprintln!("starting a durable PostgreSQL server in {} (PG_SERVER_DURABLE=1)", dir.display());
        let out = Command::new(&script)
            .arg("start")
            .arg(&dir)
            .env("PG_SERVER_DURABLE", "1")
            .stderr(Stdio::inherit())
            .output()
            .with_context(|| format!("running {}", script.display()))?;
        let server = Self { script, dir };
        if !out.status.success() {
            bail!("pg-server start failed ({})", out.status);
        }
        let stdout = String::from_utf8(out.stdout).context("pg-server printed non-UTF-8")?;
        let url = stdout.lines().last().context("pg-server printed no URL")?.trim().to_owned();
        Ok((server, url))
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        eprintln!("stopping the PostgreSQL server in {}", self.dir.display());
        let stopped = Command::new(&self.script)
            .arg("stop")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .status();
        if let Err(e) = stopped {
            eprintln!("warning: pg-server stop failed: {e}");
        }
    }
}

/// A temporary directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(prefix: &str) -> Result<Self> {
        let dir = std::env::temp_dir().join(format!("{prefix}-{}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::create_dir_all(&dir)?;
        Ok(Self(dir))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_dir_all(&self.0) {
            eprintln!("warning: cannot remove {}: {e}", self.0.display());
        }
    }
}

/// `writers` tasks share `total` jobs (`f(i)` for i in 0..total); returns the wall time.
pub async fn run_count<F, Fut>(writers: usize, total: u64, f: F) -> Result<Duration>
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<()>> + Send + 'static,
{
    let f = Arc::new(f);
    let next = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let mut tasks = JoinSet::new();
    for _ in 0..writers {
        let f = f.clone();
        let next = next.clone();
        tasks.spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    return anyhow::Ok(());
                }
                f(i).await?;
            }
        });
    }
    while let Some(joined) = tasks.join_next().await {
        joined??;
    }
    Ok(start.elapsed())
}

/// `writers` tasks run `f` until `length` has passed; returns how many jobs completed.
pub async fn run_for<F, Fut>(writers: usize, length: Duration, f: F) -> Result<u64>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<()>> + Send + 'static,
{
    let f = Arc::new(f);
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + length;
    let mut tasks = JoinSet::new();
    for _ in 0..writers {
        let f = f.clone();
        let done = done.clone();
        tasks.spawn(async move {
            while Instant::now() < deadline {
                f().await?;
                done.fetch_add(1, Ordering::Relaxed);
            }
            anyhow::Ok(())
        });
    }
    while let Some(joined) = tasks.join_next().await {
        joined??;
    }
    Ok(done.load(Ordering::Relaxed))
}

/// Median and relative spread ((max - min) / median) of some rates.
#[derive(Debug, Clone, Copy)]
pub struct Summary {
    pub median: f64,
    pub spread: f64,
}

pub fn summarize(samples: &[f64]) -> Summary {
    let mut s = samples.to_vec();
    s.sort_by(f64::total_cmp);
    if s.is_empty() {
        return Summary { median: 0.0, spread: 0.0 };
    }
    let mid = s.len() / 2;
    let median = if s.len() % 2 == 1 { s[mid] } else { (s[mid - 1] + s[mid]) / 2.0 };
    let spread = if median > 0.0 { (s[s.len() - 1] - s[0]) / median } else { 0.0 };
    Summary { median, spread }
}

/// The 1-, 5- and 15-minute load averages.
pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into())
}

/// CPU time of the whole machine and of this benchmark (this process, its helper processes and
/// the children it waited for, and the PostgreSQL server's processes), to tell how much other
/// work ran during a measurement.
#[derive(Debug, Clone)]
pub struct CpuSnap {
    busy: u64,
    total: u64,
    ours: u64,
    postgres: HashMap<u32, u64>,
}

/// utime + stime from a `/proc/<pid>/stat` line, if its command is one of `names`.
pub fn proc_ticks(stat: &str, names: &[&str]) -> Option<u64> {
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let comm = stat.get(open + 1..close)?;
    if !names.is_empty() && !names.contains(&comm) {
        return None;
    }
    let fields: Vec<&str> = stat.get(close + 2..)?.split_whitespace().collect();
    // after the command: state is field 3 of stat(5), utime 14 and stime 15
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// The benchmark's own helper processes that are running (the HTTP section's server and bare
/// baseline): their CPU time counts as the benchmark's, not as other work.
static OURS: std::sync::Mutex<Vec<u32>> = std::sync::Mutex::new(Vec::new());

fn ours_pids() -> Vec<u32> {
    OURS.lock().map(|p| p.clone()).unwrap_or_default()
}

/// Count the process `pid` as the benchmark's own in `CpuSnap` until `forget_ours(pid)`.
pub fn count_as_ours(pid: u32) {
    if let Ok(mut pids) = OURS.lock() {
        pids.push(pid);
    }
}

pub fn forget_ours(pid: u32) {
    if let Ok(mut pids) = OURS.lock() {
        pids.retain(|&p| p != pid);
    }
}

/// utime + stime of the process `pid` (0 once it is gone).
pub fn pid_ticks(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).ok().and_then(|s| proc_ticks(&s, &[])).unwrap_or(0)
}

/// cutime + cstime of this process: the CPU time of the child processes it has waited for (a
/// load generator that ran to its end).
pub fn children_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> =
        stat.rfind(')').map_or("", |i| stat.get(i + 2..).unwrap_or("")).split_whitespace().collect();
    let get = |i: usize| fields.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    get(13) + get(14)
}

/// utime + stime of each process called `postgres` (the benchmark's PostgreSQL server), by pid.
pub fn postgres_ticks() -> HashMap<u32, u64> {
    std::fs::read_dir("/proc")
        .map(|dir| {
            dir.filter_map(|e| e.ok())
                .filter_map(|e| e.file_name().to_string_lossy().parse::<u32>().ok().map(|pid| (pid, e.path())))
                .filter_map(|(pid, path)| Some((pid, std::fs::read_to_string(path.join("stat")).ok()?)))
                .filter_map(|(pid, s)| Some((pid, proc_ticks(&s, &["postgres"])?)))
                .collect()
        })
        .unwrap_or_default()
}

/// The ticks the processes of `after` used since `before`: a process that started since counts
/// from 0, one that exited since is not counted (its ticks are gone with it; a backend that
/// exits mid-run would otherwise take all its past ticks out of the sum).
pub fn ticks_since(before: &HashMap<u32, u64>, after: &HashMap<u32, u64>) -> u64 {
    after.iter().map(|(pid, t)| t.saturating_sub(before.get(pid).copied().unwrap_or(0))).sum()
}

impl CpuSnap {
    pub fn now() -> Self {
        let (busy, total) = std::fs::read_to_string("/proc/stat")
            .ok()
            .and_then(|s| {
                let line = s.lines().next()?.to_owned();
                let v: Vec<u64> = line.split_whitespace().skip(1).filter_map(|x| x.parse().ok()).collect();
                // user nice system idle iowait irq softirq steal (guest time is inside user)
                let get = |i: usize| v.get(i).copied().unwrap_or(0);
                let idle = get(3) + get(4);
                let busy = get(0) + get(1) + get(2) + get(5) + get(6) + get(7);
                Some((busy, busy + idle))
            })
            .unwrap_or((0, 0));
        let own = std::fs::read_to_string("/proc/self/stat").ok().and_then(|s| proc_ticks(&s, &[])).unwrap_or(0);
        let helpers: u64 = ours_pids().iter().map(|&pid| pid_ticks(pid)).sum();
        Self { busy, total, ours: own + children_ticks() + helpers, postgres: postgres_ticks() }
    }

    /// The share of the machine's CPU time since `self` that other processes used.
    pub fn others_since(&self) -> f64 {
        let now = Self::now();
        let total = now.total.saturating_sub(self.total);
        if total == 0 {
            return 0.0;
        }
        let busy = now.busy.saturating_sub(self.busy);
        let ours = now.ours.saturating_sub(self.ours) + ticks_since(&self.postgres, &now.postgres);
        busy.saturating_sub(ours) as f64 / total as f64
    }
}
