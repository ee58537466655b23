//! The legacy dialect (`/api/oauth`, `/api/users`): register, refresh, revoke, isLogged and OTP
//! management, black-box over HTTP on both engines.
#![allow(clippy::unwrap_used)]

use reqwest::StatusCode;
use serde_json::{Value, json};
use tests::{TestApp, both_engines};

const PASSWORD: &str = "correct horse battery";

async fn register(app: &TestApp, body: Value) -> reqwest::Response {
    // GET with a JSON body, as the original API does
    app.client.get(app.url("/api/oauth/register")).json(&body).send().await.unwrap()
}

fn person(name: &str) -> Value {
    json!({"username": name, "email": format!("{name}@example.com"), "password": PASSWORD, "accept_terms": 1, "company": "ACME"})
}

/// Status and `code` of a legacy error, checking the body's shape.
async fn error_of(res: reqwest::Response) -> (StatusCode, String) {
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(keys, vec!["code", "msg"], "{body}");
    assert!(!body["msg"].as_str().unwrap().is_empty());
    (status, body["code"].as_str().unwrap().to_owned())
}

async fn refresh(app: &TestApp, token: &str) -> reqwest::Response {
    let body = json!({"grant_type": "refresh_token", "refresh_token": token, "client_id": "web"});
    app.client.post(app.url("/api/oauth/token")).json(&body).send().await.unwrap()
}

async fn is_logged(app: &TestApp, access: &str) -> reqwest::Response {
    app.client.get(app.url("/api/users/isLogged")).bearer_auth(access).send().await.unwrap()
}

both_engines!(register_refresh_revoke, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let res = register(&app, person("ann")).await;
    assert_eq!(res.status(), 200);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["user"]["username"], "ann");
    assert_eq!(created["user"]["company"], "ACME");
    assert_eq!(created["user"]["otp_enabled"], false);
    let access = created["access_token"].as_str().unwrap().to_owned();
    let rt1 = created["refreshToken"].as_str().unwrap().to_owned();
    let me: Value = is_logged(&app, &access).await.json().await.unwrap();
    assert_eq!((me["_id"].clone(), me["email"].clone()), (created["user"]["_id"].clone(), json!("ann@example.com")));

    // duplicates: email or username (any case)
    let mut same_email = person("other");
    same_email["email"] = json!("ANN@example.com");
    assert_eq!(error_of(register(&app, same_email).await).await, (StatusCode::CONFLICT, "conflict".into()));
    let mut same_name = person("x");
    same_name["username"] = json!("Ann");
    assert_eq!(error_of(register(&app, same_name).await).await, (StatusCode::CONFLICT, "conflict".into()));
    let mut no_terms = person("bob");
    no_terms["accept_terms"] = json!(0);
    assert_eq!(error_of(register(&app, no_terms).await).await, (StatusCode::BAD_REQUEST, "invalid_body".into()));
    let mut bad_name = person("bob");
    bad_name["username"] = json!("b o b");
    assert_eq!(error_of(register(&app, bad_name).await).await.0, StatusCode::BAD_REQUEST);

    // refresh (JSON), then refresh again as a form, then the spent first token ends the session
    let res = refresh(&app, &rt1).await;
    assert_eq!(res.status(), 200);
    let second: Value = res.json().await.unwrap();
    assert_eq!(second["token_type"], "Bearer");
    let expire_at = chrono::DateTime::parse_from_rfc3339(second["expire_at"].as_str().unwrap()).unwrap();
    let left = expire_at.timestamp() - chrono::Utc::now().timestamp();
    assert!((3500..=3600).contains(&left), "an hour: {left}");
    let rt2 = second["refresh_token"].as_str().unwrap();
    let form = app
        .client
        .post(app.url("/api/oauth/token"))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", rt2)])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 200);
    let third: Value = form.json().await.unwrap();
    assert_eq!(is_logged(&app, third["access_token"].as_str().unwrap()).await.status(), 200);
    assert_eq!(error_of(refresh(&app, &rt1).await).await, (StatusCode::BAD_REQUEST, "refresh_token_reused".into()));
    assert_eq!(error_of(is_logged(&app, &access).await).await, (StatusCode::UNAUTHORIZED, "session_ended".into()));
    let wrong_grant = app
        .client
        .post(app.url("/api/oauth/token"))
        .json(&json!({"grant_type": "password", "refresh_token": rt2}))
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(wrong_grant).await, (StatusCode::BAD_REQUEST, "invalid_body".into()));

    // revoke: a refresh token of another user is not found; the bearer's own session ends
    let bob: Value = register(&app, person("bob")).await.json().await.unwrap();
    let bob_access = bob["access_token"].as_str().unwrap().to_owned();
    let carl: Value = register(&app, person("carl")).await.json().await.unwrap();
    let foreign = app
        .client
        .post(app.url("/api/oauth/revoke"))
        .bearer_auth(&bob_access)
        .json(&json!({"refresh_token": carl["refreshToken"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(foreign).await, (StatusCode::NOT_FOUND, "not_found".into()));
    // a token that names bob's session but not its secret is not found either
    let bob_rt = bob["refreshToken"].as_str().unwrap();
    let (sid, _) = bob_rt.split_once('.').unwrap();
    let guessed = format!("{sid}.{}", "A".repeat(43));
    let guess = app
        .client
        .post(app.url("/api/oauth/revoke"))
        .bearer_auth(&bob_access)
        .json(&json!({"refresh_token": guessed}))
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(guess).await, (StatusCode::NOT_FOUND, "not_found".into()));
    assert_eq!(is_logged(&app, &bob_access).await.status(), 200);
    let revoke = app.client.post(app.url("/api/oauth/revoke")).bearer_auth(&bob_access).send().await.unwrap();
    assert_eq!(revoke.status(), 200);
    assert_eq!(error_of(is_logged(&app, &bob_access).await).await.1, "session_ended");
    assert_eq!(error_of(refresh(&app, bob["refreshToken"].as_str().unwrap()).await).await.1, "invalid_refresh_token");
    assert_eq!(is_logged(&app, carl["access_token"].as_str().unwrap()).await.status(), 200);

    // tokens of other dialects do not open legacy doors
    let coord = app.token_for("ann@example.com").await;
    assert_eq!(error_of(is_logged(&app, &coord).await).await, (StatusCode::UNAUTHORIZED, "invalid_token".into()));
    assert_eq!(error_of(app.client.get(app.url("/api/users/nothing")).send().await.unwrap()).await.1, "not_found");
});

