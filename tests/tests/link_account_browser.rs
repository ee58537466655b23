//! Coord's `link_account` in a real browser: headless Chromium (Debian's `chromium`, installed by
//! `scripts/chromium`), driven over the Chrome DevTools Protocol with `chromiumoxide`, opens the
//! consent page, clicks Approve and lands on the partner's return URL, served by a tiny local
//! server this test starts. Screenshots of both pages go to `CARGO_TARGET_TMPDIR`
//! (`target/tmp/link_account_*.png`).
//!
//! Without a Chromium binary the test says so loudly and passes, unless `CI` is set: in CI its
//! absence fails, since `scripts/test` installs it there.
#![allow(clippy::unwrap_used)]

use axum::extract::{RawQuery, State};
use chromiumoxide::page::ScreenshotParams;
use serde_json::Value;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tests::browser::{chromium_or_skip, launch};
use tests::{Engine, TestApp, both_engines, eventually};

/// The partner's page the browser returns to: it records each query it is called with.
async fn return_server() -> (String, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let back = |State(seen): State<Arc<Mutex<Vec<String>>>>, RawQuery(query): RawQuery| async move {
        seen.lock().unwrap().push(query.unwrap_or_default());
        axum::response::Html("<!doctype html><title>Partner app</title><h1>Back at the partner's app</h1>")
    };
    let app = axum::Router::new().route("/back", axum::routing::get(back)).with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/back", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

fn screenshot_path(engine: Engine, name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("link_account_{name}_{engine:?}.png").to_lowercase())
}

both_engines!(approving_in_chromium_links_and_lands_on_the_return_url, |engine| async move {
    let Some(executable) = chromium_or_skip("link_account_browser") else { return };
    let app = TestApp::spawn(engine).await;
    let coord = app.coord();
    let token = coord.token_for("chromium@example.com").await;
    let (return_url, seen) = return_server().await;
    let profile = app.scratch.0.join("chromium-profile");
    let (mut browser, events) = launch(executable, &profile, (900, 700)).await;

    let page =
        browser.new_page(coord.link_account_url("/link_account", &token, "CitiBike", &return_url)).await.unwrap();
    let html = page.content().await.unwrap();
    assert!(html.contains("Demo permission page") && html.contains("Citi Bike"), "{html}");
    let consent_png = screenshot_path(engine, "consent");
    page.save_screenshot(ScreenshotParams::builder().full_page(true).build(), &consent_png).await.unwrap();

    page.find_element("#approve").await.unwrap().click().await.unwrap();
    // the URL changes before the partner's page has loaded: wait for both
    let landed = eventually(10, || async {
        let url = page.url().await.ok().flatten().unwrap_or_default();
        let html = page.content().await.unwrap_or_default();
        url.starts_with(&return_url) && html.contains("Back at the partner")
    })
    .await;
    let url = page.url().await.unwrap().unwrap_or_default();
    assert!(landed, "the browser is at {url}, not back at the partner's page {return_url}");
    assert_eq!(url, format!("{return_url}?result=linked&system_id=CitiBike"));
    assert_eq!(*seen.lock().unwrap(), ["result=linked&system_id=CitiBike"]);
    page.save_screenshot(ScreenshotParams::builder().build(), screenshot_path(engine, "returned")).await.unwrap();
    browser.close().await.unwrap();
    let _ = browser.wait().await;
    events.abort();

    let current: Value = coord.current_user(&token).await.json().await.unwrap();
    let citi = current["transactable_systems"].as_array().unwrap().iter().find(|s| s["system_id"] == "CitiBike");
    assert_eq!(citi.unwrap()["linked_account"], true);
    assert_eq!(app.count("select count(*) from account_links where via = 'consent'").await, 1);
    assert!(std::fs::metadata(&consent_png).unwrap().len() > 1_000, "a screenshot was saved");
});
