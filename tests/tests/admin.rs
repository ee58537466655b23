//! The admin surface's history routes: the admin key (and nothing else) opens them, errors are
//! problem details (RFC 9457), `/admin/events` streams NDJSON resumable by position and filtered,
//! `/admin/streams/{id}` is one stream, `/admin/verify` the chain check.
#![allow(clippy::unwrap_used)]

use reqwest::StatusCode;
use secrecy::ExposeSecret as _;
use serde_json::Value;
use tests::suite::Tokens;
use tests::{TestApp, both_engines};

fn key(app: &TestApp) -> String {
    app.state.admin_key.expose_secret().to_owned()
}

async fn lines(res: reqwest::Response) -> Vec<Value> {
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/x-ndjson");
    res.text().await.unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

async fn problem(res: reqwest::Response, status: StatusCode) -> Value {
    assert_eq!(res.status(), status);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], status.as_u16());
    assert!(
        body["type"].as_str().unwrap().starts_with("https://")
            && body["title"].is_string()
            && body["detail"].is_string()
    );
    body
}

both_engines!(only_the_admin_key_opens_the_admin_surface, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let suite = app.suite("demo");
    suite.signed_up("admin-probe@example.com").await;
    let user_token = Tokens::of(suite.sign_in("admin-probe@example.com", tests::suite::PASSWORD).await).await.access;
    for path in ["/admin/events", "/admin/verify", "/admin/streams/catalog-demo"] {
        let res = app.get(path).send().await.unwrap();
        assert_eq!(res.headers()["www-authenticate"], "Bearer");
        problem(res, StatusCode::UNAUTHORIZED).await;
        problem(app.get(path).bearer_auth("adm_wrong").send().await.unwrap(), StatusCode::UNAUTHORIZED).await;
        problem(app.get(path).bearer_auth(&user_token).send().await.unwrap(), StatusCode::UNAUTHORIZED).await;
        let almost = format!("{}x", key(&app));
        problem(app.get(path).bearer_auth(almost).send().await.unwrap(), StatusCode::UNAUTHORIZED).await;
    }
    let res = app.get("/admin/nothing-here").bearer_auth(key(&app)).send().await.unwrap();
    problem(res, StatusCode::NOT_FOUND).await;
});

both_engines!(the_history_streams_as_ndjson_resumable_and_filtered, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let suite = app.suite("demo");
    let mut users = Vec::new();
    for name in ["ad-a", "ad-b", "ad-c"] {
        users.push(suite.signed_up(&format!("{name}@example.com")).await);
    }
    let admin = |path: &str| app.get(path).bearer_auth(key(&app));
    let all = lines(admin("/admin/events").send().await.unwrap()).await;
    assert_eq!(all.len() as i64, app.event_count().await);
    assert!(all.iter().all(|e| e["hash"].is_string() && e["position"].is_i64() && e["schema_version"].is_i64()));
    let signed_up = all.iter().find(|e| e["type"] == "UserSignedUp").unwrap();
    assert!(signed_up["payload"]["email"].as_str().unwrap().starts_with("enc:v1:"), "as stored");

    // resume after the fifth event: the rest, in the same order
    let fifth = all[4]["position"].as_i64().unwrap();
    let rest = lines(admin(&format!("/admin/events?after={fifth}")).send().await.unwrap()).await;
    // the record of each admin read is an event of its own, appended before the read
    let data =
        |events: &[Value]| events.iter().filter(|e| e["stream_type"] != "admin-read").cloned().collect::<Vec<_>>();
    assert_eq!(data(&rest), data(&all[5..]));
    assert_eq!(rest[..all.len() - 5], all[5..], "the rest, in the same order, then what came after");
    let two = lines(admin(&format!("/admin/events?after={fifth}&limit=2")).send().await.unwrap()).await;
    assert_eq!(two, all[5..7].to_vec());

    let typed = lines(admin("/admin/events?type=UserSignedUp").send().await.unwrap()).await;
    assert_eq!(typed.len(), 3);
    let catalog = lines(admin("/admin/events?stream_type=catalog").send().await.unwrap()).await;
    assert!(!catalog.is_empty() && catalog.iter().all(|e| e["stream_type"] == "catalog"));
    let stream = format!("user-{}", users[1]);
    let one = lines(admin(&format!("/admin/events?stream={stream}")).send().await.unwrap()).await;
    assert!(!one.is_empty() && one.iter().all(|e| e["stream_id"] == stream.as_str()));

    // one stream's history, and the chain check
    let res = admin(&format!("/admin/streams/{stream}")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let history: Vec<Value> = res.json().await.unwrap();
    assert_eq!(history, one);
    problem(admin("/admin/streams/user-nobody").send().await.unwrap(), StatusCode::NOT_FOUND).await;
    let report: Value = admin("/admin/verify").send().await.unwrap().json().await.unwrap();
    assert_eq!(report["events_checked"].as_i64(), Some(app.event_count().await));
    assert!(report["first_broken"].is_null());

    // a time window: recorded at or after `from`, before `to`
    let at = |e: &Value| chrono::DateTime::parse_from_rfc3339(e["recorded_at"].as_str().unwrap()).unwrap();
    let (from, to) = (at(&all[3]), at(all.last().unwrap()));
    let query = |t: chrono::DateTime<chrono::FixedOffset>| {
        t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true).replace('+', "%2B")
    };
    let window =
        lines(admin(&format!("/admin/events?from={}&to={}", query(from), query(to))).send().await.unwrap()).await;
    let expected: Vec<Value> = all.iter().filter(|e| at(e) >= from && at(e) < to).cloned().collect();
    assert!(!window.is_empty() && window == expected, "{window:?}");
    // a bad query is a problem, not an empty stream
    problem(admin("/admin/events?limit=many").send().await.unwrap(), StatusCode::BAD_REQUEST).await;
    problem(admin("/admin/events?after=99999999").send().await.unwrap(), StatusCode::BAD_REQUEST).await;
    problem(admin("/admin/events?from=yesterday").send().await.unwrap(), StatusCode::BAD_REQUEST).await;
});

both_engines!(guessing_the_admin_key_is_slowed_down, |engine| async move {
    let app = TestApp::spawn_configured(engine, |s| s.sign_in_per_minute = 3).await;
    let mut statuses = Vec::new();
    for i in 0..5 {
        let res = app.get("/admin/verify").bearer_auth(format!("adm_guess{i}")).send().await.unwrap();
        statuses.push(res.status().as_u16());
    }
    assert_eq!(statuses, [401, 401, 401, 429, 429], "wrong keys spend the address's sign-in budget");
    let res = app.get("/admin/verify").bearer_auth(format!("adm_guess{}", 9)).send().await.unwrap();
    let body = problem(res, StatusCode::TOO_MANY_REQUESTS).await;
    assert!(body["detail"].as_str().unwrap().contains("retry"));
    // the right key is still accepted: only failures are counted
    assert_eq!(app.get("/admin/verify").bearer_auth(key(&app)).send().await.unwrap().status(), StatusCode::OK);
});
