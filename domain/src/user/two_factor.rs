//! Two-factor sign-in with TOTP: a secret is issued, confirmed by a first code, and switched off
//! again; at sign-in each time step and each recovery code works once. The codes themselves are
//! checked by the caller against the secret: the aggregate only refuses replays.
use super::{SecondFactor, User, UserError, UserEvent};
use chrono::{DateTime, Utc};
use cqrs_es::event_sink::EventSink;

impl User {
    pub(super) async fn issue_totp_secret(
        &mut self,
        secret: String,
        at: DateTime<Utc>,
        sink: &EventSink<Self>,
    ) -> Result<(), UserError> {
        if !self.registered {
            return Err(UserError::NotRegistered);
        }
        if self.totp_secret.is_some() {
            return Err(UserError::TotpAlreadyEnabled);
        }
        sink.write(UserEvent::TotpSecretIssued { secret, issued_at: at }, self).await;
        Ok(())
    }

    pub(super) async fn enable_totp(
        &mut self,
        step: u64,
        recovery_code_hashes: Vec<String>,
        at: DateTime<Utc>,
        sink: &EventSink<Self>,
    ) -> Result<(), UserError> {
        if self.totp_secret.is_some() {
            return Err(UserError::TotpAlreadyEnabled);
        }
        if self.totp_pending.is_none() {
            return Err(UserError::NoPendingTotpSecret);
        }
        sink.write(UserEvent::TotpEnabled { step, recovery_code_hashes, enabled_at: at }, self).await;
        Ok(())
    }

    pub(super) async fn disable_totp(&mut self, at: DateTime<Utc>, sink: &EventSink<Self>) -> Result<(), UserError> {
        if self.totp_secret.is_none() {
            return Err(UserError::TotpNotEnabled);
        }
        sink.write(UserEvent::TotpDisabled { disabled_at: at }, self).await;
        Ok(())
    }

    pub(super) async fn record_second_factor(
        &mut self,
        factor: SecondFactor,
        at: DateTime<Utc>,
        sink: &EventSink<Self>,
    ) -> Result<(), UserError> {
        if self.totp_secret.is_none() {
            return Err(UserError::TotpNotEnabled);
        }
        let fresh = match &factor {
            SecondFactor::Totp { step } => *step > self.last_totp_step,
            SecondFactor::RecoveryCode { code_hash } => self.recovery_codes.contains(code_hash),
        };
        if !fresh {
            return Err(UserError::SecondFactorReplayed);
        }
        sink.write(UserEvent::SecondFactorVerified { factor, verified_at: at }, self).await;
        Ok(())
    }
}
