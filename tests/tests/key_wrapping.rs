//! The server's own keys at rest: the signing keys' private halves and the server secrets (the
//! refresh-token key, the link-state key, tenants' signature keys) are stored sealed by the
//! master key, so a copy of the database alone cannot sign a token.
#![allow(clippy::unwrap_used)]

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use tests::{TestApp, both_engines};

async fn stored_keys(app: &TestApp) -> Vec<(String, String)> {
    app.state.store.db().fetch_all("select kid, private_der from signing_keys", &[]).await.unwrap()
}

async fn stored_secrets(app: &TestApp) -> Vec<(String, String)> {
    app.state.store.db().fetch_all("select name, value from server_secrets", &[]).await.unwrap()
}

/// A token with `token`'s header and claims, signed with what the database holds as the key.
fn forge_with(stored_private: &str, token: &str) -> Option<String> {
    let der = STANDARD.decode(stored_private).ok()?;
    let header = jsonwebtoken::decode_header(token).ok()?;
    let payload = token.split('.').nth(1)?;
    let claims: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
    jsonwebtoken::encode(&header, &claims, &jsonwebtoken::EncodingKey::from_ed_der(&der)).ok()
}

both_engines!(a_copy_of_the_database_cannot_sign_a_token, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let token = app.coord().token_for("keys-at-rest@fleet.com").await;
    assert_eq!(app.coord().current_user(&token).await.status(), 200);

    let keys = stored_keys(&app).await;
    assert!(!keys.is_empty());
    for (kid, private_der) in &keys {
        assert!(private_der.starts_with("sealed:v1:"), "signing key {kid} stored in clear");
        if let Some(forged) = forge_with(private_der, &token) {
            assert_eq!(app.coord().current_user(&forged).await.status(), 401, "a token signed with the stored key");
        }
    }
    let secrets = stored_secrets(&app).await;
    assert!(secrets.iter().any(|(n, _)| n == "refresh-token-key"));
    for (name, value) in &secrets {
        assert!(value.starts_with("sealed:v1:"), "server secret {name} stored in clear");
    }
});

both_engines!(keys_stored_in_clear_are_sealed_at_start_and_keep_signing, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let token = app.coord().token_for("clear-keys@fleet.com").await;
    // a database as a version before sealing left it: the same keys, in clear
    let plain = app.state.keys.signing_keys().await.unwrap();
    let db = app.state.store.db();
    for key in &plain {
        let sql = "update signing_keys set private_der = $1 where kid = $2";
        db.execute(sql, &store::args![key.private_der.as_str(), key.kid.as_str()]).await.unwrap();
    }
    let refresh = app.state.keys.secret("refresh-token-key").await.unwrap().unwrap();
    store::secrets::set_secret(db, "refresh-token-key", &refresh).await.unwrap();
    assert!(stored_keys(&app).await.iter().all(|(_, v)| !v.starts_with("sealed:")));

    let restarted = app.another_instance().await;
    assert!(stored_keys(&restarted).await.iter().all(|(_, v)| v.starts_with("sealed:v1:")), "sealed at start");
    assert!(stored_secrets(&restarted).await.iter().all(|(_, v)| v.starts_with("sealed:v1:")));
    assert_eq!(restarted.state.keys.signing_keys().await.unwrap(), plain, "the same keys");
    assert_eq!(restarted.state.keys.secret("refresh-token-key").await.unwrap().unwrap(), refresh);
    assert_eq!(restarted.coord().current_user(&token).await.status(), 200, "tokens signed before still verify");
});

both_engines!(another_master_key_cannot_start_on_the_keys, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let mut settings = api::config::Settings::for_data_dir(app.scratch.0.join("data"));
    settings.database_url = Some(app.database_url.clone());
    settings.master_key = Some("mk_not-the-one-that-sealed-the-keys".into());
    let config = api::config::Config::resolve(settings).unwrap();
    let Err(error) = api::startup::Application::build_with(config, api::startup::Adapters::default()).await else {
        panic!("started with keys it cannot open");
    };
    assert!(format!("{error:#}").contains("master key"), "{error:#}");
});
