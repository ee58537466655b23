//! `Aggregate::handle`: the resend cooldown on issue; expiry and the attempt limit on entry.
use super::{CodeCommand, CodeError, CodeEvent, OneTimeCode};
use chrono::Duration;
use cqrs_es::Aggregate;
use cqrs_es::event_sink::EventSink;

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
        self.evolve(event);
    }
}
