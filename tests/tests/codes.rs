//! One-time codes: the signed email-code bootstrap, the outbox, and the three senders (the
//! outbox file, SMTP against a local stand-in server, an HTTP SMS gateway stand-in).
#![allow(clippy::unwrap_used)]

use commands::ports::MessageSender;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use tests::suite::{EMAIL_CODE_BOOTSTRAP, Tokens, suite_error};
use tests::{Engine, Scratch, TestApp, both_engines, eventually};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

fn digits(text: &str) -> Option<String> {
    text.split(|c: char| !c.is_ascii_digit()).find(|w| w.len() == 6).map(str::to_owned)
}

both_engines!(an_email_code_signs_in_and_creates_the_account, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let suite = app.suite("demo");
    let res = suite.request_email_code("code@example.com").await;
    assert_eq!(res.status(), 204);
    assert!(eventually(10, || async { !app.codes_sent_to("code@example.com").is_empty() }).await, "code delivered");
    let code = app.codes_sent_to("code@example.com")[0].clone();

    // a wrong code costs a try; the right one signs in and creates the account
    assert_eq!(suite_error(suite.sign_in_email_code("code@example.com", "000000").await).await.1, "A207");
    let tokens = Tokens::of(suite.sign_in_email_code("code@example.com", &code).await).await;
    assert_eq!(suite.me(&tokens.access).await["email"], "code@example.com");
    let again = suite.sign_in_email_code("code@example.com", &code).await;
    assert_eq!(suite_error(again).await.1, "A207", "a code works once");

    // the outbox row went out with its event, and its body (the code) is wiped once sent
    assert_eq!(app.count("select count(*) from outbox").await, 1);
    assert!(
        eventually(10, || async {
            app.count("select count(*) from outbox where sent_at is not null and body = ''").await == 1
        })
        .await
    );
    let stored: Vec<(String,)> =
        app.state.store.db().fetch_all("select cast(payload as text) from events", &[]).await.unwrap();
    assert!(stored.iter().all(|(p,)| !p.contains(&code)), "the code in clear is in no event");

    // resend cooldown, then an existing account signs in to itself
    // (a timestamp a few seconds ahead, inside the window: the first request's second would
    // repeat its signature, a replay)
    let again = suite.request_email_code_at("code@example.com", chrono::Utc::now().timestamp() + 5).await;
    let retry = again.headers().get("retry-after").cloned();
    assert_eq!(suite_error(again).await, (StatusCode::TOO_MANY_REQUESTS, "U401".into()));
    assert!(retry.is_some());
    assert_eq!(app.count("select count(*) from outbox").await, 1, "a refused request sends nothing");
});

both_engines!(bootstrap_signatures_are_checked_and_work_once, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let suite = app.suite("demo");
    let now = chrono::Utc::now().timestamp();
    let email = "sig@example.com";
    let post = |url: String| app.client.post(url).json(&json!({ "email": email })).send();
    let signed = |subject: &'static str, timestamp: i64| suite.bootstrap_url(EMAIL_CODE_BOOTSTRAP, subject, timestamp);
    let a213 = (StatusCode::UNAUTHORIZED, "A213".to_owned());
    let url = signed(email, now).await;
    assert_eq!(post(url.clone()).await.unwrap().status(), 204);
    assert_eq!(suite_error(post(url).await.unwrap()).await, a213, "replayed");
    // the window is ±300 s around the server's clock, which may have ticked on since `now`:
    // a minute past the edge keeps these outside it however slow the machine
    assert_eq!(suite_error(post(signed(email, now - 360).await).await.unwrap()).await, a213, "stale");
    assert_eq!(suite_error(post(signed(email, now + 360).await).await.unwrap()).await, a213, "from the future");
    assert_eq!(
        suite_error(post(signed("other@example.com", now).await).await.unwrap()).await,
        a213,
        "for another email"
    );
    let bare = suite.url(EMAIL_CODE_BOOTSTRAP);
    assert_eq!(suite_error(post(bare.clone()).await.unwrap()).await, a213, "unsigned");
    let forged = post(format!("{bare}?timestamp={now}&signature=00")).await.unwrap();
    assert_eq!(suite_error(forged).await, a213, "forged");
    // the answer is the same for an address with an account and one without: 204
    assert_eq!(suite.request_email_code("nobody-yet@example.com").await.status(), 204);
});

