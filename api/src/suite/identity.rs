//! `POST /verification/init`: the signed-in customer starts a verification of a driving licence
//! (`LICENSE`) or an identity document (`ID`) at the identity-verification provider, and is sent
//! to the provider's flow. While a session of the kind is pending, the same session is answered
//! again; a verified kind is refused (U503). `GET /customers` shows each kind's state, and asks
//! the provider about pending sessions first (`poll`), for at most `USERS_API_IDV_POLL_MILLIS`.
use super::extract::{SuiteJson, SuiteUser};
use super::{DIALECT, SuiteError};
use crate::error::ApiError;
use crate::request_meta::RequestMeta;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use domain::user::VerificationKind;
use projections::users::UserRow;
use serde::{Deserialize, Serialize};

type ErrorBody = super::error::SuiteErrorBody;

/// What to verify, and where the person returns.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = suite::VerificationInit, example = json!({"type": "LICENSE", "returnUrl": "https://app.example/verified"}))]
pub struct VerificationInit {
    /// `LICENSE` (a driving licence) or `ID` (an identity card or passport).
    #[serde(rename = "type")]
    #[schema(value_type = String)]
    kind: Option<String>,
    /// Where the provider sends the person back: an absolute http(s) URL, at most 2,048 characters.
    #[schema(value_type = String)]
    return_url: Option<String>,
}

/// The session the person completes at the provider.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = suite::VerificationSession)]
pub struct VerificationSession {
    /// The provider's id of the session.
    verification_id: String,
    /// Open it for the person: the provider's flow, which returns to `returnUrl`.
    url: String,
    /// `LICENSE` or `ID`.
    #[serde(rename = "type")]
    kind: &'static str,
    /// `PENDING` until the provider decides; `GET /customers` shows the outcome.
    state: &'static str,
}

/// Start (or continue) the signed-in customer's verification of a document.
#[utoipa::path(
    post,
    path = "/{tenant}/front/verification/init",
    tag = "suite",
    params(("tenant" = String, Path, description = "The operator (tenant) id")),
    request_body = VerificationInit,
    security(("suite_user" = [])),
    responses(
        (status = 200, description = "The pending session: a new one, or the one pending already", body = VerificationSession),
        (status = 400, description = "U501: the type is not LICENSE or ID; U502: the returnUrl is not an absolute http(s) URL of at most 2,048 characters; REQ400: the body", body = ErrorBody),
        (status = 401, description = "A202/A203/A204: no valid token or session", body = ErrorBody),
        (status = 409, description = "U503: this kind is verified already", body = ErrorBody),
        (status = 502, description = "U505: the provider failed or cannot be reached; nothing recorded", body = ErrorBody),
    )
)]
pub async fn init(
    State(state): State<AppState>,
    user: SuiteUser,
    meta: RequestMeta,
    SuiteJson(body): SuiteJson<VerificationInit>,
) -> Result<Json<VerificationSession>, SuiteError> {
    let kind = body.kind.as_deref().and_then(VerificationKind::parse).ok_or(ApiError::UnknownVerificationType)?;
    let return_url = crate::coord::return_url::acceptable(body.return_url.as_deref().unwrap_or_default())
        .map_err(|why| ApiError::InvalidVerificationReturnUrl(format!("returnUrl {why}")))?;
    let metadata = meta.by(DIALECT, &user.tenant_id, format!("user:{}", user.user_id));
    let session =
        state.verification.init(user.user_id, kind, return_url.as_str(), state.clock.now(), &metadata).await?;
    let (verification_id, url, kind) = (session.verification_id, session.url, session.kind.as_str());
    Ok(Json(VerificationSession { verification_id, url, kind, state: "PENDING" }))
}

/// Before `GET /customers` answers a customer with a pending session: ask the provider, for at
/// most the configured time, and record what it decided. True when something was recorded; a
/// failure or a timeout is logged and the answer shows what the log has.
pub(super) async fn poll(state: &AppState, user: &SuiteUser, meta: RequestMeta, row: &UserRow) -> bool {
    let pending = [&row.license_verification, &row.id_verification].iter().any(|s| s.as_deref() == Some("PENDING"));
    if !pending {
        return false;
    }
    let metadata = meta.by(DIALECT, &user.tenant_id, format!("user:{}", user.user_id));
    let refresh = state.verification.refresh(user.user_id, state.clock.now(), &metadata);
    match tokio::time::timeout(state.verification_poll, refresh).await {
        Ok(Ok(recorded)) => recorded,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "identity verification poll failed");
            false
        }
        Err(_) => {
            tracing::warn!(waited = ?state.verification_poll, "identity verification poll timed out");
            false
        }
    }
}
