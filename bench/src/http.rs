//! HTTP load against the real `users-api` release binary, run as a process of its own on a fresh
//! data dir (its abuse limits raised out of the way), with Debian's `wrk` as the load generator
//! (`bench/scripts/wrk` installs it when it is missing), beside a bare axum endpoint answering
//! JSON of the same size (`bench/src/bin/bare.rs`) measured in the same run:
//!
//! - authenticated GETs of the three dialects (coord `GET /v1/users/user/current`, suite
//!   `GET /demo/front/customers`, legacy `GET /api/users/isLogged`) at 64 and 256 connections,
//!   against the bare endpoint's req/s; target at 64 connections: ≥ 50 %, p99 ≤ 10 ms;
//! - `GET /healthz` (no authentication, no database) at 64 connections, to tell the cost of
//!   the framework and its layers from that of authentication and the read;
//! - coord `PUT /v1/users/user/current/vehicle`, distinct users, each write a new plate, against
//!   raw single-event commits (the append figures' `BEGIN`, insert, `COMMIT`) with as many
//!   writers; target ≥ 70 %;
//! - the server's peak RSS (`VmHWM`) over all of it, 256 connections included; target ≤ 150 MB.
//!
//! Besides each rate, the server's CPU time per request (and PostgreSQL's, and wrk's share of
//! the machine) is noted: where a target is missed, that is where the time goes.
use crate::append::Appender;
use crate::report::{Kind, Row, Target as Goal};
use crate::setup::{
    CpuSnap, Settings, Summary, Target, TempDir, children_ticks, count_as_ours, forget_ours, pid_ticks, postgres_ticks,
    run_for, summarize, ticks_since,
};
use anyhow::{Context, Result, bail};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const PASSWORD: &str = "correct horse battery staple";
/// Users per dialect the GETs spread over.
const READERS: usize = 64;
/// Connections of the write figure; it gets twice as many coord users.
const WRITE_CONNECTIONS: usize = 64;
/// Requests per minute for the server's abuse limits: never reached here.
const UNLIMITED: &str = "1000000000";
/// Connection counts of the GET figures; the first is the one the targets are for.
const CONNECTIONS: [usize; 2] = [64, 256];
const LUA: &str = include_str!("../scripts/load.lua");

/// A helper process (the server or the bare baseline), its CPU counted as the benchmark's own.
struct Process {
    child: Child,
    pid: u32,
    /// `key: value` lines of its banner.
    banner: HashMap<String, String>,
}

impl Process {
    /// Start `cmd` and read its stdout until every key of `keys` was printed as `key: value`.
    async fn start(mut cmd: Command, keys: &[&str]) -> Result<Self> {
        let mut child = cmd.stdout(Stdio::piped()).kill_on_drop(true).spawn().context("starting a helper process")?;
        let pid = child.id().context("the helper process has no id")?;
        count_as_ours(pid);
        let mut lines = BufReader::new(child.stdout.take().context("no stdout")?).lines();
        let mut banner = HashMap::new();
        let read = async {
            while keys.iter().any(|k| !banner.contains_key(*k)) {
                let Some(line) = lines.next_line().await? else { bail!("it exited before its banner") };
                if let Some((k, v)) = line.trim().split_once(": ") {
                    banner.insert(k.trim().to_owned(), v.trim().to_owned());
                }
            }
            anyhow::Ok(())
        };
        tokio::time::timeout(Duration::from_secs(120), read).await.context("no banner within 120 s")??;
        // keep draining stdout, so that it never writes into a closed pipe
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Self { child, pid, banner })
    }

    fn get(&self, key: &str) -> Result<&str> {
        self.banner.get(key).map(String::as_str).with_context(|| format!("no {key} in the banner"))
    }

    /// `field` of `/proc/PID/status` (`VmHWM`: the peak resident set, `VmRSS`: the current one)
    /// in MB.
    fn memory_mb(&self, field: &str) -> Result<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid))?;
        let kib: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix(field).and_then(|v| v.strip_prefix(':')))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .with_context(|| format!("no {field} in /proc/{}/status", self.pid))?;
        Ok(kib / 1024.0)
    }

    /// SIGTERM (the server stops gracefully and exits 0), then wait; `graceful: false`: SIGKILL.
    async fn stop(mut self, graceful: bool) -> Result<()> {
        if graceful {
            let _ = Command::new("kill").arg(self.pid.to_string()).status().await;
        } else {
            self.child.start_kill()?;
        }
        let waited = tokio::time::timeout(Duration::from_secs(30), self.child.wait()).await;
        forget_ours(self.pid);
        match waited {
            Ok(status) => {
                let status = status?;
                if graceful && !status.success() {
                    eprintln!("warning: a helper process stopped with {status}");
                }
            }
            Err(_) => {
                eprintln!("warning: a helper process did not stop within 30 s");
                self.child.kill().await?;
            }
        }
        Ok(())
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        forget_ours(self.pid);
    }
}

