//! The coord slice over real HTTP, on both engines.
#![allow(clippy::unwrap_used)]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use store::Checkpoint;
use tests::coord::{coord_error, jwt_of};
use tests::{Engine, TestApp, both_engines, claims};

both_engines!(a_test_jwt_is_an_eddsa_token_verifiable_with_the_jwks, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let coord = app.coord();
    let token = coord.token_for("foo@bar.com").await;
    let header = jsonwebtoken::decode_header(&token).unwrap();
    assert_eq!(header.alg, Algorithm::EdDSA);
    let jwks: Value = app.get("/.well-known/jwks.json").send().await.unwrap().json().await.unwrap();
    let jwk = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"].as_str() == header.kid.as_deref())
        .expect("kid in JWKS");
    let key = DecodingKey::from_ed_components(jwk["x"].as_str().unwrap()).unwrap();
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.set_audience(&["coord"]);
    let data = jsonwebtoken::decode::<Value>(&token, &key, &validation).unwrap();
    let c = data.claims;
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 3600, "coord tokens last one hour");
    assert_eq!(
        (c["test"].as_bool(), c["tenant"].as_str(), c["iss"].as_str()),
        (Some(true), Some("demo"), Some("users-api"))
    );
    assert!(uuid::Uuid::parse_str(c["sub"].as_str().unwrap()).is_ok());
});

both_engines!(the_same_partner_and_email_always_resolve_to_the_same_user, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let coord = app.coord();
    let a = claims(&coord.token_for("Foo@Bar.com").await)["sub"].clone();
    let b = claims(&coord.token_for("  foo@bar.COM ").await)["sub"].clone();
    let other = claims(&coord.token_for("someone@else.com").await)["sub"].clone();
    assert_eq!(a, b);
    assert_ne!(a, other);

    // external uid: linked on first mention, then resolves the user by itself
    let res = coord.create_test_jwt(json!({"email": "foo@bar.com", "external_uid": "1234"})).await;
    assert_eq!(claims(&jwt_of(res).await)["sub"], a);
    let res = coord.create_test_jwt(json!({"email": "changed@bar.com", "external_uid": "1234"})).await;
    assert_eq!(claims(&jwt_of(res).await)["sub"], a);
    // the same email with another external uid is a conflict, not a silent re-link
    assert_eq!(
        coord_error(coord.create_test_jwt(json!({"email": "foo@bar.com", "external_uid": "999"})).await).await,
        (StatusCode::CONFLICT, "conflict".into())
    );
});

both_engines!(concurrent_first_sight_creates_one_user, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let coord = app.coord();
    let calls = (0..12).map(|_| coord.create_test_jwt(json!({"email": "race@bar.com", "external_uid": "r-1"})));
    let responses = futures_join_all(calls).await;
    let mut subs = BTreeSet::new();
    for res in responses {
        assert_eq!(res.status(), 200);
        subs.insert(claims(&jwt_of(res).await)["sub"].to_string());
    }
    assert_eq!(subs.len(), 1, "{subs:?}");
    let user = subs.into_iter().next().unwrap().trim_matches('"').to_owned();
    let history = app.stream(&format!("user-{user}")).await;
    assert_eq!(history.iter().map(|e| e.event_type.as_str()).collect::<Vec<_>>(), vec!["UserRegistered"]);
});

async fn futures_join_all<F: std::future::Future>(futures: impl Iterator<Item = F>) -> Vec<F::Output> {
    let mut out = Vec::new();
    let handles: Vec<_> = futures.map(Box::pin).collect();
    // poll them concurrently on this task
    let mut pending: Vec<_> = handles.into_iter().map(Some).collect();
    let mut results: Vec<Option<F::Output>> = (0..pending.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut done = true;
        for (i, slot) in pending.iter_mut().enumerate() {
            if let Some(f) = slot {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => {
                        results[i] = Some(v);
                        *slot = None;
                    }
                    std::task::Poll::Pending => done = false,
                }
            }
        }
        if done { std::task::Poll::Ready(()) } else { std::task::Poll::Pending }
    })
    .await;
    for r in results {
        out.push(r.unwrap());
    }
    out
}

