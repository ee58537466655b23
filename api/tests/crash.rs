//! Crash safety of the real `users-api` binary on both engines: several clients write through
//! all three dialects, the server is killed with SIGKILL in the middle of the load, and then
//!
//! - the hash chain of the log the crash left verifies (`users-api verify`),
//! - every projection equals its rebuild from the log (`users-api rebuild`: `matched_live`),
//! - after a restart on the same data, every write that was answered 2xx is there: each code
//!   asked for is sent, each suite customer signs in, each coord vehicle reads back, and the last
//!   refresh token answered for each suite and legacy session refreshes,
//! - and after a graceful stop, `verify` and `rebuild` hold again.
#![allow(clippy::unwrap_used)]

use reqwest::{Client, RequestBuilder};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tests::fresh_pg_database;

const BIN: &str = env!("CARGO_BIN_EXE_users-api");
/// Answered writes after which the server is killed.
const WRITES_BEFORE_KILL: usize = 400;
/// Concurrent clients per dialect.
const CLIENTS: usize = 2;
const PASSWORD: &str = "correct horse battery";

struct Target {
    scratch: PathBuf,
    /// `None`: the default SQLite file in the data dir.
    database_url: Option<String>,
}

impl Target {
    fn new(database_url: Option<String>) -> Self {
        let scratch = std::env::temp_dir().join(format!("users-api-crash-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&scratch).unwrap();
        Self { scratch, database_url }
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.env("USERS_API_DATA_DIR", self.scratch.join("data")).env_remove("DATABASE_URL");
        if let Some(url) = &self.database_url {
            cmd.env("DATABASE_URL", url);
        }
        cmd
    }

    fn url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.scratch.join("data/users.db").display()))
    }

    /// Run a subcommand to its end; its stdout.
    fn run(&self, args: &[&str]) -> String {
        let out = self.command().args(args).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(out.status.success(), "{args:?}: {stdout}{}", String::from_utf8_lossy(&out.stderr));
        stdout
    }

    /// `verify` passes; the number of events it checked.
    fn verify(&self) -> u64 {
        let report: Value = serde_json::from_str(&self.run(&["verify"])).unwrap();
        assert!(report["first_broken"].is_null(), "{report}");
        report["events_checked"].as_u64().unwrap()
    }

    /// `rebuild` of every projection finds the live tables equal to the rebuilt ones.
    fn rebuild_matches(&self) {
        let out = self.run(&["rebuild"]);
        let reports: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(reports.len(), projections::all().len(), "one report per projection: {out}");
        assert!(reports.iter().all(|r| r["matched_live"] == true), "a projection differs from its rebuild: {out}");
    }

    /// Start `serve` on a free port; the server once its banner is out.
    fn serve(&self, run: u32) -> Server {
        let log = std::fs::File::create(self.scratch.join(format!("server-{run}.log"))).unwrap();
        let mut child = self
            .command()
            .env("USERS_API_BIND", "127.0.0.1:0")
            // cheap password hashes: the load is about writes, not argon2
            .env("USERS_API_PASSWORD_MEMORY_KIB", "64")
            .env("USERS_API_PASSWORD_ITERATIONS", "1")
            .env("USERS_API_SIGN_IN_PER_MINUTE", "1000000")
            .env("USERS_API_REFRESH_PER_MINUTE", "1000000")
            .env("USERS_API_WRITES_PER_MINUTE", "1000000")
            // a refresh that committed but was never answered (the kill) spent the last answered
            // token; within the grace, that token still gets the same successor
            .env("USERS_API_REFRESH_GRACE_SECS", "300")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let (mut url, mut access_key, mut server_token, mut signature_key) =
            (String::new(), String::new(), String::new(), String::new());
        while [&url, &access_key, &server_token, &signature_key].iter().any(|v| v.is_empty()) {
            let line = lines.next().unwrap_or_else(|| panic!("server {run} exited before its banner")).unwrap();
            let line = line.trim();
            let value = |prefix: &str| line.strip_prefix(prefix).map(|v| v.trim().to_owned());
            url = value("url:").unwrap_or(url);
            access_key = value("demo access_key:").unwrap_or(access_key);
            server_token = value("demo server token:").unwrap_or(server_token);
            signature_key = value("demo signature key:").unwrap_or(signature_key);
        }
        // keep draining stdout, so that the server never writes into a closed pipe
        std::thread::spawn(move || lines.for_each(drop));
        let outbox = self.scratch.join("data").join("outbox.jsonl");
        Server { child, url, access_key, server_token, signature_key, outbox }
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("kept the data dir and the server logs: {}", self.scratch.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.scratch);
        }
    }
}

