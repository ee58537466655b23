//! A user's state for auditors: everything the history says about the person and the account,
//! and of the credentials only whether they exist (no password hash, no TOTP secret, no
//! recovery-code hash, no failed-attempt times).
use super::{PersonalDetails, User, Verifications};
use crate::values::{Email, ExternalUid, LicensePlate, PhoneNumber};
use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UserSnapshot {
    pub registered: bool,
    pub test_user: bool,
    pub tenant_id: Option<String>,
    pub email: Option<Email>,
    pub email_verified: bool,
    pub username: Option<String>,
    pub phone_number: Option<PhoneNumber>,
    pub phone_verified: bool,
    pub details: PersonalDetails,
    pub license_plate: Option<LicensePlate>,
    /// The user's id at each partner: (partner id, external uid).
    pub external_uids: Vec<(String, ExternalUid)>,
    /// Linked OpenID identities: (issuer, subject).
    pub identities: Vec<(String, String)>,
    /// The partner and subject of a user a partner's own token registered.
    pub partner_identity: Option<(String, String)>,
    pub created_by: Option<String>,
    pub has_password: bool,
    pub two_factor_enabled: bool,
    pub recovery_codes_left: usize,
    pub locked_until: Option<DateTime<Utc>>,
    pub deletion_requested: bool,
    pub erased: bool,
    pub verifications: Verifications,
}

impl User {
    /// The state without credentials (see the module's doc).
    pub fn snapshot(&self) -> UserSnapshot {
        UserSnapshot {
            registered: self.registered,
            test_user: self.test_user,
            tenant_id: self.tenant_id.clone(),
            email: self.email.clone(),
            email_verified: self.email_verified,
            username: self.username.clone(),
            phone_number: self.phone_number.clone(),
            phone_verified: self.phone_verified,
            details: self.details.clone(),
            license_plate: self.license_plate.clone(),
            external_uids: self.external_uids.clone(),
            identities: self.identities.clone(),
            partner_identity: self.partner_identity.clone(),
            created_by: self.created_by.clone(),
            has_password: self.password_hash.is_some(),
            two_factor_enabled: self.totp_secret.is_some(),
            recovery_codes_left: self.recovery_codes.len(),
            locked_until: self.locked_until,
            deletion_requested: self.deletion_requested,
            erased: self.erased,
            verifications: self.verifications.clone(),
        }
    }
}
