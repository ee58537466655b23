//! The legacy dialect (`/api/oauth`, `/api/users`): register, refresh, revoke, isLogged and OTP
//! management, black-box over HTTP on both engines.
#![allow(clippy::unwrap_used)]

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tests::legacy::{PASSWORD, legacy_error, person};
use tests::{TestApp, both_engines, totp_code};

both_engines!(register_refresh_revoke, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let legacy = app.legacy();
    let created = legacy.registered("ann").await;
    assert_eq!(created["user"]["username"], "ann");
    assert_eq!(created["user"]["company"], "ACME");
    assert_eq!(created["user"]["otp_enabled"], false);
    let access = created["access_token"].as_str().unwrap().to_owned();
    let rt1 = created["refreshToken"].as_str().unwrap().to_owned();
    let me: Value = legacy.is_logged(&access).await.json().await.unwrap();
    assert_eq!((me["_id"].clone(), me["email"].clone()), (created["user"]["_id"].clone(), json!("ann@example.com")));

    // duplicates: email or username (any case)
    let mut same_email = person("other");
    same_email["email"] = json!("ANN@example.com");
    assert_eq!(legacy_error(legacy.register(same_email).await).await, (StatusCode::CONFLICT, "conflict".into()));
    let mut same_name = person("x");
    same_name["username"] = json!("Ann");
    assert_eq!(legacy_error(legacy.register(same_name).await).await, (StatusCode::CONFLICT, "conflict".into()));
    let mut no_terms = person("bob");
    no_terms["accept_terms"] = json!(0);
    assert_eq!(legacy_error(legacy.register(no_terms).await).await, (StatusCode::BAD_REQUEST, "invalid_body".into()));
    let mut bad_name = person("bob");
    bad_name["username"] = json!("b o b");
    assert_eq!(legacy_error(legacy.register(bad_name).await).await.0, StatusCode::BAD_REQUEST);

    // refresh (JSON), then again as a form: the token does not rotate, the first one keeps working
    let res = legacy.refresh(&rt1).await;
    assert_eq!(res.status(), 200);
    let second: Value = res.json().await.unwrap();
    assert_eq!(second["token_type"], "Bearer");
    let expire_at = chrono::DateTime::parse_from_rfc3339(second["expire_at"].as_str().unwrap()).unwrap();
    let left = expire_at.timestamp() - chrono::Utc::now().timestamp();
    assert!((3500..=3600).contains(&left), "an hour: {left}");
    let rt2 = second["refresh_token"].as_str().unwrap();
    assert_eq!(rt2, rt1, "the session's one refresh token (ADR 0021)");
    let form = legacy.refresh_form(rt2).await;
    assert_eq!(form.status(), 200);
    let third: Value = form.json().await.unwrap();
    assert_eq!(legacy.is_logged(third["access_token"].as_str().unwrap()).await.status(), 200);
    assert_eq!(legacy.refresh(&rt1).await.status(), 200, "the first token, again");
    assert_eq!(legacy.is_logged(&access).await.status(), 200);
    let wrong_grant = legacy.token(json!({"grant_type": "authorization_code", "refresh_token": rt2})).await;
    assert_eq!(legacy_error(wrong_grant).await, (StatusCode::BAD_REQUEST, "invalid_body".into()));
    let made_up = format!("{}.{}", rt1.split_once('.').unwrap().0, "B".repeat(43));
    assert_eq!(
        legacy_error(legacy.refresh(&made_up).await).await,
        (StatusCode::BAD_REQUEST, "invalid_refresh_token".into())
    );

    // revoke: a refresh token of another user is not found; the bearer's own session ends
    let bob = legacy.registered("bob").await;
    let bob_access = bob["access_token"].as_str().unwrap().to_owned();
    let carl = legacy.registered("carl").await;
    let foreign = legacy.revoke(&bob_access, Some(json!({"refresh_token": carl["refreshToken"]}))).await;
    assert_eq!(legacy_error(foreign).await, (StatusCode::NOT_FOUND, "not_found".into()));
    // a token that names bob's session but not its secret is not found either
    let bob_rt = bob["refreshToken"].as_str().unwrap();
    let (sid, _) = bob_rt.split_once('.').unwrap();
    let guessed = format!("{sid}.{}", "A".repeat(43));
    let guess = legacy.revoke(&bob_access, Some(json!({"refresh_token": guessed}))).await;
    assert_eq!(legacy_error(guess).await, (StatusCode::NOT_FOUND, "not_found".into()));
    assert_eq!(legacy.is_logged(&bob_access).await.status(), 200);
    assert_eq!(legacy.revoke(&bob_access, None).await.status(), 200);
    assert_eq!(legacy_error(legacy.is_logged(&bob_access).await).await.1, "session_ended");
    assert_eq!(legacy_error(legacy.refresh(bob_rt).await).await.1, "invalid_refresh_token");
    assert_eq!(legacy.is_logged(carl["access_token"].as_str().unwrap()).await.status(), 200);

    // tokens of other dialects do not open legacy doors
    let coord = app.coord().token_for("ann@example.com").await;
    assert_eq!(legacy_error(legacy.is_logged(&coord).await).await, (StatusCode::UNAUTHORIZED, "invalid_token".into()));
    assert_eq!(legacy_error(app.get("/api/users/nothing").send().await.unwrap()).await.1, "not_found");
});

