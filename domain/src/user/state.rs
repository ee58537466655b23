//! What a user's history amounts to: the state the decisions read, and how each event changes it.
use super::{PersonalDetails, SecondFactor, UserEvent};
use crate::values::{Email, ExternalUid, LicensePlate, PhoneNumber};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub(super) registered: bool,
    pub(super) test_user: bool,
    /// External uid per partner id.
    pub(super) external_uids: Vec<(String, ExternalUid)>,
    pub(super) license_plate: Option<LicensePlate>,
    pub(super) tenant_id: Option<String>,
    pub(super) email: Option<Email>,
    /// Whether someone proved the email (a code came back, a provider vouched, a partner said so).
    #[serde(default)]
    pub(super) email_verified: bool,
    pub(super) password_hash: Option<String>,
    /// Failed password sign-ins since the last lock, oldest first.
    pub(super) failures: Vec<DateTime<Utc>>,
    pub(super) locked_until: Option<DateTime<Utc>>,
    pub(super) created_by: Option<String>,
    /// Linked OpenID identities: (issuer, subject).
    pub(super) identities: Vec<(String, String)>,
    pub(super) totp_pending: Option<String>,
    pub(super) totp_secret: Option<String>,
    pub(super) last_totp_step: u64,
    /// Hashes of the recovery codes not used yet.
    pub(super) recovery_codes: Vec<String>,
    #[serde(default)]
    pub(super) details: PersonalDetails,
    #[serde(default)]
    pub(super) username: Option<String>,
    #[serde(default)]
    pub(super) phone_number: Option<PhoneNumber>,
    #[serde(default)]
    pub(super) phone_verified: bool,
    #[serde(default)]
    pub(super) deletion_requested: bool,
    #[serde(default)]
    pub(super) erased: bool,
    /// The partner and subject of a user registered by a partner's own token.
    #[serde(default)]
    pub(super) partner_identity: Option<(String, String)>,
    #[serde(default)]
    pub(super) verifications: super::Verifications,
}

impl User {
    /// The API client that created the account, if one did.
    pub fn created_by(&self) -> Option<&str> {
        self.created_by.as_deref()
    }

    /// The TOTP secret in force (base32), when two-factor sign-in is on.
    pub fn totp_secret(&self) -> Option<&str> {
        self.totp_secret.as_deref()
    }

    /// The issued secret waiting for its first code.
    pub fn pending_totp_secret(&self) -> Option<&str> {
        self.totp_pending.as_deref()
    }

    /// Until when the account refuses password sign-ins, if it is locked at `now`.
    pub fn locked_until(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.locked_until.filter(|until| *until > now)
    }

    /// The stored password hash of an email sign-in, if the user has one.
    pub fn password_hash(&self) -> Option<&str> {
        self.password_hash.as_deref()
    }

    pub fn is_registered(&self) -> bool {
        self.registered
    }

    pub fn is_test_user(&self) -> bool {
        self.test_user
    }

    pub fn tenant_id(&self) -> Option<&str> {
        self.tenant_id.as_deref()
    }

    pub fn email(&self) -> Option<&Email> {
        self.email.as_ref()
    }

    /// Whether the email was proven since it was given.
    pub fn email_verified(&self) -> bool {
        self.email_verified
    }

    pub fn details(&self) -> &PersonalDetails {
        &self.details
    }

    pub fn username(&self) -> Option<&str> {
        self.username.as_deref()
    }

    pub fn phone_number(&self) -> Option<&PhoneNumber> {
        self.phone_number.as_ref()
    }

    /// Whether the holder asked for deletion and it is not done yet.
    pub fn deletion_requested(&self) -> bool {
        self.deletion_requested && !self.erased
    }

    pub fn is_erased(&self) -> bool {
        self.erased
    }

    /// Whether the phone number was proven since it was given.
    pub fn phone_verified(&self) -> bool {
        self.phone_verified
    }

    pub(super) fn external_uid_at(&self, partner_id: &str) -> Option<&ExternalUid> {
        self.external_uids.iter().find(|(p, _)| p == partner_id).map(|(_, uid)| uid)
    }

