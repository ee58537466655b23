//! Proving the account's email, and what the first proof takes away: the credentials set while
//! nobody had proven the address (account pre-hijacking).
use super::{User, UserError, UserEvent};
use chrono::{DateTime, Utc};
use cqrs_es::event_sink::EventSink;

impl User {
    pub(super) async fn prove_email(
        &mut self,
        by: String,
        at: DateTime<Utc>,
        sink: &EventSink<Self>,
    ) -> Result<(), UserError> {
        if !self.registered {
            return Err(UserError::NotRegistered);
        }
        // proven before, or no email to prove: nothing changes
        if self.email_verified || self.email.is_none() {
            return Ok(());
        }
        let password = self.password_hash.is_some();
        let totp = self.totp_secret.is_some() || self.totp_pending.is_some();
        if password || totp {
            sink.write(UserEvent::UnprovenCredentialsRemoved { password, totp, removed_at: at }, self).await;
        }
        sink.write(UserEvent::EmailProven { proven_by: by, proven_at: at }, self).await;
        Ok(())
    }

    /// The email verification the account asked for came back: the email is proven, and the
    /// credentials stay (the person who asked for it is signed in, or knows the password).
    pub(super) async fn confirm_email(&mut self, at: DateTime<Utc>, sink: &EventSink<Self>) -> Result<(), UserError> {
        if !self.registered {
            return Err(UserError::NotRegistered);
        }
        if !self.email_verified && self.email.is_some() {
            let event = UserEvent::EmailProven { proven_by: "email-verification".into(), proven_at: at };
            sink.write(event, self).await;
        }
        Ok(())
    }
}
