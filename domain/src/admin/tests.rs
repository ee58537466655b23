use super::*;
use chrono::{DateTime, Utc};
use cqrs_es::test::TestFramework;

fn at() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-12-03T10:00:00Z").map(|t| t.with_timezone(&Utc)).expect("time")
}

fn create(id: &str, label: &str) -> AdminKeyCommand {
    AdminKeyCommand::Create {
        key_id: id.into(),
        role: AdminRole::Auditor,
        label: label.into(),
        key_hash: "ab".repeat(32),
        at: at(),
    }
}

fn created(id: &str, label: &str) -> AdminKeyEvent {
    AdminKeyEvent::AdminKeyCreated {
        key_id: id.into(),
        role: AdminRole::Auditor,
        label: label.into(),
        key_hash: "ab".repeat(32),
        created_at: at(),
    }
}

#[test]
fn a_key_is_created_once_with_a_trimmed_label_and_revoked_for_good() {
    TestFramework::<AdminKeys>::with(())
        .given_no_previous_events()
        .when(create("k1", "  audit team "))
        .then_expect_events(vec![created("k1", "audit team")]);
    TestFramework::<AdminKeys>::with(())
        .given(vec![created("k1", "x")])
        .when(create("k1", "y"))
        .then_expect_error(AdminKeyError::KeyExists);
    TestFramework::<AdminKeys>::with(())
        .given_no_previous_events()
        .when(create("k1", "   "))
        .then_expect_error(AdminKeyError::InvalidLabel);
    let revoke = AdminKeyCommand::Revoke { key_id: "k1".into(), at: at() };
    TestFramework::<AdminKeys>::with(())
        .given(vec![created("k1", "x")])
        .when(revoke.clone())
        .then_expect_events(vec![AdminKeyEvent::AdminKeyRevoked { key_id: "k1".into(), revoked_at: at() }]);
    let revoked = AdminKeyEvent::AdminKeyRevoked { key_id: "k1".into(), revoked_at: at() };
    TestFramework::<AdminKeys>::with(())
        .given(vec![created("k1", "x"), revoked])
        .when(revoke.clone())
        .then_expect_error(AdminKeyError::AlreadyRevoked);
    TestFramework::<AdminKeys>::with(())
        .given_no_previous_events()
        .when(revoke)
        .then_expect_error(AdminKeyError::UnknownKey);
}

#[test]
fn roles_parse_from_their_names_only() {
    assert_eq!("operator".parse::<AdminRole>(), Ok(AdminRole::Operator));
    assert_eq!("auditor".parse::<AdminRole>(), Ok(AdminRole::Auditor));
    assert!("admin".parse::<AdminRole>().is_err());
    assert_eq!(AdminRole::Auditor.as_str(), "auditor");
}

#[test]
fn a_read_is_recorded_once_and_names_its_key_and_action() {
    let record = |key: &str, action: &str| AdminReadCommand::Record {
        key_id: key.into(),
        action: action.into(),
        subject: Some("u1".into()),
        query: None,
        at: at(),
    };
    let recorded = AdminReadEvent::AdminReadRecorded {
        key_id: "k1".into(),
        action: "user_state".into(),
        subject: Some("u1".into()),
        query: None,
        read_at: at(),
    };
    TestFramework::<AdminRead>::with(())
        .given_no_previous_events()
        .when(record("k1", "user_state"))
        .then_expect_events(vec![recorded.clone()]);
    TestFramework::<AdminRead>::with(())
        .given(vec![recorded])
        .when(record("k1", "user_state"))
        .then_expect_error(AdminReadError::Recorded);
    TestFramework::<AdminRead>::with(())
        .given_no_previous_events()
        .when(record("", "user_state"))
        .then_expect_error(AdminReadError::Incomplete);
}
