//! Authentication through the real HTTP server (`api::Application` on port 0, in this process
//! but on a Tokio runtime of its own), each figure beside a raw baseline measured in the same run:
//!
//! 1. password sign-ins/s (`POST /demo/auth/sign-in-email`) against raw argon2id verifies/s of
//!    the same stored PHC hash with the same parameters, on `spawn_blocking`, same concurrency;
//! 2. refresh-token grants/s (`POST /demo/auth/refresh-token`, each client rotating its own
//!    session's token) against raw single-event commits/s (the append figures' raw baseline);
//! 3. the latency of authenticated `GET /demo/front/customers` while sign-ins saturate the CPU,
//!    against the same GETs on an idle server.
//!
//! Any answer other than the expected status fails the benchmark.
use crate::append::Appender;
use crate::report::{Kind, Latencies, Row, Target as Goal};
use crate::setup::{CpuSnap, Settings, Target, TempDir, proc_ticks, run_for, summarize};
use anyhow::{Context, Result, anyhow, bail};
use argon2::password_hash::{PasswordHash, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use commands::passwords::PasswordParams;
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};
use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

/// The demo tenant the server seeds at start.
const TENANT: &str = "demo";
const PASSWORD: &str = "correct horse battery staple";
/// Accounts the sign-in load cycles through (one more is signed up for the GET client).
const ACCOUNTS: usize = 16;
/// Requests per minute for the server's abuse limits: never reached here.
const UNLIMITED: u32 = 1_000_000_000;

fn email(i: usize) -> String {
    format!("bench.user{i}@example.com")
}

/// The real server on port 0, on its own multi-threaded runtime (one worker per CPU), so its
/// tasks are scheduled apart from the benchmark's clients, as in a process of its own.
struct Server {
    base: String,
    state: Option<api::state::AppState>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    served: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    runtime: Option<tokio::runtime::Runtime>,
    _data: TempDir,
}

impl Server {
    async fn start(target: &Target) -> Result<Self> {
        let data = TempDir::new("bench-auth")?;
        let mut settings = api::Settings::for_data_dir(data.0.join("data"));
        settings.database_url = Some(target.fresh("auth_server").await?);
        let params = PasswordParams::default();
        settings.password_memory_kib = params.memory_kib;
        settings.password_iterations = params.iterations;
        settings.password_parallelism = params.parallelism;
        settings.sign_in_per_minute = UNLIMITED;
        settings.sign_in_per_account_per_minute = UNLIMITED;
        settings.refresh_per_minute = UNLIMITED;
        let config = api::Config::resolve(settings)?;
        let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().thread_name("server").build()?;
        let app = on(runtime.handle(), move || api::Application::build(config)).await??;
        let base = format!("http://127.0.0.1:{}", app.port());
        let state = app.state().clone();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let served = runtime.spawn(app.run_until(async {
            let _ = rx.await;
        }));
        Ok(Self {
            base,
            state: Some(state),
            shutdown: Some(tx),
            served: Some(served),
            runtime: Some(runtime),
            _data: data,
        })
    }

    /// `/demo{path}`.
    fn url(&self, path: &str) -> String {
        format!("{}/{TENANT}{path}", self.base)
    }

    /// The PHC string the server stored for `email`.
    async fn stored_hash(&self, email: &str) -> Result<String> {
        let state = self.state.clone().context("the server is stopped")?;
        let runtime = self.runtime.as_ref().context("the server is stopped")?;
        let email = domain::values::Email::parse(email).map_err(|e| anyhow!("{email}: {e:?}"))?;
        let account =
            on(runtime.handle(), move || async move { state.users.email_account(TENANT, &email).await }).await??;
        let (_, user) = account.context("the signed-up account is not found")?;
        user.password_hash().map(str::to_owned).context("the account has no password hash")
    }

