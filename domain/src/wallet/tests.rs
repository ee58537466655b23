use super::*;
use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;

fn at() -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000, 0).expect("instant")
}

fn card(id: &str) -> PaymentCard {
    PaymentCard {
        id: id.into(),
        brand: "Visa".into(),
        last4: "4242".into(),
        exp_month: 12,
        exp_year: 2034,
        fingerprint: "fp".into(),
        funding: "credit".into(),
        country: Some("US".into()),
    }
}

/// Decides `command`; on success applies its event and returns what it made.
fn run(wallet: &mut Wallet, command: WalletCommand) -> Result<Vec<WalletEvent>, WalletError> {
    let events: Vec<WalletEvent> = wallet.decide(command)?.into_iter().collect();
    for event in &events {
        wallet.apply(event.clone());
    }
    Ok(events)
}

fn with_customer() -> Wallet {
    let mut wallet = Wallet::default();
    let open = WalletCommand::CreateCustomer {
        user_id: uuid::Uuid::nil(),
        tenant_id: "demo".into(),
        provider: "sandbox".into(),
        customer_id: "cus_1".into(),
        at: at(),
    };
    run(&mut wallet, open).expect("customer");
    wallet
}

fn attach(wallet: &mut Wallet, id: &str) -> Vec<WalletEvent> {
    run(wallet, WalletCommand::AttachCard { card: card(id), at: at() }).expect("attach")
}

fn subscribe(wallet: &mut Wallet, id: &str) -> Result<Vec<WalletEvent>, WalletError> {
    let command = WalletCommand::StartSubscription {
        subscription_id: id.into(),
        plan: "price_basic".into(),
        status: "active".into(),
        current_period_start: at(),
        current_period_end: at(),
        at: at(),
    };
    run(wallet, command)
}

fn charge(card_id: &str, reference: &str, failure: Option<&str>) -> WalletCommand {
    WalletCommand::RecordCharge {
        charge_id: format!("ch_{reference}_{}", failure.unwrap_or("ok")),
        card_id: card_id.into(),
        amount_minor: 500,
        currency: "chf".into(),
        description: "parking".into(),
        reference: reference.into(),
        failure: failure.map(|code| ChargeFailure { code: code.into(), message: "declined".into() }),
        at: at(),
    }
}

#[test]
fn a_card_needs_a_customer_and_the_first_becomes_the_default() {
    let mut wallet = Wallet::default();
    let refused = run(&mut wallet, WalletCommand::AttachCard { card: card("card_1"), at: at() });
    assert_eq!(refused, Err(WalletError::NoCustomer));
    let mut wallet = with_customer();
    assert!(matches!(attach(&mut wallet, "card_1")[..], [WalletEvent::PaymentCardAttached { made_default: true, .. }]));
    assert!(matches!(
        attach(&mut wallet, "card_2")[..],
        [WalletEvent::PaymentCardAttached { made_default: false, .. }]
    ));
    assert_eq!(wallet.default_card(), Some("card_1"));
    assert!(attach(&mut wallet, "card_2").is_empty(), "the same card again changes nothing");
}

#[test]
fn deleting_the_default_promotes_the_latest_other_card() {
    let mut wallet = with_customer();
    for id in ["card_1", "card_2", "card_3"] {
        attach(&mut wallet, id);
    }
    let events = run(&mut wallet, WalletCommand::DetachCard { card_id: "card_1".into(), at: at() }).expect("detach");
    assert!(matches!(&events[..], [WalletEvent::PaymentCardDetached { new_default: Some(id), .. }] if id == "card_3"));
    assert_eq!(wallet.default_card(), Some("card_3"));
    run(&mut wallet, WalletCommand::DetachCard { card_id: "card_2".into(), at: at() }).expect("detach");
    assert_eq!(wallet.default_card(), Some("card_3"), "removing another card keeps the default");
    run(&mut wallet, WalletCommand::DetachCard { card_id: "card_3".into(), at: at() }).expect("detach");
    assert_eq!((wallet.default_card(), wallet.cards().len()), (None, 0));
}

#[test]
fn the_last_card_stays_while_a_subscription_is_active() {
    let mut wallet = with_customer();
    assert_eq!(subscribe(&mut wallet, "sub_1"), Err(WalletError::NoCard), "a subscription needs a card");
    attach(&mut wallet, "card_1");
    subscribe(&mut wallet, "sub_1").expect("subscribe");
    let detach = WalletCommand::DetachCard { card_id: "card_1".into(), at: at() };
    assert_eq!(run(&mut wallet, detach.clone()), Err(WalletError::LastCardWithSubscription));
    attach(&mut wallet, "card_2");
    run(&mut wallet, detach).expect("another card remains");
    let cancel = WalletCommand::CancelSubscription { subscription_id: "sub_1".into(), at: at() };
    assert_eq!(run(&mut wallet, cancel.clone()).expect("cancel").len(), 1);
    assert!(run(&mut wallet, cancel).expect("again").is_empty(), "cancelling twice changes nothing");
    run(&mut wallet, WalletCommand::DetachCard { card_id: "card_2".into(), at: at() }).expect("no subscription now");
}

