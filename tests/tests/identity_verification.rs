//! Identity verification in the suite dialect, black-box on both engines: a customer starts a
//! licence or identity-document verification (`POST /verification/init`), an operator decides it
//! (`users-api verification`, parsed and run as the binary does), or the provider does and
//! `GET /customers` records it; the manual verification; the checks of the request; and the
//! whole server configured for Veriff, against a stand-in Veriff the test starts.
#![allow(clippy::unwrap_used)]

use adapters::sandbox::SandboxIdentityVerification;
use adapters::veriff::standin::{API_KEY, SHARED_SECRET, VeriffStandIn};
use clap::Parser;
use commands::ports::identity::VerificationStatus;
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use tests::suite::{PASSWORD, Tokens, suite_error};
use tests::{Engine, Scratch, TestApp, both_engines};

const BACK: &str = "https://app.example/verified";

/// A signed-up, signed-in customer: the uuid and the access token.
async fn customer(app: &TestApp, email: &str) -> (String, String) {
    let suite = app.suite("demo");
    let uuid = suite.signed_up(email).await;
    (uuid, Tokens::of(suite.sign_in(email, PASSWORD).await).await.access)
}

async fn init(app: &TestApp, access: &str, body: Value) -> Response {
    app.suite("demo").post("/front/verification/init").bearer_auth(access).json(&body).send().await.unwrap()
}

/// The session `init` answered, checked to be pending.
async fn started(app: &TestApp, access: &str, kind: &str) -> Value {
    let res = init(app, access, json!({ "type": kind, "returnUrl": BACK })).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    let named = kind.to_ascii_uppercase();
    assert_eq!((body["type"].as_str(), body["state"].as_str()), (Some(named.as_str()), Some("PENDING")), "{body}");
    body
}

/// The three verification states `GET /customers` shows: licence, identity document, manual.
async fn states(app: &TestApp, access: &str) -> [String; 3] {
    let me = app.suite("demo").me(access).await;
    ["licenseVerificationState", "idVerificationState", "manualVerificationState"]
        .map(|f| me[f].as_str().unwrap_or_else(|| panic!("{f} in {me}")).to_owned())
}

/// `users-api verification <args…>`, parsed and run as the binary runs it, on the app's database.
async fn operator(app: &TestApp, args: &[&str]) -> anyhow::Result<Value> {
    let argv = ["users-api", "verification"].into_iter().chain(args.iter().copied());
    let cli = api::cli::Cli::try_parse_from(argv).unwrap();
    let Some(api::cli::Command::Verification { user, command }) = cli.command else { panic!("{args:?}") };
    let (idv, adapters) = (Default::default(), Default::default());
    api::cli_verification::run(app.state.store.clone(), &idv, &adapters, user, command).await
}

async fn user_view_rebuilds_equal(app: &TestApp) {
    let view = projections::by_name("user_view").unwrap();
    let report = app.state.store.rebuild(view.clone()).await.unwrap();
    assert!(report.matched_live(), "{report:?}");
}

both_engines!(a_licence_is_verified_by_the_operator, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let (uuid, access) = customer(&app, "ann@example.com").await;
    assert_eq!(states(&app, &access).await, ["NOT_STARTED", "NOT_STARTED", "NOT_STARTED"]);

    let session = started(&app, &access, "LICENSE").await;
    let id = session["verificationId"].as_str().unwrap().to_owned();
    assert!(id.starts_with("vs_sandbox_license_"), "{session}");
    assert!(session["url"].as_str().unwrap().contains("return_url=https%3A%2F%2Fapp.example%2Fverified"));
    assert_eq!(states(&app, &access).await, ["PENDING", "NOT_STARTED", "NOT_STARTED"]);
    // while it is pending, init answers the same session, and starts nothing
    let again = started(&app, &access, "license").await;
    assert_eq!(again, session);
    let stream = format!("user-{uuid}");
    assert_eq!(app.events_of_type(&stream, "IdentityVerificationStarted").await, 1);

    let decided = operator(&app, &[uuid.as_str(), "approve"]).await.unwrap();
    assert_eq!(decided, json!({ "user": uuid, "type": "LICENSE", "verificationId": id, "state": "VERIFIED" }));
    assert_eq!(states(&app, &access).await, ["VERIFIED", "NOT_STARTED", "NOT_STARTED"]);
    let res = init(&app, &access, json!({ "type": "LICENSE", "returnUrl": BACK })).await;
    assert_eq!(suite_error(res).await, (StatusCode::CONFLICT, "U503".into()));
    let none = operator(&app, &[uuid.as_str(), "approve"]).await.unwrap_err();
    assert!(none.to_string().contains("no verification is pending"), "{none}");
    user_view_rebuilds_equal(&app).await;
});

