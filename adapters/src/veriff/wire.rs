//! Veriff's JSON: the session request, the created session, the decision, and the error body.
use commands::ports::identity::{VerificationError, VerificationKind, VerificationStatus};
use reqwest::StatusCode;
use serde::{Deserialize, Serialize};

#[derive(Serialize)]
pub(super) struct SessionRequest<'a> {
    verification: SessionFields<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SessionFields<'a> {
    /// Where Veriff sends the person when the flow ends.
    callback: &'a str,
    document: Document,
    /// Our user id, which Veriff hands back with the session.
    vendor_data: &'a str,
}

#[derive(Serialize)]
struct Document {
    #[serde(rename = "type")]
    kind: &'static str,
}

impl<'a> SessionRequest<'a> {
    pub(super) fn new(user: &'a str, kind: VerificationKind, return_url: &'a str) -> Self {
        let document = Document { kind: document_type(kind) };
        Self { verification: SessionFields { callback: return_url, document, vendor_data: user } }
    }
}

/// Veriff's document type of each kind.
pub(super) fn document_type(kind: VerificationKind) -> &'static str {
    match kind {
        VerificationKind::License => "DRIVERS_LICENSE",
        VerificationKind::Id => "ID_CARD",
    }
}

#[derive(Deserialize)]
pub(super) struct SessionCreated {
    pub(super) verification: CreatedSession,
}

#[derive(Deserialize)]
pub(super) struct CreatedSession {
    pub(super) id: String,
    pub(super) url: String,
}

/// `GET /v1/sessions/{id}/decision`: `verification` is null until Veriff has decided.
#[derive(Deserialize)]
pub(super) struct Decision {
    verification: Option<Decided>,
}

#[derive(Deserialize)]
struct Decided {
    status: String,
    #[serde(default)]
    reason: Option<String>,
}

impl Decision {
    /// `approved` is verified; `declined`, `expired` and `abandoned` end the session unverified;
    /// anything else (`resubmission_requested`, `review`, no decision) is still pending.
    pub(super) fn status(self) -> VerificationStatus {
        let Some(decided) = self.verification else { return VerificationStatus::Pending };
        let reason = |default: &str| decided.reason.clone().filter(|r| !r.is_empty()).unwrap_or(default.to_owned());
        match decided.status.as_str() {
            "approved" => VerificationStatus::Verified,
            "declined" => VerificationStatus::Rejected { reason: reason("declined") },
            "expired" => VerificationStatus::Rejected { reason: reason("the session expired unfinished") },
            "abandoned" => VerificationStatus::Rejected { reason: reason("the session was abandoned") },
            _ => VerificationStatus::Pending,
        }
    }
}

/// Veriff's error body: `{"status": "fail", "code": "1102", "message": "…"}`.
#[derive(Deserialize)]
struct Failure {
    #[serde(default)]
    code: Option<serde_json::Value>,
    #[serde(default)]
    message: Option<String>,
}

/// The error of a non-2xx answer: 404 is an unknown session; 429 and 5xx are an outage; any
/// other 4xx is a refusal, with Veriff's code and message (any secret in it blanked).
pub(super) fn error_of(status: StatusCode, body: &str, secrets: &[&str]) -> VerificationError {
    if status == StatusCode::NOT_FOUND {
        return VerificationError::NotFound;
    }
    if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        return VerificationError::Unavailable(format!("the provider answered {}", status.as_u16()));
    }
    let failure: Option<Failure> = serde_json::from_str(body).ok();
    let detail = failure
        .map(|f| {
            let code = f.code.map(|c| c.as_str().map_or_else(|| c.to_string(), str::to_owned)).unwrap_or_default();
            format!("{code} {}", f.message.unwrap_or_default()).trim().to_owned()
        })
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| "no reason given".to_owned());
    let detail = secrets.iter().filter(|s| !s.is_empty()).fold(detail, |d, s| d.replace(s, "[redacted]"));
    VerificationError::Refused(format!("{}: {detail}", status.as_u16()))
}
