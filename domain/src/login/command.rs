//! What can be asked of a login session.
use super::{RevocationReason, SignInMethod};
use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq)]
pub enum LoginCommand {
    Start {
        session_id: Uuid,
        user_id: Uuid,
        tenant_id: String,
        /// The API client (partner) the session was opened through, if any.
        client_id: Option<String>,
        dialect: String,
        method: SignInMethod,
        test_user: bool,
        /// The hash of the first refresh token; `None` for flows without refresh.
        refresh_hash: Option<String>,
        expires_at: DateTime<Utc>,
        at: DateTime<Utc>,
    },
    /// Exchange a refresh token for its successor. `child_hash` is the hash of the successor
    /// derived from the presented token; the derivation is deterministic, so a retry with the
    /// immediate parent inside `grace` yields the current head again.
    Refresh {
        /// The tenant the token is presented to: a token of another tenant is as unknown there
        /// as a made-up one, and spending it there neither rotates nor revokes anything.
        tenant_id: String,
        /// The dialect the token is presented through: a token works only in the dialect that
        /// issued it, and elsewhere is as unknown as a made-up one.
        dialect: String,
        presented_hash: String,
        child_hash: String,
        grace: Duration,
        /// Spend the presented head for its successor (suite). `false` (legacy): the head stays
        /// the session's token until the session ends, and nothing is appended.
        rotate: bool,
        at: DateTime<Utc>,
    },
    Revoke {
        reason: RevocationReason,
        at: DateTime<Utc>,
    },
}
