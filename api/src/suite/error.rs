//! The suite error body: `{"errorCode", "userMessage", "httpStatus", "traceId"}`, with
//! `userMessage` in the language of `Accept-Language` (en, de, fr, nl; English otherwise).
//!
//! Handlers return `SuiteError`; its response carries the code, and the `localize` middleware,
//! which sees the request, writes the message in the caller's language and the request id as
//! `traceId`.
use crate::error::ApiError;
use crate::error::suite_codes::{Language, SuiteCode};
use axum::Json;
use axum::extract::Request;
use axum::http::HeaderValue;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

#[derive(Debug)]
pub struct SuiteError(pub ApiError);

impl<E: Into<ApiError>> From<E> for SuiteError {
    fn from(e: E) -> Self {
        Self(e.into())
    }
}

/// Every suite 4xx/5xx body. Fields that would be null are left out.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = suite::Error, example = json!({"errorCode": "U102", "userMessage": "A user with this email already exists.", "httpStatus": 409, "traceId": "0b6e8f0e-3f6c-4a57-9d59-8e4f1c2b7a10"}))]
pub struct SuiteErrorBody {
    /// The stable code; see the README's suite error table.
    pub error_code: &'static str,
    /// For people, in the language of `Accept-Language` (en, de, fr, nl).
    pub user_message: String,
    pub http_status: u16,
    /// The request id (`x-request-id`), to quote to support.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
}

/// What `localize` needs to rewrite an error response.
#[derive(Debug, Clone)]
struct Pending {
    code: &'static SuiteCode,
    status: StatusCode,
    /// A detail appended to the message (which field was wrong), in English.
    detail: Option<String>,
}

impl IntoResponse for SuiteError {
    fn into_response(self) -> Response {
        let spec = self.0.spec();
        let body = SuiteErrorBody {
            error_code: spec.suite.code,
            user_message: self.0.public_message(),
            http_status: spec.status.as_u16(),
            trace_id: None,
        };
        let mut response = self.0.respond(spec.status, body);
        response.extensions_mut().insert(Pending { code: spec.suite, status: spec.status, detail: self.0.detail() });
        response
    }
}

/// Rewrites suite error bodies in the caller's language, with the request id as `traceId`.
pub async fn localize(request: Request, next: Next) -> Response {
    let caller = Caller::of(request.headers());
    let response = next.run(request).await;
    caller.localize(response)
}

/// `error`'s suite response for a request with `headers`, where `localize` does not run (a
/// deadline that fires outside the router).
pub fn respond(error: ApiError, headers: &axum::http::HeaderMap) -> Response {
    Caller::of(headers).localize(SuiteError(error).into_response())
}

/// What a suite error response takes from its request: the language, and the request id. Kept
/// as the header values (a shared-bytes copy) and read only when an error is answered: most
/// responses are not.
struct Caller {
    language: Option<HeaderValue>,
    trace_id: Option<HeaderValue>,
}

impl Caller {
    fn of(headers: &axum::http::HeaderMap) -> Self {
        Self { language: headers.get("accept-language").cloned(), trace_id: headers.get("x-request-id").cloned() }
    }

    /// The error `response` in the caller's language, with the request id as `traceId`.
    fn localize(self, response: Response) -> Response {
        let Some(pending) = response.extensions().get::<Pending>().cloned() else { return response };
        let language = pick_language(self.language.as_ref().and_then(|v| v.to_str().ok()));
        let trace_id = self.trace_id.as_ref().and_then(|v| v.to_str().ok()).map(str::to_owned);
        let mut message = pending.code.message(language).to_owned();
        if let Some(detail) = pending.detail {
            message = format!("{message} ({detail})");
        }
        let body = SuiteErrorBody {
            error_code: pending.code.code,
            user_message: message,
            http_status: pending.status.as_u16(),
            trace_id,
        };
        let (mut parts, _) = response.into_parts();
        parts.headers.remove(axum::http::header::CONTENT_LENGTH);
        let mut rebuilt = (pending.status, Json(body)).into_response();
        *rebuilt.headers_mut() = parts.headers;
        rebuilt
            .headers_mut()
            .insert(axum::http::header::CONTENT_LANGUAGE, axum::http::HeaderValue::from_static(language.tag()));
        rebuilt
    }
}

/// The best supported language of an `Accept-Language` header, by quality, then order.
pub fn pick_language(header: Option<&str>) -> Language {
    let mut best: Option<(f32, Language)> = None;
    for item in header.unwrap_or_default().split(',') {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let quality =
            parts.find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.parse::<f32>().ok())).unwrap_or(1.0);
        let language = match tag.split('-').next().unwrap_or_default() {
            "en" => Language::En,
            "de" => Language::De,
            "fr" => Language::Fr,
            "nl" => Language::Nl,
            _ => continue,
        };
        if quality > 0.0 && best.is_none_or(|(q, _)| quality > q) {
            best = Some((quality, language));
        }
    }
    best.map_or(Language::En, |(_, l)| l)
}

pub async fn not_found() -> SuiteError {
    SuiteError(ApiError::NotFound)
}

pub async fn method_not_allowed() -> SuiteError {
    SuiteError(ApiError::MethodNotAllowed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_best_supported_language() {
        assert_eq!(pick_language(None), Language::En);
        assert_eq!(pick_language(Some("de-CH")), Language::De);
        assert_eq!(pick_language(Some("es, fr;q=0.5, nl;q=0.8")), Language::Nl);
        assert_eq!(pick_language(Some("ja, it")), Language::En);
        assert_eq!(pick_language(Some("de;q=0, fr")), Language::Fr);
        assert_eq!(pick_language(Some(";;,,q=")), Language::En);
    }
}