both_engines!(otp_is_set_up_with_its_key_and_removed_with_a_code, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let legacy = app.legacy();
    let created = legacy.registered("otto").await;
    let access = created["access_token"].as_str().unwrap().to_owned();
    let otp = |method: Method, query: &str| legacy.otp(method, &access, query);

    let setup: Value = otp(Method::GET, "").send().await.unwrap().json().await.unwrap();
    let key = setup["key"].as_str().unwrap().to_owned();
    assert!(setup["qrImage"].as_str().unwrap().starts_with("data:image/png;base64,iVBORw0KGgo"));
    assert_eq!(setup["user"]["username"], "otto");
    let now = chrono::Utc::now().timestamp();
    let code = |t: i64| totp_code(&key, t);

    let missing = otp(Method::POST, "").json(&json!({"otpKey": key})).send().await.unwrap();
    assert_eq!(legacy_error(missing).await.0, StatusCode::BAD_REQUEST);
    let wrong_key = otp(Method::POST, "").json(&json!({"otpKey": "AAAA", "otpToken": code(now)})).send().await.unwrap();
    assert_eq!(legacy_error(wrong_key).await, (StatusCode::FORBIDDEN, "invalid_code".into()));
    // an access token alone does not switch TOTP on: the password is asked again
    let token_only = otp(Method::POST, "").json(&json!({"otpKey": key, "otpToken": code(now)})).send().await.unwrap();
    assert_eq!(legacy_error(token_only).await, (StatusCode::UNAUTHORIZED, "invalid_credentials".into()));
    let wrong_code = json!({"otpKey": key, "otpToken": "000000", "password": PASSWORD});
    let wrong_code = otp(Method::POST, "").json(&wrong_code).send().await.unwrap();
    assert_eq!(legacy_error(wrong_code).await, (StatusCode::FORBIDDEN, "invalid_code".into()));
    let body = json!({"otpKey": key, "otpToken": code(now), "password": PASSWORD});
    let on = otp(Method::POST, "").json(&body).send().await.unwrap();
    assert_eq!(on.status(), 200);
    assert_eq!(on.json::<Value>().await.unwrap()["recoveryCodes"].as_array().unwrap().len(), 10);
    let me: Value = legacy.is_logged(&access).await.json().await.unwrap();
    assert_eq!(me["otp_enabled"], true);
    assert_eq!(
        legacy_error(otp(Method::GET, "").send().await.unwrap()).await,
        (StatusCode::CONFLICT, "two_factor_enabled".into())
    );

    let no_code = otp(Method::DELETE, "").send().await.unwrap();
    assert_eq!(legacy_error(no_code).await.0, StatusCode::BAD_REQUEST);
    let bad = otp(Method::DELETE, "?otpToken=000000").send().await.unwrap();
    assert_eq!(legacy_error(bad).await, (StatusCode::FORBIDDEN, "invalid_code".into()));
    let off = otp(Method::DELETE, &format!("?otpToken={}", code(now))).send().await.unwrap();
    assert_eq!(off.status(), 200);
    let me: Value = legacy.is_logged(&access).await.json().await.unwrap();
    assert_eq!(me["otp_enabled"], false);
    let again = otp(Method::DELETE, &format!("?otpToken={}", code(now))).send().await.unwrap();
    assert_eq!(legacy_error(again).await.0, StatusCode::BAD_REQUEST);
});

both_engines!(reset_password_mails_a_code_to_known_accounts, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let legacy = app.legacy();
    legacy.registered("rita").await;
    let res = legacy.reset_password(json!({"email": "RITA@example.com"})).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["msg"], "the mail has been sent");
    let outbox = app.outbox_file();
    let delivered = tests::eventually(10, || async {
        std::fs::read_to_string(&outbox).unwrap_or_default().contains("Your password reset code is")
    })
    .await;
    assert!(delivered, "the reset mail went through the outbox");
    assert_eq!(
        legacy_error(legacy.reset_password(json!({"email": "nobody@example.com"})).await).await,
        (StatusCode::NOT_FOUND, "unknown_user".into())
    );
    assert_eq!(
        legacy_error(legacy.reset_password(json!({})).await).await,
        (StatusCode::BAD_REQUEST, "invalid_body".into())
    );
    let again = legacy.reset_password(json!({"email": "rita@example.com"})).await;
    assert_eq!(again.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(again.headers().contains_key("retry-after"));
    assert_eq!(legacy_error(again).await.1, "code_cooldown");
});
