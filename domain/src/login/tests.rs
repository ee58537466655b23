use super::*;
use chrono::{DateTime, Duration, Utc};
use cqrs_es::test::TestFramework;

type LoginTest = TestFramework<LoginSession>;

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-22T10:00:00Z").map(|t| t.with_timezone(&Utc)).expect("time")
        + Duration::seconds(secs)
}

fn started(refresh: Option<&str>) -> LoginEvent {
    LoginEvent::LoginSessionStarted {
        session_id: Uuid::from_u128(1),
        user_id: Uuid::from_u128(2),
        tenant_id: "demo".into(),
        client_id: None,
        dialect: "suite".into(),
        method: SignInMethod::EmailPassword,
        test_user: false,
        refresh_hash: refresh.map(str::to_owned),
        expires_at: at(3600),
        started_at: at(0),
    }
}

fn rotated(from: &str, to: &str, generation: u32, secs: i64) -> LoginEvent {
    LoginEvent::RefreshTokenRotated { from_hash: from.into(), to_hash: to.into(), generation, rotated_at: at(secs) }
}

fn refresh(presented: &str, child: &str, secs: i64) -> LoginCommand {
    LoginCommand::Refresh {
        tenant_id: "demo".into(),
        dialect: "suite".into(),
        presented_hash: presented.into(),
        child_hash: child.into(),
        grace: Duration::seconds(10),
        rotate: true,
        at: at(secs),
    }
}

#[test]
fn a_session_starts_once() {
    let start = LoginCommand::Start {
        session_id: Uuid::from_u128(1),
        user_id: Uuid::from_u128(2),
        tenant_id: "demo".into(),
        client_id: None,
        dialect: "suite".into(),
        method: SignInMethod::EmailPassword,
        test_user: false,
        refresh_hash: Some("rt1".into()),
        expires_at: at(3600),
        at: at(0),
    };
    LoginTest::with(()).given_no_previous_events().when(start.clone()).then_expect_events(vec![started(Some("rt1"))]);
    LoginTest::with(()).given(vec![started(Some("rt1"))]).when(start).then_expect_error(LoginError::AlreadyStarted);
}

#[test]
fn the_head_rotates_to_its_child() {
    LoginTest::with(())
        .given(vec![started(Some("rt1"))])
        .when(refresh("rt1", "rt2", 5))
        .then_expect_events(vec![rotated("rt1", "rt2", 1, 5)]);
    LoginTest::with(())
        .given(vec![started(Some("rt1")), rotated("rt1", "rt2", 1, 5)])
        .when(refresh("rt2", "rt3", 100))
        .then_expect_events(vec![rotated("rt2", "rt3", 2, 100)]);
}

#[test]
fn the_immediate_parent_inside_the_grace_gets_the_same_child_without_an_event() {
    LoginTest::with(())
        .given(vec![started(Some("rt1")), rotated("rt1", "rt2", 1, 5)])
        .when(refresh("rt1", "rt2", 15))
        .then_expect_events(vec![]);
}

#[test]
fn the_parent_after_the_grace_revokes_the_session() {
    LoginTest::with(())
        .given(vec![started(Some("rt1")), rotated("rt1", "rt2", 1, 5)])
        .when(refresh("rt1", "rt2", 16))
        .then_expect_events(vec![LoginEvent::LoginSessionRevoked {
            reason: RevocationReason::RefreshTokenReused,
            revoked_at: at(16),
        }]);
}

#[test]
fn an_older_ancestor_revokes_the_session_even_inside_the_grace() {
    LoginTest::with(())
        .given(vec![started(Some("rt1")), rotated("rt1", "rt2", 1, 5), rotated("rt2", "rt3", 2, 6)])
        .when(refresh("rt1", "rt2", 7))
        .then_expect_events(vec![LoginEvent::LoginSessionRevoked {
            reason: RevocationReason::RefreshTokenReused,
            revoked_at: at(7),
        }]);
}

#[test]
fn refreshing_a_revoked_expired_or_unknown_session_is_refused() {
    let revoked = LoginEvent::LoginSessionRevoked { reason: RevocationReason::SignedOut, revoked_at: at(1) };
    LoginTest::with(())
        .given(vec![started(Some("rt1")), revoked])
        .when(refresh("rt1", "rt2", 2))
        .then_expect_error(LoginError::Revoked);
    LoginTest::with(())
        .given(vec![started(Some("rt1"))])
        .when(refresh("rt1", "rt2", 3600))
        .then_expect_error(LoginError::Expired);
    LoginTest::with(())
        .given(vec![started(Some("rt1"))])
        .when(refresh("other", "x", 2))
        .then_expect_error(LoginError::UnknownRefreshToken);
    LoginTest::with(())
        .given(vec![started(None)])
        .when(refresh("rt1", "rt2", 2))
        .then_expect_error(LoginError::NoRefreshToken);
    LoginTest::with(())
        .given_no_previous_events()
        .when(refresh("rt1", "rt2", 2))
        .then_expect_error(LoginError::NotStarted);
}

