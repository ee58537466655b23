//! Payment methods, black-box over HTTP on both engines with the sandbox provider: the legacy
//! card wallet (attach, default, address, delete, metadata, charges, subscriptions), coord's
//! `stripe_info`, the suite's `paymentState`, and `Idempotency-Key` replays.
#![allow(clippy::unwrap_used)]

use commands::wallet::{ChargeInput, ChargeOutcome};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;
use store::Metadata;
use tests::legacy::legacy_error;
use tests::payments::CountingPayments;
use tests::{Scratch, TestApp, both_engines};
use uuid::Uuid;

fn user_id(registered: &Value) -> Uuid {
    Uuid::parse_str(registered["user"]["_id"].as_str().unwrap()).unwrap()
}

fn access(registered: &Value) -> String {
    registered["access_token"].as_str().unwrap().to_owned()
}

async fn attach(app: &TestApp, access: &str, token: &str) -> reqwest::Response {
    app.payment(Method::POST, access, "/").json(&json!({ "token": token })).send().await.unwrap()
}

async fn card_data(app: &TestApp, access: &str, path: &str) -> Value {
    let res = app.payment(Method::GET, access, path).send().await.unwrap();
    assert_eq!(res.status(), 200, "{path}");
    res.json::<Value>().await.unwrap()["data"].clone()
}

fn charge(reference: &str, card: Option<&str>) -> ChargeInput {
    ChargeInput {
        amount_minor: 1250,
        currency: "chf".into(),
        description: "Parking Bahnhofplatz".into(),
        reference: reference.into(),
        card: card.map(str::to_owned),
    }
}