/// The `users-api` binary (`--server-bin`, or the one next to this benchmark's binary) and this
/// crate's `bare` baseline, both built first with the same profile as this binary (`cargo run`
/// builds only the binary it runs; a no-op when they are up to date).
async fn binaries(settings: &Settings) -> Result<(PathBuf, PathBuf)> {
    let profile = if cfg!(debug_assertions) { "" } else { " --release" };
    let build = format!("cargo build{profile} -p api -p bench --bin users-api --bin bare");
    eprintln!("building: {build}");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."));
    cmd.args(build.split_whitespace().skip(1));
    // what `cargo run` set for this binary: build scripts (ring's) rerun when these change
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        let set_by_run = ["CARGO_PKG_", "CARGO_MANIFEST_", "CARGO_BIN_", "CARGO_CRATE_", "CARGO_PRIMARY_"]
            .iter()
            .any(|p| name.starts_with(p));
        if set_by_run || name == "OUT_DIR" || name == "CARGO_RUSTC_CURRENT_DIR" {
            cmd.env_remove(name.as_ref());
        }
    }
    let status = cmd.status().await.context("running cargo build")?;
    if !status.success() {
        bail!("{build} failed ({status})");
    }
    let next = |name: &str| -> Result<PathBuf> {
        let bin = std::env::current_exe()?.with_file_name(name);
        if !bin.exists() {
            bail!("{} is missing after `{build}`", bin.display());
        }
        Ok(bin)
    };
    let server = match &settings.server_bin {
        Some(bin) => bin.clone(),
        None => next("users-api")?,
    };
    Ok((server, next("bare")?))
}

/// `wrk`, installed by `bench/scripts/wrk` when it is missing.
async fn ensure_wrk() -> Result<()> {
    let found = Command::new("wrk").arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().await;
    if found.is_ok() {
        return Ok(());
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/wrk");
    let status = Command::new(&script).arg("--version").stdout(Stdio::null()).status().await?;
    // `wrk --version` exits 1 after printing its version
    if Command::new("wrk").arg("--version").stdout(Stdio::null()).status().await.is_err() {
        bail!("{} could not install wrk ({status})", script.display());
    }
    Ok(())
}

/// What wrk printed for one run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WrkRun {
    pub rate: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub requests: u64,
    pub non_2xx: u64,
    /// `connect 0, read 0, write 0, timeout 0`, when wrk printed socket errors.
    pub socket_errors: Option<String>,
}

/// `1.23ms`, `456.00us`, `1.05s`, `2.00m` → ms.
fn duration_ms(s: &str) -> Option<f64> {
    let split = s.find(|c: char| c.is_ascii_alphabetic())?;
    let (n, unit) = s.split_at(split);
    let n: f64 = n.parse().ok()?;
    Some(match unit {
        "us" => n / 1000.0,
        "ms" => n,
        "s" => n * 1000.0,
        "m" => n * 60_000.0,
        "h" => n * 3_600_000.0,
        _ => return None,
    })
}

/// Parse the output of `wrk --latency`.
pub fn parse_wrk(out: &str) -> Result<WrkRun> {
    let mut run = WrkRun::default();
    let (mut rate, mut p50, mut p99, mut requests) = (None, None, None, None);
    for line in out.lines().map(str::trim) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["Requests/sec:", v] => rate = v.parse().ok(),
            ["50%", v] => p50 = duration_ms(v),
            ["99%", v] => p99 = duration_ms(v),
            [n, "requests", "in", ..] => requests = n.parse().ok(),
            ["Non-2xx", "or", "3xx", "responses:", n] => run.non_2xx = n.parse().unwrap_or(u64::MAX),
            _ if line.starts_with("Socket errors:") => {
                run.socket_errors = line.strip_prefix("Socket errors:").map(|s| s.trim().to_owned());
            }
            _ => {}
        }
    }
    run.rate = rate.context("no Requests/sec")?;
    run.p50_ms = p50.context("no 50% latency (run wrk with --latency)")?;
    run.p99_ms = p99.context("no 99% latency (run wrk with --latency)")?;
    run.requests = requests.context("no request count")?;
    Ok(run)
}

