//! What a recipient's code history amounts to, and how each event changes it.
use super::CodeEvent;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct OneTimeCode {
    /// The code waiting for entry: its hash, expiry and failed attempts.
    pub(super) active: Option<(String, DateTime<Utc>, u32)>,
    pub(super) last_issued: Option<DateTime<Utc>>,
}

impl OneTimeCode {
    /// `Aggregate::apply`: only mutates; every rule was checked when the event was decided.
    pub(super) fn evolve(&mut self, event: CodeEvent) {
        match event {
            CodeEvent::OneTimeCodeIssued { code_hash, expires_at, issued_at } => {
                self.active = Some((code_hash, expires_at, 0));
                self.last_issued = Some(issued_at);
            }
            CodeEvent::OneTimeCodeAttemptFailed { .. } => {
                if let Some((_, _, failures)) = &mut self.active {
                    *failures += 1;
                }
            }
            CodeEvent::OneTimeCodeConsumed { .. } => self.active = None,
        }
    }
}