both_engines!(the_legacy_card_wallet, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let ann = app.legacy().registered("ann").await;
    let (token, ann_id) = (access(&ann), user_id(&ann));
    let stream = format!("payment-methods-{ann_id}");

    let none = app.payment(Method::GET, &token, "/card").send().await.unwrap();
    assert_eq!(legacy_error(none).await, (StatusCode::NOT_FOUND, "no_default_card".into()));
    let metadata: Value =
        app.payment(Method::GET, &token, "/card/stripe_metadata").send().await.unwrap().json().await.unwrap();
    assert_eq!(metadata, json!({}));
    let missing = app.payment(Method::POST, &token, "/").json(&json!({})).send().await.unwrap();
    assert_eq!(legacy_error(missing).await, (StatusCode::BAD_REQUEST, "invalid_body".into()));

    // the first card is the default, the second is not
    let res = attach(&app, &token, "tok_visa").await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["msg"], "succesfully added the card");
    let visa = body["data"].clone();
    assert_eq!(
        (visa["object"].clone(), visa["brand"].clone(), visa["last4"].clone()),
        (json!("card"), json!("Visa"), json!("4242"))
    );
    assert!(visa["customer"].as_str().unwrap().starts_with("cus_"));
    assert_eq!(visa["default"], true);
    let mastercard: Value = attach(&app, &token, "tok_mastercard").await.json().await.unwrap();
    let mastercard = mastercard["data"].clone();
    assert_eq!((mastercard["last4"].clone(), mastercard["default"].clone()), (json!("4444"), json!(false)));
    let (visa_id, mc_id) = (visa["id"].as_str().unwrap().to_owned(), mastercard["id"].as_str().unwrap().to_owned());
    assert_eq!(card_data(&app, &token, "/card").await["id"], visa_id.as_str());

    // a refused card (402) or a bad token (400) is the client's to fix, not a server error, and
    // records nothing
    let before = app.stream(&stream).await.len();
    assert_eq!(
        legacy_error(attach(&app, &token, "tok_chargeDeclined").await).await,
        (StatusCode::PAYMENT_REQUIRED, "card_declined".into())
    );
    assert_eq!(
        legacy_error(attach(&app, &token, "tok_nonsense").await).await,
        (StatusCode::BAD_REQUEST, "invalid_card_token".into())
    );
    assert_eq!(app.stream(&stream).await.len(), before);

    // switch the default; read one card; set its billing address
    let res = app.payment(Method::POST, &token, &format!("/card/{mc_id}/default")).send().await.unwrap();
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        (body["msg"].clone(), body["data"]["default"].clone()),
        (json!("succesfully set the card as default"), json!(true))
    );
    assert_eq!(card_data(&app, &token, "/card").await["id"], mc_id.as_str());
    assert_eq!(card_data(&app, &token, &format!("/card/{visa_id}")).await["default"], false);
    let address = json!({"id": visa_id, "metadata": {"address_line1": "Bahnhofstrasse 1", "address_city": "Zürich", "address_zip": "8001", "address_country": "ch"}});
    let res = app.payment(Method::PUT, &token, "/card").json(&address).send().await.unwrap();
    let updated: Value = res.json().await.unwrap();
    assert_eq!(
        (updated["data"]["address_city"].clone(), updated["data"]["address_country"].clone()),
        (json!("Zürich"), json!("CH"))
    );
    for bad in [json!({"metadata": {}}), json!({"id": visa_id, "metadata": {"address_country": "Switzerland"}})] {
        let res = app.payment(Method::PUT, &token, "/card").json(&bad).send().await.unwrap();
        assert_eq!(legacy_error(res).await, (StatusCode::BAD_REQUEST, "invalid_body".into()), "{bad}");
    }

    // another user sees none of it
    let bob = app.legacy().registered("bob").await;
    let res = app.payment(Method::GET, &access(&bob), &format!("/card/{visa_id}")).send().await.unwrap();
    assert_eq!(legacy_error(res).await, (StatusCode::NOT_FOUND, "card_not_found".into()));
    let res = app.payment(Method::DELETE, &access(&bob), &format!("/card/{visa_id}")).send().await.unwrap();
    assert_eq!(legacy_error(res).await, (StatusCode::NOT_FOUND, "card_not_found".into()));

    // an operator subscribes ann; deleting the default promotes the other card; the last one stays
    let (wallets, now, meta) = (&app.state.wallets, chrono::Utc::now(), Metadata::default());
    let sub = wallets.subscribe(ann_id, "price_monthly", "sub-key", now, &meta).await.unwrap();
    let subs: Value = app.payment(Method::GET, &token, "/subcriptions").send().await.unwrap().json().await.unwrap();
    assert_eq!(subs["data"][0]["id"], sub.subscription_id.as_str());
    assert_eq!(
        (subs["data"][0]["status"].clone(), subs["data"][0]["plan"]["id"].clone()),
        (json!("active"), json!("price_monthly"))
    );
    let res = app.payment(Method::DELETE, &token, &format!("/card/{mc_id}")).send().await.unwrap();
    let deleted: Value = res.json().await.unwrap();
    assert_eq!((deleted["id"].clone(), deleted["deleted"].clone()), (json!(mc_id), json!(true)));
    assert_eq!(card_data(&app, &token, "/card").await["id"], visa_id.as_str());
    let last = app.payment(Method::DELETE, &token, &format!("/card/{visa_id}")).send().await.unwrap();
    assert_eq!(legacy_error(last).await, (StatusCode::FORBIDDEN, "last_card_with_subscription".into()));

    // charges: one paid, one declined on a card whose charges fail
    let paid = wallets.charge(ann_id, charge("session-1", None), "k1", now, &meta).await.unwrap();
    assert!(matches!(paid, ChargeOutcome::Paid { .. }));
    let failing: Value = attach(&app, &token, "tok_chargeCustomerFail").await.json().await.unwrap();
    let failing_id = failing["data"]["id"].as_str().unwrap();
    let declined = wallets.charge(ann_id, charge("session-2", Some(failing_id)), "k2", now, &meta).await.unwrap();
    assert!(matches!(declined, ChargeOutcome::Declined { ref code, .. } if code == "generic_decline"));
    let charges: Value = app.payment(Method::GET, &token, "/charges").send().await.unwrap().json().await.unwrap();
    let list = charges["data"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    let failed = list.iter().find(|c| c["status"] == "failed").unwrap();
    assert_eq!(
        (failed["paid"].clone(), failed["failure_code"].clone(), failed["amount"].clone()),
        (json!(false), json!("generic_decline"), json!(1250))
    );
    assert_eq!(failed["metadata"]["reference"], "session-2");
    let holds = wallets.holds(ann_id).await.unwrap();
    assert_eq!(holds.len(), 2, "the subscription and the unpaid charge: {holds:?}");

    // customer metadata: set both, remove one, refuse a missing object and an oversized value
    let put = |body: Value| app.payment(Method::PUT, &token, "/stripe_metadata").json(&body).send();
    let set: Value = put(json!({"metadata": {"vat_number": "CHE-123.456.789", "company_name": "ACME"}}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(set["data"], json!({"vat_number": "CHE-123.456.789", "company_name": "ACME"}));
    put(json!({"metadata": {"vat_number": ""}})).await.unwrap();
    let read: Value =
        app.payment(Method::GET, &token, "/card/stripe_metadata").send().await.unwrap().json().await.unwrap();
    assert_eq!(read, json!({"company_name": "ACME"}));
    assert_eq!(legacy_error(put(json!({})).await.unwrap()).await, (StatusCode::BAD_REQUEST, "invalid_body".into()));
    let long = put(json!({"metadata": {"company_name": "x".repeat(501)}})).await.unwrap();
    assert_eq!(legacy_error(long).await, (StatusCode::BAD_REQUEST, "invalid_payment".into()));

    // the read model equals a rebuild from position 0
    let report = app.state.store.rebuild(projections::by_name("wallets").unwrap()).await.unwrap();
    assert!(report.matched_live(), "{report:?}");
});

both_engines!(an_idempotency_key_replays_the_first_answer, |engine| async move {
    let counting = CountingPayments::slow(300);
    let adapters = api::startup::Adapters { payments: Some(counting.clone()), ..Default::default() };
    let scratch = Scratch::new();
    let mut settings = api::Settings::for_data_dir(scratch.0.join("data"));
    settings.database_url = Some(tests::database_url(engine, &scratch).await);
    settings.writes_per_minute = 10_000;
    let app = TestApp::spawn_with_adapters(settings, scratch, adapters).await;
    let ann = app.legacy().registered("ann").await;
    let (token, stream) = (access(&ann), format!("payment-methods-{}", user_id(&ann)));
    let post = |key: &str, card: &str| {
        app.payment(Method::POST, &token, "/").header("Idempotency-Key", key).json(&json!({ "token": card })).send()
    };

    // two at once with one key: one provider call, one card, the same answer twice
    let (a, b) = tokio::join!(post("key-1", "tok_visa"), post("key-1", "tok_visa"));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!((a.status(), b.status()), (StatusCode::OK, StatusCode::OK));
    let replayed = [&a, &b].iter().filter(|r| r.headers().get("idempotent-replayed").is_some()).count();
    assert_eq!(replayed, 1);
    let (a, b): (Value, Value) = (a.json().await.unwrap(), b.json().await.unwrap());
    assert_eq!(a, b);
    assert_eq!(counting.attached(), 1);
    assert_eq!(app.events_of_type(&stream, "PaymentCardAttached").await, 1);

    // later with the same key: replayed; with another body: refused; a new key: a new card
    let again = post("key-1", "tok_visa").await.unwrap();
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<Value>().await.unwrap(), a);
    assert_eq!(
        legacy_error(post("key-1", "tok_amex").await.unwrap()).await,
        (StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused".into())
    );
    assert_eq!(post("key-2", "tok_amex").await.unwrap().status(), 200);
    assert_eq!((counting.attached(), app.events_of_type(&stream, "PaymentCardAttached").await), (2, 2));
    let long_key = "k".repeat(256);
    assert_eq!(
        legacy_error(post(&long_key, "tok_visa").await.unwrap()).await,
        (StatusCode::BAD_REQUEST, "invalid_idempotency_key".into())
    );

    // a refusal is kept too; another user's same key is theirs alone
    assert_eq!(post("key-3", "tok_chargeDeclined").await.unwrap().status(), 402);
    let bob = app.legacy().registered("bob").await;
    let res = app
        .payment(Method::POST, &access(&bob), "/")
        .header("Idempotency-Key", "key-1")
        .json(&json!({"token": "tok_visa"}))
        .send()
        .await
        .unwrap();
    assert!(res.headers().get("idempotent-replayed").is_none());
    assert_ne!(res.json::<Value>().await.unwrap()["data"]["id"], a["data"]["id"]);
});

both_engines!(coord_stripe_info, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let coord = app.coord();
    let post = |jwt: String, body: Value| {
        app.client.post(coord.url("/user/current/stripe_info")).bearer_auth(jwt).json(&body).send()
    };
    let test_jwt = coord.token_for("tester@example.com").await;
    let refused = post(test_jwt, json!({"coord_targeted_token": "tok_visa"})).await.unwrap();
    assert_eq!(tests::coord::coord_error(refused).await, (StatusCode::FORBIDDEN, "test_user".into()));

    let created = coord.create_jwt(Some(&app.server_token), json!({"email": "payer@example.com"})).await;
    let jwt = tests::coord::jwt_of(created).await;
    let res = post(jwt.clone(), json!({"coord_targeted_token": "tok_visa"})).await.unwrap();
    assert_eq!(res.status(), 200);
    let info: Value = res.json().await.unwrap();
    assert_eq!(info["coord_targeted_token"], "tok_visa");
    let customer = info["customer_id"].as_str().unwrap().to_owned();
    assert!(customer.starts_with("cus_"));
    let second: Value =
        post(jwt.clone(), json!({"coord_targeted_token": "tok_mastercard"})).await.unwrap().json().await.unwrap();
    assert_eq!(second["customer_id"], customer.as_str(), "one customer per user");

    let empty = post(jwt.clone(), json!({"coord_targeted_token": " "})).await.unwrap();
    assert_eq!(tests::coord::coord_error(empty).await, (StatusCode::BAD_REQUEST, "invalid_body".into()));
    let declined =
        post(jwt.clone(), json!({"coord_targeted_token": "tok_chargeDeclinedInsufficientFunds"})).await.unwrap();
    assert_eq!(tests::coord::coord_error(declined).await, (StatusCode::PAYMENT_REQUIRED, "card_declined".into()));
    let bad = post(jwt, json!({"coord_targeted_token": "tok_unknown"})).await.unwrap();
    assert_eq!(tests::coord::coord_error(bad).await, (StatusCode::BAD_REQUEST, "invalid_card_token".into()));
});

