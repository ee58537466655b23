use super::*;

fn charge(customer: &CustomerId, card: &CardId, key: &str, amount: i64) -> ChargeRequest {
    ChargeRequest {
        customer: customer.clone(),
        card: card.clone(),
        amount_minor: amount,
        currency: "chf".into(),
        description: "parking".into(),
        idempotency_key: key.into(),
    }
}

#[tokio::test]
async fn the_test_tokens_attach_the_cards_stripe_documents() {
    let pay = SandboxPayments::default();
    let customer = pay.create_customer("user-1", Some("a@example.com"), "k0").await.expect("customer");
    let visa = pay.attach_card(&customer, "tok_visa", "k1").await.expect("visa");
    assert_eq!((visa.brand.as_str(), visa.last4.as_str(), visa.funding.as_str()), ("Visa", "4242", "credit"));
    let mastercard = pay.attach_card(&customer, "tok_mastercard", "k2").await.expect("mastercard");
    assert_eq!((mastercard.brand.as_str(), mastercard.last4.as_str()), ("MasterCard", "4444"));
    let amex = pay.attach_card(&customer, "tok_amex", "k3").await.expect("amex");
    assert_eq!((amex.brand.as_str(), amex.last4.as_str()), ("American Express", "8431"));
    assert_ne!(visa.id, mastercard.id);
    assert_ne!(visa.fingerprint, mastercard.fingerprint);
}

#[tokio::test]
async fn the_same_inputs_give_the_same_ids_on_any_instance() {
    let (one, two) = (SandboxPayments::default(), SandboxPayments::default());
    let customer = one.create_customer("user-1", None, "a").await.expect("customer");
    assert_eq!(customer, two.create_customer("user-1", None, "b").await.expect("customer"));
    assert_ne!(customer, one.create_customer("user-2", None, "a").await.expect("customer"));
    let card = one.attach_card(&customer, "tok_visa", "key").await.expect("card");
    assert_eq!(card, two.attach_card(&customer, "tok_visa", "key").await.expect("card"));
    let again = one.attach_card(&customer, "tok_visa", "other key").await.expect("card");
    assert_ne!(card.id, again.id, "another key is another attach");
    assert_eq!(card.fingerprint, again.fingerprint, "one card number, one fingerprint");
    let first = one.charge(&charge(&customer, &card.id, "c1", 500)).await.expect("charge");
    assert_eq!(first, two.charge(&charge(&customer, &card.id, "c1", 500)).await.expect("charge"));
    assert_ne!(first.id, one.charge(&charge(&customer, &card.id, "c2", 500)).await.expect("charge").id);
}

#[tokio::test]
async fn declined_tokens_are_refused_at_attach_with_their_decline_code() {
    let pay = SandboxPayments::default();
    let customer = pay.create_customer("user-1", None, "k").await.expect("customer");
    for (token, code) in [
        ("tok_chargeDeclined", "generic_decline"),
        ("tok_chargeDeclinedInsufficientFunds", "insufficient_funds"),
        ("tok_chargeDeclinedExpiredCard", "expired_card"),
        ("tok_cvcCheckFail", "incorrect_cvc"),
    ] {
        match pay.attach_card(&customer, token, "k").await {
            Err(PaymentError::CardDeclined { decline_code, charge: None, .. }) => assert_eq!(decline_code, code),
            other => panic!("{token}: {other:?}"),
        }
    }
    assert!(matches!(pay.attach_card(&customer, "tok_nope", "k").await, Err(PaymentError::InvalidToken(_))));
}

#[tokio::test]
async fn a_card_that_fails_on_charge_attaches_then_declines_with_a_charge_id() {
    let pay = SandboxPayments::default();
    let customer = pay.create_customer("user-1", None, "k").await.expect("customer");
    let card = pay.attach_card(&customer, "tok_chargeCustomerFail", "k").await.expect("attaches");
    match pay.charge(&charge(&customer, &card.id, "c", 500)).await {
        Err(PaymentError::CardDeclined { decline_code, charge: Some(id), .. }) => {
            assert_eq!(decline_code, "generic_decline");
            assert!(id.0.starts_with("ch_sb_"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn amounts_and_currencies_stripe_refuses_are_refused() {
    let pay = SandboxPayments::default();
    let customer = pay.create_customer("user-1", None, "k").await.expect("customer");
    let card = pay.attach_card(&customer, "tok_visa", "k").await.expect("card");
    assert!(matches!(pay.charge(&charge(&customer, &card.id, "a", 49)).await, Err(PaymentError::InvalidRequest(_))));
    let mut euro = charge(&customer, &card.id, "b", 500);
    euro.currency = "EURO".into();
    assert!(matches!(pay.charge(&euro).await, Err(PaymentError::InvalidRequest(_))));
    let foreign = CardId("card_1Abc".into());
    assert_eq!(pay.charge(&charge(&customer, &foreign, "c", 500)).await, Err(PaymentError::NotFound("card")));
}

#[tokio::test]
async fn subscriptions_start_now_for_a_month_and_cancel() {
    let clock = Arc::new(crate::clock::FixedClock::at(chrono::Utc::now()));
    let pay = SandboxPayments::new(clock.clone());
    let customer = pay.create_customer("user-1", None, "k").await.expect("customer");
    let sub = pay.subscribe(&customer, "price_basic", "s").await.expect("subscribe");
    assert_eq!(sub.status, SubscriptionStatus::Active);
    assert_eq!(sub.current_period_start, clock.now());
    assert_eq!(sub.current_period_end - sub.current_period_start, Duration::days(30));
    let canceled = pay.cancel_subscription(&sub.id).await.expect("cancel");
    assert_eq!((canceled.id, canceled.status), (sub.id, SubscriptionStatus::Canceled));
}