both_engines!(guessing_a_code_exhausts_it, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let suite = app.suite("demo");
    assert_eq!(suite.request_email_code("guess@example.com").await.status(), 204);
    assert!(eventually(10, || async { !app.codes_sent_to("guess@example.com").is_empty() }).await);
    let code = app.codes_sent_to("guess@example.com")[0].clone();
    let wrong = if code == "111111" { "222222" } else { "111111" };
    for _ in 0..5 {
        assert_eq!(suite_error(suite.sign_in_email_code("guess@example.com", wrong).await).await.1, "A207");
    }
    let last = suite.sign_in_email_code("guess@example.com", &code).await;
    assert_eq!(suite_error(last).await.1, "A207", "five tries, then none");
});

/// A stand-in SMTP server: accepts every message and keeps its DATA.
async fn smtp_server() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("smtp://{}", listener.local_addr().unwrap());
    let mails = Arc::new(Mutex::new(Vec::new()));
    let kept = mails.clone();
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else { return };
            let kept = kept.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 stand-in ESMTP\r\n").await.unwrap();
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(body) = data.as_mut() {
                        if line == "." {
                            kept.lock().unwrap().push(std::mem::take(body));
                            data = None;
                            write.write_all(b"250 queued\r\n").await.unwrap();
                        } else {
                            body.push_str(&line);
                            body.push('\n');
                        }
                        continue;
                    }
                    let verb = line.split_whitespace().next().unwrap_or_default().to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250-stand-in\r\n250 8BITMIME\r\n",
                        "DATA" => {
                            data = Some(String::new());
                            b"354 go ahead\r\n"
                        }
                        "QUIT" => {
                            write.write_all(b"221 bye\r\n").await.unwrap();
                            return;
                        }
                        _ => b"250 ok\r\n",
                    };
                    write.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (url, mails)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codes_go_out_by_smtp_when_configured() {
    let (smtp_url, mails) = smtp_server().await;
    let app = TestApp::spawn_configured(Engine::Sqlite, |settings| {
        settings.smtp_url = Some(smtp_url);
        settings.smtp_from = "Codes <codes@users-api.test>".into();
    })
    .await;
    let suite = app.suite("demo");
    assert_eq!(suite.request_email_code("mail@example.com").await.status(), 204);
    assert!(eventually(10, || async { !mails.lock().unwrap().is_empty() }).await, "the stand-in got a mail");
    let mail = mails.lock().unwrap()[0].clone();
    assert!(mail.contains("To: mail@example.com") && mail.contains("From: Codes <codes@users-api.test>"), "{mail}");
    let code = digits(mail.split("\n\n").nth(1).unwrap_or_default()).unwrap();
    assert_eq!(suite.sign_in_email_code("mail@example.com", &code).await.status(), 200);
    assert!(app.codes_sent_to("mail@example.com").is_empty(), "nothing went to the file");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sms_gateway_sender_posts_and_failures_are_retried_later() {
    // a stand-in gateway: the first call fails, later ones succeed and are kept
    let calls = Arc::new(Mutex::new(Vec::<(String, Value)>::new()));
    let kept = calls.clone();
    let router = axum::Router::new().route(
        "/sms",
        axum::routing::post(move |headers: axum::http::HeaderMap, axum::Json(body): axum::Json<Value>| {
            let kept = kept.clone();
            async move {
                let auth = headers.get("authorization").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
                let mut calls = kept.lock().unwrap();
                calls.push((auth, body));
                if calls.len() == 1 { StatusCode::INTERNAL_SERVER_ERROR } else { StatusCode::ACCEPTED }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sms", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });

    let scratch = Scratch::new();
    let db = tests::database_url(Engine::Sqlite, &scratch).await;
    let store = tests::open_store(Engine::Sqlite, &db, store::StoreOptions::default()).await;
    let request = store::AppendRequest {
        stream_id: "thing-1".into(),
        stream_type: "thing".into(),
        expected_version: 0,
        events: vec![store::NewEvent {
            event_id: uuid::Uuid::now_v7(),
            event_type: "Made".into(),
            schema_version: 1,
            payload: json!({}),
        }],
        claims: vec![],
        metadata: store::Metadata::default(),
    };
    let message = store::OutboxMessage {
        id: "m1".into(),
        channel: "sms".into(),
        recipient: "+41790000000".into(),
        subject: "code".into(),
        body: "Your code is 123456".into(),
    };
    store.append_with_outbox(request, vec![message]).await.unwrap();
    let gateway: Arc<dyn MessageSender> = Arc::new(adapters::senders::SmsGatewaySender::new(&url, "gw-token"));
    let file: Arc<dyn MessageSender> = Arc::new(adapters::senders::FileSender::new(scratch.0.join("out.jsonl")));
    let senders = commands::ports::Senders { email: file, sms: gateway };

    assert_eq!(commands::outbox::dispatch_once(store.as_ref(), &senders).await.unwrap(), 0, "the gateway failed");
    assert_eq!(commands::outbox::dispatch_once(store.as_ref(), &senders).await.unwrap(), 0, "not due again yet");
    let (attempts, error): (i32, Option<String>) =
        store.db().fetch_optional("select attempts, last_error from outbox", &[]).await.unwrap().unwrap();
    assert_eq!(attempts, 1);
    assert!(error.unwrap().contains("500"));
    store.db().execute("update outbox set due_at = '2000-01-01T00:00:00.000000Z'", &[]).await.unwrap();
    assert_eq!(commands::outbox::dispatch_once(store.as_ref(), &senders).await.unwrap(), 1);
    let calls = calls.lock().unwrap();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[1].0, "Bearer gw-token");
    assert_eq!(calls[1].1, json!({"to": "+41790000000", "text": "Your code is 123456"}));
    assert!(!scratch.0.join("out.jsonl").exists(), "sms never went to the email sender");
}

both_engines!(a_phone_code_from_the_sms_gateway_signs_in_and_creates_the_account, |engine| async move {
    // the stand-in gateway keeps every SMS
    let texts = Arc::new(Mutex::new(Vec::<Value>::new()));
    let kept = texts.clone();
    let router = axum::Router::new().route(
        "/sms",
        axum::routing::post(move |axum::Json(body): axum::Json<Value>| {
            let kept = kept.clone();
            async move {
                kept.lock().unwrap().push(body);
                StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let gateway = format!("http://{}/sms", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });

    let app = TestApp::spawn_configured(engine, |settings| {
        settings.sms_gateway_url = Some(gateway);
        settings.sms_gateway_token = Some("gw".into());
    })
    .await;
    let suite = app.suite("demo");

    let phone = "+41 79 123 45 67";
    assert_eq!(suite.request_phone_code(phone).await.status(), 204);
    assert!(eventually(10, || async { !texts.lock().unwrap().is_empty() }).await, "the gateway got the SMS");
    let sms = texts.lock().unwrap()[0].clone();
    assert_eq!(sms["to"], "+41791234567");
    let code = digits(sms["text"].as_str().unwrap()).unwrap();

    assert_eq!(suite_error(suite.sign_in_phone_code("+41791234567", "000000").await).await.1, "A207");
    let tokens = Tokens::of(suite.sign_in_phone_code("+41791234567", &code).await).await;
    let me = suite.me(&tokens.access).await;
    assert_eq!(me["phoneNumber"], "+41791234567");
    assert!(me.get("email").is_none(), "{me}");
    assert!(app.codes_sent_to("+41791234567").is_empty(), "SMS did not go to the file");

    let bad = suite.request_phone_code("12345").await;
    assert_eq!(suite_error(bad).await, (StatusCode::BAD_REQUEST, "U130.4".into()));
});

/// Keeps what it is asked to send: a test's own adapter of the sender port.
#[derive(Default)]
struct Recorder(Mutex<Vec<commands::ports::OutgoingMessage>>);

#[async_trait::async_trait]
impl MessageSender for Recorder {
    async fn send(&self, m: &commands::ports::OutgoingMessage) -> Result<(), commands::ports::SendError> {
        self.0.lock().unwrap().push(m.clone());
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_test_can_swap_the_email_sender() {
    let recorder = Arc::new(Recorder::default());
    let scratch = Scratch::new();
    let mut settings = api::Settings::for_data_dir(scratch.0.join("data"));
    settings.database_url = Some(tests::database_url(Engine::Sqlite, &scratch).await);
    let email: Arc<dyn MessageSender> = recorder.clone();
    let adapters = api::startup::Adapters { email: Some(email), ..Default::default() };
    let app = TestApp::spawn_with_adapters(settings, scratch, adapters).await;
    let suite = app.suite("demo");
    assert_eq!(suite.request_email_code("swap@example.com").await.status(), 204);
    assert!(eventually(10, || async { !recorder.0.lock().unwrap().is_empty() }).await, "the recorder got it");
    let code = digits(&recorder.0.lock().unwrap()[0].body).unwrap();
    assert_eq!(suite.sign_in_email_code("swap@example.com", &code).await.status(), 200);
    assert!(app.codes_sent_to("swap@example.com").is_empty(), "nothing went to the file");
}
