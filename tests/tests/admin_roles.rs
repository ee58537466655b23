//! The admin surface's roles and operator routes: keys created and revoked by the CLI, an
//! auditor key cannot configure and an operator key cannot read the history, time travel to an
//! old vehicle, the record of admin reads, projection status and rebuild over HTTP, tenants and
//! partners configured over HTTP (a revoked partner's tokens stop working).
#![allow(clippy::unwrap_used)]

use reqwest::StatusCode;
use secrecy::ExposeSecret as _;
use serde_json::{Value, json};
use tests::coord::jwt_of;
use tests::{TestApp, both_engines};

fn bootstrap(app: &TestApp) -> String {
    app.state.admin_key.expose_secret().to_owned()
}

/// A key of `role` made as `users-api admin-key create` makes it: (key id, key).
async fn created_key(app: &TestApp, role: &str) -> (String, String) {
    let command = api::cli_admin::AdminKeyCommand::Create { role: role.parse().unwrap(), label: format!("{role} key") };
    let out = api::cli_admin::admin_key_command(app.state.store.clone(), command).await.unwrap();
    assert!(out["key"].as_str().unwrap().starts_with("uak_"));
    (out["key_id"].as_str().unwrap().to_owned(), out["key"].as_str().unwrap().to_owned())
}

async fn problem(res: reqwest::Response, status: StatusCode) -> Value {
    assert_eq!(res.status(), status);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], status.as_u16());
    body
}

fn new_tenant(id: &str) -> Value {
    json!({"tenant_id": id, "name": format!("Tenant {id}")})
}

both_engines!(each_key_does_what_its_role_allows, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let (auditor_id, auditor) = created_key(&app, "auditor").await;
    let (_, operator) = created_key(&app, "operator").await;
    let user = app.coord().token_for("roles@example.com").await;
    let post_tenant = |key: &str, id: &str| app.post("/admin/tenants").bearer_auth(key).json(&new_tenant(id)).send();

    // the auditor reads the history, and cannot configure
    assert_eq!(app.get("/admin/events?limit=1").bearer_auth(&auditor).send().await.unwrap().status(), StatusCode::OK);
    assert_eq!(app.get("/admin/projections").bearer_auth(&auditor).send().await.unwrap().status(), StatusCode::OK);
    let body = problem(post_tenant(&auditor, "by-auditor").await.unwrap(), StatusCode::FORBIDDEN).await;
    assert!(body["detail"].as_str().unwrap().contains("operator"));
    let res = app.post("/admin/projections/user_view/rebuild").bearer_auth(&auditor).send().await.unwrap();
    problem(res, StatusCode::FORBIDDEN).await;
    // the operator configures, and cannot read the history or users' state
    assert_eq!(post_tenant(&operator, "by-operator").await.unwrap().status(), StatusCode::CREATED);
    problem(app.get("/admin/events").bearer_auth(&operator).send().await.unwrap(), StatusCode::FORBIDDEN).await;
    problem(app.get("/admin/reads").bearer_auth(&operator).send().await.unwrap(), StatusCode::FORBIDDEN).await;
    // the bootstrap key does both; a user's token and a forged key of the right shape do neither
    assert_eq!(post_tenant(&bootstrap(&app), "by-bootstrap").await.unwrap().status(), StatusCode::CREATED);
    assert_eq!(app.get("/admin/reads").bearer_auth(bootstrap(&app)).send().await.unwrap().status(), StatusCode::OK);
    let forged = format!("uak_{auditor_id}_{}", "A".repeat(32));
    for key in [user.as_str(), forged.as_str()] {
        problem(post_tenant(key, "by-user").await.unwrap(), StatusCode::UNAUTHORIZED).await;
        problem(app.get("/admin/events").bearer_auth(key).send().await.unwrap(), StatusCode::UNAUTHORIZED).await;
    }
    assert_eq!(app.count("select count(*) from catalog_tenants where tenant_id in ('by-auditor', 'by-user')").await, 0);

    // a revoked key is refused at once; listing shows it revoked, never a key
    let revoke = api::cli_admin::AdminKeyCommand::Revoke { key_id: auditor_id.clone() };
    api::cli_admin::admin_key_command(app.state.store.clone(), revoke.clone()).await.unwrap();
    problem(app.get("/admin/events").bearer_auth(&auditor).send().await.unwrap(), StatusCode::UNAUTHORIZED).await;
    assert!(api::cli_admin::admin_key_command(app.state.store.clone(), revoke).await.is_err(), "revoked for good");
    let list = api::cli_admin::admin_key_command(app.state.store.clone(), api::cli_admin::AdminKeyCommand::List)
        .await
        .unwrap();
    let listed = list.as_array().unwrap().iter().find(|k| k["key_id"] == auditor_id.as_str()).unwrap();
    assert!(listed["revoked_at"].is_string() && listed.get("key").is_none() && listed.get("key_hash").is_none());
    assert!(!list.to_string().contains(&auditor), "the list never shows a key");
});

