//! The User aggregate (`user-{uuid}`): identity per partner, test flag, vehicle.
use crate::codec::{Claim, ClaimChange, HasClaims};
use crate::values::{Email, ExternalUid, LicensePlate, PhoneNumber};
use chrono::{DateTime, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[cfg(test)]
mod tests;

/// Claim scope: one user per partner and email.
pub const PARTNER_EMAIL: &str = "partner-email";
/// Claim scope: one user per partner and external uid.
pub const PARTNER_EXTERNAL_UID: &str = "partner-external-uid";
/// Claim scope: one email sign-in per tenant.
pub const TENANT_EMAIL: &str = "tenant-email";
/// Claim scope: one username per tenant (legacy dialect), compared without case.
pub const TENANT_USERNAME: &str = "tenant-username";

/// Claim scope: one phone sign-in per tenant.
pub const TENANT_PHONE: &str = "tenant-phone";

pub fn tenant_phone_claim(tenant_id: &str, phone: &PhoneNumber) -> Claim {
    Claim { scope: TENANT_PHONE, value: format!("{}:{tenant_id}:{}", tenant_id.len(), phone.as_str()) }
}

/// Claim scope: one user per tenant and external identity (OpenID issuer and subject).
pub const TENANT_IDENTITY: &str = "tenant-identity";

pub fn tenant_identity_claim(tenant_id: &str, issuer: &str, subject: &str) -> Claim {
    Claim {
        scope: TENANT_IDENTITY,
        value: format!("{}:{tenant_id}:{}:{issuer}:{subject}", tenant_id.len(), issuer.len()),
    }
}

pub fn tenant_username_claim(tenant_id: &str, username: &str) -> Claim {
    Claim { scope: TENANT_USERNAME, value: format!("{}:{tenant_id}:{}", tenant_id.len(), username.to_lowercase()) }
}

pub fn stream_id(user_id: Uuid) -> String {
    format!("user-{user_id}")
}

/// Test users (coord test JWTs, minted with the access key alone) live in their own namespace:
/// a test token can never resolve to a production user of the same partner and email. Claim
/// values start with the partner id's length, so no partner id and email can spell another's.
fn realm(test_user: bool) -> &'static str {
    if test_user { "test" } else { "live" }
}

pub fn partner_email_claim(partner_id: &str, test_user: bool, email: &Email) -> Claim {
    Claim { scope: PARTNER_EMAIL, value: format!("{}:{partner_id}:{}:{email}", partner_id.len(), realm(test_user)) }
}

pub fn partner_external_uid_claim(partner_id: &str, test_user: bool, uid: &ExternalUid) -> Claim {
    Claim {
        scope: PARTNER_EXTERNAL_UID,
        value: format!("{}:{partner_id}:{}:{}", partner_id.len(), realm(test_user), uid.as_str()),
    }
}

pub fn tenant_email_claim(tenant_id: &str, email: &Email) -> Claim {
    Claim { scope: TENANT_EMAIL, value: format!("{}:{tenant_id}:{email}", tenant_id.len()) }
}

/// What a person tells about themselves when signing up; every field optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// A BCP 47 language tag (`de`, `fr-CH`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// A public pseudonym, unique per tenant (legacy dialect).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Job title (legacy dialect).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
}

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

/// How a second factor was proven.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum SecondFactor {
    /// A TOTP code of this 30-second time step.
    Totp { step: u64 },
    /// One of the recovery codes handed out when TOTP was enabled (by its hash); each works once.
    RecoveryCode { code_hash: String },
}

