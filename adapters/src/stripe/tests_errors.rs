//! Stripe's errors mapped to `PaymentError`, the retries (same idempotency key, never on a
//! 4xx), the timeout, and the logs, which must name the path but never the key or a token.
use super::standin::{Answer, SECRET_KEY, StandIn, card, customer};
use super::*;
use commands::ports::payments::ChargeId;
use serde_json::json;
use std::sync::{Arc, Mutex};

const TOKEN: &str = "tok_1Qx7SecretCardToken";

fn request() -> ChargeRequest {
    ChargeRequest {
        customer: CustomerId("cus_1".into()),
        card: CardId("card_1".into()),
        amount_minor: 1250,
        currency: "chf".into(),
        description: "Ride".into(),
        idempotency_key: "idem-charge-1".into(),
    }
}

fn cus() -> CustomerId {
    CustomerId("cus_1".into())
}

#[tokio::test]
async fn a_card_error_is_a_decline_with_its_decline_code_and_charge_id_and_is_not_retried() {
    let stripe = StandIn::start(vec![Answer::error(
        402,
        json!({ "type": "card_error", "code": "card_declined", "decline_code": "insufficient_funds",
                "message": "Your card has insufficient funds.", "charge": "ch_declined" }),
    )])
    .await;
    let declined = stripe.payments().charge(&request()).await;
    assert_eq!(
        declined,
        Err(PaymentError::CardDeclined {
            decline_code: "insufficient_funds".into(),
            message: "Your card has insufficient funds.".into(),
            charge: Some(ChargeId("ch_declined".into())),
        })
    );
    assert_eq!(stripe.requests().len(), 1);
}

#[tokio::test]
async fn a_card_error_without_decline_code_uses_the_code_and_an_attach_has_no_charge() {
    let stripe = StandIn::start(vec![Answer::error(
        402,
        json!({ "type": "card_error", "code": "incorrect_cvc", "message": "Your card's security code is incorrect.",
                "param": "cvc" }),
    )])
    .await;
    let declined = stripe.payments().attach_card(&cus(), TOKEN, "idem-attach").await;
    assert_eq!(
        declined,
        Err(PaymentError::CardDeclined {
            decline_code: "incorrect_cvc".into(),
            message: "Your card's security code is incorrect.".into(),
            charge: None,
        })
    );
}

#[tokio::test]
async fn a_missing_token_is_an_invalid_token_whose_message_does_not_repeat_it() {
    let stripe = StandIn::start(vec![Answer::error(
        400,
        json!({ "type": "invalid_request_error", "code": "resource_missing", "param": "source",
                "message": format!("No such token: '{TOKEN}'") }),
    )])
    .await;
    let refused = stripe.payments().attach_card(&cus(), TOKEN, "idem-attach").await;
    assert_eq!(refused, Err(PaymentError::InvalidToken("No such token: '[redacted]'".into())));
}

#[tokio::test]
async fn resource_missing_names_what_is_missing() {
    let missing = |param: &str, message: &str| {
        Answer::error(
            404,
            json!({ "type": "invalid_request_error", "code": "resource_missing", "param": param, "message": message }),
        )
    };
    let stripe = StandIn::start(vec![
        missing("customer", "No such customer: 'cus_1'"),
        missing("source", "No such source: 'card_1'"),
        missing("id", "No such subscription: 'sub_1'"),
        missing("id", "No such customer: 'cus_1'"),
        missing("id", "No such source: 'card_1'"),
    ])
    .await;
    let payments = stripe.payments();
    assert_eq!(payments.charge(&request()).await, Err(PaymentError::NotFound("customer")));
    assert_eq!(payments.charge(&request()).await, Err(PaymentError::NotFound("card")), "a charged card is no token");
    let sub = SubscriptionId("sub_1".into());
    assert_eq!(payments.cancel_subscription(&sub).await, Err(PaymentError::NotFound("subscription")));
    let card = CardId("card_1".into());
    assert_eq!(payments.detach_card(&cus(), &card).await, Err(PaymentError::NotFound("customer")));
    assert_eq!(payments.detach_card(&cus(), &card).await, Err(PaymentError::NotFound("card")));
}

#[tokio::test]
async fn an_idempotency_error_is_an_invalid_request() {
    let message = "Keys for idempotent requests can only be used with the same parameters they were first used with.";
    let stripe =
        StandIn::start(vec![Answer::error(400, json!({ "type": "idempotency_error", "message": message }))]).await;
    assert_eq!(stripe.payments().charge(&request()).await, Err(PaymentError::InvalidRequest(message.into())));
}

#[tokio::test]
async fn a_refused_key_is_a_misconfiguration_whose_message_does_not_repeat_the_key() {
    let stripe = StandIn::start(vec![Answer::error(
        401,
        json!({ "type": "invalid_request_error", "message": format!("Invalid API Key provided: {SECRET_KEY}") }),
    )])
    .await;
    let refused = stripe.payments().create_customer("user-1", None, "idem").await;
    assert_eq!(refused, Err(PaymentError::Misconfigured("Invalid API Key provided: [redacted]".into())));
    assert_eq!(stripe.requests().len(), 1, "a 401 is not retried");
}

