//! The suite dialect's sign-up, sign-in, refresh rotation and logout, and coord's production
//! `create_jwt`, black-box over HTTP on both engines.
#![allow(clippy::unwrap_used)]

use base64::Engine as _;
use commands::catalog::PartnerSeed;
use reqwest::StatusCode;
use serde_json::{Value, json};
use store::Metadata;
use tests::{TestApp, both_engines};

const PASSWORD: &str = "correct horse battery";

fn suite(app: &TestApp, tenant: &str, path: &str) -> String {
    app.url(&format!("/{tenant}{path}"))
}

async fn sign_up(app: &TestApp, tenant: &str, body: Value) -> reqwest::Response {
    app.client.post(suite(app, tenant, "/front/customers")).json(&body).send().await.unwrap()
}

async fn sign_in(app: &TestApp, tenant: &str, email: &str, password: &str) -> reqwest::Response {
    let body = json!({ "email": email, "password": password });
    app.client.post(suite(app, tenant, "/auth/sign-in-email")).json(&body).send().await.unwrap()
}

/// Sign up and sign in; the token pair.
async fn signed_in(app: &TestApp, tenant: &str, email: &str) -> (String, String) {
    assert_eq!(sign_up(app, tenant, json!({ "email": email, "password": PASSWORD })).await.status(), 201);
    let res = sign_in(app, tenant, email, PASSWORD).await;
    assert_eq!(res.status(), 200);
    let tokens: Value = res.json().await.unwrap();
    (tokens["accessToken"].as_str().unwrap().to_owned(), tokens["refreshToken"].as_str().unwrap().to_owned())
}

async fn refresh(app: &TestApp, tenant: &str, token: &str) -> reqwest::Response {
    let body = json!({ "refreshToken": token });
    app.client.post(suite(app, tenant, "/auth/refresh-token")).json(&body).send().await.unwrap()
}

async fn customer(app: &TestApp, tenant: &str, access: &str) -> reqwest::Response {
    app.client.get(suite(app, tenant, "/front/customers")).bearer_auth(access).send().await.unwrap()
}

