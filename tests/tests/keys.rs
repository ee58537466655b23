//! Signing-key rotation: new tokens get the new key, tokens of older keys keep working on every
//! instance until they expire.
#![allow(clippy::unwrap_used)]

use api::Settings;
use serde_json::Value;
use tests::{Scratch, TestApp, both_engines};

fn kid_of(token: &str) -> String {
    jsonwebtoken::decode_header(token).unwrap().kid.unwrap()
}

both_engines!(a_rotated_key_signs_new_tokens_and_old_ones_stay_valid, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let old_token = app.token_for("keys@fleet.com").await;
    let old_kid = kid_of(&old_token);

    let new_kid = api::tokens::rotate(app.state.keys.as_ref()).await.unwrap();
    assert_ne!(new_kid, old_kid);

    // another instance on the same database (a restart, or a second node) signs with the new key
    let mut settings = Settings::for_data_dir(app.scratch.0.join("data"));
    settings.database_url = Some(app.database_url.clone());
    let second = TestApp::spawn_with(settings, Scratch::new()).await;
    let new_token = second.token_for("keys@fleet.com").await;
    assert_eq!(kid_of(&new_token), new_kid);

    // both tokens work on both instances: the first one learns the new kid on first sight
    for instance in [&app, &second] {
        for token in [&old_token, &new_token] {
            assert_eq!(instance.current_user(token).await.status(), 200);
        }
    }
    let jwks: Value = app.client.get(app.url("/.well-known/jwks.json")).send().await.unwrap().json().await.unwrap();
    let kids: Vec<&str> = jwks["keys"].as_array().unwrap().iter().map(|k| k["kid"].as_str().unwrap()).collect();
    assert_eq!(kids, vec![new_kid.as_str(), old_kid.as_str()], "newest first, the old key still published");

    // after its reload the first instance signs with the new key too
    app.state.tokens.reload().await.unwrap();
    assert_eq!(kid_of(&app.token_for("keys@fleet.com").await), new_kid);
    assert_eq!(app.state.tokens.signing_kid(), new_kid);
});
