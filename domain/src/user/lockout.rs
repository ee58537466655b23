//! Failed password sign-ins, and the lock that enough of them in a window put on an account.
use super::{User, UserError, UserEvent};
use chrono::{DateTime, Utc};
use cqrs_es::event_sink::EventSink;

/// When repeated failed password sign-ins lock an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Failures within `window` that lock the account.
    pub max_failures: u32,
    pub window: chrono::Duration,
    pub lock_for: chrono::Duration,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        Self { max_failures: 5, window: chrono::Duration::minutes(15), lock_for: chrono::Duration::minutes(15) }
    }
}

impl User {
    pub(super) async fn record_failed_sign_in(
        &mut self,
        policy: LockoutPolicy,
        at: DateTime<Utc>,
        sink: &EventSink<Self>,
    ) -> Result<(), UserError> {
        if !self.registered {
            return Err(UserError::NotRegistered);
        }
        if self.locked_until(at).is_some() {
            return Ok(());
        }
        // writing applies the event: `failures` below already holds this one
        sink.write(UserEvent::SignInFailed { failed_at: at }, self).await;
        let recent = self.failures.iter().filter(|f| at - **f < policy.window).count();
        if recent >= policy.max_failures as usize {
            let event = UserEvent::AccountLocked { locked_until: at + policy.lock_for, locked_at: at };
            sink.write(event, self).await;
        }
        Ok(())
    }
}

/// What keeps an account from being used now, most pressing first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Block {
    NotBlocked,
    /// Repeated failed sign-ins locked it until then.
    Locked {
        until: DateTime<Utc>,
    },
    /// The holder asked for deletion; it waits for holds to clear.
    DeletionRequested,
}

impl User {
    /// What blocks the account at `now`: a lock before a pending deletion.
    pub fn block(&self, now: DateTime<Utc>) -> Block {
        match self.locked_until(now) {
            Some(until) => Block::Locked { until },
            None if self.deletion_requested() => Block::DeletionRequested,
            None => Block::NotBlocked,
        }
    }
}
