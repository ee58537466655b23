//! Coord's `link_account` browser flow over plain HTTP: the consent page, its form posted back,
//! the redirect to the return URL, and the attacks on it (script and header-splitting return
//! URLs, forged, replayed and orphaned forms). `link_account_browser.rs` drives it in Chromium.
#![allow(clippy::unwrap_used)]

use reqwest::StatusCode;
use serde_json::Value;
use tests::coord::{consent_state, coord_error};
use tests::{TestApp, both_engines};

const BACK: &str = "http://127.0.0.1:9/back?from=partner";

async fn linked(app: &TestApp, token: &str, system_id: &str) -> bool {
    let current: Value = app.coord().current_user(token).await.json().await.unwrap();
    let systems = current["transactable_systems"].as_array().unwrap();
    systems.iter().any(|s| s["system_id"] == system_id && s["linked_account"] == true)
}

both_engines!(approving_links_and_returns_with_the_result, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let coord = app.coord();
    let token = coord.token_for("browser@example.com").await;
    let page = coord.link_account(&token, "CitiBike", BACK).await;
    assert_eq!(page.status(), 200);
    let headers = page.headers().clone();
    assert!(headers["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(headers["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
    assert_eq!(headers["referrer-policy"], "no-referrer");
    let html = page.text().await.unwrap();
    assert!(html.contains("Demo permission page"), "a test token gets the demo permission page");
    assert!(html.contains("Citi Bike") && html.contains("127.0.0.1"));
    assert!(!html.contains(&token), "the token is not in the page");

    let answer = coord.decide(&consent_state(&html), "approve").await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    assert_eq!(answer.headers()["location"], "http://127.0.0.1:9/back?from=partner&result=linked&system_id=CitiBike");
    assert!(linked(&app, &token, "CitiBike").await);
    assert_eq!(app.count("select count(*) from account_links where via = 'consent'").await, 1);

    // the alias path serves the same page; denying returns an error and links nothing new
    let url = coord.link_account_url("/user/current/link_account", &token, "PlateGarage", BACK);
    let res = app.client.get(url).send().await.unwrap();
    assert_eq!(coord_error(res).await, (StatusCode::BAD_REQUEST, "requirements_missing".to_owned()));
    let plate = serde_json::json!({"license_plate": {"text": "B-AB 12", "country": "de"}});
    assert_eq!(coord.put_vehicle(&token, plate).await.status(), 200);
    let url = coord.link_account_url("/user/current/link_account", &token, "PlateGarage", BACK);
    let html = app.client.get(url).send().await.unwrap().text().await.unwrap();
    let answer = coord.decide(&consent_state(&html), "deny").await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        answer.headers()["location"],
        "http://127.0.0.1:9/back?from=partner&error=access_denied&system_id=PlateGarage"
    );
    assert!(!linked(&app, &token, "PlateGarage").await);
});

both_engines!(a_production_user_gets_the_consent_page, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let coord = app.coord();
    let res = coord.create_jwt(Some(&app.server_token), serde_json::json!({"email": "real@example.com"})).await;
    let token = tests::coord::jwt_of(res).await;
    let html = coord.link_account(&token, "CitiBike", "https://app.example/linked").await.text().await.unwrap();
    assert!(html.contains("Link your Citi Bike account") && !html.contains("Demo permission page"));
    let answer = coord.decide(&consent_state(&html), "approve").await;
    assert_eq!(answer.headers()["location"], "https://app.example/linked?result=linked&system_id=CitiBike");
    assert!(linked(&app, &token, "CitiBike").await);
});

both_engines!(bad_return_urls_tokens_and_systems_are_refused_in_coords_format, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let coord = app.coord();
    let token = coord.token_for("attacker-target@example.com").await;
    for (return_url, why) in [
        ("javascript:alert(document.cookie)", "a script URL"),
        ("data:text/html,<script>alert(1)</script>", "a data URL"),
        ("https://app.example/\r\nSet-Cookie: session=evil", "a CRLF header injection"),
        ("https://app.example/%0d%0aSet-Cookie:x", "fine: percent-encoded stays in the path"),
        ("//evil.example/", "a scheme-relative URL"),
        ("", "no return URL"),
    ] {
        let res = coord.link_account(&token, "CitiBike", return_url).await;
        if why.starts_with("fine") {
            assert_eq!(res.status(), 200, "{why}");
            continue;
        }
        assert_eq!(coord_error(res).await, (StatusCode::BAD_REQUEST, "invalid_return_url".to_owned()), "{why}");
    }
    for (system_id, code) in
        [("MeterPark", "system_not_linkable"), ("Nope", "unknown_system"), ("", "missing_parameter")]
    {
        let res = coord.link_account(&token, system_id, BACK).await;
        assert_eq!(coord_error(res).await, (StatusCode::BAD_REQUEST, code.to_owned()), "{system_id}");
    }
    let res = coord.link_account("not-a-jwt", "CitiBike", BACK).await;
    assert_eq!(coord_error(res).await, (StatusCode::UNAUTHORIZED, "malformed_token".to_owned()));
    let res = coord.link_account("", "CitiBike", BACK).await;
    assert_eq!(coord_error(res).await, (StatusCode::UNAUTHORIZED, "missing_token".to_owned()));
    let no_key = format!("{}/v1/users/link_account?token={token}&system_id=CitiBike", app.address);
    let res = app.client.get(no_key).send().await.unwrap();
    assert_eq!(coord_error(res).await, (StatusCode::UNAUTHORIZED, "missing_access_key".to_owned()));
});

both_engines!(a_form_works_once_unforged_and_while_its_session_lives, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let coord = app.coord();
    let token = coord.token_for("forms@example.com").await;
    let html = coord.link_account(&token, "CitiBike", BACK).await.text().await.unwrap();
    let state = consent_state(&html);
    let (payload, mac) = state.split_once('.').unwrap();
    let forged = format!("{payload}x.{mac}");
    let res = coord.decide(&forged, "approve").await;
    assert_eq!(coord_error(res).await, (StatusCode::BAD_REQUEST, "invalid_link_state".to_owned()));
    let res = coord.decide(&state, "maybe").await;
    assert_eq!(coord_error(res).await, (StatusCode::BAD_REQUEST, "invalid_body".to_owned()));
    assert_eq!(coord.decide(&state, "deny").await.status(), StatusCode::SEE_OTHER);
    let res = coord.decide(&state, "approve").await;
    assert_eq!(coord_error(res).await, (StatusCode::BAD_REQUEST, "invalid_link_state".to_owned()), "used once");
    assert!(!linked(&app, &token, "CitiBike").await);

    // the token's session ends between the page and the answer
    let html = coord.link_account(&token, "CitiBike", BACK).await.text().await.unwrap();
    app.revoke_session(tests::claims(&token)["sid"].as_str().unwrap()).await;
    let res = coord.decide(&consent_state(&html), "approve").await;
    assert_eq!(coord_error(res).await, (StatusCode::UNAUTHORIZED, "session_ended".to_owned()));
    let res = app.client.post(app.url("/v1/users/link_account")).json(&serde_json::json!({})).send().await.unwrap();
    assert_eq!(coord_error(res).await, (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type".to_owned()));
});
