//! A stand-in Stripe the server talks to in tests: it keeps customers, cards, charges and
//! subscriptions in memory, answers Stripe-shaped objects and errors, replays the answer of a
//! POST whose `Idempotency-Key` it has seen (as Stripe does), and records every request so a
//! test can assert the wire format.
//!
//! Tokens it knows: any `tok_…` attaches a Visa 4242, except `tok_chargeDeclined` (refused at
//! attach, 402 `card_error`) and `tok_chargeCustomerFail` (attaches; its charges are declined).
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub const SECRET_KEY: &str = "sk_test_51StandInSecretKeyNeverLogged";

#[derive(Debug, Clone)]
pub struct Seen {
    pub method: Method,
    pub path: String,
    pub headers: HeaderMap,
    pub form: Vec<(String, String)>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn field(&self, name: &str) -> Option<&str> {
        self.form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct Books {
    next: u64,
    seen: Vec<Seen>,
    /// Idempotency key → the answer first given.
    answered: HashMap<String, (StatusCode, Value)>,
    /// Card id → whether its charges fail.
    failing_cards: HashMap<String, bool>,
}

#[derive(Clone, Default)]
pub struct StripeStandIn {
    books: Arc<Mutex<Books>>,
    base: Arc<Mutex<String>>,
}

impl StripeStandIn {
    /// Serve on 127.0.0.1:0; the base URL to configure as `USERS_API_STRIPE_API_BASE`.
    pub async fn start(&self) -> String {
        let app = Router::new().fallback(answer).with_state(self.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let base = format!("http://{address}");
        *self.base.lock().unwrap() = base.clone();
        base
    }

    /// The base URL `start` answered.
    pub fn base(&self) -> String {
        self.base.lock().unwrap().clone()
    }

    /// Every request so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.books.lock().unwrap().seen.clone()
    }

    /// The requests to `method path_prefix…`.
    pub fn seen_at(&self, method: Method, path_prefix: &str) -> Vec<Seen> {
        self.seen().into_iter().filter(|s| s.method == method && s.path.starts_with(path_prefix)).collect()
    }
}

fn error(status: StatusCode, kind: &str, code: &str, message: &str, charge: Option<&str>) -> (StatusCode, Value) {
    let mut body = json!({"error": {"type": kind, "code": code, "message": message}});
    if kind == "card_error" {
        body["error"]["decline_code"] = json!("generic_decline");
    }
    if let Some(charge) = charge {
        body["error"]["charge"] = json!(charge);
    }
    (status, body)
}

fn card(id: &str, customer: &str) -> Value {
    json!({"id": id, "object": "card", "brand": "Visa", "last4": "4242", "exp_month": 12, "exp_year": 2034,
        "fingerprint": "Xt5EWLLDS7FJjR1c", "funding": "credit", "country": "US", "customer": customer})
}

async fn answer(
    State(standin): State<StripeStandIn>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let path = uri.path().to_owned();
    let mut books = standin.books.lock().unwrap();
    books.seen.push(Seen { method: method.clone(), path: path.clone(), headers: headers.clone(), form: form.clone() });
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(&format!("Bearer {SECRET_KEY}")) {
        let (status, body) = error(
            StatusCode::UNAUTHORIZED,
            "invalid_request_error",
            "api_key_invalid",
            "Invalid API Key provided",
            None,
        );
        return (status, axum::Json(body)).into_response();
    }
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_owned);
    if let Some((status, body)) = key.as_ref().and_then(|k| books.answered.get(k)) {
        return (*status, axum::Json(body.clone())).into_response();
    }
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    books.next += 1;
    let n = books.next;
    let segments: Vec<&str> = path.trim_start_matches("/v1/").split('/').collect();
    let (status, body) = match (method.as_str(), segments.as_slice()) {
        ("POST", ["customers"]) => (StatusCode::OK, json!({"id": format!("cus_standin_{n}"), "object": "customer"})),
        ("POST", ["customers", customer, "sources"]) => match field("source").as_str() {
            "tok_chargeDeclined" => {
                error(StatusCode::PAYMENT_REQUIRED, "card_error", "card_declined", "Your card was declined.", None)
            }
            token if token.starts_with("tok_") => {
                let id = format!("card_standin_{n}");
                books.failing_cards.insert(id.clone(), token == "tok_chargeCustomerFail");
                (StatusCode::OK, card(&id, customer))
            }
            _ => {
                error(StatusCode::BAD_REQUEST, "invalid_request_error", "resource_missing", "No such token: 'x'", None)
            }
        },
        ("POST", ["customers", customer]) => (StatusCode::OK, json!({"id": customer, "object": "customer"})),
        ("POST", ["customers", customer, "sources", card_id]) => (StatusCode::OK, card(card_id, customer)),
        ("DELETE", ["customers", _, "sources", card_id]) => (StatusCode::OK, json!({"id": card_id, "deleted": true})),
        ("POST", ["charges"]) => {
            let id = format!("ch_standin_{n}");
            if books.failing_cards.get(&field("source")).copied().unwrap_or(false) {
                error(StatusCode::PAYMENT_REQUIRED, "card_error", "card_declined", "Your card was declined.", Some(&id))
            } else {
                let amount: i64 = field("amount").parse().unwrap_or(0);
                (
                    StatusCode::OK,
                    json!({"id": id, "object": "charge", "amount": amount, "currency": field("currency"), "status": "succeeded", "paid": true}),
                )
            }
        }
        ("POST", ["subscriptions"]) => (
            StatusCode::OK,
            json!({"id": format!("sub_standin_{n}"), "object": "subscription",
            "status": "active", "current_period_start": 1_800_000_000, "current_period_end": 1_802_592_000,
            "items": {"data": [{"price": {"id": field("items[0][price]")}}]}}),
        ),
        ("DELETE", ["subscriptions", id]) => (
            StatusCode::OK,
            json!({"id": id, "object": "subscription", "status": "canceled",
            "current_period_start": 1_800_000_000, "current_period_end": 1_800_000_100,
            "items": {"data": [{"price": {"id": "price_any"}}]}}),
        ),
        _ => {
            error(StatusCode::NOT_FOUND, "invalid_request_error", "resource_missing", "Unrecognized request URL", None)
        }
    };
    if let Some(key) = key.filter(|_| method == Method::POST) {
        books.answered.insert(key, (status, body.clone()));
    }
    (status, axum::Json(body)).into_response()
}