struct Server {
    child: Child,
    url: String,
    access_key: String,
    server_token: String,
    signature_key: String,
    /// Where the development sender appends each message sent, one JSON line each.
    outbox: PathBuf,
}

impl Server {
    fn coord(&self, path: &str) -> String {
        format!("{}/v1/users{path}?access_key={}", self.url, self.access_key)
    }

    /// SIGTERM, and a clean exit.
    fn stop(mut self) {
        Command::new("kill").arg(self.child.id().to_string()).status().unwrap();
        assert!(self.child.wait().unwrap().success(), "the server exits cleanly on SIGTERM");
    }
}

impl Drop for Server {
    /// A failed test leaves no server behind (a no-op once it has exited).
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the server answered 2xx during the load.
#[derive(Default)]
struct Ledger {
    writes: usize,
    /// Answered writes that append at least one event: all but the legacy refreshes (a legacy
    /// session keeps its first refresh token, so refreshing it appends nothing).
    appends: usize,
    /// Emails of the suite customers whose sign-up got 201.
    suite_customers: Vec<String>,
    /// Per suite login session, the last refresh token answered.
    suite_refresh: Vec<String>,
    /// Per coord user, its token and the plate the vehicle PUT answered.
    coord_vehicles: Vec<(String, Value)>,
    /// Emails whose signed request for a sign-in code got 204: the code must be sent.
    code_requests: Vec<String>,
    /// Per legacy login session, the username, and the last access and refresh tokens answered.
    legacy_sessions: Vec<(String, String, String)>,
}

type Shared = Arc<Mutex<Ledger>>;

/// The answer's body when its status is `want`; `Ok(None)` when the server is gone (the kill)
/// before the whole answer arrived.
async fn call(req: RequestBuilder, want: u16) -> Result<Option<Value>, String> {
    let Ok(res) = req.send().await else { return Ok(None) };
    let status = res.status().as_u16();
    let Ok(body) = res.text().await else { return Ok(None) };
    if status != want {
        return Err(format!("{status}: {body}"));
    }
    if body.is_empty() {
        return Ok(Some(Value::Null));
    }
    Ok(Some(serde_json::from_str(&body).map_err(|e| format!("{e}: {body}"))?))
}

/// Unwrap a `call`: stop the client quietly when the server is gone.
macro_rules! answered {
    ($call:expr) => {
        match $call.await? {
            Some(body) => body,
            None => return Ok(()),
        }
    };
}

fn field(body: &Value, name: &str) -> Result<String, String> {
    body[name].as_str().map(str::to_owned).ok_or_else(|| format!("no {name} in {body}"))
}

/// Sign up, sign in and refresh twice, over and over.
async fn suite_client(http: Client, url: String, ledger: Shared, client: usize) -> Result<(), String> {
    for i in 0.. {
        let email = format!("suite{client}-{i}@crash.test");
        let body = json!({"email": email, "password": PASSWORD});
        answered!(call(http.post(format!("{url}/demo/front/customers")).json(&body), 201));
        ledger.lock().unwrap().record(|l| l.suite_customers.push(email.clone()));
        let body = answered!(call(http.post(format!("{url}/demo/auth/sign-in-email")).json(&body), 200));
        let mut refresh = field(&body, "refreshToken")?;
        let session = ledger.lock().unwrap().record(|l| {
            l.suite_refresh.push(refresh.clone());
            l.suite_refresh.len() - 1
        });
        for _ in 0..2 {
            let req = http.post(format!("{url}/demo/auth/refresh-token")).json(&json!({"refreshToken": refresh}));
            refresh = field(&answered!(call(req, 200)), "refreshToken")?;
            ledger.lock().unwrap().record(|l| l.suite_refresh[session].clone_from(&refresh));
        }
    }
    Ok(())
}

/// The code of the newest message to `to` in the outbox file, once one is there (10 s at most).
async fn code_in_outbox(outbox: &PathBuf, to: &str) -> Option<String> {
    for _ in 0..400 {
        let sent = std::fs::read_to_string(outbox).unwrap_or_default();
        let message = sent.lines().filter_map(|l| serde_json::from_str::<Value>(l).ok()).rfind(|m| m["to"] == to);
        if let Some(body) = message.as_ref().and_then(|m| m["body"].as_str()) {
            return body.split(|c: char| !c.is_ascii_digit()).find(|w| w.len() == 6).map(str::to_owned);
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    None
}

/// A message to `to` is in the outbox table: the dispatcher the crash killed may have leased it
/// (for two minutes) just before; it goes out when the lease ends. Queued is what the 2xx
/// promised.
async fn queued(target: &Target, to: &str) -> bool {
    let store = tests::open_existing_store(&target.url()).await;
    let sql = format!("select count(*) from outbox where recipient = '{}'", to.replace('\'', "''"));
    let row: Option<(i64,)> = store.db().fetch_optional(&sql, &[]).await.unwrap();
    row.is_some_and(|(n,)| n > 0)
}

/// Ask for an email code with a signed request, read it from the outbox, sign in with it.
async fn code_client(
    http: Client,
    server: (String, String, PathBuf),
    ledger: Shared,
    client: usize,
) -> Result<(), String> {
    let (url, signature_key, outbox) = server;
    for i in 0.. {
        let email = format!("code{client}-{i}@crash.test");
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
        let signature = api::suite::bootstrap::sign(&signature_key, now, &email).ok_or("no signature")?;
        let query = format!("timestamp={now}&signature={signature}");
        let req = http.post(format!("{url}/demo/front/customers/create-or-sign-in-with-email-code?{query}"));
        answered!(call(req.json(&json!({"email": email})), 204));
        ledger.lock().unwrap().record(|l| l.code_requests.push(email.clone()));
        let Some(code) = code_in_outbox(&outbox, &email).await else {
            // the server was killed before it sent the code; otherwise the dispatcher failed
            let gone = http.get(format!("{url}/healthz")).send().await.is_err();
            return if gone { Ok(()) } else { Err(format!("no code sent to {email}")) };
        };
        let body = json!({"email": email, "code": code});
        let body = answered!(call(http.post(format!("{url}/demo/auth/sign-in-email-code")).json(&body), 200));
        let refresh = field(&body, "refreshToken")?;
        ledger.lock().unwrap().record(|l| l.suite_refresh.push(refresh));
    }
    Ok(())
}

/// Mint a production token for a new user and set a vehicle with a plate of its own.
async fn coord_client(
    http: Client,
    server: (String, String, String),
    ledger: Shared,
    client: usize,
) -> Result<(), String> {
    let (create_jwt, vehicle, server_token) = server;
    for i in 0.. {
        let req = http
            .post(&create_jwt)
            .bearer_auth(&server_token)
            .json(&json!({"email": format!("coord{client}-{i}@crash.test")}));
        let token = field(&answered!(call(req, 200)), "jwt_token")?;
        ledger.lock().unwrap().record(|_| ());
        let plate = json!({"text": format!("CR{client}X{i}"), "country": "us"});
        let req = http.put(&vehicle).bearer_auth(&token).json(&json!({"license_plate": plate}));
        let plate = answered!(call(req, 200))["license_plate"].clone();
        ledger.lock().unwrap().record(|l| l.coord_vehicles.push((token, plate)));
    }
    Ok(())
}

/// Register, then refresh twice, over and over.
async fn legacy_client(http: Client, url: String, ledger: Shared, client: usize) -> Result<(), String> {
    for i in 0.. {
        let username = format!("legacy{client}-{i}");
        let body = json!({"username": username, "email": format!("{username}@crash.test"), "password": PASSWORD, "accept_terms": 1});
        let body = answered!(call(http.get(format!("{url}/api/oauth/register")).json(&body), 200));
        let (mut access, mut refresh) = (field(&body, "access_token")?, field(&body, "refreshToken")?);
        let session = ledger.lock().unwrap().record(|l| {
            l.legacy_sessions.push((username.clone(), access.clone(), refresh.clone()));
            l.legacy_sessions.len() - 1
        });
        for _ in 0..2 {
            let grant = json!({"grant_type": "refresh_token", "refresh_token": refresh, "client_id": "web"});
            let body = answered!(call(http.post(format!("{url}/api/oauth/token")).json(&grant), 200));
            (access, refresh) = (field(&body, "access_token")?, field(&body, "refresh_token")?);
            let entry = (username.clone(), access.clone(), refresh.clone());
            ledger.lock().unwrap().record_without_append(|l| l.legacy_sessions[session] = entry);
        }
    }
    Ok(())
}

impl Ledger {
    /// Record one answered write that appended at least one event.
    fn record<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        self.appends += 1;
        self.record_without_append(f)
    }

    /// Record one answered write that may have appended nothing.
    fn record_without_append<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        self.writes += 1;
        f(self)
    }
}

/// Run the clients until `WRITES_BEFORE_KILL` writes are answered, then SIGKILL the server in
/// the middle of their requests; what was answered.
async fn load_and_kill(mut server: Server) -> Ledger {
    let http = Client::builder().timeout(Duration::from_secs(20)).build().unwrap();
    let ledger = Shared::default();
    let mut clients = tokio::task::JoinSet::new();
    for c in 0..CLIENTS {
        clients.spawn(suite_client(http.clone(), server.url.clone(), ledger.clone(), c));
        let coord = (server.coord("/create_jwt"), server.coord("/user/current/vehicle"), server.server_token.clone());
        clients.spawn(coord_client(http.clone(), coord, ledger.clone(), c));
        clients.spawn(legacy_client(http.clone(), server.url.clone(), ledger.clone(), c));
        let code = (server.url.clone(), server.signature_key.clone(), server.outbox.clone());
        clients.spawn(code_client(http.clone(), code, ledger.clone(), c));
    }
    let loaded = tests::eventually(45, || {
        let ledger = ledger.clone();
        async move { ledger.lock().unwrap().writes >= WRITES_BEFORE_KILL }
    })
    .await;
    // SIGKILL: no graceful shutdown, requests in flight are cut off
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let mut errors = Vec::new();
    while let Some(result) = clients.join_next().await {
        if let Err(e) = result.unwrap() {
            errors.push(e);
        }
    }
    assert!(errors.is_empty(), "unexpected answers during the load: {errors:?}");
    assert!(loaded, "the load reached {WRITES_BEFORE_KILL} answered writes");
    Arc::try_unwrap(ledger).ok().unwrap().into_inner().unwrap()
}

/// Every answered write is visible on the restarted server; the list of those that are not.
async fn missing_writes(server: &Server, ledger: &Ledger, target: &Target) -> Vec<String> {
    let http = Client::new();
    let url = &server.url;
    let mut missing = Vec::new();
    // the outbox dispatcher sends what the crash left unsent (at least once)
    for email in &ledger.code_requests {
        if code_in_outbox(&server.outbox, email).await.is_none() && !queued(target, email).await {
            missing.push(format!("the code requested for {email} was never sent nor queued"));
        }
    }
    for email in &ledger.suite_customers {
        let body = json!({"email": email, "password": PASSWORD});
        let res = http.post(format!("{url}/demo/auth/sign-in-email")).json(&body).send().await.unwrap();
        if res.status() != 200 {
            missing.push(format!("suite customer {email} cannot sign in: {}", res.text().await.unwrap()));
        }
    }
    for refresh in &ledger.suite_refresh {
        let req = http.post(format!("{url}/demo/auth/refresh-token")).json(&json!({"refreshToken": refresh}));
        let res = req.send().await.unwrap();
        if res.status() != 200 {
            missing.push(format!("suite refresh token {refresh}: {}", res.text().await.unwrap()));
        }
    }
    for (token, plate) in &ledger.coord_vehicles {
        let user: Value =
            http.get(server.coord("/user/current")).bearer_auth(token).send().await.unwrap().json().await.unwrap();
        if user["vehicle"]["license_plate"] != *plate {
            missing.push(format!("coord vehicle {plate} is not read back: {user}"));
        }
    }
    for (username, access, refresh) in &ledger.legacy_sessions {
        let res = http.get(format!("{url}/api/users/isLogged")).bearer_auth(access).send().await.unwrap();
        let user: Value = res.json().await.unwrap();
        if user["username"] != username.as_str() {
            missing.push(format!("legacy user {username} is not logged in: {user}"));
        }
        let grant = json!({"grant_type": "refresh_token", "refresh_token": refresh});
        let res = http.post(format!("{url}/api/oauth/token")).json(&grant).send().await.unwrap();
        if res.status() != 200 {
            missing.push(format!("legacy refresh token of {username}: {}", res.text().await.unwrap()));
        }
    }
    missing
}

async fn crash_and_restart(target: Target) {
    let ledger = load_and_kill(target.serve(1)).await;
    eprintln!(
        "killed after {} answered writes ({} appending): {} suite customers, {} suite sessions, {} code requests, {} coord vehicles, {} legacy sessions",
        ledger.writes,
        ledger.appends,
        ledger.suite_customers.len(),
        ledger.suite_refresh.len(),
        ledger.code_requests.len(),
        ledger.coord_vehicles.len(),
        ledger.legacy_sessions.len()
    );
    // the log and the read models exactly as the crash left them
    let checked = target.verify();
    eprintln!("verify after the kill: {checked} events");
    // every answered write that appends is in the log (and some that were cut off unanswered)
    assert!(checked >= ledger.appends as u64, "{checked} events for {} answered appending writes", ledger.appends);
    target.rebuild_matches();

    let server = target.serve(2);
    let missing = missing_writes(&server, &ledger, &target).await;
    assert!(missing.is_empty(), "{} of {} answered writes are lost: {missing:#?}", missing.len(), ledger.writes);
    server.stop();
    target.verify();
    target.rebuild_matches();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answered_writes_survive_a_sigkill_on_sqlite() {
    crash_and_restart(Target::new(None)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answered_writes_survive_a_sigkill_on_postgres() {
    crash_and_restart(Target::new(Some(fresh_pg_database().await))).await;
}
