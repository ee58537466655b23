//! The unique claims a user's events take: which facts no two users of a partner or a tenant
//! may share. Claim values are permanent (they are stored), so their spelling never changes.
use crate::codec::Claim;
use crate::values::{Email, ExternalUid, PhoneNumber};

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

/// Claim scope: one user per partner and subject of the partner's own tokens (whichever of the
/// partner's issuers signed them: the subject is the partner's id for the person).
pub const PARTNER_SUBJECT: &str = "partner-subject";

pub fn partner_subject_claim(tenant_id: &str, partner_id: &str, subject: &str) -> Claim {
    Claim {
        scope: PARTNER_SUBJECT,
        value: format!("{}:{tenant_id}:{}:{partner_id}:{subject}", tenant_id.len(), partner_id.len()),
    }
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
