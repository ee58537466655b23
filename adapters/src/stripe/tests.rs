//! The wire format: each port call against the stand-in, asserting the path, the headers and
//! the form fields Stripe would receive, and what is read back from Stripe's objects.
use super::standin::{Answer, SECRET_KEY, StandIn, card, charge, customer, subscription};
use super::*;
use chrono::{TimeZone, Utc};
use commands::ports::payments::{ChargeId, SubscriptionStatus};

const FORM: &str = "application/x-www-form-urlencoded";

fn cus() -> CustomerId {
    CustomerId("cus_1".into())
}

#[tokio::test]
async fn create_customer_posts_the_reference_and_email_with_the_stripe_headers() {
    let stripe = StandIn::start(vec![Answer::ok(customer("cus_new"))]).await;
    let id = stripe.payments().create_customer("user-1", Some("a@example.com"), "idem-create-1").await;
    assert_eq!(id, Ok(CustomerId("cus_new".into())));
    let request = stripe.single();
    assert_eq!((request.method.clone(), request.path.as_str()), (Method::POST, "/v1/customers"));
    assert_eq!(request.header("authorization"), Some(format!("Bearer {SECRET_KEY}").as_str()));
    assert_eq!(request.header("stripe-version"), Some("2020-08-27"));
    assert_eq!(request.header("idempotency-key"), Some("idem-create-1"));
    assert_eq!(request.header("content-type"), Some(FORM));
    assert_eq!(request.header("stripe-account"), None, "no connected account configured");
    assert_eq!(request.field("description"), Some("user-1"));
    assert_eq!(request.field("metadata[reference]"), Some("user-1"));
    assert_eq!(request.field("email"), Some("a@example.com"));
}

#[tokio::test]
async fn create_customer_without_email_sends_no_email_field() {
    let stripe = StandIn::start(vec![Answer::ok(customer("cus_new"))]).await;
    stripe.payments().create_customer("user-2", None, "idem-create-2").await.expect("created");
    let request = stripe.single();
    assert_eq!(request.field("email"), None);
    assert_eq!(request.form.len(), 2, "{:?}", request.form);
}

#[tokio::test]
async fn a_connected_account_is_named_on_posts_and_deletes_and_deletes_carry_no_key() {
    let stripe = StandIn::start(vec![Answer::ok(card("card_1")), Answer::ok(card("card_1"))]).await;
    let mut config = stripe.config();
    config.connected_account = Some("acct_1Connected".into());
    let payments = StripePayments::new(config).expect("valid config");
    payments.attach_card(&cus(), "tok_visa", "idem-attach").await.expect("attached");
    payments.detach_card(&cus(), &CardId("card_1".into())).await.expect("detached");
    let requests = stripe.requests();
    assert_eq!(requests.len(), 2);
    for request in &requests {
        assert_eq!(request.header("stripe-account"), Some("acct_1Connected"), "{} {}", request.method, request.path);
        assert_eq!(request.header("authorization"), Some(format!("Bearer {SECRET_KEY}").as_str()));
    }
    assert_eq!(
        (&requests[1].method, requests[1].path.as_str()),
        (&Method::DELETE, "/v1/customers/cus_1/sources/card_1")
    );
    assert_eq!(requests[1].header("idempotency-key"), None);
    assert!(requests[1].form.is_empty());
}

#[tokio::test]
async fn attach_card_posts_the_token_as_source_and_reads_the_card() {
    let stripe = StandIn::start(vec![Answer::ok(card("card_1Visa"))]).await;
    let card = stripe.payments().attach_card(&cus(), "tok_visa", "idem-attach").await.expect("attached");
    assert_eq!(
        card,
        Card {
            id: CardId("card_1Visa".into()),
            brand: "Visa".into(),
            last4: "4242".into(),
            exp_month: 8,
            exp_year: 2031,
            fingerprint: "Xt5EWLLDS7FJjR1c".into(),
            funding: "credit".into(),
            country: Some("US".into()),
        }
    );
    let request = stripe.single();
    assert_eq!((request.method.clone(), request.path.as_str()), (Method::POST, "/v1/customers/cus_1/sources"));
    assert_eq!(request.form, vec![("source".to_owned(), "tok_visa".to_owned())]);
    assert_eq!(request.header("idempotency-key"), Some("idem-attach"));
}

