//! A stand-in Veriff the tests start on a loopback port: it creates sessions, answers their
//! decisions (none until a test calls `decide`), checks the API key and the decision requests'
//! HMAC signature as Veriff does, records every request, and can be told to fail or stall the
//! next answer.
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const API_KEY: &str = "veriff-standin-api-key-never-logged";
pub const SHARED_SECRET: &str = "veriff-standin-shared-secret-never-logged";

/// One request as the stand-in saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: Method,
    pub path: String,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

#[derive(Default)]
struct Books {
    next: u64,
    requests: Vec<Recorded>,
    /// Session id → its decision (`status`, `reason`), if Veriff has decided.
    sessions: HashMap<String, Option<(String, Option<String>)>>,
    /// The next answer's status and body, instead of the real one.
    fail_next: Option<(u16, Value)>,
    stall_next: Option<Duration>,
}

#[derive(Clone)]
pub struct VeriffStandIn {
    pub base: String,
    books: Arc<Mutex<Books>>,
}

impl VeriffStandIn {
    /// Serves on 127.0.0.1:0; `base` is what to configure as the API base.
    pub async fn start() -> Self {
        let books = Arc::new(Mutex::new(Books::default()));
        let kept = books.clone();
        let router = axum::Router::new().fallback(move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let books = kept.clone();
            async move { answer(books, method, uri, headers, body).await }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { base, books }
    }

    fn books(&self) -> std::sync::MutexGuard<'_, Books> {
        self.books.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.books().requests.clone()
    }

    /// Veriff decided session `id`: `approved`, `declined` (with a reason), `expired`, …
    pub fn decide(&self, id: &str, status: &str, reason: Option<&str>) {
        self.books().sessions.insert(id.to_owned(), Some((status.to_owned(), reason.map(str::to_owned))));
    }

    /// The next request is answered `status` with `body`.
    pub fn fail_next(&self, status: u16, body: Value) {
        self.books().fail_next = Some((status, body));
    }

    /// The next request is answered only after `delay`.
    pub fn stall_next(&self, delay: Duration) {
        self.books().stall_next = Some(delay);
    }
}

fn signature(payload: &[u8]) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SHARED_SECRET.as_bytes()).expect("any key length");
    mac.update(payload);
    hex::encode(mac.finalize().into_bytes())
}

fn fail(status: StatusCode, code: &str, message: &str) -> Response {
    (status, axum::Json(json!({ "status": "fail", "code": code, "message": message }))).into_response()
}

async fn answer(books: Arc<Mutex<Books>>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let path = uri.path().to_owned();
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let (failing, stall) = {
        let mut books = books.lock().unwrap_or_else(|e| e.into_inner());
        books.requests.push(Recorded {
            method: method.clone(),
            path: path.clone(),
            headers: headers.clone(),
            body: body.clone(),
        });
        (books.fail_next.take(), books.stall_next.take())
    };
    if let Some(delay) = stall {
        tokio::time::sleep(delay).await;
    }
    if let Some((status, body)) = failing {
        return (StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), axum::Json(body))
            .into_response();
    }
    if headers.get("x-auth-client").and_then(|v| v.to_str().ok()) != Some(API_KEY) {
        return fail(
            StatusCode::UNAUTHORIZED,
            "1801",
            "Mandatory X-AUTH-CLIENT header containing the API key is missing from the request.",
        );
    }
    let mut books = books.lock().unwrap_or_else(|e| e.into_inner());
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match (method, segments.as_slice()) {
        (Method::POST, ["v1", "sessions"]) => {
            let fields = &body["verification"];
            if !fields["callback"].is_string() || !fields["document"]["type"].is_string() {
                return fail(StatusCode::BAD_REQUEST, "1102", "Mandatory parameters are missing from the request.");
            }
            books.next += 1;
            let id = format!("f04bdb47-d3be-4b28-b028-{:012}", books.next);
            books.sessions.insert(id.clone(), None);
            let url = format!("https://alchemy.veriff.com/v/standin-session-token-{}", books.next);
            let created = json!({ "status": "success", "verification": {
                "id": id, "url": url, "vendorData": fields["vendorData"], "host": "https://alchemy.veriff.com",
                "status": "created", "sessionToken": format!("standin-session-token-{}", books.next) } });
            (StatusCode::CREATED, axum::Json(created)).into_response()
        }
        (Method::GET, ["v1", "sessions", id, "decision"]) => {
            if headers.get("x-hmac-signature").and_then(|v| v.to_str().ok()) != Some(signature(id.as_bytes()).as_str())
            {
                return fail(StatusCode::UNAUTHORIZED, "1812", "Signature is not valid.");
            }
            let Some(decision) = books.sessions.get(*id) else {
                return fail(StatusCode::NOT_FOUND, "1201", "Session not found.");
            };
            let verification = decision.as_ref().map(|(status, reason)| {
                let code = match status.as_str() { "approved" => 9001, "declined" => 9102, "resubmission_requested" => 9103, _ => 9104 };
                json!({ "id": id, "code": code, "status": status, "reason": reason, "reasonCode": null, "vendorData": null })
            });
            axum::Json(json!({ "status": "success", "verification": verification })).into_response()
        }
        _ => fail(StatusCode::NOT_FOUND, "1001", "Not found."),
    }
}
