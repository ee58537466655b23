//! A stand-in Stripe for the tests: it listens on a loopback port, records every request
//! (method, raw path, headers, parsed form) and answers the scripted answers in order.
use super::{StripeConfig, StripePayments};
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use secrecy::SecretString;
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const SECRET_KEY: &str = "sk_test_51SecretKeyNeverLogged";

/// One request as the stand-in saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: Method,
    pub path: String,
    pub headers: HeaderMap,
    pub form: Vec<(String, String)>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn field(&self, name: &str) -> Option<&str> {
        self.form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// A scripted answer: status, JSON body, extra headers, and a delay before answering.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
    pub headers: Vec<(&'static str, &'static str)>,
    pub delay: Duration,
}

impl Answer {
    pub fn ok(body: Value) -> Self {
        Self { status: 200, body, headers: Vec::new(), delay: Duration::ZERO }
    }

    /// Stripe's error object.
    pub fn error(status: u16, error: Value) -> Self {
        Self { status, body: json!({ "error": error }), headers: Vec::new(), delay: Duration::ZERO }
    }

    pub fn with_header(mut self, name: &'static str, value: &'static str) -> Self {
        self.headers.push((name, value));
        self
    }

    pub fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

type Script = Arc<Mutex<VecDeque<Answer>>>;

pub struct StandIn {
    pub base: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

impl StandIn {
    /// Starts a stand-in answering `answers` in order (a 500 once they run out).
    pub async fn start(answers: Vec<Answer>) -> Self {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let script: Script = Arc::new(Mutex::new(answers.into()));
        let (kept, script) = (requests.clone(), script.clone());
        let router = axum::Router::new().fallback(move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let (kept, script) = (kept.clone(), script.clone());
            async move { answer(kept, script, method, uri, headers, body).await }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { base, requests }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The only request the stand-in saw.
    pub fn single(&self) -> Recorded {
        let requests = self.requests();
        assert_eq!(requests.len(), 1, "expected one request, got {requests:?}");
        requests.into_iter().next().expect("one request")
    }

    pub fn config(&self) -> StripeConfig {
        let mut config = StripeConfig::new(SecretString::from(SECRET_KEY));
        config.api_base = self.base.clone();
        config.timeout = Duration::from_secs(5);
        config
    }

    pub fn payments(&self) -> StripePayments {
        StripePayments::new(self.config()).expect("valid config")
    }
}

async fn answer(
    kept: Arc<Mutex<Vec<Recorded>>>,
    script: Script,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = form_urlencoded::parse(&body).into_owned().collect();
    kept.lock().unwrap_or_else(|e| e.into_inner()).push(Recorded {
        method,
        path: uri.path().to_owned(),
        headers,
        form,
    });
    let next = script.lock().unwrap_or_else(|e| e.into_inner()).pop_front();
    let Some(next) = next else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "no answer scripted").into_response();
    };
    tokio::time::sleep(next.delay).await;
    let status = StatusCode::from_u16(next.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, axum::Json(next.body)).into_response();
    for (name, value) in next.headers {
        response.headers_mut().insert(HeaderName::from_static(name), HeaderValue::from_static(value));
    }
    response
}

pub fn customer(id: &str) -> Value {
    json!({ "id": id, "object": "customer", "description": "user-1", "metadata": { "reference": "user-1" } })
}

pub fn card(id: &str) -> Value {
    json!({
        "id": id, "object": "card", "brand": "Visa", "last4": "4242", "exp_month": 8, "exp_year": 2031,
        "fingerprint": "Xt5EWLLDS7FJjR1c", "funding": "credit", "country": "US", "customer": "cus_1",
        "address_line1": null, "cvc_check": "pass"
    })
}

pub fn charge(id: &str, status: &str) -> Value {
    json!({
        "id": id, "object": "charge", "amount": 1250, "currency": "chf", "status": status, "paid": true,
        "failure_code": null, "failure_message": null, "customer": "cus_1", "source": card("card_1")
    })
}

pub fn subscription(id: &str, status: &str) -> Value {
    json!({
        "id": id, "object": "subscription", "status": status, "customer": "cus_1",
        "current_period_start": 1_700_000_000, "current_period_end": 1_702_592_000,
        "items": { "object": "list", "data": [
            { "id": "si_1", "object": "subscription_item", "price": { "id": "price_monthly", "object": "price" } }
        ] }
    })
}
