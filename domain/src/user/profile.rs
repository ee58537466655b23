//! The profile a person edits: personal details, sign-in email, username, phone number and
//! password. A change to what the account has already appends nothing. The email, username and
//! phone number are unique per tenant (claims); a new email or number is unproven.
use super::{PersonalDetails, User, UserError, UserEvent};
use crate::values::{Email, PhoneNumber};
use chrono::{DateTime, Utc};
use cqrs_es::event_sink::EventSink;

/// The youngest age an account holder may have, and the oldest a birth date may make them.
pub const MIN_AGE: u32 = 16;
pub const MAX_AGE: u32 = 120;

/// Whole years from `birth` to `today`.
fn age(birth: chrono::NaiveDate, today: chrono::NaiveDate) -> u32 {
    today.years_since(birth).unwrap_or(0)
}

fn check_birth_date(details: &PersonalDetails, at: DateTime<Utc>) -> Result<(), UserError> {
    let Some(birth) = details.birth_date else { return Ok(()) };
    let today = at.date_naive();
    if birth > today {
        return Err(UserError::BirthDateInFuture);
    }
    match age(birth, today) {
        years if years < MIN_AGE => Err(UserError::TooYoung(MIN_AGE)),
        years if years > MAX_AGE => Err(UserError::TooOld(MAX_AGE)),
        _ => Ok(()),
    }
}

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
        check_birth_date(&details, at)?;
        if self.details != details {
            sink.write(UserEvent::ProfileChanged { details, changed_at: at }, self).await;
        }
        Ok(())
    }

    pub(super) async fn edit_profile(
        &mut self,
        details: PersonalDetails,
        email: Option<Email>,
        phone_number: Option<Option<PhoneNumber>>,
        at: DateTime<Utc>,
        sink: &EventSink<Self>,
    ) -> Result<(), UserError> {
        self.tenant()?;
        check_birth_date(&details, at)?;
        let phone_after = phone_number.clone().unwrap_or_else(|| self.phone_number.clone());
        if email.is_none() && self.email.is_none() && phone_after.is_none() {
            return Err(UserError::NeedEmailOrPhone);
        }
        self.change_profile(details, at, sink).await?;
        if let Some(email) = email {
            self.change_email(email, at, sink).await?;
        }
        if let Some(phone_number) = phone_number {
            self.change_phone(phone_number, at, sink).await?;
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
