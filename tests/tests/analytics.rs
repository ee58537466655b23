//! The analytics read models (docs/analytics.md): sign-ups by method, sign-ins, active users,
//! refreshes and revocations, payments and revenue, each per UTC day and tenant; counted once
//! per event by the catch-up runners, and equal after a rebuild from position 0.
#![allow(clippy::unwrap_used)]

use commands::wallet::{ChargeInput, ChargeOutcome};
use reqwest::Method;
use serde_json::{Value, json};
use store::Metadata;
use tests::{TestApp, both_engines, eventually};

const ANALYTICS: [&str; 3] = ["analytics_signups_daily", "analytics_activity", "analytics_payments_daily"];

async fn rows(app: &TestApp, sql: &str) -> Vec<(String, String, i64)> {
    app.state.store.db().fetch_all(sql, &[]).await.unwrap()
}

fn charge(reference: &str, card: Option<&str>) -> ChargeInput {
    ChargeInput {
        amount_minor: 1250,
        currency: "chf".into(),
        description: "Parking".into(),
        reference: reference.into(),
        card: card.map(str::to_owned),
    }
}

both_engines!(analytics_tables_count_each_event_once_and_rebuild_equal, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let suite = app.suite("demo");
    // sign-ups by three methods: suite password (2), coord test token (1), legacy register (1)
    suite.signed_up("an-b@example.com").await;
    app.coord().token_for("an-c@example.com").await;
    let ann = app.legacy().registered("ann").await;
    // sign-ins, a refresh and a sign-out
    let tokens = suite.signed_in("an-a@example.com").await;
    tests::suite::Tokens::of(suite.sign_in("an-b@example.com", tests::suite::PASSWORD).await).await;
    let refreshed: Value = suite.refresh(&tokens.refresh).await.json().await.unwrap();
    assert!(refreshed["accessToken"].is_string() || refreshed["access_token"].is_string(), "{refreshed}");
    assert!(suite.logout(&tokens.access).await.status().is_success());
    // a paid charge and a declined one
    let (token, ann_id) =
        (ann["access_token"].as_str().unwrap(), ann["user"]["_id"].as_str().unwrap().parse().unwrap());
    app.payment(Method::POST, token, "/").json(&json!({"token": "tok_visa"})).send().await.unwrap();
    let (now, meta) = (chrono::Utc::now(), Metadata::default());
    let paid = app.state.wallets.charge(ann_id, charge("s-1", None), "k1", now, &meta).await.unwrap();
    assert!(matches!(paid, ChargeOutcome::Paid { .. }));
    let failing: Value = app
        .payment(Method::POST, token, "/")
        .json(&json!({"token": "tok_chargeCustomerFail"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let failing = failing["data"]["id"].as_str().unwrap();
    app.state.wallets.charge(ann_id, charge("s-2", Some(failing)), "k2", now, &meta).await.unwrap();

    let caught_up = eventually(10, || async {
        let mut lag = 0;
        for name in ANALYTICS.iter().chain(&["login_activity"]) {
            lag += app.state.reads.projection_lag(name).await.unwrap();
        }
        lag == 0
    })
    .await;
    assert!(caught_up, "the catch-up runners apply every event");

    let app = &app;
    let count = |ty: &str| {
        let sql = format!("select count(*) from events where event_type = '{ty}'");
        async move { app.count(&sql).await }
    };
    let signups =
        rows(app, "select method, day, users from analytics_signups_daily where tenant_id = 'demo' order by method")
            .await;
    let today = now.format("%Y-%m-%d").to_string();
    let by_method: Vec<(&str, i64)> = signups
        .iter()
        .map(|(m, d, n)| {
            assert_eq!(*d, today);
            (m.as_str(), *n)
        })
        .collect();
    assert_eq!(by_method, [("partner", count("UserRegistered").await), ("password", count("UserSignedUp").await)]);
    assert_eq!(by_method[1].1, 3, "two suite sign-ups and a legacy registration");
    let test_users =
        app.count("select cast(sum(test_users) as bigint) from analytics_signups_daily where method = 'partner'").await;
    assert_eq!(test_users, 1, "the coord testing token makes a test user");

    let sign_ins = app.count("select cast(sum(sign_ins) as bigint) from analytics_signins_daily").await;
    assert_eq!(sign_ins, count("LoginSessionStarted").await);
    let activity: Vec<(i64, i64, i64)> = app
        .state
        .store
        .db()
        .fetch_all(
            "select active_users, refreshes, revocations from analytics_activity_daily where tenant_id = 'demo'",
            &[],
        )
        .await
        .unwrap();
    let distinct = app.count("select count(distinct user_id) from login_activity where tenant_id = 'demo'").await;
    assert_eq!(activity, [(distinct, count("RefreshTokenRotated").await, count("LoginSessionRevoked").await)]);
    assert!(activity[0].1 >= 1 && activity[0].2 >= 1 && distinct >= 3);

    let payments: Vec<(String, i64, i64, i64, i64)> = app
        .state
        .store
        .db()
        .fetch_all(
            "select currency, charges, revenue_minor, failed_charges, failed_minor from analytics_payments_daily",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(payments, [("chf".to_owned(), 1, 1250, 1, 1250)]);

    for name in ANALYTICS {
        let report = app.state.store.rebuild(projections::by_name(name).unwrap()).await.unwrap();
        assert!(report.matched_live(), "{name}: {:?}", report.tables);
        assert!(report.events_applied > 0);
    }
    // and the counts did not double on the rebuild's catch-up
    assert_eq!(
        app.count("select cast(sum(sign_ins) as bigint) from analytics_signins_daily").await,
        count("LoginSessionStarted").await
    );
});
