//! The server with Stripe configured (`USERS_API_STRIPE_*`), against a stand-in Stripe the test
//! starts: what goes over the wire for each payment route, on both engines; one provider call
//! for two requests with one idempotency key; test users kept in the sandbox.
#![allow(clippy::unwrap_used)]

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;
use store::Metadata;
use tests::legacy::legacy_error;
use tests::stripe_standin::{SECRET_KEY, StripeStandIn};
use tests::{Engine, Scratch, TestApp, both_engines};

async fn with_stripe(engine: Engine, standin: &StripeStandIn, account: Option<&str>) -> TestApp {
    let base = standin.start().await;
    let scratch = Scratch::new();
    let mut settings = api::Settings::for_data_dir(scratch.0.join("data"));
    settings.database_url = Some(tests::database_url(engine, &scratch).await);
    settings.writes_per_minute = 10_000;
    settings.stripe.secret_key = Some(SECRET_KEY.to_owned().into());
    settings.stripe.api_base = base;
    settings.stripe.account = account.map(str::to_owned);
    settings.stripe.tenants = vec!["demo".to_owned()];
    TestApp::spawn_with(settings, scratch).await
}

fn access(registered: &Value) -> String {
    registered["access_token"].as_str().unwrap().to_owned()
}

both_engines!(the_card_wallet_speaks_stripe, |engine| async move {
    let standin = StripeStandIn::default();
    let app = with_stripe(engine, &standin, Some("acct_connected_42")).await;
    let ann = app.legacy().registered("ann").await;
    let (token, ann_id) = (access(&ann), uuid::Uuid::parse_str(ann["user"]["_id"].as_str().unwrap()).unwrap());
    let attach = |card: &'static str| app.payment(Method::POST, &token, "/").json(&json!({ "token": card })).send();

    let visa: Value = attach("tok_visa").await.unwrap().json().await.unwrap();
    let (visa_id, customer) =
        (visa["data"]["id"].as_str().unwrap().to_owned(), visa["data"]["customer"].as_str().unwrap().to_owned());
    assert!(customer.starts_with("cus_standin_"), "{visa}");
    let created = &standin.seen_at(Method::POST, "/v1/customers")[0];
    assert_eq!(created.path, "/v1/customers");
    assert_eq!(created.field("email"), Some("ann@example.com"));
    assert_eq!(created.field("metadata[reference]"), Some(ann_id.to_string().as_str()));
    let sources = standin.seen_at(Method::POST, &format!("/v1/customers/{customer}/sources"));
    assert_eq!(sources[0].field("source"), Some("tok_visa"));
    for seen in standin.seen() {
        assert_eq!(seen.header("authorization"), Some(format!("Bearer {SECRET_KEY}").as_str()));
        assert_eq!(seen.header("stripe-account"), Some("acct_connected_42"));
        assert_eq!(seen.header("content-type"), Some("application/x-www-form-urlencoded"));
        assert!(seen.header("idempotency-key").is_some_and(|k| !k.is_empty()), "{seen:?}");
    }

    // a second card, made the default; Stripe is told of the default source
    let second: Value = attach("tok_mastercard").await.unwrap().json().await.unwrap();
    let second_id = second["data"]["id"].as_str().unwrap().to_owned();
    let res = app.payment(Method::POST, &token, &format!("/card/{second_id}/default")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let updates = standin.seen_at(Method::POST, &format!("/v1/customers/{customer}"));
    assert!(updates.iter().any(
        |s| s.path == format!("/v1/customers/{customer}") && s.field("default_source") == Some(second_id.as_str())
    ));

    // metadata: Stripe merges, so a removed key is sent empty
    let put = |body: Value| app.payment(Method::PUT, &token, "/stripe_metadata").json(&body).send();
    put(json!({"metadata": {"vat_number": "CHE-1", "company_name": "ACME"}})).await.unwrap();
    put(json!({"metadata": {"vat_number": ""}})).await.unwrap();
    let last = standin
        .seen_at(Method::POST, &format!("/v1/customers/{customer}"))
        .into_iter()
        .filter(|s| s.path == format!("/v1/customers/{customer}"))
        .last()
        .unwrap();
    assert_eq!((last.field("metadata[vat_number]"), last.field("metadata[company_name]")), (Some(""), Some("ACME")));

    // a decline is Stripe's message in a 402; a deleted card is deleted at Stripe
    let declined = attach("tok_chargeDeclined").await.unwrap();
    assert_eq!(legacy_error(declined).await, (StatusCode::PAYMENT_REQUIRED, "card_declined".into()));
    let res = app.payment(Method::DELETE, &token, &format!("/card/{visa_id}")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let deletes = standin.seen_at(Method::DELETE, &format!("/v1/customers/{customer}/sources/{visa_id}"));
    assert_eq!(deletes.len(), 1);
    assert!(deletes[0].header("idempotency-key").is_none(), "DELETEs carry no key");

    // an operator's charge and subscription go to Stripe with the wallet's card
    let (wallets, now, meta) = (&app.state.wallets, chrono::Utc::now(), Metadata::default());
    let input = commands::wallet::ChargeInput {
        amount_minor: 1250,
        currency: "chf".into(),
        description: "Parking".into(),
        reference: "session-1".into(),
        card: None,
    };
    let outcome = wallets.charge(ann_id, input, "charge-key", now, &meta).await.unwrap();
    assert!(
        matches!(outcome, commands::wallet::ChargeOutcome::Paid { ref charge_id, .. } if charge_id.starts_with("ch_standin_"))
    );
    let charge = &standin.seen_at(Method::POST, "/v1/charges")[0];
    assert_eq!(
        (charge.field("amount"), charge.field("currency"), charge.field("customer"), charge.field("source")),
        (Some("1250"), Some("chf"), Some(customer.as_str()), Some(second_id.as_str()))
    );
    let sub = wallets.subscribe(ann_id, "price_monthly", "sub-key", now, &meta).await.unwrap();
    assert_eq!(standin.seen_at(Method::POST, "/v1/subscriptions")[0].field("items[0][price]"), Some("price_monthly"));
    wallets.cancel_subscription(ann_id, &sub.subscription_id, now, &meta).await.unwrap();
    assert_eq!(standin.seen_at(Method::DELETE, &format!("/v1/subscriptions/{}", sub.subscription_id)).len(), 1);
    let charges: Value = app.payment(Method::GET, &token, "/charges").send().await.unwrap().json().await.unwrap();
    assert_eq!(charges["data"][0]["customer"], customer.as_str());
});

both_engines!(one_key_one_stripe_call, |engine| async move {
    let standin = StripeStandIn::default();
    let app = with_stripe(engine, &standin, None).await;
    let token = access(&app.legacy().registered("ann").await);
    let post = || {
        app.payment(Method::POST, &token, "/")
            .header("Idempotency-Key", "one")
            .json(&json!({"token": "tok_visa"}))
            .send()
    };
    let (a, b) = tokio::join!(post(), post());
    let (a, b): (Value, Value) = (a.unwrap().json().await.unwrap(), b.unwrap().json().await.unwrap());
    assert_eq!(a, b);
    let attaches =
        standin.seen_at(Method::POST, "/v1/customers/").into_iter().filter(|s| s.path.ends_with("/sources")).count();
    assert_eq!(attaches, 1);
    assert!(standin.seen().iter().all(|s| s.header("stripe-account").is_none()), "no connected account configured");

    // operators on two processes charging with one key: one charge at Stripe
    let user: Value = app.legacy().is_logged(&token).await.json().await.unwrap();
    let user = uuid::Uuid::parse_str(user["_id"].as_str().unwrap()).unwrap();
    let operator = || async {
        let store = projections::open_store(&app.database_url).await.unwrap();
        let clock: Arc<dyn commands::ports::Clock> = Arc::new(adapters::clock::SystemClock);
        let stripe = api::payments::StripeSettings {
            secret_key: Some(SECRET_KEY.to_owned().into()),
            api_base: standin.base(),
            ..Default::default()
        };
        api::cli_wallet::Operator::new(store, &stripe, &Default::default(), clock).unwrap()
    };
    let (one, two) = (operator().await, operator().await);
    let charge = || api::cli_wallet::WalletCommand::Charge {
        amount: 900,
        currency: "eur".into(),
        description: "pass".into(),
        reference: "pass-12".into(),
        card: None,
        idempotency_key: Some("pass-12".into()),
    };
    let (x, y) = tokio::join!(one.run(user, charge()), two.run(user, charge()));
    assert_eq!(x.unwrap(), y.unwrap());
    assert_eq!(standin.seen_at(Method::POST, "/v1/charges").len(), 1);
    assert_eq!(app.events_of_type(&format!("payment-methods-{user}"), "ChargeSucceeded").await, 1);
});

both_engines!(test_users_stay_in_the_sandbox, |engine| async move {
    let standin = StripeStandIn::default();
    let app = with_stripe(engine, &standin, None).await;
    let (wallets, now, meta) = (&app.state.wallets, chrono::Utc::now(), Metadata::default());
    let user = uuid::Uuid::now_v7();
    let payer = commands::wallet::Payer { tenant: "demo", user_id: user, test_user: true, email: None };
    let (customer, card) = wallets.attach_card(payer, "tok_visa", "k", now, &meta).await.unwrap();
    assert!(customer.customer_id.starts_with("cus_sb_") && card.id.starts_with("card_sb_"));
    assert_eq!(customer.provider, "sandbox");
    assert!(standin.seen().is_empty(), "Stripe heard nothing of a test user");
    // another tenant than the configured ones stays in the sandbox too
    let other =
        commands::wallet::Payer { tenant: "elsewhere", user_id: uuid::Uuid::now_v7(), test_user: false, email: None };
    let (customer, _) = wallets.attach_card(other, "tok_visa", "k", now, &meta).await.unwrap();
    assert_eq!(customer.provider, "sandbox");
    assert!(standin.seen().is_empty());
});