/// One kind of load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Load {
    Bare,
    Healthz,
    Coord,
    Suite,
    Legacy,
    Write,
}

impl Load {
    fn name(self) -> &'static str {
        match self {
            Self::Bare => "bare axum GET",
            Self::Healthz => "GET /healthz",
            Self::Coord => "coord GET",
            Self::Suite => "suite GET",
            Self::Legacy => "legacy GET",
            Self::Write => "coord vehicle PUT",
        }
    }
}

/// One measured wrk run and the CPU time it cost.
#[derive(Debug, Clone)]
struct Measured {
    wrk: WrkRun,
    others: f64,
    /// CPU µs per request of the process under load (the server, or the bare baseline).
    server_us: f64,
    /// CPU µs per request of PostgreSQL's processes.
    postgres_us: f64,
    /// wrk's share of the machine's CPU time.
    wrk_share: f64,
}

/// Everything the runs need: the two processes, the token files and the script.
struct Rig {
    server: Process,
    bare: Process,
    server_url: String,
    bare_url: String,
    access_key: String,
    scratch: PathBuf,
    script: PathBuf,
    threads: usize,
}

impl Rig {
    /// The URL, method and path, and token file of `load`.
    fn target(&self, load: Load) -> (String, &'static str, String, PathBuf) {
        let tokens = |name: &str| self.scratch.join(format!("{name}.tokens"));
        let key = &self.access_key;
        match load {
            Load::Bare => (self.bare_url.clone(), "GET", "/".into(), tokens("suite")),
            Load::Healthz => (self.server_url.clone(), "GET", "/healthz".into(), tokens("suite")),
            Load::Coord => {
                (self.server_url.clone(), "GET", format!("/v1/users/user/current?access_key={key}"), tokens("coord"))
            }
            Load::Suite => (self.server_url.clone(), "GET", "/demo/front/customers".into(), tokens("suite")),
            Load::Legacy => (self.server_url.clone(), "GET", "/api/users/isLogged".into(), tokens("legacy")),
            Load::Write => (
                self.server_url.clone(),
                "PUT",
                format!("/v1/users/user/current/vehicle?access_key={key}"),
                tokens("writers"),
            ),
        }
    }

    /// One wrk run of `load` with `connections` for `secs` (whole seconds, at least 1).
    async fn wrk(&self, load: Load, connections: usize, secs: f64) -> Result<Measured> {
        let (url, method, path, tokens) = self.target(load);
        let pid = if load == Load::Bare { self.bare.pid } else { self.server.pid };
        let threads = self.threads.min(connections);
        let mut cmd = Command::new("wrk");
        cmd.arg("-t").arg(threads.to_string());
        cmd.arg("-c").arg(connections.to_string());
        cmd.arg("-d").arg(format!("{}s", secs.ceil().max(1.0)));
        cmd.args(["--latency", "--timeout", "10s", "-s"]).arg(&self.script).arg(&url).arg("--");
        cmd.arg(&tokens).arg(threads.to_string()).arg(method).arg(&path);
        if load == Load::Write {
            cmd.arg("write");
        }
        let cpu = CpuSnap::now();
        let (server0, pg0, wrk0, t0) = (pid_ticks(pid), postgres_ticks(), children_ticks(), Instant::now());
        let out = cmd.stdin(Stdio::null()).output().await.context("running wrk")?;
        let (server1, pg1, wrk1) = (pid_ticks(pid), postgres_ticks(), children_ticks());
        let elapsed = t0.elapsed().as_secs_f64();
        let others = cpu.others_since();
        let text = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() {
            bail!("wrk {load:?} failed ({}): {text}{}", out.status, String::from_utf8_lossy(&out.stderr));
        }
        let wrk = parse_wrk(&text).with_context(|| format!("wrk printed: {text}"))?;
        if wrk.non_2xx > 0 {
            bail!("{} at {connections} connections: {} answers were not 2xx: {text}", load.name(), wrk.non_2xx);
        }
        let tick_us = 1_000_000.0 / ticks_per_second();
        let per_request = |ticks: u64| ticks as f64 * tick_us / wrk.requests.max(1) as f64;
        let cpus = std::thread::available_parallelism().map_or(1, usize::from) as f64;
        Ok(Measured {
            others,
            server_us: per_request(server1.saturating_sub(server0)),
            postgres_us: per_request(ticks_since(&pg0, &pg1)),
            wrk_share: wrk1.saturating_sub(wrk0) as f64 * tick_us / 1e6 / (elapsed * cpus),
            wrk,
        })
    }
}