/// Status and suite error code of a response, checking the body's shape on the way.
async fn error_of(res: reqwest::Response) -> (StatusCode, String) {
    let status = res.status();
    let trace = res.headers().get("x-request-id").map(|v| v.to_str().unwrap().to_owned());
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["httpStatus"], status.as_u16(), "{body}");
    assert!(body["userMessage"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
    assert_eq!(body["traceId"].as_str(), trace.as_deref(), "traceId is the request id: {body}");
    assert!(body.as_object().unwrap().values().all(|v| !v.is_null()), "nulls are left out: {body}");
    (status, body["errorCode"].as_str().unwrap().to_owned())
}

fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

both_engines!(a_customer_signs_up_signs_in_and_reads_itself, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let res = sign_up(
        &app,
        "demo",
        json!({"email": "Ann@Example.com", "password": PASSWORD, "firstName": " Ann ", "language": "de"}),
    )
    .await;
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["email"], "ann@example.com");
    assert_eq!(created["firstName"], "Ann");
    assert!(created.get("lastName").is_none(), "null fields are left out: {created}");

    let again = sign_up(&app, "demo", json!({"email": "ann@example.com", "password": "another password"})).await;
    assert_eq!(error_of(again).await, (StatusCode::CONFLICT, "U102".into()));

    let res = sign_in(&app, "demo", "ANN@example.com", PASSWORD).await;
    assert_eq!(res.status(), 200);
    let tokens: Value = res.json().await.unwrap();
    let access = tokens["accessToken"].as_str().unwrap();
    let c = claims(access);
    assert_eq!(
        (c["sub"].as_str(), c["tenant"].as_str(), c["aud"].as_str()),
        (created["uuid"].as_str(), Some("demo"), Some("suite"))
    );
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 5 * 3600, "suite tokens live 5 hours");
    let me: Value = customer(&app, "demo", access).await.json().await.unwrap();
    assert_eq!(
        (me["uuid"].clone(), me["email"].clone(), me["language"].clone()),
        (created["uuid"].clone(), json!("ann@example.com"), json!("de"))
    );

    // a wrong password and an unknown email get the same answer
    assert_eq!(
        error_of(sign_in(&app, "demo", "ann@example.com", "wrong password").await).await,
        (StatusCode::UNAUTHORIZED, "A201".into())
    );
    assert_eq!(
        error_of(sign_in(&app, "demo", "nobody@example.com", PASSWORD).await).await,
        (StatusCode::UNAUTHORIZED, "A201".into())
    );
    assert_eq!(
        error_of(sign_in(&app, "demo", "not an email", PASSWORD).await).await,
        (StatusCode::UNAUTHORIZED, "A201".into())
    );

    // bad input: clear codes, nothing appended
    // counted in the table: a gated read on PostgreSQL may still hold back committed events
    let count = || async {
        let (n,): (i64,) = app.state.db().fetch_optional("select count(*) from events", &[]).await.unwrap().unwrap();
        n
    };
    let before = count().await;
    let short = sign_up(&app, "demo", json!({"email": "bob@example.com", "password": "short"})).await;
    assert_eq!(error_of(short).await, (StatusCode::BAD_REQUEST, "U101".into()));
    let bad_email = sign_up(&app, "demo", json!({"email": "bob@", "password": PASSWORD})).await;
    assert_eq!(error_of(bad_email).await, (StatusCode::BAD_REQUEST, "U130.3".into()));
    let no_password = sign_up(&app, "demo", json!({"email": "bob@example.com"})).await;
    assert_eq!(error_of(no_password).await, (StatusCode::BAD_REQUEST, "REQ400".into()));
    let not_json = app.client.post(suite(&app, "demo", "/front/customers")).body("email=x").send().await.unwrap();
    assert_eq!(error_of(not_json).await, (StatusCode::UNSUPPORTED_MEDIA_TYPE, "REQ415".into()));
    let nowhere = sign_up(&app, "no-such-tenant", json!({"email": "bob@example.com", "password": PASSWORD})).await;
    assert_eq!(error_of(nowhere).await, (StatusCode::NOT_FOUND, "T404".into()));
    let unknown_path = app.client.get(suite(&app, "demo", "/auth/nothing-here")).send().await.unwrap();
    assert_eq!(error_of(unknown_path).await, (StatusCode::NOT_FOUND, "REQ404".into()));
    assert_eq!(count().await, before);
});

both_engines!(refresh_tokens_rotate_and_a_spent_one_revokes_the_session, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let (access1, rt1) = signed_in(&app, "demo", "rota@example.com").await;

    let second: Value = refresh(&app, "demo", &rt1).await.json().await.unwrap();
    let rt2 = second["refreshToken"].as_str().unwrap().to_owned();
    let access2 = second["accessToken"].as_str().unwrap().to_owned();
    assert_ne!(rt2, rt1);
    assert_eq!(claims(&access2)["sid"], claims(&access1)["sid"], "one session");
    assert_eq!(customer(&app, "demo", &access2).await.status(), 200);

    // a retry with the immediate parent inside the grace: the same successor, nothing revoked
    let retry: Value = refresh(&app, "demo", &rt1).await.json().await.unwrap();
    assert_eq!(retry["refreshToken"], rt2.as_str());

    let third: Value = refresh(&app, "demo", &rt2).await.json().await.unwrap();
    let rt3 = third["refreshToken"].as_str().unwrap().to_owned();
    assert_ne!(rt3, rt2);
    // the catch-up activity view counts the two rotations (the retry recorded none)
    let sid = claims(&access1)["sid"].as_str().unwrap().to_owned();
    let counted = tests::eventually(10, || async {
        let row: Option<(i64, Option<String>)> = app
            .state
            .db()
            .fetch_optional(
                "select refreshes, last_refreshed_at from login_activity where session_id = $1",
                &store::args![sid.as_str()],
            )
            .await
            .unwrap();
        row.is_some_and(|(n, at)| n == 2 && at.is_some())
    })
    .await;
    assert!(counted, "login_activity shows 2 refreshes");

    // rt1 is now a grandparent: presenting it ends the session for everyone
    assert_eq!(error_of(refresh(&app, "demo", &rt1).await).await, (StatusCode::UNAUTHORIZED, "A206".into()));
    assert_eq!(error_of(refresh(&app, "demo", &rt3).await).await, (StatusCode::UNAUTHORIZED, "A205".into()));
    assert_eq!(error_of(customer(&app, "demo", &access2).await).await, (StatusCode::UNAUTHORIZED, "A204".into()));

    // tokens that were never issued
    let forged = format!("{}.{}", claims(&access1)["sid"].as_str().unwrap().replace('-', ""), "A".repeat(43));
    assert_eq!(error_of(refresh(&app, "demo", &forged).await).await, (StatusCode::UNAUTHORIZED, "A205".into()));
    assert_eq!(error_of(refresh(&app, "demo", "garbage").await).await, (StatusCode::UNAUTHORIZED, "A205".into()));
});

