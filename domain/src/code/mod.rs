//! The OneTimeCode aggregate (`code-{key}`): the codes sent to one recipient for one purpose
//! (an email sign-in code). Codes arrive hashed; the aggregate enforces the resend cooldown,
//! the expiry and the attempt limit. The stream key is a hash of tenant, purpose and recipient,
//! so the address never appears in a stream id.
use chrono::{DateTime, Duration, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};

use crate::codec::HasClaims;

#[cfg(test)]
mod tests;

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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum CodeEvent {
    OneTimeCodeIssued { code_hash: String, expires_at: DateTime<Utc>, issued_at: DateTime<Utc> },
    OneTimeCodeAttemptFailed { failed_at: DateTime<Utc> },
    OneTimeCodeConsumed { consumed_at: DateTime<Utc> },
}

impl DomainEvent for CodeEvent {
    fn event_type(&self) -> String {
        match self {
            Self::OneTimeCodeIssued { .. } => "OneTimeCodeIssued",
            Self::OneTimeCodeAttemptFailed { .. } => "OneTimeCodeAttemptFailed",
            Self::OneTimeCodeConsumed { .. } => "OneTimeCodeConsumed",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}

impl HasClaims for CodeEvent {}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("a code was sent moments ago; retry in {retry_after_secs} s")]
    Cooldown { retry_after_secs: u64 },
    /// No code is waiting: none was sent, it expired, was used, or ran out of attempts.
    #[error("no valid code is waiting")]
    NoActiveCode,
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct OneTimeCode {
    /// The code waiting for entry: its hash, expiry and failed attempts.
    active: Option<(String, DateTime<Utc>, u32)>,
    last_issued: Option<DateTime<Utc>>,
}

impl Aggregate for OneTimeCode {
    const TYPE: &'static str = "code";
    type Command = CodeCommand;
    type Event = CodeEvent;
    type Error = CodeError;
    type Services = ();

    async fn handle(&mut self, command: CodeCommand, _: &(), sink: &EventSink<Self>) -> Result<(), CodeError> {
        match command {
            CodeCommand::Issue { code_hash, policy, at } => {
                if let Some(last) = self.last_issued {
                    let wait = policy.resend_cooldown - (at - last);
                    if wait > Duration::zero() {
                        return Err(CodeError::Cooldown { retry_after_secs: wait.num_seconds().max(1) as u64 });
                    }
                }
                let event = CodeEvent::OneTimeCodeIssued { code_hash, expires_at: at + policy.lifetime, issued_at: at };
                sink.write(event, self).await;
            }
            CodeCommand::Verify { candidate_hash, policy, at } => {
                let Some((hash, expires_at, failures)) = &self.active else { return Err(CodeError::NoActiveCode) };
                if at >= *expires_at || *failures >= policy.max_attempts {
                    return Err(CodeError::NoActiveCode);
                }
                let event = if *hash == candidate_hash {
                    CodeEvent::OneTimeCodeConsumed { consumed_at: at }
                } else {
                    CodeEvent::OneTimeCodeAttemptFailed { failed_at: at }
                };
                sink.write(event, self).await;
            }
        }
        Ok(())
    }

    fn apply(&mut self, event: CodeEvent) {
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
