//! Which parts of the events are personal data: the top-level payload fields the store encrypts
//! with the person's data key, what each reads as once the key is destroyed (a value its type
//! still decodes, saying nothing), the streams that belong to a person, and the event that
//! erases one. Credentials count: password hashes, TOTP secrets and recovery codes.
use serde_json::{Value, json};

/// Stream types that belong to a person, and the prefix before the person's id.
pub const STREAMS: &[(&str, &str)] = &[
    ("user", "user-"),
    (crate::wallet::STREAM_TYPE, "payment-methods-"),
    (crate::cards::STREAM_TYPE, "identity-cards-"),
];

/// The events that erase their person.
pub const ERASING: &[&str] = &["UserErased"];

const ERASED_EMAIL: &str = "erased@erased.invalid";

/// Per event type, its personal fields and their placeholders.
pub fn fields() -> Vec<(&'static str, Vec<(&'static str, Value)>)> {
    let email = || json!(ERASED_EMAIL);
    let erased = || json!("erased");
    vec![
        ("UserRegistered", vec![("email", email()), ("external_uid", erased())]),
        ("PartnerExternalUidLinked", vec![("external_uid", erased())]),
        (
            "UserRegisteredWithPartnerIdentity",
            vec![("subject", erased()), ("email", email()), ("first_name", Value::Null), ("last_name", Value::Null)],
        ),
        (
            "PartnerIdentityClaimsChanged",
            vec![("email", email()), ("first_name", Value::Null), ("last_name", Value::Null)],
        ),
        ("VehicleChanged", vec![("license_plate", json!({"text": "ERASED", "country": "xx"}))]),
        ("TotpSecretIssued", vec![("secret", erased())]),
        ("TotpEnabled", vec![("recovery_code_hashes", json!([]))]),
        ("SecondFactorVerified", vec![("factor", json!({"method": "totp", "step": 0}))]),
        ("UserSignedUpWithIdentity", vec![("email", email()), ("subject", erased()), ("profile", json!({}))]),
        ("IdentityLinked", vec![("subject", erased())]),
        ("UserSignedUpWithEmailCode", vec![("email", email())]),
        ("UserSignedUpWithPhoneCode", vec![("phone_number", json!("+000000000"))]),
        ("UserSignedUp", vec![("email", email()), ("password_hash", erased()), ("profile", json!({}))]),
        ("ProfileChanged", vec![("details", json!({}))]),
        ("EmailChanged", vec![("old_email", Value::Null), ("new_email", email())]),
        ("UsernameChanged", vec![("old_username", Value::Null), ("new_username", erased())]),
        ("PhoneNumberChanged", vec![("old_phone_number", Value::Null), ("new_phone_number", Value::Null)]),
        ("PasswordChanged", vec![("password_hash", erased())]),
        ("IdentityVerificationStarted", vec![("verification_id", erased()), ("url", erased())]),
        ("IdentityVerificationCompleted", vec![("verification_id", erased()), ("reason", Value::Null)]),
        ("ManualVerificationRecorded", vec![("reason", Value::Null)]),
        ("PaymentCardAddressUpdated", vec![("address", json!({}))]),
        ("PaymentCustomerMetadataUpdated", vec![("metadata", json!({}))]),
        ("IdentityCardAssigned", vec![("number", erased()), ("label", Value::Null)]),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EventCodec;
    use crate::user::UserEvent;

    /// Every placeholder decodes as its event's field: an erased person's events still read.
    #[test]
    fn placeholders_decode_as_their_fields() {
        let at = "2026-01-01T00:00:00Z";
        let samples = [
            (
                "UserSignedUp",
                json!({"user_id": uuid::Uuid::nil(), "tenant_id": "t", "email": "a@b.c", "password_hash": "h", "signed_up_at": at}),
            ),
            (
                "UserRegistered",
                json!({"user_id": uuid::Uuid::nil(), "tenant_id": "t", "partner_id": "p", "email": "a@b.c", "external_uid": "u", "test_user": false, "registered_at": at}),
            ),
            ("VehicleChanged", json!({"license_plate": {"text": "AB1", "country": "ch"}, "changed_at": at})),
            (
                "UserSignedUpWithPhoneCode",
                json!({"user_id": uuid::Uuid::nil(), "tenant_id": "t", "phone_number": "+41791234567", "signed_up_at": at}),
            ),
            (
                "SecondFactorVerified",
                json!({"factor": {"method": "recovery_code", "code_hash": "x"}, "verified_at": at}),
            ),
            ("EmailChanged", json!({"tenant_id": "t", "old_email": "a@b.c", "new_email": "d@e.f", "changed_at": at})),
            ("ProfileChanged", json!({"details": {"first_name": "Ann"}, "changed_at": at})),
            (
                "UserRegisteredWithPartnerIdentity",
                json!({"user_id": uuid::Uuid::nil(), "tenant_id": "t", "partner_id": "p", "issuer": "https://i",
                       "subject": "s", "email": "a@b.c", "first_name": "Ann", "last_name": "Lee", "registered_at": at}),
            ),
            (
                "PartnerIdentityClaimsChanged",
                json!({"email": "a@b.c", "first_name": "Ann", "last_name": "Lee", "changed_at": at}),
            ),
            (
                "IdentityVerificationStarted",
                json!({"kind": "license", "verification_id": "v1", "provider": "veriff", "url": "https://v/1", "started_at": at}),
            ),
            (
                "IdentityVerificationCompleted",
                json!({"kind": "id", "verification_id": "v1", "result": "rejected", "reason": "blurry", "decided_by": "provider", "completed_at": at}),
            ),
            ("ManualVerificationRecorded", json!({"result": "rejected", "reason": "no match", "recorded_at": at})),
        ];
        let fields = fields();
        for (event_type, mut payload) in samples {
            UserEvent::decode(event_type, payload.clone()).expect(event_type);
            let (_, personal) = fields.iter().find(|(t, _)| *t == event_type).expect("declared");
            for (field, placeholder) in personal {
                payload[*field] = placeholder.clone();
            }
            UserEvent::decode(event_type, payload).unwrap_or_else(|e| panic!("{event_type}: {e}"));
        }
    }
}
