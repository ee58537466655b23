//! Identity cards: an operator assigns them with `users-api identity-card`, the customer reads
//! them at `GET /{tenant}/front/customer-identity-cards`; a card id belongs to one user of a
//! tenant at a time; the number is encrypted in the log; the read model rebuilds equal.
#![allow(clippy::unwrap_used)]

use api::cli_cards::{CardCommand, identity_card_command};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tests::suite::Tokens;
use tests::{Engine, TestApp, both_engines};
use uuid::Uuid;

async fn customer(app: &TestApp, email: &str) -> (Uuid, String) {
    let suite = app.suite("demo");
    let res = suite.sign_up(json!({"email": email, "password": "correct horse battery"})).await;
    assert_eq!(res.status(), 201);
    let user = Uuid::parse_str(res.json::<Value>().await.unwrap()["uuid"].as_str().unwrap()).unwrap();
    (user, Tokens::of(suite.sign_in(email, "correct horse battery").await).await.access)
}

async fn cards(app: &TestApp, access: &str) -> (StatusCode, Value) {
    let res = app.suite("demo").get("/front/customer-identity-cards").bearer_auth(access).send().await.unwrap();
    let status = res.status();
    (status, res.json().await.unwrap())
}

fn assign(card_id: &str, number: &str, label: Option<&str>) -> CardCommand {
    CardCommand::Assign {
        card_id: card_id.into(),
        kind: "RFID".into(),
        number: number.into(),
        label: label.map(str::to_owned),
        valid_until: chrono::NaiveDate::from_ymd_opt(2027, 12, 31),
    }
}

both_engines!(an_operator_assigns_cards_and_the_customer_reads_them, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let (ann, access) = customer(&app, "card-ann@example.com").await;
    assert_eq!(cards(&app, &access).await, (StatusCode::OK, json!([])));

    let store = app.state.store.clone();
    let printed =
        identity_card_command(store.clone(), ann, assign("card-0042", "04A2B3C4", Some("Office badge"))).await.unwrap();
    assert_eq!((printed["assigned"].as_bool(), printed["changed"].as_bool()), (Some(true), Some(true)));
    identity_card_command(store.clone(), ann, assign("card-0007", "99887766", None)).await.unwrap();
    let (status, body) = cards(&app, &access).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body.as_array().unwrap().len(), 2);
    assert_eq!(body[0]["id"], "card-0007");
    assert!(body[0].get("label").is_none(), "null fields left out: {body}");
    let badge = &body[1];
    assert_eq!((badge["id"].as_str(), badge["type"].as_str()), (Some("card-0042"), Some("RFID")));
    assert_eq!((badge["number"].as_str(), badge["label"].as_str()), (Some("04A2B3C4"), Some("Office badge")));
    assert_eq!(badge["validUntil"], "2027-12-31");
    assert!(badge["assignedAt"].is_string());

    // the same card again changes nothing; the number is in the log only encrypted
    let events = app.event_count().await;
    let again =
        identity_card_command(store.clone(), ann, assign("card-0042", "04A2B3C4", Some("Office badge"))).await.unwrap();
    assert_eq!(again["changed"], false);
    assert_eq!(app.event_count().await, events);
    let payload = if engine == Engine::Postgres { "payload::text" } else { "payload" };
    assert_eq!(app.count(&format!("select count(*) from events where {payload} like '%04A2B3C4%'")).await, 0);

    // a card of the tenant belongs to one user at a time; refusals append nothing
    let (bob, bob_access) = customer(&app, "card-bob@example.com").await;
    let events = app.event_count().await;
    let taken = identity_card_command(store.clone(), bob, assign("card-0042", "04A2B3C4", None)).await.unwrap_err();
    assert!(format!("{taken:#}").contains("assigned to another user"), "{taken:#}");
    for bad in [
        assign("card 1", "1", None),
        assign("card-1", " ", None),
        CardCommand::Withdraw { card_id: "card-0042".into() },
    ] {
        assert!(identity_card_command(store.clone(), bob, bad).await.is_err());
    }
    assert!(identity_card_command(store.clone(), Uuid::now_v7(), CardCommand::List).await.is_err(), "no such user");
    assert_eq!(app.event_count().await, events);
    assert_eq!(cards(&app, &bob_access).await.1, json!([]), "another customer's cards stay theirs");

    // withdrawn, the card is gone and free for another user
    identity_card_command(store.clone(), ann, CardCommand::Withdraw { card_id: "card-0042".into() }).await.unwrap();
    assert_eq!(cards(&app, &access).await.1.as_array().unwrap().len(), 1);
    identity_card_command(store.clone(), bob, assign("card-0042", "04A2B3C4", None)).await.unwrap();
    assert_eq!(cards(&app, &bob_access).await.1[0]["id"], "card-0042");
    let listed = identity_card_command(store.clone(), bob, CardCommand::List).await.unwrap();
    assert_eq!(listed["cards"][0]["number"], "04A2B3C4");

    let report = app.state.store.rebuild(projections::by_name("identity_cards").unwrap()).await.unwrap();
    assert!(report.matched_live(), "{report:?}");
});

