//! The real `users-api` binary: serve on a fresh data dir, fill it over HTTP, then `verify`,
//! `rebuild`, tamper with one stored byte, and `verify` again.
#![allow(clippy::unwrap_used)]

use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_users-api");

fn users_api(data_dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(BIN).args(args).env("USERS_API_DATA_DIR", data_dir).env_remove("DATABASE_URL").output().unwrap()
}

#[tokio::test]
async fn verify_and_rebuild_work_on_a_filled_database_and_verify_names_a_tampered_event() {
    let dir = std::env::temp_dir().join(format!("users-api-cli-{}", uuid::Uuid::new_v4().simple()));
    let mut server = Command::new(BIN)
        .env("USERS_API_DATA_DIR", &dir)
        .env("USERS_API_BIND", "127.0.0.1:0")
        .env_remove("DATABASE_URL")
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

    let verify = users_api(&dir, &["verify"]);
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stdout));
    let report: Value = serde_json::from_slice(&verify.stdout).unwrap();
    // tenant + partner + 5 registrations + 5 vehicles
    assert_eq!((report["events_checked"].as_u64(), report["first_broken"].is_null()), (Some(12), true));

    let rebuild = users_api(&dir, &["rebuild"]);
    assert!(rebuild.status.success());
    let lines: Vec<Value> =
        String::from_utf8_lossy(&rebuild.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 3, "one report per projection");
    assert!(lines.iter().all(|r| r["matched_live"] == true), "{lines:?}");

    // edit one payload byte by hand
    let db = format!("sqlite://{}", dir.join("users.db").display());
    let pool = sqlx::SqlitePool::connect(&db).await.unwrap();
    let (position, event_id): (i64, String) =
        sqlx::query_as("select global_position, event_id from events where event_type = 'VehicleChanged' order by global_position limit 1 offset 2")
            .fetch_one(&pool)
            .await
            .unwrap();
    let edited = sqlx::query("update events set payload = replace(payload, 'CLI2', 'CLI3') where global_position = $1")
        .bind(position)
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(edited.rows_affected(), 1);
    pool.close().await;

    let verify = users_api(&dir, &["verify"]);
    assert!(!verify.status.success(), "verify fails on a tampered log");
    let report: Value = serde_json::from_slice(&verify.stdout).unwrap();
    assert_eq!(report["first_broken"]["event_id"], event_id.as_str());
    assert_eq!(report["first_broken"]["position"], position);
    let _ = std::fs::remove_dir_all(dir);
}
