//! Editing the profile: details, email, username, phone, password; a no-op appends nothing, and
//! the unique values move their claims.
use super::*;
use crate::values::PhoneNumber;

fn ann() -> Email {
    Email::parse("ann@example.com").expect("email")
}

#[test]
fn details_change_once_and_the_same_details_change_nothing() {
    let details = PersonalDetails {
        first_name: Some("Ann".into()),
        birth_date: chrono::NaiveDate::from_ymd_opt(1990, 4, 1),
        ..PersonalDetails::default()
    };
    let change = UserCommand::ChangeProfile { details: details.clone(), at: at() };
    let changed = UserEvent::ProfileChanged { details: details.clone(), changed_at: at() };
    UserTest::with(()).given(vec![signed_up()]).when(change.clone()).then_expect_events(vec![changed.clone()]);
    UserTest::with(()).given(vec![signed_up(), changed]).when(change.clone()).then_expect_events(vec![]);
    UserTest::with(()).given_no_previous_events().when(change).then_expect_error(UserError::NotRegistered);
    // the sign-up's profile counts as the current details
    let same = PersonalDetails { first_name: Some("Ann".into()), ..PersonalDetails::default() };
    UserTest::with(())
        .given(vec![signed_up()])
        .when(UserCommand::ChangeProfile { details: same, at: at() })
        .then_expect_events(vec![]);
}

#[test]
fn a_new_email_moves_the_claim_and_is_unproven() {
    let new = Email::parse("ann@new.example").expect("email");
    let changed = UserEvent::EmailChanged {
        tenant_id: "demo".into(),
        old_email: Some(ann()),
        new_email: new.clone(),
        changed_at: at(),
    };
    UserTest::with(())
        .given(vec![signed_up()])
        .when(UserCommand::ChangeEmail { email: new.clone(), at: at() })
        .then_expect_events(vec![changed.clone()]);
    UserTest::with(())
        .given(vec![signed_up()])
        .when(UserCommand::ChangeEmail { email: ann(), at: at() })
        .then_expect_events(vec![]);
    assert_eq!(
        changed.claim_changes(),
        vec![
            ClaimChange::Release(tenant_email_claim("demo", &ann())),
            ClaimChange::Take(tenant_email_claim("demo", &new)),
        ]
    );
    let mut user = User::default();
    for event in [signed_up(), UserEvent::EmailProven { proven_by: "email-code".into(), proven_at: at() }, changed] {
        user.apply(event);
    }
    assert_eq!((user.email(), user.email_verified()), (Some(&new), false));
}

#[test]
fn a_phone_number_is_proven_only_while_it_is_the_accounts() {
    let phone = PhoneNumber::parse("+41791234567").expect("phone");
    let other = PhoneNumber::parse("+41797654321").expect("phone");
    let changed = UserEvent::PhoneNumberChanged {
        tenant_id: "demo".into(),
        old_phone_number: None,
        new_phone_number: Some(phone.clone()),
        changed_at: at(),
    };
    assert_eq!(changed.claim_changes(), vec![ClaimChange::Take(tenant_phone_claim("demo", &phone))]);
    let prove = |p: &PhoneNumber| UserCommand::ProvePhoneNumber { phone_number: p.clone(), at: at() };
    let proven = UserEvent::PhoneNumberProven { proven_at: at() };
    UserTest::with(())
        .given(vec![signed_up(), changed.clone()])
        .when(prove(&phone))
        .then_expect_events(vec![proven.clone()]);
    UserTest::with(()).given(vec![signed_up(), changed.clone(), proven]).when(prove(&phone)).then_expect_events(vec![]);
    UserTest::with(())
        .given(vec![signed_up(), changed])
        .when(prove(&other))
        .then_expect_error(UserError::PhoneNumberChanged);
}

#[test]
fn a_username_change_releases_the_old_one_and_a_password_change_replaces_the_hash() {
    let mut with_name = signed_up();
    if let UserEvent::UserSignedUp { profile, .. } = &mut with_name {
        profile.username = Some("Ann".into());
    }
    let change = UserCommand::ChangeUsername { username: "annie".into(), at: at() };
    let changed = UserEvent::UsernameChanged {
        tenant_id: "demo".into(),
        old_username: Some("Ann".into()),
        new_username: "annie".into(),
        changed_at: at(),
    };
    UserTest::with(()).given(vec![with_name]).when(change).then_expect_events(vec![changed.clone()]);
    assert_eq!(
        changed.claim_changes(),
        vec![
            ClaimChange::Release(tenant_username_claim("demo", "Ann")),
            ClaimChange::Take(tenant_username_claim("demo", "annie")),
        ]
    );
    let mut user = User::default();
    user.apply(signed_up());
    user.apply(UserEvent::PasswordChanged {
        password_hash: "new-hash".into(),
        reason: "reset".into(),
        changed_at: at(),
    });
    assert_eq!(user.password_hash(), Some("new-hash"));
}

#[test]
fn a_birth_date_must_be_past_and_within_the_age_limits() {
    let born = |y, m, d| PersonalDetails {
        birth_date: chrono::NaiveDate::from_ymd_opt(y, m, d),
        ..PersonalDetails::default()
    };
    let change = |details| UserCommand::ChangeProfile { details, at: at() };
    // at() is 2026-11-22
    UserTest::with(())
        .given(vec![signed_up()])
        .when(change(born(2026, 11, 23)))
        .then_expect_error(UserError::BirthDateInFuture);
    UserTest::with(())
        .given(vec![signed_up()])
        .when(change(born(2010, 11, 23)))
        .then_expect_error(UserError::TooYoung(16));
    UserTest::with(())
        .given(vec![signed_up()])
        .when(change(born(1900, 1, 1)))
        .then_expect_error(UserError::TooOld(120));
    let ok = born(2010, 11, 22);
    UserTest::with(())
        .given(vec![signed_up()])
        .when(change(ok.clone()))
        .then_expect_events(vec![UserEvent::ProfileChanged { details: ok, changed_at: at() }]);
}

#[test]
fn a_profile_form_is_decided_whole_and_keeps_a_way_to_sign_in() {
    let phone = PhoneNumber::parse("+41791234567").expect("phone");
    let details = PersonalDetails { first_name: Some("Anna".into()), ..PersonalDetails::default() };
    let new = Email::parse("anna@example.com").expect("email");
    let edit = UserCommand::EditProfile {
        details: details.clone(),
        email: Some(new.clone()),
        phone_number: Some(Some(phone.clone())),
        at: at(),
    };
    UserTest::with(()).given(vec![signed_up()]).when(edit).then_expect_events(vec![
        UserEvent::ProfileChanged { details: details.clone(), changed_at: at() },
        UserEvent::EmailChanged { tenant_id: "demo".into(), old_email: Some(ann()), new_email: new, changed_at: at() },
        UserEvent::PhoneNumberChanged {
            tenant_id: "demo".into(),
            old_phone_number: None,
            new_phone_number: Some(phone.clone()),
            changed_at: at(),
        },
    ]);
    // a phone-only account cannot drop its number
    let by_phone = UserEvent::UserSignedUpWithPhoneCode {
        user_id: user_id(),
        tenant_id: "demo".into(),
        phone_number: phone,
        signed_up_at: at(),
    };
    let drop = UserCommand::EditProfile {
        details: PersonalDetails::default(),
        email: None,
        phone_number: Some(None),
        at: at(),
    };
    UserTest::with(()).given(vec![by_phone]).when(drop).then_expect_error(UserError::NeedEmailOrPhone);
}