/// Clock ticks per second of `/proc` CPU times (`getconf CLK_TCK`; 100 on Linux).
fn ticks_per_second() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// Start the server on a fresh database of `target` and the bare baseline, and prepare tokens.
async fn rig(target: &Target, settings: &Settings, scratch: &Path) -> Result<Rig> {
    let (bin, bare_bin) = binaries(settings).await?;
    let mut cmd = Command::new(&bin);
    let log = std::fs::File::create(scratch.join("server.log"))?;
    cmd.env("USERS_API_DATA_DIR", scratch.join("data"))
        .env("DATABASE_URL", target.fresh("http_server").await?)
        .env("USERS_API_BIND", "127.0.0.1:0")
        // cheap password hashes for the setup's sign-ups: the figures hash no password
        .env("USERS_API_PASSWORD_MEMORY_KIB", "64")
        .env("USERS_API_PASSWORD_ITERATIONS", "1")
        .env("USERS_API_SIGN_IN_PER_MINUTE", UNLIMITED)
        .env("USERS_API_SIGN_IN_PER_ACCOUNT_PER_MINUTE", UNLIMITED)
        .env("USERS_API_REFRESH_PER_MINUTE", UNLIMITED)
        .env("USERS_API_WRITES_PER_MINUTE", UNLIMITED)
        .env("USERS_API_MINTS_PER_PARTNER_PER_MINUTE", UNLIMITED)
        .env_remove("RUST_LOG")
        .stderr(log);
    let server = Process::start(cmd, &["url", "demo access_key", "demo server token"]).await?;
    let server_url = server.get("url")?.to_owned();
    let access_key = server.get("demo access_key")?.to_owned();
    let server_token = server.get("demo server token")?.to_owned();
    eprintln!("{} http: users-api at {server_url} (pid {})", target.name(), server.pid);

    let client = Client::builder().timeout(Duration::from_secs(60)).build()?;
    let mut suite = Vec::new();
    let mut legacy = Vec::new();
    let mut coord = Vec::new();
    for i in 0..READERS {
        suite.push(suite_token(&client, &server_url, i).await?);
        legacy.push(legacy_token(&client, &server_url, i).await?);
        coord.push(coord_token(&client, &server_url, &access_key, &server_token, &format!("reader{i}")).await?);
    }
    let mut writers = Vec::new();
    for i in 0..2 * WRITE_CONNECTIONS {
        writers.push(coord_token(&client, &server_url, &access_key, &server_token, &format!("writer{i}")).await?);
    }
    for (name, tokens) in [("suite", &suite), ("legacy", &legacy), ("coord", &coord), ("writers", &writers)] {
        std::fs::write(scratch.join(format!("{name}.tokens")), tokens.join("\n") + "\n")?;
    }
    // the bare document is as long as the suite customer answer
    let res = client.get(format!("{server_url}/demo/front/customers")).bearer_auth(&suite[0]).send().await?;
    let bytes = ok(res, "suite GET").await?.bytes().await?.len();
    let mut cmd = Command::new(&bare_bin);
    cmd.arg(bytes.to_string());
    let bare = Process::start(cmd, &["url"]).await.with_context(|| format!("starting {}", bare_bin.display()))?;
    let bare_url = bare.get("url")?.to_owned();
    let bare_bytes = client.get(&bare_url).send().await?.bytes().await?.len();
    if bare_bytes != bytes {
        bail!("the bare endpoint answers {bare_bytes} bytes, the suite customer {bytes}");
    }
    eprintln!(
        "{} http: {READERS} users per dialect, {} coord writers; bare axum at {bare_url}, {bytes}-byte JSON",
        target.name(),
        writers.len()
    );
    let script = scratch.join("load.lua");
    std::fs::write(&script, LUA)?;
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    Ok(Rig { server, bare, server_url, bare_url, access_key, scratch: scratch.into(), script, threads })
}