both_engines!(concurrent_refreshes_of_one_token_all_get_the_same_successor, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let (access, rt1) = signed_in(&app, "demo", "tabs@example.com").await;
    let app = std::sync::Arc::new(app);
    let calls = (0..8).map(|_| {
        let app = app.clone();
        let rt1 = rt1.clone();
        tokio::spawn(async move {
            let res = refresh(&app, "demo", &rt1).await;
            assert_eq!(res.status(), 200);
            res.json::<Value>().await.unwrap()["refreshToken"].as_str().unwrap().to_owned()
        })
    });
    let mut successors = Vec::new();
    for call in calls {
        successors.push(call.await.unwrap());
    }
    successors.dedup();
    assert_eq!(successors.len(), 1, "one successor for all: {successors:?}");
    assert_eq!(refresh(&app, "demo", &successors[0]).await.status(), 200, "and it works");
    // one rotation was recorded for the eight calls, one more for the last refresh
    let sid = claims(&access)["sid"].as_str().unwrap().to_owned();
    let rotations = app
        .state
        .store
        .read_stream(&format!("login-{sid}"), 0)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.event_type == "RefreshTokenRotated")
        .count();
    assert_eq!(rotations, 2);
});

both_engines!(logout_ends_the_session_at_once, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let (access, rt) = signed_in(&app, "demo", "bye@example.com").await;
    let (other_access, _) = {
        let res = sign_in(&app, "demo", "bye@example.com", PASSWORD).await;
        let t: Value = res.json().await.unwrap();
        (t["accessToken"].as_str().unwrap().to_owned(), ())
    };
    let logout = app.client.post(suite(&app, "demo", "/auth/logout")).bearer_auth(&access).send().await.unwrap();
    assert_eq!(logout.status(), 204);
    assert_eq!(error_of(customer(&app, "demo", &access).await).await, (StatusCode::UNAUTHORIZED, "A204".into()));
    assert_eq!(error_of(refresh(&app, "demo", &rt).await).await, (StatusCode::UNAUTHORIZED, "A205".into()));
    // another device's session of the same user is untouched
    assert_eq!(customer(&app, "demo", &other_access).await.status(), 200);
    let again = app.client.post(suite(&app, "demo", "/auth/logout")).bearer_auth(&access).send().await.unwrap();
    assert_eq!(error_of(again).await, (StatusCode::UNAUTHORIZED, "A204".into()));
    let anonymous = app.client.post(suite(&app, "demo", "/auth/logout")).send().await.unwrap();
    assert_eq!(error_of(anonymous).await, (StatusCode::UNAUTHORIZED, "A202".into()));
});

