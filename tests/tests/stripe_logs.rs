//! Nothing a Stripe-configured server logs holds the Stripe secret key, a card token or a card
//! number, at any level, while it attaches cards, refuses one, charges and fails to reach
//! Stripe. The whole process's logs are captured (a test binary of its own: the subscriber is
//! global), and the test checks that they do hold the paths, so it can fail.
#![allow(clippy::unwrap_used)]

use reqwest::Method;
use serde_json::json;
use std::io::Write;
use std::sync::{Arc, Mutex};
use store::Metadata;
use tests::stripe_standin::{SECRET_KEY, StripeStandIn};
use tests::{Engine, Scratch, TestApp};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

const TOKEN: &str = "tok_1LeakCanaryCardToken7Q";
const CARD_NUMBER: &str = "4000056655665556";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stripe_run_logs_no_secret_key_token_or_card_number() {
    let logs = Captured::default();
    tracing_subscriber::fmt().with_writer(logs.clone()).with_max_level(tracing::Level::TRACE).with_ansi(false).init();

    let standin = StripeStandIn::default();
    let base = standin.start().await;
    let scratch = Scratch::new();
    let mut settings = api::Settings::for_data_dir(scratch.0.join("data"));
    settings.database_url = Some(tests::database_url(Engine::Sqlite, &scratch).await);
    settings.stripe.secret_key = Some(SECRET_KEY.to_owned().into());
    settings.stripe.api_base = base;
    settings.stripe.timeout_secs = 1;
    let app = TestApp::spawn_with(settings, scratch).await;
    let registered = app.legacy().registered("ann").await;
    let token = registered["access_token"].as_str().unwrap().to_owned();
    let user = uuid::Uuid::parse_str(registered["user"]["_id"].as_str().unwrap()).unwrap();

    let attach =
        |card: &str| app.payment(Method::POST, &token, "/").json(&json!({"token": card, "number": CARD_NUMBER})).send();
    assert_eq!(attach(TOKEN).await.unwrap().status(), 200);
    assert_eq!(attach("tok_chargeDeclined").await.unwrap().status(), 402);
    assert_eq!(attach("btok_1UnknownCanaryToken").await.unwrap().status(), 502);
    let input = commands::wallet::ChargeInput {
        amount_minor: 700,
        currency: "chf".into(),
        description: "Parking".into(),
        reference: "s-1".into(),
        card: None,
    };
    app.state.wallets.charge(user, input, "k", chrono::Utc::now(), &Metadata::default()).await.unwrap();
    let coord_jwt =
        tests::coord::jwt_of(app.coord().create_jwt(Some(&app.server_token), json!({"email": "c@example.com"})).await)
            .await;
    let info = app.client.post(app.coord().url("/user/current/stripe_info")).bearer_auth(coord_jwt);
    assert_eq!(info.json(&json!({"coord_targeted_token": TOKEN})).send().await.unwrap().status(), 200);

    let text = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    assert!(text.contains("/v1/customers"), "the Stripe calls are logged: {}", &text[..text.len().min(2000)]);
    for secret in [SECRET_KEY, TOKEN, "btok_1UnknownCanaryToken", CARD_NUMBER] {
        assert!(!text.contains(secret), "{secret} leaked into the logs");
    }
    // nor into the database: events, read models, idempotency answers
    let events = app
        .count(&format!("select count(*) from events where payload like '%{TOKEN}%' or payload like '%{CARD_NUMBER}%'"))
        .await;
    assert_eq!(events, 0);
}
