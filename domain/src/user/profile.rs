//! The profile a person edits: personal details, sign-in email, username, phone number and
//! password. A change to what the account has already appends nothing. The email, username and
//! phone number are unique per tenant (claims); a new email or number is unproven.
use super::{PersonalDetails, User, UserError, UserEvent};
use crate::values::{Email, PhoneNumber};
use chrono::{DateTime, Utc};
use cqrs_es::event_sink::EventSink;

impl User {
    fn tenant(&self) -> Result<String, UserError> {
        match (&self.registered, &self.tenant_id) {
            (true, Some(tenant)) => Ok(tenant.clone()),
            _ => Err(UserError::NotRegistered),
        }
    }

    pub(super) async fn change_profile(
        &mut self,
        details: PersonalDetails,
        at: DateTime<Utc>,
        sink: &EventSink<Self>,
    ) -> Result<(), UserError> {
        self.tenant()?;
        if self.details != details {
            sink.write(UserEvent::ProfileChanged { details, changed_at: at }, self).await;
        }
        Ok(())
    }

    pub(super) async fn change_email(
        &mut self,
        email: Email,
        at: DateTime<Utc>,
        sink: &EventSink<Self>,
    ) -> Result<(), UserError> {
        let tenant_id = self.tenant()?;
        if self.email.as_ref() == Some(&email) {
            return Ok(());
        }
        let event =
            UserEvent::EmailChanged { tenant_id, old_email: self.email.clone(), new_email: email, changed_at: at };
        sink.write(event, self).await;
        Ok(())
    }

    pub(super) async fn change_username(
        &mut self,
        username: String,
        at: DateTime<Utc>,
        sink: &EventSink<Self>,
    ) -> Result<(), UserError> {
        let tenant_id = self.tenant()?;
        if self.username.as_deref() == Some(username.as_str()) {
            return Ok(());
        }
        let old_username = self.username.clone();
        let event = UserEvent::UsernameChanged { tenant_id, old_username, new_username: username, changed_at: at };
        sink.write(event, self).await;
        Ok(())
    }

    pub(super) async fn change_phone(
        &mut self,
        phone_number: Option<PhoneNumber>,
        at: DateTime<Utc>,
        sink: &EventSink<Self>,
    ) -> Result<(), UserError> {
        let tenant_id = self.tenant()?;
        if self.phone_number == phone_number {
            return Ok(());
        }
        let event = UserEvent::PhoneNumberChanged {
            tenant_id,
            old_phone_number: self.phone_number.clone(),
            new_phone_number: phone_number,
            changed_at: at,
        };
        sink.write(event, self).await;
        Ok(())
    }

    pub(super) async fn prove_phone(
        &mut self,
        phone_number: PhoneNumber,
        at: DateTime<Utc>,
        sink: &EventSink<Self>,
    ) -> Result<(), UserError> {
        self.tenant()?;
        if self.phone_number.as_ref() != Some(&phone_number) {
            return Err(UserError::PhoneNumberChanged);
        }
        if !self.phone_verified {
            sink.write(UserEvent::PhoneNumberProven { proven_at: at }, self).await;
        }
        Ok(())
    }

    pub(super) async fn change_password(
        &mut self,
        password_hash: String,
        reason: String,
        at: DateTime<Utc>,
        sink: &EventSink<Self>,
    ) -> Result<(), UserError> {
        self.tenant()?;
        sink.write(UserEvent::PasswordChanged { password_hash, reason, changed_at: at }, self).await;
        Ok(())
    }
}