#[tokio::test]
async fn ids_are_percent_encoded_as_path_segments() {
    let stripe = StandIn::start(vec![Answer::ok(card("card_1"))]).await;
    let customer = CustomerId("cus 1/../x?y".into());
    stripe.payments().detach_card(&customer, &CardId("card#1%".into())).await.expect("detached");
    assert_eq!(stripe.single().path, "/v1/customers/cus%201%2F..%2Fx%3Fy/sources/card%231%25");
}

#[tokio::test]
async fn a_dot_segment_id_is_refused_before_any_request() {
    let stripe = StandIn::start(vec![]).await;
    let refused = stripe.payments().detach_card(&cus(), &CardId("..".into())).await;
    assert!(matches!(refused, Err(PaymentError::InvalidRequest(_))), "{refused:?}");
    assert!(stripe.requests().is_empty());
}

#[tokio::test]
async fn set_default_card_posts_default_source_to_the_customer() {
    let stripe = StandIn::start(vec![Answer::ok(customer("cus_1"))]).await;
    stripe.payments().set_default_card(&cus(), &CardId("card_2".into()), "idem-default").await.expect("set");
    let request = stripe.single();
    assert_eq!((request.method.clone(), request.path.as_str()), (Method::POST, "/v1/customers/cus_1"));
    assert_eq!(request.form, vec![("default_source".to_owned(), "card_2".to_owned())]);
    assert_eq!(request.header("idempotency-key"), Some("idem-default"));
}

#[tokio::test]
async fn update_card_address_posts_each_field_and_clears_absent_ones_with_empty_strings() {
    let stripe = StandIn::start(vec![Answer::ok(card("card_1"))]).await;
    let address =
        BillingAddress { line1: Some("Rue du Lac 1".into()), city: None, zip: Some("1000".into()), country: None };
    stripe.payments().update_card_address(&cus(), &CardId("card_1".into()), &address, "idem-addr").await.expect("set");
    let request = stripe.single();
    assert_eq!(request.path, "/v1/customers/cus_1/sources/card_1");
    assert_eq!(request.field("address_line1"), Some("Rue du Lac 1"));
    assert_eq!(request.field("address_city"), Some(""));
    assert_eq!(request.field("address_zip"), Some("1000"));
    assert_eq!(request.field("address_country"), Some(""));
    assert_eq!(request.header("content-type"), Some(FORM));
}

#[tokio::test]
async fn update_customer_metadata_posts_nested_metadata_keys() {
    let stripe = StandIn::start(vec![Answer::ok(customer("cus_1"))]).await;
    let metadata = BTreeMap::from([
        ("vat_number".to_owned(), "CHE-123.456.789 MWST".to_owned()),
        ("company_name".to_owned(), "Acme & Co".to_owned()),
    ]);
    stripe.payments().update_customer_metadata(&cus(), &metadata, "idem-meta").await.expect("set");
    let request = stripe.single();
    assert_eq!((request.method.clone(), request.path.as_str()), (Method::POST, "/v1/customers/cus_1"));
    assert_eq!(request.field("metadata[vat_number]"), Some("CHE-123.456.789 MWST"));
    assert_eq!(request.field("metadata[company_name]"), Some("Acme & Co"));
    assert_eq!(request.form.len(), 2);
}

#[tokio::test]
async fn charge_posts_amount_currency_customer_card_and_description() {
    let stripe = StandIn::start(vec![Answer::ok(charge("ch_1", "succeeded"))]).await;
    let request = ChargeRequest {
        customer: cus(),
        card: CardId("card_1".into()),
        amount_minor: 1250,
        currency: "chf".into(),
        description: "Ride 42".into(),
        idempotency_key: "idem-charge".into(),
    };
    let charged = stripe.payments().charge(&request).await;
    assert_eq!(charged, Ok(Charge { id: ChargeId("ch_1".into()), amount_minor: 1250, currency: "chf".into() }));
    let sent = stripe.single();
    assert_eq!((sent.method.clone(), sent.path.as_str()), (Method::POST, "/v1/charges"));
    assert_eq!(sent.field("amount"), Some("1250"));
    assert_eq!(sent.field("currency"), Some("chf"));
    assert_eq!(sent.field("customer"), Some("cus_1"));
    assert_eq!(sent.field("source"), Some("card_1"));
    assert_eq!(sent.field("description"), Some("Ride 42"));
    assert_eq!(sent.header("idempotency-key"), Some("idem-charge"));
}