    /// Stop gracefully (in-flight requests and projector batches finish), then the runtime.
    async fn stop(mut self) {
        self.state = None;
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(served) = self.served.take() {
            match tokio::time::timeout(Duration::from_secs(30), served).await {
                Ok(Ok(Ok(()))) => {}
                Ok(Ok(Err(e))) => eprintln!("warning: the server stopped with {e}"),
                Ok(Err(e)) => eprintln!("warning: the server task failed: {e}"),
                Err(_) => eprintln!("warning: the server did not stop within 30 s"),
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.state = None;
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// CPU ticks of this process's threads by thread id, each marked whether it is the server's
/// (its runtime's threads are named `server`, its SQLite connections' `sqlx-sqlite-worker-…`).
fn thread_ticks() -> HashMap<u64, (bool, u64)> {
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else { return HashMap::new() };
    dir.filter_map(|e| e.ok())
        .filter_map(|e| {
            let tid: u64 = e.file_name().to_string_lossy().parse().ok()?;
            let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
            let comm = stat.get(stat.find('(')? + 1..stat.rfind(')')?)?;
            let server = comm.starts_with("server") || comm.starts_with("sqlx-sqlite");
            Some((tid, (server, proc_ticks(&stat, &[])?)))
        })
        .collect()
}

/// The share of this process's CPU time since `before` that the benchmark's own client threads
/// (not the server's) used.
fn client_share(before: &HashMap<u64, (bool, u64)>) -> f64 {
    let (mut server, mut client) = (0u64, 0u64);
    for (tid, (is_server, ticks)) in thread_ticks() {
        let used = ticks.saturating_sub(before.get(&tid).map_or(0, |b| b.1));
        if is_server {
            server += used;
        } else {
            client += used;
        }
    }
    if server + client == 0 { 0.0 } else { client as f64 / (server + client) as f64 }
}

/// This process's (user, system) CPU ticks.
fn user_sys() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat.rfind(')').and_then(|i| stat.get(i + 2..)).unwrap_or("").split_whitespace().collect();
    let get = |i: usize| fields.get(i).and_then(|v| v.parse().ok()).unwrap_or(0);
    (get(11), get(12))
}

/// The system (kernel) share of this process's CPU time since `before`.
fn sys_share(before: (u64, u64)) -> f64 {
    let now = user_sys();
    let (user, sys) = (now.0.saturating_sub(before.0), now.1.saturating_sub(before.1));
    if user + sys == 0 { 0.0 } else { sys as f64 / (user + sys) as f64 }
}

/// Run the future `make` makes to completion on the runtime of `handle`, from a blocking thread
/// of the current one (some of the server's futures are not `Send` to the compiler, so cannot be
/// spawned).
async fn on<F, T>(handle: &tokio::runtime::Handle, make: impl FnOnce() -> F + Send + 'static) -> Result<T>
where
    F: Future<Output = T>,
    T: Send + 'static,
{
    let handle = handle.clone();
    Ok(tokio::task::spawn_blocking(move || handle.block_on(make())).await?)
}

/// `res` if it has status `want`; otherwise an error with the body.
async fn checked(res: Response, want: StatusCode, what: &str) -> Result<Response> {
    let status = res.status();
    if status != want {
        let body = res.text().await.unwrap_or_default();
        bail!("{what}: HTTP {status}, expected {want}: {body}");
    }
    Ok(res)
}

struct Tokens {
    access: String,
    refresh: String,
}

fn tokens(body: &Value) -> Result<Tokens> {
    let get = |name: &str| body[name].as_str().map(str::to_owned).with_context(|| format!("no {name} in {body}"));
    Ok(Tokens { access: get("accessToken")?, refresh: get("refreshToken")? })
}

async fn sign_up(client: &Client, url: &str, email: &str) -> Result<()> {
    let res = client.post(url).json(&json!({ "email": email, "password": PASSWORD })).send().await?;
    checked(res, StatusCode::CREATED, "sign-up").await?;
    Ok(())
}

async fn sign_in(client: &Client, url: &str, email: &str) -> Result<Tokens> {
    let res = client.post(url).json(&json!({ "email": email, "password": PASSWORD })).send().await?;
    tokens(&checked(res, StatusCode::OK, "sign-in").await?.json().await?)
}

/// Spend `token`; its successor.
async fn refresh(client: &Client, url: &str, token: &str) -> Result<String> {
    let res = client.post(url).json(&json!({ "refreshToken": token })).send().await?;
    Ok(tokens(&checked(res, StatusCode::OK, "refresh").await?.json().await?)?.refresh)
}

/// One unit of work of a measured run.
enum Job {
    /// A password sign-in through HTTP, cycling through the accounts.
    SignIn { client: Client, url: String, next: AtomicUsize },
    /// A raw argon2id verify of `phc` on the blocking pool, as `commands::passwords` does it.
    Verify { argon: Arc<Argon2<'static>>, phc: Arc<str> },
    /// The same argon2id computation into memory each blocking thread keeps, compared with the
    /// stored hash: argon2 without the allocation and page faults of its memory per verify.
    VerifyReused { argon: Arc<Argon2<'static>>, salt: Arc<[u8]>, hash: Arc<[u8]> },
    /// A raw single-event commit.
    Commit(Appender),
}

impl Job {
    async fn once(&self) -> Result<()> {
        match self {
            Self::SignIn { client, url, next } => {
                let i = next.fetch_add(1, Ordering::Relaxed) % ACCOUNTS;
                sign_in(client, url, &email(i)).await?;
            }
            Self::Verify { argon, phc } => {
                let (argon, phc) = (argon.clone(), phc.clone());
                tokio::task::spawn_blocking(move || {
                    let parsed = PasswordHash::new(&phc).map_err(|e| anyhow!("the stored hash: {e}"))?;
                    argon.verify_password(PASSWORD.as_bytes(), &parsed).map_err(|e| anyhow!("raw verify: {e}"))
                })
                .await??;
            }
            Self::VerifyReused { argon, salt, hash } => {
                let (argon, salt, hash) = (argon.clone(), salt.clone(), hash.clone());
                tokio::task::spawn_blocking(move || {
                    MEMORY.with_borrow_mut(|memory| {
                        memory.resize(argon.params().block_count(), Block::default());
                        let mut out = vec![0u8; hash.len()];
                        argon
                            .hash_password_into_with_memory(PASSWORD.as_bytes(), &salt, &mut out, &mut memory[..])
                            .map_err(|e| anyhow!("raw argon2id: {e}"))?;
                        if out[..] != hash[..] {
                            bail!("raw argon2id (reused memory) does not reproduce the stored hash");
                        }
                        Ok(())
                    })
                })
                .await??;
            }
            Self::Commit(appender) => appender.commit(1).await?,
        }
        Ok(())
    }
}

thread_local! {
    /// argon2's memory, kept by each blocking thread for `Job::VerifyReused`.
    static MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// `clients` tasks repeat `job` for `length`: jobs/s, and the CPU share others took meanwhile.
async fn rate_for(job: &Arc<Job>, clients: usize, length: Duration) -> Result<(f64, f64)> {
    let job = job.clone();
    let cpu = CpuSnap::now();
    let start = Instant::now();
    let done = run_for(clients, length, move || {
        let job = job.clone();
        async move { job.once().await }
    })
    .await?;
    Ok((done as f64 / start.elapsed().as_secs_f64(), cpu.others_since()))
}

/// `n` new sessions (sign-ins of distinct accounts where there are enough); their refresh tokens.
async fn sessions(client: &Client, server: &Server, n: usize) -> Result<Vec<String>> {
    let url: Arc<str> = server.url("/auth/sign-in-email").into();
    let mut tasks = JoinSet::new();
    for i in 0..n {
        let (client, url) = (client.clone(), url.clone());
        tasks.spawn(async move { sign_in(&client, &url, &email(i % ACCOUNTS)).await });
    }
    let mut out = Vec::with_capacity(n);
    while let Some(joined) = tasks.join_next().await {
        out.push(joined??.refresh);
    }
    Ok(out)
}

/// What one refresh run measured.
struct RefreshRun {
    /// Grants/s over the whole run.
    rate: f64,
    /// The CPU share other processes took meanwhile.
    others: f64,
    /// The most grants one session got.
    most: u64,
    /// Grants/s in the run's first fifth and in its last fifth (before the deadline).
    first_fifth: f64,
    last_fifth: f64,
    /// The share of this process's CPU time the clients (not the server) used.
    client_share: f64,
}

/// Each token's client refreshes its own session back to back for `length`.
async fn refresh_for(client: &Client, url: &Arc<str>, tokens: Vec<String>, length: Duration) -> Result<RefreshRun> {
    let cpu = CpuSnap::now();
    let threads = thread_ticks();
    let start = Instant::now();
    let deadline = start + length;
    let granted = Arc::new(AtomicU64::new(0));
    let mut tasks = JoinSet::new();
    for mut token in tokens {
        let (client, url, granted) = (client.clone(), url.clone(), granted.clone());
        tasks.spawn(async move {
            let mut grants = 0u64;
            while Instant::now() < deadline {
                token = refresh(&client, &url, &token).await?;
                grants += 1;
                granted.fetch_add(1, Ordering::Relaxed);
            }
            anyhow::Ok(grants)
        });
    }
    let fifth = length / 5;
    let sampler = async {
        tokio::time::sleep_until((start + fifth).into()).await;
        let first = granted.load(Ordering::Relaxed);
        tokio::time::sleep_until((deadline - fifth).into()).await;
        let before_last = granted.load(Ordering::Relaxed);
        tokio::time::sleep_until(deadline.into()).await;
        (first, granted.load(Ordering::Relaxed) - before_last)
    };
    let joined = async {
        let (mut total, mut most) = (0u64, 0u64);
        while let Some(joined) = tasks.join_next().await {
            let grants = joined??;
            total += grants;
            most = most.max(grants);
        }
        anyhow::Ok((total, most))
    };
    let ((first, last), joined) = tokio::join!(sampler, joined);
    let (total, most) = joined?;
    let fifth = fifth.as_secs_f64().max(f64::MIN_POSITIVE);
    Ok(RefreshRun {
        rate: total as f64 / start.elapsed().as_secs_f64(),
        others: cpu.others_since(),
        most,
        first_fifth: first as f64 / fifth,
        last_fifth: last as f64 / fifth,
        client_share: client_share(&threads),
    })
}

/// Authenticated GETs, one every `interval` (a late one goes at once, a missed tick is skipped),
/// for `length`; each one's latency in ms, from sending to the end of the body.
async fn get_latencies(
    client: &Client,
    url: &str,
    token: &str,
    length: Duration,
    interval: Duration,
) -> Result<Vec<f64>> {
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let deadline = Instant::now() + length;
    let mut out = Vec::new();
    while Instant::now() < deadline {
        tick.tick().await;
        let sent = Instant::now();
        let res = checked(client.get(url).bearer_auth(token).send().await?, StatusCode::OK, "GET").await?;
        res.bytes().await?;
        out.push(sent.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(out)
}

/// Nearest-rank percentile `q` (0..=1) of sorted `v`.
fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Per-round latency figures of one kind of run.
#[derive(Default)]
struct LatencyRounds {
    p50: Vec<f64>,
    p99: Vec<f64>,
    max: f64,
    count: usize,
}

impl LatencyRounds {
    fn add(&mut self, mut ms: Vec<f64>) {
        ms.sort_by(f64::total_cmp);
        self.p50.push(percentile(&ms, 0.5));
        self.p99.push(percentile(&ms, 0.99));
        self.max = self.max.max(ms.last().copied().unwrap_or(0.0));
        self.count += ms.len();
    }

    fn summary(&self) -> Latencies {
        Latencies {
            p50_ms: summarize(&self.p50).median,
            p99_ms: summarize(&self.p99).median,
            max_ms: self.max,
            count: self.count,
        }
    }
}

/// All three figures, or with `refresh_only` the refresh figure alone.
pub async fn run(
    target: &Target,
    settings: &Settings,
    refresh_only: bool,
    notes: &mut Vec<String>,
) -> Result<Vec<Row>> {
    let engine = target.name();
    let server = Server::start(target).await?;
    let client = Client::builder().timeout(Duration::from_secs(60)).build()?;
    let sign_up_url = server.url("/front/customers");
    // the load's accounts, and one more for the GET client
    for i in 0..=ACCOUNTS {
        sign_up(&client, &sign_up_url, &email(i)).await?;
    }
    let phc = server.stored_hash(&email(0)).await?;
    let params = PasswordParams::default();
    let expected = format!("$argon2id$v=19$m={},t={},p={}$", params.memory_kib, params.iterations, params.parallelism);
    if !phc.starts_with(&expected) {
        bail!("the server stored {phc}, not a hash with the parameters {expected}");
    }
    eprintln!("{engine} auth: server at {}, {} accounts signed up, hashes {expected}…", server.base, ACCOUNTS + 1);

    let mut rows = Vec::new();
    if !refresh_only {
        rows.extend(sign_ins(engine, &server, &client, &phc, params, settings, notes).await?);
    }
    rows.extend(refreshes(target, &server, &client, settings, notes).await?);
    if !refresh_only {
        rows.push(latency(engine, &server, &client, settings, notes).await?);
    }
    drop(client);
    server.stop().await;
    Ok(rows)
}

/// Figure 1: sign-ins/s through HTTP beside raw argon2id verifies/s (and, as a second baseline,
/// argon2id into reused memory).
async fn sign_ins(
    engine: &'static str,
    server: &Server,
    client: &Client,
    phc: &str,
    params: PasswordParams,
    settings: &Settings,
    notes: &mut Vec<String>,
) -> Result<Vec<Row>> {
    let clients = settings.sign_in_clients;
    let http = Arc::new(Job::SignIn {
        client: client.clone(),
        url: server.url("/auth/sign-in-email"),
        next: AtomicUsize::new(0),
    });
    let argon_params = Params::new(params.memory_kib, params.iterations, params.parallelism, None)
        .map_err(|e| anyhow!("argon2 parameters: {e}"))?;
    let argon = Arc::new(Argon2::new(Algorithm::Argon2id, Version::V0x13, argon_params));
    let raw = Arc::new(Job::Verify { argon: argon.clone(), phc: phc.into() });
    let parsed = PasswordHash::new(phc).map_err(|e| anyhow!("the stored hash: {e}"))?;
    let mut salt = [0u8; 64];
    let salt = parsed.salt.context("the stored hash has no salt")?.decode_b64(&mut salt).map_err(|e| anyhow!("{e}"))?;
    let reused = Arc::new(Job::VerifyReused {
        argon,
        salt: salt.into(),
        hash: parsed.hash.context("the stored hash has no output")?.as_bytes().into(),
    });
    let warm = Duration::from_secs_f64(settings.warmup_secs);
    let length = Duration::from_secs_f64(settings.secs);
    let jobs = [("HTTP sign-ins", &http), ("raw verifies", &raw), ("raw, reused mem", &reused)];
    for (_, job) in jobs {
        rate_for(job, clients, warm).await?;
    }
    eprintln!("{engine} sign-ins, {clients} clients: measuring {:.1} s x {} round(s)", settings.secs, settings.rounds);

    let mut samples: [Vec<f64>; 3] = Default::default();
    let mut sys: [Vec<f64>; 3] = Default::default();
    let mut others = [0f64; 3];
    for round in 0..settings.rounds {
        for k in 0..jobs.len() {
            let which = (k + round) % jobs.len();
            let (name, job) = jobs[which];
            let before = user_sys();
            let (rate, other) = rate_for(job, clients, length).await?;
            let kernel = sys_share(before);
            eprintln!(
                "  round {}: {name:<15} {rate:>7.1}/s (other CPU {:.0} %, kernel {:.0} % of ours)",
                round + 1,
                other * 100.0,
                kernel * 100.0
            );
            samples[which].push(rate);
            sys[which].push(kernel);
            others[which] = others[which].max(other);
        }
    }
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    let per_cpu = |i: usize| summarize(&samples[i]).median / cpus as f64;
    notes.push(format!(
        "{engine}: raw argon2id with {clients} tasks on {cpus} CPUs: {:.1} verifies/s per CPU with \
         `verify_password`, {:.1}/s per CPU into reused memory (hash {}…). The kernel took {:.0} % \
         of this process's CPU time during the HTTP sign-ins, {:.0} % during the raw verifies and \
         {:.0} % with reused memory (medians): `verify_password` allocates, and so page-faults, its \
         {} KiB afresh for every verify",
        per_cpu(1),
        per_cpu(2),
        phc.get(..30).unwrap_or(phc),
        summarize(&sys[0]).median * 100.0,
        summarize(&sys[1]).median * 100.0,
        summarize(&sys[2]).median * 100.0,
        params.memory_kib
    ));
    let figure = format!(
        "password sign-ins (`POST /{TENANT}/auth/sign-in-email`), {clients} clients, {ACCOUNTS} accounts; \
         raw: argon2id (m={}, t={}, p={}) on `spawn_blocking`, {clients} tasks",
        params.memory_kib, params.iterations, params.parallelism
    );
    let row = |raw: usize, how: &str, target: Goal| Row {
        engine,
        figure: format!("{figure}, {how}"),
        events_per_commit: None,
        store: summarize(&samples[0]),
        raw: Some(summarize(&samples[raw])),
        target,
        others: others[0].max(others[raw]),
        kind: Kind::Rate { unit: "sign-ins/s", raw_unit: "verifies/s" },
    };
    Ok(vec![
        row(1, "`verify_password` of the stored hash", Goal::Ratio(0.85)),
        row(2, "into memory each thread reuses", Goal::None),
    ])
}

/// Figure 2: refresh grants/s through HTTP beside raw single-event commits/s (`BEGIN`, insert,
/// `COMMIT`), and beside raw inserts committed on their own (how the store appends a rotation).
async fn refreshes(
    target: &Target,
    server: &Server,
    client: &Client,
    settings: &Settings,
    notes: &mut Vec<String>,
) -> Result<Vec<Row>> {
    let engine = target.name();
    let clients = settings.refresh_clients;
    let url: Arc<str> = server.url("/auth/refresh-token").into();
    let raw = Arc::new(Job::Commit(Appender::raw(target, &target.fresh("auth_raw_commits").await?, 1).await?));
    let solo =
        Arc::new(Job::Commit(Appender::raw_autocommit(target, &target.fresh("auth_raw_autocommit").await?, 1).await?));
    let warm = Duration::from_secs_f64(settings.warmup_secs);
    let length = Duration::from_secs_f64(settings.secs);
    let tokens = sessions(client, server, clients).await?;
    refresh_for(client, &url, tokens, warm).await?;
    rate_for(&raw, clients, warm).await?;
    rate_for(&solo, clients, warm).await?;
    eprintln!("{engine} refreshes, {clients} clients: measuring {:.1} s x {} round(s)", settings.secs, settings.rounds);

    let mut samples: [Vec<f64>; 3] = Default::default();
    let mut others = 0f64;
    let mut longest = 0u64;
    let (mut first_fifths, mut last_fifths, mut client_shares) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..settings.rounds {
        for k in 0..3 {
            let which = (k + round) % 3;
            let (name, rate, other) = if which == 0 {
                // fresh sessions each round, so every round starts from one-event session streams
                let tokens = sessions(client, server, clients).await?;
                let run = refresh_for(client, &url, tokens, length).await?;
                longest = longest.max(run.most);
                first_fifths.push(run.first_fifth);
                last_fifths.push(run.last_fifth);
                client_shares.push(run.client_share);
                eprintln!(
                    "  round {}: HTTP refreshes in the first fifth {:.0}/s, in the last fifth {:.0}/s; \
                     the clients took {:.0} % of this process's CPU",
                    round + 1,
                    run.first_fifth,
                    run.last_fifth,
                    run.client_share * 100.0
                );
                ("HTTP refreshes", run.rate, run.others)
            } else if which == 1 {
                let (rate, other) = rate_for(&raw, clients, length).await?;
                ("raw commits", rate, other)
            } else {
                let (rate, other) = rate_for(&solo, clients, length).await?;
                ("raw inserts", rate, other)
            };
            eprintln!("  round {}: {name:<14} {rate:>7.0}/s (other CPU {:.0} %)", round + 1, other * 100.0);
            samples[which].push(rate);
            others = others.max(other);
        }
    }
    notes.push(format!(
        "{engine}: refresh grants/s in the first fifth of a round {:.0}, in the last fifth {:.0} (medians); \
         a grant decides on the session this instance remembers (its stream grew to at most {} events \
         in a round) and appends the rotation as one insert. \
         The HTTP clients (in this process) took {:.0} % of its CPU time during the refresh runs \
         (median; PostgreSQL's own processes not counted)",
        summarize(&first_fifths).median,
        summarize(&last_fifths).median,
        longest + 1,
        summarize(&client_shares).median * 100.0
    ));
    let row = |raw: usize, baseline: &str, target: Goal, raw_unit: &'static str| Row {
        engine,
        figure: format!(
            "refresh-token grants (`POST /{TENANT}/auth/refresh-token`), {clients} clients each rotating \
             its own session; raw: {baseline}, {clients} writers"
        ),
        events_per_commit: None,
        store: summarize(&samples[0]),
        raw: Some(summarize(&samples[raw])),
        target,
        others,
        kind: Kind::Rate { unit: "grants/s", raw_unit },
    };
    Ok(vec![
        row(1, "single-event commits (`BEGIN`, insert, `COMMIT`)", Goal::Ratio(0.6), "commits/s"),
        row(2, "the same insert committed on its own (no `BEGIN`/`COMMIT`)", Goal::None, "inserts/s"),
    ])
}

/// Figure 3: authenticated GET latency while sign-ins saturate the CPU, beside an idle server.
async fn latency(
    engine: &'static str,
    server: &Server,
    client: &Client,
    settings: &Settings,
    notes: &mut Vec<String>,
) -> Result<Row> {
    let clients = settings.load_clients;
    let interval = Duration::from_secs_f64(settings.get_interval_ms / 1000.0);
    let length = Duration::from_secs_f64(settings.secs);
    // the load ramps up before the GETs start and runs until they end
    let ramp = Duration::from_secs_f64(settings.warmup_secs);
    // its own client, so its connection never waits behind the load's
    let reader = Client::builder().timeout(Duration::from_secs(60)).build()?;
    let token = sign_in(&reader, &server.url("/auth/sign-in-email"), &email(ACCOUNTS)).await?.access;
    let url = server.url("/front/customers");
    let load = Arc::new(Job::SignIn {
        client: client.clone(),
        url: server.url("/auth/sign-in-email"),
        next: AtomicUsize::new(0),
    });
    get_latencies(&reader, &url, &token, Duration::from_secs_f64(settings.warmup_secs), interval).await?;
    eprintln!(
        "{engine} GET latency, one GET every {} ms, {clients} sign-in clients: measuring {:.1} s x {} round(s)",
        settings.get_interval_ms, settings.secs, settings.rounds
    );

    let mut idle = LatencyRounds::default();
    let mut loaded = LatencyRounds::default();
    let mut load_rates = Vec::new();
    let mut others = 0f64;
    for round in 0..settings.rounds {
        for k in 0..2 {
            if (k + round) % 2 == 0 {
                let cpu = CpuSnap::now();
                let ms = get_latencies(&reader, &url, &token, length, interval).await?;
                others = others.max(cpu.others_since());
                idle.add(ms);
                eprintln!("  round {}: idle   GET p99 {:.1} ms", round + 1, idle.p99.last().copied().unwrap_or(0.0));
            } else {
                let cpu = CpuSnap::now();
                let gets = async {
                    tokio::time::sleep(ramp).await;
                    get_latencies(&reader, &url, &token, length, interval).await
                };
                let (load, ms) = tokio::join!(rate_for(&load, clients, ramp + length), gets);
                let (sign_ins, _) = load?;
                others = others.max(cpu.others_since());
                loaded.add(ms?);
                load_rates.push(sign_ins);
                eprintln!(
                    "  round {}: loaded GET p99 {:.1} ms, background {sign_ins:.1} sign-ins/s",
                    round + 1,
                    loaded.p99.last().copied().unwrap_or(0.0)
                );
            }
        }
    }
    notes.push(format!(
        "{engine}: during the loaded GET runs the background made {:.1} sign-ins/s (median)",
        summarize(&load_rates).median
    ));
    Ok(Row {
        engine,
        figure: format!(
            "authenticated `GET /{TENANT}/front/customers`, one every {} ms, while {clients} clients sign in; \
             raw: the same GETs on an idle server",
            settings.get_interval_ms
        ),
        events_per_commit: None,
        store: summarize(&loaded.p99),
        raw: Some(summarize(&idle.p99)),
        target: Goal::P99Ms(50.0),
        others,
        kind: Kind::Latency { loaded: loaded.summary(), idle: Some(idle.summary()) },
    })
}
