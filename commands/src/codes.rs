//! One-time codes by email and SMS: issued with the message that carries them in one transaction
//! (transactional outbox), checked against their hash, limited in time, attempts and resends.
use crate::bus::{CommandBus, CommandError};
use chrono::{DateTime, Utc};
use domain::code::{CodeCommand, CodeError, CodeEvent, CodePolicy, OneTimeCode};
use domain::values::{Email, PhoneNumber};
use rand::Rng;
use sha2::{Digest, Sha256};
use store::{Metadata, OutboxMessage};
use uuid::Uuid;

pub type CodeCommandError = CommandError<CodeError>;

/// What a code is for; part of its stream key, so a code of one purpose never works for another.
pub const EMAIL_SIGN_IN: &str = "email-sign-in";
pub const PHONE_SIGN_IN: &str = "phone-sign-in";
pub const PASSWORD_RESET: &str = "password-reset";
/// Proving the signed-in account's phone number (suite `verify/send`, `verify/check`).
pub const PHONE_VERIFICATION: &str = "phone-verification";
/// Proving the account's email (suite `verify-email/resend`), by code or link.
pub const EMAIL_VERIFICATION: &str = "email-verification";

/// The subject and text of the message that carries `code`; `link` is added to email proofs.
fn message_text(purpose: &str, code: &str, minutes: i64, link: Option<&str>) -> (&'static str, String) {
    let expiry = format!("It expires in {minutes} minutes.");
    match purpose {
        PASSWORD_RESET => ("Reset your password", format!("Your password reset code is {code}. {expiry}")),
        PHONE_VERIFICATION => ("Your verification code", format!("Your verification code is {code}. {expiry}")),
        EMAIL_VERIFICATION => {
            let link = link.map(|l| format!(" Or open {l}")).unwrap_or_default();
            ("Confirm your email address", format!("Your email confirmation code is {code}.{link} {expiry}"))
        }
        _ => ("Your sign-in code", format!("Your sign-in code is {code}. {expiry}")),
    }
}

#[derive(Clone)]
pub struct CodeService {
    bus: CommandBus,
    policy: CodePolicy,
}

/// The stream of the codes for one recipient and purpose: a hash, so no address is in a stream id.
fn stream(tenant: &str, purpose: &str, recipient: &str) -> String {
    let key = Sha256::digest(format!("{}:{tenant}:{purpose}:{recipient}", tenant.len()).as_bytes());
    format!("code-{}", hex::encode(&key[..16]))
}

/// The stored hash of a code: salted with its stream, so equal codes of two recipients differ.
fn code_hash(stream: &str, code: &str) -> String {
    hex::encode(Sha256::digest(format!("{stream}:{}", code.trim()).as_bytes()))
}

impl CodeService {
    pub fn new(bus: CommandBus, policy: CodePolicy) -> Self {
        Self { bus, policy }
    }

    pub fn policy(&self) -> CodePolicy {
        self.policy
    }

