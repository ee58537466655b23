use super::*;
use crate::catalog::{LICENSE_PLATE, TransactableSystem, TransactionRequirements, UserFacts};
use chrono::{DateTime, Utc};
use cqrs_es::test::TestFramework;

type LinksTest = TestFramework<AccountLinks>;

fn at() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-12-04T10:00:00Z").map(|t| t.with_timezone(&Utc)).expect("time")
}

fn system(linked_account: bool, fields: &[&str]) -> TransactableSystem {
    TransactableSystem {
        system_id: "CitiBike".into(),
        name: "Citi Bike".into(),
        requirements: TransactionRequirements {
            jwt_claims: Vec::new(),
            linked_account,
            users_api_fields: fields.iter().map(|f| (*f).to_owned()).collect(),
        },
    }
}

fn link(system: TransactableSystem, facts: UserFacts) -> AccountLinkCommand {
    AccountLinkCommand::Link { system, facts, via: LinkVia::Testing, at: at() }
}

fn unlink(system: TransactableSystem) -> AccountLinkCommand {
    AccountLinkCommand::Unlink { system, via: LinkVia::Testing, at: at() }
}

fn linked() -> AccountLinkEvent {
    AccountLinkEvent::AccountLinked { system_id: "CitiBike".into(), linked_at: at(), via: LinkVia::Testing }
}

#[test]
fn a_system_that_requires_a_link_is_linked_once() {
    let bike = system(true, &[]);
    LinksTest::with(())
        .given_no_previous_events()
        .when(link(bike.clone(), UserFacts::default()))
        .then_expect_events(vec![linked()]);
    LinksTest::with(()).given(vec![linked()]).when(link(bike, UserFacts::default())).then_expect_events(vec![]);
}

#[test]
fn a_system_that_needs_no_link_cannot_be_linked() {
    LinksTest::with(())
        .given_no_previous_events()
        .when(link(system(false, &[]), UserFacts::default()))
        .then_expect_error(AccountLinkError::NotLinkable);
    LinksTest::with(())
        .given_no_previous_events()
        .when(unlink(system(false, &[])))
        .then_expect_error(AccountLinkError::NotLinkable);
}

#[test]
fn a_link_needs_every_field_the_system_requires() {
    let garage = system(true, &[LICENSE_PLATE]);
    LinksTest::with(())
        .given_no_previous_events()
        .when(link(garage.clone(), UserFacts::default()))
        .then_expect_error(AccountLinkError::RequirementsMissing(vec![LICENSE_PLATE.into()]));
    let plate = UserFacts { license_plate: true, ..UserFacts::default() };
    LinksTest::with(()).given_no_previous_events().when(link(garage, plate)).then_expect_events(vec![linked()]);
}

#[test]
fn unlinking_ends_a_link_and_an_unlinked_system_changes_nothing() {
    let unlinked =
        AccountLinkEvent::AccountUnlinked { system_id: "CitiBike".into(), unlinked_at: at(), via: LinkVia::Testing };
    LinksTest::with(())
        .given(vec![linked()])
        .when(unlink(system(true, &[])))
        .then_expect_events(vec![unlinked.clone()]);
    LinksTest::with(()).given_no_previous_events().when(unlink(system(true, &[]))).then_expect_events(vec![]);
    // a link made while the system required one can be ended after it stopped requiring one
    LinksTest::with(())
        .given(vec![linked()])
        .when(unlink(system(false, &[])))
        .then_expect_events(vec![unlinked.clone()]);
    let mut links = AccountLinks::default();
    links.evolve(linked());
    assert_eq!(links.systems().collect::<Vec<_>>(), ["CitiBike"]);
    links.evolve(unlinked);
    assert!(!links.is_linked("CitiBike"));
}

#[test]
fn an_erasure_ends_every_link_and_nothing_else() {
    let other =
        AccountLinkEvent::AccountLinked { system_id: "PlateGarage".into(), linked_at: at(), via: LinkVia::Consent };
    let ended = |system_id: &str| AccountLinkEvent::AccountUnlinked {
        system_id: system_id.into(),
        unlinked_at: at(),
        via: LinkVia::Erasure,
    };
    LinksTest::with(())
        .given(vec![linked(), other])
        .when(AccountLinkCommand::EndAll { at: at() })
        .then_expect_events(vec![ended("CitiBike"), ended("PlateGarage")]);
    LinksTest::with(())
        .given_no_previous_events()
        .when(AccountLinkCommand::EndAll { at: at() })
        .then_expect_events(vec![]);
}

#[test]
fn events_keep_their_names_and_payloads() {
    use crate::EventCodec;
    let (event_type, version, payload) = linked().encode().expect("encode");
    assert_eq!((event_type.as_str(), version), ("AccountLinked", 1));
    assert_eq!(payload["via"], LinkVia::Testing.as_str());
    assert_eq!(AccountLinkEvent::decode(&event_type, payload).expect("decode"), linked());
}
