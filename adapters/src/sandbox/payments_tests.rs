use super::*;

fn charge(customer: &CustomerId, key: &str, amount: i64) -> ChargeRequest {
    ChargeRequest {
        customer: customer.clone(),
        card: None,
        amount_minor: amount,
        currency: "chf".into(),
        description: "parking".into(),
        idempotency_key: key.into(),
    }
}

#[tokio::test]
async fn the_test_tokens_attach_the_cards_stripe_documents() {
    let pay = SandboxPayments::default();
    let customer = pay.create_customer("user-1", Some("a@example.com")).await.expect("customer");
    let visa = pay.attach_card(&customer, "tok_visa").await.expect("visa");
    assert_eq!((visa.brand.as_str(), visa.last4.as_str()), ("visa", "4242"));
    let mastercard = pay.attach_card(&customer, "tok_mastercard").await.expect("mastercard");
    assert_eq!((mastercard.brand.as_str(), mastercard.last4.as_str()), ("mastercard", "4444"));
    let amex = pay.attach_card(&customer, "tok_amex").await.expect("amex");
    assert_eq!((amex.brand.as_str(), amex.last4.as_str()), ("amex", "8431"));
}

#[tokio::test]
async fn declined_tokens_are_refused_at_attach_with_their_decline_code() {
    let pay = SandboxPayments::default();
    let customer = pay.create_customer("user-1", None).await.expect("customer");
    let cases = [
        ("tok_chargeDeclined", PaymentError::CardDeclined { decline_code: "generic_decline".into() }),
        (
            "tok_chargeDeclinedInsufficientFunds",
            PaymentError::CardDeclined { decline_code: "insufficient_funds".into() },
        ),
        ("tok_unknown", PaymentError::InvalidToken),
    ];
    for (token, expected) in cases {
        assert_eq!(pay.attach_card(&customer, token).await, Err(expected), "{token}");
    }
    assert_eq!(pay.charge(&charge(&customer, "k", 100)).await, Err(PaymentError::NoCard));
}

#[tokio::test]
async fn the_first_card_is_the_default_and_charges_use_it_once_per_key() {
    let pay = SandboxPayments::default();
    let customer = pay.create_customer("user-1", None).await.expect("customer");
    let first = pay.attach_card(&customer, "tok_visa").await.expect("card");
    let second = pay.attach_card(&customer, "tok_amex").await.expect("card");
    let charged = pay.charge(&charge(&customer, "k1", 250)).await.expect("charge");
    assert_eq!((charged.card.clone(), charged.amount_minor), (first.id.clone(), 250));
    assert_eq!(pay.charge(&charge(&customer, "k1", 250)).await.expect("again"), charged, "idempotent");
    pay.set_default_card(&customer, &second.id).await.expect("default");
    assert_eq!(pay.charge(&charge(&customer, "k2", 250)).await.expect("charge").card, second.id);
    assert_eq!(pay.charge(&charge(&customer, "k3", 0)).await, Err(PaymentError::InvalidAmount));
}

#[tokio::test]
async fn detaching_the_default_card_leaves_no_default() {
    let pay = SandboxPayments::default();
    let customer = pay.create_customer("user-1", None).await.expect("customer");
    let card = pay.attach_card(&customer, "tok_visa").await.expect("card");
    let meta = BTreeMap::from([("nickname".to_owned(), "work".to_owned())]);
    assert_eq!(pay.update_card_metadata(&customer, &card.id, meta.clone()).await.expect("meta").metadata, meta);
    pay.detach_card(&customer, &card.id).await.expect("detach");
    assert_eq!(pay.detach_card(&customer, &card.id).await, Err(PaymentError::NotFound("card")));
    assert_eq!(pay.charge(&charge(&customer, "k", 100)).await, Err(PaymentError::NoCard));
    assert_eq!(pay.subscribe(&customer, "price_monthly").await, Err(PaymentError::NoCard));
}

#[tokio::test]
async fn a_subscription_bills_the_default_card_until_canceled() {
    let pay = SandboxPayments::default();
    let customer = pay.create_customer("user-1", None).await.expect("customer");
    pay.attach_card(&customer, "tok_mastercard").await.expect("card");
    let subscription = pay.subscribe(&customer, "price_monthly").await.expect("subscribe");
    assert_eq!(subscription.status, SubscriptionStatus::Active);
    let canceled = pay.cancel_subscription(&subscription.id).await.expect("cancel");
    assert_eq!(canceled.status, SubscriptionStatus::Canceled);
    let unknown = SubscriptionId("sub_nope".into());
    assert_eq!(pay.cancel_subscription(&unknown).await, Err(PaymentError::NotFound("subscription")));
}