#[tokio::test]
async fn a_500_is_retried_with_the_same_idempotency_key() {
    let stripe = StandIn::start(vec![
        Answer::error(500, json!({ "type": "api_error", "message": "An unknown error occurred" })),
        Answer::ok(customer("cus_after_retry")),
    ])
    .await;
    let id = stripe.payments().create_customer("user-1", None, "idem-retry-1").await;
    assert_eq!(id, Ok(CustomerId("cus_after_retry".into())));
    let keys: Vec<_> = stripe.requests().iter().map(|r| r.header("idempotency-key").map(str::to_owned)).collect();
    assert_eq!(keys, vec![Some("idem-retry-1".to_owned()); 2]);
}

#[tokio::test]
async fn a_400_is_not_retried() {
    let stripe = StandIn::start(vec![
        Answer::error(
            400,
            json!({ "type": "invalid_request_error", "message": "Amount must be at least 50 centimes" }),
        ),
        Answer::ok(customer("cus_never")),
    ])
    .await;
    let refused = stripe.payments().charge(&request()).await;
    assert_eq!(refused, Err(PaymentError::InvalidRequest("Amount must be at least 50 centimes".into())));
    assert_eq!(stripe.requests().len(), 1);
}

#[tokio::test]
async fn retries_stop_after_max_retries_and_leave_the_provider_unavailable() {
    let overloaded = || Answer::error(429, json!({ "type": "rate_limit_error", "message": "Too many requests" }));
    let stripe = StandIn::start(vec![overloaded(), overloaded(), overloaded(), Answer::ok(customer("cus_late"))]).await;
    let answer = stripe.payments().create_customer("user-1", None, "idem").await;
    assert_eq!(answer, Err(PaymentError::Unavailable("Too many requests".into())));
    assert_eq!(stripe.requests().len(), 3, "one attempt and max_retries = 2 retries");
}

#[tokio::test]
async fn stripe_should_retry_false_stops_the_retry_of_a_5xx() {
    let stripe = StandIn::start(vec![
        Answer::error(503, json!({ "type": "api_error", "message": "Try later" }))
            .with_header("stripe-should-retry", "false"),
        Answer::ok(customer("cus_never")),
    ])
    .await;
    let answer = stripe.payments().create_customer("user-1", None, "idem").await;
    assert_eq!(answer, Err(PaymentError::Unavailable("Try later".into())));
    assert_eq!(stripe.requests().len(), 1);
}

#[tokio::test]
async fn a_hung_server_hits_the_timeout_and_is_unavailable() {
    let hung = || Answer::ok(customer("cus_late")).after(Duration::from_secs(30));
    let stripe = StandIn::start(vec![hung(), hung()]).await;
    let mut config = stripe.config();
    (config.timeout, config.max_retries) = (Duration::from_millis(200), 1);
    let answer = StripePayments::new(config).expect("config").create_customer("user-1", None, "idem-hung").await;
    assert!(matches!(&answer, Err(PaymentError::Unavailable(m)) if m.contains("did not answer")), "{answer:?}");
    let keys: Vec<_> = stripe.requests().iter().map(|r| r.header("idempotency-key").map(str::to_owned)).collect();
    assert_eq!(keys, vec![Some("idem-hung".to_owned()); 2], "a timeout is retried with the same key");
}

#[tokio::test]
async fn a_closed_port_is_unavailable() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    drop(listener);
    let mut config = StripeConfig::new(secrecy::SecretString::from(SECRET_KEY));
    (config.api_base, config.max_retries) = (base, 0);
    let answer = StripePayments::new(config).expect("config").detach_card(&cus(), &CardId("card_1".into())).await;
    assert_eq!(answer, Err(PaymentError::Unavailable("cannot connect to Stripe".into())));
}

#[test]
fn a_base_that_is_not_an_http_url_is_a_misconfiguration() {
    let mut config = StripeConfig::new(secrecy::SecretString::from(SECRET_KEY));
    config.api_base = "mailto:billing@example.com".into();
    assert!(matches!(StripePayments::new(config), Err(PaymentError::Misconfigured(_))));
}

/// A log sink the test can read back.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Logs {
    type Writer = Logs;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test]
async fn the_logs_name_the_path_and_status_but_never_the_key_or_the_token() {
    let logs = Logs::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(logs.clone())
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let stripe = StandIn::start(vec![
        Answer::error(500, json!({ "type": "api_error", "message": "retry me" })),
        Answer::ok(card("card_1")),
        Answer::error(
            400,
            json!({ "type": "invalid_request_error", "code": "resource_missing", "param": "source",
                    "message": format!("No such token: '{TOKEN}'") }),
        ),
        Answer::error(
            401,
            json!({ "type": "invalid_request_error", "message": format!("Invalid API Key: {SECRET_KEY}") }),
        ),
    ])
    .await;
    let payments = stripe.payments();
    payments.attach_card(&cus(), TOKEN, "idem-logged").await.expect("attached on retry");
    let refused = payments.attach_card(&cus(), TOKEN, "idem-logged-2").await;
    let misconfigured = payments.create_customer("user-1", None, "idem-logged-3").await;
    tracing::error!(?refused, ?misconfigured, "what a caller would log");
    let text = String::from_utf8_lossy(&logs.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned();
    assert!(text.contains("/v1/customers/cus_1/sources"), "the path is logged: {text}");
    assert!(text.contains("status=500") && text.contains("status=401"), "the status is logged: {text}");
    assert!(!text.contains(SECRET_KEY), "the key leaked: {text}");
    assert!(!text.contains(TOKEN), "the token leaked: {text}");
    assert_eq!(stripe.requests().len(), 4, "every call reached the stand-in");
}
