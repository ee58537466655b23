//! Proving the email: the first proof removes what nobody had proven, later proofs change nothing.
use super::*;

fn prove() -> UserCommand {
    UserCommand::ProveEmail { by: "email-code".into(), at: at() }
}

fn proven() -> UserEvent {
    UserEvent::EmailProven { proven_by: "email-code".into(), proven_at: at() }
}

#[test]
fn the_first_proof_of_an_email_removes_the_password_and_totp_nobody_proved() {
    let issued = UserEvent::TotpSecretIssued { secret: "JBSWY3DPEHPK3PXP".into(), issued_at: at() };
    let enabled = UserEvent::TotpEnabled { step: 100, recovery_code_hashes: vec!["r1".into()], enabled_at: at() };
    let removed = |password, totp| UserEvent::UnprovenCredentialsRemoved { password, totp, removed_at: at() };
    UserTest::with(())
        .given(vec![signed_up(), issued.clone(), enabled])
        .when(prove())
        .then_expect_events(vec![removed(true, true), proven()]);
    // a pending secret is a credential too
    UserTest::with(())
        .given(vec![signed_up(), issued])
        .when(prove())
        .then_expect_events(vec![removed(true, true), proven()]);
    UserTest::with(()).given(vec![signed_up()]).when(prove()).then_expect_events(vec![removed(true, false), proven()]);

    let mut user = User::default();
    for event in [signed_up(), removed(true, false), proven()] {
        user.apply(event);
    }
    assert!(user.password_hash().is_none() && user.email_verified());
}

#[test]
fn a_proven_email_is_proven_once_and_credentials_set_after_stay() {
    // proven before: the password set since is the owner's
    UserTest::with(()).given(vec![signed_up(), proven()]).when(prove()).then_expect_events(vec![]);
    // an account that began with a code or a partner's word has its email proven from the start
    let by_code = UserEvent::UserSignedUpWithEmailCode {
        user_id: user_id(),
        tenant_id: "demo".into(),
        email: Email::parse("foo@bar.com").expect("email"),
        signed_up_at: at(),
    };
    UserTest::with(()).given(vec![by_code]).when(prove()).then_expect_events(vec![]);
    UserTest::with(()).given(vec![registered(None)]).when(prove()).then_expect_events(vec![]);
    UserTest::with(()).given(vec![]).when(prove()).then_expect_error(UserError::NotRegistered);
}

#[test]
fn a_confirmed_email_keeps_the_password() {
    let confirmed = UserEvent::EmailProven { proven_by: "email-verification".into(), proven_at: at() };
    let confirm = UserCommand::ConfirmEmail { at: at() };
    UserTest::with(()).given(vec![signed_up()]).when(confirm.clone()).then_expect_events(vec![confirmed.clone()]);
    UserTest::with(()).given(vec![signed_up(), confirmed]).when(confirm).then_expect_events(vec![]);
}
