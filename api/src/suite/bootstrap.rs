//! Signed bootstrap requests: the unauthenticated endpoints that create accounts and send codes
//! take `signature` and `timestamp` query parameters. `timestamp` is Unix seconds; `signature`
//! is the lowercase hex HMAC-SHA256, under the tenant's signature key, of
//! `"{timestamp}.{email}"` with the body's `email` exactly as sent. A timestamp more than 300 s
//! away from the server's clock, or a signature seen before, is refused.
use crate::error::ApiError;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How far a timestamp may be from now, either way.
pub const WINDOW_SECS: i64 = 300;

/// How long a spent signature is remembered: past the last moment its timestamp is accepted
/// (a timestamp up to `WINDOW_SECS` ahead, used now, stays good for twice the window), with a
/// margin for the clocks of several instances. A row kept for exactly the window would let a
/// replay at its edge pass.
const REMEMBERED: chrono::Duration = chrono::Duration::seconds(2 * WINDOW_SECS + 120);

/// The `server_secrets` name of a tenant's signature key.
pub fn key_name(tenant: &str) -> String {
    format!("bootstrap-signature:{tenant}")
}

/// `signature` for `subject` at `timestamp` under `key` (HMAC takes keys of any length, so this
/// is `None` never in practice).
pub fn sign(key: &str, timestamp: i64, subject: &str) -> Option<String> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key.as_bytes()).ok()?;
    mac.update(format!("{timestamp}.{subject}").as_bytes());
    Some(hex::encode(mac.finalize().into_bytes()))
}

/// Check a bootstrap request's signature; each signature works once.
pub async fn verify(
    state: &AppState,
    tenant: &str,
    query: Option<&str>,
    subject: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let param = |name: &str| {
        query.and_then(|q| form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == name).map(|(_, v)| v.into_owned()))
    };
    let (Some(signature), Some(timestamp)) = (param("signature"), param("timestamp")) else {
        return Err(ApiError::InvalidSignature);
    };
    let timestamp: i64 = timestamp.trim().parse().map_err(|_| ApiError::InvalidSignature)?;
    // checked: a timestamp near i64::MIN or MAX is as far off as any other, not an overflow
    let skew = now.timestamp().checked_sub(timestamp).and_then(i64::checked_abs);
    if skew.is_none_or(|s| s > WINDOW_SECS) {
        return Err(ApiError::InvalidSignature);
    }
    let key = state
        .keys
        .secret(&key_name(tenant))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .ok_or(ApiError::InvalidSignature)?;
    let expected = sign(&key, timestamp, subject).ok_or(ApiError::InvalidSignature)?;
    let presented = signature.trim().to_ascii_lowercase();
    if !bool::from(subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), presented.as_bytes())) {
        return Err(ApiError::InvalidSignature);
    }
    if !state.spent.spend(&format!("{tenant}:{presented}"), now, REMEMBERED).await? {
        return Err(ApiError::InvalidSignature);
    }
    Ok(())
}
