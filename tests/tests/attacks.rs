//! The security review's attacks, each performed black-box against the real server: every test
//! here failed before its fix.
#![allow(clippy::unwrap_used)]

use reqwest::StatusCode;
use serde_json::{Value, json};
use tests::coord::coord_error;
use tests::legacy::legacy_error;
use tests::suite::{Tokens, suite_error};
use tests::{TestApp, both_engines};

// A refresh token minted in one dialect used to mint access tokens of another (the legacy and
// suite dialects serve the same tenant here). Now it is as unknown there as a made-up token, and
// presenting it there neither rotates nor revokes its session.
both_engines!(a_refresh_token_works_only_in_the_dialect_that_issued_it, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let (suite, legacy) = (app.suite("demo"), app.legacy());

    let legacy_user = legacy.registered("lena").await;
    let legacy_refresh = legacy_user["refreshToken"].as_str().unwrap();
    assert_eq!(suite_error(suite.refresh(legacy_refresh).await).await, (StatusCode::UNAUTHORIZED, "A205".into()));

    let suite_user = suite.signed_in("sam@example.com").await;
    assert_eq!(
        legacy_error(legacy.refresh(&suite_user.refresh).await).await,
        (StatusCode::BAD_REQUEST, "invalid_refresh_token".into())
    );

    // both tokens still work where they were issued: nothing was rotated or revoked
    let res = legacy.refresh(legacy_refresh).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(legacy.is_logged(body["access_token"].as_str().unwrap()).await.status(), 200);
    let Tokens { access, .. } = Tokens::of(suite.refresh(&suite_user.refresh).await).await;
    assert_eq!(suite.customer(&access).await.status(), 200);
});

// Ten wrong passwords sent at once were all checked (each read the account before any failure
// was recorded): an attacker got ten guesses where the lockout allows five. Now the checks of
// one account take turns, and the ones after the lock are refused unchecked.
both_engines!(parallel_wrong_passwords_get_no_more_guesses_than_the_lockout_allows, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let suite = app.suite("demo");
    let user = suite.signed_up("vic@example.com").await;
    let suite = &suite;
    let guesses = (0..10).map(|i| async move {
        let guess = format!("guess number {i}");
        suite_error(suite.sign_in("vic@example.com", &guess).await).await
    });
    let answers = futures_util::future::join_all(guesses).await;
    let checked = answers.iter().filter(|a| **a == (StatusCode::UNAUTHORIZED, "A201".to_owned())).count();
    let locked = answers.iter().filter(|a| **a == (StatusCode::FORBIDDEN, "U131".to_owned())).count();
    // the fifth failure locks the account and says so; the four before it are plain failures
    assert_eq!((checked, locked), (4, 6), "{answers:?}");
    let stream = format!("user-{user}");
    assert_eq!(app.events_of_type(&stream, "SignInFailed").await, 5);
    assert_eq!(app.events_of_type(&stream, "AccountLocked").await, 1);
});

// Five wrong passwords locked the account against every first factor, so anyone who knew an
// email could keep its owner out. Now the lock guards the password only: the owner still gets
// in with a code sent to the email.
both_engines!(a_lock_from_wrong_passwords_does_not_keep_the_owner_out_of_code_sign_in, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let suite = app.suite("demo");
    suite.signed_up("owner@example.com").await;
    for i in 0..5 {
        suite.sign_in("owner@example.com", &format!("attacker guess {i}")).await;
    }
    let right = suite.sign_in("owner@example.com", tests::suite::PASSWORD).await;
    assert_eq!(suite_error(right).await, (StatusCode::FORBIDDEN, "U131".into()), "the password is locked");

    assert_eq!(suite.request_email_code("owner@example.com").await.status(), 204);
    assert!(tests::eventually(10, || async { !app.codes_sent_to("owner@example.com").is_empty() }).await);
    let code = app.codes_sent_to("owner@example.com")[0].clone();
    let Tokens { access, .. } = Tokens::of(suite.sign_in_email_code("owner@example.com", &code).await).await;
    assert_eq!(suite.me(&access).await["email"], "owner@example.com");
});

