//! Deletion: asked once, refused while holds last, and an erased account is gone for good.
use super::*;

fn erase(holds: &[&str]) -> UserCommand {
    UserCommand::Erase {
        holds: holds.iter().map(|h| (*h).to_owned()).collect(),
        requested_by: "customer".into(),
        at: at(),
    }
}

#[test]
fn holds_keep_the_account_and_an_erasure_releases_every_claim() {
    UserTest::with(())
        .given(vec![signed_up()])
        .when(erase(&["active_subscription"]))
        .then_expect_error(UserError::Held(vec!["active_subscription".into()]));
    let erased = UserEvent::UserErased { requested_by: "customer".into(), erased_at: at() };
    UserTest::with(()).given(vec![signed_up()]).when(erase(&[])).then_expect_events(vec![erased.clone()]);
    assert_eq!(erased.claim_changes(), vec![ClaimChange::ReleaseAll]);
    // afterwards the account is unknown to every command
    UserTest::with(())
        .given(vec![signed_up(), erased.clone()])
        .when(erase(&[]))
        .then_expect_error(UserError::NotRegistered);
    UserTest::with(())
        .given(vec![signed_up(), erased.clone()])
        .when(UserCommand::ChangeVehicle { license_plate: plate("AB1"), at: at() })
        .then_expect_error(UserError::NotRegistered);
    let mut user = User::default();
    user.apply(signed_up());
    user.apply(erased);
    assert!(user.is_erased() && user.email().is_none() && user.password_hash().is_none());
}

#[test]
fn a_deletion_request_is_recorded_once() {
    let requested = UserEvent::DeletionRequested { requested_at: at() };
    let request = UserCommand::RequestDeletion { at: at() };
    UserTest::with(()).given(vec![signed_up()]).when(request.clone()).then_expect_events(vec![requested.clone()]);
    UserTest::with(()).given(vec![signed_up(), requested]).when(request).then_expect_events(vec![]);
}