/// `res` if it is 2xx; otherwise an error with the body.
async fn ok(res: reqwest::Response, what: &str) -> Result<reqwest::Response> {
    if !res.status().is_success() {
        let status = res.status();
        bail!("{what}: HTTP {status}: {}", res.text().await.unwrap_or_default());
    }
    Ok(res)
}

fn field(body: &Value, name: &str) -> Result<String> {
    body[name].as_str().map(str::to_owned).with_context(|| format!("no {name} in {body}"))
}

async fn suite_token(client: &Client, url: &str, i: usize) -> Result<String> {
    let body = json!({ "email": format!("http.suite{i}@example.com"), "password": PASSWORD });
    let res = client.post(format!("{url}/demo/front/customers")).json(&body).send().await?;
    if res.status() != StatusCode::CREATED {
        bail!("suite sign-up: HTTP {}: {}", res.status(), res.text().await.unwrap_or_default());
    }
    let res = client.post(format!("{url}/demo/auth/sign-in-email")).json(&body).send().await?;
    field(&ok(res, "suite sign-in").await?.json().await?, "accessToken")
}

async fn legacy_token(client: &Client, url: &str, i: usize) -> Result<String> {
    let username = format!("httplegacy{i}");
    let body = json!({
        "username": username, "email": format!("{username}@example.com"), "password": PASSWORD, "accept_terms": 1
    });
    let res = client.get(format!("{url}/api/oauth/register")).json(&body).send().await?;
    field(&ok(res, "legacy register").await?.json().await?, "access_token")
}

async fn coord_token(client: &Client, url: &str, key: &str, server_token: &str, name: &str) -> Result<String> {
    let res = client
        .post(format!("{url}/v1/users/create_jwt?access_key={key}"))
        .bearer_auth(server_token)
        .json(&json!({ "email": format!("http.{name}@example.com") }))
        .send()
        .await?;
    field(&ok(res, "coord create_jwt").await?.json().await?, "jwt_token")
}

/// A measured item of a round.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Item {
    Wrk(Load, usize),
    RawCommits,
}

/// Per-item samples over the rounds.
#[derive(Default)]
struct Samples {
    rate: Vec<f64>,
    p50: Vec<f64>,
    p99: Vec<f64>,
    server_us: Vec<f64>,
    postgres_us: Vec<f64>,
    wrk_share: Vec<f64>,
    others: f64,
    socket_errors: Vec<String>,
}

impl Samples {
    fn add(&mut self, m: &Measured) {
        self.rate.push(m.wrk.rate);
        self.p50.push(m.wrk.p50_ms);
        self.p99.push(m.wrk.p99_ms);
        self.server_us.push(m.server_us);
        self.postgres_us.push(m.postgres_us);
        self.wrk_share.push(m.wrk_share);
        self.others = self.others.max(m.others);
        self.socket_errors.extend(m.wrk.socket_errors.clone());
    }

    fn median(v: &[f64]) -> f64 {
        summarize(v).median
    }
}