both_engines!(the_vehicle_is_echoed_and_visible_in_the_current_user, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let coord = app.coord();
    let token = coord.token_for("car@owner.com").await;
    let fresh: Value = coord.current_user(&token).await.json().await.unwrap();
    assert_eq!(fresh["email"], "car@owner.com");
    assert!(fresh.get("vehicle").is_none(), "no vehicle key before one is set: {fresh}");
    assert!(fresh["transactable_systems"].is_array(), "the tenant's systems (account_linking.rs): {fresh}");

    let plate = json!({"license_plate": {"text": "123abc", "country": "US", "subdivision": "NY"}});
    let res = coord.put_vehicle(&token, plate).await;
    assert_eq!(res.status(), 200);
    let expected = json!({"license_plate": {"text": "123abc", "country": "us", "subdivision": "ny"}});
    assert_eq!(res.json::<Value>().await.unwrap(), expected);
    let current: Value = coord.current_user(&token).await.json().await.unwrap();
    assert_eq!(current["vehicle"], expected);

    // the seed's older name for the same operation
    let res = coord.update_vehicle(&token, json!({"license_plate": {"text": "XY-77", "country": "de"}})).await;
    assert_eq!(res.status(), 200);
    let current: Value = coord.current_user(&token).await.json().await.unwrap();
    assert_eq!(current["vehicle"], json!({"license_plate": {"text": "XY-77", "country": "de"}}));
});