both_engines!(the_suite_customer_shows_its_payment_state, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let suite = app.suite("demo");
    let user = Uuid::parse_str(&suite.signed_up("pay@example.com").await).unwrap();
    let token = tests::suite::Tokens::of(suite.sign_in("pay@example.com", tests::suite::PASSWORD).await).await.access;
    let app = &app;
    let customer = |token: String| async move { app.suite("demo").me(&token).await };
    let before = customer(token.clone()).await;
    assert_eq!(
        (before["paymentState"].clone(), before["blockedByUnpaidInvoices"].clone()),
        (json!("NO_PAYMENT_SOURCE"), json!(false))
    );
    let (wallets, now, meta) = (&app.state.wallets, chrono::Utc::now(), Metadata::default());
    let payer = commands::wallet::Payer { tenant: "demo", user_id: user, test_user: false, email: None };
    let (_, card) = wallets.attach_card(payer, "tok_chargeCustomerFail", "attach", now, &meta).await.unwrap();
    assert_eq!(customer(token.clone()).await["paymentState"], "PAYMENT_SOURCE_ADDED");
    wallets.charge(user, charge("ride-1", Some(&card.id)), "c1", now, &meta).await.unwrap();
    assert_eq!(customer(token.clone()).await["blockedByUnpaidInvoices"], true);
    let (_, visa) = wallets.attach_card(payer, "tok_visa", "attach-2", now, &meta).await.unwrap();
    let settled = wallets
        .charge(user, charge("ride-1", Some(&visa.id)), "c2", now + chrono::Duration::seconds(1), &meta)
        .await
        .unwrap();
    assert!(matches!(settled, ChargeOutcome::Paid { .. }));
    assert_eq!(customer(token).await["blockedByUnpaidInvoices"], false);
    assert!(wallets.holds(user).await.unwrap().is_empty());
});