/// All the HTTP load figures of one engine.
pub async fn run(target: &Target, settings: &Settings, notes: &mut Vec<String>) -> Result<Vec<Row>> {
    let engine = target.name();
    ensure_wrk().await?;
    let scratch = TempDir::new("bench-http")?;
    let rig = rig(target, settings, &scratch.0).await?;
    let raw = Appender::raw(target, &target.fresh("http_raw_commits").await?, 1).await?;
    let raw = std::sync::Arc::new(raw);
    let raw_commits = |length: Duration| {
        let raw = raw.clone();
        async move {
            let cpu = CpuSnap::now();
            let start = Instant::now();
            let done = run_for(WRITE_CONNECTIONS, length, move || {
                let raw = raw.clone();
                async move { raw.commit(1).await }
            })
            .await?;
            anyhow::Ok((done as f64 / start.elapsed().as_secs_f64(), cpu.others_since()))
        }
    };

    let mut items = Vec::new();
    for load in [Load::Bare, Load::Coord, Load::Suite, Load::Legacy] {
        for c in CONNECTIONS {
            items.push(Item::Wrk(load, c));
        }
    }
    items.push(Item::Wrk(Load::Healthz, CONNECTIONS[0]));
    items.push(Item::Wrk(Load::Write, WRITE_CONNECTIONS));
    items.push(Item::RawCommits);

    for item in &items {
        match *item {
            Item::Wrk(load, c) => {
                rig.wrk(load, c, settings.warmup_secs).await?;
            }
            Item::RawCommits => {
                raw_commits(Duration::from_secs_f64(settings.warmup_secs)).await?;
            }
        }
    }
    eprintln!(
        "{engine} http: {} figures, wrk -t{} for {:.0} s each x {} round(s)",
        items.len(),
        rig.threads,
        settings.secs.ceil().max(1.0),
        settings.rounds
    );
    let mut samples: Vec<Samples> = items.iter().map(|_| Samples::default()).collect();
    for round in 0..settings.rounds {
        for k in 0..items.len() {
            let which = (k + round) % items.len();
            match items[which] {
                Item::Wrk(load, c) => {
                    let m = rig.wrk(load, c, settings.secs).await?;
                    eprintln!(
                        "  round {}: {:<18} {c:>3} conns {:>8.0} req/s p99 {:>6.2} ms, server {:>5.0} µs/req, \
                         postgres {:>4.0} µs/req, wrk {:>3.0} % (other CPU {:.0} %)",
                        round + 1,
                        load.name(),
                        m.wrk.rate,
                        m.wrk.p99_ms,
                        m.server_us,
                        m.postgres_us,
                        m.wrk_share * 100.0,
                        m.others * 100.0
                    );
                    samples[which].add(&m);
                }
                Item::RawCommits => {
                    let (rate, others) = raw_commits(Duration::from_secs_f64(settings.secs)).await?;
                    eprintln!("  round {}: raw commits, {WRITE_CONNECTIONS} writers {rate:>8.0}/s", round + 1);
                    samples[which].rate.push(rate);
                    samples[which].others = samples[which].others.max(others);
                }
            }
        }
    }
    let server_rss = rig.server.memory_mb("VmHWM")?;
    let bare_rss = rig.bare.memory_mb("VmHWM")?;
    let figures = rows(engine, &items, &samples, (server_rss, bare_rss), notes);
    notes.push(format!(
        "{engine}: server peak RSS (VmHWM) {server_rss:.1} MB, resident at the end (VmRSS) {:.1} MB; \
         the bare axum baseline's peak {bare_rss:.1} MB",
        rig.server.memory_mb("VmRSS")?
    ));
    let Rig { server, bare, .. } = rig;
    server.stop(true).await?;
    bare.stop(false).await?;
    figures
}

