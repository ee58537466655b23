//! The user's events: a permanent contract. Names, fields and serde names never change; a new
//! shape is a new schema version with an upcaster in the store.
use super::claims::{
    partner_email_claim, partner_external_uid_claim, partner_subject_claim, tenant_email_claim, tenant_identity_claim,
    tenant_phone_claim, tenant_username_claim,
};
use super::verification::{VerificationKind, VerificationResult};
use crate::codec::{ClaimChange, HasClaims};
use crate::values::{Email, ExternalUid, LicensePlate, PhoneNumber};
use chrono::{DateTime, Utc};
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use super::event_values::{PersonalDetails, PostalAddress, Profile, SecondFactor};

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
    /// The account's email was proven for the first time since it was given: a one-time code
    /// sent to it came back, or an ID token of a provider vouched for it (`proven_by`:
    /// `email-code` or `id-token`).
    EmailProven {
        proven_by: String,
        proven_at: DateTime<Utc>,
    },
    /// The email's first proof removed the credentials set before anyone had proven it: the
    /// password, and a TOTP (on or pending). Someone who signed up with another person's email
    /// and a password of their own (pre-hijacking) loses them when the owner proves the email.
    UnprovenCredentialsRemoved {
        password: bool,
        totp: bool,
        removed_at: DateTime<Utc>,
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
    /// The personal details, all of them as they stand after the change.
    ProfileChanged {
        details: PersonalDetails,
        changed_at: DateTime<Utc>,
    },
    /// The sign-in email changed: the old one is free for others, the new one is taken, and it
    /// is unproven until a code or link sent to it comes back.
    EmailChanged {
        tenant_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        old_email: Option<Email>,
        new_email: Email,
        changed_at: DateTime<Utc>,
    },
    UsernameChanged {
        tenant_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        old_username: Option<String>,
        new_username: String,
        changed_at: DateTime<Utc>,
    },
    /// The phone number changed (or was removed); a new one is unproven.
    PhoneNumberChanged {
        tenant_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        old_phone_number: Option<PhoneNumber>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        new_phone_number: Option<PhoneNumber>,
        changed_at: DateTime<Utc>,
    },
    /// A code sent to the phone number came back.
    PhoneNumberProven {
        proven_at: DateTime<Utc>,
    },
    /// The account holder asked for the account's deletion; it completes when no hold (an active
    /// subscription, an unpaid charge, a running parking session) is left.
    DeletionRequested {
        requested_at: DateTime<Utc>,
    },
    /// The account was erased: its claims are free, its sessions end, it leaves the read models.
    /// No personal data in this event. `requested_by`: `customer` or `operator`.
    UserErased {
        requested_by: String,
        erased_at: DateTime<Utc>,
    },
    /// A partner's own token named a user not seen before (the partner's issuer vouches for the
    /// email, as `create_jwt` does).
    UserRegisteredWithPartnerIdentity {
        user_id: Uuid,
        tenant_id: String,
        partner_id: String,
        /// The `iss` of the first token.
        issuer: String,
        /// The partner's id for the person (the token's `sub`).
        subject: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        email: Option<Email>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        first_name: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        last_name: Option<String>,
        registered_at: DateTime<Utc>,
    },
    /// A later token of the partner stated another email or other names: all three as they stand
    /// after the change.
    PartnerIdentityClaimsChanged {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        email: Option<Email>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        first_name: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        last_name: Option<String>,
        changed_at: DateTime<Utc>,
    },
    /// A new password: `reason` is `change` (the old one was given) or `reset` (a mailed code).
    PasswordChanged {
        /// argon2id, PHC string format.
        password_hash: String,
        reason: String,
        changed_at: DateTime<Utc>,
    },
    /// A verification of `kind` started at `provider`; the person completes it at `url`.
    IdentityVerificationStarted {
        kind: VerificationKind,
        verification_id: String,
        provider: String,
        url: String,
        started_at: DateTime<Utc>,
    },
    /// The pending verification of `kind` was decided; `decided_by`: `provider` or `operator`.
    /// The reason (of a rejection) is a field of its own so that its erasure leaves the result.
    IdentityVerificationCompleted {
        kind: VerificationKind,
        verification_id: String,
        result: VerificationResult,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        decided_by: String,
        completed_at: DateTime<Utc>,
    },
    /// An operator verified the person by hand (or refused to).
    ManualVerificationRecorded {
        result: VerificationResult,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        recorded_at: DateTime<Utc>,
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
            Self::EmailProven { .. } => "EmailProven",
            Self::UnprovenCredentialsRemoved { .. } => "UnprovenCredentialsRemoved",
            Self::ProfileChanged { .. } => "ProfileChanged",
            Self::EmailChanged { .. } => "EmailChanged",
            Self::UsernameChanged { .. } => "UsernameChanged",
            Self::PhoneNumberChanged { .. } => "PhoneNumberChanged",
            Self::PhoneNumberProven { .. } => "PhoneNumberProven",
            Self::PasswordChanged { .. } => "PasswordChanged",
            Self::DeletionRequested { .. } => "DeletionRequested",
            Self::UserErased { .. } => "UserErased",
            Self::UserRegisteredWithPartnerIdentity { .. } => "UserRegisteredWithPartnerIdentity",
            Self::PartnerIdentityClaimsChanged { .. } => "PartnerIdentityClaimsChanged",
            Self::IdentityVerificationStarted { .. } => "IdentityVerificationStarted",
            Self::IdentityVerificationCompleted { .. } => "IdentityVerificationCompleted",
            Self::ManualVerificationRecorded { .. } => "ManualVerificationRecorded",
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
            Self::EmailChanged { tenant_id, old_email, new_email, .. } => {
                let mut claims: Vec<ClaimChange> =
                    old_email.iter().map(|old| ClaimChange::Release(tenant_email_claim(tenant_id, old))).collect();
                claims.push(ClaimChange::Take(tenant_email_claim(tenant_id, new_email)));
                claims
            }
            Self::UsernameChanged { tenant_id, old_username, new_username, .. } => {
                let release =
                    old_username.iter().map(|old| ClaimChange::Release(tenant_username_claim(tenant_id, old)));
                let mut claims: Vec<ClaimChange> = release.collect();
                claims.push(ClaimChange::Take(tenant_username_claim(tenant_id, new_username)));
                claims
            }
            Self::PhoneNumberChanged { tenant_id, old_phone_number, new_phone_number, .. } => {
                let release =
                    old_phone_number.iter().map(|old| ClaimChange::Release(tenant_phone_claim(tenant_id, old)));
                let take = new_phone_number.iter().map(|new| ClaimChange::Take(tenant_phone_claim(tenant_id, new)));
                release.chain(take).collect()
            }
            Self::UserRegisteredWithPartnerIdentity { tenant_id, partner_id, subject, .. } => {
                vec![ClaimChange::Take(partner_subject_claim(tenant_id, partner_id, subject))]
            }
            Self::UserErased { .. } => vec![ClaimChange::ReleaseAll],
            Self::ProfileChanged { .. }
            | Self::PartnerIdentityClaimsChanged { .. }
            | Self::PhoneNumberProven { .. }
            | Self::PasswordChanged { .. }
            | Self::DeletionRequested { .. }
            | Self::IdentityVerificationStarted { .. }
            | Self::IdentityVerificationCompleted { .. }
            | Self::ManualVerificationRecorded { .. } => Vec::new(),
            Self::VehicleChanged { .. }
            | Self::SignInFailed { .. }
            | Self::AccountLocked { .. }
            | Self::TotpSecretIssued { .. }
            | Self::TotpEnabled { .. }
            | Self::SecondFactorVerified { .. }
            | Self::TotpDisabled { .. }
            | Self::EmailProven { .. }
            | Self::UnprovenCredentialsRemoved { .. } => Vec::new(),
        }
    }
}