both_engines!(a_rejection_keeps_its_reason_and_the_customer_may_start_again, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let (uuid, access) = customer(&app, "bo@example.com").await;
    let first = started(&app, &access, "ID").await;
    started(&app, &access, "LICENSE").await;
    let both = operator(&app, &[uuid.as_str(), "reject", "--reason", "document expired"]).await.unwrap_err();
    assert!(both.to_string().contains("--kind"), "{both}");
    let argv = ["users-api", "verification", uuid.as_str(), "reject", "--kind", "PASSPORT"];
    assert!(api::cli::Cli::try_parse_from(argv).is_err(), "a kind is LICENSE or ID");

    let decided =
        operator(&app, &[uuid.as_str(), "reject", "--kind", "ID", "--reason", "document expired"]).await.unwrap();
    assert_eq!((decided["type"].as_str(), decided["state"].as_str()), (Some("ID"), Some("REJECTED")));
    assert_eq!(states(&app, &access).await, ["PENDING", "REJECTED", "NOT_STARTED"]);
    let completed = app.stream(&format!("user-{uuid}")).await;
    let completed = completed.iter().find(|e| e.event_type == "IdentityVerificationCompleted").unwrap();
    assert_eq!(completed.payload["reason"], "document expired");
    assert_eq!(completed.payload["decided_by"], "operator");
    assert_eq!(completed.payload["verification_id"], first["verificationId"]);

    let second = started(&app, &access, "ID").await;
    assert_ne!(second["verificationId"], first["verificationId"], "a rejected kind starts a new session");
    assert_eq!(states(&app, &access).await, ["PENDING", "PENDING", "NOT_STARTED"]);
    user_view_rebuilds_equal(&app).await;
});

both_engines!(an_operator_records_a_manual_verification, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let (uuid, access) = customer(&app, "cy@example.com").await;
    let done = operator(&app, &[uuid.as_str(), "manual", "approve"]).await.unwrap();
    assert_eq!(done, json!({ "user": uuid, "manualVerificationState": "VERIFIED" }));
    assert_eq!(states(&app, &access).await, ["NOT_STARTED", "NOT_STARTED", "VERIFIED"]);
    operator(&app, &[uuid.as_str(), "manual", "reject", "--reason", "photo does not match"]).await.unwrap();
    assert_eq!(states(&app, &access).await[2], "REJECTED");
    // a state is the service's to set, not the customer's
    let patch = app.client.patch(app.suite("demo").url("/front/customers")).bearer_auth(&access);
    let patch = patch.json(&json!({ "manualVerificationState": "VERIFIED" })).send().await.unwrap();
    assert_eq!(suite_error(patch).await, (StatusCode::FORBIDDEN, "U120".into()));
    let stranger = uuid::Uuid::new_v4().to_string();
    assert!(operator(&app, &[stranger.as_str(), "manual", "approve"]).await.is_err(), "an unknown user");
    user_view_rebuilds_equal(&app).await;
});

both_engines!(init_checks_its_request_and_records_nothing_it_refuses, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let (uuid, access) = customer(&app, "di@example.com").await;
    let long = format!("https://app.example/{}", "a".repeat(2100));
    let cases = [
        (json!({ "type": "PASSPORT", "returnUrl": BACK }), "U501"),
        (json!({ "returnUrl": BACK }), "U501"),
        (json!({ "type": "ID" }), "U502"),
        (json!({ "type": "ID", "returnUrl": "ftp://app.example/back" }), "U502"),
        (json!({ "type": "ID", "returnUrl": "javascript:alert(1)" }), "U502"),
        (json!({ "type": "ID", "returnUrl": "/relative" }), "U502"),
        (json!({ "type": "ID", "returnUrl": long }), "U502"),
        (json!({ "type": 7, "returnUrl": BACK }), "REQ400"),
    ];
    for (body, code) in cases {
        let res = init(&app, &access, body.clone()).await;
        assert_eq!(suite_error(res).await, (StatusCode::BAD_REQUEST, code.to_owned()), "{body}");
    }
    let anonymous =
        app.suite("demo").post("/front/verification/init").json(&json!({ "type": "ID", "returnUrl": BACK }));
    assert_eq!(suite_error(anonymous.send().await.unwrap()).await, (StatusCode::UNAUTHORIZED, "A202".into()));
    assert_eq!(app.events_of_type(&format!("user-{uuid}"), "IdentityVerificationStarted").await, 0);
});

