//! Two-factor sign-in with TOTP (RFC 6238: SHA-1, 6 digits, 30 s steps, one step of clock skew
//! either way): what authenticator apps expect. Codes are checked here; the User aggregate
//! records each accepted step so a code never works twice, and spends recovery codes.
use crate::bus::CommandBus;
use crate::secret_hash;
use crate::user::UserCommandError;
use chrono::{DateTime, Utc};
use domain::user::{self, SecondFactor, User, UserCommand};
use rand::Rng;
use store::Metadata;
use totp_rs::{Algorithm, Secret, TOTP};
use uuid::Uuid;

const STEP_SECS: u64 = 30;
/// Recovery codes handed out when TOTP is switched on.
pub const RECOVERY_CODES: usize = 10;

#[derive(Debug, thiserror::Error)]
pub enum TwoFactorError {
    /// The code is not one of the current steps, or not a recovery code of the user.
    #[error("the code is not valid")]
    InvalidCode,
    #[error(transparent)]
    Command(#[from] UserCommandError),
}

/// A TOTP for `secret` (base32), labelled for authenticator apps.
pub fn totp(secret: &str, issuer: &str, account: &str) -> Option<TOTP> {
    let bytes = Secret::Encoded(secret.to_owned()).to_bytes().ok()?;
    TOTP::new(Algorithm::SHA1, 6, 1, STEP_SECS, bytes, Some(issuer.replace(':', " ")), account.replace(':', " ")).ok()
}

/// The time step of `code` for `secret` at `at`, if the code is right for the step before, at or
/// after it.
pub fn matching_step(secret: &str, code: &str, at: DateTime<Utc>) -> Option<u64> {
    let totp = totp(secret, "x", "x")?;
    let now = u64::try_from(at.timestamp()).ok()?;
    let code = code.trim();
    [now.saturating_sub(STEP_SECS), now, now + STEP_SECS]
        .into_iter()
        .find(|t| totp.generate(*t) == code)
        .map(|t| t / STEP_SECS)
}

#[derive(Clone)]
pub struct TwoFactorService {
    bus: CommandBus,
}

impl TwoFactorService {
    pub fn new(bus: CommandBus) -> Self {
        Self { bus }
    }

    async fn user(&self, user_id: Uuid) -> Result<User, UserCommandError> {
        Ok(self.bus.load::<User>(&user::stream_id(user_id)).await?.0)
    }

    /// A fresh secret (160 random bits, base32), pending until `enable`.
    pub async fn issue_secret(
        &self,
        user_id: Uuid,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<String, UserCommandError> {
        let secret = match Secret::generate_secret().to_encoded() {
            Secret::Encoded(s) => s,
            Secret::Raw(_) => return Err(store::StoreError::Corrupt("totp secret not encoded".into()).into()),
        };
        let command = UserCommand::IssueTotpSecret { secret: secret.clone(), at };
        self.bus.execute::<User>(&user::stream_id(user_id), command, &(), metadata).await?;
        Ok(secret)
    }

    pub async fn pending_secret(&self, user_id: Uuid) -> Result<Option<String>, UserCommandError> {
        Ok(self.user(user_id).await?.pending_totp_secret().map(str::to_owned))
    }

    /// Switch TOTP on with a first code of the pending secret; the recovery codes, in clear,
    /// for the user to keep (only their hashes are stored).
    pub async fn enable(
        &self,
        user_id: Uuid,
        code: &str,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<Vec<String>, TwoFactorError> {
        let account = self.user(user_id).await?;
        let secret = account.pending_totp_secret().ok_or(TwoFactorError::Command(crate::CommandError::Domain(
            if account.totp_secret().is_some() {
                domain::user::UserError::TotpAlreadyEnabled
            } else {
                domain::user::UserError::NoPendingTotpSecret
            },
        )))?;
        let step = matching_step(secret, code, at).ok_or(TwoFactorError::InvalidCode)?;
        let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| recovery_code()).collect();
        let command =
            UserCommand::EnableTotp { step, recovery_code_hashes: codes.iter().map(|c| secret_hash(c)).collect(), at };
        self.bus.execute::<User>(&user::stream_id(user_id), command, &(), metadata).await?;
        Ok(codes)
    }

    /// Switch TOTP off with a current code of the secret in force.
    pub async fn disable(
        &self,
        user_id: Uuid,
        code: &str,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<(), TwoFactorError> {
        let account = self.user(user_id).await?;
        let secret = account
            .totp_secret()
            .ok_or(TwoFactorError::Command(crate::CommandError::Domain(domain::user::UserError::TotpNotEnabled)))?;
        matching_step(secret, code, at).ok_or(TwoFactorError::InvalidCode)?;
        let command = UserCommand::DisableTotp { at };
        self.bus.execute::<User>(&user::stream_id(user_id), command, &(), metadata).await?;
        Ok(())
    }

    /// Check a TOTP code or a recovery code at sign-in, and record it so it never works again.
    pub async fn verify(
        &self,
        user_id: Uuid,
        code: &str,
        at: DateTime<Utc>,
        metadata: &Metadata,
    ) -> Result<(), TwoFactorError> {
        let account = self.user(user_id).await?;
        let secret = account.totp_secret().ok_or(TwoFactorError::InvalidCode)?;
        let factor = match matching_step(secret, code, at) {
            Some(step) => SecondFactor::Totp { step },
            None => SecondFactor::RecoveryCode { code_hash: secret_hash(&normalize_recovery(code)) },
        };
        let command = UserCommand::RecordSecondFactor { factor, at };
        match self.bus.execute::<User>(&user::stream_id(user_id), command, &(), metadata).await {
            Ok(_) => Ok(()),
            Err(crate::CommandError::Domain(_)) => Err(TwoFactorError::InvalidCode),
            Err(e) => Err(e.into()),
        }
    }
}

/// `xxxx-xxxx-xxxx`, lowercase letters and digits without look-alikes (about 62 bits).
fn recovery_code() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rngs::OsRng;
    let chars: String = (0..12).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect();
    format!("{}-{}-{}", &chars[0..4], &chars[4..8], &chars[8..12])
}

fn normalize_recovery(code: &str) -> String {
    code.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_their_step_and_the_neighbours_only() {
        let secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
        let at = DateTime::from_timestamp(1_800_000_000, 0).expect("time");
        let t = totp(secret, "Users API", "ann@example.com").expect("totp");
        let now = 1_800_000_000u64;
        assert_eq!(matching_step(secret, &t.generate(now), at), Some(now / 30));
        assert_eq!(matching_step(secret, &t.generate(now - 30), at), Some(now / 30 - 1));
        assert_eq!(matching_step(secret, &t.generate(now + 30), at), Some(now / 30 + 1));
        assert_eq!(matching_step(secret, &t.generate(now - 90), at), None);
        assert_eq!(matching_step(secret, "000000x", at), None);
        assert!(t.get_url().starts_with("otpauth://totp/Users%20API:ann%40example.com?secret="), "{}", t.get_url());
    }

    #[test]
    fn recovery_codes_are_distinct_and_shaped() {
        let a = recovery_code();
        assert_eq!(a.len(), 14);
        assert_eq!(a.matches('-').count(), 2);
        assert_ne!(a, recovery_code());
        assert_eq!(normalize_recovery(" ABCD-efgh-2345 "), "abcd-efgh-2345");
    }
}
