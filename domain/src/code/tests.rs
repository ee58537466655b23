use super::*;
use chrono::{DateTime, Duration, Utc};
use cqrs_es::test::TestFramework;

type CodeTest = TestFramework<OneTimeCode>;

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-22T10:00:00Z").map(|t| t.with_timezone(&Utc)).expect("time")
        + Duration::seconds(secs)
}

fn issued(hash: &str, secs: i64) -> CodeEvent {
    CodeEvent::OneTimeCodeIssued { code_hash: hash.into(), expires_at: at(secs + 300), issued_at: at(secs) }
}

fn verify(hash: &str, secs: i64) -> CodeCommand {
    CodeCommand::Verify { candidate_hash: hash.into(), policy: CodePolicy::default(), at: at(secs) }
}

#[test]
fn a_code_is_issued_and_resent_only_after_the_cooldown() {
    let issue = |secs| CodeCommand::Issue { code_hash: "h2".into(), policy: CodePolicy::default(), at: at(secs) };
    CodeTest::with(()).given_no_previous_events().when(issue(0)).then_expect_events(vec![issued("h2", 0)]);
    CodeTest::with(())
        .given(vec![issued("h1", 0)])
        .when(issue(20))
        .then_expect_error(CodeError::Cooldown { retry_after_secs: 40 });
    CodeTest::with(()).given(vec![issued("h1", 0)]).when(issue(60)).then_expect_events(vec![issued("h2", 60)]);
}

#[test]
fn the_right_code_is_consumed_once_before_it_expires() {
    CodeTest::with(())
        .given(vec![issued("h1", 0)])
        .when(verify("h1", 10))
        .then_expect_events(vec![CodeEvent::OneTimeCodeConsumed { consumed_at: at(10) }]);
    let consumed = CodeEvent::OneTimeCodeConsumed { consumed_at: at(10) };
    CodeTest::with(())
        .given(vec![issued("h1", 0), consumed])
        .when(verify("h1", 11))
        .then_expect_error(CodeError::NoActiveCode);
    CodeTest::with(()).given(vec![issued("h1", 0)]).when(verify("h1", 300)).then_expect_error(CodeError::NoActiveCode);
    CodeTest::with(()).given_no_previous_events().when(verify("h1", 1)).then_expect_error(CodeError::NoActiveCode);
}

#[test]
fn wrong_codes_are_counted_and_exhaust_the_code() {
    let failed = |secs| CodeEvent::OneTimeCodeAttemptFailed { failed_at: at(secs) };
    CodeTest::with(()).given(vec![issued("h1", 0)]).when(verify("nope", 5)).then_expect_events(vec![failed(5)]);
    let mut history = vec![issued("h1", 0)];
    history.extend((1..=5).map(failed));
    // five wrong tries: even the right code no longer works
    CodeTest::with(()).given(history.clone()).when(verify("h1", 9)).then_expect_error(CodeError::NoActiveCode);
    // a new code starts a new count
    history.push(issued("h3", 70));
    CodeTest::with(())
        .given(history)
        .when(verify("h3", 71))
        .then_expect_events(vec![CodeEvent::OneTimeCodeConsumed { consumed_at: at(71) }]);
}
