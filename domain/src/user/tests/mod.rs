use super::*;
use crate::codec::{Claim, ClaimChange, HasClaims};
use crate::values::{Email, ExternalUid, LicensePlate};
use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use cqrs_es::test::TestFramework;

mod email;
mod erasure;
mod lockout;
mod partner;
mod partner_identity;
mod profile;
mod sign_up;
mod two_factor;
mod vehicle;
mod verification;

type UserTest = TestFramework<User>;

fn at() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-22T10:00:00Z").map(|t| t.with_timezone(&Utc)).expect("time")
}

fn user_id() -> Uuid {
    Uuid::from_u128(7)
}

fn registered(external_uid: Option<&str>) -> UserEvent {
    UserEvent::UserRegistered {
        user_id: user_id(),
        tenant_id: "demo".into(),
        partner_id: "p1".into(),
        email: Email::parse("foo@bar.com").expect("email"),
        external_uid: external_uid.map(|u| ExternalUid::parse(u).expect("uid")),
        test_user: true,
        registered_at: at(),
    }
}

fn register(external_uid: Option<&str>) -> UserCommand {
    UserCommand::RegisterThroughPartner {
        user_id: user_id(),
        tenant_id: "demo".into(),
        partner_id: "p1".into(),
        email: Email::parse("foo@bar.com").expect("email"),
        external_uid: external_uid.map(|u| ExternalUid::parse(u).expect("uid")),
        test_user: true,
        at: at(),
    }
}

fn plate(text: &str) -> LicensePlate {
    LicensePlate::parse(text, "us", Some("ny")).expect("plate")
}

fn signed_up() -> UserEvent {
    UserEvent::UserSignedUp {
        user_id: user_id(),
        tenant_id: "demo".into(),
        email: Email::parse("ann@example.com").expect("email"),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        profile: Profile { first_name: Some("Ann".into()), ..Profile::default() },
        created_by: None,
        signed_up_at: at(),
    }
}