both_engines!(time_travel_shows_the_old_vehicle_and_every_read_is_recorded, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let (auditor_id, auditor) = created_key(&app, "auditor").await;
    let coord = app.coord();
    let token = coord.token_for("traveller@example.com").await;
    let user_id = tests::claims(&token)["sub"].as_str().unwrap().to_owned();
    let plate = |text: &str| json!({"license_plate": {"text": text, "country": "de"}});
    assert_eq!(coord.put_vehicle(&token, plate("B-OLD 1")).await.status(), 200);
    let stream = app.stream(&format!("user-{user_id}")).await;
    let first_plate_at = stream.last().unwrap().position;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let between = chrono::Utc::now();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    assert_eq!(coord.put_vehicle(&token, plate("B-NEW 2")).await.status(), 200);

    let state = |query: String| app.get(&format!("/admin/users/{user_id}/state{query}")).bearer_auth(&auditor).send();
    let plate_of = |body: &Value| body["state"]["license_plate"]["text"].as_str().map(str::to_owned);
    let now: Value = state(String::new()).await.unwrap().json().await.unwrap();
    assert_eq!(plate_of(&now).as_deref(), Some("B-NEW 2"));
    let old: Value = state(format!("?at_position={first_plate_at}")).await.unwrap().json().await.unwrap();
    assert_eq!(plate_of(&old).as_deref(), Some("B-OLD 1"));
    assert_eq!(old["position"], first_plate_at);
    let at = between.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let old: Value = state(format!("?at_time={}", at.replace('+', "%2B"))).await.unwrap().json().await.unwrap();
    assert_eq!(plate_of(&old).as_deref(), Some("B-OLD 1"));
    let before: Value = state("?at_position=1".into()).await.unwrap().json().await.unwrap();
    assert_eq!((before["version"].as_i64(), before["state"]["registered"].as_bool()), (Some(0), Some(false)));
    // credentials never leave: only whether they exist
    let text = now.to_string();
    assert!(
        now["state"].get("password_hash").is_none()
            && now["state"].get("totp_secret").is_none()
            && !text.contains("argon2")
    );
    problem(state("?at_position=1&at_time=2026-01-01T00:00:00Z".into()).await.unwrap(), StatusCode::BAD_REQUEST).await;
    let nobody =
        app.get(&format!("/admin/users/{}/state", uuid::Uuid::now_v7())).bearer_auth(&auditor).send().await.unwrap();
    problem(nobody, StatusCode::NOT_FOUND).await;
    problem(
        app.get("/admin/users/not-a-uuid/state").bearer_auth(&auditor).send().await.unwrap(),
        StatusCode::BAD_REQUEST,
    )
    .await;

    // each of those reads is recorded, by key, action and subject, and auditors read the record
    let res = app.get(&format!("/admin/reads?subject={user_id}")).bearer_auth(&auditor).send().await.unwrap();
    let reads: Vec<Value> = res.json().await.unwrap();
    assert_eq!(reads.len(), 4, "the four answered reads: {reads:?}");
    assert!(reads.iter().all(|r| r["key_id"] == auditor_id.as_str() && r["action"] == "user_state"));
    assert_eq!(reads[1]["query"], format!("at_position={first_plate_at}"));
    app.get(&format!("/admin/streams/user-{user_id}")).bearer_auth(bootstrap(&app)).send().await.unwrap();
    let res = app.get(&format!("/admin/reads?subject=user-{user_id}")).bearer_auth(&auditor).send().await.unwrap();
    let reads: Vec<Value> = res.json().await.unwrap();
    assert_eq!(
        (reads.len(), reads[0]["key_id"].as_str(), reads[0]["action"].as_str()),
        (1, Some("bootstrap"), Some("stream"))
    );
    // the record is in the log too: events of their own
    assert_eq!(app.count("select count(*) from events where event_type = 'AdminReadRecorded'").await, 6);
});