// Sign-ups (an argon2 hash each), coord test tokens (a user and a session each, keyed by an
// access key that ships inside apps) and password-reset mails took any rate from anyone. Now
// they share a bucket per client address, and a refused request writes nothing.
both_engines!(anonymous_writes_are_limited_per_client_address, |engine| async move {
    let app = TestApp::spawn_configured(engine, |s| s.writes_per_minute = 3).await;
    let (suite, coord, legacy) = (app.suite("demo"), app.coord(), app.legacy());
    for i in 0..3 {
        let body = json!({"email": format!("s{i}@example.com"), "password": tests::suite::PASSWORD});
        assert_eq!(suite.sign_up(body).await.status(), 201);
    }
    let events = app.event_count().await;
    let over = suite.sign_up(json!({"email": "s9@example.com", "password": tests::suite::PASSWORD})).await;
    let wait: u64 = over.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert_eq!(suite_error(over).await, (StatusCode::TOO_MANY_REQUESTS, "REQ429".into()));
    let test_token = coord.create_test_jwt(json!({"email": "t@example.com"})).await;
    assert_eq!(coord_error(test_token).await, (StatusCode::TOO_MANY_REQUESTS, "rate_limited".into()));
    let register = legacy.register(tests::legacy::person("late")).await;
    assert_eq!(legacy_error(register).await, (StatusCode::TOO_MANY_REQUESTS, "rate_limited".into()));
    let reset = legacy.reset_password(json!({"email": "s0@example.com"})).await;
    assert_eq!(legacy_error(reset).await, (StatusCode::TOO_MANY_REQUESTS, "rate_limited".into()));
    assert_eq!(app.event_count().await, events, "refused requests append nothing");
    // a partner's backend minting with its server token is counted per partner, not here
    assert_eq!(coord.create_jwt(Some(&app.server_token), json!({"email": "p@example.com"})).await.status(), 200);
});

// Behind no trusted proxy a client could not pick its address, but behind one every client had
// the proxy's; and an IPv6 client had 2^64 addresses to rotate through. Now `X-Forwarded-For`
// is believed from the configured proxies only, and IPv6 clients are counted by their /64.
both_engines!(forwarded_addresses_count_behind_trusted_proxies_only_and_ipv6_by_its_64, |engine| async move {
    let sign_in = |app: &TestApp, forwarded: &str, n: u32| {
        let body = json!({"email": format!("nobody{n}@example.com"), "password": "not it at all"});
        app.post("/demo/auth/sign-in-email").header("x-forwarded-for", forwarded).json(&body).send()
    };
    // no trusted proxy: a made-up X-Forwarded-For changes nothing, the peer is counted
    let app = TestApp::spawn_configured(engine, |s| s.sign_in_per_minute = 2).await;
    assert_eq!(sign_in(&app, "198.51.100.1", 0).await.unwrap().status(), 401);
    assert_eq!(sign_in(&app, "198.51.100.2", 1).await.unwrap().status(), 401);
    assert_eq!(sign_in(&app, "198.51.100.3", 2).await.unwrap().status(), 429);

    let proxied = TestApp::spawn_configured(engine, |s| {
        s.sign_in_per_minute = 2;
        s.trusted_proxies = "127.0.0.1".into();
    })
    .await;
    assert_eq!(sign_in(&proxied, "2001:db8:1:2::1", 0).await.unwrap().status(), 401);
    assert_eq!(sign_in(&proxied, "2001:db8:1:2:ffff::2", 1).await.unwrap().status(), 401);
    // the same /64, and a made-up hop left of the real one does not help
    assert_eq!(sign_in(&proxied, "2001:db8:9::9, 2001:db8:1:2::3", 2).await.unwrap().status(), 429);
    // another /64 and another IPv4 client each have a bucket of their own
    assert_eq!(sign_in(&proxied, "2001:db8:1:3::1", 3).await.unwrap().status(), 401);
    assert_eq!(sign_in(&proxied, "198.51.100.1", 4).await.unwrap().status(), 401);
});

