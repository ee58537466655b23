//! The OpenAPI document is complete: every operation documents its success with a body schema,
//! every error it can answer in its dialect's error format (the body rejections, a missing or
//! bad credential, a suite path's unknown tenant, the service's own failures), and the
//! credentials it needs by the dialect's security scheme. schemathesis (`scripts/schemathesis`)
//! then holds the running server to the document; this test holds the document to itself.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;

/// Each dialect's path prefix, error schema and error media type.
const DIALECTS: [(&str, &str, &str); 4] = [
    ("/v1/users", "coord.Error", "application/json"),
    ("/{tenant}/", "suite.Error", "application/json"),
    ("/api/", "legacy.Error", "application/json"),
    ("/admin/", "admin.Problem", "application/problem+json"),
];

/// The operations that only refuse: the legacy look-up without an id.
const NO_SUCCESS: [(&str, &str); 1] = [("GET", "/api/users/show/")];

const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

fn document() -> Value {
    serde_json::to_value(api::openapi::document()).unwrap()
}

/// Every (method, path, operation) of the document.
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let paths = doc["paths"].as_object().unwrap();
    let mut all = Vec::new();
    for (path, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            if METHODS.contains(&method.as_str()) {
                all.push((method.to_uppercase(), path.clone(), operation.clone()));
            }
        }
    }
    assert!(all.len() > 70, "the document lists the service's operations");
    all
}

fn dialect(path: &str) -> Option<(&'static str, &'static str)> {
    DIALECTS.iter().find(|(prefix, ..)| path.starts_with(prefix)).map(|(_, schema, media)| (*schema, *media))
}

fn responses(operation: &Value) -> &serde_json::Map<String, Value> {
    operation["responses"].as_object().unwrap()
}

/// A schema that says something: a `$ref` to a component that exists, or a typed schema.
fn meaningful(doc: &Value, schema: &Value) -> bool {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference.trim_start_matches("#/components/schemas/");
            doc["components"]["schemas"].get(name).is_some()
        }
        None => schema.as_object().is_some_and(|s| !s.is_empty()),
    }
}

#[test]
fn every_success_is_documented_with_a_body_schema() {
    let doc = document();
    let mut missing = Vec::new();
    for (method, path, operation) in operations(&doc) {
        let responses = responses(&operation);
        let successes: Vec<_> = responses.iter().filter(|(status, _)| status.starts_with(['2', '3'])).collect();
        if successes.is_empty() && !NO_SUCCESS.contains(&(method.as_str(), path.as_str())) {
            missing.push(format!("{method} {path}: no success status"));
        }
        for (status, response) in successes {
            let content = response["content"].as_object();
            let bodiless = ["204", "303"].contains(&status.as_str());
            match content {
                None if bodiless => {}
                None => missing.push(format!("{method} {path} {status}: no body")),
                Some(content) => {
                    for (media, body) in content {
                        if !meaningful(&doc, &body["schema"]) {
                            missing.push(format!("{method} {path} {status} {media}: no schema"));
                        }
                    }
                }
            }
        }
    }
    assert!(missing.is_empty(), "successes without a body schema:\n{}", missing.join("\n"));
}

#[test]
fn every_error_of_a_dialect_is_documented_in_its_format() {
    let doc = document();
    let mut wrong = Vec::new();
    for (method, path, operation) in operations(&doc) {
        let Some((schema, media)) = dialect(&path) else { continue };
        let expected = format!("#/components/schemas/{schema}");
        let responses = responses(&operation);
        // a page for people (the email-confirmation link) answers its errors as a page
        let page = responses.values().any(|r| r["content"].get("text/html").is_some());
        for (status, response) in responses.iter().filter(|(status, _)| status.starts_with(['4', '5'])) {
            let content = response["content"].as_object();
            let in_format = content.is_some_and(|c| {
                c.len() == 1 && c.get(media).is_some_and(|m| m["schema"]["$ref"] == expected.as_str())
            });
            let as_page = page && content.is_some_and(|c| c.contains_key("text/html"));
            if !in_format && !as_page {
                wrong.push(format!("{method} {path} {status}: not a {schema} body ({media})"));
            }
        }
    }
    assert!(wrong.is_empty(), "errors not in their dialect's format:\n{}", wrong.join("\n"));
}

#[test]
fn every_operation_documents_the_errors_it_can_always_answer() {
    let doc = document();
    let mut missing = Vec::new();
    for (method, path, operation) in operations(&doc) {
        if dialect(&path).is_none() {
            continue;
        }
        let mut expected = vec!["500", "503"];
        if operation.get("requestBody").is_some() {
            expected.extend(["400", "408", "413", "415"]);
        }
        let requirements = operation["security"].as_array().cloned().unwrap_or_default();
        let optional = requirements.iter().any(|r| r.as_object().is_some_and(serde_json::Map::is_empty));
        if !requirements.is_empty() && !optional {
            expected.push("401");
        }
        if path.starts_with("/{tenant}/") {
            expected.push("404");
        }
        let responses = responses(&operation);
        missing.extend(
            expected.into_iter().filter(|s| !responses.contains_key(*s)).map(|s| format!("{method} {path}: {s}")),
        );
        if !responses.keys().any(|s| s.starts_with('4')) {
            missing.push(format!("{method} {path}: no 4xx at all"));
        }
    }
    assert!(missing.is_empty(), "statuses an operation can answer but does not document:\n{}", missing.join("\n"));
}

#[test]
fn every_operation_has_an_id_of_its_own() {
    let doc = document();
    let mut ids = std::collections::BTreeMap::<String, Vec<String>>::new();
    for (method, path, operation) in operations(&doc) {
        let id = operation["operationId"].as_str().unwrap_or_default().to_owned();
        ids.entry(id).or_default().push(format!("{method} {path}"));
    }
    let shared: Vec<_> = ids.iter().filter(|(id, ops)| id.is_empty() || ops.len() > 1).collect();
    assert!(shared.is_empty(), "operation ids missing or shared: {shared:?}");
}

#[test]
fn every_credential_is_a_declared_scheme_of_its_dialect() {
    let doc = document();
    let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
    // the bearer tokens of one dialect open no other dialect's operations
    let dialect_schemes = [("/v1/users", "coord_user"), ("/{tenant}/", "suite_user"), ("/api/", "legacy_user")];
    let mut wrong = Vec::new();
    for (method, path, operation) in operations(&doc) {
        let requirements = operation["security"].as_array().cloned().unwrap_or_default();
        for requirement in &requirements {
            for name in requirement.as_object().unwrap().keys() {
                if !schemes.contains_key(name) {
                    wrong.push(format!("{method} {path}: undeclared scheme {name}"));
                }
                let users = name.ends_with("_user");
                if users && !dialect_schemes.iter().any(|(prefix, scheme)| path.starts_with(prefix) && scheme == name) {
                    wrong.push(format!("{method} {path}: {name} belongs to another dialect"));
                }
            }
        }
        // coord partners are known by their access key on every operation but the consent
        // form's answer, which carries a sealed state instead
        let coord = path.starts_with("/v1/users") && !(method == "POST" && path == "/v1/users/link_account");
        if coord && (requirements.is_empty() || !requirements.iter().all(|r| r.get("access_key").is_some())) {
            wrong.push(format!("{method} {path}: coord without the access_key scheme"));
        }
    }
    assert!(wrong.is_empty(), "security requirements:\n{}", wrong.join("\n"));
}
