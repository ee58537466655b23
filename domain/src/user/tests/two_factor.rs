//! TOTP: issue, confirm, replays, switching off.
use super::*;

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