both_engines!(otp_is_set_up_with_its_key_and_removed_with_a_code, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let created: Value = register(&app, person("otto")).await.json().await.unwrap();
    let access = created["access_token"].as_str().unwrap().to_owned();
    let otp = |method: reqwest::Method, query: &str| {
        app.client.request(method, app.url(&format!("/api/users/otp{query}"))).bearer_auth(&access)
    };

    let setup: Value = otp(reqwest::Method::GET, "").send().await.unwrap().json().await.unwrap();
    let key = setup["key"].as_str().unwrap().to_owned();
    assert!(setup["qrImage"].as_str().unwrap().starts_with("data:image/png;base64,iVBORw0KGgo"));
    assert_eq!(setup["user"]["username"], "otto");
    let now = chrono::Utc::now().timestamp();
    let code = |t: i64| commands::twofactor::totp(&key, "t", "t").unwrap().generate(t as u64);

    let missing = otp(reqwest::Method::POST, "").json(&json!({"otpKey": key})).send().await.unwrap();
    assert_eq!(error_of(missing).await.0, StatusCode::BAD_REQUEST);
    let wrong_key =
        otp(reqwest::Method::POST, "").json(&json!({"otpKey": "AAAA", "otpToken": code(now)})).send().await.unwrap();
    assert_eq!(error_of(wrong_key).await, (StatusCode::FORBIDDEN, "invalid_code".into()));
    let wrong_code =
        otp(reqwest::Method::POST, "").json(&json!({"otpKey": key, "otpToken": "000000"})).send().await.unwrap();
    assert_eq!(error_of(wrong_code).await, (StatusCode::FORBIDDEN, "invalid_code".into()));
    let on = otp(reqwest::Method::POST, "").json(&json!({"otpKey": key, "otpToken": code(now)})).send().await.unwrap();
    assert_eq!(on.status(), 200);
    assert_eq!(on.json::<Value>().await.unwrap()["recoveryCodes"].as_array().unwrap().len(), 10);
    let me: Value = is_logged(&app, &access).await.json().await.unwrap();
    assert_eq!(me["otp_enabled"], true);
    assert_eq!(
        error_of(otp(reqwest::Method::GET, "").send().await.unwrap()).await,
        (StatusCode::CONFLICT, "two_factor_enabled".into())
    );

    let no_code = otp(reqwest::Method::DELETE, "").send().await.unwrap();
    assert_eq!(error_of(no_code).await.0, StatusCode::BAD_REQUEST);
    let bad = otp(reqwest::Method::DELETE, "?otpToken=000000").send().await.unwrap();
    assert_eq!(error_of(bad).await, (StatusCode::FORBIDDEN, "invalid_code".into()));
    let off = otp(reqwest::Method::DELETE, &format!("?otpToken={}", code(now))).send().await.unwrap();
    assert_eq!(off.status(), 200);
    let me: Value = is_logged(&app, &access).await.json().await.unwrap();
    assert_eq!(me["otp_enabled"], false);
    let again = otp(reqwest::Method::DELETE, &format!("?otpToken={}", code(now))).send().await.unwrap();
    assert_eq!(error_of(again).await.0, StatusCode::BAD_REQUEST);
});

both_engines!(reset_password_mails_a_code_to_known_accounts, |engine| async move {
    let app = TestApp::spawn(engine).await;
    assert_eq!(register(&app, person("rita")).await.status(), 200);
    let reset = |body: Value| app.client.post(app.url("/api/oauth/reset_password")).json(&body).send();
    let res = reset(json!({"email": "RITA@example.com"})).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["msg"], "the mail has been sent");
    let outbox = app.scratch.0.join("data").join("outbox.jsonl");
    let delivered = tests::eventually(10, || async {
        std::fs::read_to_string(&outbox).unwrap_or_default().contains("Your password reset code is")
    })
    .await;
    assert!(delivered, "the reset mail went through the outbox");
    assert_eq!(
        error_of(reset(json!({"email": "nobody@example.com"})).await.unwrap()).await,
        (StatusCode::NOT_FOUND, "unknown_user".into())
    );
    assert_eq!(error_of(reset(json!({})).await.unwrap()).await, (StatusCode::BAD_REQUEST, "invalid_body".into()));
    let again = reset(json!({"email": "rita@example.com"})).await.unwrap();
    assert_eq!(again.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(again.headers().contains_key("retry-after"));
    assert_eq!(error_of(again).await.1, "code_cooldown");
});