#[test]
fn a_charge_needs_a_card_of_the_wallet_and_a_valid_amount() {
    let mut wallet = with_customer();
    assert_eq!(wallet.check_charge(None, 500, "chf"), Err(WalletError::NoCard));
    assert_eq!(run(&mut wallet, charge("card_1", "r", None)), Err(WalletError::CardNotFound));
    attach(&mut wallet, "card_1");
    assert_eq!(wallet.check_charge(None, 500, "chf"), Ok("card_1"));
    assert_eq!(wallet.check_charge(None, 0, "chf"), Err(WalletError::InvalidAmount));
    assert_eq!(wallet.check_charge(None, 100_000_000, "chf"), Err(WalletError::InvalidAmount));
    assert_eq!(wallet.check_charge(None, 500, "CHF"), Err(WalletError::InvalidAmount));
    assert_eq!(run(&mut wallet, charge("card_1", "r", None)).expect("charge").len(), 1);
    assert!(run(&mut wallet, charge("card_1", "r", None)).expect("again").is_empty(), "one charge id, one event");
}

#[test]
fn active_subscriptions_and_unpaid_charges_are_holds_until_settled() {
    let mut wallet = with_customer();
    attach(&mut wallet, "card_1");
    assert!(wallet.holds().is_empty());
    run(&mut wallet, charge("card_1", "session-1", Some("generic_decline"))).expect("failed charge");
    run(&mut wallet, charge("card_1", "session-2", None)).expect("paid charge");
    subscribe(&mut wallet, "sub_1").expect("subscribe");
    let holds = wallet.holds();
    assert_eq!(holds.len(), 2);
    assert!(holds.contains(&Hold::ActiveSubscription { subscription_id: "sub_1".into() }));
    assert!(holds.contains(&Hold::UnpaidCharge {
        reference: "session-1".into(),
        charge_id: "ch_session-1_generic_decline".into()
    }));
    run(&mut wallet, charge("card_1", "session-1", None)).expect("settled");
    run(&mut wallet, WalletCommand::CancelSubscription { subscription_id: "sub_1".into(), at: at() }).expect("cancel");
    assert!(wallet.holds().is_empty());
}

#[test]
fn metadata_follows_stripes_limits() {
    let mut wallet = with_customer();
    let update = |pairs: &[(&str, String)]| WalletCommand::UpdateMetadata {
        metadata: pairs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect(),
        at: at(),
    };
    let ok = update(&[("vat_number", "CHE-123".into()), ("company_name", "Acme".into())]);
    assert_eq!(run(&mut wallet, ok.clone()).expect("update").len(), 1);
    assert!(run(&mut wallet, ok).expect("same").is_empty());
    for bad in [update(&[("", "x".into())]), update(&[("a[b]", "x".into())]), update(&[("k", "x".repeat(501))])] {
        assert!(matches!(run(&mut wallet, bad), Err(WalletError::InvalidMetadata(_))));
    }
    let many: Vec<(String, String)> = (0..51).map(|i| (format!("k{i}"), "v".into())).collect();
    let too_many = WalletCommand::UpdateMetadata { metadata: many.into_iter().collect(), at: at() };
    assert!(matches!(run(&mut wallet, too_many), Err(WalletError::InvalidMetadata(_))));
}

#[test]
fn a_wallet_has_one_customer() {
    let mut wallet = with_customer();
    let again = |id: &str| WalletCommand::CreateCustomer {
        user_id: uuid::Uuid::nil(),
        tenant_id: "demo".into(),
        provider: "sandbox".into(),
        customer_id: id.into(),
        at: at(),
    };
    assert!(run(&mut wallet, again("cus_1")).expect("same").is_empty());
    assert_eq!(run(&mut wallet, again("cus_2")), Err(WalletError::CustomerExists));
}

#[test]
fn events_keep_their_names_and_payloads() {
    use crate::EventCodec;
    let event = WalletEvent::PaymentCardDetached { card_id: "card_1".into(), new_default: None, detached_at: at() };
    let (name, version, payload) = event.encode().expect("encode");
    assert_eq!((name.as_str(), version), ("PaymentCardDetached", 1));
    assert_eq!(payload["card_id"], "card_1");
    assert_eq!(WalletEvent::decode(&name, payload).expect("decode"), event);
}