fn rows(
    engine: &'static str,
    items: &[Item],
    samples: &[Samples],
    (server_rss, bare_rss): (f64, f64),
    notes: &mut Vec<String>,
) -> Result<Vec<Row>> {
    let at = |item: Item| -> Result<&Samples> {
        items.iter().position(|i| *i == item).map(|i| &samples[i]).context("an item was not measured")
    };
    let p99 = |s: &Samples| summarize(&s.p99);
    let mut rows = Vec::new();
    let mut cpu = Vec::new();
    for c in CONNECTIONS {
        let bare = at(Item::Wrk(Load::Bare, c))?;
        for (load, path) in [
            (Load::Coord, "coord `GET /v1/users/user/current?access_key=…`"),
            (Load::Suite, "suite `GET /demo/front/customers`"),
            (Load::Legacy, "legacy `GET /api/users/isLogged`"),
        ] {
            let s = at(Item::Wrk(load, c))?;
            rows.push(Row {
                engine,
                figure: format!("{path}, {READERS} users; baseline: bare axum JSON of the same size"),
                events_per_commit: None,
                store: summarize(&s.rate),
                raw: Some(summarize(&bare.rate)),
                target: if c == CONNECTIONS[0] { Goal::RatioP99(0.5, 10.0) } else { Goal::None },
                others: s.others.max(bare.others),
                kind: Kind::Load { connections: c, p99: p99(s), raw_p99: Some(p99(bare)), unit: "req/s" },
            });
        }
    }
    let bare = at(Item::Wrk(Load::Bare, CONNECTIONS[0]))?;
    let health = at(Item::Wrk(Load::Healthz, CONNECTIONS[0]))?;
    rows.push(Row {
        engine,
        figure: "`GET /healthz` (no authentication, no database); baseline: bare axum JSON".into(),
        events_per_commit: None,
        store: summarize(&health.rate),
        raw: Some(summarize(&bare.rate)),
        target: Goal::None,
        others: health.others.max(bare.others),
        kind: Kind::Load { connections: CONNECTIONS[0], p99: p99(health), raw_p99: Some(p99(bare)), unit: "req/s" },
    });
    let write = at(Item::Wrk(Load::Write, WRITE_CONNECTIONS))?;
    let commits = at(Item::RawCommits)?;
    rows.push(Row {
        engine,
        figure: format!(
            "coord `PUT /v1/users/user/current/vehicle`, {} distinct users, a new plate each time; \
             baseline: raw single-event commits (`BEGIN`, insert, `COMMIT`), {WRITE_CONNECTIONS} writers",
            2 * WRITE_CONNECTIONS
        ),
        events_per_commit: None,
        store: summarize(&write.rate),
        raw: Some(summarize(&commits.rate)),
        target: Goal::Ratio(0.7),
        others: write.others.max(commits.others),
        kind: Kind::Load { connections: WRITE_CONNECTIONS, p99: p99(write), raw_p99: None, unit: "writes/s" },
    });
    let others = samples.iter().map(|s| s.others).fold(0.0, f64::max);
    rows.push(Row {
        engine,
        figure: "peak RSS of the server (`VmHWM`) over the whole run, 256 connections included; \
                 baseline: the bare axum process"
            .into(),
        events_per_commit: None,
        store: Summary { median: server_rss, spread: 0.0 },
        raw: Some(Summary { median: bare_rss, spread: 0.0 }),
        target: Goal::MaxMb(150.0),
        others,
        kind: Kind::Rss,
    });
    for (item, s) in items.iter().zip(samples) {
        if let Item::Wrk(load, c) = item {
            cpu.push(format!(
                "{} at {c}: {:.0} µs{}, wrk {:.0} %, p50 {:.2} ms",
                load.name(),
                Samples::median(&s.server_us),
                match Samples::median(&s.postgres_us) {
                    pg if pg >= 0.5 => format!(" + PostgreSQL {pg:.0} µs"),
                    _ => String::new(),
                },
                Samples::median(&s.wrk_share) * 100.0,
                Samples::median(&s.p50)
            ));
            if !s.socket_errors.is_empty() {
                notes.push(format!(
                    "{engine}: wrk socket errors, {} at {c}: {}",
                    load.name(),
                    s.socket_errors.join("; ")
                ));
            }
        }
    }
    notes.push(format!(
        "{engine}: CPU time per request of the process under load (the server, or the bare baseline), \
         and wrk's share of the machine's CPU (medians): {}",
        cpu.join("; ")
    ));
    Ok(rows)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn wrk_output_is_read() {
        let out = "Running 3s test @ http://127.0.0.1:8080/\n  2 threads and 64 connections\n  \
            Thread Stats   Avg      Stdev     Max   +/- Stdev\n    Latency     2.10ms    1.00ms  30.00ms   90.00%\n  \
            Latency Distribution\n     50%  812.00us\n     75%    1.50ms\n     90%    3.00ms\n     99%    1.02s\n  \
            30000 requests in 3.00s, 12.00MB read\n  Socket errors: connect 0, read 2, write 0, timeout 1\n  \
            Non-2xx or 3xx responses: 7\nRequests/sec:  10000.50\nTransfer/sec:      4.00MB\n";
        let run = parse_wrk(out).unwrap();
        assert_eq!(
            run,
            WrkRun {
                rate: 10000.5,
                p50_ms: 0.812,
                p99_ms: 1020.0,
                requests: 30000,
                non_2xx: 7,
                socket_errors: Some("connect 0, read 2, write 0, timeout 1".into()),
            }
        );
        assert!(parse_wrk("Requests/sec: 1\n").is_err(), "no percentiles without --latency");
    }
}
