//! Admin keys: `Authorization: Bearer <key>`. `USERS_API_ADMIN_KEY` (generated on first start
//! when not configured) may do everything; keys created by `users-api admin-key create` have one
//! role: `operator` (configuration) or `auditor` (history and users' state). Keys are compared in
//! constant time (the bootstrap key as is, created keys by their SHA-256 hash); wrong keys count
//! against the caller's address like failed sign-ins; a revoked key is a wrong key.
use super::Problem;
use crate::client_addr::ClientAddr;
use crate::request_meta::RequestMeta;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use commands::admin::KEY_PREFIX;
use secrecy::ExposeSecret as _;
use subtle::ConstantTimeEq as _;

/// Who called, and what the key allows.
#[derive(Debug, Clone)]
pub struct AdminCaller {
    /// The key's id (`bootstrap` for `USERS_API_ADMIN_KEY`): what the record of reads names.
    pub key_id: String,
    pub may_configure: bool,
    pub may_audit: bool,
    /// The request's audit metadata, with the key as the actor (`admin:{key id}`).
    pub metadata: commands::Metadata,
}

impl AdminCaller {
    fn new(key_id: String, may_configure: bool, may_audit: bool) -> Self {
        Self { key_id, may_configure, may_audit, metadata: commands::Metadata::default() }
    }

    /// Record that this caller read `action` (of `subject`, with `query`); the read is refused
    /// when it cannot be recorded.
    pub async fn record_read(
        &self,
        state: &AppState,
        action: &str,
        subject: Option<String>,
        query: Option<String>,
    ) -> Result<(), Problem> {
        let at = state.clock.now();
        let recorded = state.admin.record_read(&self.key_id, action, subject, query, at, &self.metadata).await;
        recorded.map_err(|e| {
            tracing::error!(error = %e, "an admin read could not be recorded");
            Problem::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "the read could not be recorded; try again")
        })
    }
}

/// A caller whose key may read the history and users' state.
pub struct Auditor(pub AdminCaller);

/// A caller whose key may change the configuration.
pub struct Operator(pub AdminCaller);

/// The admin key of the request, if it is one (wrong keys: `None`).
async fn caller(presented: &str, state: &AppState) -> Result<Option<AdminCaller>, Problem> {
    if presented.is_empty() {
        return Ok(None);
    }
    if bool::from(state.admin_key.expose_secret().as_bytes().ct_eq(presented.as_bytes())) {
        return Ok(Some(AdminCaller::new("bootstrap".into(), true, true)));
    }
    let Some((key_id, _)) = presented.strip_prefix(KEY_PREFIX).and_then(|rest| rest.split_once('_')) else {
        return Ok(None);
    };
    let Some(row) = state.reads.admin_key(key_id).await? else { return Ok(None) };
    let hash = commands::secret_hash(presented);
    if row.revoked_at.is_some() || !bool::from(row.key_hash.as_bytes().ct_eq(hash.as_bytes())) {
        return Ok(None);
    }
    let operator = row.role == "operator";
    Ok(Some(AdminCaller::new(row.key_id, operator, !operator)))
}

async fn authenticate(parts: &mut Parts, state: &AppState) -> Result<AdminCaller, Problem> {
    let presented = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or_default();
    if let Some(mut found) = caller(presented, state).await? {
        let RequestMeta(mut metadata) =
            RequestMeta::from_request_parts(parts, state).await.unwrap_or_else(|never| match never {});
        metadata.actor = Some(format!("admin:{}", found.key_id));
        metadata.dialect = Some("admin".into());
        found.metadata = metadata;
        return Ok(found);
    }
    let ClientAddr(address) = ClientAddr::from_request_parts(parts, state).await.unwrap_or_else(|never| match never {});
    if let Err(crate::error::ApiError::RateLimited { retry_after_secs }) = state.limits.address(address) {
        let detail = format!("too many wrong keys; retry in {retry_after_secs} s");
        return Err(Problem::new(StatusCode::TOO_MANY_REQUESTS, "rate-limited", detail));
    }
    Err(Problem::unauthorized())
}

fn forbidden(role: &str) -> Problem {
    Problem::new(StatusCode::FORBIDDEN, "forbidden", format!("this admin key has no {role} role"))
}

impl FromRequestParts<AppState> for Auditor {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        let caller = authenticate(parts, state).await?;
        if caller.may_audit { Ok(Self(caller)) } else { Err(forbidden("auditor")) }
    }
}

impl FromRequestParts<AppState> for Operator {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        let caller = authenticate(parts, state).await?;
        if caller.may_configure { Ok(Self(caller)) } else { Err(forbidden("operator")) }
    }
}
