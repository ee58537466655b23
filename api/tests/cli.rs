//! The real `users-api` binary on both engines: serve, fill the database over HTTP, then
//! `verify`, `rebuild`, tamper with one stored byte, and `verify` again.
#![allow(clippy::unwrap_used)]

use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};

// the test harness (a dev-dependency: `tests` depends on `api`'s library, these tests on both)
use tests::fresh_pg_database;

const BIN: &str = env!("CARGO_BIN_EXE_users-api");

struct Target {
    data_dir: PathBuf,
    /// `None`: the default SQLite file in the data dir.
    database_url: Option<String>,
}

impl Target {
    fn command(&self) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.env("USERS_API_DATA_DIR", &self.data_dir).env_remove("DATABASE_URL");
        if let Some(url) = &self.database_url {
            cmd.env("DATABASE_URL", url);
        }
        cmd
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        self.command().args(args).output().unwrap()
    }
}

fn scratch() -> PathBuf {
    std::env::temp_dir().join(format!("users-api-cli-{}", uuid::Uuid::new_v4().simple()))
}

/// Serve, create five users with vehicles over HTTP, stop with SIGTERM.
async fn fill(target: &Target) {
    let mut server = target
        .command()
        .env("USERS_API_BIND", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut banner = BufReader::new(server.stdout.take().unwrap()).lines();
    let (mut url, mut key) = (String::new(), String::new());
    for line in banner.by_ref() {
        if !url.is_empty() && !key.is_empty() {
            break;
        }
        let line = line.unwrap();
        if let Some(v) = line.trim().strip_prefix("url:") {
            url = v.trim().to_owned();
        }
        if let Some(v) = line.trim().strip_prefix("demo access_key:") {
            key = v.trim().to_owned();
        }
    }
    assert!(url.starts_with("http://127.0.0.1:") && !url.ends_with(":0"), "banner names the bound port: {url}");
    assert!(key.starts_with("ak_"), "banner names the demo access key");

    let client = reqwest::Client::new();
    for i in 0..5 {
        let res = client
            .post(format!("{url}/v1/users/testing/create_jwt?access_key={key}"))
            .json(&json!({"email": format!("cli{i}@test.com")}))
            .send()
            .await
            .unwrap();
        let token = res.json::<Value>().await.unwrap()["jwt_token"].as_str().unwrap().to_owned();
        let res = client
            .put(format!("{url}/v1/users/user/current/vehicle?access_key={key}"))
            .bearer_auth(token)
            .json(&json!({"license_plate": {"text": format!("CLI{i}"), "country": "us"}}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    }
    // SIGTERM: graceful shutdown
    Command::new("kill").arg(server.id().to_string()).status().unwrap();
    assert!(server.wait().unwrap().success());
}

/// Runs the whole scenario; `tamper` edits one payload byte (a field name: the plate itself is
/// encrypted) and returns the event's (position, id).
async fn verify_rebuild_and_tamper<F, Fut>(target: Target, tamper: F)
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = (i64, String)>,
{
    fill(&target).await;
    let verify = target.run(&["verify"]);
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stdout));
    let report: Value = serde_json::from_slice(&verify.stdout).unwrap();
    // tenant + partner + 4 demo transactable systems + 3 demo branches + 5 registrations + 5 login
    // sessions + 5 vehicles
    assert_eq!((report["events_checked"].as_u64(), report["first_broken"].is_null()), (Some(24), true));

    // the history to stdout (the summary to stderr), a table to a file
    let export = target.run(&["export"]);
    assert!(export.status.success(), "{}", String::from_utf8_lossy(&export.stderr));
    let events: Vec<Value> =
        String::from_utf8_lossy(&export.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(events.len(), 24);
    assert!(events.iter().all(|e| e["hash"].is_string() && e["position"].is_i64()));
    assert!(String::from_utf8_lossy(&export.stderr).contains("\"events\":24"));
    let file = target.data_dir.join("users.csv");
    let file_arg = file.to_str().unwrap();
    let export = target.run(&["export", "--projection", "user_view", "--format", "csv", "--output", file_arg]);
    assert!(export.status.success(), "{}", String::from_utf8_lossy(&export.stderr));
    let summary: Value = serde_json::from_slice(&export.stdout).unwrap();
    assert_eq!(summary, json!({"exported": "user_view", "rows": 5}));
    assert_eq!(std::fs::read_to_string(&file).unwrap().lines().count(), 6, "a header and five users");
    assert!(!target.run(&["export", "--projection", "wallets"]).status.success(), "several tables: name one");

    let rebuild = target.run(&["rebuild"]);
    assert!(rebuild.status.success(), "{}", String::from_utf8_lossy(&rebuild.stderr));
    let lines: Vec<Value> =
        String::from_utf8_lossy(&rebuild.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), projections::all().len(), "one report per projection");
    assert!(lines.iter().all(|r| r["matched_live"] == true), "{lines:?}");
    assert!(!target.run(&["rebuild", "no_such_projection"]).status.success());

    let kids: Vec<String> = (0..2)
        .map(|_| {
            let out = target.run(&["keys", "rotate"]);
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            let report: Value = serde_json::from_slice(&out.stdout).unwrap();
            report["signing_kid"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_ne!(kids[0], kids[1], "each rotation adds a key");

    let (position, event_id) = tamper().await;
    let verify = target.run(&["verify"]);
    assert!(!verify.status.success(), "verify fails on a tampered log");
    let report: Value = serde_json::from_slice(&verify.stdout).unwrap();
    assert_eq!(report["first_broken"]["event_id"], event_id.as_str());
    assert_eq!(report["first_broken"]["position"], position);
    let _ = std::fs::remove_dir_all(&target.data_dir);
}

const PICK: &str = "select global_position, event_id from events where event_type = 'VehicleChanged' \
                    order by global_position limit 1 offset 2";

#[tokio::test]
async fn verify_and_rebuild_work_on_a_filled_sqlite_database() {
    let dir = scratch();
    let db = format!("sqlite://{}", dir.join("users.db").display());
    verify_rebuild_and_tamper(Target { data_dir: dir.clone(), database_url: None }, async || {
        tamper(&db, "replace(payload, 'changed_at', 'changed_aT')", PICK).await
    })
    .await;
}

#[tokio::test]
async fn verify_and_rebuild_work_on_a_filled_postgres_database() {
    let url = fresh_pg_database().await;
    verify_rebuild_and_tamper(Target { data_dir: scratch(), database_url: Some(url.clone()) }, async || {
        let pick = PICK.replace("event_id from", "event_id::text from");
        tamper(&url, "replace(payload::text, 'changed_at', 'changed_aT')::json", &pick).await
    })
    .await;
}

/// Rewrite the payload of the event `pick` selects with `new_payload` (SQL over `payload`),
/// behind the service's back; the event's position and id.
async fn tamper(url: &str, new_payload: &str, pick: &str) -> (i64, String) {
    let store = tests::open_existing_store(url).await;
    let (position, event_id): (i64, String) = store.db().fetch_optional(pick, &[]).await.unwrap().unwrap();
    let sql = format!("update events set payload = {new_payload} where global_position = {position}");
    assert_eq!(store.db().execute(&sql, &[]).await.unwrap(), 1);
    (position, event_id)
}

/// The data dir held the signing keys, the refresh key, TOTP secrets and password hashes
/// readable by every local user (0755, `users.db` 0644), and the banner printed secrets that came
/// from the configuration into whatever collects stdout. Now the data dir is 0700, its files
/// 0600, and the banner prints only the secrets the service generated.
#[cfg(unix)]
#[tokio::test]
async fn the_data_dir_is_owner_only_and_the_banner_shows_only_generated_secrets() {
    use std::os::unix::fs::PermissionsExt;
    let target = Target { data_dir: scratch(), database_url: None };
    let configured = "st_from_the_operators_vault_0123456789";
    let mut server = target
        .command()
        .env("USERS_API_BIND", "127.0.0.1:0")
        .env("USERS_API_DEMO_SERVER_TOKEN", configured)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut banner = Vec::new();
    for line in BufReader::new(server.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        let last = line.trim().starts_with("try:");
        banner.push(line);
        if last {
            break;
        }
    }
    let banner = banner.join("\n");
    let url = banner.lines().find_map(|l| l.trim().strip_prefix("url:")).unwrap().trim().to_owned();
    assert!(!banner.contains(configured), "a configured secret stays out of the banner:\n{banner}");
    assert!(banner.contains("demo server token: (from the configuration)"), "{banner}");
    assert!(banner.contains("demo access_key:   ak_"), "a generated secret is shown to try the API:\n{banner}");
    // write something so that the WAL files exist
    let key = banner.lines().find_map(|l| l.trim().strip_prefix("demo access_key:")).unwrap().trim().to_owned();
    let res = reqwest::Client::new()
        .post(format!("{url}/v1/users/testing/create_jwt?access_key={key}"))
        .json(&json!({"email": "perm@test.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    let mode = |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&target.data_dir), 0o700, "the data dir");
    let files: Vec<_> = std::fs::read_dir(&target.data_dir).unwrap().map(|e| e.unwrap().path()).collect();
    assert!(files.iter().any(|f| f.ends_with("users.db")) && files.iter().any(|f| f.ends_with("users.db-wal")));
    for file in &files {
        assert_eq!(mode(file), 0o600, "{}", file.display());
    }
    Command::new("kill").arg(server.id().to_string()).status().unwrap();
    assert!(server.wait().unwrap().success());
    let _ = std::fs::remove_dir_all(&target.data_dir);
}
