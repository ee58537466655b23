//! Users a partner's own tokens name: registration by subject, claims that change.
use super::*;

fn claims(email: Option<&str>, first: Option<&str>, last: Option<&str>) -> PartnerClaims {
    PartnerClaims {
        email: email.map(|e| Email::parse(e).expect("email")),
        first_name: first.map(str::to_owned),
        last_name: last.map(str::to_owned),
    }
}

fn registered_by_token() -> UserEvent {
    UserEvent::UserRegisteredWithPartnerIdentity {
        user_id: user_id(),
        tenant_id: "demo".into(),
        partner_id: "p1".into(),
        issuer: "https://id.partner.test".into(),
        subject: "auth0|42".into(),
        email: Some(Email::parse("ann@partner.test").expect("email")),
        first_name: Some("Ann".into()),
        last_name: None,
        registered_at: at(),
    }
}

#[test]
fn a_partner_token_registers_its_user_once_and_claims_the_subject() {
    let register = UserCommand::RegisterWithPartnerIdentity {
        user_id: user_id(),
        tenant_id: "demo".into(),
        partner_id: "p1".into(),
        issuer: "https://id.partner.test".into(),
        subject: "auth0|42".into(),
        claims: claims(Some("ann@partner.test"), Some("Ann"), None),
        at: at(),
    };
    UserTest::with(())
        .given_no_previous_events()
        .when(register.clone())
        .then_expect_events(vec![registered_by_token()]);
    UserTest::with(())
        .given(vec![registered_by_token()])
        .when(register)
        .then_expect_error(UserError::AlreadyRegistered);
    assert_eq!(
        registered_by_token().claim_changes(),
        vec![ClaimChange::Take(Claim { scope: PARTNER_SUBJECT, value: "4:demo:2:p1:auth0|42".into() })]
    );
    let mut user = User::default();
    user.apply(registered_by_token());
    assert_eq!(user.partner_identity(), Some(("p1", "auth0|42")));
    assert!(user.email_verified(), "the partner vouches for the email");
}

#[test]
fn changed_claims_are_appended_and_absent_ones_keep_their_value() {
    let update = |c| UserCommand::UpdatePartnerClaims { claims: c, at: at() };
    // the same claims, or none at all: nothing changes
    UserTest::with(())
        .given(vec![registered_by_token()])
        .when(update(claims(Some("ann@partner.test"), Some("Ann"), None)))
        .then_expect_events(vec![]);
    UserTest::with(())
        .given(vec![registered_by_token()])
        .when(update(claims(None, None, None)))
        .then_expect_events(vec![]);
    // a new email: the names stay as they were
    UserTest::with(())
        .given(vec![registered_by_token()])
        .when(update(claims(Some("ann@new.test"), None, Some("Lee"))))
        .then_expect_events(vec![UserEvent::PartnerIdentityClaimsChanged {
            email: Some(Email::parse("ann@new.test").expect("email")),
            first_name: Some("Ann".into()),
            last_name: Some("Lee".into()),
            changed_at: at(),
        }]);
}

#[test]
fn only_users_of_a_partner_token_take_its_claims() {
    let update = UserCommand::UpdatePartnerClaims { claims: claims(Some("x@y.z"), None, None), at: at() };
    UserTest::with(()).given(vec![registered(None)]).when(update.clone()).then_expect_error(UserError::NotRegistered);
    UserTest::with(()).given_no_previous_events().when(update).then_expect_error(UserError::NotRegistered);
}
