//! Bounded requests: slow clients are disconnected, a request that outlives its deadline gets
//! 503 in its dialect's format, connections beyond the cap wait, and a database that goes away
//! gives 503 with `Retry-After` (never a hang or a 500) until it is back.
#![allow(clippy::unwrap_used)]

use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tests::suite::suite_error;
use tests::{Engine, PgCluster, Scratch, TestApp, both_engines, eventually};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Opens a connection to `app` and sends `bytes`, then nothing more.
async fn stall(app: &TestApp, bytes: &str) -> TcpStream {
    let mut stream = TcpStream::connect(app.address.trim_start_matches("http://")).await.unwrap();
    stream.write_all(bytes.as_bytes()).await.unwrap();
    stream
}

/// Whatever the server sends until it closes the connection; `None` if it is still open at
/// `until`.
async fn read_until_closed(mut stream: TcpStream, until: Instant) -> Option<String> {
    let mut received = Vec::new();
    let left = until.saturating_duration_since(Instant::now());
    let read = tokio::time::timeout(left, async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => received.extend_from_slice(&buf[..n]),
            }
        }
    });
    read.await.ok().map(|()| String::from_utf8_lossy(&received).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_connections_are_closed_within_the_timeouts_while_others_are_served() {
    let app = TestApp::spawn_configured(Engine::Sqlite, |s| {
        s.header_read_timeout_secs = 2;
        s.body_read_timeout_secs = 2;
    })
    .await;
    let mut headers = Vec::new();
    let mut bodies = Vec::new();
    for _ in 0..200 {
        headers.push(stall(&app, "GET /healthz HTTP/1.1\r\nHost: test\r\nX-Half: ").await);
        let request = "POST /demo/front/customers HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n\
                       Content-Length: 100\r\n\r\n{\"email\": ";
        bodies.push(stall(&app, request).await);
    }
    let stalled_at = Instant::now();
    for _ in 0..10 {
        assert_eq!(app.get("/healthz").send().await.unwrap().status(), 200);
        assert_eq!(app.get("/readyz").send().await.unwrap().status(), 200);
    }
    let suite = app.suite("demo");
    assert_eq!(suite.sign_up(json!({"email": "meanwhile@example.com", "password": "long enough"})).await.status(), 201);
    // every stalled connection is closed within its timeout (2 s), plus slack for a busy machine
    let until = stalled_at + Duration::from_secs(6);
    let closed_headers = futures_join(headers.into_iter().map(|s| read_until_closed(s, until))).await;
    let closed_bodies = futures_join(bodies.into_iter().map(|s| read_until_closed(s, until))).await;
    assert_eq!(closed_headers.iter().filter(|c| c.is_some()).count(), 200, "stalled in the headers");
    assert_eq!(closed_bodies.iter().filter(|c| c.is_some()).count(), 200, "stalled in the body");
    // a body that stops arriving gets 408 in the suite's format before the connection closes
    let answer = closed_bodies[0].as_deref().unwrap();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"errorCode\":\"REQ408\""), "{answer}");
    assert_eq!(app.get("/healthz").send().await.unwrap().status(), 200);
}

async fn futures_join<F: std::future::Future<Output = T> + Send + 'static, T: Send + 'static>(
    futures: impl Iterator<Item = F>,
) -> Vec<T> {
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for handle in handles {
        out.push(handle.await.unwrap());
    }
    out
}

