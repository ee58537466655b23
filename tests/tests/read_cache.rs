//! Authenticated reads come from each instance's memory; what a commit changes must leave it at
//! once on the instance that committed, and soon on the others: through PostgreSQL's
//! notifications within a second, and through the log backstop wherever no notification came.
//! The PostgreSQL tests give the other instance an hour between backstop looks: only the
//! notification can pass them.
#![allow(clippy::unwrap_used)]

use reqwest::StatusCode;
use serde_json::json;
use std::time::{Duration, Instant};
use tests::suite::suite_error;
use tests::{Engine, TestApp, both_engines};

const TENANT: &str = "demo";

/// How long `app` keeps serving `access` at most, polled every 10 ms up to `limit`.
async fn refused_after(app: &TestApp, access: &str, limit: Duration) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < limit {
        let res = app.suite(TENANT).customer(access).await;
        if res.status() == StatusCode::UNAUTHORIZED {
            return Some(start.elapsed());
        }
        assert_eq!(res.status(), StatusCode::OK, "served, or refused: nothing else");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_logout_on_one_instance_refuses_the_token_on_another_within_a_second() {
    let a = TestApp::spawn(Engine::Postgres).await;
    let b = a.another_instance_configured(|s| s.read_cache_backstop_secs = 3_600).await;
    let tokens = a.suite(TENANT).signed_in("two-nodes@example.com").await;
    // both instances now hold the session (and the user) in memory
    for app in [&a, &b] {
        for _ in 0..3 {
            assert_eq!(app.suite(TENANT).customer(&tokens.access).await.status(), StatusCode::OK);
        }
    }

    assert_eq!(a.suite(TENANT).logout(&tokens.access).await.status(), StatusCode::NO_CONTENT);
    // the instance that committed: the very next request
    let res = a.suite(TENANT).customer(&tokens.access).await;
    assert_eq!(suite_error(res).await.0, StatusCode::UNAUTHORIZED);
    // the other one: within a second
    let took = refused_after(&b, &tokens.access, Duration::from_secs(5)).await;
    let took = took.expect("the other instance kept serving a revoked session");
    assert!(took < Duration::from_secs(1), "refused after {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_profile_change_on_one_instance_shows_on_another_within_a_second() {
    let a = TestApp::spawn(Engine::Postgres).await;
    let b = a.another_instance_configured(|s| s.read_cache_backstop_secs = 3_600).await;
    let token = a.coord().token_for("plates@example.com").await;
    let vehicle = |plate: &str| json!({"license_plate": {"text": plate, "country": "DE"}});
    assert_eq!(a.coord().put_vehicle(&token, vehicle("AB-123")).await.status(), StatusCode::OK);
    let plate_on = async |app: &TestApp| -> String {
        let body: serde_json::Value = app.coord().current_user(&token).await.json().await.unwrap();
        body["vehicle"]["license_plate"]["text"].as_str().unwrap_or_default().to_owned()
    };
    assert_eq!(plate_on(&b).await, "AB-123", "b holds the user now");

    assert_eq!(a.coord().put_vehicle(&token, vehicle("XY-987")).await.status(), StatusCode::OK);
    assert_eq!(plate_on(&a).await, "XY-987", "read your writes where you wrote");
    let start = Instant::now();
    while plate_on(&b).await != "XY-987" {
        assert!(start.elapsed() < Duration::from_secs(1), "b kept the old plate for {:?}", start.elapsed());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

// Two processes on one SQLite file hear nothing from each other: the backstop, which pages
// through the log every second, is what brings the other's commits.
both_engines!(another_instances_commits_reach_the_cache_through_the_log_at_the_latest, |engine| async move {
    let a = TestApp::spawn(engine).await;
    let b = a.another_instance().await;
    let tokens = a.suite(TENANT).signed_in("backstop@example.com").await;
    assert_eq!(b.suite(TENANT).customer(&tokens.access).await.status(), StatusCode::OK);
    assert_eq!(a.suite(TENANT).logout(&tokens.access).await.status(), StatusCode::NO_CONTENT);
    let took = refused_after(&b, &tokens.access, Duration::from_secs(10)).await;
    let took = took.expect("the other instance kept serving a revoked session");
    assert!(took < Duration::from_millis(2_500), "refused after {took:?}");
});
