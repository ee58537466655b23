//! The legacy dialect's profile routes: `POST /api/users/update` (username, email, password,
//! `info`, all or nothing), the public `GET /api/users/show/{id}` and `GET /api/bucket`,
//! black-box over HTTP on both engines.
#![allow(clippy::unwrap_used)]

use reqwest::StatusCode;
use serde_json::{Value, json};
use tests::legacy::{PASSWORD, legacy_error};
use tests::{TestApp, both_engines};

/// The `msg` of a legacy error, with its status and code.
async fn answer(res: reqwest::Response) -> (StatusCode, String, String) {
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    (status, body["code"].as_str().unwrap_or_default().to_owned(), body["msg"].as_str().unwrap_or_default().to_owned())
}

both_engines!(update_changes_the_username_email_and_info_and_answers_the_user, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let legacy = app.legacy();
    let ann = legacy.registered("ann").await;
    let access = ann["access_token"].as_str().unwrap().to_owned();
    let body = json!({"username": "Annie", "email": "annie@example.com", "info": {"role": "CTO", "company": ""}});
    let res = legacy.update(&access, body).await;
    assert_eq!(res.status(), 200);
    let user: Value = res.json().await.unwrap();
    assert_eq!((user["username"].clone(), user["email"].clone()), (json!("Annie"), json!("annie@example.com")));
    assert_eq!((user["role"].clone(), user.get("company")), (json!("CTO"), None), "an empty company removes it");
    assert_eq!(user["_id"], ann["user"]["_id"]);
    let me: Value = legacy.is_logged(&access).await.json().await.unwrap();
    assert_eq!(me, user, "the same model as isLogged");
    // the old username and email are free again; a change of case only is the same name
    let mut again = tests::legacy::person("ann");
    again["username"] = json!("ANN");
    assert_eq!(legacy.register(again).await.status(), 200);
    let recased = legacy.update(&access, json!({"username": "ANNIE"})).await;
    assert_eq!(recased.json::<Value>().await.unwrap()["username"], "ANNIE");
    // the password grant knows the new email and username
    assert_eq!(legacy.password_grant("annie@example.com", PASSWORD).await.status(), 200);
    assert_eq!(legacy.password_grant("annie", PASSWORD).await.status(), 200);
});

both_engines!(update_refuses_with_the_original_codes_and_writes_nothing, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let legacy = app.legacy();
    let ann = legacy.registered("ann").await;
    legacy.registered("bob").await;
    let access = ann["access_token"].as_str().unwrap().to_owned();
    let stream = format!("user-{}", ann["user"]["_id"].as_str().unwrap());
    let before = app.stream(&stream).await.len();

    let cases = [
        (json!({}), StatusCode::BAD_REQUEST, "invalid_body"),
        (json!({"info": {}}), StatusCode::BAD_REQUEST, "invalid_body"),
        (json!({"old_password": PASSWORD}), StatusCode::FORBIDDEN, "new_password_required"),
        (json!({"new_password": "a brand new one"}), StatusCode::BAD_REQUEST, "invalid_body"),
        (json!({"old_password": PASSWORD, "new_password": "short"}), StatusCode::BAD_REQUEST, "weak_password"),
        (json!({"username": "a b"}), StatusCode::BAD_REQUEST, "invalid_body"),
        (json!({"email": "not an email"}), StatusCode::BAD_REQUEST, "invalid_email"),
        (json!({"info": {"role": "x".repeat(101)}}), StatusCode::BAD_REQUEST, "invalid_body"),
        // a free username beside a taken email: neither is written
        (json!({"username": "ann2", "email": "BOB@example.com"}), StatusCode::CONFLICT, "conflict"),
        (json!({"username": "Bob", "info": {"company": "Other"}}), StatusCode::CONFLICT, "conflict"),
    ];
    for (body, status, code) in cases {
        assert_eq!(legacy_error(legacy.update(&access, body.clone()).await).await, (status, code.into()), "{body}");
    }
    let (_, _, msg) = answer(legacy.update(&access, json!({})).await).await;
    assert_eq!(msg, "missing parameters, no data to update");
    let (_, _, msg) = answer(legacy.update(&access, json!({"old_password": PASSWORD})).await).await;
    assert_eq!(msg, "when updating the password, it need a new one");
    let (_, _, msg) = answer(legacy.update(&access, json!({"email": "bob@example.com"})).await).await;
    assert_eq!(msg, "when updating email or username another user already have one of those two");
    assert_eq!(app.stream(&stream).await.len(), before, "nothing appended");

    // a wrong old password: 406, nothing changed, but the guess counts toward the lockout
    let wrong = json!({"username": "ann3", "old_password": "not the password", "new_password": "a brand new one"});
    let (status, code, msg) = answer(legacy.update(&access, wrong.clone()).await).await;
    assert_eq!(
        (status, code.as_str(), msg.as_str()),
        (StatusCode::NOT_ACCEPTABLE, "wrong_password", "when updating the password, the old one is false")
    );
    assert_eq!(app.events_of_type(&stream, "SignInFailed").await, 1);
    assert_eq!(app.stream(&stream).await.len(), before + 1);
    let me: Value = legacy.is_logged(&access).await.json().await.unwrap();
    assert_eq!(me["username"], "ann");
    for _ in 0..3 {
        assert_eq!(legacy.update(&access, wrong.clone()).await.status(), StatusCode::NOT_ACCEPTABLE);
    }
    // the fifth locks the account: the right password is refused too
    let locked = legacy.update(&access, wrong).await;
    assert_eq!(legacy_error(locked).await, (StatusCode::FORBIDDEN, "account_locked".into()));
    let right = json!({"old_password": PASSWORD, "new_password": "a brand new one"});
    assert_eq!(legacy_error(legacy.update(&access, right).await).await.1, "account_locked");
    assert_eq!(legacy_error(legacy.password_grant("ann", PASSWORD).await).await.1, "account_locked");
});

