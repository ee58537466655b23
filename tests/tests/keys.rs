//! Signing-key rotation: new tokens get the new key, tokens of older keys keep working on every
//! instance until they expire.
#![allow(clippy::unwrap_used)]

use serde_json::Value;
use tests::{TestApp, both_engines};

fn kid_of(token: &str) -> String {
    jsonwebtoken::decode_header(token).unwrap().kid.unwrap()
}

both_engines!(a_rotated_key_signs_new_tokens_and_old_ones_stay_valid, |engine| async move {
    let app = TestApp::spawn(engine).await;
    let old_token = app.coord().token_for("keys@fleet.com").await;
    let old_kid = kid_of(&old_token);

    let new_kid = app.rotate_signing_key().await;
    assert_ne!(new_kid, old_kid);

    // another instance on the same database (a restart, or a second node) signs with the new key
    let second = app.another_instance().await;
    let new_token = second.coord().token_for("keys@fleet.com").await;
    assert_eq!(kid_of(&new_token), new_kid);

    // both tokens work on both instances: the first one learns the new kid on first sight
    for instance in [&app, &second] {
        for token in [&old_token, &new_token] {
            assert_eq!(instance.coord().current_user(token).await.status(), 200);
        }
    }
    let jwks: Value = app.get("/.well-known/jwks.json").send().await.unwrap().json().await.unwrap();
    let kids: Vec<&str> = jwks["keys"].as_array().unwrap().iter().map(|k| k["kid"].as_str().unwrap()).collect();
    assert_eq!(kids, vec![new_kid.as_str(), old_kid.as_str()], "newest first, the old key still published");

    // after its reload the first instance signs with the new key too
    app.reload_signing_keys().await;
    assert_eq!(kid_of(&app.coord().token_for("keys@fleet.com").await), new_kid);
    assert_eq!(app.signing_kid(), new_kid);
});