both_engines!(an_operator_charge_with_one_key_runs_once_across_instances, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let ann = app.legacy().registered("ann").await;
    let ann_id = user_id(&ann);
    attach(&app, &access(&ann), "tok_visa").await;
    // two operator processes on the same database, with one (slow, counting) provider
    let counting = CountingPayments::slow(300);
    let adapters = api::startup::Adapters { payments: Some(counting.clone()), ..Default::default() };
    let operator = || async {
        let store = projections::open_store(&app.database_url).await.unwrap();
        let clock: Arc<dyn commands::ports::Clock> = Arc::new(adapters::clock::SystemClock);
        api::cli_wallet::Operator::new(store, &Default::default(), &adapters, clock).unwrap()
    };
    let (one, two) = (operator().await, operator().await);
    let command = || api::cli_wallet::WalletCommand::Charge {
        amount: 900,
        currency: "eur".into(),
        description: "monthly pass".into(),
        reference: "pass-2026-12".into(),
        card: None,
        idempotency_key: Some("charge-pass-2026-12".into()),
    };
    let (a, b) = tokio::join!(one.run(ann_id, command()), two.run(ann_id, command()));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a, b);
    assert_eq!(a["outcome"], "paid");
    assert_eq!(counting.charged(), 1);
    assert_eq!(app.events_of_type(&format!("payment-methods-{ann_id}"), "ChargeSucceeded").await, 1);
    let listed = one.run(ann_id, api::cli_wallet::WalletCommand::Charges).await.unwrap();
    assert_eq!(listed["charges"].as_array().unwrap().len(), 1);

    // the other operator commands: subscribe, see the hold, cancel, see it gone
    use api::cli_wallet::WalletCommand as Op;
    let started = one.run(ann_id, Op::Subscribe { plan: "price_pass".into(), idempotency_key: None }).await.unwrap();
    let sub = started["subscription"].as_str().unwrap().to_owned();
    let holds = one.run(ann_id, Op::Holds).await.unwrap();
    assert_eq!(holds["holds"], json!([{"hold": "active_subscription", "subscription_id": sub}]));
    let canceled = two.run(ann_id, Op::CancelSubscription { subscription: sub.clone() }).await.unwrap();
    assert_eq!(canceled["status"], "canceled");
    assert_eq!(one.run(ann_id, Op::Holds).await.unwrap()["holds"], json!([]));
    let unknown = one.run(ann_id, Op::CancelSubscription { subscription: "sub_nope".into() }).await;
    assert!(unknown.unwrap_err().to_string().contains("no such subscription"));
});

