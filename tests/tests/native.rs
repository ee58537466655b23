//! The native surface: the API description and its browser page.
#![allow(clippy::unwrap_used)]

use chromiumoxide::page::ScreenshotParams;
use serde_json::Value;
use tests::browser::{chromium_or_skip, launch};
use tests::{Engine, TestApp};

#[tokio::test]
async fn the_openapi_document_describes_every_route_the_server_answers() {
    let app = TestApp::spawn(Engine::Sqlite).await;
    let doc: Value = app.get("/openapi.json").send().await.unwrap().json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    let expected = [
        ("post", "/v1/users/create_jwt"),
        ("post", "/v1/users/testing/create_jwt"),
        ("post", "/{tenant}/front/customers"),
        ("get", "/{tenant}/front/customers"),
        ("post", "/{tenant}/auth/sign-in-email"),
        ("post", "/{tenant}/auth/refresh-token"),
        ("post", "/{tenant}/auth/logout"),
        ("post", "/{tenant}/auth/sign-in-api-client"),
        ("post", "/{tenant}/auth/social-login"),
        ("post", "/{tenant}/auth/sign-in-email-code"),
        ("post", "/{tenant}/auth/sign-in-phone-number"),
        ("post", "/{tenant}/front/customers/create-or-sign-in-with-phone-number"),
        ("post", "/{tenant}/front/customers/create-or-sign-in-with-email-code"),
        ("post", "/{tenant}/auth/sign-in-gaiyo"),
        ("post", "/{tenant}/auth/user/openid-token-exchange"),
        ("post", "/{tenant}/front/customers/social-sign-up"),
        ("post", "/{tenant}/auth/user/2fa-secret"),
        ("post", "/{tenant}/auth/user/2fa-qr-code"),
        ("post", "/{tenant}/auth/user/2fa-enable"),
        ("post", "/{tenant}/auth/user/2fa-code-validate"),
        ("get", "/api/oauth/register"),
        ("post", "/api/oauth/token"),
        ("post", "/api/oauth/revoke"),
        ("post", "/api/oauth/reset_password"),
        ("get", "/api/users/isLogged"),
        ("get", "/api/users/otp"),
        ("post", "/api/users/otp"),
        ("delete", "/api/users/otp"),
        ("post", "/api/users/payment/"),
        ("get", "/api/users/payment/card"),
        ("put", "/api/users/payment/card"),
        ("get", "/api/users/payment/card/{card_id}"),
        ("delete", "/api/users/payment/card/{card_id}"),
        ("post", "/api/users/payment/card/{card_id}/default"),
        ("get", "/api/users/payment/card/stripe_metadata"),
        ("put", "/api/users/payment/stripe_metadata"),
        ("get", "/api/users/payment/charges"),
        ("get", "/api/users/payment/subcriptions"),
        ("post", "/v1/users/user/current/stripe_info"),
        ("patch", "/{tenant}/front/customers"),
        ("get", "/{tenant}/front/customers/signed"),
        ("post", "/{tenant}/front/customers/verify/send"),
        ("post", "/{tenant}/front/customers/verify/check/{code}"),
        ("post", "/{tenant}/front/customers/verify-email/resend/{email}"),
        ("post", "/{tenant}/front/customers/verify-email"),
        ("get", "/{tenant}/front/customers/verify-email"),
        ("post", "/{tenant}/front/customers/request-deletion"),
        ("post", "/{tenant}/front/verification/init"),
        ("delete", "/api/users/delete"),
        ("get", "/v1/users/user/current"),
        ("put", "/v1/users/user/current/vehicle"),
        ("post", "/v1/users/user/current/update_vehicle"),
        ("post", "/api/oauth/reset_password/confirm"),
        ("post", "/api/users/update"),
        ("get", "/api/users/show/{id}"),
        ("get", "/api/users/show/"),
        ("get", "/api/bucket"),
        ("post", "/{tenant}/front/customers/reset/{email}"),
        ("post", "/{tenant}/front/set-password/{code}"),
        ("get", "/v1/users/link_account"),
        ("post", "/v1/users/link_account"),
        ("get", "/v1/users/user/current/link_account"),
        ("post", "/v1/users/testing/user/current/transactable_systems"),
        ("get", "/api/users/integrations"),
        ("post", "/api/users/integrations"),
        ("delete", "/api/users/integrations/{name}"),
        ("get", "/{tenant}/front/branches/resolve"),
        ("get", "/{tenant}/front/customer-identity-cards"),
        ("get", "/healthz"),
        ("get", "/readyz"),
        ("get", "/.well-known/jwks.json"),
        ("get", "/openapi.json"),
        ("get", "/metrics"),
        ("get", "/admin/events"),
        ("get", "/admin/streams/{stream_id}"),
        ("get", "/admin/verify"),
        ("get", "/admin/users/{user_id}/state"),
        ("post", "/admin/users/{user_id}/erasure"),
        ("put", "/admin/users/{user_id}/identity-cards/{card_id}"),
        ("delete", "/admin/users/{user_id}/identity-cards/{card_id}"),
        ("post", "/admin/users/{user_id}/subscriptions"),
        ("delete", "/admin/users/{user_id}/subscriptions/{subscription_id}"),
        ("get", "/admin/reads"),
        ("get", "/admin/projections"),
        ("post", "/admin/projections/{name}/rebuild"),
        ("post", "/admin/tenants"),
        ("get", "/admin/tenants/{tenant}"),
        ("put", "/admin/tenants/{tenant}/token-lifetime"),
        ("put", "/admin/tenants/{tenant}/providers/{name}"),
        ("put", "/admin/tenants/{tenant}/systems/{system_id}"),
        ("put", "/admin/tenants/{tenant}/branches/{branch_id}"),
        ("post", "/admin/tenants/{tenant}/partners"),
        ("post", "/admin/tenants/{tenant}/partners/{partner_id}/keys"),
        ("delete", "/admin/tenants/{tenant}/partners/{partner_id}"),
        ("post", "/admin/signing-keys"),
    ];
    for (method, path) in expected {
        assert!(paths.get(path).and_then(|p| p.get(method)).is_some(), "{method} {path} is documented");
        // and the server really routes it: anything but the 404/405 of an unknown route
        let url = app.url(&path.replace("{tenant}", "demo"));
        let res = app.client.request(method.to_uppercase().parse().unwrap(), url).send().await.unwrap();
        assert!(![404, 405].contains(&res.status().as_u16()), "{method} {path} answers {}", res.status());
    }
    let distinct: std::collections::BTreeSet<_> = expected.iter().map(|(_, p)| *p).collect();
    assert_eq!(paths.len(), distinct.len(), "no undocumented extras and no stale entries");
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for name in ["coord.Error", "coord.CreateJwt", "coord.JwtToken", "coord.User", "coord.Vehicle"] {
        assert!(schemas.contains_key(name), "{name}");
    }
    let error_codes = schemas["coord.Error"]["properties"]["code"]["description"].as_str().unwrap();
    for code in ["invalid_access_key", "expired_token", "foreign_token", "invalid_license_plate"] {
        assert!(error_codes.contains(code), "{code} is documented");
    }
    for name in [
        "suite.Error",
        "suite.SignUp",
        "suite.SignInEmail",
        "suite.Tokens",
        "suite.Customer",
        "suite.SignInAnswer",
        "suite.MfaRequired",
        "suite.TwoFactorSecret",
        "suite.RecoveryCodes",
        "legacy.Error",
        "legacy.User",
        "legacy.TokenResponse",
        "legacy.OtpSecret",
    ] {
        assert!(schemas.contains_key(name), "{name}");
    }
    for scheme in ["coord_user", "suite_user", "legacy_user", "access_key", "server_token", "admin"] {
        assert!(doc["components"]["securitySchemes"][scheme].is_object(), "{scheme}");
    }
}

