//! The legacy card-wallet dialect (`/api/oauth`, `/api/users`), as its clients call it, and its
//! error format.

use crate::TestApp;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};

/// The password of every [`person`].
pub const PASSWORD: &str = "correct horse battery";

/// A registration body for `name`, with `{name}@example.com`.
pub fn person(name: &str) -> Value {
    json!({"username": name, "email": format!("{name}@example.com"), "password": PASSWORD, "accept_terms": 1, "company": "ACME"})
}

/// The legacy API.
pub struct Legacy<'a> {
    app: &'a TestApp,
}

impl TestApp {
    pub fn legacy(&self) -> Legacy<'_> {
        Legacy { app: self }
    }
}

impl Legacy<'_> {
    pub async fn register(&self, body: Value) -> Response {
        // GET with a JSON body, as the original API does
        self.app.get("/api/oauth/register").json(&body).send().await.unwrap()
    }

    /// Register `person(name)`; the answer's body (user and tokens).
    pub async fn registered(&self, name: &str) -> Value {
        let res = self.register(person(name)).await;
        assert_eq!(res.status(), 200);
        res.json().await.unwrap()
    }

    /// `POST /api/oauth/token` with a JSON body.
    pub async fn token(&self, body: Value) -> Response {
        self.app.post("/api/oauth/token").json(&body).send().await.unwrap()
    }

    pub async fn refresh(&self, token: &str) -> Response {
        self.token(json!({"grant_type": "refresh_token", "refresh_token": token, "client_id": "web"})).await
    }

    /// The refresh grant as a form, as older clients send it.
    pub async fn refresh_form(&self, token: &str) -> Response {
        let form = [("grant_type", "refresh_token"), ("refresh_token", token)];
        self.app.post("/api/oauth/token").form(&form).send().await.unwrap()
    }

    /// `POST /api/oauth/revoke` by the bearer of `access`, naming a refresh token or none.
    pub async fn revoke(&self, access: &str, body: Option<Value>) -> Response {
        let mut req = self.app.post("/api/oauth/revoke").bearer_auth(access);
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send().await.unwrap()
    }

    pub async fn reset_password(&self, body: Value) -> Response {
        self.app.post("/api/oauth/reset_password").json(&body).send().await.unwrap()
    }

    /// `POST /api/oauth/reset_password/confirm`.
    pub async fn reset_confirm(&self, body: Value) -> Response {
        self.app.post("/api/oauth/reset_password/confirm").json(&body).send().await.unwrap()
    }

    /// The password grant (JSON): `username` may be the email too.
    pub async fn password_grant(&self, username: &str, password: &str) -> Response {
        self.token(json!({"grant_type": "password", "username": username, "password": password, "client_id": "web"}))
            .await
    }

    /// The password grant's answer: the access and the refresh token.
    pub async fn signed_in(&self, username: &str, password: &str) -> (String, String) {
        let res = self.password_grant(username, password).await;
        assert_eq!(res.status(), 200);
        let body: Value = res.json().await.unwrap();
        (body["access_token"].as_str().unwrap().to_owned(), body["refresh_token"].as_str().unwrap().to_owned())
    }

    /// `POST /api/users/update` by the bearer of `access`.
    pub async fn update(&self, access: &str, body: Value) -> Response {
        self.app.post("/api/users/update").bearer_auth(access).json(&body).send().await.unwrap()
    }

    /// `GET /api/users/show/{id}`, unauthenticated.
    pub async fn show(&self, id: &str) -> Response {
        self.app.get(&format!("/api/users/show/{id}")).send().await.unwrap()
    }

    pub async fn is_logged(&self, access: &str) -> Response {
        self.app.get("/api/users/isLogged").bearer_auth(access).send().await.unwrap()
    }

    /// `/api/users/otp{query}` for the bearer of `access`.
    pub fn otp(&self, method: Method, access: &str, query: &str) -> RequestBuilder {
        self.app.client.request(method, self.app.url(&format!("/api/users/otp{query}"))).bearer_auth(access)
    }
}

/// Status and `code` of a legacy error, checking the body's shape.
pub async fn legacy_error(res: Response) -> (StatusCode, String) {
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(keys, vec!["code", "msg"], "{body}");
    assert!(!body["msg"].as_str().unwrap().is_empty());
    (status, body["code"].as_str().unwrap().to_owned())
}
