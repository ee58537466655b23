//! The wire format against the stand-in: the session request Veriff receives, the signed
//! decision request, what each decision reads as, and how failures map to the port's errors.
use super::standin::{API_KEY, SHARED_SECRET, VeriffStandIn};
use super::*;
use serde_json::json;

fn config(base: &str) -> VeriffConfig {
    VeriffConfig {
        api_base: base.to_owned(),
        api_key: SecretString::from(API_KEY),
        shared_secret: SecretString::from(SHARED_SECRET),
        timeout: Duration::from_secs(5),
    }
}

fn veriff(standin: &VeriffStandIn) -> VeriffVerification {
    VeriffVerification::new(config(&standin.base)).expect("valid config")
}

#[tokio::test]
async fn a_session_is_created_with_the_key_the_document_type_and_the_return_url() {
    let standin = VeriffStandIn::start().await;
    let started = veriff(&standin).start("user-1", VerificationKind::License, "https://app.example/back").await;
    let started = started.expect("created");
    assert!(started.url.starts_with("https://alchemy.veriff.com/v/"), "{}", started.url);
    let requests = standin.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!((&request.method, request.path.as_str()), (&Method::POST, "/v1/sessions"));
    assert_eq!(request.header("x-auth-client"), Some(API_KEY));
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(request.header("x-hmac-signature"), None, "a session start is not signed");
    assert_eq!(
        request.body,
        json!({"verification": {"callback": "https://app.example/back", "document": {"type": "DRIVERS_LICENSE"}, "vendorData": "user-1"}})
    );
    veriff(&standin).start("user-1", VerificationKind::Id, "https://app.example/back").await.expect("created");
    assert_eq!(standin.requests()[1].body["verification"]["document"]["type"], "ID_CARD");
}

#[tokio::test]
async fn a_decision_is_read_with_a_signed_request_and_mapped_to_the_port() {
    let standin = VeriffStandIn::start().await;
    let veriff = veriff(&standin);
    let id = veriff.start("user-1", VerificationKind::Id, "https://app.example/back").await.expect("created").id;
    assert_eq!(veriff.status(&id).await, Ok(VerificationStatus::Pending), "no decision yet");
    let request = standin.requests().pop().expect("a request");
    assert_eq!((&request.method, request.path.clone()), (&Method::GET, format!("/v1/sessions/{}/decision", id.0)));
    assert_eq!(
        request.header("x-hmac-signature"),
        Some(veriff.signature(id.0.as_bytes()).expect("sig").to_str().expect("ascii"))
    );
    let cases = [
        ("resubmission_requested", None, VerificationStatus::Pending),
        ("approved", None, VerificationStatus::Verified),
        ("declined", Some("Document expired"), VerificationStatus::Rejected { reason: "Document expired".into() }),
        ("declined", None, VerificationStatus::Rejected { reason: "declined".into() }),
        ("expired", None, VerificationStatus::Rejected { reason: "the session expired unfinished".into() }),
    ];
    for (status, reason, expected) in cases {
        standin.decide(&id.0, status, reason);
        assert_eq!(veriff.status(&id).await, Ok(expected), "{status}");
    }
}

#[tokio::test]
async fn failures_map_to_the_ports_errors_and_never_carry_the_secrets() {
    let standin = VeriffStandIn::start().await;
    let veriff = veriff(&standin);
    assert_eq!(veriff.status(&VerificationId("no-such-session".into())).await, Err(VerificationError::NotFound));
    standin.fail_next(503, json!({"status": "fail"}));
    let outage = veriff.start("u", VerificationKind::Id, "https://a.example").await;
    assert!(matches!(outage, Err(VerificationError::Unavailable(_))), "{outage:?}");
    standin.fail_next(400, json!({"status": "fail", "code": "1102", "message": format!("bad key {API_KEY}")}));
    let refused = veriff.start("u", VerificationKind::Id, "https://a.example").await;
    let Err(VerificationError::Refused(detail)) = refused else { panic!("{refused:?}") };
    assert!(detail.contains("1102") && !detail.contains(API_KEY), "{detail}");

    // a wrong key is refused by Veriff; a wrong secret fails the signature check
    let mut wrong = config(&standin.base);
    wrong.api_key = SecretString::from("not-the-key");
    let refused = VeriffVerification::new(wrong).expect("config").start("u", VerificationKind::Id, "https://a").await;
    assert!(matches!(refused, Err(VerificationError::Refused(ref d)) if d.starts_with("401")), "{refused:?}");
    let id = veriff.start("u", VerificationKind::Id, "https://a.example").await.expect("created").id;
    let mut wrong = config(&standin.base);
    wrong.shared_secret = SecretString::from("not-the-secret");
    let refused = VeriffVerification::new(wrong).expect("config").status(&id).await;
    assert!(matches!(refused, Err(VerificationError::Refused(ref d)) if d.starts_with("401")), "{refused:?}");

    // a stalled answer is an outage after the timeout; the debug output names no secret
    let mut quick = config(&standin.base);
    quick.timeout = Duration::from_millis(200);
    let quick = VeriffVerification::new(quick).expect("config");
    standin.stall_next(Duration::from_secs(2));
    let stalled = quick.status(&id).await;
    assert!(
        matches!(stalled, Err(VerificationError::Unavailable(ref r)) if r.contains("did not answer")),
        "{stalled:?}"
    );
    let debug = format!("{quick:?}");
    assert!(!debug.contains(API_KEY) && !debug.contains(SHARED_SECRET), "{debug}");
    assert!(VeriffVerification::new(config("ftp://veriff.example")).is_err());
}
