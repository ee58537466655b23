//! Partners' own JWTs in the coord dialect: a local issuer the test starts (an EC P-256 and an RSA
//! key, a JWKS server on a loopback port), configured for the demo partner through the CLI's
//! `partner … issuer` command; its tokens create the user on first sight, find it again, keep
//! its email and names up to date, and every forged, foreign or stale token is a 401.
#![allow(clippy::unwrap_used)]

use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use tests::coord::coord_error;
use tests::{Engine, TestApp, both_engines};

const ISSUER: &str = "https://login.partner.test/";
const OTHER_ISSUER: &str = "https://login.other-partner.test/";

/// A partner's identity provider: signs tokens with its keys, publishes them as a JWKS.
struct Issuer {
    ec: EncodingKey,
    rsa: EncodingKey,
    /// The RSA public key (PKCS#1 DER): what an attacker would pass off as an HMAC secret.
    rsa_public_der: Vec<u8>,
    jwks: Value,
    jwks_url: String,
}

impl Issuer {
    async fn start() -> Self {
        use p256::pkcs8::EncodePrivateKey as _;
        use rsa::pkcs1::{EncodeRsaPrivateKey as _, EncodeRsaPublicKey as _};
        let ec_der = p256::SecretKey::random(&mut rand::rngs::OsRng).to_pkcs8_der().unwrap();
        let ec = EncodingKey::from_ec_der(ec_der.as_bytes());
        let rsa_key = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).unwrap();
        let rsa = EncodingKey::from_rsa_der(rsa_key.to_pkcs1_der().unwrap().as_bytes());
        let rsa_public_der = rsa_key.to_public_key().to_pkcs1_der().unwrap().as_bytes().to_vec();
        let jwk = |key: &EncodingKey, alg, kid: &str| {
            let mut jwk = Jwk::from_encoding_key(key, alg).unwrap();
            jwk.common.key_id = Some(kid.into());
            jwk
        };
        let set = JwkSet { keys: vec![jwk(&ec, Algorithm::ES256, "ec-1"), jwk(&rsa, Algorithm::RS256, "rsa-1")] };
        let jwks = serde_json::to_value(&set).unwrap();
        let served = jwks.clone();
        let router = axum::Router::new().route(
            "/.well-known/jwks.json",
            axum::routing::get(move || {
                let served = served.clone();
                async move { axum::Json(served) }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let jwks_url = format!("http://{}/.well-known/jwks.json", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        Self { ec, rsa, rsa_public_der, jwks, jwks_url }
    }

    /// Claims of a token valid for five minutes.
    fn claims(iss: &str, sub: &str, email: Option<&str>) -> Value {
        let now = chrono::Utc::now().timestamp();
        let mut claims = json!({"iss": iss, "sub": sub, "iat": now, "exp": now + 300});
        if let Some(email) = email {
            claims["email"] = json!(email);
        }
        claims
    }

    fn sign_with(&self, alg: Algorithm, kid: Option<&str>, claims: &Value) -> String {
        let mut header = Header::new(alg);
        header.kid = kid.map(str::to_owned);
        let key = if alg == Algorithm::ES256 { &self.ec } else { &self.rsa };
        jsonwebtoken::encode(&header, claims, key).unwrap()
    }

    /// An ES256 token with these claims.
    fn sign(&self, claims: &Value) -> String {
        self.sign_with(Algorithm::ES256, Some("ec-1"), claims)
    }

    fn token(&self, sub: &str, email: Option<&str>) -> String {
        self.token_of(ISSUER, sub, email)
    }

    fn token_of(&self, iss: &str, sub: &str, email: Option<&str>) -> String {
        self.sign(&Self::claims(iss, sub, email))
    }
}

/// `users-api partner <PARTNER> issuer <ISS> --jwks-url <URL> [ARGS]`, run against the test
/// server's database as an operator would run it (the CLI's own argument parsing and command).
async fn configure(app: &TestApp, partner: &str, issuer: &str, jwks_url: &str, args: &[&str]) {
    let mut argv = vec!["partner", partner, "issuer", issuer, "--jwks-url", jwks_url];
    argv.extend_from_slice(args);
    run_cli(app, &argv).await;
}

/// `users-api ARGS` on the test server's database.
async fn run_cli(app: &TestApp, args: &[&str]) {
    let data_dir = app.scratch.0.join("data");
    let mut argv = vec!["users-api", "--data-dir", data_dir.to_str().unwrap(), "--database-url", &app.database_url];
    argv.extend_from_slice(args);
    let cli = <api::cli::Cli as clap::Parser>::try_parse_from(argv).unwrap();
    assert_eq!(api::cli::run(cli).await.unwrap(), std::process::ExitCode::SUCCESS);
}

async fn current(app: &TestApp, token: &str) -> Response {
    app.coord().current_user(token).await
}

async fn current_ok(app: &TestApp, token: &str) -> Value {
    let res = current(app, token).await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

async fn count_events(app: &TestApp, event_type: &str) -> i64 {
    app.count(&format!("select count(*) from events where event_type = '{event_type}'")).await
}

async fn refused(app: &TestApp, token: &str) -> (StatusCode, String) {
    coord_error(current(app, token).await).await
}

both_engines!(a_partner_token_creates_finds_and_updates_its_user, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let idp = Issuer::start().await;
    configure(&app, "demo-partner", ISSUER, &idp.jwks_url, &[]).await;

    // first sight: the user is created with the token's email and names
    let mut claims = Issuer::claims(ISSUER, "auth0|ann", Some("Ann@Partner.test"));
    claims["given_name"] = json!("Ann");
    claims["family_name"] = json!("Lee");
    let first = idp.sign(&claims);
    let user = current_ok(&app, &first).await;
    assert_eq!((user["email"].as_str(), user["first_name"].as_str()), (Some("ann@partner.test"), Some("Ann")));
    assert_eq!(user["last_name"], "Lee");
    assert!(user["transactable_systems"].as_array().is_some_and(|s| !s.is_empty()));
    assert_eq!(count_events(&app, "UserRegisteredWithPartnerIdentity").await, 1);

    // the vehicle is set with the partner's token, and a later RS256 token finds the same user
    let plate = json!({"license_plate": {"text": "PTR-1", "country": "US"}});
    let res = app.coord().put_vehicle(&first, plate).await;
    assert_eq!(res.status(), StatusCode::OK);
    let later = idp.sign_with(Algorithm::RS256, Some("rsa-1"), &claims);
    let user = current_ok(&app, &later).await;
    assert_eq!(user["vehicle"]["license_plate"]["text"], "PTR-1");
    assert_eq!(count_events(&app, "UserRegisteredWithPartnerIdentity").await, 1);
    assert_eq!(count_events(&app, "PartnerIdentityClaimsChanged").await, 0, "nothing changed, nothing appended");

    // a changed email is taken; a token without names keeps the names
    let changed = idp.token("auth0|ann", Some("ann@elsewhere.test"));
    let user = current_ok(&app, &changed).await;
    assert_eq!((user["email"].as_str(), user["first_name"].as_str()), (Some("ann@elsewhere.test"), Some("Ann")));
    assert_eq!(user["vehicle"]["license_plate"]["text"], "PTR-1");
    current_ok(&app, &changed).await;
    assert_eq!(count_events(&app, "PartnerIdentityClaimsChanged").await, 1, "appended once, when it changed");

    // another subject is another user; without an email it cannot be created
    let (status, code) = refused(&app, &idp.token("auth0|bob", None)).await;
    assert_eq!((status, code.as_str()), (StatusCode::UNAUTHORIZED, "invalid_claims"));
    let mut bob = Issuer::claims(ISSUER, "auth0|bob", Some("bob@partner.test"));
    bob["name"] = json!("Bob van Dijk");
    let user = current_ok(&app, &idp.sign(&bob)).await;
    assert_eq!((user["first_name"].as_str(), user["last_name"].as_str()), (Some("Bob van"), Some("Dijk")));
    assert!(user.get("vehicle").is_none());
    assert_eq!(count_events(&app, "UserRegisteredWithPartnerIdentity").await, 2);

    // the partner's subject and claims are personal data: encrypted in the log, blind in claims
    let payload = if engine == Engine::Postgres { "payload::text" } else { "payload" };
    let clear = format!(
        "select count(*) from events where {payload} like '%auth0|ann%' or {payload} like '%elsewhere.test%' \
         or {payload} like '%Dijk%'"
    );
    assert_eq!(app.count(&clear).await, 0, "no subject, email or name in clear in the log");
    assert_eq!(app.count("select count(*) from unique_claims where value like '%auth0%'").await, 0);

    // this service's own tokens keep working beside the partner's
    let own = app.coord().token_for("own@bar.com").await;
    assert_eq!(current_ok(&app, &own).await["email"], "own@bar.com");
});

both_engines!(forged_foreign_and_stale_partner_tokens_are_401, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let idp = Issuer::start().await;
    configure(&app, "demo-partner", ISSUER, &idp.jwks_url, &[]).await;
    let claims = Issuer::claims(ISSUER, "auth0|eve", Some("eve@partner.test"));
    let unauthorized = |code: &str| (StatusCode::UNAUTHORIZED, code.to_owned());

    // alg confusion: an HMAC keyed with the issuer's public key, and no signature at all
    for secret in [idp.rsa_public_der.clone(), serde_json::to_vec(&idp.jwks).unwrap()] {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some("rsa-1".into());
        let forged = jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(&secret)).unwrap();
        assert_eq!(refused(&app, &forged).await, unauthorized("invalid_token"));
    }
    let b64 = |v: &Value| {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap())
    };
    let unsigned = format!("{}.{}.", b64(&json!({"alg": "none", "typ": "JWT"})), b64(&claims));
    assert_eq!(refused(&app, &unsigned).await, unauthorized("invalid_token"));
    // an algorithm outside the allow-list, though signed by the issuer's own RSA key
    let rs384 = idp.sign_with(Algorithm::RS384, Some("rsa-1"), &claims);
    assert_eq!(refused(&app, &rs384).await, unauthorized("invalid_token"));
    // a kid the issuer does not publish, and the issuer's kid over another key's signature
    assert_eq!(
        refused(&app, &idp.sign_with(Algorithm::ES256, Some("ec-9"), &claims)).await,
        unauthorized("invalid_token")
    );
    let stranger = Issuer::start().await;
    let impostor = stranger.sign_with(Algorithm::ES256, Some("ec-1"), &claims);
    assert_eq!(refused(&app, &impostor).await, unauthorized("invalid_token"));

    // expired, not yet valid
    let now = chrono::Utc::now().timestamp();
    let mut expired = claims.clone();
    expired["exp"] = json!(now - 600);
    assert_eq!(refused(&app, &idp.sign(&expired)).await, unauthorized("expired_token"));
    let mut early = claims.clone();
    early["nbf"] = json!(now + 600);
    assert_eq!(refused(&app, &idp.sign(&early)).await, unauthorized("invalid_token"));

    // another partner's issuer: configured for it, not for the demo partner, and the reverse
    app.add_tenant("other", "ak_other_partner_key", "st_other_partner_token").await;
    configure(&app, "other-partner", OTHER_ISSUER, &stranger.jwks_url, &[]).await;
    let theirs = stranger.sign(&Issuer::claims(OTHER_ISSUER, "auth0|eve", Some("eve@partner.test")));
    assert_eq!(refused(&app, &theirs).await, unauthorized("invalid_token"));
    let url = app.url("/v1/users/user/current?access_key=ak_other_partner_key");
    let ours_at_theirs = app.client.get(&url).bearer_auth(idp.sign(&claims)).send().await.unwrap();
    assert_eq!(coord_error(ours_at_theirs).await, unauthorized("invalid_token"));
    let theirs_at_theirs = app.client.get(&url).bearer_auth(&theirs).send().await.unwrap();
    assert_eq!(theirs_at_theirs.status(), StatusCode::OK, "the other partner's issuer works for it");

    // an audience, once configured, is required
    configure(&app, "demo-partner", ISSUER, &idp.jwks_url, &["--audience", "coord-users"]).await;
    assert_eq!(refused(&app, &idp.sign(&claims)).await, unauthorized("invalid_token"));
    let mut for_us = claims.clone();
    for_us["aud"] = json!("coord-users");
    assert_eq!(current(&app, &idp.sign(&for_us)).await.status(), StatusCode::OK);
    let mut for_others = claims.clone();
    for_others["aud"] = json!("someone-else");
    assert_eq!(refused(&app, &idp.sign(&for_others)).await, unauthorized("invalid_token"));

    // nothing refused made a user: only the two accepted tokens did (one per partner)
    assert_eq!(count_events(&app, "UserRegisteredWithPartnerIdentity").await, 2);
});