// a password hash at these costs takes seconds: longer than the deadline of one second
both_engines!(a_request_past_its_deadline_gets_503_in_its_dialects_format, |engine| async move {
    let app = TestApp::spawn_configured(engine, |s| {
        s.request_timeout_secs = 1;
        s.password_memory_kib = 65_536;
        s.password_iterations = 40;
    })
    .await;
    let started = Instant::now();
    let res = app
        .post("/demo/front/customers")
        .header("accept-language", "de")
        .json(&json!({"email": "slow@example.com", "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    let elapsed = started.elapsed();
    assert!(res.headers().get("content-language").is_some_and(|l| l == "de"));
    assert_eq!(suite_error(res).await, (StatusCode::SERVICE_UNAVAILABLE, "SRV503.2".to_owned()));
    assert!(elapsed >= Duration::from_secs(1) && elapsed < Duration::from_secs(4), "{elapsed:?}");

    let res = app.legacy().register(tests::legacy::person("slowpoke")).await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(res.headers().contains_key("x-request-id"));
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "deadline_exceeded", "{body}");
    assert!(body["msg"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
    assert_eq!(app.get("/healthz").send().await.unwrap().status(), 200);
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_beyond_the_cap_waits_until_one_closes() {
    let app = TestApp::spawn_configured(Engine::Sqlite, |s| {
        s.max_connections = 2;
        s.header_read_timeout_secs = 60;
    })
    .await;
    let first = stall(&app, "").await;
    let _second = stall(&app, "").await;
    let third = stall(&app, "GET /healthz HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n").await;
    // the third connection is in the backlog: its request is not read, nothing comes back
    let mut pending = tokio::spawn(read_until_closed(third, Instant::now() + Duration::from_secs(10)));
    assert!(tokio::time::timeout(Duration::from_millis(1500), &mut pending).await.is_err(), "served beyond the cap");
    drop(first);
    let answer = pending.await.unwrap().expect("served once a connection closed");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // the process is healthy: a fresh client is served (it takes the slot the third left)
    assert_eq!(reqwest::get(app.url("/healthz")).await.unwrap().status(), 200);
}

/// Status, `Retry-After` and body of `request`, which must be answered within 10 s.
async fn answer(request: reqwest::RequestBuilder) -> (StatusCode, Option<String>, Value) {
    let res = tokio::time::timeout(Duration::from_secs(10), request.send()).await.expect("answered").unwrap();
    let retry_after = res.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
    (res.status(), retry_after, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_going_away_gives_503_in_every_dialect_and_service_resumes_when_it_is_back() {
    if !PgCluster::binaries_present() && std::env::var_os("CI").is_none() {
        eprintln!("skipped: no PostgreSQL server binaries (set PG_BIN_DIR, or run in CI to install them)");
        return;
    }
    let cluster = PgCluster::start();
    let scratch = Scratch::new();
    let mut settings = api::Settings::for_data_dir(scratch.0.join("data"));
    settings.database_url = Some(cluster.url.clone());
    settings.db_acquire_timeout_secs = 2;
    let app = TestApp::spawn_with(settings, scratch).await;
    let coord = app.coord().token_for("c@example.com").await;
    let suite = app.suite("demo").signed_in("s@example.com").await.access;
    let legacy = app.legacy().registered("legacyuser").await["access_token"].as_str().unwrap().to_owned();

    // a little load throughout: no request may hang or get a 500
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let load: Vec<_> = (0..4)
        .map(|_| {
            let (client, url, stop) = (app.client.clone(), app.url("/readyz"), stop.clone());
            tokio::spawn(async move {
                let mut statuses = Vec::new();
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let res = tokio::time::timeout(Duration::from_secs(10), client.get(&url).send()).await;
                    statuses.push(res.expect("answered within 10 s").unwrap().status());
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                statuses
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;

    cluster.stop();
    let readyz = answer(app.get("/readyz")).await;
    assert_eq!(readyz.0, StatusCode::SERVICE_UNAVAILABLE);
    let (status, retry, body) = answer(app.client.get(app.coord().url("/user/current")).bearer_auth(&coord)).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::SERVICE_UNAVAILABLE, Some("unavailable")), "{body}");
    assert_eq!(retry.as_deref(), Some("5"));
    let (status, retry, body) = answer(app.suite("demo").get("/front/customers").bearer_auth(&suite)).await;
    assert_eq!((status, body["errorCode"].as_str()), (StatusCode::SERVICE_UNAVAILABLE, Some("SRV503.3")), "{body}");
    assert_eq!((body["httpStatus"].as_u64(), retry.as_deref()), (Some(503), Some("5")));
    let (status, retry, body) = answer(app.get("/api/users/isLogged").bearer_auth(&legacy)).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::SERVICE_UNAVAILABLE, Some("unavailable")), "{body}");
    assert!(body["msg"].is_string() && retry.as_deref() == Some("5"), "{body}");

    cluster.restart();
    assert!(eventually(30, || async { app.get("/readyz").send().await.unwrap().status() == 200 }).await);
    assert_eq!(app.coord().current_user(&coord).await.status(), 200);
    assert_eq!(app.suite("demo").customer(&suite).await.status(), 200);
    assert_eq!(app.legacy().is_logged(&legacy).await.status(), 200);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for task in load {
        let statuses = task.await.unwrap();
        assert!(statuses.iter().all(|s| *s == 200 || *s == 503), "{statuses:?}");
        assert!(statuses.contains(&StatusCode::SERVICE_UNAVAILABLE), "the load saw the outage");
    }
}