both_engines!(tokens_stay_in_their_tenant_and_dialect, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let seed = PartnerSeed {
        tenant_id: "other".into(),
        tenant_name: "Other operator".into(),
        partner_id: "other-partner".into(),
        partner_name: "Other partner".into(),
        access_key: "ak_other".into(),
        server_token: "st_other".into(),
    };
    app.state.catalog.ensure_partner(&seed, chrono::Utc::now(), &Metadata::default()).await.unwrap();
    let (other_access, other_rt) = signed_in(&app, "other", "same@example.com").await;
    let (demo_access, _) = signed_in(&app, "demo", "same@example.com").await;
    assert_ne!(claims(&other_access)["sub"], claims(&demo_access)["sub"], "one account per tenant");
    assert_eq!(error_of(customer(&app, "demo", &other_access).await).await, (StatusCode::FORBIDDEN, "A101".into()));
    assert_eq!(error_of(refresh(&app, "demo", &other_rt).await).await, (StatusCode::UNAUTHORIZED, "A205".into()));
    // a coord token is not a suite token, and the other way round
    let coord = app.token_for("same@example.com").await;
    assert_eq!(error_of(customer(&app, "demo", &coord).await).await, (StatusCode::UNAUTHORIZED, "A202".into()));
    let res = app.current_user(&demo_access).await;
    assert_eq!(res.status(), 401);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "invalid_token");
});

both_engines!(suite_errors_speak_the_callers_language, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let mut messages = Vec::new();
    for (language, expected) in [
        ("de-DE,de;q=0.9", "E-Mail oder Passwort ist falsch."),
        ("fr", "L'e-mail ou le mot de passe est incorrect."),
        ("es, nl;q=0.5", "Het e-mailadres of wachtwoord is onjuist."),
        ("ja", "The email or password is wrong."),
    ] {
        let res = app
            .client
            .post(suite(&app, "demo", "/auth/sign-in-email"))
            .header("accept-language", language)
            .json(&json!({"email": "x@example.com", "password": "whatever1"}))
            .send()
            .await
            .unwrap();
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["userMessage"], expected);
        messages.push(body["errorCode"].as_str().unwrap().to_owned());
    }
    assert!(messages.iter().all(|c| c == "A201"));
});

both_engines!(coord_create_jwt_needs_the_partners_server_token, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let mint = |token: Option<String>| {
        let mut req = app.client.post(app.coord("/create_jwt")).json(&json!({"email": "prod@fleet.com"}));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send()
    };
    let res = mint(Some(app.server_token.clone())).await.unwrap();
    assert_eq!(res.status(), 200);
    let jwt = res.json::<Value>().await.unwrap()["jwt_token"].as_str().unwrap().to_owned();
    assert_eq!(claims(&jwt)["test"], false);
    let me: Value = app.current_user(&jwt).await.json().await.unwrap();
    assert_eq!(me["email"], "prod@fleet.com");
    // the production user is not the test user of the same email
    let test = app.token_for("prod@fleet.com").await;
    assert_ne!(claims(&test)["sub"], claims(&jwt)["sub"]);

    let wrong = mint(Some("st_wrong".into())).await.unwrap();
    assert_eq!(wrong.status(), 403);
    assert_eq!(wrong.json::<Value>().await.unwrap()["code"], "invalid_server_token");
    // the token is checked before the body: a wrong token with a bad body is still a 403
    let bad_body = app.client.post(app.coord("/create_jwt")).bearer_auth("st_wrong").body("{").send().await.unwrap();
    assert_eq!(bad_body.status(), 403);
    let missing = mint(None).await.unwrap();
    assert_eq!(missing.status(), 401);
    assert_eq!(missing.json::<Value>().await.unwrap()["code"], "missing_token");

    // a revoked session refuses its token on the next request
    let sid = uuid::Uuid::parse_str(claims(&jwt)["sid"].as_str().unwrap()).unwrap();
    app.state
        .logins
        .revoke(sid, domain::login::RevocationReason::SignedOut, chrono::Utc::now(), &Metadata::default())
        .await
        .unwrap();
    let res = app.current_user(&jwt).await;
    assert_eq!(res.status(), 401);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "session_ended");
    assert_eq!(app.current_user(&test).await.status(), 200, "other sessions live on");
});

