//! Deleting an account, black-box on both engines: holds (an active subscription, an unpaid
//! charge) keep it; a request waits for them and completes when they clear; an erased account's
//! tokens stop working, its email and username are free, and it is gone from the read models.
#![allow(clippy::unwrap_used)]

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use store::Metadata;
use tests::legacy::legacy_error;
use tests::suite::{PASSWORD, Tokens, suite_error};
use tests::{TestApp, both_engines, eventually};
use uuid::Uuid;

async fn customer(app: &TestApp, email: &str) -> (Uuid, String) {
    let suite = app.suite("demo");
    let uuid = Uuid::parse_str(&suite.signed_up(email).await).unwrap();
    (uuid, Tokens::of(suite.sign_in(email, PASSWORD).await).await.access)
}

async fn request_deletion(app: &TestApp, token: &str) -> reqwest::Response {
    app.suite("demo").post("/front/customers/request-deletion").bearer_auth(token).send().await.unwrap()
}

fn payer(user: Uuid) -> commands::wallet::Payer<'static> {
    commands::wallet::Payer { tenant: "demo", user_id: user, test_user: false, email: None }
}

both_engines!(a_request_waits_for_the_subscription_then_erases, |engine| async move {
    let app = TestApp::spawn_configured(engine, |s| s.deletion_check_secs = 1).await;
    let (user, token) = customer(&app, "erin@example.com").await;
    let (wallets, now, meta) = (&app.state.wallets, chrono::Utc::now(), Metadata::default());
    wallets.attach_card(payer(user), "tok_visa", "a", now, &meta).await.unwrap();
    let vat = [("vat_number".to_owned(), "CHE-9".to_owned())].into();
    wallets.update_metadata(payer(user), vat, "m", now, &meta).await.unwrap();
    let sub = wallets.subscribe(user, "price_x", "s", now, &meta).await.unwrap();
    let input = commands::wallet::ChargeInput {
        amount_minor: 900,
        currency: "chf".into(),
        description: "pass".into(),
        reference: "p1".into(),
        card: None,
    };
    wallets.charge(user, input, "c", now, &meta).await.unwrap();

    let res = request_deletion(&app, &token).await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    assert_eq!(res.json::<Value>().await.unwrap(), json!({"pendingHolds": ["active_subscription"]}));
    let pending = app.suite("demo").customer(&token).await;
    assert_eq!(pending.status(), 200, "still there while the hold lasts");
    assert_eq!(pending.json::<Value>().await.unwrap()["blockState"], "DELETION_REQUESTED");
    wallets.cancel_subscription(user, &sub.subscription_id, now, &meta).await.unwrap();

    let gone = eventually(10, || async { app.suite("demo").customer(&token).await.status() == 401 }).await;
    assert!(gone, "the completer erased the account and its session");
    assert_eq!(app.count(&format!("select count(*) from user_view where user_id = '{user}'")).await, 0);
    assert_eq!(app.count("select count(*) from deletion_requests").await, 0);
    assert_eq!(
        app.count(&format!("select count(*) from wallet_customers where user_id = '{user}' and metadata = '{{}}'"))
            .await,
        1
    );
    // the charge stays, pseudonymous, for the accounts
    assert_eq!(app.count(&format!("select count(*) from wallet_charges where user_id = '{user}'")).await, 1);
    // the email is free: a new account, a new uuid
    let again = app.suite("demo").signed_up("erin@example.com").await;
    assert_ne!(again, user.to_string());
    let report = app.state.store.verify().await.unwrap();
    assert!(report.first_broken.is_none(), "the chain still verifies");
    for name in ["user_view", "deletion_requests", "wallets", "login_sessions"] {
        let rebuilt = app.state.store.rebuild(projections::by_name(name).unwrap()).await.unwrap();
        assert!(rebuilt.matched_live(), "{name}: {rebuilt:?}");
    }
});

both_engines!(an_unpaid_charge_refuses_the_request_and_none_erases_at_once, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let (user, token) = customer(&app, "fred@example.com").await;
    let (wallets, now, meta) = (&app.state.wallets, chrono::Utc::now(), Metadata::default());
    wallets.attach_card(payer(user), "tok_chargeCustomerFail", "a", now, &meta).await.unwrap();
    let input = commands::wallet::ChargeInput {
        amount_minor: 500,
        currency: "chf".into(),
        description: "ride".into(),
        reference: "r1".into(),
        card: None,
    };
    wallets.charge(user, input, "c", now, &meta).await.unwrap();
    let events = app.stream(&format!("user-{user}")).await.len();
    assert_eq!(suite_error(request_deletion(&app, &token).await).await, (StatusCode::CONFLICT, "U134".into()));
    assert_eq!(app.stream(&format!("user-{user}")).await.len(), events, "nothing recorded");

    let (_, other) = customer(&app, "gina@example.com").await;
    assert_eq!(request_deletion(&app, &other).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(suite_error(app.suite("demo").customer(&other).await).await, (StatusCode::UNAUTHORIZED, "A204".into()));
    assert_eq!(app.suite("demo").sign_in("gina@example.com", PASSWORD).await.status(), 401);
});

both_engines!(a_legacy_account_is_deleted_unless_held, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let held = app.legacy().registered("hank").await;
    let (held_token, held_id) = (
        held["access_token"].as_str().unwrap().to_owned(),
        Uuid::parse_str(held["user"]["_id"].as_str().unwrap()).unwrap(),
    );
    let res = app.payment(Method::POST, &held_token, "/").json(&json!({"token": "tok_visa"})).send().await.unwrap();
    assert_eq!(res.status(), 200);
    app.state.wallets.subscribe(held_id, "price_x", "s", chrono::Utc::now(), &Metadata::default()).await.unwrap();
    let delete = |token: String| app.client.delete(app.url("/api/users/delete")).bearer_auth(token).send();
    assert_eq!(
        legacy_error(delete(held_token.clone()).await.unwrap()).await,
        (StatusCode::FORBIDDEN, "account_held".into())
    );

    let ivy = app.legacy().registered("ivy").await;
    let token = ivy["access_token"].as_str().unwrap().to_owned();
    let res = delete(token.clone()).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["username"], "ivy");
    assert_eq!(
        legacy_error(app.legacy().is_logged(&token).await).await,
        (StatusCode::UNAUTHORIZED, "session_ended".into())
    );
    let again = app.legacy().registered("ivy").await;
    assert_ne!(again["user"]["_id"], ivy["user"]["_id"], "the username and email are free again");
});