both_engines!(a_password_change_ends_every_other_session_but_not_the_callers, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let legacy = app.legacy();
    let ann = legacy.registered("ann").await;
    let access = ann["access_token"].as_str().unwrap().to_owned();
    let refresh = ann["refreshToken"].as_str().unwrap().to_owned();
    let (other_access, other_refresh) = legacy.signed_in("ann", PASSWORD).await;
    let suite_access =
        app.suite("demo").sign_in("ann@example.com", PASSWORD).await.json::<Value>().await.unwrap()["accessToken"]
            .as_str()
            .unwrap()
            .to_owned();

    let change = json!({"old_password": PASSWORD, "new_password": "a brand new one"});
    assert_eq!(legacy.update(&access, change).await.status(), 200);
    assert_eq!(legacy.is_logged(&access).await.status(), 200, "the caller's session stays");
    assert_eq!(legacy.refresh(&refresh).await.status(), 200);
    assert_eq!(
        legacy_error(legacy.is_logged(&other_access).await).await,
        (StatusCode::UNAUTHORIZED, "session_ended".into())
    );
    assert_eq!(legacy_error(legacy.refresh(&other_refresh).await).await.1, "invalid_refresh_token");
    let customer = app.suite("demo").get("/front/customers").bearer_auth(&suite_access).send().await.unwrap();
    assert_eq!(customer.status(), StatusCode::UNAUTHORIZED, "a suite session of the account ends too");
    assert_eq!(legacy_error(legacy.password_grant("ann", PASSWORD).await).await.1, "invalid_credentials");
    assert_eq!(legacy.password_grant("ann", "a brand new one").await.status(), 200);
    let stream = format!("user-{}", ann["user"]["_id"].as_str().unwrap());
    let changed = app.stream(&stream).await.into_iter().find(|e| e.event_type == "PasswordChanged").unwrap();
    assert_eq!(changed.payload["reason"], "change");
});

both_engines!(show_tells_the_email_and_username_of_a_registered_account_only, |engine| async move {
    let app = TestApp::spawn_configured(engine, |s| s.lookups_per_minute = 7).await;
    let legacy = app.legacy();
    let ann = legacy.registered("ann").await;
    let id = ann["user"]["_id"].as_str().unwrap();
    let res = legacy.show(id).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap(), json!({"email": "ann@example.com", "username": "ann"}));
    let (status, code, msg) = answer(legacy.show("not-a-uuid").await).await;
    assert_eq!(
        (status, code.as_str(), msg.as_str()),
        (StatusCode::BAD_REQUEST, "invalid_body", "invalid parameters (no id provided)")
    );
    assert_eq!(legacy_error(legacy.show("").await).await.0, StatusCode::BAD_REQUEST);
    let (status, code, msg) = answer(legacy.show(&uuid::Uuid::now_v7().to_string()).await).await;
    assert_eq!(
        (status, code.as_str(), msg.as_str()),
        (StatusCode::NOT_FOUND, "unknown_user", "no user account where found")
    );
    // a suite customer of the same tenant has no username: not a registered account here
    let customer = app.suite("demo").signed_up("sue@example.com").await;
    assert_eq!(legacy_error(legacy.show(&customer).await).await.0, StatusCode::NOT_FOUND);
    // 5 look-ups so far; the bucket holds 7
    assert_eq!(legacy.show(id).await.status(), 200);
    assert_eq!(legacy.show(id).await.status(), 200);
    let limited = legacy.show(id).await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers().contains_key("retry-after"));
    assert_eq!(legacy_error(limited).await.1, "rate_limited");
});

both_engines!(the_bucket_list_is_empty_for_a_signed_in_user, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let legacy = app.legacy();
    let ann = legacy.registered("ann").await;
    let res = app.get("/api/bucket").bearer_auth(ann["access_token"].as_str().unwrap()).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap(), json!([]));
    let anonymous = app.get("/api/bucket").send().await.unwrap();
    assert_eq!(legacy_error(anonymous).await, (StatusCode::UNAUTHORIZED, "missing_token".into()));
});
