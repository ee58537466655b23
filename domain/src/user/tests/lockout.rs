//! Failed sign-ins and the lock.
use super::*;

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
