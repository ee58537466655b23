//! Sign-ups with email and password, an identity, a proven email.
use super::*;

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
