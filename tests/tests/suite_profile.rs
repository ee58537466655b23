//! The suite customer's profile: `GET /customers` with what this service knows, `PATCH
//! /customers` checking every field before writing anything, and `GET /customers/signed`
//! verifiable through the JWKS. Black-box over HTTP on both engines.
#![allow(clippy::unwrap_used)]

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tests::suite::{PASSWORD, Tokens, suite_error};
use tests::{TestApp, both_engines};

async fn signed_in(app: &TestApp, email: &str) -> (String, String) {
    let suite = app.suite("demo");
    let uuid = suite.signed_up(email).await;
    (uuid, Tokens::of(suite.sign_in(email, PASSWORD).await).await.access)
}

async fn patch(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    let url = app.suite("demo").url("/front/customers");
    app.client.patch(url).bearer_auth(token).json(&body).send().await.unwrap()
}

both_engines!(a_customer_edits_the_profile, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let (uuid, token) = signed_in(&app, "ann@example.com").await;
    let before = app.suite("demo").me(&token).await;
    assert_eq!(before["uuid"], uuid.as_str());
    assert_eq!((before["emailIsVerified"].clone(), before["phoneIsVerified"].clone()), (json!(false), json!(false)));
    assert!(before.get("birthDate").is_none() && before.get("address").is_none(), "null fields are left out: {before}");

    let res = patch(
        &app,
        &token,
        json!({
            "firstName": " Ann ", "lastName": "Muster", "birthDate": "1990-04-01", "language": "fr-ch",
            "address": {"street": "Bahnhofstrasse 1", "zip": "8001", "city": "Zürich", "country": "ch"},
            "phoneNumber": "+41791234567", "customProperties": {"club": "gold"}
        }),
    )
    .await;
    assert_eq!(res.status(), 200);
    let after: Value = res.json().await.unwrap();
    assert_eq!((after["firstName"].clone(), after["lastName"].clone()), (json!("Ann"), json!("Muster")));
    assert_eq!((after["birthDate"].clone(), after["language"].clone()), (json!("1990-04-01"), json!("fr-CH")));
    assert_eq!(
        after["address"],
        json!({"street": "Bahnhofstrasse 1", "zip": "8001", "city": "Zürich", "country": "CH"})
    );
    assert_eq!((after["phoneNumber"].clone(), after["phoneIsVerified"].clone()), (json!("+41791234567"), json!(false)));
    assert_eq!(after["customProperties"], json!({"club": "gold"}));
    assert_eq!(app.suite("demo").me(&token).await, after, "GET answers what PATCH answered");

    // a field left out stays; null removes it
    let res = patch(&app, &token, json!({"address": null, "lastName": "Meier"})).await;
    let body: Value = res.json().await.unwrap();
    assert!(body.get("address").is_none());
    assert_eq!((body["lastName"].clone(), body["firstName"].clone()), (json!("Meier"), json!("Ann")));

    // a new email: unproven, and the old one is free again
    let body: Value = patch(&app, &token, json!({"email": "ann@new.example"})).await.json().await.unwrap();
    assert_eq!((body["email"].clone(), body["emailIsVerified"].clone()), (json!("ann@new.example"), json!(false)));
    app.suite("demo").signed_up("ann@example.com").await;
    assert_eq!(app.suite("demo").sign_in("ann@new.example", PASSWORD).await.status(), 200);

    let report = app.state.store.rebuild(projections::by_name("user_view").unwrap()).await.unwrap();
    assert!(report.matched_live(), "{report:?}");
});