both_engines!(events_carry_coord_metadata_and_a_repeated_plate_appends_nothing, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let coord = app.coord();
    let token = coord.token_for("audit@me.com").await;
    let user = claims(&token)["sub"].as_str().unwrap().to_owned();
    let plate = json!({"license_plate": {"text": "A1", "country": "nl"}});
    for _ in 0..3 {
        assert_eq!(coord.put_vehicle(&token, plate.clone()).await.status(), 200);
    }
    let res = app
        .client
        .put(coord.url("/user/current/vehicle"))
        .bearer_auth(&token)
        .header("x-request-id", "req-42")
        .json(&json!({"license_plate": {"text": "B2", "country": "nl"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "req-42");
    let history = app.stream(&format!("user-{user}")).await;
    assert_eq!(
        history.iter().map(|e| e.event_type.as_str()).collect::<Vec<_>>(),
        vec!["UserRegistered", "VehicleChanged", "VehicleChanged"]
    );
    let last = &history[2].metadata;
    assert_eq!(
        (last.dialect.as_deref(), last.tenant.as_deref(), last.request_id.as_deref()),
        (Some("coord"), Some("demo"), Some("req-42"))
    );
    assert_eq!(last.actor.as_deref(), Some(format!("user:{user}").as_str()));
    assert_eq!(history[0].metadata.actor.as_deref(), Some("partner:demo-partner"));
    // correlation follows the request, causation names the command
    assert_eq!(last.correlation_id.as_deref(), Some("req-42"));
    let causes: BTreeSet<_> = history.iter().map(|e| e.metadata.causation_id.clone().expect("causation id")).collect();
    assert_eq!(causes.len(), 3, "each command has its own id");
});

both_engines!(bad_requests_get_coord_errors_and_append_nothing, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let coord = app.coord();
    let token = coord.token_for("bad@input.com").await;
    let user = claims(&token)["sub"].as_str().unwrap().to_owned();
    let before = app.stream(&format!("user-{user}")).await.len();

    let invalid_plates = [
        (json!({"license_plate": {"text": "", "country": "us"}}), "invalid_license_plate"),
        (json!({"license_plate": {"text": "ab$cd", "country": "us"}}), "invalid_license_plate"),
        (json!({"license_plate": {"text": "abc", "country": "usa"}}), "invalid_license_plate"),
        (
            json!({"license_plate": {"text": "abc", "country": "us", "subdivision": "new york"}}),
            "invalid_license_plate",
        ),
        (json!({"license_plate": {"text": "abc"}}), "invalid_body"),
        (json!({"plate": "abc"}), "invalid_body"),
        (json!([1, 2]), "invalid_body"),
    ];
    for (body, code) in invalid_plates {
        assert_eq!(
            coord_error(coord.put_vehicle(&token, body).await).await,
            (StatusCode::BAD_REQUEST, code.to_owned())
        );
    }
    let res = app
        .client
        .put(coord.url("/user/current/vehicle"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(coord_error(res).await, (StatusCode::BAD_REQUEST, "invalid_body".into()));
    let res = app.client.put(coord.url("/user/current/vehicle")).bearer_auth(&token).body("text").send().await.unwrap();
    assert_eq!(coord_error(res).await, (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type".into()));
    let huge = format!(r#"{{"license_plate": {{"text": "{}", "country": "us"}}}}"#, "A".repeat(3 * 1024 * 1024));
    // its own connection: the server may close the one it refused 3 MiB on, while a pool would
    // still offer it to the next request
    let res = reqwest::Client::new()
        .put(coord.url("/user/current/vehicle"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(coord_error(res).await, (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large".into()));
    let long_key = format!("{}/v1/users/user/current?access_key={}", app.address, "k".repeat(8_000));
    assert_eq!(
        coord_error(app.client.get(long_key).bearer_auth(&token).send().await.unwrap()).await,
        (StatusCode::UNAUTHORIZED, "invalid_access_key".into())
    );
    assert_eq!(app.stream(&format!("user-{user}")).await.len(), before, "failed commands append nothing");

    for (body, code) in [
        (json!({}), "invalid_body"),
        (json!({"email": "not-an-email"}), "invalid_email"),
        (json!({"email": 5}), "invalid_body"),
        (json!({"email": "a@b.co", "external_uid": ""}), "invalid_external_uid"),
    ] {
        assert_eq!(coord_error(coord.create_test_jwt(body).await).await, (StatusCode::BAD_REQUEST, code.to_owned()));
    }
});

both_engines!(partner_keys_and_tokens_are_checked, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let coord = app.coord();
    let token = coord.token_for("keys@check.com").await;
    let base = format!("{}/v1/users", app.address);
    let c = &app.client;
    assert_eq!(
        coord_error(c.get(format!("{base}/user/current")).bearer_auth(&token).send().await.unwrap()).await,
        (StatusCode::UNAUTHORIZED, "missing_access_key".into())
    );
    assert_eq!(
        coord_error(c.get(format!("{base}/user/current?access_key=")).bearer_auth(&token).send().await.unwrap()).await,
        (StatusCode::UNAUTHORIZED, "missing_access_key".into())
    );
    assert_eq!(
        coord_error(c.get(format!("{base}/user/current?access_key=wrong")).bearer_auth(&token).send().await.unwrap())
            .await,
        (StatusCode::UNAUTHORIZED, "invalid_access_key".into())
    );
    let res = c
        .post(format!("{base}/testing/create_jwt?access_key=wrong"))
        .json(&json!({"email": "a@b.co"}))
        .send()
        .await
        .unwrap();
    assert_eq!(coord_error(res).await, (StatusCode::UNAUTHORIZED, "invalid_access_key".into()));
    assert_eq!(
        coord_error(c.get(coord.url("/user/current")).send().await.unwrap()).await,
        (StatusCode::UNAUTHORIZED, "missing_token".into())
    );
    assert_eq!(
        coord_error(c.get(coord.url("/user/current")).header("authorization", "Basic abc").send().await.unwrap()).await,
        (StatusCode::UNAUTHORIZED, "malformed_token".into())
    );
    assert_eq!(
        coord_error(coord.current_user("not.a.jwt").await).await,
        (StatusCode::UNAUTHORIZED, "malformed_token".into())
    );
    assert_eq!(
        coord_error(coord.current_user("garbage").await).await,
        (StatusCode::UNAUTHORIZED, "malformed_token".into())
    );
    assert_eq!(
        coord_error(c.get(coord.url("/nope")).send().await.unwrap()).await,
        (StatusCode::NOT_FOUND, "not_found".into())
    );
    assert_eq!(
        coord_error(c.delete(coord.url("/user/current")).send().await.unwrap()).await,
        (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed".into())
    );
});

both_engines!(forged_expired_and_foreign_tokens_are_refused, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let coord = app.coord();
    let token = coord.token_for("forge@check.com").await;
    let header = jsonwebtoken::decode_header(&token).unwrap();
    let kid = header.kid.clone().unwrap();
    let claims = claims(&token);
    let now = chrono::Utc::now().timestamp();
    let refused = async |token: &str| coord_error(coord.current_user(token).await).await;
    let b64 = |v: &Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap());

    // alg none: not even a header this service can parse
    let none = format!("{}.{}.", b64(&json!({"alg": "none", "typ": "JWT", "kid": kid})), b64(&claims));
    assert_eq!(refused(&none).await, (StatusCode::UNAUTHORIZED, "malformed_token".into()));

    // HS256 "signed" with the public key from the JWKS
    let jwks: Value = app.get("/.well-known/jwks.json").send().await.unwrap().json().await.unwrap();
    let x = jwks["keys"][0]["x"].as_str().unwrap();
    let mut hs = Header::new(Algorithm::HS256);
    hs.kid = Some(kid.clone());
    let hs_token = jsonwebtoken::encode(&hs, &claims, &EncodingKey::from_secret(x.as_bytes())).unwrap();
    assert_eq!(refused(&hs_token).await, (StatusCode::UNAUTHORIZED, "invalid_token".into()));

    // signed by a foreign Ed25519 key, with our kid and with an unknown kid
    use ed25519_dalek::pkcs8::EncodePrivateKey;
    let foreign = ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng);
    let foreign_key = EncodingKey::from_ed_der(foreign.to_pkcs8_der().unwrap().as_bytes());
    for k in [kid.clone(), "unknown-kid".to_owned()] {
        let mut h = Header::new(Algorithm::EdDSA);
        h.kid = Some(k);
        let forged = jsonwebtoken::encode(&h, &claims, &foreign_key).unwrap();
        assert_eq!(refused(&forged).await, (StatusCode::UNAUTHORIZED, "invalid_token".into()));
    }

    // tampered claims under a real signature
    let parts: Vec<&str> = token.split('.').collect();
    let mut elevated = claims.clone();
    elevated["sub"] = json!(uuid::Uuid::new_v4().to_string());
    let tampered = format!("{}.{}.{}", parts[0], b64(&elevated), parts[2]);
    assert_eq!(refused(&tampered).await, (StatusCode::UNAUTHORIZED, "invalid_token".into()));

    // real key, but expired, not yet valid, wrong audience or issued to another partner
    let mint = |edit: &dyn Fn(&mut Value)| {
        let mut c = claims.clone();
        edit(&mut c);
        app.sign_claims(&c)
    };
    let expired = mint(&|c| {
        c["iat"] = json!(now - 7200);
        c["exp"] = json!(now - 3600);
    });
    assert_eq!(refused(&expired).await, (StatusCode::UNAUTHORIZED, "expired_token".into()));
    let not_yet_valid = mint(&|c| {
        c["iat"] = json!(now + 3600);
        c["exp"] = json!(now + 7200);
    });
    assert_eq!(refused(&not_yet_valid).await, (StatusCode::UNAUTHORIZED, "invalid_token".into()));
    let wrong_aud = mint(&|c| c["aud"] = json!("suite"));
    assert_eq!(refused(&wrong_aud).await, (StatusCode::UNAUTHORIZED, "invalid_token".into()));
    let wrong_iss = mint(&|c| c["iss"] = json!("someone-else"));
    assert_eq!(refused(&wrong_iss).await, (StatusCode::UNAUTHORIZED, "invalid_token".into()));
    let other_partner = mint(&|c| c["azp"] = json!("other-partner"));
    assert_eq!(refused(&other_partner).await, (StatusCode::FORBIDDEN, "foreign_token".into()));
    let other_tenant = mint(&|c| c["tenant"] = json!("other-tenant"));
    assert_eq!(refused(&other_tenant).await, (StatusCode::FORBIDDEN, "foreign_token".into()));
    // a real key cannot move a session to another user, nor invent a session
    let other_user = mint(&|c| c["sub"] = json!(uuid::Uuid::new_v4().to_string()));
    assert_eq!(refused(&other_user).await, (StatusCode::UNAUTHORIZED, "invalid_token".into()));
    let unknown_session = mint(&|c| c["sid"] = json!(uuid::Uuid::now_v7().to_string()));
    assert_eq!(refused(&unknown_session).await, (StatusCode::UNAUTHORIZED, "session_ended".into()));

    // and the genuine token still works
    assert_eq!(coord.current_user(&token).await.status(), 200);
});

both_engines!(test_users_never_resolve_to_production_users, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let coord = app.coord();
    let test_user = claims(&coord.token_for("same@person.com").await)["sub"].clone();
    let partner = commands::user::PartnerRef { tenant_id: "demo".into(), partner_id: "demo-partner".into() };
    let email = domain::values::Email::parse("same@person.com").unwrap();
    let live_user = app
        .state
        .users
        .resolve_through_partner(&partner, &email, None, false, chrono::Utc::now(), &store::Metadata::default())
        .await
        .unwrap();
    assert_ne!(test_user, json!(live_user.to_string()));
});

both_engines!(rebuilt_read_models_equal_the_live_ones, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let coord = app.coord();
    for i in 0..15 {
        let token = coord.token_for(&format!("user{i}@fleet.com")).await;
        if i % 2 == 0 {
            let body = json!({"license_plate": {"text": format!("P{i}"), "country": "us", "subdivision": "ca"}});
            assert_eq!(coord.put_vehicle(&token, body).await.status(), 200);
        }
    }
    let store = app.state.store.clone();
    // wait until the catch-up projection has applied every event
    let head = tests::eventually(20, || {
        let store = store.clone();
        async move {
            // every committed event (the table, ungated) is readable and projected
            let (total,): (i64,) =
                store.db().fetch_optional("select count(*) from events", &[]).await.unwrap().unwrap();
            let all = store.read_all(Checkpoint::default(), 10_000).await.unwrap();
            let cp = store.checkpoint("user_signups_daily").await.unwrap();
            all.len() as i64 == total && cp == all.last().map(|e| e.checkpoint())
        }
    })
    .await;
    assert!(head, "catch-up projection reached the head");
    let count: Vec<(i64,)> =
        store.db().fetch_all("select cast(sum(test_users) as bigint) from user_signups_daily", &[]).await.unwrap();
    assert_eq!(count[0].0, 15);

    for projector in projections::all() {
        let report = store.rebuild(projector.clone()).await.unwrap();
        assert!(report.matched_live(), "{report:?}");
        assert!(report.tables.iter().all(|t| t.live_rows == t.rebuilt_rows));
    }
    // rebuilding again keeps one index per definition, under its live name
    let catalog = projections::by_name("catalog").unwrap();
    assert!(store.rebuild(catalog.clone()).await.unwrap().matched_live());
    let index_sql = match engine {
        Engine::Sqlite => {
            "select name from sqlite_master where type = 'index' and tbl_name = 'catalog_partners' and sql is not null"
        }
        Engine::Postgres => {
            "select indexname from pg_indexes where tablename = 'catalog_partners' and indexname not like '%pkey'"
        }
    };
    let indexes: Vec<(String,)> = store.db().fetch_all(index_sql, &[]).await.unwrap();
    assert_eq!(indexes, vec![("catalog_partners_access_key".to_owned(),)]);
    // inline projections keep no checkpoint; catch-up ones resume where the rebuild stopped
    assert_eq!(store.checkpoint("user_view").await.unwrap(), None);
    assert!(store.checkpoint("user_signups_daily").await.unwrap().is_some());

    // a damaged live row is found by the comparison and repaired by the swap
    store
        .db()
        .execute("update user_view set email = 'wrong@x.com' where email = 'user3@fleet.com'", &[])
        .await
        .unwrap();
    let report = store.rebuild(projections::by_name("user_view").unwrap()).await.unwrap();
    assert!(!report.matched_live());
    assert_eq!((report.tables[0].only_live, report.tables[0].only_rebuilt), (1, 1));
    let repaired: Vec<(String,)> =
        store.db().fetch_all("select email from user_view where email like 'user3@%'", &[]).await.unwrap();
    assert_eq!(repaired, vec![("user3@fleet.com".to_owned(),)]);
    // a lost live row and a stray one are each found and undone
    let user_view = projections::by_name("user_view").unwrap();
    store.db().execute("delete from user_view where email = 'user3@fleet.com'", &[]).await.unwrap();
    let report = store.rebuild(user_view.clone()).await.unwrap();
    assert_eq!((report.tables[0].only_live, report.tables[0].only_rebuilt), (0, 1));
    assert_eq!(report.tables[0].live_rows + 1, report.tables[0].rebuilt_rows);
    let stray = "insert into user_view (user_id, tenant_id, partner_id, email, test_user, registered_at, updated_at, \
                 stream_version) select 'stray', tenant_id, partner_id, 'stray@x.com', test_user, registered_at, \
                 updated_at, stream_version from user_view where email = 'user3@fleet.com'";
    store.db().execute(stray, &[]).await.unwrap();
    let report = store.rebuild(user_view.clone()).await.unwrap();
    assert_eq!((report.tables[0].only_live, report.tables[0].only_rebuilt), (1, 0));
    let rebuilt = store.rebuild(user_view.clone()).await.unwrap();
    assert!(rebuilt.matched_live(), "{rebuilt:?}");
    // the API keeps working on the swapped tables
    let token = coord.token_for("user3@fleet.com").await;
    assert_eq!(coord.current_user(&token).await.json::<Value>().await.unwrap()["email"], "user3@fleet.com");
    assert!(store.verify().await.unwrap().first_broken.is_none());
});

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = TestApp::spawn(Engine::Sqlite).await;
    let health: Value = app.get("/healthz").send().await.unwrap().json().await.unwrap();
    assert_eq!(health["status"], "ok");
    let ready = app.get("/readyz").send().await.unwrap();
    assert_eq!(ready.status(), 200);
}

both_engines!(instances_starting_together_share_one_signing_key, |engine| async move {
    let scratch = tests::Scratch::new();
    let url = tests::database_url(engine, &scratch).await;
    let store = tests::open_store(engine, &url, store::StoreOptions::default()).await;
    let keys = || -> std::sync::Arc<dyn commands::ports::KeyStore> {
        std::sync::Arc::new(adapters::keys::SqlKeyStore::new(store.db().clone(), &[9u8; 32]))
    };
    let (a, b) = tokio::join!(
        api::tokens::TokenService::load_or_create(keys()),
        api::tokens::TokenService::load_or_create(keys())
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.jwks(), b.jwks());
    assert_eq!(a.jwks()["keys"].as_array().unwrap().len(), 1);
    let claims = api::tokens::TokenService::claims(
        "u",
        "t",
        "p",
        uuid::Uuid::now_v7(),
        "coord",
        true,
        chrono::Utc::now(),
        chrono::Duration::minutes(5),
    );
    assert_eq!(b.verify(&a.mint(&claims).unwrap(), "coord").await.unwrap(), claims);
});
