//! The state of a consent form (`link_account`): who may link what, and where to return,
//! sealed with an HMAC-SHA256 under a server secret (`link-state-key`), valid for 10 minutes
//! and spent on first use. A page on another site cannot make one: it would need the key, or
//! the user's token to have this service make one ([ADR 0022](../../../docs/adr/0022-account-linking.md)).
use crate::error::ApiError;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// How long a consent form can be answered. Its nonce is remembered as spent this long too,
/// and `seen_signatures` keeps every entry at least 10 minutes, so a used form stays used.
pub const LINK_STATE_SECS: i64 = 600;

/// The server key that seals consent forms.
#[derive(Clone)]
pub struct LinkStateKey([u8; 32]);

impl LinkStateKey {
    pub fn new(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The HMAC of `payload`, not yet finalized.
    fn mac(&self, payload: &[u8]) -> Result<Hmac<Sha256>, ApiError> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).map_err(|e| ApiError::Internal(e.to_string()))?;
        mac.update(b"link-state.");
        mac.update(payload);
        Ok(mac)
    }
}

/// What the consent form stands for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkState {
    pub user_id: String,
    /// The login session of the token that opened the page: it must still be live.
    pub session_id: String,
    pub partner_id: String,
    pub tenant_id: String,
    pub system_id: String,
    pub return_url: String,
    /// Unix seconds after which the form is refused.
    pub expires_at: i64,
    /// Spent on first use.
    pub nonce: String,
    pub test: bool,
}

impl LinkState {
    /// `base64url(json).base64url(hmac)`.
    pub fn seal(&self, key: &LinkStateKey) -> Result<String, ApiError> {
        let payload = serde_json::to_vec(self).map_err(|e| ApiError::Internal(e.to_string()))?;
        let mac = key.mac(&payload)?.finalize().into_bytes();
        Ok(format!("{}.{}", URL_SAFE_NO_PAD.encode(&payload), URL_SAFE_NO_PAD.encode(mac)))
    }

    /// The state `sealed` stands for, if this service sealed it and it has not expired at `now`.
    pub fn open(key: &LinkStateKey, sealed: &str, now: i64) -> Result<Self, ApiError> {
        let (payload, mac) = sealed.split_once('.').ok_or(ApiError::InvalidLinkState)?;
        let payload = URL_SAFE_NO_PAD.decode(payload).map_err(|_| ApiError::InvalidLinkState)?;
        let mac = URL_SAFE_NO_PAD.decode(mac).map_err(|_| ApiError::InvalidLinkState)?;
        // a constant-time comparison: how much of a forged MAC matched does not show in the time
        key.mac(&payload)?.verify_slice(&mac).map_err(|_| ApiError::InvalidLinkState)?;
        let state: Self = serde_json::from_slice(&payload).map_err(|_| ApiError::InvalidLinkState)?;
        if state.expires_at <= now {
            return Err(ApiError::InvalidLinkState);
        }
        Ok(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> LinkState {
        LinkState {
            user_id: "u".into(),
            session_id: "s".into(),
            partner_id: "p".into(),
            tenant_id: "t".into(),
            system_id: "CitiBike".into(),
            return_url: "https://app.example/back".into(),
            expires_at: 1_000,
            nonce: "n".into(),
            test: true,
        }
    }

    #[test]
    fn a_sealed_state_opens_until_it_expires() {
        let key = LinkStateKey::new([7; 32]);
        let sealed = state().seal(&key).expect("seal");
        assert_eq!(LinkState::open(&key, &sealed, 999).expect("open"), state());
        assert!(matches!(LinkState::open(&key, &sealed, 1_000), Err(ApiError::InvalidLinkState)));
    }

    #[test]
    fn another_key_or_a_changed_payload_is_refused() {
        let key = LinkStateKey::new([7; 32]);
        let sealed = state().seal(&key).expect("seal");
        assert!(matches!(LinkState::open(&LinkStateKey::new([8; 32]), &sealed, 0), Err(ApiError::InvalidLinkState)));
        let (_, mac) = sealed.split_once('.').expect("two parts");
        let other = LinkState { return_url: "https://evil.example/".into(), ..state() };
        let forged = format!("{}.{mac}", URL_SAFE_NO_PAD.encode(serde_json::to_vec(&other).expect("json")));
        assert!(matches!(LinkState::open(&key, &forged, 0), Err(ApiError::InvalidLinkState)));
        assert!(matches!(LinkState::open(&key, "not a state", 0), Err(ApiError::InvalidLinkState)));
    }
}
