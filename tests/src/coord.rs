//! The coord dialect (`/v1/users`), as a partner's backend calls it with the demo partner's
//! access key, and its error format.

use crate::TestApp;
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The coord API, as the demo partner.
pub struct Coord<'a> {
    app: &'a TestApp,
}

impl TestApp {
    pub fn coord(&self) -> Coord<'_> {
        Coord { app: self }
    }
}

impl Coord<'_> {
    /// `path` under `/v1/users`, with the demo partner's access key.
    pub fn url(&self, path: &str) -> String {
        format!("{}/v1/users{path}?access_key={}", self.app.address, self.app.access_key)
    }

    pub async fn create_test_jwt(&self, body: Value) -> Response {
        self.app.client.post(self.url("/testing/create_jwt")).json(&body).send().await.unwrap()
    }

    /// A test token for `email`, asserting success.
    pub async fn token_for(&self, email: &str) -> String {
        let res = self.create_test_jwt(json!({ "email": email })).await;
        jwt_of(res).await
    }

    /// The production `create_jwt`, with the partner's server token as the bearer (or none).
    pub async fn create_jwt(&self, server_token: Option<&str>, body: Value) -> Response {
        let mut req = self.app.client.post(self.url("/create_jwt")).json(&body);
        if let Some(t) = server_token {
            req = req.bearer_auth(t);
        }
        req.send().await.unwrap()
    }

    pub async fn current_user(&self, token: &str) -> Response {
        self.app.client.get(self.url("/user/current")).bearer_auth(token).send().await.unwrap()
    }

    pub async fn put_vehicle(&self, token: &str, body: Value) -> Response {
        self.app.client.put(self.url("/user/current/vehicle")).bearer_auth(token).json(&body).send().await.unwrap()
    }

    /// `POST /testing/user/current/transactable_systems`: link (`true`) or unlink a test user.
    pub async fn test_link(&self, token: &str, system_id: &str, linked_account: bool) -> Response {
        let url = self.url("/testing/user/current/transactable_systems");
        let body = json!({"system_id": system_id, "linked_account": linked_account});
        self.app.client.post(url).bearer_auth(token).json(&body).send().await.unwrap()
    }

    /// The consent page URL of `link_account` (at `path`, `/link_account` or its alias), with the
    /// token, system and return URL in the query, encoded.
    pub fn link_account_url(&self, path: &str, token: &str, system_id: &str, return_url: &str) -> String {
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("access_key", &self.app.access_key)
            .append_pair("token", token)
            .append_pair("system_id", system_id)
            .append_pair("return_url", return_url)
            .finish();
        format!("{}/v1/users{path}?{query}", self.app.address)
    }

    /// The consent page for `system_id`, returning to `return_url`.
    pub async fn link_account(&self, token: &str, system_id: &str, return_url: &str) -> Response {
        let url = self.link_account_url("/link_account", token, system_id, return_url);
        self.app.client.get(url).send().await.unwrap()
    }

    /// The consent page's form posted with `decision`, redirects not followed.
    pub async fn decide(&self, state: &str, decision: &str) -> Response {
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let url = format!("{}/v1/users/link_account", self.app.address);
        client.post(url).form(&[("state", state), ("decision", decision)]).send().await.unwrap()
    }

    /// The seed's older name for `put_vehicle`.
    pub async fn update_vehicle(&self, token: &str, body: Value) -> Response {
        let url = self.url("/user/current/update_vehicle");
        self.app.client.post(url).bearer_auth(token).json(&body).send().await.unwrap()
    }
}

/// The `jwt_token` of a successful `create_jwt`.
pub async fn jwt_of(res: Response) -> String {
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    body["jwt_token"].as_str().unwrap().to_owned()
}

/// Status and `code` of a coord error, checking the body is the swagger's `Error`.
pub async fn coord_error(res: Response) -> (StatusCode, String) {
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    let keys: BTreeSet<_> = body.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, BTreeSet::from(["code".to_owned(), "message".to_owned()]), "{body}");
    assert!(!body["message"].as_str().unwrap().is_empty());
    (status, body["code"].as_str().unwrap().to_owned())
}

/// The sealed state in a consent page's form.
pub fn consent_state(html: &str) -> String {
    let start = html.find(r#"name="state" value=""#).unwrap() + r#"name="state" value=""#.len();
    html[start..].split('"').next().unwrap().to_owned()
}