both_engines!(password_guessing_locks_the_account_and_floods_get_429, |engine| async move {
    let scratch = tests::Scratch::new();
    let mut settings = api::Settings::for_data_dir(scratch.0.join("data"));
    settings.database_url = Some(tests::database_url(engine, &scratch).await);
    settings.lockout_failures = 3;
    settings.sign_in_per_minute = 12;
    let app = TestApp::spawn_with(settings, scratch).await;
    let res = sign_up(&app, "demo", json!({"email": "victim@example.com", "password": PASSWORD})).await;
    assert_eq!(res.status(), 201);
    let victim = res.json::<Value>().await.unwrap()["uuid"].as_str().unwrap().to_owned();

    for _ in 0..2 {
        let res = sign_in(&app, "demo", "victim@example.com", "guess guess").await;
        assert_eq!(error_of(res).await, (StatusCode::UNAUTHORIZED, "A201".into()));
    }
    // the third failure locks; from then on even the right password is refused, with a wait
    let res = sign_in(&app, "demo", "victim@example.com", "guess guess").await;
    let retry: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
    assert_eq!(error_of(res).await, (StatusCode::FORBIDDEN, "U131".into()));
    let res = sign_in(&app, "demo", "victim@example.com", PASSWORD).await;
    assert!(res.headers().contains_key("retry-after"));
    assert_eq!(error_of(res).await, (StatusCode::FORBIDDEN, "U131".into()));
    let events = app.state.store.read_stream(&format!("user-{victim}"), 0).await.unwrap();
    assert_eq!(events.iter().filter(|e| e.event_type == "SignInFailed").count(), 3);
    assert_eq!(events.iter().filter(|e| e.event_type == "AccountLocked").count(), 1);
    // other accounts are not locked
    let (access, _) = signed_in(&app, "demo", "bystander@example.com").await;
    assert_eq!(customer(&app, "demo", &access).await.status(), 200);

    // this address has used 5 of its 12 attempts a minute (one more every 5 s): the flood that
    // follows is refused before any password check, with a wait
    let mut statuses = Vec::new();
    for i in 0..20 {
        let res = sign_in(&app, "demo", &format!("nobody{i}@example.com"), PASSWORD).await;
        statuses.push(res.status().as_u16());
        if res.status() == StatusCode::TOO_MANY_REQUESTS {
            assert!(res.headers().contains_key("retry-after"));
            assert_eq!(error_of(res).await.1, "REQ429");
            break;
        }
    }
    let allowed = statuses.iter().filter(|s| **s == 401).count();
    assert!((7..=12).contains(&allowed) && statuses.last() == Some(&429), "{statuses:?}");
});

fn code_at(secret: &str, unix_secs: i64) -> String {
    commands::twofactor::totp(secret, "t", "t").unwrap().generate(unix_secs as u64)
}

async fn two_factor(app: &TestApp, access: &str, path: &str, body: Option<Value>) -> reqwest::Response {
    let mut req = app.client.post(suite(app, "demo", &format!("/auth/user/{path}"))).bearer_auth(access);
    if let Some(b) = body {
        req = req.json(&b);
    }
    req.send().await.unwrap()
}

async fn validate(app: &TestApp, mfa_token: &str, code: &str) -> reqwest::Response {
    let body = json!({ "mfaToken": mfa_token, "code": code });
    app.client.post(suite(app, "demo", "/auth/user/2fa-code-validate")).json(&body).send().await.unwrap()
}

async fn mfa_token(app: &TestApp, email: &str) -> String {
    let res = sign_in(app, "demo", email, PASSWORD).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["mfaRequired"], true, "{body}");
    assert!(body.get("accessToken").is_none(), "no tokens before the second factor: {body}");
    body["mfaToken"].as_str().unwrap().to_owned()
}

