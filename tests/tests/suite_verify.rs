//! Proving the suite customer's phone number and email, black-box on both engines: codes by SMS
//! and mail (read from the outbox file), the confirmation link, and what a code of another
//! purpose or for an old number cannot do.
#![allow(clippy::unwrap_used)]

use reqwest::StatusCode;
use serde_json::{Value, json};
use tests::suite::{PASSWORD, Tokens, suite_error};
use tests::{TestApp, both_engines, eventually};

async fn signed_in(app: &TestApp, email: &str) -> String {
    let suite = app.suite("demo");
    suite.signed_up(email).await;
    Tokens::of(suite.sign_in(email, PASSWORD).await).await.access
}

async fn set_phone(app: &TestApp, token: &str, phone: &str) {
    let url = app.suite("demo").url("/front/customers");
    let res = app.client.patch(url).bearer_auth(token).json(&json!({ "phoneNumber": phone })).send().await.unwrap();
    assert_eq!(res.status(), 200);
}

async fn post(app: &TestApp, token: Option<&str>, path: &str) -> reqwest::Response {
    let mut req = app.suite("demo").post(path);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap()
}

/// The codes the outbox holds for `to`, waiting for the dispatcher to write them.
async fn codes_for(app: &TestApp, to: &str, count: usize) -> Vec<String> {
    assert!(eventually(10, || async { app.codes_sent_to(to).len() >= count }).await, "{count} codes for {to}");
    app.codes_sent_to(to)
}

both_engines!(a_customer_proves_a_phone_number, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let token = signed_in(&app, "pia@example.com").await;
    let res = post(&app, Some(&token), "/front/customers/verify/send").await;
    assert_eq!(suite_error(res).await, (StatusCode::BAD_REQUEST, "U301".into()));

    set_phone(&app, &token, "+41791112233").await;
    assert_eq!(post(&app, Some(&token), "/front/customers/verify/send").await.status(), 204);
    let code = codes_for(&app, "+41791112233", 1).await.pop().unwrap();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let res = post(&app, Some(&token), &format!("/front/customers/verify/check/{wrong}")).await;
    assert_eq!(suite_error(res).await, (StatusCode::BAD_REQUEST, "U302".into()));
    assert_eq!(post(&app, Some(&token), &format!("/front/customers/verify/check/{code}")).await.status(), 204);
    assert_eq!(app.suite("demo").me(&token).await["phoneIsVerified"], true);
    // the code works once; a proven number gets no new SMS
    let again = post(&app, Some(&token), &format!("/front/customers/verify/check/{code}")).await;
    assert_eq!(suite_error(again).await, (StatusCode::BAD_REQUEST, "U302".into()));
    assert_eq!(post(&app, Some(&token), "/front/customers/verify/send").await.status(), 204);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(app.codes_sent_to("+41791112233").len(), 1);
});

both_engines!(a_code_for_an_old_number_or_another_purpose_proves_nothing, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let token = signed_in(&app, "quin@example.com").await;
    set_phone(&app, &token, "+41792223344").await;
    assert_eq!(post(&app, Some(&token), "/front/customers/verify/send").await.status(), 204);
    let old_code = codes_for(&app, "+41792223344", 1).await.pop().unwrap();
    set_phone(&app, &token, "+41795556677").await;
    let res = post(&app, Some(&token), &format!("/front/customers/verify/check/{old_code}")).await;
    assert_eq!(suite_error(res).await, (StatusCode::BAD_REQUEST, "U302".into()));
    // a sign-in code sent to the number is not a verification code
    assert_eq!(app.suite("demo").request_phone_code("+41795556677").await.status(), 204);
    let sign_in_code = codes_for(&app, "+41795556677", 1).await.pop().unwrap();
    let res = post(&app, Some(&token), &format!("/front/customers/verify/check/{sign_in_code}")).await;
    assert_eq!(suite_error(res).await, (StatusCode::BAD_REQUEST, "U302".into()));
    assert_eq!(app.suite("demo").me(&token).await["phoneIsVerified"], false);
});

both_engines!(a_customer_confirms_an_email_by_code_or_link, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let token = signed_in(&app, "rita@example.com").await;
    assert_eq!(post(&app, None, "/front/customers/verify-email/resend/rita@example.com").await.status(), 204);
    let code = codes_for(&app, "rita@example.com", 1).await.pop().unwrap();
    let confirm = |email: &str, code: &str| {
        app.suite("demo").post("/front/customers/verify-email").json(&json!({"email": email, "code": code})).send()
    };
    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert_eq!(
        suite_error(confirm("rita@example.com", wrong).await.unwrap()).await,
        (StatusCode::BAD_REQUEST, "U402".into())
    );
    assert_eq!(confirm("rita@example.com", &code).await.unwrap().status(), 204);
    let me: Value = app.suite("demo").me(&token).await;
    assert_eq!(me["emailIsVerified"], true);
    assert_eq!(app.suite("demo").sign_in("rita@example.com", PASSWORD).await.status(), 200, "the password stays");

    // the link of a second account's mail
    let other = signed_in(&app, "sam@example.com").await;
    assert_eq!(post(&app, None, "/front/customers/verify-email/resend/sam@example.com").await.status(), 204);
    codes_for(&app, "sam@example.com", 1).await;
    let outbox = std::fs::read_to_string(app.outbox_file()).unwrap();
    let mail: Value = outbox
        .lines()
        .rev()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|m| m["to"] == "sam@example.com")
        .unwrap();
    let body = mail["body"].as_str().unwrap();
    let link = body.split_whitespace().find(|w| w.starts_with("http")).unwrap();
    let path = link.split_once("/demo/").map(|(_, p)| format!("/demo/{p}")).unwrap();
    let page = app.get(&path).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("confirmed"));
    assert_eq!(app.suite("demo").me(&other).await["emailIsVerified"], true);
    assert_eq!(app.get(&path).send().await.unwrap().status(), 400, "a link works once");
    // a link cut short gets the same page, not the extractor's plain text
    let cut = path.split_once("&code=").map(|(head, _)| head.to_owned()).unwrap();
    let page = app.get(&cut).send().await.unwrap();
    assert_eq!(page.status(), 400);
    assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(page.text().await.unwrap().contains("not valid"));

    // no account, or no email: nothing says whether an account exists
    assert_eq!(post(&app, None, "/front/customers/verify-email/resend/nobody@example.com").await.status(), 204);
    let bad = post(&app, None, "/front/customers/verify-email/resend/not-an-email").await;
    assert_eq!(suite_error(bad).await, (StatusCode::BAD_REQUEST, "U130.3".into()));
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(app.codes_sent_to("nobody@example.com").is_empty());
});