// A spent bootstrap signature was remembered for exactly the window in which its timestamp is
// accepted, so a replay at the window's edge passed; and the window arithmetic subtracted
// timestamps unchecked, so a timestamp near i64::MIN overflowed (a panic, answered 500).
both_engines!(a_bootstrap_signature_cannot_be_replayed_at_the_window_edge, |engine| async move {
    let start = chrono::DateTime::parse_from_rfc3339("2026-12-03T10:00:00Z").unwrap().with_timezone(&chrono::Utc);
    let clock = std::sync::Arc::new(adapters::clock::FixedClock::at(start));
    let scratch = tests::Scratch::new();
    let mut settings = api::Settings::for_data_dir(scratch.0.join("data"));
    settings.database_url = Some(tests::database_url(engine, &scratch).await);
    let adapters = api::startup::Adapters { clock: Some(clock.clone()), ..Default::default() };
    let app = TestApp::spawn_with_adapters(settings, scratch, adapters).await;
    let suite = app.suite("demo");

    // signed with a timestamp as far ahead as is accepted, used at once
    let ahead = start.timestamp() + api::suite::bootstrap::WINDOW_SECS;
    let url = suite.bootstrap_url(tests::suite::EMAIL_CODE_BOOTSTRAP, "edge@example.com", ahead).await;
    let send = || app.client.post(&url).json(&json!({"email": "edge@example.com"})).send();
    assert_eq!(send().await.unwrap().status(), 204);
    // the last moment the timestamp is still accepted: twice the window after first use
    clock.set(start + chrono::Duration::milliseconds(2 * api::suite::bootstrap::WINDOW_SECS * 1000 + 500));
    assert_eq!(suite_error(send().await.unwrap()).await, (StatusCode::UNAUTHORIZED, "A213".into()), "a replay");

    let far = suite.url(&format!(
        "{}?timestamp={}&signature={}",
        tests::suite::EMAIL_CODE_BOOTSTRAP,
        i64::MIN,
        "0".repeat(64)
    ));
    let res = app.client.post(far).json(&json!({"email": "edge@example.com"})).send().await.unwrap();
    assert_eq!(suite_error(res).await, (StatusCode::UNAUTHORIZED, "A213".into()));
});

// Token responses and personal data went out without `Cache-Control`, so a shared browser or a
// caching proxy could keep them; the outbox file of codes was readable by every local user.
both_engines!(tokens_and_personal_data_are_never_cached_and_the_outbox_is_owner_only, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let (suite, coord, legacy) = (app.suite("demo"), app.coord(), app.legacy());
    let no_store = |res: &reqwest::Response| res.headers().get("cache-control").map(|v| v.to_str().unwrap().to_owned());
    suite.signed_up("cache@example.com").await;
    let signed_in = suite.sign_in("cache@example.com", tests::suite::PASSWORD).await;
    assert_eq!(no_store(&signed_in).as_deref(), Some("no-store"));
    let Tokens { access, refresh } = Tokens::of(signed_in).await;
    assert_eq!(no_store(&suite.customer(&access).await).as_deref(), Some("no-store"));
    assert_eq!(no_store(&suite.refresh(&refresh).await).as_deref(), Some("no-store"));
    assert_eq!(no_store(&coord.create_test_jwt(json!({"email": "c@example.com"})).await).as_deref(), Some("no-store"));
    assert_eq!(no_store(&legacy.register(tests::legacy::person("cachy")).await).as_deref(), Some("no-store"));
    let refused = suite.sign_in("cache@example.com", "wrong password").await;
    assert_eq!(no_store(&refused).as_deref(), Some("no-store"), "errors too");

    assert_eq!(suite.request_email_code("cache@example.com").await.status(), 204);
    assert!(tests::eventually(10, || async { !app.codes_sent_to("cache@example.com").is_empty() }).await);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(app.outbox_file()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
});

