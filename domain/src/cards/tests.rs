use super::*;
use crate::codec::{Claim, ClaimChange, HasClaims};
use cqrs_es::test::TestFramework;

type CardsTest = TestFramework<IdentityCards>;

fn at() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-12-03T10:00:00Z").map(|t| t.with_timezone(&Utc)).expect("time")
}

fn card(id: &str, number: &str) -> IdentityCard {
    IdentityCard { card_id: id.into(), kind: "RFID".into(), number: number.into(), label: None, valid_until: None }
}

fn assign(card: IdentityCard) -> IdentityCardCommand {
    IdentityCardCommand::Assign { tenant_id: "demo".into(), card, at: at() }
}

fn assigned(card: IdentityCard) -> IdentityCardEvent {
    IdentityCardEvent::IdentityCardAssigned { tenant_id: "demo".into(), card, assigned_at: at() }
}

fn withdrawn(id: &str, reason: CardWithdrawal) -> IdentityCardEvent {
    IdentityCardEvent::IdentityCardWithdrawn {
        tenant_id: "demo".into(),
        card_id: id.into(),
        reason,
        withdrawn_at: at(),
    }
}

#[test]
fn a_card_is_assigned_once_and_replaced_whole() {
    let badge = card("card-1", "04A2B3");
    CardsTest::with(())
        .given_no_previous_events()
        .when(assign(badge.clone()))
        .then_expect_events(vec![assigned(badge.clone())]);
    CardsTest::with(()).given(vec![assigned(badge.clone())]).when(assign(badge.clone())).then_expect_events(vec![]);
    let labelled = IdentityCard { label: Some(" Office badge ".into()), ..badge.clone() };
    let trimmed = IdentityCard { label: Some("Office badge".into()), ..badge.clone() };
    CardsTest::with(()).given(vec![assigned(badge)]).when(assign(labelled)).then_expect_events(vec![assigned(trimmed)]);
}

#[test]
fn an_invalid_card_is_refused() {
    for bad in [
        card("", "1"),
        card("card 1", "1"),
        card("card-1", " "),
        card("card-1", &"9".repeat(65)),
        IdentityCard { kind: "rfid".into(), ..card("card-1", "1") },
        IdentityCard { label: Some(String::new()), ..card("card-1", "1") },
    ] {
        let refused = CardsTest::with(()).given_no_previous_events().when(assign(bad.clone()));
        let Err(IdentityCardError::Invalid(_)) = refused.inspect_result() else { panic!("accepted {bad:?}") };
    }
}

#[test]
fn withdrawing_needs_an_assigned_card_and_an_erasure_withdraws_all() {
    let withdraw = |id: &str| IdentityCardCommand::Withdraw { tenant_id: "demo".into(), card_id: id.into(), at: at() };
    CardsTest::with(())
        .given(vec![assigned(card("card-1", "1"))])
        .when(withdraw("card-1"))
        .then_expect_events(vec![withdrawn("card-1", CardWithdrawal::Operator)]);
    CardsTest::with(())
        .given_no_previous_events()
        .when(withdraw("card-1"))
        .then_expect_error(IdentityCardError::NotAssigned);
    CardsTest::with(())
        .given(vec![
            assigned(card("card-1", "1")),
            assigned(card("card-2", "2")),
            withdrawn("card-1", CardWithdrawal::Operator),
        ])
        .when(IdentityCardCommand::WithdrawAll { tenant_id: "demo".into(), at: at() })
        .then_expect_events(vec![withdrawn("card-2", CardWithdrawal::Erasure)]);
}

#[test]
fn a_card_id_is_claimed_per_tenant_and_released_on_withdrawal() {
    let claim = Claim { scope: CARD_CLAIM, value: "demo/card-1".into() };
    assert_eq!(assigned(card("card-1", "1")).claim_changes(), vec![ClaimChange::Take(claim.clone())]);
    assert_eq!(withdrawn("card-1", CardWithdrawal::Erasure).claim_changes(), vec![ClaimChange::Release(claim)]);
}

#[test]
fn events_keep_their_names_and_flat_payloads() {
    use crate::EventCodec;
    let event = assigned(IdentityCard { label: Some("Badge".into()), ..card("card-1", "04A2") });
    let (event_type, version, payload) = event.encode().expect("encode");
    assert_eq!((event_type.as_str(), version), ("IdentityCardAssigned", 1));
    assert_eq!((payload["number"].as_str(), payload["card_id"].as_str()), (Some("04A2"), Some("card-1")), "{payload}");
    assert_eq!(IdentityCardEvent::decode(&event_type, payload.clone()).expect("decode"), event);
    // erased: the placeholders still decode
    let mut erased = payload;
    for (field, placeholder) in
        crate::personal::fields().into_iter().find(|(t, _)| *t == "IdentityCardAssigned").expect("declared").1
    {
        erased[field] = placeholder;
    }
    assert!(IdentityCardEvent::decode(&event_type, erased).is_ok());
    let (event_type, _, payload) = withdrawn("card-1", CardWithdrawal::Erasure).encode().expect("encode");
    assert_eq!((event_type.as_str(), payload["reason"].as_str()), ("IdentityCardWithdrawn", Some("erasure")));
}