both_engines!(projections_report_lag_and_rebuild_over_http, |engine| async move {
    let app = TestApp::spawn(engine).await;
    app.coord().token_for("lag@example.com").await;
    let key = bootstrap(&app);
    let list: Vec<Value> = app.get("/admin/projections").bearer_auth(&key).send().await.unwrap().json().await.unwrap();
    let names: Vec<&str> = list.iter().map(|p| p["name"].as_str().unwrap()).collect();
    let expected: Vec<&str> = projections::all().iter().map(|p| p.name()).collect();
    assert_eq!(names, expected);
    let head = app.count("select max(global_position) from events").await;
    let user_view = list.iter().find(|p| p["name"] == "user_view").unwrap();
    assert_eq!(
        (user_view["kind"].as_str(), user_view["checkpoint"].as_i64(), user_view["lag_events"].as_i64()),
        (Some("inline"), Some(head), Some(0))
    );
    assert!(list.iter().any(|p| p["kind"] == "catch_up" && p["lag_seconds"].is_number()));

    let res = app.post("/admin/projections/user_view/rebuild").bearer_auth(&key).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let mut done = Value::Null;
    for _ in 0..200 {
        let list: Vec<Value> =
            app.get("/admin/projections").bearer_auth(&key).send().await.unwrap().json().await.unwrap();
        done = list.into_iter().find(|p| p["name"] == "user_view").unwrap()["last_rebuild"].clone();
        if done["state"] != "running" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!((done["state"].as_str(), done["matched_live"].as_bool()), (Some("done"), Some(true)), "{done}");
    assert!(done["events_applied"].as_i64().unwrap() > 0);
    let res = app.post("/admin/projections/nothing/rebuild").bearer_auth(&key).send().await.unwrap();
    problem(res, StatusCode::NOT_FOUND).await;
});

both_engines!(operators_configure_tenants_and_partners_over_http, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let (_, operator) = created_key(&app, "operator").await;
    let admin = |method: reqwest::Method, path: &str| app.client.request(method, app.url(path)).bearer_auth(&operator);
    use reqwest::Method;
    let res = admin(Method::POST, "/admin/tenants").json(&new_tenant("acme")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    problem(
        admin(Method::POST, "/admin/tenants").json(&new_tenant("acme")).send().await.unwrap(),
        StatusCode::CONFLICT,
    )
    .await;
    let bad =
        admin(Method::POST, "/admin/tenants").json(&json!({"tenant_id": "a b", "name": "x"})).send().await.unwrap();
    problem(bad, StatusCode::UNPROCESSABLE_ENTITY).await;
    let bad = admin(Method::POST, "/admin/tenants")
        .body("{")
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    problem(bad, StatusCode::BAD_REQUEST).await;
    problem(admin(Method::POST, "/admin/tenants").body("x").send().await.unwrap(), StatusCode::UNSUPPORTED_MEDIA_TYPE)
        .await;

    // settings: each is an event, read back from the tenant
    let res =
        admin(Method::PUT, "/admin/tenants/acme/token-lifetime").json(&json!({"minutes": 90})).send().await.unwrap();
    assert_eq!(res.json::<Value>().await.unwrap()["suite_token_minutes"], 90);
    let res =
        admin(Method::PUT, "/admin/tenants/acme/token-lifetime").json(&json!({"minutes": 0})).send().await.unwrap();
    problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    let branch = json!({"name": "Basel", "latitude": 47.56, "longitude": 7.59, "radius_km": 20.0, "hints": ["BS"]});
    let res = admin(Method::PUT, "/admin/tenants/acme/branches/basel").json(&branch).send().await.unwrap();
    assert_eq!(res.json::<Value>().await.unwrap()["branches"][0]["branch_id"], "basel");
    let res = app.get("/acme/front/branches/resolve?hint=bs").send().await.unwrap();
    assert_eq!(res.json::<Value>().await.unwrap()["branchId"], "basel", "the suite resolves it at once");
    let system = json!({"name": "Bikes", "linked_account": true});
    let res = admin(Method::PUT, "/admin/tenants/acme/systems/Bikes").json(&system).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let provider = json!({"issuer": "https://id.example", "audience": "acme", "jwks_url": "ftp://id.example/jwks"});
    let res = admin(Method::PUT, "/admin/tenants/acme/providers/oidc").json(&provider).send().await.unwrap();
    problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    problem(admin(Method::GET, "/admin/tenants/nowhere").send().await.unwrap(), StatusCode::NOT_FOUND).await;
    let res =
        admin(Method::PUT, "/admin/tenants/nowhere/token-lifetime").json(&json!({"minutes": 5})).send().await.unwrap();
    problem(res, StatusCode::NOT_FOUND).await;

    // a partner: its keys work, rotate (the old ones stop), and a revocation ends its tokens
    let res = admin(Method::POST, "/admin/tenants/acme/partners")
        .json(&json!({"partner_id": "acme-app", "name": "Acme app"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let keys: Value = res.json().await.unwrap();
    let create_jwt = |keys: &Value| {
        let url = app.url(&format!("/v1/users/create_jwt?access_key={}", keys["access_key"].as_str().unwrap()));
        app.client
            .post(url)
            .bearer_auth(keys["server_token"].as_str().unwrap())
            .json(&json!({"email": "p@example.com"}))
            .send()
    };
    let token = jwt_of(create_jwt(&keys).await.unwrap()).await;
    let current = |keys: &Value, token: &str| {
        let url = app.url(&format!("/v1/users/user/current?access_key={}", keys["access_key"].as_str().unwrap()));
        app.client.get(url).bearer_auth(token.to_owned()).send()
    };
    assert_eq!(current(&keys, &token).await.unwrap().status(), StatusCode::OK);
    let res = admin(Method::POST, "/admin/tenants/acme/partners/acme-app/keys").send().await.unwrap();
    let rotated: Value = res.json().await.unwrap();
    assert_ne!(create_jwt(&keys).await.unwrap().status(), StatusCode::OK, "the old keys stop working");
    let token = jwt_of(create_jwt(&rotated).await.unwrap()).await;
    assert_eq!(current(&rotated, &token).await.unwrap().status(), StatusCode::OK);
    let res = admin(Method::DELETE, "/admin/tenants/acme/partners/acme-app").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_ne!(current(&rotated, &token).await.unwrap().status(), StatusCode::OK, "its tokens end with it");
    problem(admin(Method::DELETE, "/admin/tenants/acme/partners/acme-app").send().await.unwrap(), StatusCode::CONFLICT)
        .await;
    let again = admin(Method::POST, "/admin/tenants/acme/partners")
        .json(&json!({"partner_id": "acme-app", "name": "x"}))
        .send()
        .await
        .unwrap();
    problem(again, StatusCode::CONFLICT).await;
    let tenant: Value = admin(Method::GET, "/admin/tenants/acme").send().await.unwrap().json().await.unwrap();
    assert_eq!(tenant["partners"], json!([]));

    // every change was an event by this key
    let by_operator = app
        .count(
            "select count(*) from events where stream_id = 'catalog-acme' and cast(metadata as text) like '%admin:%'",
        )
        .await;
    assert_eq!(by_operator, 7, "created, lifetime, branch, system, registered, rotated, revoked");
    // a new signing key signs the next tokens
    let before = app.signing_kid();
    let res = admin(Method::POST, "/admin/signing-keys").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let kid = res.json::<Value>().await.unwrap()["signing_kid"].as_str().unwrap().to_owned();
    assert_ne!(kid, before);
    assert_eq!(app.signing_kid(), kid);
});

both_engines!(an_operator_erases_a_user_on_request_unless_a_hold_keeps_the_account, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let (_, operator) = created_key(&app, "operator").await;
    let (_, auditor) = created_key(&app, "auditor").await;
    let token = app.coord().token_for("forget-me@example.com").await;
    let user_id = tests::claims(&token)["sub"].as_str().unwrap().to_owned();
    let erase =
        |key: &str, id: &str| app.post(&format!("/admin/users/{id}/erasure")).bearer_auth(key.to_owned()).send();
    problem(erase(&auditor, &user_id).await.unwrap(), StatusCode::FORBIDDEN).await;
    assert_eq!(erase(&operator, &user_id).await.unwrap().status(), StatusCode::NO_CONTENT);
    let state: Value = app
        .get(&format!("/admin/users/{user_id}/state"))
        .bearer_auth(&auditor)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!((state["state"]["erased"].as_bool(), state["state"]["email"].as_str()), (Some(true), None));
    assert_eq!(app.coord().current_user(&token).await.status(), StatusCode::UNAUTHORIZED, "its sessions ended");
    let erased = app.stream(&format!("user-{user_id}")).await;
    assert!(erased.last().unwrap().metadata.actor.as_deref().unwrap().starts_with("admin:"));
    problem(erase(&operator, &uuid::Uuid::now_v7().to_string()).await.unwrap(), StatusCode::NOT_FOUND).await;

    // a subscription keeps the account: refused, and nothing is written
    let ann = app.legacy().registered("ann").await;
    let ann_id: uuid::Uuid = ann["user"]["_id"].as_str().unwrap().parse().unwrap();
    let access = ann["access_token"].as_str().unwrap();
    app.payment(reqwest::Method::POST, access, "/").json(&json!({"token": "tok_visa"})).send().await.unwrap();
    let subscribe = || {
        let url = app.url(&format!("/admin/users/{ann_id}/subscriptions"));
        app.client
            .post(url)
            .bearer_auth(&operator)
            .header("Idempotency-Key", "pass-1")
            .json(&json!({"plan": "price_pass"}))
            .send()
    };
    let res = subscribe().await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let sub: Value = res.json().await.unwrap();
    let again: Value = subscribe().await.unwrap().json().await.unwrap();
    assert_eq!(again["subscription_id"], sub["subscription_id"], "a retry with the same key starts one subscription");
    assert_eq!(sub["status"], "active");
    let before = app.event_count().await;
    let body = problem(erase(&operator, &ann_id.to_string()).await.unwrap(), StatusCode::CONFLICT).await;
    assert!(body["detail"].as_str().unwrap().contains("active_subscription"), "{body}");
    assert_eq!(app.event_count().await, before);
    // cancelled, the account can go
    let cancel = |id: &str| {
        app.client.delete(app.url(&format!("/admin/users/{ann_id}/subscriptions/{id}"))).bearer_auth(&operator).send()
    };
    problem(cancel("sub_nope").await.unwrap(), StatusCode::NOT_FOUND).await;
    assert_eq!(cancel(sub["subscription_id"].as_str().unwrap()).await.unwrap().status(), StatusCode::NO_CONTENT);
    assert_eq!(erase(&operator, &ann_id.to_string()).await.unwrap().status(), StatusCode::NO_CONTENT);
});