both_engines!(totp_two_factor_sign_in, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let (access, _) = signed_in(&app, "demo", "totp@example.com").await;

    assert_eq!(
        error_of(two_factor(&app, &access, "2fa-qr-code", None).await).await,
        (StatusCode::CONFLICT, "A209".into())
    );
    let issued: Value = two_factor(&app, &access, "2fa-secret", None).await.json().await.unwrap();
    let secret = issued["secret"].as_str().unwrap().to_owned();
    assert!(
        issued["otpauthUrl"].as_str().unwrap().starts_with("otpauth://totp/Users%20API:totp%40example.com?secret=")
    );
    let qr = two_factor(&app, &access, "2fa-qr-code", None).await;
    assert_eq!(qr.headers()["content-type"], "image/png");
    assert!(qr.bytes().await.unwrap().starts_with(b"\x89PNG\r\n\x1a\n"));

    let wrong = two_factor(&app, &access, "2fa-enable", Some(json!({"code": "000000"}))).await;
    assert_eq!(error_of(wrong).await, (StatusCode::UNAUTHORIZED, "A207".into()));
    // codes from fixed instants: a test that crosses a 30 s boundary still means the same steps
    let t0 = chrono::Utc::now().timestamp();
    let first = code_at(&secret, t0);
    let on = two_factor(&app, &access, "2fa-enable", Some(json!({"code": first}))).await;
    assert_eq!(on.status(), 200);
    let recovery: Vec<String> =
        serde_json::from_value(on.json::<Value>().await.unwrap()["recoveryCodes"].clone()).unwrap();
    assert_eq!(recovery.len(), 10);
    let again = two_factor(&app, &access, "2fa-secret", None).await;
    assert_eq!(error_of(again).await, (StatusCode::CONFLICT, "A208".into()));

    // the password alone now yields an mfaToken, which is no access token
    let mfa = mfa_token(&app, "totp@example.com").await;
    assert_eq!(error_of(customer(&app, "demo", &mfa).await).await, (StatusCode::UNAUTHORIZED, "A202".into()));
    assert_eq!(error_of(validate(&app, &mfa, "000000").await).await, (StatusCode::UNAUTHORIZED, "A207".into()));
    // the confirming code's step is spent; the next step's code (one step of skew) works, once
    assert_eq!(error_of(validate(&app, &mfa, &first).await).await.1, "A207");
    let next = code_at(&secret, t0 + 30);
    let res = validate(&app, &mfa, &next).await;
    assert_eq!(res.status(), 200);
    let tokens: Value = res.json().await.unwrap();
    assert_eq!(customer(&app, "demo", tokens["accessToken"].as_str().unwrap()).await.status(), 200);
    // the mfaToken is spent: another valid factor cannot open a second session with it
    assert_eq!(error_of(validate(&app, &mfa, &recovery[0]).await).await.1, "A210");
    let replay = validate(&app, &mfa_token(&app, "totp@example.com").await, &next).await;
    assert_eq!(error_of(replay).await, (StatusCode::UNAUTHORIZED, "A207".into()));

    // a recovery code works once, in any case
    let mfa = mfa_token(&app, "totp@example.com").await;
    assert_eq!(validate(&app, &mfa, &recovery[3].to_uppercase()).await.status(), 200);
    assert_eq!(error_of(validate(&app, &mfa, &recovery[3]).await).await.1, "A210", "that mfaToken is spent");
    let mfa = mfa_token(&app, "totp@example.com").await;
    assert_eq!(error_of(validate(&app, &mfa, &recovery[3]).await).await.1, "A207", "that recovery code too");
    assert_eq!(
        error_of(validate(&app, "garbage", &recovery[4]).await).await,
        (StatusCode::UNAUTHORIZED, "A210".into())
    );

    // wrong and used codes count toward the lockout (5 failures): 4 so far, the next locks
    let events = |app: &TestApp| {
        let store = app.state.store.clone();
        let sub = claims(&access)["sub"].as_str().unwrap().to_owned();
        async move { store.read_stream(&format!("user-{sub}"), 0).await.unwrap() }
    };
    assert_eq!(events(&app).await.iter().filter(|e| e.event_type == "SignInFailed").count(), 4);
    assert_eq!(error_of(validate(&app, &mfa, "111111").await).await, (StatusCode::FORBIDDEN, "U131".into()));
    assert_eq!(error_of(validate(&app, &mfa, &recovery[5]).await).await, (StatusCode::FORBIDDEN, "U131".into()));
});

