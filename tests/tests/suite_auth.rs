//! The suite dialect's sign-up, sign-in, refresh rotation and logout, and coord's production
//! `create_jwt`, black-box over HTTP on both engines.
#![allow(clippy::unwrap_used)]

use reqwest::StatusCode;
use serde_json::{Value, json};
use tests::coord::{coord_error, jwt_of};
use tests::suite::{PASSWORD, Tokens, suite_error};
use tests::{TestApp, both_engines, claims, totp_code};

both_engines!(a_customer_signs_up_signs_in_and_reads_itself, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let suite = app.suite("demo");
    let res = suite
        .sign_up(json!({"email": "Ann@Example.com", "password": PASSWORD, "firstName": " Ann ", "language": "de"}))
        .await;
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["email"], "ann@example.com");
    assert_eq!(created["firstName"], "Ann");
    assert!(created.get("lastName").is_none(), "null fields are left out: {created}");

    let again = suite.sign_up(json!({"email": "ann@example.com", "password": "another password"})).await;
    assert_eq!(suite_error(again).await, (StatusCode::CONFLICT, "U102".into()));

    let res = suite.sign_in("ANN@example.com", PASSWORD).await;
    assert_eq!(res.status(), 200);
    let tokens: Value = res.json().await.unwrap();
    let access = tokens["accessToken"].as_str().unwrap();
    let c = claims(access);
    assert_eq!(
        (c["sub"].as_str(), c["tenant"].as_str(), c["aud"].as_str()),
        (created["uuid"].as_str(), Some("demo"), Some("suite"))
    );
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 5 * 3600, "suite tokens live 5 hours");
    let me = suite.me(access).await;
    assert_eq!(
        (me["uuid"].clone(), me["email"].clone(), me["language"].clone()),
        (created["uuid"].clone(), json!("ann@example.com"), json!("de"))
    );

    // a wrong password and an unknown email get the same answer
    for (email, password) in
        [("ann@example.com", "wrong password"), ("nobody@example.com", PASSWORD), ("not an email", PASSWORD)]
    {
        assert_eq!(suite_error(suite.sign_in(email, password).await).await, (StatusCode::UNAUTHORIZED, "A201".into()));
    }

    // bad input: clear codes, nothing appended
    let before = app.event_count().await;
    let short = suite.sign_up(json!({"email": "bob@example.com", "password": "short"})).await;
    assert_eq!(suite_error(short).await, (StatusCode::BAD_REQUEST, "U101".into()));
    let bad_email = suite.sign_up(json!({"email": "bob@", "password": PASSWORD})).await;
    assert_eq!(suite_error(bad_email).await, (StatusCode::BAD_REQUEST, "U130.3".into()));
    let no_password = suite.sign_up(json!({"email": "bob@example.com"})).await;
    assert_eq!(suite_error(no_password).await, (StatusCode::BAD_REQUEST, "REQ400".into()));
    let not_json = suite.post("/front/customers").body("email=x").send().await.unwrap();
    assert_eq!(suite_error(not_json).await, (StatusCode::UNSUPPORTED_MEDIA_TYPE, "REQ415".into()));
    let nowhere = app.suite("no-such-tenant").sign_up(json!({"email": "bob@example.com", "password": PASSWORD})).await;
    assert_eq!(suite_error(nowhere).await, (StatusCode::NOT_FOUND, "T404".into()));
    let unknown_path = suite.get("/auth/nothing-here").send().await.unwrap();
    assert_eq!(suite_error(unknown_path).await, (StatusCode::NOT_FOUND, "REQ404".into()));
    assert_eq!(app.event_count().await, before);
});