both_engines!(a_sandbox_decision_is_recorded_when_the_customer_is_read, |engine| async move {
    let sandbox = Arc::new(SandboxIdentityVerification::default());
    let scratch = Scratch::new();
    let mut settings = api::Settings::for_data_dir(scratch.0.join("data"));
    settings.database_url = Some(tests::database_url(engine, &scratch).await);
    let adapters = api::startup::Adapters { identity_verification: Some(sandbox.clone()), ..Default::default() };
    let app = TestApp::spawn_with_adapters(settings, scratch, adapters).await;
    let (uuid, access) = customer(&app, "eve@example.com").await;
    let session = started(&app, &access, "ID").await;
    assert_eq!(states(&app, &access).await[1], "PENDING", "asking the sandbox decides nothing");
    assert!(sandbox.decide(session["verificationId"].as_str().unwrap(), VerificationStatus::Verified));
    assert_eq!(states(&app, &access).await[1], "VERIFIED");
    let stream = app.stream(&format!("user-{uuid}")).await;
    let completed = stream.iter().find(|e| e.event_type == "IdentityVerificationCompleted").unwrap();
    assert_eq!(
        (completed.payload["decided_by"].as_str(), completed.payload["result"].as_str()),
        (Some("provider"), Some("verified"))
    );
    // the session id is personal data: encrypted in the log, a placeholder once the account is erased
    let payload = if engine == Engine::Postgres { "payload::text" } else { "payload" };
    let id = session["verificationId"].as_str().unwrap();
    assert_eq!(app.count(&format!("select count(*) from events where {payload} like '%{id}%'")).await, 0);
    let res = app.suite("demo").post("/front/customers/request-deletion").bearer_auth(&access).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let stream = app.stream(&format!("user-{uuid}")).await;
    let started = stream.iter().find(|e| e.event_type == "IdentityVerificationStarted").unwrap();
    assert_eq!(
        (started.payload["verification_id"].as_str(), started.payload["url"].as_str()),
        (Some("erased"), Some("erased"))
    );
});

/// The server with Veriff configured at `standin`, waiting at most `poll_millis` on reads.
async fn with_veriff(engine: Engine, standin: &VeriffStandIn, poll_millis: u64) -> TestApp {
    let base = standin.base.clone();
    TestApp::spawn_configured(engine, move |settings| {
        settings.idv.api_base = Some(base);
        settings.idv.api_key = Some(API_KEY.to_owned().into());
        settings.idv.shared_secret = Some(SHARED_SECRET.to_owned().into());
        settings.idv.poll_millis = poll_millis;
    })
    .await
}

both_engines!(the_server_speaks_veriff, |engine| async move {
    let standin = VeriffStandIn::start().await;
    let app = with_veriff(engine, &standin, 300).await;
    let (uuid, access) = customer(&app, "fay@example.com").await;
    let session = started(&app, &access, "LICENSE").await;
    let id = session["verificationId"].as_str().unwrap().to_owned();
    assert!(session["url"].as_str().unwrap().starts_with("https://alchemy.veriff.com/v/"), "{session}");
    let created = &standin.requests()[0];
    assert_eq!((created.method.as_str(), created.path.as_str()), ("POST", "/v1/sessions"));
    assert_eq!(created.header("x-auth-client"), Some(API_KEY));
    assert_eq!(
        created.body,
        json!({ "verification": { "callback": BACK, "document": { "type": "DRIVERS_LICENSE" }, "vendorData": uuid } })
    );

    // no decision yet; then Veriff declines, and the next read records it
    assert_eq!(states(&app, &access).await[0], "PENDING");
    let asked = standin.requests().pop().unwrap();
    assert_eq!(asked.path, format!("/v1/sessions/{id}/decision"));
    assert!(asked.header("x-hmac-signature").is_some_and(|s| s.len() == 64), "{asked:?}");
    standin.decide(&id, "declined", Some("Document expired"));
    assert_eq!(states(&app, &access).await[0], "REJECTED");
    let stream = app.stream(&format!("user-{uuid}")).await;
    let completed = stream.iter().find(|e| e.event_type == "IdentityVerificationCompleted").unwrap();
    assert_eq!(completed.payload["reason"], "Document expired");

    // a new session; a stalled Veriff does not hold the read beyond the poll's bound
    let second = started(&app, &access, "LICENSE").await;
    let second_id = second["verificationId"].as_str().unwrap().to_owned();
    assert_ne!(second_id, id);
    standin.stall_next(Duration::from_secs(5));
    let me = app.suite("demo").customer(&access).await;
    assert_eq!(me.status(), StatusCode::OK);
    assert_eq!(me.json::<Value>().await.unwrap()["licenseVerificationState"], "PENDING");
    standin.decide(&second_id, "approved", None);
    assert_eq!(states(&app, &access).await[0], "VERIFIED");

    // Veriff failing: 502 U505, and nothing recorded
    standin.fail_next(500, json!({ "status": "fail" }));
    let res = init(&app, &access, json!({ "type": "ID", "returnUrl": BACK })).await;
    assert_eq!(suite_error(res).await, (StatusCode::BAD_GATEWAY, "U505".into()));
    assert_eq!(states(&app, &access).await[1], "NOT_STARTED");
    assert!(standin.requests().iter().all(|r| !format!("{:?}", r.body).contains(SHARED_SECRET)));
    user_view_rebuilds_equal(&app).await;
});
