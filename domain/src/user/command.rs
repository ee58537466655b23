//! What can be asked of a user.
use super::{
    LockoutPolicy, PartnerClaims, PendingVerification, PersonalDetails, Profile, SecondFactor, VerificationKind,
    VerificationResult,
};
use crate::values::{Email, ExternalUid, LicensePlate, PhoneNumber};
use chrono::{DateTime, Utc};
use uuid::Uuid;

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
    /// The account's email was just proven (a one-time code, or a provider's ID token, checked
    /// by the caller). The first proof removes the credentials nobody had proven.
    ProveEmail {
        by: String,
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
    /// A partner's own token (verified by the caller against the partner's issuer) names a user
    /// not seen before: `subject` is the partner's id for the person.
    RegisterWithPartnerIdentity {
        user_id: Uuid,
        tenant_id: String,
        partner_id: String,
        issuer: String,
        subject: String,
        claims: PartnerClaims,
        at: DateTime<Utc>,
    },
    /// A later token of the partner states the user's email and names (absent ones stay).
    UpdatePartnerClaims {
        claims: PartnerClaims,
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
    /// Set the personal details (all of them, as they should stand).
    ChangeProfile {
        details: PersonalDetails,
        at: DateTime<Utc>,
    },
    /// A new sign-in email (only for accounts that signed up with one in this tenant).
    ChangeEmail {
        email: Email,
        at: DateTime<Utc>,
    },
    ChangeUsername {
        username: String,
        at: DateTime<Utc>,
    },
    /// A new phone number, or `None` to remove it.
    ChangePhoneNumber {
        phone_number: Option<PhoneNumber>,
        at: DateTime<Utc>,
    },
    /// A code sent to `phone_number` came back; it must still be the account's number.
    ProvePhoneNumber {
        phone_number: PhoneNumber,
        at: DateTime<Utc>,
    },
    /// A new password hash; `reason`: `change` or `reset`.
    ChangePassword {
        password_hash: String,
        reason: String,
        at: DateTime<Utc>,
    },
    /// A profile form sent at once (suite `PATCH /customers`): the details as they should stand,
    /// and a new email or phone number (`Some(None)`: remove the number), decided together and
    /// appended together, so a refused part writes nothing.
    EditProfile {
        details: PersonalDetails,
        email: Option<Email>,
        phone_number: Option<Option<PhoneNumber>>,
        at: DateTime<Utc>,
    },
    /// A code or link sent to the account's email came back, asked for by the account itself
    /// (email verification). Unlike `ProveEmail` (a sign-in by code), it leaves the password.
    ConfirmEmail {
        at: DateTime<Utc>,
    },
    /// The account holder asks for deletion (recorded; completed by `Erase` once no hold is left).
    RequestDeletion {
        at: DateTime<Utc>,
    },
    /// Erase the account, unless `holds` (named by the aggregates that own them) keep it.
    Erase {
        holds: Vec<String>,
        requested_by: String,
        at: DateTime<Utc>,
    },
    /// A provider started a verification session of `kind` (one per kind at a time).
    StartVerification {
        kind: VerificationKind,
        pending: PendingVerification,
    },
    /// The provider (or an operator, `decided_by`) decided the pending session `verification_id`.
    CompleteVerification {
        kind: VerificationKind,
        verification_id: String,
        result: VerificationResult,
        reason: Option<String>,
        decided_by: String,
        at: DateTime<Utc>,
    },
    /// An operator verified the person by hand, or refused to.
    RecordManualVerification {
        result: VerificationResult,
        reason: Option<String>,
        at: DateTime<Utc>,
    },
}