// An access token alone (stolen, or left in a shared browser) switched TOTP on with an
// authenticator of the thief's, locking the owner out of their own account. Now the password is
// asked again; a wrong one counts toward the lockout like any password guess.
both_engines!(a_stolen_access_token_cannot_switch_two_factor_on, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let suite = app.suite("demo");
    let Tokens { access, .. } = suite.signed_in("mallory-target@example.com").await;
    let issued: Value = suite.two_factor(&access, "2fa-secret", None).await.json().await.unwrap();
    let code = tests::totp_code(issued["secret"].as_str().unwrap(), chrono::Utc::now().timestamp());
    let enable = |body: Value| suite.two_factor(&access, "2fa-enable", Some(body));
    let token_only = enable(json!({"code": code})).await;
    assert_eq!(suite_error(token_only).await, (StatusCode::UNAUTHORIZED, "A201".into()));
    let guessed = enable(json!({"code": code, "password": "a guess"})).await;
    assert_eq!(suite_error(guessed).await, (StatusCode::UNAUTHORIZED, "A201".into()));
    let user = format!("user-{}", tests::claims(&access)["sub"].as_str().unwrap());
    assert_eq!(app.events_of_type(&user, "TotpEnabled").await, 0);
    assert_eq!(app.events_of_type(&user, "SignInFailed").await, 1, "the guess counts, the missing password not");
    // the owner, who knows the password, can
    let owner = enable(json!({"code": code, "password": tests::suite::PASSWORD})).await;
    assert_eq!(owner.status(), 200);
});

// Account pre-hijacking: someone signed up with a victim's email and a password of their own
// (and turned TOTP on); when the victim later signed in with a code sent to that email, they
// landed in the same account, and the first person's password, TOTP and sessions kept working.
// Now the email's first proof removes the credentials nobody had proven and ends every session.
both_engines!(proving_an_email_evicts_whoever_set_credentials_on_it_before, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let suite = app.suite("demo");
    let email = "victim@example.com";
    let user = suite.signed_up(email).await;
    let attacker = Tokens::of(suite.sign_in(email, tests::suite::PASSWORD).await).await;
    let issued: Value = suite.two_factor(&attacker.access, "2fa-secret", None).await.json().await.unwrap();
    let code = tests::totp_code(issued["secret"].as_str().unwrap(), chrono::Utc::now().timestamp());
    let body = json!({"code": code, "password": tests::suite::PASSWORD});
    assert_eq!(suite.two_factor(&attacker.access, "2fa-enable", Some(body)).await.status(), 200);
    let two_factor_on = format!("select count(*) from user_view where user_id = '{user}' and otp_enabled");
    assert_eq!(app.count(&two_factor_on).await, 1);

    // the owner proves the email with a code and gets straight in: no second factor of someone else's
    assert_eq!(suite.request_email_code(email).await.status(), 204);
    assert!(tests::eventually(10, || async { !app.codes_sent_to(email).is_empty() }).await);
    let code = app.codes_sent_to(email)[0].clone();
    let owner = Tokens::of(suite.sign_in_email_code(email, &code).await).await;
    assert_eq!(suite.me(&owner.access).await["uuid"], user.as_str());

    // the first person's password, session and refresh token are dead
    assert_eq!(suite_error(suite.sign_in(email, tests::suite::PASSWORD).await).await.1, "A201");
    assert_eq!(suite.customer(&attacker.access).await.status(), 401);
    assert_eq!(suite.refresh(&attacker.refresh).await.status(), 401);
    let stream = format!("user-{user}");
    assert_eq!(app.events_of_type(&stream, "UnprovenCredentialsRemoved").await, 1);
    assert_eq!(app.events_of_type(&stream, "EmailProven").await, 1);
    assert_eq!(app.count(&two_factor_on).await, 0, "the read model forgot the removed TOTP too");

    // the owner's own session is untouched, and a later proof removes nothing more
    assert_eq!(suite.customer(&owner.access).await.status(), 200);
    assert_eq!(suite.refresh(&owner.refresh).await.status(), 200);
});