both_engines!(a_card_tester_gets_few_tries_per_account, |engine| async move {
    // the attack: one account, many stolen cards, to learn which ones work
    let counting = CountingPayments::slow(0);
    let adapters = api::startup::Adapters { payments: Some(counting.clone()), ..Default::default() };
    let scratch = Scratch::new();
    let mut settings = api::Settings::for_data_dir(scratch.0.join("data"));
    settings.database_url = Some(tests::database_url(engine, &scratch).await);
    settings.writes_per_minute = 10_000;
    settings.card_attaches_per_hour = 3;
    let app = TestApp::spawn_with_adapters(settings, scratch, adapters).await;
    let token = access(&app.legacy().registered("mallory").await);
    for _ in 0..3 {
        assert_eq!(attach(&app, &token, "tok_chargeDeclined").await.status(), StatusCode::PAYMENT_REQUIRED);
    }
    let stopped =
        app.payment(Method::POST, &token, "/").header("Idempotency-Key", "try-4").json(&json!({"token": "tok_visa"}));
    let stopped = stopped.send().await.unwrap();
    assert!(stopped.headers()["retry-after"].to_str().unwrap().parse::<u64>().unwrap() > 60);
    assert_eq!(legacy_error(stopped).await, (StatusCode::TOO_MANY_REQUESTS, "rate_limited".into()));
    assert_eq!(counting.attached(), 3, "the provider saw no fourth card");
    // the refusal is not kept under the key: the retry is refused afresh, not replayed
    let retry =
        app.payment(Method::POST, &token, "/").header("Idempotency-Key", "try-4").json(&json!({"token": "tok_visa"}));
    let retry = retry.send().await.unwrap();
    assert!(retry.headers().get("idempotent-replayed").is_none());
    assert_eq!(retry.status(), StatusCode::TOO_MANY_REQUESTS);
    // another account is not held back
    let other = access(&app.legacy().registered("olga").await);
    assert_eq!(attach(&app, &other, "tok_visa").await.status(), StatusCode::OK);
});