/// `presented` offered for the child `x` at 100 s, to `tenant` through `dialect`.
fn presented_to(tenant: &str, dialect: &str, presented: &str) -> LoginCommand {
    LoginCommand::Refresh {
        tenant_id: tenant.into(),
        dialect: dialect.into(),
        presented_hash: presented.into(),
        child_hash: "x".into(),
        grace: Duration::seconds(10),
        rotate: true,
        at: at(100),
    }
}

#[test]
fn a_token_presented_to_another_tenant_neither_rotates_nor_revokes() {
    let elsewhere = |presented: &str| presented_to("other", "suite", presented);
    LoginTest::with(())
        .given(vec![started(Some("rt1"))])
        .when(elsewhere("rt1"))
        .then_expect_error(LoginError::OtherTenant);
    // a spent token would revoke the session in its own tenant; elsewhere it is only unknown
    LoginTest::with(())
        .given(vec![started(Some("rt1")), rotated("rt1", "rt2", 1, 5)])
        .when(elsewhere("rt1"))
        .then_expect_error(LoginError::OtherTenant);
}

#[test]
fn a_token_presented_through_another_dialect_neither_rotates_nor_revokes() {
    let through = |dialect: &str, presented: &str| presented_to("demo", dialect, presented);
    LoginTest::with(())
        .given(vec![started(Some("rt1"))])
        .when(through("legacy", "rt1"))
        .then_expect_error(LoginError::OtherDialect);
    LoginTest::with(())
        .given(vec![started(Some("rt1")), rotated("rt1", "rt2", 1, 5)])
        .when(through("legacy", "rt1"))
        .then_expect_error(LoginError::OtherDialect);
    LoginTest::with(())
        .given(vec![started(Some("rt1"))])
        .when(through("suite", "rt1"))
        .then_expect_events(vec![rotated("rt1", "x", 1, 100)]);
}

#[test]
fn revoking_is_recorded_once() {
    let revoke = LoginCommand::Revoke { reason: RevocationReason::SignedOut, at: at(9) };
    let revoked = LoginEvent::LoginSessionRevoked { reason: RevocationReason::SignedOut, revoked_at: at(9) };
    LoginTest::with(()).given(vec![started(None)]).when(revoke.clone()).then_expect_events(vec![revoked.clone()]);
    LoginTest::with(()).given(vec![started(None), revoked]).when(revoke.clone()).then_expect_events(vec![]);
    LoginTest::with(()).given_no_previous_events().when(revoke).then_expect_error(LoginError::NotStarted);
}

#[test]
fn names_match_their_serialized_form() {
    for m in [
        SignInMethod::PartnerToken,
        SignInMethod::PartnerTestToken,
        SignInMethod::EmailPassword,
        SignInMethod::EmailCode,
        SignInMethod::PhoneCode,
        SignInMethod::IdToken,
        SignInMethod::TwoFactor,
    ] {
        assert_eq!(serde_json::to_value(m).expect("json"), m.as_str());
    }
    for r in [
        RevocationReason::SignedOut,
        RevocationReason::RefreshTokenReused,
        RevocationReason::CredentialsRemoved,
        RevocationReason::PasswordChanged,
    ] {
        assert_eq!(serde_json::to_value(r).expect("json"), r.as_str());
    }
}

#[test]
fn a_session_that_does_not_rotate_keeps_its_token_until_it_ends() {
    let kept = |secs: i64| LoginCommand::Refresh {
        tenant_id: "demo".into(),
        dialect: "suite".into(),
        presented_hash: "rt1".into(),
        child_hash: "rt2".into(),
        grace: Duration::seconds(10),
        rotate: false,
        at: at(secs),
    };
    // presented again and again, long after any grace: nothing is spent, nothing revoked
    LoginTest::with(()).given(vec![started(Some("rt1"))]).when(kept(5)).then_expect_events(vec![]);
    LoginTest::with(()).given(vec![started(Some("rt1"))]).when(kept(3000)).then_expect_events(vec![]);
    let revoked = LoginEvent::LoginSessionRevoked { reason: RevocationReason::PasswordChanged, revoked_at: at(9) };
    LoginTest::with(())
        .given(vec![started(Some("rt1")), revoked])
        .when(kept(10))
        .then_expect_error(LoginError::Revoked);
    LoginTest::with(()).given(vec![started(Some("rt1"))]).when(kept(3600)).then_expect_error(LoginError::Expired);
    // a token that is not the head is as unknown as before
    let other = LoginCommand::Refresh {
        tenant_id: "demo".into(),
        dialect: "suite".into(),
        presented_hash: "made up".into(),
        child_hash: "x".into(),
        grace: Duration::seconds(10),
        rotate: false,
        at: at(5),
    };
    LoginTest::with(())
        .given(vec![started(Some("rt1"))])
        .when(other)
        .then_expect_error(LoginError::UnknownRefreshToken);
}
