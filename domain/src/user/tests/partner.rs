//! Registration through a partner, its external uid, the claims it takes, the codec.
use super::*;

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
