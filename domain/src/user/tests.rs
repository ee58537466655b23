use super::*;
use crate::codec::{Claim, ClaimChange, HasClaims};
use crate::values::{Email, ExternalUid, LicensePlate};
use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use cqrs_es::test::TestFramework;

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

#[test]
fn a_new_user_is_registered_through_a_partner() {
    UserTest::with(())
        .given_no_previous_events()
        .when(register(Some("1234")))
        .then_expect_events(vec![registered(Some("1234"))]);
}

#[test]
fn registering_twice_is_refused() {
    UserTest::with(())
        .given(vec![registered(None)])
        .when(register(None))
        .then_expect_error(UserError::AlreadyRegistered);
}

#[test]
fn a_partner_links_its_external_uid_once() {
    let link = UserCommand::LinkPartnerExternalUid {
        partner_id: "p1".into(),
        external_uid: ExternalUid::parse("99").expect("uid"),
        at: at(),
    };
    UserTest::with(()).given(vec![registered(None)]).when(link.clone()).then_expect_events(vec![
        UserEvent::PartnerExternalUidLinked {
            partner_id: "p1".into(),
            external_uid: ExternalUid::parse("99").expect("uid"),
            test_user: true,
            linked_at: at(),
        },
    ]);
    UserTest::with(()).given(vec![registered(Some("99"))]).when(link.clone()).then_expect_events(vec![]);
    UserTest::with(()).given(vec![registered(Some("12"))]).when(link).then_expect_error(UserError::ExternalUidConflict);
}

#[test]
fn linking_an_unknown_user_is_refused() {
    let link = UserCommand::LinkPartnerExternalUid {
        partner_id: "p1".into(),
        external_uid: ExternalUid::parse("99").expect("uid"),
        at: at(),
    };
    UserTest::with(()).given_no_previous_events().when(link).then_expect_error(UserError::NotRegistered);
}

#[test]
fn changing_the_vehicle_records_the_new_plate() {
    UserTest::with(())
        .given(vec![registered(None)])
        .when(UserCommand::ChangeVehicle { license_plate: plate("123abc"), at: at() })
        .then_expect_events(vec![UserEvent::VehicleChanged { license_plate: plate("123abc"), changed_at: at() }]);
}

#[test]
fn setting_the_same_plate_again_changes_nothing() {
    UserTest::with(())
        .given(vec![registered(None), UserEvent::VehicleChanged { license_plate: plate("123abc"), changed_at: at() }])
        .when(UserCommand::ChangeVehicle { license_plate: plate(" 123abc "), at: at() })
        .then_expect_events(vec![]);
}

#[test]
fn an_unregistered_user_has_no_vehicle_to_change() {
    UserTest::with(())
        .given_no_previous_events()
        .when(UserCommand::ChangeVehicle { license_plate: plate("1"), at: at() })
        .then_expect_error(UserError::NotRegistered);
}

#[test]
fn registration_claims_email_and_external_uid_per_partner() {
    let claims = registered(Some("1234")).claim_changes();
    assert_eq!(
        claims,
        vec![
            ClaimChange::Take(Claim { scope: PARTNER_EMAIL, value: "2:p1:test:foo@bar.com".into() }),
            ClaimChange::Take(Claim { scope: PARTNER_EXTERNAL_UID, value: "2:p1:test:1234".into() }),
        ]
    );
}

