//! Password reset (legacy `reset_password` and `reset_password/confirm`, suite `customers/reset`
//! and `set-password`), the legacy password grant, and refresh tokens that do not rotate in the
//! legacy dialect while they still do in the suite: black-box over HTTP on both engines.
#![allow(clippy::unwrap_used)]

use reqwest::StatusCode;
use serde_json::{Value, json};
use tests::legacy::{PASSWORD, legacy_error};
use tests::suite::{Tokens, suite_error};
use tests::{TestApp, both_engines, totp_code};

const NEW_PASSWORD: &str = "a brand new horse";

/// The codes mailed to `to` once the outbox has delivered `count` of them.
async fn mailed(app: &TestApp, to: &str, count: usize) -> Vec<String> {
    assert!(tests::eventually(10, || async { app.codes_sent_to(to).len() >= count }).await, "{count} mails to {to}");
    app.codes_sent_to(to)
}

/// A code that is not `code`.
fn other_than(code: &str) -> String {
    if code == "000000" { "111111".into() } else { "000000".into() }
}

both_engines!(a_legacy_reset_sets_the_password_and_ends_every_session, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let legacy = app.legacy();
    let rita = legacy.registered("rita").await;
    let first_access = rita["access_token"].as_str().unwrap().to_owned();
    let first_refresh = rita["refreshToken"].as_str().unwrap().to_owned();
    let (access, _) = legacy.signed_in("rita@example.com", PASSWORD).await;
    assert_eq!(legacy.reset_password(json!({"email": "rita@example.com"})).await.status(), 200);
    let code = mailed(&app, "rita@example.com", 1).await.pop().unwrap();

    let confirm = |code: &str, password: &str| json!({"email": "RITA@example.com", "code": code, "password": password});
    let wrong = legacy.reset_confirm(confirm(&other_than(&code), NEW_PASSWORD)).await;
    assert_eq!(legacy_error(wrong).await, (StatusCode::FORBIDDEN, "invalid_code".into()));
    let weak = legacy.reset_confirm(confirm(&code, "short")).await;
    assert_eq!(legacy_error(weak).await, (StatusCode::BAD_REQUEST, "weak_password".into()));
    let missing = legacy.reset_confirm(json!({"email": "rita@example.com", "password": NEW_PASSWORD})).await;
    assert_eq!(legacy_error(missing).await, (StatusCode::BAD_REQUEST, "invalid_body".into()));
    assert_eq!(legacy.is_logged(&access).await.status(), 200, "nothing changed yet");

    let res = legacy.reset_confirm(confirm(&code, NEW_PASSWORD)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["msg"], "the password has been changed");
    for token in [&first_access, &access] {
        assert_eq!(
            legacy_error(legacy.is_logged(token).await).await,
            (StatusCode::UNAUTHORIZED, "session_ended".into())
        );
    }
    assert_eq!(legacy_error(legacy.refresh(&first_refresh).await).await.1, "invalid_refresh_token");
    assert_eq!(legacy_error(legacy.password_grant("rita", PASSWORD).await).await.1, "invalid_credentials");
    let (access, _) = legacy.signed_in("rita", NEW_PASSWORD).await;
    assert_eq!(legacy.is_logged(&access).await.status(), 200);
    // the code was spent
    let again = legacy.reset_confirm(confirm(&code, "yet another password")).await;
    assert_eq!(legacy_error(again).await, (StatusCode::FORBIDDEN, "invalid_code".into()));
    let stream = format!("user-{}", rita["user"]["_id"].as_str().unwrap());
    assert_eq!(app.events_of_type(&stream, "PasswordChanged").await, 1);
});

both_engines!(a_suite_reset_tells_nobody_which_emails_exist_and_ends_every_session, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let suite = app.suite("demo");
    let one = suite.signed_in("ann@example.com").await;
    let two = Tokens::of(suite.sign_in("ann@example.com", PASSWORD).await).await;
    let reset = |email: &str| suite.post(&format!("/front/customers/reset/{email}")).send();
    assert_eq!(reset("ann@example.com").await.unwrap().status(), StatusCode::NO_CONTENT);
    assert_eq!(reset("nobody@example.com").await.unwrap().status(), StatusCode::NO_CONTENT);
    // within the cooldown: 204 as for anyone, and no second mail
    assert_eq!(reset("ANN@example.com").await.unwrap().status(), StatusCode::NO_CONTENT);
    assert_eq!(suite_error(reset("not-an-email").await.unwrap()).await, (StatusCode::BAD_REQUEST, "U130.3".into()));
    let code = mailed(&app, "ann@example.com", 1).await.pop().unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(app.codes_sent_to("ann@example.com").len(), 1);
    assert!(app.codes_sent_to("nobody@example.com").is_empty());

    let set = |code: &str, body: Value| suite.post(&format!("/front/set-password/{code}")).json(&body).send();
    let body = json!({"email": "ann@example.com", "password": NEW_PASSWORD});
    let wrong = set(&other_than(&code), body.clone()).await.unwrap();
    assert_eq!(suite_error(wrong).await, (StatusCode::BAD_REQUEST, "U402".into()));
    let elsewhere = set(&code, json!({"email": "nobody@example.com", "password": NEW_PASSWORD})).await.unwrap();
    assert_eq!(suite_error(elsewhere).await, (StatusCode::BAD_REQUEST, "U402".into()), "a code is per recipient");
    let weak = set(&code, json!({"email": "ann@example.com", "password": "short"})).await.unwrap();
    assert_eq!(suite_error(weak).await, (StatusCode::BAD_REQUEST, "U101".into()));
    let german = suite.post(&format!("/front/set-password/{}", other_than(&code))).header("accept-language", "de");
    let german: Value = german.json(&body).send().await.unwrap().json().await.unwrap();
    assert_eq!(german["userMessage"], "Der Code ist falsch oder abgelaufen. Bitte fordere einen neuen an.");

    assert_eq!(set(&code, body.clone()).await.unwrap().status(), StatusCode::NO_CONTENT);
    for tokens in [&one, &two] {
        let me = suite.get("/front/customers").bearer_auth(&tokens.access).send().await.unwrap();
        assert_eq!(suite_error(me).await, (StatusCode::UNAUTHORIZED, "A204".into()));
        assert_eq!(suite_error(suite.refresh(&tokens.refresh).await).await.1, "A205");
    }
    assert_eq!(suite_error(suite.sign_in("ann@example.com", PASSWORD).await).await.1, "A201");
    assert_eq!(suite.sign_in("ann@example.com", NEW_PASSWORD).await.status(), 200);
    assert_eq!(suite_error(set(&code, body).await.unwrap()).await.1, "U402", "the code was spent");
});