both_engines!(the_cards_need_the_customers_own_token, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let suite = app.suite("demo");
    let res = suite.get("/front/customer-identity-cards").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let body: Value = res.json().await.unwrap();
    assert!(body["errorCode"].as_str().unwrap().starts_with('A'), "{body}");
    let res = suite.get("/front/customer-identity-cards").bearer_auth("not-a-token").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    // a token of another tenant's path
    let (_, access) = customer(&app, "card-cy@example.com").await;
    let res = app.get("/nowhere/front/customer-identity-cards").bearer_auth(&access).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
});

both_engines!(an_operator_assigns_and_withdraws_cards_over_http, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let key = secrecy::ExposeSecret::expose_secret(&app.state.admin_key).to_owned();
    let (ann, access) = customer(&app, "http-card-ann@example.com").await;
    let (bob, _) = customer(&app, "http-card-bob@example.com").await;
    let put = |user: Uuid, card: &str, body: Value| {
        app.client
            .put(app.url(&format!("/admin/users/{user}/identity-cards/{card}")))
            .bearer_auth(&key)
            .json(&body)
            .send()
    };
    let delete = |user: Uuid, card: &str| {
        app.client.delete(app.url(&format!("/admin/users/{user}/identity-cards/{card}"))).bearer_auth(&key).send()
    };
    let badge = json!({"type": "RFID", "number": "04A2B3C4", "label": "Office badge", "valid_until": "2027-12-31"});
    assert_eq!(put(ann, "card-0042", badge.clone()).await.unwrap().status(), StatusCode::NO_CONTENT);
    let (_, body) = cards(&app, &access).await;
    assert_eq!((body[0]["id"].as_str(), body[0]["number"].as_str()), (Some("card-0042"), Some("04A2B3C4")));
    let stream = app.stream(&domain::cards::stream_id(ann)).await;
    assert!(stream[0].metadata.actor.as_deref().unwrap().starts_with("admin:"));

    let status = |res: reqwest::Response| res.status();
    assert_eq!(
        status(put(bob, "card-0042", badge.clone()).await.unwrap()),
        StatusCode::CONFLICT,
        "one holder per card"
    );
    assert_eq!(
        status(put(ann, "card-1", json!({"type": "rfid", "number": "1"})).await.unwrap()),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(status(put(Uuid::now_v7(), "card-1", badge.clone()).await.unwrap()), StatusCode::NOT_FOUND);
    assert_eq!(status(delete(ann, "card-0042").await.unwrap()), StatusCode::NO_CONTENT);
    assert_eq!(cards(&app, &access).await.1, json!([]));
    assert_eq!(status(delete(ann, "card-0042").await.unwrap()), StatusCode::NOT_FOUND, "not assigned any more");
    // an auditor key cannot assign
    let made = api::cli_admin::admin_key_command(
        app.state.store.clone(),
        api::cli_admin::AdminKeyCommand::Create { role: "auditor".parse().unwrap(), label: "a".into() },
    )
    .await
    .unwrap();
    let res = app
        .client
        .put(app.url(&format!("/admin/users/{ann}/identity-cards/c2")))
        .bearer_auth(made["key"].as_str().unwrap())
        .json(&badge)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
});