#[test]
fn events_round_trip_through_the_codec() {
    use crate::codec::EventCodec;
    let event = registered(Some("1234"));
    let (event_type, version, payload) = event.encode().expect("encode");
    assert_eq!((event_type.as_str(), version), ("UserRegistered", 1));
    assert!(payload.get("type").is_none(), "the tag lives in the event_type column, not the payload");
    assert_eq!(UserEvent::decode(&event_type, payload).expect("decode"), event);
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

#[test]
fn a_person_signs_up_with_email_once_and_claims_the_tenant_email() {
    let sign_up = UserCommand::SignUpWithEmail {
        user_id: user_id(),
        tenant_id: "demo".into(),
        email: Email::parse("ann@example.com").expect("email"),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        profile: Profile { first_name: Some("Ann".into()), ..Profile::default() },
        created_by: None,
        at: at(),
    };
    UserTest::with(()).given_no_previous_events().when(sign_up.clone()).then_expect_events(vec![signed_up()]);
    UserTest::with(()).given(vec![signed_up()]).when(sign_up).then_expect_error(UserError::AlreadyRegistered);
    let claims = signed_up().claim_changes();
    assert_eq!(claims, vec![ClaimChange::Take(Claim { scope: TENANT_EMAIL, value: "4:demo:ann@example.com".into() })]);
}

#[test]
fn the_password_hash_is_kept_for_sign_in() {
    let mut user = User::default();
    assert_eq!(user.password_hash(), None);
    user.apply(signed_up());
    assert!(user.password_hash().is_some_and(|h| h.starts_with("$argon2id$")));
    assert_eq!(user.tenant_id(), Some("demo"));
}

#[test]
fn enough_failed_sign_ins_in_the_window_lock_the_account() {
    let policy = LockoutPolicy {
        max_failures: 3,
        window: chrono::Duration::minutes(15),
        lock_for: chrono::Duration::minutes(10),
    };
    let minute = |m: i64| at() + chrono::Duration::minutes(m);
    let failed = |m: i64| UserEvent::SignInFailed { failed_at: minute(m) };
    let fail = |m: i64| UserCommand::RecordFailedSignIn { policy, at: minute(m) };
    UserTest::with(()).given(vec![signed_up(), failed(0)]).when(fail(1)).then_expect_events(vec![failed(1)]);
    UserTest::with(()).given(vec![signed_up(), failed(0), failed(1)]).when(fail(2)).then_expect_events(vec![
        failed(2),
        UserEvent::AccountLocked { locked_until: minute(12), locked_at: minute(2) },
    ]);
    // failures older than the window do not count
    UserTest::with(())
        .given(vec![signed_up(), failed(0), failed(1)])
        .when(fail(20))
        .then_expect_events(vec![failed(20)]);
    // a locked account records nothing more
    let locked = UserEvent::AccountLocked { locked_until: minute(12), locked_at: minute(2) };
    UserTest::with(()).given(vec![signed_up(), locked.clone()]).when(fail(5)).then_expect_events(vec![]);
    UserTest::with(()).given_no_previous_events().when(fail(0)).then_expect_error(UserError::NotRegistered);

    let mut user = User::default();
    user.apply(signed_up());
    user.apply(locked);
    assert_eq!(user.locked_until(minute(5)), Some(minute(12)));
    assert_eq!(user.locked_until(minute(12)), None, "the lock ends by itself");
}

#[test]
fn totp_is_issued_confirmed_and_each_code_and_recovery_code_works_once() {
    let issued = UserEvent::TotpSecretIssued { secret: "JBSWY3DPEHPK3PXP".into(), issued_at: at() };
    let enabled =
        UserEvent::TotpEnabled { step: 100, recovery_code_hashes: vec!["r1".into(), "r2".into()], enabled_at: at() };
    let issue = UserCommand::IssueTotpSecret { secret: "JBSWY3DPEHPK3PXP".into(), at: at() };
    UserTest::with(()).given(vec![signed_up()]).when(issue.clone()).then_expect_events(vec![issued.clone()]);
    UserTest::with(())
        .given(vec![signed_up(), issued.clone(), enabled.clone()])
        .when(issue)
        .then_expect_error(UserError::TotpAlreadyEnabled);
    let enable = UserCommand::EnableTotp { step: 100, recovery_code_hashes: vec!["r1".into(), "r2".into()], at: at() };
    UserTest::with(())
        .given(vec![signed_up(), issued.clone()])
        .when(enable.clone())
        .then_expect_events(vec![enabled.clone()]);
    UserTest::with(()).given(vec![signed_up()]).when(enable).then_expect_error(UserError::NoPendingTotpSecret);

    let on = vec![signed_up(), issued, enabled];
    let totp = |step| UserCommand::RecordSecondFactor { factor: SecondFactor::Totp { step }, at: at() };
    let verified = |factor| UserEvent::SecondFactorVerified { factor, verified_at: at() };
    UserTest::with(())
        .given(on.clone())
        .when(totp(101))
        .then_expect_events(vec![verified(SecondFactor::Totp { step: 101 })]);
    UserTest::with(()).given(on.clone()).when(totp(100)).then_expect_error(UserError::SecondFactorReplayed);
    let mut after = on.clone();
    after.push(verified(SecondFactor::Totp { step: 105 }));
    UserTest::with(()).given(after).when(totp(104)).then_expect_error(UserError::SecondFactorReplayed);

    let recovery = |h: &str| UserCommand::RecordSecondFactor {
        factor: SecondFactor::RecoveryCode { code_hash: h.into() },
        at: at(),
    };
    UserTest::with(())
        .given(on.clone())
        .when(recovery("r2"))
        .then_expect_events(vec![verified(SecondFactor::RecoveryCode { code_hash: "r2".into() })]);
    let mut spent = on.clone();
    spent.push(verified(SecondFactor::RecoveryCode { code_hash: "r2".into() }));
    UserTest::with(()).given(spent).when(recovery("r2")).then_expect_error(UserError::SecondFactorReplayed);
    UserTest::with(()).given(on).when(recovery("nope")).then_expect_error(UserError::SecondFactorReplayed);
    UserTest::with(()).given(vec![signed_up()]).when(totp(1)).then_expect_error(UserError::TotpNotEnabled);
}

#[test]
fn totp_is_switched_off_only_when_on_and_a_username_is_claimed() {
    let issued = UserEvent::TotpSecretIssued { secret: "JBSWY3DPEHPK3PXP".into(), issued_at: at() };
    let enabled = UserEvent::TotpEnabled { step: 1, recovery_code_hashes: vec![], enabled_at: at() };
    let off = UserCommand::DisableTotp { at: at() };
    UserTest::with(())
        .given(vec![signed_up(), issued.clone(), enabled.clone()])
        .when(off.clone())
        .then_expect_events(vec![UserEvent::TotpDisabled { disabled_at: at() }]);
    UserTest::with(()).given(vec![signed_up(), issued]).when(off).then_expect_error(UserError::TotpNotEnabled);

    let mut user = User::default();
    for e in [signed_up(), UserEvent::TotpSecretIssued { secret: "S".into(), issued_at: at() }, enabled] {
        user.apply(e);
    }
    user.apply(UserEvent::TotpDisabled { disabled_at: at() });
    assert_eq!((user.totp_secret(), user.pending_totp_secret()), (None, None));

    let named = UserEvent::UserSignedUp {
        user_id: user_id(),
        tenant_id: "demo".into(),
        email: Email::parse("ann@example.com").expect("email"),
        password_hash: "h".into(),
        profile: Profile { username: Some("Ann".into()), ..Profile::default() },
        created_by: Some("client-1".into()),
        signed_up_at: at(),
    };
    assert!(named.claim_changes().contains(&ClaimChange::Take(tenant_username_claim("demo", "ANN"))));
    let mut created = User::default();
    created.apply(named);
    assert_eq!(created.created_by(), Some("client-1"));
}

#[test]
fn a_person_signs_up_with_an_identity_and_links_it_once() {
    let email = Email::parse("idp@example.com").expect("email");
    let signed_up_idp = UserEvent::UserSignedUpWithIdentity {
        user_id: user_id(),
        tenant_id: "demo".into(),
        email: email.clone(),
        issuer: "https://id.example.com".into(),
        subject: "abc".into(),
        profile: Profile::default(),
        signed_up_at: at(),
    };
    let command = UserCommand::SignUpWithIdentity {
        user_id: user_id(),
        tenant_id: "demo".into(),
        email,
        issuer: "https://id.example.com".into(),
        subject: "abc".into(),
        profile: Profile::default(),
        at: at(),
    };
    UserTest::with(()).given_no_previous_events().when(command).then_expect_events(vec![signed_up_idp.clone()]);
    let claims = signed_up_idp.claim_changes();
    assert!(claims.contains(&ClaimChange::Take(tenant_identity_claim("demo", "https://id.example.com", "abc"))));
    assert_eq!(claims.len(), 2, "the email is claimed too");

    let link = |sub: &str| UserCommand::LinkIdentity {
        issuer: "https://id.example.com".into(),
        subject: sub.into(),
        at: at(),
    };
    UserTest::with(()).given(vec![signed_up_idp]).when(link("abc")).then_expect_events(vec![]);
    UserTest::with(()).given(vec![signed_up()]).when(link("xyz")).then_expect_events(vec![UserEvent::IdentityLinked {
        tenant_id: "demo".into(),
        issuer: "https://id.example.com".into(),
        subject: "xyz".into(),
        linked_at: at(),
    }]);
    UserTest::with(()).given_no_previous_events().when(link("xyz")).then_expect_error(UserError::NotRegistered);
}

#[test]
fn a_proven_email_becomes_an_account_once() {
    let email = Email::parse("code@example.com").expect("email");
    let command = UserCommand::SignUpWithEmailCode {
        user_id: user_id(),
        tenant_id: "demo".into(),
        email: email.clone(),
        at: at(),
    };
    let event = UserEvent::UserSignedUpWithEmailCode {
        user_id: user_id(),
        tenant_id: "demo".into(),
        email,
        signed_up_at: at(),
    };
    UserTest::with(()).given_no_previous_events().when(command.clone()).then_expect_events(vec![event.clone()]);
    UserTest::with(()).given(vec![event.clone()]).when(command).then_expect_error(UserError::AlreadyRegistered);
    assert_eq!(
        event.claim_changes(),
        vec![ClaimChange::Take(tenant_email_claim("demo", &Email::parse("code@example.com").expect("email")))]
    );
}
