//! The published client of the card-wallet API, `@pm2/js-api` from npm, run by Node against the
//! real server on both engines: `tests/node/pm2_client.js` signs in with the standalone strategy
//! (a refresh token), reads and updates the user, asks for an OTP secret, shows the public
//! profile, and, once the server's clock has moved past its access token's hour, reads the user
//! again: the client refreshes with the first refresh token a second time, and must get in.
//!
//! `scripts/node-deps` (run by `scripts/test`) installs Node and the package. Without them the
//! test skips with a loud message, unless `CI=true`: there it fails.
#![allow(clippy::unwrap_used)]

use adapters::clock::FixedClock;
use serde_json::Value;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;
use tests::{TestApp, both_engines};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{ChildStdout, Command};

/// `tests/node`, when Node and the installed package are there.
fn client_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("node");
    let node = std::process::Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success());
    let package = dir.join("node_modules/@pm2/js-api/package.json").is_file();
    if node && package {
        return Some(dir);
    }
    let why = format!("node {}, @pm2/js-api {}", found(node), found(package));
    assert!(std::env::var("CI").as_deref() != Ok("true"), "CI: {why}; scripts/node-deps installs them");
    eprintln!("\n!!!!!!!! SKIPPED: the @pm2/js-api client test ({why}). Run scripts/node-deps. !!!!!!!!\n");
    None
}

fn found(yes: bool) -> &'static str {
    if yes { "found" } else { "missing" }
}

/// The next line the script prints, within a minute.
async fn next_line(lines: &mut Lines<BufReader<ChildStdout>>) -> String {
    let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line()).await;
    line.expect("the client answers within a minute").unwrap().expect("the client printed a line")
}

both_engines!(the_published_client_signs_in_edits_and_refreshes_with_its_first_token, |engine| async move {
    let Some(dir) = client_dir() else { return };
    let clock = Arc::new(FixedClock::at(chrono::Utc::now()));
    let scratch = tests::Scratch::new();
    let mut settings = api::Settings::for_data_dir(scratch.0.join("data"));
    settings.database_url = Some(tests::database_url(engine, &scratch).await);
    let adapters = api::startup::Adapters { clock: Some(clock.clone()), ..Default::default() };
    let app = TestApp::spawn_with_adapters(settings, scratch, adapters).await;
    let lea = app.legacy().registered("lea").await;
    let first = lea["refreshToken"].as_str().unwrap().to_owned();

    let mut child = Command::new("node")
        .arg("pm2_client.js")
        .current_dir(&dir)
        .env("BASE", &app.address)
        .env("REFRESH_TOKEN", &first)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert_eq!(next_line(&mut lines).await, "expire");
    // past the access token's hour (and the verifier's leeway); the session lives 30 days
    clock.advance(chrono::Duration::hours(2));
    child.stdin.take().unwrap().write_all(b"go\n").await.unwrap();
    let result = next_line(&mut lines).await;
    assert!(child.wait().await.unwrap().success());
    let report: Value = serde_json::from_str(result.strip_prefix("result ").unwrap()).unwrap();

    assert_eq!(report["me"], lea["user"], "isLogged");
    assert_eq!(
        (&report["updated"]["username"], &report["updated"]["company"]),
        (&"lea-pm2".into(), &"Keymetrics".into())
    );
    assert_eq!(report["otpFields"], serde_json::json!(["key", "qrImage", "user"]));
    assert_eq!(report["shown"], serde_json::json!({"email": "lea@example.com", "username": "lea-pm2"}));
    assert_eq!(report["after"]["username"], "lea-pm2", "read again after the access token expired");
    // two token grants, both with the first refresh token, each followed by the bucket list
    assert_eq!(report["grants"], serde_json::json!([first, first]));
    let requests: Vec<&str> = report["requests"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect();
    let id = lea["user"]["_id"].as_str().unwrap();
    let show = format!("GET /api/users/show/{id} 200");
    let expected = [
        "POST /api/oauth/token 200",
        "GET /api/bucket 200",
        "GET /api/users/isLogged 200",
        "POST /api/users/update 200",
        "GET /api/users/otp 200",
        show.as_str(),
        "GET /api/users/isLogged 401",
        "POST /api/oauth/token 200",
        "GET /api/bucket 200",
        "GET /api/users/isLogged 200",
    ];
    assert_eq!(requests, expected);
    let sid = tests::claims(lea["access_token"].as_str().unwrap())["sid"].as_str().unwrap().to_owned();
    let session = app.stream(&format!("login-{sid}")).await;
    assert_eq!(session.iter().map(|e| e.event_type.as_str()).collect::<Vec<_>>(), ["LoginSessionStarted"]);
});
