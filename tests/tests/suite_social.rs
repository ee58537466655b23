//! Sign-in with an OpenID provider's ID token, against a local provider the test starts: an
//! Ed25519 key pair and a JWKS server on a loopback port.
#![allow(clippy::unwrap_used)]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use domain::catalog::IdentityProvider;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tests::suite::suite_error;
use tests::{TestApp, both_engines, claims};

const ISSUER: &str = "https://id.example.test";
const AUDIENCE: &str = "users-api-demo";

/// A local OpenID provider: signs ID tokens, serves its JWKS, counts fetches.
struct Provider {
    key: EncodingKey,
    jwks_url: String,
    fetches: Arc<AtomicUsize>,
}

impl Provider {
    async fn start() -> Self {
        let signing = ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng);
        let x = URL_SAFE_NO_PAD.encode(signing.verifying_key().to_bytes());
        let jwks =
            json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": "k1", "x": x}]});
        let fetches = Arc::new(AtomicUsize::new(0));
        let counter = fetches.clone();
        let router = axum::Router::new().route(
            "/jwks",
            axum::routing::get(move || {
                counter.fetch_add(1, Ordering::SeqCst);
                let jwks = jwks.clone();
                async move { axum::Json(jwks) }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let jwks_url = format!("http://{}/jwks", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        Self { key: EncodingKey::from_ed_der(signing.to_pkcs8_der().unwrap().as_bytes()), jwks_url, fetches }
    }

    fn claims(sub: &str, email: Option<&str>) -> Value {
        let now = chrono::Utc::now().timestamp();
        let mut c = json!({"iss": ISSUER, "aud": AUDIENCE, "sub": sub, "iat": now, "exp": now + 300});
        if let Some(e) = email {
            c["email"] = json!(e);
            c["email_verified"] = json!(true);
        }
        c
    }

    fn sign(&self, claims: &Value, kid: &str) -> String {
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(kid.to_owned());
        jsonwebtoken::encode(&header, claims, &self.key).unwrap()
    }

    fn token(&self, sub: &str, email: Option<&str>) -> String {
        self.sign(&Self::claims(sub, email), "k1")
    }
}

async fn configure(app: &TestApp, name: &str, jwks_url: &str) {
    let provider = IdentityProvider {
        provider: name.into(),
        issuer: ISSUER.into(),
        audience: AUDIENCE.into(),
        jwks_url: jwks_url.into(),
    };
    app.configure_identity_provider("demo", provider).await;
}

/// The account a sign-in answer's access token belongs to.
async fn sub_of(res: Response) -> String {
    assert_eq!(res.status(), 200);
    let tokens: Value = res.json().await.unwrap();
    claims(tokens["accessToken"].as_str().unwrap())["sub"].as_str().unwrap().to_owned()
}

both_engines!(id_tokens_sign_in_link_and_sign_up, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let suite = app.suite("demo");
    let idp = Provider::start().await;
    configure(&app, "oidc", &idp.jwks_url).await;

    // a new identity with a verified email becomes an account
    let res =
        suite.post_json("/auth/social-login", json!({"idToken": idp.token("alice-1", Some("alice@idp.test"))})).await;
    assert_eq!(res.status(), 200);
    let first: Value = res.json().await.unwrap();
    let access = first["accessToken"].as_str().unwrap();
    assert_eq!(suite.me(access).await["email"], "alice@idp.test");
    let alice = claims(access)["sub"].as_str().unwrap().to_owned();
    // the same identity signs in to the same account, also through the token exchange
    let again = suite.post_json("/auth/user/openid-token-exchange", json!({"token": idp.token("alice-1", None)})).await;
    assert_eq!(sub_of(again).await, alice);
    let dup = suite.post_json("/front/customers/social-sign-up", json!({"idToken": idp.token("alice-1", None)})).await;
    assert_eq!(suite_error(dup).await, (StatusCode::CONFLICT, "U102".into()));

    // a verified email of a password account: the identity joins that account
    let bob = suite.signed_up("bob@idp.test").await;
    let joined =
        suite.post_json("/auth/social-login", json!({"idToken": idp.token("bob-9", Some("bob@idp.test"))})).await;
    assert_eq!(sub_of(joined).await, bob);

    // nonce: checked when the client sends one
    let mut with_nonce = Provider::claims("carol-2", Some("carol@idp.test"));
    with_nonce["nonce"] = json!("n-123");
    let token = idp.sign(&with_nonce, "k1");
    let wrong = suite.post_json("/auth/social-login", json!({"idToken": token, "nonce": "n-999"})).await;
    assert_eq!(suite_error(wrong).await, (StatusCode::UNAUTHORIZED, "A211".into()));
    let right = suite.post_json("/front/customers/social-sign-up", json!({"idToken": token, "nonce": "n-123"})).await;
    assert_eq!(right.status(), 200);

    // no verified email: no new account from it
    let mut unverified = Provider::claims("dave-3", Some("dave@idp.test"));
    unverified["email_verified"] = json!(false);
    let res = suite.post_json("/auth/social-login", json!({"idToken": idp.sign(&unverified, "k1")})).await;
    assert_eq!(suite_error(res).await, (StatusCode::BAD_REQUEST, "U130.3".into()));
    let unknown =
        suite.post_json("/auth/social-login", json!({"idToken": idp.token("x", None), "provider": "nope"})).await;
    assert_eq!(suite_error(unknown).await, (StatusCode::BAD_REQUEST, "A212".into()));
    let gaiyo = suite.post_json("/auth/sign-in-gaiyo", json!({"idToken": idp.token("alice-1", None)})).await;
    assert_eq!(suite_error(gaiyo).await.1, "A212", "no gaiyo provider configured yet");
    configure(&app, "gaiyo", &idp.jwks_url).await;
    let gaiyo = suite.post_json("/auth/sign-in-gaiyo", json!({"idToken": idp.token("alice-1", None)})).await;
    assert_eq!(sub_of(gaiyo).await, alice);
});

both_engines!(an_operator_configures_a_tenant_with_the_cli, |engine| async move {
    use api::cli::{TenantCommand, tenant_command};
    let app = TestApp::spawn(engine).await;
    let suite = app.suite("demo");
    let idp = Provider::start().await;
    let provider = |jwks_url: &str| TenantCommand::Provider {
        name: "oidc".into(),
        issuer: ISSUER.into(),
        audience: AUDIENCE.into(),
        jwks_url: jwks_url.into(),
    };
    let store = app.state.store.clone();
    // refused, and nothing appended: an unknown tenant, a lifetime out of range, a bad URL
    let before = app.event_count().await;
    assert!(tenant_command(store.clone(), "nowhere", provider(&idp.jwks_url)).await.is_err());
    assert!(tenant_command(store.clone(), "demo", TenantCommand::TokenLifetime { minutes: 0 }).await.is_err());
    assert!(tenant_command(store.clone(), "demo", provider("ftp://keys.example")).await.is_err());
    assert!(tenant_command(store.clone(), "demo", provider("not a url")).await.is_err());
    assert_eq!(app.event_count().await, before);

    let done = tenant_command(store.clone(), "demo", provider(&idp.jwks_url)).await.unwrap();
    assert_eq!(done, json!({"tenant": "demo", "provider": "oidc", "configured": true}));
    let done = tenant_command(store.clone(), "demo", TenantCommand::TokenLifetime { minutes: 45 }).await.unwrap();
    assert_eq!(done, json!({"tenant": "demo", "suite_token_minutes": 45}));

    // the running server signs in with the provider, and its tokens live 45 minutes
    let res = suite.post_json("/auth/social-login", json!({"idToken": idp.token("cli-1", Some("cli@idp.test"))})).await;
    assert_eq!(res.status(), 200);
    let tokens: Value = res.json().await.unwrap();
    let claims = claims(tokens["accessToken"].as_str().unwrap());
    assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 45 * 60);
});

both_engines!(forged_id_tokens_are_refused, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let suite = app.suite("demo");
    let idp = Provider::start().await;
    configure(&app, "oidc", &idp.jwks_url).await;
    let refused = |token: String| {
        let app = &app;
        async move { suite_error(app.suite("demo").post_json("/auth/social-login", json!({"idToken": token})).await).await }
    };
    let now = chrono::Utc::now().timestamp();
    let edit = |f: &dyn Fn(&mut Value)| {
        let mut c = Provider::claims("eve", Some("eve@idp.test"));
        f(&mut c);
        idp.sign(&c, "k1")
    };
    let a211 = (StatusCode::UNAUTHORIZED, "A211".to_owned());
    assert_eq!(refused(edit(&|c| c["aud"] = json!("someone-else"))).await, a211);
    assert_eq!(refused(edit(&|c| c["iss"] = json!("https://evil.test"))).await, a211);
    assert_eq!(refused(edit(&|c| c["exp"] = json!(now - 3600))).await, a211);
    assert_eq!(refused(edit(&|c| c["nbf"] = json!(now + 3600))).await, a211);
    // alg none, and HS256 keyed with the public key
    let b64 = |v: &Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap());
    let claims = Provider::claims("eve", Some("eve@idp.test"));
    assert_eq!(refused(format!("{}.{}.", b64(&json!({"alg": "none", "kid": "k1"})), b64(&claims))).await, a211);
    let mut hs = Header::new(Algorithm::HS256);
    hs.kid = Some("k1".into());
    let hs_token = jsonwebtoken::encode(&hs, &claims, &EncodingKey::from_secret(b"public")).unwrap();
    assert_eq!(refused(hs_token).await, a211);
    // a foreign key under our kid, and an unknown kid (which makes the service look again, once)
    let foreign = Provider::start().await;
    assert_eq!(refused(foreign.sign(&claims, "k1")).await, a211);
    let before = idp.fetches.load(Ordering::SeqCst);
    assert_eq!(refused(idp.sign(&claims, "k2")).await, a211);
    assert_eq!(refused(idp.sign(&claims, "k3")).await, a211);
    assert!(idp.fetches.load(Ordering::SeqCst) - before <= 1, "unknown kids do not hammer the provider");
    assert!(idp.fetches.load(Ordering::SeqCst) >= 1);
    assert_eq!(refused("not a jwt".into()).await, a211);

    // a provider whose keys cannot be fetched: 503, nothing signed in
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead = format!("http://{}/jwks", closed.local_addr().unwrap());
    drop(closed);
    let provider =
        IdentityProvider { provider: "dead".into(), issuer: ISSUER.into(), audience: AUDIENCE.into(), jwks_url: dead };
    app.configure_identity_provider("demo", provider).await;
    let res = suite
        .post_json("/auth/social-login", json!({"idToken": idp.token("eve", Some("eve@idp.test")), "provider": "dead"}))
        .await;
    assert_eq!(suite_error(res).await, (StatusCode::SERVICE_UNAVAILABLE, "SRV503.1".into()));
});
