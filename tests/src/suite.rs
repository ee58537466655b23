//! The suite dialect (`/{tenant}/…`), as its apps call it: sign-up, the sign-in flows, refresh,
//! two factors, the signed code bootstrap, and its error format.

use crate::TestApp;
use reqwest::{RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};

/// The password every suite helper signs up and in with.
pub const PASSWORD: &str = "correct horse battery";

pub const EMAIL_CODE_BOOTSTRAP: &str = "/front/customers/create-or-sign-in-with-email-code";
pub const PHONE_CODE_BOOTSTRAP: &str = "/front/customers/create-or-sign-in-with-phone-number";

/// A suite token pair.
pub struct Tokens {
    pub access: String,
    pub refresh: String,
}

impl Tokens {
    /// The pair a successful sign-in answered with.
    pub async fn of(res: Response) -> Self {
        assert_eq!(res.status(), 200);
        let body: Value = res.json().await.unwrap();
        Self::from_body(&body)
    }

    pub fn from_body(body: &Value) -> Self {
        let field = |name: &str| body[name].as_str().unwrap_or_else(|| panic!("{name} in {body}")).to_owned();
        Self { access: field("accessToken"), refresh: field("refreshToken") }
    }
}

/// The suite API of one tenant.
pub struct Suite<'a> {
    app: &'a TestApp,
    tenant: &'a str,
}

impl TestApp {
    pub fn suite<'a>(&'a self, tenant: &'a str) -> Suite<'a> {
        Suite { app: self, tenant }
    }
}

impl Suite<'_> {
    pub fn url(&self, path: &str) -> String {
        self.app.url(&format!("/{}{path}", self.tenant))
    }

    pub fn get(&self, path: &str) -> RequestBuilder {
        self.app.client.get(self.url(path))
    }

    pub fn post(&self, path: &str) -> RequestBuilder {
        self.app.client.post(self.url(path))
    }

    pub async fn post_json(&self, path: &str, body: Value) -> Response {
        self.post(path).json(&body).send().await.unwrap()
    }

    pub async fn sign_up(&self, body: Value) -> Response {
        self.post_json("/front/customers", body).await
    }

    /// Sign up with `email` and [`PASSWORD`]; the new customer's uuid.
    pub async fn signed_up(&self, email: &str) -> String {
        let res = self.sign_up(json!({ "email": email, "password": PASSWORD })).await;
        assert_eq!(res.status(), 201);
        res.json::<Value>().await.unwrap()["uuid"].as_str().unwrap().to_owned()
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> Response {
        self.post_json("/auth/sign-in-email", json!({ "email": email, "password": password })).await
    }

    /// Sign up and sign in; the token pair.
    pub async fn signed_in(&self, email: &str) -> Tokens {
        self.signed_up(email).await;
        Tokens::of(self.sign_in(email, PASSWORD).await).await
    }

    pub async fn refresh(&self, token: &str) -> Response {
        self.post_json("/auth/refresh-token", json!({ "refreshToken": token })).await
    }

    /// The signed-in customer.
    pub async fn customer(&self, access: &str) -> Response {
        self.get("/front/customers").bearer_auth(access).send().await.unwrap()
    }

    /// The signed-in customer's body.
    pub async fn me(&self, access: &str) -> Value {
        self.customer(access).await.json().await.unwrap()
    }

    pub async fn logout(&self, access: &str) -> Response {
        self.post("/auth/logout").bearer_auth(access).send().await.unwrap()
    }

    pub async fn sign_in_api_client(&self, client_id: &str, client_key: &str) -> Response {
        self.post_json("/auth/sign-in-api-client", json!({ "clientId": client_id, "clientKey": client_key })).await
    }

    /// `POST /auth/user/{path}`, the signed-in user's two-factor settings.
    pub async fn two_factor(&self, access: &str, path: &str, body: Option<Value>) -> Response {
        let mut req = self.post(&format!("/auth/user/{path}")).bearer_auth(access);
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send().await.unwrap()
    }

    /// The second factor for the `mfaToken` of a password sign-in.
    pub async fn validate_code(&self, mfa_token: &str, code: &str) -> Response {
        self.post_json("/auth/user/2fa-code-validate", json!({ "mfaToken": mfa_token, "code": code })).await
    }

    /// Sign in with [`PASSWORD`] to an account with two factors on; its `mfaToken`.
    pub async fn mfa_token(&self, email: &str) -> String {
        let res = self.sign_in(email, PASSWORD).await;
        assert_eq!(res.status(), 200);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["mfaRequired"], true, "{body}");
        assert!(body.get("accessToken").is_none(), "no tokens before the second factor: {body}");
        body["mfaToken"].as_str().unwrap().to_owned()
    }

    /// The URL of a bootstrap request, signed for `subject` at `timestamp`.
    pub async fn bootstrap_url(&self, path: &str, subject: &str, timestamp: i64) -> String {
        let signature = self.app.bootstrap_signature(self.tenant, timestamp, subject).await;
        self.url(&format!("{path}?timestamp={timestamp}&signature={signature}"))
    }

    /// Ask for an email code, signed now.
    pub async fn request_email_code(&self, email: &str) -> Response {
        self.request_email_code_at(email, chrono::Utc::now().timestamp()).await
    }

    pub async fn request_email_code_at(&self, email: &str, timestamp: i64) -> Response {
        let url = self.bootstrap_url(EMAIL_CODE_BOOTSTRAP, email, timestamp).await;
        self.app.client.post(url).json(&json!({ "email": email })).send().await.unwrap()
    }

    /// Ask for a phone code, signed now.
    pub async fn request_phone_code(&self, phone: &str) -> Response {
        let url = self.bootstrap_url(PHONE_CODE_BOOTSTRAP, phone, chrono::Utc::now().timestamp()).await;
        self.app.client.post(url).json(&json!({ "phoneNumber": phone })).send().await.unwrap()
    }

    pub async fn sign_in_email_code(&self, email: &str, code: &str) -> Response {
        self.post_json("/auth/sign-in-email-code", json!({ "email": email, "code": code })).await
    }

    pub async fn sign_in_phone_code(&self, phone: &str, code: &str) -> Response {
        self.post_json("/auth/sign-in-phone-number", json!({ "phoneNumber": phone, "code": code })).await
    }
}

/// Status and suite error code of a response, checking the body's shape on the way.
pub async fn suite_error(res: Response) -> (StatusCode, String) {
    let status = res.status();
    let trace = res.headers().get("x-request-id").map(|v| v.to_str().unwrap().to_owned());
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["httpStatus"], status.as_u16(), "{body}");
    assert!(body["userMessage"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
    assert_eq!(body["traceId"].as_str(), trace.as_deref(), "traceId is the request id: {body}");
    assert!(body.as_object().unwrap().values().all(|v| !v.is_null()), "nulls are left out: {body}");
    (status, body["errorCode"].as_str().unwrap().to_owned())
}