#[tokio::test]
async fn the_docs_page_loads_swagger_ui_from_this_server() {
    let app = TestApp::spawn(Engine::Sqlite).await;
    let page = app.get("/docs").send().await.unwrap();
    assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = page.text().await.unwrap();
    assert!(html.contains("/openapi.json") && html.contains("/docs/swagger-ui-bundle.js"));
    let js = app.get("/docs/swagger-ui-bundle.js").send().await.unwrap();
    assert!(js.headers()["content-type"].to_str().unwrap().starts_with("text/javascript"));
    assert!(js.text().await.unwrap().contains("SwaggerUIBundle"));
    let css = app.get("/docs/swagger-ui.css").send().await.unwrap();
    assert_eq!(css.status(), 200);
}

/// The operations Swagger UI lists on the page, as (tag, method, path).
const LISTED: &str = "Array.from(document.querySelectorAll('.opblock-tag-section')).flatMap(section => \
    Array.from(section.querySelectorAll('.opblock')).map(op => [\
        section.querySelector('.opblock-tag').getAttribute('data-tag'),\
        op.querySelector('.opblock-summary-method').textContent.toLowerCase(),\
        op.querySelector('.opblock-summary-path').getAttribute('data-path')]))";

#[tokio::test]
async fn the_docs_page_lists_every_operation_of_every_dialect_in_chromium() {
    let Some(executable) = chromium_or_skip("the docs page in chromium") else { return };
    let app = TestApp::spawn(Engine::Sqlite).await;
    let doc: Value = app.get("/openapi.json").send().await.unwrap().json().await.unwrap();
    let operations: usize =
        doc["paths"].as_object().unwrap().values().map(|item| item.as_object().unwrap().len()).sum();
    let (mut browser, events) = launch(executable, &app.scratch.0.join("chromium-profile"), (1280, 1600)).await;
    let page = browser.new_page(app.url("/docs")).await.unwrap();
    // Swagger UI renders after it has fetched the document
    let mut listed: Vec<(String, String, String)> = Vec::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    while listed.len() < operations && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        listed = page.evaluate(LISTED).await.ok().and_then(|r| r.into_value().ok()).unwrap_or_default();
    }
    let rendered = listed.len() == operations;
    assert!(rendered, "the page lists {} of the document's {operations} operations", listed.len());
    let png = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("docs_page.png");
    page.save_screenshot(ScreenshotParams::builder().build(), &png).await.unwrap();
    browser.close().await.unwrap();
    let _ = browser.wait().await;
    events.abort();

    let has =
        |tag: &str, method: &str, path: &str| listed.iter().any(|l| l == &(tag.into(), method.into(), path.into()));
    assert!(has("coord", "get", "/v1/users/user/current"), "{listed:?}");
    assert!(has("coord", "post", "/v1/users/create_jwt"));
    assert!(has("suite", "post", "/{tenant}/auth/sign-in-email"));
    assert!(has("suite", "patch", "/{tenant}/front/customers"));
    assert!(has("legacy", "post", "/api/oauth/token"));
    assert!(has("legacy", "get", "/api/users/isLogged"));
    assert!(has("admin", "get", "/admin/events"));
    assert!(has("native", "get", "/openapi.json"));
    for tag in ["coord", "suite", "legacy", "admin", "native"] {
        let count = listed.iter().filter(|(t, ..)| t == tag).count();
        assert!(count >= 3, "the page lists {count} {tag} operations");
    }
    assert!(std::fs::metadata(&png).unwrap().len() > 10_000, "a screenshot of the page was saved");
}
