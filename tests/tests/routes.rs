//! The router and `/openapi.json` describe the same routes. Three sources are held against each
//! other: the table the router records as routes are registered, the document the server serves,
//! and the running server itself, probed with every method on every path.
#![allow(clippy::unwrap_used)]

use api::openapi::{Route, routing_table};
use serde_json::Value;
use std::collections::BTreeSet;
use tests::{Engine, TestApp};

/// Routed on purpose without documentation: the Swagger UI page and its files, which display the
/// document, and the catch-alls that answer unknown paths in their dialect's format.
const UNDOCUMENTED: [(&str, &str); 8] = [
    ("get", "/docs"),
    ("get", "/docs/swagger-ui-bundle.js"),
    ("get", "/docs/swagger-ui.css"),
    ("*", "/{tenant}/auth/{*rest}"),
    ("*", "/{tenant}/front/{*rest}"),
    ("*", "/api/oauth/{*rest}"),
    ("*", "/api/users/{*rest}"),
    ("*", "/admin/{*rest}"),
];

/// The methods an OpenAPI path item may hold.
const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// The methods sent to every path; axum answers `HEAD` and `OPTIONS` on its own, so they prove nothing.
const PROBED: [&str; 5] = ["get", "post", "put", "patch", "delete"];

type Pair = (String, String);

fn pairs<'a>(routes: impl IntoIterator<Item = (&'a str, &'a str)>) -> BTreeSet<Pair> {
    routes.into_iter().map(|(method, path)| (method.to_owned(), path.to_owned())).collect()
}

fn recorded(documented: bool) -> BTreeSet<Pair> {
    let table = routing_table();
    pairs(table.iter().filter(|r| r.documented == documented).map(|r: &Route| (r.method, r.path.as_str())))
}

async fn served_document(app: &TestApp) -> BTreeSet<Pair> {
    let doc: Value = app.client.get(app.url("/openapi.json")).send().await.unwrap().json().await.unwrap();
    let paths = doc["paths"].as_object().unwrap();
    let operations = paths.iter().flat_map(|(path, item)| {
        item.as_object()
            .unwrap()
            .keys()
            .filter(|k| METHODS.contains(&k.as_str()))
            .map(move |m| (m.as_str(), path.as_str()))
    });
    pairs(operations)
}

/// A concrete URL path for a route pattern: the demo tenant for `{tenant}`, a name no route
/// has for a catch-all's rest.
fn concrete(pattern: &str) -> String {
    let segments = pattern.split('/').map(|segment| match segment {
        s if s.starts_with("{*") => "no-such-endpoint",
        s if s.starts_with('{') => "demo",
        s => s,
    });
    segments.collect::<Vec<_>>().join("/")
}

/// Whether the server answered as it does for a route it does not have: 405, or 404 with
/// its dialect's "no such endpoint" (coord and legacy `not_found`, suite `REQ404`, the admin
/// surface's `not-found` problem, or axum's empty body).
async fn no_such_endpoint(app: &TestApp, method: &str, path: &str) -> bool {
    let url = app.url(&concrete(path));
    let res = app.client.request(method.to_uppercase().parse().unwrap(), url).send().await.unwrap();
    match res.status().as_u16() {
        405 => true,
        404 => {
            let body = res.text().await.unwrap();
            let json: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
            let problem = json["type"].as_str().is_some_and(|t| t.ends_with("/not-found"));
            body.is_empty() || json["code"] == "not_found" || json["errorCode"] == "REQ404" || problem
        }
        _ => false,
    }
}

#[tokio::test]
async fn the_document_lists_every_routed_method_and_path_and_nothing_else() {
    let app = TestApp::spawn(Engine::Sqlite).await;
    let documented = served_document(&app).await;
    let routed = recorded(true);
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    assert!(undocumented.is_empty(), "routed but missing from /openapi.json: {undocumented:?}");
    let unrouted: Vec<_> = documented.difference(&routed).collect();
    assert!(unrouted.is_empty(), "in /openapi.json but not routed: {unrouted:?}");
    assert_eq!(recorded(false), pairs(UNDOCUMENTED), "the routes left out of the document are the known exceptions");
    // the route the document used to miss
    assert!(documented.contains(&("post".to_owned(), "/api/oauth/register".to_owned())));
}

#[tokio::test]
async fn the_server_answers_on_every_path_exactly_the_methods_of_the_table() {
    let app = TestApp::spawn(Engine::Sqlite).await;
    let routed: BTreeSet<Pair> = recorded(true).union(&recorded(false)).cloned().collect();
    let paths: BTreeSet<&str> = routed.iter().map(|(_, path)| path.as_str()).collect();
    for path in paths {
        let catch_all = routed.contains(&("*".to_owned(), path.to_owned()));
        for method in PROBED {
            let unknown = no_such_endpoint(&app, method, path).await;
            if catch_all {
                assert!(unknown, "{method} {path}: a catch-all answers \"no such endpoint\"");
            } else if routed.contains(&(method.to_owned(), path.to_owned())) {
                assert!(!unknown, "{method} {path} is in the table, but the server has no such endpoint");
            } else {
                assert!(unknown, "{method} {path} is routed, but neither the table nor the document has it");
            }
        }
    }
}
