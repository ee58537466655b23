//! What can be asked of a recipient's codes, and the policy the caller passes in.
use chrono::{DateTime, Duration, Utc};

/// How codes behave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodePolicy {
    pub lifetime: Duration,
    pub max_attempts: u32,
    /// The least time between two codes to one recipient.
    pub resend_cooldown: Duration,
}

impl Default for CodePolicy {
    fn default() -> Self {
        Self { lifetime: Duration::minutes(5), max_attempts: 5, resend_cooldown: Duration::seconds(60) }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum CodeCommand {
    Issue {
        code_hash: String,
        policy: CodePolicy,
        at: DateTime<Utc>,
    },
    /// A code was entered; `candidate_hash` is the hash of what was entered.
    Verify {
        candidate_hash: String,
        policy: CodePolicy,
        at: DateTime<Utc>,
    },
}
