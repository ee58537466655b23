//! Identity verification: one session per kind, a verified kind stays verified, a rejected one
//! may start again, outcomes only for the pending session, the manual verification.
use super::*;

fn pending(id: &str) -> PendingVerification {
    PendingVerification {
        verification_id: id.into(),
        provider: "sandbox".into(),
        url: format!("https://kyc.example/{id}"),
        started_at: at(),
    }
}

fn start(kind: VerificationKind, id: &str) -> UserCommand {
    UserCommand::StartVerification { kind, pending: pending(id) }
}

fn started(kind: VerificationKind, id: &str) -> UserEvent {
    UserEvent::IdentityVerificationStarted {
        kind,
        verification_id: id.into(),
        provider: "sandbox".into(),
        url: format!("https://kyc.example/{id}"),
        started_at: at(),
    }
}

fn complete(kind: VerificationKind, id: &str, result: VerificationResult, reason: Option<&str>) -> UserCommand {
    UserCommand::CompleteVerification {
        kind,
        verification_id: id.into(),
        result,
        reason: reason.map(str::to_owned),
        decided_by: "provider".into(),
        at: at(),
    }
}

fn completed(kind: VerificationKind, id: &str, result: VerificationResult, reason: Option<&str>) -> UserEvent {
    UserEvent::IdentityVerificationCompleted {
        kind,
        verification_id: id.into(),
        result,
        reason: reason.map(str::to_owned),
        decided_by: "provider".into(),
        completed_at: at(),
    }
}

use VerificationKind::{Id, License};
use VerificationResult::{Rejected, Verified};

#[test]
fn a_start_is_recorded_and_the_same_session_again_changes_nothing() {
    UserTest::with(())
        .given(vec![signed_up()])
        .when(start(License, "v1"))
        .then_expect_events(vec![started(License, "v1")]);
    UserTest::with(())
        .given(vec![signed_up(), started(License, "v1")])
        .when(start(License, "v1"))
        .then_expect_events(vec![]);
    // the other kind is a session of its own
    UserTest::with(())
        .given(vec![signed_up(), started(License, "v1")])
        .when(start(Id, "v2"))
        .then_expect_events(vec![started(Id, "v2")]);
}

#[test]
fn one_pending_session_per_kind_is_answered_again_and_a_second_is_refused() {
    let mut user = User::default();
    user.apply(signed_up());
    assert_eq!(user.resumable_verification(License), Ok(None));
    user.apply(started(License, "v1"));
    assert_eq!(user.resumable_verification(License), Ok(Some(&pending("v1"))));
    assert_eq!(user.verifications().pending(), vec![(License, &pending("v1"))]);
    UserTest::with(())
        .given(vec![signed_up(), started(License, "v1")])
        .when(start(License, "v2"))
        .then_expect_error(UserError::VerificationPending(License));
}

#[test]
fn a_verified_kind_refuses_a_new_start_and_a_rejected_one_may_start_again() {
    let verified = vec![signed_up(), started(License, "v1"), completed(License, "v1", Verified, None)];
    UserTest::with(())
        .given(verified.clone())
        .when(start(License, "v2"))
        .then_expect_error(UserError::AlreadyVerified(License));
    let mut user = User::default();
    verified.into_iter().for_each(|e| user.apply(e));
    assert_eq!(user.resumable_verification(License), Err(UserError::AlreadyVerified(License)));
    assert_eq!(user.resumable_verification(Id), Ok(None));

    let rejected = vec![signed_up(), started(Id, "v1"), completed(Id, "v1", Rejected, Some("document expired"))];
    UserTest::with(()).given(rejected.clone()).when(start(Id, "v2")).then_expect_events(vec![started(Id, "v2")]);
    let mut user = User::default();
    rejected.into_iter().for_each(|e| user.apply(e));
    let state = VerificationState::Rejected { verification_id: "v1".into(), reason: Some("document expired".into()) };
    assert_eq!(user.verifications().of(Id), &state);
}

#[test]
fn an_outcome_is_recorded_for_the_pending_session_once() {
    let given = vec![signed_up(), started(License, "v1")];
    UserTest::with(())
        .given(given.clone())
        .when(complete(License, "v1", Rejected, Some("blurry photo")))
        .then_expect_events(vec![completed(License, "v1", Rejected, Some("blurry photo"))]);
    // a verified session keeps no reason
    UserTest::with(())
        .given(given.clone())
        .when(complete(License, "v1", Verified, Some("ignored")))
        .then_expect_events(vec![completed(License, "v1", Verified, None)]);
    // another session, another kind, nothing pending: refused
    UserTest::with(())
        .given(given.clone())
        .when(complete(License, "v9", Verified, None))
        .then_expect_error(UserError::NoPendingVerification(License));
    UserTest::with(())
        .given(given.clone())
        .when(complete(Id, "v1", Verified, None))
        .then_expect_error(UserError::NoPendingVerification(Id));
    // the same outcome again (a poll after the operator) changes nothing; a different one is refused
    let mut done = given;
    done.push(completed(License, "v1", Verified, None));
    UserTest::with(()).given(done.clone()).when(complete(License, "v1", Verified, None)).then_expect_events(vec![]);
    UserTest::with(())
        .given(done)
        .when(complete(License, "v1", Rejected, None))
        .then_expect_error(UserError::NoPendingVerification(License));
    UserTest::with(())
        .given_no_previous_events()
        .when(start(License, "v1"))
        .then_expect_error(UserError::NotRegistered);
}

#[test]
fn the_manual_verification_is_the_operators_word_and_the_same_word_again_changes_nothing() {
    let record = |result, reason: Option<&str>| UserCommand::RecordManualVerification {
        result,
        reason: reason.map(str::to_owned),
        at: at(),
    };
    let recorded = |result, reason: Option<&str>| UserEvent::ManualVerificationRecorded {
        result,
        reason: reason.map(str::to_owned),
        recorded_at: at(),
    };
    UserTest::with(())
        .given(vec![signed_up()])
        .when(record(Verified, Some("x")))
        .then_expect_events(vec![recorded(Verified, None)]);
    UserTest::with(())
        .given(vec![signed_up(), recorded(Verified, None)])
        .when(record(Verified, None))
        .then_expect_events(vec![]);
    UserTest::with(())
        .given(vec![signed_up(), recorded(Verified, None)])
        .when(record(Rejected, Some("photo does not match")))
        .then_expect_events(vec![recorded(Rejected, Some("photo does not match"))]);
    UserTest::with(())
        .given_no_previous_events()
        .when(record(Verified, None))
        .then_expect_error(UserError::NotRegistered);
}

#[test]
fn an_erasure_forgets_the_verifications() {
    let mut user = User::default();
    user.apply(signed_up());
    user.apply(started(License, "v1"));
    user.apply(UserEvent::UserErased { requested_by: "customer".into(), erased_at: at() });
    assert!(user.verifications().pending().is_empty());
    assert_eq!(VerificationKind::parse("license"), Some(License));
    assert_eq!(VerificationKind::parse("PASSPORT"), None);
}
