//! Transactable systems and account links in the coord dialect: the tenant's systems in the
//! current user, the test users' simulated linking, the CLI that configures a system, and the
//! `account_links` read model against its rebuild.
#![allow(clippy::unwrap_used)]

use serde_json::{Value, json};
use tests::coord::coord_error;
use tests::{TestApp, both_engines};

/// The `transactable_systems` entry of `system_id`.
fn system<'a>(current: &'a Value, system_id: &str) -> &'a Value {
    current["transactable_systems"].as_array().unwrap().iter().find(|s| s["system_id"] == system_id).unwrap()
}

fn user_id_of(token: &str) -> String {
    tests::claims(token)["sub"].as_str().unwrap().to_owned()
}

both_engines!(the_current_user_lists_the_tenants_systems_with_the_users_standing, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let coord = app.coord();
    let token = coord.token_for("rider@example.com").await;
    let current: Value = coord.current_user(&token).await.json().await.unwrap();
    let ids: Vec<&str> =
        current["transactable_systems"].as_array().unwrap().iter().map(|s| s["system_id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["CitiBike", "MeterPark", "PlateGarage", "StripeLot"], "the demo tenant's systems, by id");
    assert_eq!(
        system(&current, "CitiBike"),
        &json!({"system_id": "CitiBike", "linked_account": false, "transactable": false,
                "transaction_info": {"jwt_claims": ["email"], "linked_account": true, "users_api_fields": []}})
    );
    assert_eq!(system(&current, "MeterPark")["transactable"], true, "it needs nothing the user lacks");
    assert_eq!(
        system(&current, "StripeLot")["transaction_info"]["users_api_fields"],
        json!(["stripe_info.stripe_customer_id"])
    );
    assert_eq!(system(&current, "StripeLot")["transactable"], false, "a test user has no Stripe customer");

    let res = coord.test_link(&token, "CitiBike", true).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap(), json!({"system_id": "CitiBike", "linked_account": true}));
    let current: Value = coord.current_user(&token).await.json().await.unwrap();
    assert_eq!(system(&current, "CitiBike")["linked_account"], true);
    assert_eq!(system(&current, "CitiBike")["transactable"], true);

    // linking again and unlinking twice: one event each way
    assert_eq!(coord.test_link(&token, "CitiBike", true).await.status(), 200);
    for _ in 0..2 {
        let res = coord.test_link(&token, "CitiBike", false).await;
        assert_eq!(res.json::<Value>().await.unwrap(), json!({"system_id": "CitiBike", "linked_account": false}));
    }
    let stream = format!("account-links-{}", user_id_of(&token));
    assert_eq!(app.events_of_type(&stream, "AccountLinked").await, 1);
    assert_eq!(app.events_of_type(&stream, "AccountUnlinked").await, 1);
    let current: Value = coord.current_user(&token).await.json().await.unwrap();
    assert_eq!(system(&current, "CitiBike")["linked_account"], false);
});

both_engines!(simulated_linking_refuses_what_cannot_be_linked_and_production_users, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let coord = app.coord();
    let token = coord.token_for("tester@example.com").await;
    for (system_id, linked, code) in [
        ("MeterPark", true, "system_not_linkable"),
        ("MeterPark", false, "system_not_linkable"),
        ("StripeLot", true, "system_not_linkable"),
        ("NoSuchSystem", true, "unknown_system"),
        ("PlateGarage", true, "requirements_missing"),
    ] {
        let res = coord.test_link(&token, system_id, linked).await;
        assert_eq!(coord_error(res).await, (reqwest::StatusCode::BAD_REQUEST, code.to_owned()), "{system_id}");
    }
    let stream = format!("account-links-{}", user_id_of(&token));
    assert!(app.stream(&stream).await.is_empty(), "refusals append nothing");

    // the plate first, then the garage links
    let plate = json!({"license_plate": {"text": "123abc", "country": "us"}});
    assert_eq!(coord.put_vehicle(&token, plate).await.status(), 200);
    assert_eq!(coord.test_link(&token, "PlateGarage", true).await.status(), 200);

    let url = coord.url("/testing/user/current/transactable_systems");
    let res = app.client.post(url).bearer_auth(&token).json(&json!({"system_id": 1})).send().await.unwrap();
    assert_eq!(coord_error(res).await.1, "invalid_body");
    let production =
        tests::coord::jwt_of(coord.create_jwt(Some(&app.server_token), json!({"email": "real@example.com"})).await)
            .await;
    let res = coord.test_link(&production, "CitiBike", true).await;
    assert_eq!(coord_error(res).await, (reqwest::StatusCode::FORBIDDEN, "test_users_only".to_owned()));
    let res = coord.test_link("", "CitiBike", true).await;
    assert_eq!(coord_error(res).await.0, 401);
});