both_engines!(partner_issuers_and_their_users_rebuild_equal_and_link_accounts, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let idp = Issuer::start().await;
    configure(&app, "demo-partner", ISSUER, &idp.jwks_url, &["--audience", "coord", "--email-claim", "mail"]).await;
    configure(&app, "demo-partner", OTHER_ISSUER, &idp.jwks_url, &[]).await;
    assert_eq!(app.count("select count(*) from catalog_partner_issuers").await, 2);

    // the configured claim name holds the email; both issuers of a partner name one user by `sub`
    let mut claims = Issuer::claims(ISSUER, "u-7", None);
    claims["aud"] = json!("coord");
    claims["mail"] = json!("cy@partner.test");
    claims["given_name"] = json!("Cy");
    let token = idp.sign(&claims);
    assert_eq!(current_ok(&app, &token).await["email"], "cy@partner.test");
    let other = idp.token_of(OTHER_ISSUER, "u-7", Some("cy@moved.test"));
    assert_eq!(current_ok(&app, &other).await["email"], "cy@moved.test");
    assert_eq!(count_events(&app, "UserRegisteredWithPartnerIdentity").await, 1);

    // the consent page of link_account takes a partner's token; approving links the account
    let coord = app.coord();
    let page = coord.link_account(&token, "CitiBike", "https://partner.example/back").await;
    assert_eq!(page.status(), StatusCode::OK);
    let state = tests::coord::consent_state(&page.text().await.unwrap());
    let done = coord.decide(&state, "approve").await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    let location = done.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("https://partner.example/back?result=linked"), "{location}");
    let systems = current_ok(&app, &token).await["transactable_systems"].clone();
    let citibike = systems.as_array().unwrap().iter().find(|s| s["system_id"] == "CitiBike").unwrap().clone();
    assert_eq!(citibike["linked_account"], true);

    // the read models are what the log makes of it
    for name in ["catalog", "user_view"] {
        let report = app.state.store.rebuild(projections::by_name(name).unwrap()).await.unwrap();
        assert!(report.matched_live(), "{name}: {report:?}");
    }
    assert_eq!(current_ok(&app, &token).await["first_name"], "Cy");

    // a removed issuer's tokens are refused; its users stay, for the partner's other issuer
    run_cli(&app, &["partner", "demo-partner", "remove-issuer", OTHER_ISSUER]).await;
    assert_eq!(refused(&app, &other).await, (StatusCode::UNAUTHORIZED, "invalid_token".to_owned()));
    // (that token states the first email: the claims of the token presented last stand)
    assert_eq!(current_ok(&app, &token).await["email"], "cy@partner.test");
    let report = app.state.store.rebuild(projections::by_name("catalog").unwrap()).await.unwrap();
    assert!(report.matched_live(), "{report:?}");
    assert_eq!(app.count("select count(*) from catalog_partner_issuers").await, 1);
});