both_engines!(the_legacy_password_grant_signs_in_by_username_or_email, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let legacy = app.legacy();
    legacy.registered("lea").await;
    let res = legacy.password_grant("LEA", PASSWORD).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    let access = body["access_token"].as_str().unwrap();
    assert_eq!(legacy.is_logged(access).await.json::<Value>().await.unwrap()["username"], "lea");
    assert_eq!(tests::claims(access)["aud"], "legacy");
    let form = [("grant_type", "password"), ("username", "lea@example.com"), ("password", PASSWORD)];
    assert_eq!(app.post("/api/oauth/token").form(&form).send().await.unwrap().status(), 200);

    let refused = [
        (json!({"grant_type": "password", "username": "lea", "password": "wrong one"}), "invalid_credentials"),
        (json!({"grant_type": "password", "username": "nobody", "password": PASSWORD}), "invalid_credentials"),
        (json!({"grant_type": "password", "username": "lea"}), "invalid_body"),
        (json!({"grant_type": "client_credentials"}), "invalid_body"),
    ];
    for (body, code) in refused {
        assert_eq!(legacy_error(legacy.token(body.clone()).await).await.1, code, "{body}");
    }
    assert_eq!(legacy_error(legacy.password_grant("lea", "wrong one").await).await.0, StatusCode::UNAUTHORIZED);
});

both_engines!(the_legacy_password_grant_asks_for_the_totp_code_when_it_is_on, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let legacy = app.legacy();
    let otto = legacy.registered("otto").await;
    let access = otto["access_token"].as_str().unwrap();
    let setup: Value = legacy.otp(reqwest::Method::GET, access, "").send().await.unwrap().json().await.unwrap();
    let key = setup["key"].as_str().unwrap().to_owned();
    let now = chrono::Utc::now().timestamp();
    let on = json!({"otpKey": key, "otpToken": totp_code(&key, now - 30), "password": PASSWORD});
    assert_eq!(legacy.otp(reqwest::Method::POST, access, "").json(&on).send().await.unwrap().status(), 200);

    let missing = legacy.password_grant("otto", PASSWORD).await;
    assert_eq!(legacy_error(missing).await, (StatusCode::FORBIDDEN, "two_factor_required".into()));
    let grant =
        |code: &str| json!({"grant_type": "password", "username": "otto", "password": PASSWORD, "otpToken": code});
    let wrong = legacy.token(grant("000000")).await;
    assert_eq!(legacy_error(wrong).await, (StatusCode::FORBIDDEN, "invalid_code".into()));
    let res = legacy.token(grant(&totp_code(&key, now))).await;
    assert_eq!(res.status(), 200);
    let stream = format!("user-{}", otto["user"]["_id"].as_str().unwrap());
    assert_eq!(app.events_of_type(&stream, "SignInFailed").await, 1, "only the wrong code counted");
    // a wrong password with a code is a wrong password
    let body = json!({"grant_type": "password", "username": "otto", "password": "wrong", "otpToken": "123456"});
    assert_eq!(legacy_error(legacy.token(body).await).await.1, "invalid_credentials");
});

both_engines!(legacy_refresh_tokens_do_not_rotate_and_suite_ones_do, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let legacy = app.legacy();
    let ann = legacy.registered("ann").await;
    let first = ann["refreshToken"].as_str().unwrap().to_owned();
    let mut accesses = Vec::new();
    for _ in 0..3 {
        let res = legacy.refresh(&first).await;
        assert_eq!(res.status(), 200);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["refresh_token"], first.as_str(), "the same refresh token comes back");
        accesses.push(body["access_token"].as_str().unwrap().to_owned());
    }
    for access in &accesses {
        assert_eq!(legacy.is_logged(access).await.status(), 200);
    }
    let sid = tests::claims(&accesses[0])["sid"].as_str().unwrap().to_owned();
    assert_eq!(app.events_of_type(&format!("login-{sid}"), "RefreshTokenRotated").await, 0);
    // revoking it ends it
    assert_eq!(legacy.revoke(&accesses[0], Some(json!({"refresh_token": first}))).await.status(), 200);
    assert_eq!(legacy_error(legacy.refresh(&first).await).await.1, "invalid_refresh_token");

    // the suite still rotates: a spent token that comes back after the grace ends the session
    let app = TestApp::spawn_configured(engine, |s| s.refresh_grace_secs = 0).await;
    let suite = app.suite("demo");
    let tokens = suite.signed_in("sam@example.com").await;
    let next: Value = suite.refresh(&tokens.refresh).await.json().await.unwrap();
    assert_ne!(next["refreshToken"], tokens.refresh.as_str());
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(suite_error(suite.refresh(&tokens.refresh).await).await, (StatusCode::UNAUTHORIZED, "A206".into()));
});