    /// `Aggregate::apply`: only mutates; every rule was checked when the event was decided.
    pub(super) fn evolve(&mut self, event: UserEvent) {
        self.verifications.evolve(&event);
        match event {
            UserEvent::UserSignedUp { tenant_id, email, password_hash, created_by, profile, .. } => {
                self.details = PersonalDetails::from_profile(&profile);
                self.username = profile.username;
                self.created_by = created_by;
                self.registered = true;
                self.tenant_id = Some(tenant_id);
                self.email = Some(email);
                self.password_hash = Some(password_hash);
            }
            UserEvent::UserRegistered { tenant_id, partner_id, email, external_uid, test_user, .. } => {
                // the partner vouches for its user's email
                self.email_verified = true;
                self.registered = true;
                self.test_user = test_user;
                self.tenant_id = Some(tenant_id);
                self.email = Some(email);
                if let Some(uid) = external_uid {
                    self.external_uids.push((partner_id, uid));
                }
            }
            UserEvent::UserRegisteredWithPartnerIdentity {
                tenant_id,
                partner_id,
                subject,
                email,
                first_name,
                last_name,
                ..
            } => {
                self.registered = true;
                self.tenant_id = Some(tenant_id);
                self.partner_identity = Some((partner_id, subject));
                // the partner vouches for its user's email
                self.email_verified = email.is_some();
                self.email = email;
                self.details.first_name = first_name;
                self.details.last_name = last_name;
            }
            UserEvent::PartnerIdentityClaimsChanged { email, first_name, last_name, .. } => {
                self.email_verified = email.is_some();
                self.email = email;
                self.details.first_name = first_name;
                self.details.last_name = last_name;
            }
            UserEvent::PartnerExternalUidLinked { partner_id, external_uid, .. } => {
                self.external_uids.push((partner_id, external_uid));
            }
            UserEvent::VehicleChanged { license_plate, .. } => self.license_plate = Some(license_plate),
            UserEvent::SignInFailed { failed_at } => self.failures.push(failed_at),
            UserEvent::TotpSecretIssued { secret, .. } => self.totp_pending = Some(secret),
            UserEvent::TotpEnabled { step, recovery_code_hashes, .. } => {
                self.totp_secret = self.totp_pending.take();
                self.last_totp_step = step;
                self.recovery_codes = recovery_code_hashes;
            }
            UserEvent::UserSignedUpWithIdentity { tenant_id, email, issuer, subject, profile, .. } => {
                self.details = PersonalDetails::from_profile(&profile);
                // an identity signs up only with an email its provider verified
                self.email_verified = true;
                self.registered = true;
                self.tenant_id = Some(tenant_id);
                self.email = Some(email);
                self.identities.push((issuer, subject));
            }
            UserEvent::IdentityLinked { issuer, subject, .. } => self.identities.push((issuer, subject)),
            UserEvent::UserSignedUpWithPhoneCode { tenant_id, phone_number, .. } => {
                // the code that signed the person up came to this number
                self.phone_number = Some(phone_number);
                self.phone_verified = true;
                self.registered = true;
                self.tenant_id = Some(tenant_id);
            }
            UserEvent::UserSignedUpWithEmailCode { tenant_id, email, .. } => {
                self.email_verified = true;
                self.registered = true;
                self.tenant_id = Some(tenant_id);
                self.email = Some(email);
            }
            UserEvent::TotpDisabled { .. } => {
                self.totp_secret = None;
                self.totp_pending = None;
                self.recovery_codes.clear();
            }
            UserEvent::SecondFactorVerified { factor, .. } => match factor {
                SecondFactor::Totp { step } => self.last_totp_step = step,
                SecondFactor::RecoveryCode { code_hash } => self.recovery_codes.retain(|c| *c != code_hash),
            },
            UserEvent::EmailProven { .. } => self.email_verified = true,
            UserEvent::UnprovenCredentialsRemoved { password, totp, .. } => {
                if password {
                    self.password_hash = None;
                }
                if totp {
                    self.totp_secret = None;
                    self.totp_pending = None;
                    self.recovery_codes.clear();
                }
            }
            UserEvent::ProfileChanged { details, .. } => self.details = details,
            UserEvent::EmailChanged { new_email, .. } => {
                self.email = Some(new_email);
                self.email_verified = false;
            }
            UserEvent::UsernameChanged { new_username, .. } => self.username = Some(new_username),
            UserEvent::PhoneNumberChanged { new_phone_number, .. } => {
                self.phone_number = new_phone_number;
                self.phone_verified = false;
            }
            UserEvent::PhoneNumberProven { .. } => self.phone_verified = true,
            UserEvent::PasswordChanged { password_hash, .. } => self.password_hash = Some(password_hash),
            UserEvent::DeletionRequested { .. } => self.deletion_requested = true,
            // what is left is the fact that someone was here: no personal data, no credentials
            UserEvent::UserErased { .. } => *self = User { erased: true, ..User::default() },
            UserEvent::IdentityVerificationStarted { .. }
            | UserEvent::IdentityVerificationCompleted { .. }
            | UserEvent::ManualVerificationRecorded { .. } => {}
            UserEvent::AccountLocked { locked_until, .. } => {
                self.locked_until = Some(locked_until);
                self.failures.clear();
            }
        }
    }
}