both_engines!(a_stripe_customer_makes_a_system_that_requires_one_transactable, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let coord = app.coord();
    let res = coord.create_jwt(Some(&app.server_token), json!({"email": "payer@example.com"})).await;
    let token = tests::coord::jwt_of(res).await;
    let current: Value = coord.current_user(&token).await.json().await.unwrap();
    assert_eq!(system(&current, "StripeLot")["transactable"], false);
    let url = coord.url("/user/current/stripe_info");
    let res = app.client.post(url).bearer_auth(&token).json(&json!({"coord_targeted_token": "tok_visa"})).send();
    assert_eq!(res.await.unwrap().status(), 200);
    let current: Value = coord.current_user(&token).await.json().await.unwrap();
    assert_eq!(system(&current, "StripeLot")["transactable"], true);
    assert_eq!(system(&current, "StripeLot")["linked_account"], false, "it needs no link");
});

both_engines!(the_cli_configures_a_system_the_next_request_lists, |engine| async move {
    use api::cli::{TenantCommand, tenant_command};
    let app = TestApp::spawn(engine).await;
    let command = |fields: Vec<String>| TenantCommand::System {
        system_id: "BayWheels".into(),
        name: "Bay Wheels".into(),
        linked_account: true,
        users_api_fields: fields,
        jwt_claims: vec!["external_uid".into()],
    };
    let printed =
        tenant_command(app.state.store.clone(), "demo", command(vec!["vehicle.license_plate".into()])).await.unwrap();
    assert_eq!(printed, json!({"tenant": "demo", "system_id": "BayWheels", "configured": true}));
    let refused = tenant_command(app.state.store.clone(), "demo", command(vec!["vehicle.colour".into()])).await;
    assert!(format!("{:#}", refused.unwrap_err()).contains("vehicle.colour"));
    assert!(tenant_command(app.state.store.clone(), "nowhere", command(Vec::new())).await.is_err());

    let coord = app.coord();
    let token = coord.token_for("bay@example.com").await;
    let current: Value = coord.current_user(&token).await.json().await.unwrap();
    assert_eq!(
        system(&current, "BayWheels")["transaction_info"],
        json!({"jwt_claims": ["external_uid"], "linked_account": true, "users_api_fields": ["vehicle.license_plate"]})
    );
    let res = coord.test_link(&token, "BayWheels", true).await;
    let (_, code) = coord_error(res).await;
    assert_eq!(code, "requirements_missing", "no plate and no external uid");
});

both_engines!(the_account_links_read_model_equals_its_rebuild, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let coord = app.coord();
    for n in 0..3 {
        let token = coord.token_for(&format!("rebuild{n}@example.com")).await;
        assert_eq!(coord.test_link(&token, "CitiBike", true).await.status(), 200);
        if n == 1 {
            assert_eq!(coord.test_link(&token, "CitiBike", false).await.status(), 200);
        }
    }
    assert_eq!(app.count("select count(*) from account_links").await, 2);
    for name in ["account_links", "catalog"] {
        let report = app.state.store.rebuild(projections::by_name(name).unwrap()).await.unwrap();
        assert!(report.matched_live(), "{name}: {report:?}");
    }
    assert_eq!(app.count("select count(*) from account_links").await, 2);
    assert_eq!(app.count("select count(*) from catalog_transactable_systems").await, 4);
});
