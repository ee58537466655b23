//! The legacy dialect's providers (`/api/users/integrations`): the same account links as
//! coord's, with the card-wallet API's statuses and texts.
#![allow(clippy::unwrap_used)]

use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use tests::legacy::legacy_error;
use tests::{TestApp, both_engines};

async fn call(app: &TestApp, method: Method, path: &str, access: &str, body: Option<Value>) -> Response {
    let mut request = app.client.request(method, app.url(path)).bearer_auth(access);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

async fn providers(app: &TestApp, access: &str) -> Value {
    let res = call(app, Method::GET, "/api/users/integrations", access, None).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// Status, code and message of a legacy error.
async fn refusal(res: Response) -> (StatusCode, String, String) {
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(keys, vec!["code", "msg"], "{body}");
    (status, body["code"].as_str().unwrap().to_owned(), body["msg"].as_str().unwrap().to_owned())
}

both_engines!(providers_are_added_listed_and_removed, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let legacy = app.legacy();
    let access = legacy.registered("linker").await["access_token"].as_str().unwrap().to_owned();
    assert_eq!(providers(&app, &access).await, json!([]));

    let res = call(&app, Method::POST, "/api/users/integrations", &access, Some(json!({"name": "CitiBike"}))).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap(), json!({"msg": "the provider has been added"}));
    assert_eq!(providers(&app, &access).await, json!(["CitiBike"]));
    let res = call(&app, Method::POST, "/api/users/integrations", &access, Some(json!({"name": "CitiBike"}))).await;
    assert_eq!(
        refusal(res).await,
        (StatusCode::FORBIDDEN, "already_linked".into(), "the user already have this provider".into())
    );

    let res = call(&app, Method::DELETE, "/api/users/integrations/CitiBike", &access, None).await;
    assert_eq!(res.status(), 200);
    assert_eq!(providers(&app, &access).await, json!([]));
    let res = call(&app, Method::DELETE, "/api/users/integrations/CitiBike", &access, None).await;
    assert_eq!(refusal(res).await, (StatusCode::FORBIDDEN, "not_linked".into(), "the provider isn't enabled".into()));
    let user = tests::claims(&access)["sub"].as_str().unwrap().to_owned();
    let stream = format!("account-links-{user}");
    assert_eq!(app.stream(&stream).await.len(), 2, "one link and one unlink");
});

both_engines!(unknown_and_unlinkable_providers_are_invalid_parameters, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let access = app.legacy().registered("picky").await["access_token"].as_str().unwrap().to_owned();
    let not_implemented = "invalid parameters or provider isn't implemented".to_owned();
    for (body, code) in [
        (json!({}), "invalid_body"),
        (json!({"name": " "}), "invalid_body"),
        (json!({"name": "GitHub"}), "unknown_system"),
        (json!({"name": "MeterPark"}), "system_not_linkable"),
        (json!({"name": "PlateGarage"}), "requirements_missing"),
    ] {
        let res = call(&app, Method::POST, "/api/users/integrations", &access, Some(body.clone())).await;
        let (status, got, msg) = refusal(res).await;
        assert_eq!((status, got.as_str()), (StatusCode::BAD_REQUEST, code), "{body}");
        if code == "unknown_system" {
            assert_eq!(msg, not_implemented);
        }
    }
    for name in ["GitHub", "MeterPark"] {
        let res = call(&app, Method::DELETE, &format!("/api/users/integrations/{name}"), &access, None).await;
        assert_eq!(refusal(res).await, (StatusCode::BAD_REQUEST, "unknown_system".into(), not_implemented.clone()));
    }
    let res = app.client.get(app.url("/api/users/integrations")).send().await.unwrap();
    assert_eq!(legacy_error(res).await, (StatusCode::UNAUTHORIZED, "missing_token".to_owned()));
    assert_eq!(providers(&app, &access).await, json!([]));
});
