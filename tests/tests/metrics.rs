//! `/metrics`: the named series in the Prometheus text format, fed by real requests: requests
//! by route pattern and status with latency histograms, events appended by type, sign-in
//! outcomes, rate-limit refusals, pool connections and catch-up projection lag.
#![allow(clippy::unwrap_used)]

use serde_json::json;
use tests::suite::PASSWORD;
use tests::{TestApp, both_engines};

/// The value of the series `name{labels}` (labels as Prometheus prints them, sorted).
fn value(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|l| l.strip_prefix(series).and_then(|rest| rest.trim().parse().ok()))
}

both_engines!(metrics_expose_the_named_series, |engine| async move {
    let app = TestApp::spawn_configured(engine, |s| s.writes_per_minute = 2).await;
    let suite = app.suite("demo");
    suite.signed_up("metrics@example.com").await;
    assert_eq!(suite.sign_in("metrics@example.com", "wrong password!").await.status(), 401);
    assert_eq!(suite.sign_in("metrics@example.com", PASSWORD).await.status(), 200);
    // the write limit is 2 a minute: the third sign-up is refused
    let mut refused = false;
    for i in 0..3 {
        let res = suite.sign_up(json!({"email": format!("m{i}@example.com"), "password": PASSWORD})).await;
        refused |= res.status() == 429;
    }
    assert!(refused);
    let id = uuid::Uuid::now_v7();
    assert_eq!(app.post(&format!("/demo/front/customers/verify/check/{id}")).send().await.unwrap().status(), 401);

    let res = app.get("/metrics").send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    let text = res.text().await.unwrap();

    let created = r#"users_api_http_requests_total{method="POST",route="/{tenant}/front/customers",status="201"}"#;
    assert!(value(&text, created).unwrap() >= 1.0, "{text}");
    // a path with an id counts under its pattern, not as a series of its own
    let pattern = r#"route="/{tenant}/front/customers/verify/check/{code}""#;
    assert!(text.contains(pattern));
    assert!(!text.contains(&id.to_string()));
    assert!(text.contains("users_api_http_request_duration_seconds_bucket{"), "latency histogram");
    let appended = r#"users_api_events_appended_total{type="UserSignedUp"}"#;
    assert!(value(&text, appended).unwrap() >= 1.0);
    let failed = r#"users_api_sign_ins_total{dialect="suite",outcome="invalid_credentials"}"#;
    assert!(value(&text, failed).unwrap() >= 1.0);
    assert!(value(&text, r#"users_api_sign_ins_total{dialect="suite",outcome="signed_in"}"#).unwrap() >= 1.0);
    assert!(value(&text, r#"users_api_rate_limited_total{limit="write"}"#).unwrap() >= 1.0);
    assert!(value(&text, "users_api_db_pool_connections").unwrap() >= 1.0);
    for projection in projections::catch_up() {
        let series = format!(r#"users_api_projection_lag_events{{projection="{}"}}"#, projection.name());
        assert!(value(&text, &series).is_some(), "{series}");
    }
});