both_engines!(every_field_is_checked_and_a_refusal_writes_nothing, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let (uuid, token) = signed_in(&app, "bea@example.com").await;
    let (_, other) = signed_in(&app, "carl@example.com").await;
    patch(&app, &other, json!({"phoneNumber": "+41790000001"})).await;
    let stream = format!("user-{uuid}");
    let events = app.stream(&stream).await.len();
    let address = |drop: &str| {
        let mut a = json!({"street": "s 1", "zip": "8001", "city": "Zürich", "country": "CH"});
        a.as_object_mut().unwrap().remove(drop);
        json!({ "address": a })
    };
    let cases = [
        (json!({"email": "not an email"}), StatusCode::BAD_REQUEST, "U130.3"),
        (json!({"phoneNumber": "0791234567"}), StatusCode::BAD_REQUEST, "U130.4"),
        (json!({"firstName": "  "}), StatusCode::BAD_REQUEST, "U130.5"),
        (json!({"lastName": "x".repeat(101)}), StatusCode::BAD_REQUEST, "U130.6"),
        (json!({"birthDate": "2999-01-01"}), StatusCode::BAD_REQUEST, "U130.7"),
        (json!({"birthDate": "01.04.1990"}), StatusCode::BAD_REQUEST, "U130.7"),
        (
            json!({"birthDate": (chrono::Utc::now() - chrono::Duration::days(365 * 10)).format("%Y-%m-%d").to_string()}),
            StatusCode::BAD_REQUEST,
            "U132",
        ),
        (json!({"birthDate": "1890-01-01"}), StatusCode::BAD_REQUEST, "U133"),
        (address("street"), StatusCode::BAD_REQUEST, "U135"),
        (address("zip"), StatusCode::BAD_REQUEST, "U136"),
        (address("city"), StatusCode::BAD_REQUEST, "U137"),
        (address("country"), StatusCode::BAD_REQUEST, "U138"),
        (
            json!({"address": {"street": "s", "zip": "1", "city": "c", "country": "ZZ"}}),
            StatusCode::BAD_REQUEST,
            "U111",
        ),
        (json!({"language": "german"}), StatusCode::BAD_REQUEST, "REQ400"),
        (json!({"customProperties": {"k": 1}}), StatusCode::BAD_REQUEST, "REQ400"),
        (json!({"nickname": "b"}), StatusCode::BAD_REQUEST, "REQ400"),
        (json!({"uuid": "00000000-0000-0000-0000-000000000000"}), StatusCode::FORBIDDEN, "U120"),
        (json!({"emailIsVerified": true}), StatusCode::FORBIDDEN, "U120"),
        (json!({"blockState": "NOT_BLOCKED"}), StatusCode::FORBIDDEN, "U120"),
        (json!({"email": null}), StatusCode::FORBIDDEN, "U120"),
        // a valid part with a taken value: the valid part is not written either
        (json!({"firstName": "Bea", "email": "carl@example.com"}), StatusCode::CONFLICT, "U141"),
        (json!({"firstName": "Bea", "phoneNumber": "+41790000001"}), StatusCode::CONFLICT, "U102"),
    ];
    for (body, status, code) in cases {
        let res = patch(&app, &token, body.clone()).await;
        assert_eq!(suite_error(res).await, (status, code.to_owned()), "{body}");
    }
    assert_eq!(app.stream(&stream).await.len(), events, "no refused patch wrote anything");
    assert!(app.suite("demo").me(&token).await.get("firstName").is_none());
});

both_engines!(a_phone_account_keeps_a_way_to_sign_in, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let suite = app.suite("demo");
    assert_eq!(suite.request_phone_code("+41795550000").await.status(), 204);
    assert!(tests::eventually(10, || async { !app.codes_sent_to("+41795550000").is_empty() }).await);
    let code = app.codes_sent_to("+41795550000").pop().unwrap();
    let token = Tokens::of(suite.sign_in_phone_code("+41795550000", &code).await).await.access;
    let me = suite.me(&token).await;
    assert_eq!(me["phoneIsVerified"], true, "the sign-up code proved the number: {me}");
    let res = patch(&app, &token, json!({"phoneNumber": null})).await;
    assert_eq!(suite_error(res).await, (StatusCode::BAD_REQUEST, "U130.2".into()));
    let res = patch(&app, &token, json!({"email": "phone@example.com", "phoneNumber": null})).await;
    assert_eq!(res.status(), 200, "with an email, the number may go");
});

both_engines!(the_signed_profile_verifies_with_the_jwks, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let (uuid, token) = signed_in(&app, "dora@example.com").await;
    patch(&app, &token, json!({"firstName": "Dora"})).await;
    let res = app.suite("demo").get("/front/customers/signed").bearer_auth(&token).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let signed = res.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned();
    let header = jsonwebtoken::decode_header(&signed).unwrap();
    let jwks: Value = app.get("/.well-known/jwks.json").send().await.unwrap().json().await.unwrap();
    let jwk = jwks["keys"].as_array().unwrap().iter().find(|k| k["kid"].as_str() == header.kid.as_deref()).unwrap();
    let key = DecodingKey::from_ed_components(jwk["x"].as_str().unwrap()).unwrap();
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.set_audience(&["demo-profile"]);
    let claims = jsonwebtoken::decode::<Value>(&signed, &key, &validation).unwrap().claims;
    assert_eq!(
        (claims["sub"].clone(), claims["uuid"].clone(), claims["firstName"].clone()),
        (json!(uuid), json!(uuid), json!("Dora"))
    );
    assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 300);
    // a tampered profile does not verify
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut parts: Vec<String> = signed.split('.').map(str::to_owned).collect();
    let mut forged: Value = serde_json::from_slice(&b64.decode(&parts[1]).unwrap()).unwrap();
    forged["firstName"] = json!("Mallory");
    parts[1] = b64.encode(serde_json::to_vec(&forged).unwrap());
    assert!(jsonwebtoken::decode::<Value>(&parts.join("."), &key, &validation).is_err());
});