both_engines!(an_api_client_acts_only_for_the_users_it_created, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let client_sign_in = |id: &str, key: &str| {
        let body = json!({"clientId": id, "clientKey": key});
        app.client.post(suite(&app, "demo", "/auth/sign-in-api-client")).json(&body).send()
    };
    let res = client_sign_in("demo-partner", &app.server_token).await.unwrap();
    assert_eq!(res.status(), 200);
    let client = res.json::<Value>().await.unwrap()["accessToken"].as_str().unwrap().to_owned();
    assert_eq!(claims(&client)["aud"], "suite-client");
    for (id, key) in [("demo-partner", "st_wrong"), ("nobody", app.server_token.as_str())] {
        let res = client_sign_in(id, key).await.unwrap();
        assert_eq!(error_of(res).await, (StatusCode::UNAUTHORIZED, "A201".into()));
    }

    // the client creates a customer and acts for it
    let res = app
        .client
        .post(suite(&app, "demo", "/front/customers"))
        .bearer_auth(&client)
        .json(&json!({"email": "maas@example.com", "password": PASSWORD, "firstName": "Mia"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let created = res.json::<Value>().await.unwrap()["uuid"].as_str().unwrap().to_owned();
    let as_user = |token: &str, target: &str| {
        app.client
            .get(suite(&app, "demo", "/front/customers"))
            .bearer_auth(token)
            .header("GoUrban-Impersonate", target)
            .send()
    };
    let me: Value = as_user(&client, &created).await.unwrap().json().await.unwrap();
    assert_eq!((me["uuid"].as_str(), me["firstName"].as_str()), (Some(created.as_str()), Some("Mia")));

    // not for a person who signed up alone, nor with a user's own token, nor to sign out
    let (own_access, _) = signed_in(&app, "demo", "alone@example.com").await;
    let alone = claims(&own_access)["sub"].as_str().unwrap().to_owned();
    assert_eq!(error_of(as_user(&client, &alone).await.unwrap()).await, (StatusCode::FORBIDDEN, "A101".into()));
    assert_eq!(error_of(as_user(&client, "not-a-uuid").await.unwrap()).await, (StatusCode::FORBIDDEN, "A101".into()));
    assert_eq!(
        error_of(as_user(&own_access, &created).await.unwrap()).await,
        (StatusCode::UNAUTHORIZED, "A202".into())
    );
    let logout = app
        .client
        .post(suite(&app, "demo", "/auth/logout"))
        .bearer_auth(&client)
        .header("GoUrban-Impersonate", &created)
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(logout).await, (StatusCode::FORBIDDEN, "A101".into()));
    // a client token is no user token
    assert_eq!(error_of(customer(&app, "demo", &client).await).await, (StatusCode::UNAUTHORIZED, "A202".into()));
    // the customer it created signs in as usual
    assert_eq!(sign_in(&app, "demo", "maas@example.com", PASSWORD).await.status(), 200);
});

both_engines!(a_tenant_sets_its_own_token_lifetime, |engine| async move {
    let app = TestApp::spawn(engine).await;
    app.state.catalog.set_suite_token_lifetime("demo", 90, chrono::Utc::now(), &Metadata::default()).await.unwrap();
    let (access, refresh_token) = signed_in(&app, "demo", "short@example.com").await;
    let c = claims(&access);
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 90 * 60);
    let again: Value = refresh(&app, "demo", &refresh_token).await.json().await.unwrap();
    let c = claims(again["accessToken"].as_str().unwrap());
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 90 * 60, "refreshed tokens too");
});