both_engines!(refresh_tokens_rotate_and_a_spent_one_revokes_the_session, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let suite = app.suite("demo");
    let Tokens { access: access1, refresh: rt1 } = suite.signed_in("rota@example.com").await;

    let Tokens { access: access2, refresh: rt2 } = Tokens::of(suite.refresh(&rt1).await).await;
    assert_ne!(rt2, rt1);
    assert_eq!(claims(&access2)["sid"], claims(&access1)["sid"], "one session");
    assert_eq!(suite.customer(&access2).await.status(), 200);

    // a retry with the immediate parent inside the grace: the same successor, nothing revoked
    let retry: Value = suite.refresh(&rt1).await.json().await.unwrap();
    assert_eq!(retry["refreshToken"], rt2.as_str());

    let third: Value = suite.refresh(&rt2).await.json().await.unwrap();
    let rt3 = third["refreshToken"].as_str().unwrap().to_owned();
    assert_ne!(rt3, rt2);
    // the catch-up activity view counts the two rotations (the retry recorded none)
    let sid = claims(&access1)["sid"].as_str().unwrap().to_owned();
    let counted = tests::eventually(10, || async {
        let row: Option<(i64, Option<String>)> = app
            .state
            .store
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
    assert_eq!(suite_error(suite.refresh(&rt1).await).await, (StatusCode::UNAUTHORIZED, "A206".into()));
    assert_eq!(suite_error(suite.refresh(&rt3).await).await, (StatusCode::UNAUTHORIZED, "A205".into()));
    assert_eq!(suite_error(suite.customer(&access2).await).await, (StatusCode::UNAUTHORIZED, "A204".into()));

    // tokens that were never issued
    let forged = format!("{}.{}", sid.replace('-', ""), "A".repeat(43));
    assert_eq!(suite_error(suite.refresh(&forged).await).await, (StatusCode::UNAUTHORIZED, "A205".into()));
    assert_eq!(suite_error(suite.refresh("garbage").await).await, (StatusCode::UNAUTHORIZED, "A205".into()));
});

both_engines!(concurrent_refreshes_of_one_token_all_get_the_same_successor, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let Tokens { access, refresh: rt1 } = app.suite("demo").signed_in("tabs@example.com").await;
    let app = std::sync::Arc::new(app);
    let calls = (0..8).map(|_| {
        let app = app.clone();
        let rt1 = rt1.clone();
        tokio::spawn(async move {
            let res = app.suite("demo").refresh(&rt1).await;
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
    assert_eq!(app.suite("demo").refresh(&successors[0]).await.status(), 200, "and it works");
    // one rotation was recorded for the eight calls, one more for the last refresh
    let sid = claims(&access)["sid"].as_str().unwrap().to_owned();
    assert_eq!(app.events_of_type(&format!("login-{sid}"), "RefreshTokenRotated").await, 2);
});

both_engines!(logout_ends_the_session_at_once, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let suite = app.suite("demo");
    let Tokens { access, refresh: rt } = suite.signed_in("bye@example.com").await;
    let other_access = Tokens::of(suite.sign_in("bye@example.com", PASSWORD).await).await.access;
    assert_eq!(suite.logout(&access).await.status(), 204);
    assert_eq!(suite_error(suite.customer(&access).await).await, (StatusCode::UNAUTHORIZED, "A204".into()));
    assert_eq!(suite_error(suite.refresh(&rt).await).await, (StatusCode::UNAUTHORIZED, "A205".into()));
    // another device's session of the same user is untouched
    assert_eq!(suite.customer(&other_access).await.status(), 200);
    assert_eq!(suite_error(suite.logout(&access).await).await, (StatusCode::UNAUTHORIZED, "A204".into()));
    let anonymous = suite.post("/auth/logout").send().await.unwrap();
    assert_eq!(suite_error(anonymous).await, (StatusCode::UNAUTHORIZED, "A202".into()));
});

both_engines!(tokens_stay_in_their_tenant_and_dialect, |engine| async move {
    let app = TestApp::spawn(engine).await;
    app.add_tenant("other", "ak_other", "st_other").await;
    let (demo, other) = (app.suite("demo"), app.suite("other"));
    let Tokens { access: other_access, refresh: other_rt } = other.signed_in("same@example.com").await;
    let demo_access = demo.signed_in("same@example.com").await.access;
    assert_ne!(claims(&other_access)["sub"], claims(&demo_access)["sub"], "one account per tenant");
    assert_eq!(suite_error(demo.customer(&other_access).await).await, (StatusCode::FORBIDDEN, "A101".into()));
    assert_eq!(suite_error(demo.refresh(&other_rt).await).await, (StatusCode::UNAUTHORIZED, "A205".into()));
    // a coord token is not a suite token, and the other way round
    let coord = app.coord().token_for("same@example.com").await;
    assert_eq!(suite_error(demo.customer(&coord).await).await, (StatusCode::UNAUTHORIZED, "A202".into()));
    let res = app.coord().current_user(&demo_access).await;
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
            .suite("demo")
            .post("/auth/sign-in-email")
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
    let coord = app.coord();
    let body = || json!({"email": "prod@fleet.com"});
    let jwt = jwt_of(coord.create_jwt(Some(&app.server_token), body()).await).await;
    assert_eq!(claims(&jwt)["test"], false);
    let me: Value = coord.current_user(&jwt).await.json().await.unwrap();
    assert_eq!(me["email"], "prod@fleet.com");
    // the production user is not the test user of the same email
    let test = coord.token_for("prod@fleet.com").await;
    assert_ne!(claims(&test)["sub"], claims(&jwt)["sub"]);

    let wrong = coord.create_jwt(Some("st_wrong"), body()).await;
    assert_eq!(coord_error(wrong).await, (StatusCode::FORBIDDEN, "invalid_server_token".into()));
    // the token is checked before the body: a wrong token with a bad body is still a 403
    let bad_body = app.client.post(coord.url("/create_jwt")).bearer_auth("st_wrong").body("{").send().await.unwrap();
    assert_eq!(bad_body.status(), 403);
    let missing = coord.create_jwt(None, body()).await;
    assert_eq!(coord_error(missing).await, (StatusCode::UNAUTHORIZED, "missing_token".into()));

    // a revoked session refuses its token on the next request
    app.revoke_session(claims(&jwt)["sid"].as_str().unwrap()).await;
    let res = coord.current_user(&jwt).await;
    assert_eq!(coord_error(res).await, (StatusCode::UNAUTHORIZED, "session_ended".into()));
    assert_eq!(coord.current_user(&test).await.status(), 200, "other sessions live on");
});

both_engines!(password_guessing_locks_the_account_and_floods_get_429, |engine| async move {
    let app = TestApp::spawn_configured(engine, |settings| {
        settings.lockout_failures = 3;
        settings.sign_in_per_minute = 12;
    })
    .await;
    let suite = app.suite("demo");
    let victim = suite.signed_up("victim@example.com").await;
    let before = Tokens::of(suite.sign_in("victim@example.com", PASSWORD).await).await.access;
    assert_eq!(suite.me(&before).await["blockState"], "NOT_BLOCKED");

    for _ in 0..2 {
        let res = suite.sign_in("victim@example.com", "guess guess").await;
        assert_eq!(suite_error(res).await, (StatusCode::UNAUTHORIZED, "A201".into()));
    }
    // the third failure locks; from then on even the right password is refused, with a wait
    let res = suite.sign_in("victim@example.com", "guess guess").await;
    let retry: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
    assert_eq!(suite_error(res).await, (StatusCode::FORBIDDEN, "U131".into()));
    let res = suite.sign_in("victim@example.com", PASSWORD).await;
    assert!(res.headers().contains_key("retry-after"));
    assert_eq!(suite_error(res).await, (StatusCode::FORBIDDEN, "U131".into()));
    // a session opened before the lock still reads the account, and sees the lock
    let me = suite.me(&before).await;
    assert_eq!(me["blockState"], "LOCKED");
    let until = chrono::DateTime::parse_from_rfc3339(me["blockedUntil"].as_str().unwrap()).unwrap();
    assert!(until > chrono::Utc::now(), "{until}");
    let stream = format!("user-{victim}");
    assert_eq!(app.events_of_type(&stream, "SignInFailed").await, 3);
    assert_eq!(app.events_of_type(&stream, "AccountLocked").await, 1);
    // other accounts are not locked
    let access = suite.signed_in("bystander@example.com").await.access;
    assert_eq!(suite.customer(&access).await.status(), 200);

    // this address has used 6 of its 12 attempts a minute (one more every 5 s): the flood that
    // follows is refused before any password check, with a wait
    let mut statuses = Vec::new();
    for i in 0..20 {
        let res = suite.sign_in(&format!("nobody{i}@example.com"), PASSWORD).await;
        statuses.push(res.status().as_u16());
        if res.status() == StatusCode::TOO_MANY_REQUESTS {
            assert!(res.headers().contains_key("retry-after"));
            assert_eq!(suite_error(res).await.1, "REQ429");
            break;
        }
    }
    let allowed = statuses.iter().filter(|s| **s == 401).count();
    assert!((6..=12).contains(&allowed) && statuses.last() == Some(&429), "{statuses:?}");
});

both_engines!(totp_two_factor_sign_in, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let suite = app.suite("demo");
    let access = suite.signed_in("totp@example.com").await.access;

    assert_eq!(
        suite_error(suite.two_factor(&access, "2fa-qr-code", None).await).await,
        (StatusCode::CONFLICT, "A209".into())
    );
    let issued: Value = suite.two_factor(&access, "2fa-secret", None).await.json().await.unwrap();
    let secret = issued["secret"].as_str().unwrap().to_owned();
    assert!(
        issued["otpauthUrl"].as_str().unwrap().starts_with("otpauth://totp/Users%20API:totp%40example.com?secret=")
    );
    let qr = suite.two_factor(&access, "2fa-qr-code", None).await;
    assert_eq!(qr.headers()["content-type"], "image/png");
    assert!(qr.bytes().await.unwrap().starts_with(b"\x89PNG\r\n\x1a\n"));

    // an access token alone does not switch TOTP on: the password is asked again
    let t0 = chrono::Utc::now().timestamp();
    let token_only = suite.two_factor(&access, "2fa-enable", Some(json!({"code": totp_code(&secret, t0)}))).await;
    assert_eq!(suite_error(token_only).await, (StatusCode::UNAUTHORIZED, "A201".into()));
    let wrong = suite.two_factor(&access, "2fa-enable", Some(json!({"code": "000000", "password": PASSWORD}))).await;
    assert_eq!(suite_error(wrong).await, (StatusCode::UNAUTHORIZED, "A207".into()));
    // codes from fixed instants: a test that crosses a 30 s boundary still means the same steps
    let first = totp_code(&secret, t0);
    let on = suite.two_factor(&access, "2fa-enable", Some(json!({"code": first, "password": PASSWORD}))).await;
    assert_eq!(on.status(), 200);
    let recovery: Vec<String> =
        serde_json::from_value(on.json::<Value>().await.unwrap()["recoveryCodes"].clone()).unwrap();
    assert_eq!(recovery.len(), 10);
    let again = suite.two_factor(&access, "2fa-secret", None).await;
    assert_eq!(suite_error(again).await, (StatusCode::CONFLICT, "A208".into()));

    // the password alone now yields an mfaToken, which is no access token
    let mfa = suite.mfa_token("totp@example.com").await;
    assert_eq!(suite_error(suite.customer(&mfa).await).await, (StatusCode::UNAUTHORIZED, "A202".into()));
    assert_eq!(suite_error(suite.validate_code(&mfa, "000000").await).await, (StatusCode::UNAUTHORIZED, "A207".into()));
    // the confirming code's step is spent; the next step's code (one step of skew) works, once
    assert_eq!(suite_error(suite.validate_code(&mfa, &first).await).await.1, "A207");
    let next = totp_code(&secret, t0 + 30);
    let tokens = Tokens::of(suite.validate_code(&mfa, &next).await).await;
    assert_eq!(suite.customer(&tokens.access).await.status(), 200);
    // the mfaToken is spent: another valid factor cannot open a second session with it
    assert_eq!(suite_error(suite.validate_code(&mfa, &recovery[0]).await).await.1, "A210");
    let replay = suite.validate_code(&suite.mfa_token("totp@example.com").await, &next).await;
    assert_eq!(suite_error(replay).await, (StatusCode::UNAUTHORIZED, "A207".into()));

    // a recovery code works once, in any case
    let mfa = suite.mfa_token("totp@example.com").await;
    assert_eq!(suite.validate_code(&mfa, &recovery[3].to_uppercase()).await.status(), 200);
    assert_eq!(suite_error(suite.validate_code(&mfa, &recovery[3]).await).await.1, "A210", "that mfaToken is spent");
    let mfa = suite.mfa_token("totp@example.com").await;
    assert_eq!(suite_error(suite.validate_code(&mfa, &recovery[3]).await).await.1, "A207", "that recovery code too");
    assert_eq!(
        suite_error(suite.validate_code("garbage", &recovery[4]).await).await,
        (StatusCode::UNAUTHORIZED, "A210".into())
    );

    // wrong and used codes count toward the lockout (5 failures): 4 so far, the next locks
    let user = format!("user-{}", claims(&access)["sub"].as_str().unwrap());
    assert_eq!(app.events_of_type(&user, "SignInFailed").await, 4);
    assert_eq!(suite_error(suite.validate_code(&mfa, "111111").await).await, (StatusCode::FORBIDDEN, "U131".into()));
    assert_eq!(
        suite_error(suite.validate_code(&mfa, &recovery[5]).await).await,
        (StatusCode::FORBIDDEN, "U131".into())
    );
});

both_engines!(an_api_client_acts_only_for_the_users_it_created, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let suite = app.suite("demo");
    let res = suite.sign_in_api_client("demo-partner", &app.server_token).await;
    assert_eq!(res.status(), 200);
    let client = res.json::<Value>().await.unwrap()["accessToken"].as_str().unwrap().to_owned();
    assert_eq!(claims(&client)["aud"], "suite-client");
    for (id, key) in [("demo-partner", "st_wrong"), ("nobody", app.server_token.as_str())] {
        let res = suite.sign_in_api_client(id, key).await;
        assert_eq!(suite_error(res).await, (StatusCode::UNAUTHORIZED, "A201".into()));
    }

    // the client creates a customer and acts for it
    let res = suite
        .post("/front/customers")
        .bearer_auth(&client)
        .json(&json!({"email": "maas@example.com", "password": PASSWORD, "firstName": "Mia"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let created = res.json::<Value>().await.unwrap()["uuid"].as_str().unwrap().to_owned();
    let as_user = |token: &str, target: &str| {
        suite.get("/front/customers").bearer_auth(token).header("GoUrban-Impersonate", target).send()
    };
    let me: Value = as_user(&client, &created).await.unwrap().json().await.unwrap();
    assert_eq!((me["uuid"].as_str(), me["firstName"].as_str()), (Some(created.as_str()), Some("Mia")));

    // not for a person who signed up alone, nor with a user's own token, nor to sign out
    let own_access = suite.signed_in("alone@example.com").await.access;
    let alone = claims(&own_access)["sub"].as_str().unwrap().to_owned();
    assert_eq!(suite_error(as_user(&client, &alone).await.unwrap()).await, (StatusCode::FORBIDDEN, "A101".into()));
    assert_eq!(
        suite_error(as_user(&client, "not-a-uuid").await.unwrap()).await,
        (StatusCode::FORBIDDEN, "A101".into())
    );
    assert_eq!(
        suite_error(as_user(&own_access, &created).await.unwrap()).await,
        (StatusCode::UNAUTHORIZED, "A202".into())
    );
    let logout =
        suite.post("/auth/logout").bearer_auth(&client).header("GoUrban-Impersonate", &created).send().await.unwrap();
    assert_eq!(suite_error(logout).await, (StatusCode::FORBIDDEN, "A101".into()));
    // a client token is no user token
    assert_eq!(suite_error(suite.customer(&client).await).await, (StatusCode::UNAUTHORIZED, "A202".into()));
    // the customer it created signs in as usual
    assert_eq!(suite.sign_in("maas@example.com", PASSWORD).await.status(), 200);
});

both_engines!(a_tenant_sets_its_own_token_lifetime, |engine| async move {
    let app = TestApp::spawn(engine).await;
    app.set_suite_token_lifetime("demo", 90).await;
    let suite = app.suite("demo");
    let tokens = suite.signed_in("short@example.com").await;
    let c = claims(&tokens.access);
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 90 * 60);
    let again: Value = suite.refresh(&tokens.refresh).await.json().await.unwrap();
    let c = claims(again["accessToken"].as_str().unwrap());
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 90 * 60, "refreshed tokens too");
});