#[tokio::test]
async fn a_charge_answered_as_failed_is_a_decline_with_its_id() {
    let mut failed = charge("ch_failed", "failed");
    failed["failure_code"] = "insufficient_funds".into();
    failed["failure_message"] = "Your card has insufficient funds.".into();
    let stripe = StandIn::start(vec![Answer::ok(failed)]).await;
    let request = ChargeRequest {
        customer: cus(),
        card: CardId("card_1".into()),
        amount_minor: 1250,
        currency: "chf".into(),
        description: "Ride".into(),
        idempotency_key: "idem".into(),
    };
    let declined = stripe.payments().charge(&request).await;
    assert_eq!(
        declined,
        Err(PaymentError::CardDeclined {
            decline_code: "insufficient_funds".into(),
            message: "Your card has insufficient funds.".into(),
            charge: Some(ChargeId("ch_failed".into())),
        })
    );
}

#[tokio::test]
async fn subscribe_posts_the_price_as_the_first_item_and_reads_the_period() {
    let stripe = StandIn::start(vec![Answer::ok(subscription("sub_1", "active"))]).await;
    let subscribed = stripe.payments().subscribe(&cus(), "price_monthly", "idem-sub").await.expect("subscribed");
    assert_eq!(subscribed.id, SubscriptionId("sub_1".into()));
    assert_eq!(subscribed.price, "price_monthly");
    assert_eq!(subscribed.status, SubscriptionStatus::Active);
    assert_eq!(subscribed.current_period_start, Utc.timestamp_opt(1_700_000_000, 0).single().expect("instant"));
    assert_eq!(subscribed.current_period_end, Utc.timestamp_opt(1_702_592_000, 0).single().expect("instant"));
    let request = stripe.single();
    assert_eq!((request.method.clone(), request.path.as_str()), (Method::POST, "/v1/subscriptions"));
    assert_eq!(request.field("customer"), Some("cus_1"));
    assert_eq!(request.field("items[0][price]"), Some("price_monthly"));
    assert_eq!(request.header("idempotency-key"), Some("idem-sub"));
}

#[tokio::test]
async fn cancel_subscription_deletes_it_and_reads_the_canceled_status() {
    let stripe = StandIn::start(vec![Answer::ok(subscription("sub_1", "canceled"))]).await;
    let canceled = stripe.payments().cancel_subscription(&SubscriptionId("sub_1".into())).await.expect("canceled");
    assert_eq!(canceled.status, SubscriptionStatus::Canceled);
    let request = stripe.single();
    assert_eq!((request.method.clone(), request.path.as_str()), (Method::DELETE, "/v1/subscriptions/sub_1"));
    assert_eq!(request.header("stripe-version"), Some("2020-08-27"));
}

#[tokio::test]
async fn the_name_is_stripe_and_the_config_debug_hides_the_key() {
    let stripe = StandIn::start(vec![]).await;
    assert_eq!(stripe.payments().name(), "stripe");
    let shown = format!("{:?} {:?}", stripe.config(), stripe.payments());
    assert!(!shown.contains(SECRET_KEY), "{shown}");
    assert!(shown.contains("[redacted]") && shown.contains(&stripe.base), "{shown}");
}

#[test]
fn the_defaults_are_stripes_address_ten_seconds_and_two_retries() {
    let config = StripeConfig::new(secrecy::SecretString::from("sk_test_x"));
    assert_eq!(config.api_base, "https://api.stripe.com");
    assert_eq!((config.timeout, config.max_retries, config.connected_account), (Duration::from_secs(10), 2, None));
}
