//! The answers that an operation can give whatever its handler does, added to the document once
//! here rather than on each of the handlers' annotations: the rejections of the dialect's
//! extractors (a body that is not JSON, too large, too slow or of another media type; a missing or
//! bad credential; a suite path's unknown tenant) and the service's own failures (a database that
//! is busy, unreachable or past the request's deadline; an internal error). Each is answered in
//! the error format of the operation's dialect. An operation's own description of a status wins.
use serde_json::Value;
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::{Content, OpenApi, Ref, RefOr, Response, ResponseBuilder};

/// The dialects, told apart by the path: each has its error body and its codes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Dialect {
    Coord,
    Suite,
    Legacy,
    Admin,
}

impl Dialect {
    fn of(path: &str) -> Option<Self> {
        match path {
            p if p.starts_with("/v1/users") => Some(Self::Coord),
            p if p.starts_with("/{tenant}/") => Some(Self::Suite),
            p if p.starts_with("/api/") => Some(Self::Legacy),
            p if p.starts_with("/admin/") => Some(Self::Admin),
            _ => None,
        }
    }

    /// The schema name and the media type of the dialect's error body.
    fn body(self) -> (&'static str, &'static str) {
        match self {
            Self::Coord => ("coord.Error", "application/json"),
            Self::Suite => ("suite.Error", "application/json"),
            Self::Legacy => ("legacy.Error", "application/json"),
            Self::Admin => ("admin.Problem", "application/problem+json"),
        }
    }

    /// The description of a common status in this dialect's codes.
    fn describe(self, status: &str) -> &'static str {
        let suite = self == Self::Suite;
        match (status, suite) {
            ("400", false) => "invalid_body: the body is not JSON, or a field is missing or of the wrong type",
            ("400", true) => "REQ400: the body is not JSON, or a field is missing or of the wrong type",
            ("401", false) => {
                "missing_token, malformed_token, expired_token, invalid_token, session_ended \
                 (coord: also missing_access_key, invalid_access_key)"
            }
            ("401", true) => "A202 (no, malformed or invalid token), A203 (expired), A204 (session ended)",
            ("404", _) => "T404: no tenant has the id in the path",
            ("408", false) => "request_timeout: the body paused longer than the body read timeout",
            ("408", true) => "REQ408: the body paused longer than the body read timeout",
            ("413", false) => "payload_too_large: the body is larger than 2 MiB",
            ("413", true) => "REQ413: the body is larger than 2 MiB",
            ("415", false) => "unsupported_media_type: the body is not of the documented media type",
            ("415", true) => "REQ415: the body is not of the documented media type",
            ("500", false) => "internal_error",
            ("500", true) => "SRV500: internal error",
            (_, false) => "busy, unavailable (Retry-After) or deadline_exceeded: retry",
            (_, true) => "SRV503 (busy), SRV503.2 (deadline exceeded) or SRV503.3 (unavailable, Retry-After): retry",
        }
    }

    fn response(self, status: &str) -> RefOr<Response> {
        let (schema, media_type) = self.body();
        let content = Content::new(Some(Ref::from_schema_name(schema)));
        ResponseBuilder::new().description(self.describe(status)).content(media_type, content).build().into()
    }
}

/// Adds the common answers to every operation of a dialect, and makes the operation ids unique.
pub fn complete(document: &mut OpenApi) {
    unique_operation_ids(document);
    for (path, item) in document.paths.paths.iter_mut() {
        let Some(dialect) = Dialect::of(path) else { continue };
        for (_, operation) in operations(item) {
            let statuses = common_statuses(operation, dialect);
            for status in statuses {
                let responses = &mut operation.responses.responses;
                responses.entry(status.to_owned()).or_insert_with(|| dialect.response(status));
            }
        }
    }
}

/// An id that several operations share (a handler routed with two methods, two dialects'
/// handlers of one name) becomes `{tag}_{id}_{method}` on each of them: OpenAPI requires unique
/// ids, and client generators name their functions after them.
fn unique_operation_ids(document: &mut OpenApi) {
    let mut seen = std::collections::HashMap::<String, usize>::new();
    for item in document.paths.paths.values_mut() {
        for (_, operation) in operations(item) {
            *seen.entry(operation.operation_id.clone().unwrap_or_default()).or_default() += 1;
        }
    }
    for item in document.paths.paths.values_mut() {
        for (method, operation) in operations(item) {
            let id = operation.operation_id.clone().unwrap_or_default();
            if seen.get(&id).is_some_and(|n| *n > 1) {
                let tag = operation.tags.as_ref().and_then(|t| t.first()).cloned().unwrap_or_default();
                operation.operation_id = Some(format!("{tag}_{id}_{method}"));
            }
        }
    }
}

/// The statuses an operation can answer before or after its handler runs.
fn common_statuses(operation: &Operation, dialect: Dialect) -> Vec<&'static str> {
    let mut statuses = vec!["500", "503"];
    if operation.request_body.is_some() {
        statuses.extend(["400", "408", "413", "415"]);
    }
    if requires_credentials(operation) {
        statuses.push("401");
    }
    if dialect == Dialect::Suite {
        statuses.push("404");
    }
    statuses
}

/// Whether every way to call the operation needs a credential (no empty requirement `{}`).
fn requires_credentials(operation: &Operation) -> bool {
    let Some(requirements) = &operation.security else { return false };
    let empty = |r: &utoipa::openapi::security::SecurityRequirement| {
        serde_json::to_value(r).ok().and_then(|v: Value| v.as_object().map(serde_json::Map::is_empty)).unwrap_or(true)
    };
    !requirements.is_empty() && !requirements.iter().any(empty)
}

/// The operations of a path item, with their methods (lowercase).
fn operations(item: &mut PathItem) -> impl Iterator<Item = (&'static str, &mut Operation)> {
    [
        ("get", &mut item.get),
        ("put", &mut item.put),
        ("post", &mut item.post),
        ("delete", &mut item.delete),
        ("options", &mut item.options),
        ("head", &mut item.head),
        ("patch", &mut item.patch),
        ("trace", &mut item.trace),
    ]
    .into_iter()
    .filter_map(|(method, operation)| operation.as_mut().map(|operation| (method, operation)))
}