    /// Send a fresh 6-digit sign-in code to `email`.
    pub async fn send_email_code(
        &self,
        tenant: &str,
        email: &Email,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<(), CodeCommandError> {
        self.send(tenant, EMAIL_SIGN_IN, "email", email.as_str(), at, metadata).await
    }

    /// Send a password-reset code to `email` (legacy `reset_password`, suite `customers/reset`).
    pub async fn send_reset_code(
        &self,
        tenant: &str,
        email: &Email,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<(), CodeCommandError> {
        self.send(tenant, PASSWORD_RESET, "email", email.as_str(), at, metadata).await
    }

    /// Send a fresh 6-digit sign-in code to `phone` by SMS.
    pub async fn send_phone_code(
        &self,
        tenant: &str,
        phone: &PhoneNumber,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<(), CodeCommandError> {
        self.send(tenant, PHONE_SIGN_IN, "sms", phone.as_str(), at, metadata).await
    }

    /// Send a code to prove `recipient` (`channel`: `email` or `sms`) for `purpose`
    /// (`PHONE_VERIFICATION`, `EMAIL_VERIFICATION`); `link`, with `{code}` where the code goes,
    /// is added to the message.
    #[allow(clippy::too_many_arguments)] // each is a distinct part of the message
    pub async fn send_proof(
        &self,
        tenant: &str,
        purpose: &str,
        channel: &str,
        recipient: &str,
        link: Option<&str>,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<(), CodeCommandError> {
        self.send_with(tenant, purpose, channel, recipient, link, at, metadata).await
    }

    /// True when `code` is the waiting code of `recipient` for `purpose` (now used up).
    pub async fn verify_proof(
        &self,
        tenant: &str,
        purpose: &str,
        recipient: &str,
        code: &str,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<bool, CodeCommandError> {
        self.verify(tenant, purpose, recipient, code, at, metadata).await
    }

    async fn send(
        &self,
        tenant: &str,
        purpose: &str,
        channel: &str,
        recipient: &str,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<(), CodeCommandError> {
        self.send_with(tenant, purpose, channel, recipient, None, at, metadata).await
    }

    #[allow(clippy::too_many_arguments)] // each is a distinct part of the message
    async fn send_with(
        &self,
        tenant: &str,
        purpose: &str,
        channel: &str,
        recipient: &str,
        link: Option<&str>,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<(), CodeCommandError> {
        let stream = stream(tenant, purpose, recipient);
        let code = format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000));
        let minutes = self.policy.lifetime.num_minutes().max(1);
        let link = link.map(|l| l.replace("{code}", &code));
        let (subject, body) = message_text(purpose, &code, minutes, link.as_deref());
        let message = OutboxMessage {
            id: Uuid::now_v7().to_string(),
            channel: channel.to_owned(),
            recipient: recipient.to_owned(),
            subject: subject.into(),
            body,
        };
        let command = CodeCommand::Issue { code_hash: code_hash(&stream, &code), policy: self.policy, at };
        self.bus.execute_with_outbox::<OneTimeCode>(&stream, command, &(), metadata, vec![message]).await?;
        Ok(())
    }

    /// True when `code` is the waiting code for `email` (and it is now used up).
    pub async fn verify_email_code(
        &self,
        tenant: &str,
        email: &Email,
        code: &str,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<bool, CodeCommandError> {
        self.verify(tenant, EMAIL_SIGN_IN, email.as_str(), code, at, metadata).await
    }

    /// True when `code` is the waiting password-reset code for `email` (and it is now used up).
    pub async fn verify_reset_code(
        &self,
        tenant: &str,
        email: &Email,
        code: &str,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<bool, CodeCommandError> {
        self.verify(tenant, PASSWORD_RESET, email.as_str(), code, at, metadata).await
    }

    /// True when `code` is the waiting code for `phone` (and it is now used up).
    pub async fn verify_phone_code(
        &self,
        tenant: &str,
        phone: &PhoneNumber,
        code: &str,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<bool, CodeCommandError> {
        self.verify(tenant, PHONE_SIGN_IN, phone.as_str(), code, at, metadata).await
    }

    async fn verify(
        &self,
        tenant: &str,
        purpose: &str,
        recipient: &str,
        code: &str,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<bool, CodeCommandError> {
        let stream = stream(tenant, purpose, recipient);
        let command = CodeCommand::Verify { candidate_hash: code_hash(&stream, code), policy: self.policy, at };
        match self.bus.execute::<OneTimeCode>(&stream, command, &(), metadata).await {
            Ok(done) => Ok(done.events.iter().any(|e| matches!(e, CodeEvent::OneTimeCodeConsumed { .. }))),
            Err(CommandError::Domain(CodeError::NoActiveCode)) => Ok(false),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_and_hashes_hide_the_recipient_and_depend_on_it() {
        let a = stream("demo", EMAIL_SIGN_IN, "ann@example.com");
        assert!(a.starts_with("code-") && !a.contains("ann"));
        assert_ne!(a, stream("demo", EMAIL_SIGN_IN, "bob@example.com"));
        assert_ne!(a, stream("other", EMAIL_SIGN_IN, "ann@example.com"));
        assert_ne!(code_hash(&a, "123456"), code_hash(&stream("demo", EMAIL_SIGN_IN, "bob@example.com"), "123456"));
        assert_eq!(code_hash(&a, " 123456 "), code_hash(&a, "123456"));
    }
}