#[derive(Debug, Clone, PartialEq)]
pub enum UserCommand {
    /// Hand out a fresh TOTP secret, not yet in force (the user must confirm a first code).
    IssueTotpSecret {
        secret: String,
        at: DateTime<Utc>,
    },
    /// The first code for the pending secret was right (checked by the caller): TOTP is on.
    EnableTotp {
        step: u64,
        recovery_code_hashes: Vec<String>,
        at: DateTime<Utc>,
    },
    /// A person signs up with an OpenID provider's ID token (verified by the caller).
    SignUpWithIdentity {
        user_id: Uuid,
        tenant_id: String,
        email: Email,
        issuer: String,
        subject: String,
        profile: Profile,
        at: DateTime<Utc>,
    },
    /// A person proved an email address with a one-time code and has no account yet.
    SignUpWithEmailCode {
        user_id: Uuid,
        tenant_id: String,
        email: Email,
        at: DateTime<Utc>,
    },
    /// A person proved a phone number with a one-time code and has no account yet.
    SignUpWithPhoneCode {
        user_id: Uuid,
        tenant_id: String,
        phone_number: PhoneNumber,
        at: DateTime<Utc>,
    },
    /// Link an OpenID identity to an existing account (its verified email matched).
    LinkIdentity {
        issuer: String,
        subject: String,
        at: DateTime<Utc>,
    },
    /// Switch TOTP off (the caller checked a current code).
    DisableTotp {
        at: DateTime<Utc>,
    },
    /// A second factor was proven at sign-in (checked by the caller against the secret); a code
    /// of a step already used, or a spent recovery code, is refused.
    RecordSecondFactor {
        factor: SecondFactor,
        at: DateTime<Utc>,
    },
    /// A password sign-in failed; enough failures in the window lock the account.
    RecordFailedSignIn {
        policy: LockoutPolicy,
        at: DateTime<Utc>,
    },
    /// A person signs up in a tenant with email and password (suite `POST /customers`). The
    /// password arrives hashed (argon2id PHC string): the domain never sees it in clear.
    SignUpWithEmail {
        user_id: Uuid,
        tenant_id: String,
        email: Email,
        password_hash: String,
        profile: Profile,
        /// The API client that created the account on the person's behalf, if any; only that
        /// client may act for the user (suite impersonation).
        created_by: Option<String>,
        at: DateTime<Utc>,
    },
    /// A partner introduces its end user (coord `create_jwt`), who is created on first sight.
    RegisterThroughPartner {
        user_id: Uuid,
        tenant_id: String,
        partner_id: String,
        email: Email,
        external_uid: Option<ExternalUid>,
        test_user: bool,
        at: DateTime<Utc>,
    },
    /// The partner names its own id for a user it first introduced by email only.
    LinkPartnerExternalUid {
        partner_id: String,
        external_uid: ExternalUid,
        at: DateTime<Utc>,
    },
    ChangeVehicle {
        license_plate: LicensePlate,
        at: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum UserEvent {
    UserRegistered {
        user_id: Uuid,
        tenant_id: String,
        partner_id: String,
        email: Email,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        external_uid: Option<ExternalUid>,
        test_user: bool,
        registered_at: DateTime<Utc>,
    },
    PartnerExternalUidLinked {
        partner_id: String,
        external_uid: ExternalUid,
        test_user: bool,
        linked_at: DateTime<Utc>,
    },
    VehicleChanged {
        license_plate: LicensePlate,
        changed_at: DateTime<Utc>,
    },
    SignInFailed {
        failed_at: DateTime<Utc>,
    },
    TotpSecretIssued {
        /// Base32. Held in the log like the password hash; see the ADR on two-factor sign-in.
        secret: String,
        issued_at: DateTime<Utc>,
    },
    TotpEnabled {
        /// The time step of the confirming code (no code of it or earlier works again).
        step: u64,
        recovery_code_hashes: Vec<String>,
        enabled_at: DateTime<Utc>,
    },
    SecondFactorVerified {
        factor: SecondFactor,
        verified_at: DateTime<Utc>,
    },
    TotpDisabled {
        disabled_at: DateTime<Utc>,
    },
    UserSignedUpWithIdentity {
        user_id: Uuid,
        tenant_id: String,
        email: Email,
        issuer: String,
        subject: String,
        #[serde(default)]
        profile: Profile,
        signed_up_at: DateTime<Utc>,
    },
    UserSignedUpWithEmailCode {
        user_id: Uuid,
        tenant_id: String,
        email: Email,
        signed_up_at: DateTime<Utc>,
    },
    UserSignedUpWithPhoneCode {
        user_id: Uuid,
        tenant_id: String,
        phone_number: PhoneNumber,
        signed_up_at: DateTime<Utc>,
    },
    IdentityLinked {
        tenant_id: String,
        issuer: String,
        subject: String,
        linked_at: DateTime<Utc>,
    },
    AccountLocked {
        locked_until: DateTime<Utc>,
        locked_at: DateTime<Utc>,
    },
    UserSignedUp {
        user_id: Uuid,
        tenant_id: String,
        email: Email,
        /// argon2id, PHC string format.
        password_hash: String,
        #[serde(default)]
        profile: Profile,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        created_by: Option<String>,
        signed_up_at: DateTime<Utc>,
    },
}

impl DomainEvent for UserEvent {
    fn event_type(&self) -> String {
        match self {
            Self::UserRegistered { .. } => "UserRegistered",
            Self::PartnerExternalUidLinked { .. } => "PartnerExternalUidLinked",
            Self::VehicleChanged { .. } => "VehicleChanged",
            Self::UserSignedUp { .. } => "UserSignedUp",
            Self::SignInFailed { .. } => "SignInFailed",
            Self::TotpSecretIssued { .. } => "TotpSecretIssued",
            Self::TotpEnabled { .. } => "TotpEnabled",
            Self::SecondFactorVerified { .. } => "SecondFactorVerified",
            Self::TotpDisabled { .. } => "TotpDisabled",
            Self::UserSignedUpWithIdentity { .. } => "UserSignedUpWithIdentity",
            Self::IdentityLinked { .. } => "IdentityLinked",
            Self::UserSignedUpWithEmailCode { .. } => "UserSignedUpWithEmailCode",
            Self::UserSignedUpWithPhoneCode { .. } => "UserSignedUpWithPhoneCode",
            Self::AccountLocked { .. } => "AccountLocked",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}

impl HasClaims for UserEvent {
    fn claim_changes(&self) -> Vec<ClaimChange> {
        match self {
            Self::UserRegistered { partner_id, email, external_uid, test_user, .. } => {
                let mut claims = vec![ClaimChange::Take(partner_email_claim(partner_id, *test_user, email))];
                if let Some(uid) = external_uid {
                    claims.push(ClaimChange::Take(partner_external_uid_claim(partner_id, *test_user, uid)));
                }
                claims
            }
            Self::PartnerExternalUidLinked { partner_id, external_uid, test_user, .. } => {
                vec![ClaimChange::Take(partner_external_uid_claim(partner_id, *test_user, external_uid))]
            }
            Self::UserSignedUp { tenant_id, email, profile, .. } => {
                let mut claims = vec![ClaimChange::Take(tenant_email_claim(tenant_id, email))];
                if let Some(username) = &profile.username {
                    claims.push(ClaimChange::Take(tenant_username_claim(tenant_id, username)));
                }
                claims
            }
            Self::UserSignedUpWithIdentity { tenant_id, email, issuer, subject, .. } => vec![
                ClaimChange::Take(tenant_email_claim(tenant_id, email)),
                ClaimChange::Take(tenant_identity_claim(tenant_id, issuer, subject)),
            ],
            Self::UserSignedUpWithEmailCode { tenant_id, email, .. } => {
                vec![ClaimChange::Take(tenant_email_claim(tenant_id, email))]
            }
            Self::UserSignedUpWithPhoneCode { tenant_id, phone_number, .. } => {
                vec![ClaimChange::Take(tenant_phone_claim(tenant_id, phone_number))]
            }
            Self::IdentityLinked { tenant_id, issuer, subject, .. } => {
                vec![ClaimChange::Take(tenant_identity_claim(tenant_id, issuer, subject))]
            }
            Self::VehicleChanged { .. }
            | Self::SignInFailed { .. }
            | Self::AccountLocked { .. }
            | Self::TotpSecretIssued { .. }
            | Self::TotpEnabled { .. }
            | Self::SecondFactorVerified { .. }
            | Self::TotpDisabled { .. } => Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UserError {
    #[error("the user is already registered")]
    AlreadyRegistered,
    #[error("the user does not exist")]
    NotRegistered,
    #[error("the user already has another external uid at this partner")]
    ExternalUidConflict,
    #[error("two-factor sign-in is already on")]
    TotpAlreadyEnabled,
    #[error("no two-factor secret was issued, or it is on already")]
    NoPendingTotpSecret,
    #[error("two-factor sign-in is off")]
    TotpNotEnabled,
    #[error("the code was used already")]
    SecondFactorReplayed,
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    registered: bool,
    test_user: bool,
    /// External uid per partner id.
    external_uids: Vec<(String, ExternalUid)>,
    license_plate: Option<LicensePlate>,
    tenant_id: Option<String>,
    email: Option<Email>,
    password_hash: Option<String>,
    /// Failed password sign-ins since the last lock, oldest first.
    failures: Vec<DateTime<Utc>>,
    locked_until: Option<DateTime<Utc>>,
    created_by: Option<String>,
    /// Linked OpenID identities: (issuer, subject).
    identities: Vec<(String, String)>,
    totp_pending: Option<String>,
    totp_secret: Option<String>,
    last_totp_step: u64,
    /// Hashes of the recovery codes not used yet.
    recovery_codes: Vec<String>,
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

    fn external_uid_at(&self, partner_id: &str) -> Option<&ExternalUid> {
        self.external_uids.iter().find(|(p, _)| p == partner_id).map(|(_, uid)| uid)
    }
}

impl Aggregate for User {
    const TYPE: &'static str = "user";
    type Command = UserCommand;
    type Event = UserEvent;
    type Error = UserError;
    type Services = ();

    async fn handle(&mut self, command: UserCommand, _: &(), sink: &EventSink<Self>) -> Result<(), UserError> {
        match command {
            UserCommand::IssueTotpSecret { secret, at } => {
                if !self.registered {
                    return Err(UserError::NotRegistered);
                }
                if self.totp_secret.is_some() {
                    return Err(UserError::TotpAlreadyEnabled);
                }
                sink.write(UserEvent::TotpSecretIssued { secret, issued_at: at }, self).await;
            }
            UserCommand::EnableTotp { step, recovery_code_hashes, at } => {
                if self.totp_secret.is_some() {
                    return Err(UserError::TotpAlreadyEnabled);
                }
                if self.totp_pending.is_none() {
                    return Err(UserError::NoPendingTotpSecret);
                }
                sink.write(UserEvent::TotpEnabled { step, recovery_code_hashes, enabled_at: at }, self).await;
            }
            UserCommand::SignUpWithIdentity { user_id, tenant_id, email, issuer, subject, profile, at } => {
                if self.registered {
                    return Err(UserError::AlreadyRegistered);
                }
                let event = UserEvent::UserSignedUpWithIdentity {
                    user_id,
                    tenant_id,
                    email,
                    issuer,
                    subject,
                    profile,
                    signed_up_at: at,
                };
                sink.write(event, self).await;
            }
            UserCommand::SignUpWithEmailCode { user_id, tenant_id, email, at } => {
                if self.registered {
                    return Err(UserError::AlreadyRegistered);
                }
                sink.write(UserEvent::UserSignedUpWithEmailCode { user_id, tenant_id, email, signed_up_at: at }, self)
                    .await;
            }
            UserCommand::SignUpWithPhoneCode { user_id, tenant_id, phone_number, at } => {
                if self.registered {
                    return Err(UserError::AlreadyRegistered);
                }
                let event = UserEvent::UserSignedUpWithPhoneCode { user_id, tenant_id, phone_number, signed_up_at: at };
                sink.write(event, self).await;
            }
            UserCommand::LinkIdentity { issuer, subject, at } => {
                let tenant_id = self.tenant_id.clone().ok_or(UserError::NotRegistered)?;
                if !self.identities.contains(&(issuer.clone(), subject.clone())) {
                    sink.write(UserEvent::IdentityLinked { tenant_id, issuer, subject, linked_at: at }, self).await;
                }
            }
            UserCommand::DisableTotp { at } => {
                if self.totp_secret.is_none() {
                    return Err(UserError::TotpNotEnabled);
                }
                sink.write(UserEvent::TotpDisabled { disabled_at: at }, self).await;
            }
            UserCommand::RecordSecondFactor { factor, at } => {
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
            }
            UserCommand::RecordFailedSignIn { policy, at } => {
                if !self.registered {
                    return Err(UserError::NotRegistered);
                }
                if self.locked_until(at).is_some() {
                    return Ok(());
                }
                sink.write(UserEvent::SignInFailed { failed_at: at }, self).await;
                let recent = self.failures.iter().filter(|f| at - **f < policy.window).count();
                if recent >= policy.max_failures as usize {
                    let event = UserEvent::AccountLocked { locked_until: at + policy.lock_for, locked_at: at };
                    sink.write(event, self).await;
                }
            }
            UserCommand::SignUpWithEmail { user_id, tenant_id, email, password_hash, profile, created_by, at } => {
                if self.registered {
                    return Err(UserError::AlreadyRegistered);
                }
                let event = UserEvent::UserSignedUp {
                    user_id,
                    tenant_id,
                    email,
                    password_hash,
                    profile,
                    created_by,
                    signed_up_at: at,
                };
                sink.write(event, self).await;
            }
            UserCommand::RegisterThroughPartner {
                user_id,
                tenant_id,
                partner_id,
                email,
                external_uid,
                test_user,
                at,
            } => {
                if self.registered {
                    return Err(UserError::AlreadyRegistered);
                }
                let event = UserEvent::UserRegistered {
                    user_id,
                    tenant_id,
                    partner_id,
                    email,
                    external_uid,
                    test_user,
                    registered_at: at,
                };
                sink.write(event, self).await;
            }
            UserCommand::LinkPartnerExternalUid { partner_id, external_uid, at } => {
                if !self.registered {
                    return Err(UserError::NotRegistered);
                }
                match self.external_uid_at(&partner_id) {
                    Some(existing) if *existing == external_uid => {}
                    Some(_) => return Err(UserError::ExternalUidConflict),
                    None => {
                        let event = UserEvent::PartnerExternalUidLinked {
                            partner_id,
                            external_uid,
                            test_user: self.test_user,
                            linked_at: at,
                        };
                        sink.write(event, self).await;
                    }
                }
            }
            UserCommand::ChangeVehicle { license_plate, at } => {
                if !self.registered {
                    return Err(UserError::NotRegistered);
                }
                if self.license_plate.as_ref() != Some(&license_plate) {
                    sink.write(UserEvent::VehicleChanged { license_plate, changed_at: at }, self).await;
                }
            }
        }
        Ok(())
    }

    fn apply(&mut self, event: UserEvent) {
        match event {
            UserEvent::UserSignedUp { tenant_id, email, password_hash, created_by, .. } => {
                self.created_by = created_by;
                self.registered = true;
                self.tenant_id = Some(tenant_id);
                self.email = Some(email);
                self.password_hash = Some(password_hash);
            }
            UserEvent::UserRegistered { tenant_id, partner_id, email, external_uid, test_user, .. } => {
                self.registered = true;
                self.test_user = test_user;
                self.tenant_id = Some(tenant_id);
                self.email = Some(email);
                if let Some(uid) = external_uid {
                    self.external_uids.push((partner_id, uid));
                }
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
            UserEvent::UserSignedUpWithIdentity { tenant_id, email, issuer, subject, .. } => {
                self.registered = true;
                self.tenant_id = Some(tenant_id);
                self.email = Some(email);
                self.identities.push((issuer, subject));
            }
            UserEvent::IdentityLinked { issuer, subject, .. } => self.identities.push((issuer, subject)),
            UserEvent::UserSignedUpWithPhoneCode { tenant_id, .. } => {
                self.registered = true;
                self.tenant_id = Some(tenant_id);
            }
            UserEvent::UserSignedUpWithEmailCode { tenant_id, email, .. } => {
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
            UserEvent::AccountLocked { locked_until, .. } => {
                self.locked_until = Some(locked_until);
                self.failures.clear();
            }
        }
    }
}
