//! Admin errors as problem details (RFC 9457): `type`, `title`, `status`, `detail`, served as
//! `application/problem+json`.
use crate::error::ApiError;
use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// One problem, as the admin surface answers it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = admin::Problem, example = json!({"type": "https://users-api.dev/problems/unauthorized", "title": "Unauthorized", "status": 401, "detail": "send the admin key as a bearer token"}))]
pub struct Problem {
    /// A URI naming the kind of problem (`…/problems/unauthorized`, `…/invalid-query`,
    /// `…/not-found`, `…/internal`).
    #[serde(rename = "type")]
    kind: String,
    title: String,
    status: u16,
    detail: String,
    #[serde(skip)]
    www_authenticate: bool,
}

const BASE: &str = "https://users-api.dev/problems/";

impl Problem {
    pub fn new(status: StatusCode, kind: &str, detail: impl Into<String>) -> Self {
        Self {
            kind: format!("{BASE}{kind}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            www_authenticate: status == StatusCode::UNAUTHORIZED,
        }
    }

    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", "send the admin key as a bearer token")
    }

    pub fn invalid_query(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid-query", detail)
    }
}

impl From<ApiError> for Problem {
    fn from(e: ApiError) -> Self {
        let status = e.spec().status;
        // `public_message` logs a server fault's detail and answers a generic text for it
        let kind = if status.is_server_error() { "internal" } else { "request" };
        Self::new(status, kind, e.public_message())
    }
}

impl From<commands::StoreError> for Problem {
    fn from(e: commands::StoreError) -> Self {
        ApiError::from(e).into()
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let challenge = self.www_authenticate;
        let mut response = (status, Json(self)).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/problem+json"));
        if challenge {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// No such admin route.
pub async fn not_found() -> Problem {
    Problem::new(StatusCode::NOT_FOUND, "not-found", "no such admin route")
}

/// A JSON body, or the problem with it: 415 without `application/json`, 400 for JSON that does
/// not parse, 422 for JSON of the wrong shape.
pub struct AdminJson<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequest<S> for AdminJson<T> {
    type Rejection = Problem;

    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Self, Problem> {
        use axum::extract::rejection::JsonRejection;
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(body)) => Ok(Self(body)),
            Err(JsonRejection::MissingJsonContentType(e)) => {
                Err(Problem::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type", e.body_text()))
            }
            Err(JsonRejection::JsonDataError(e)) => {
                Err(Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-body", e.body_text()))
            }
            Err(JsonRejection::BytesRejection(e)) => Err(Problem::new(e.status(), "invalid-body", e.body_text())),
            Err(e) => Err(Problem::new(StatusCode::BAD_REQUEST, "invalid-body", e.body_text())),
        }
    }
}

/// A refused command: `domain` words the aggregate's refusal; a claim another stream holds is a
/// 409 saying `claimed`; a stream that kept changing 503; the store's faults as the store says.
pub fn command_problem<E: std::error::Error>(
    e: commands::CommandError<E>,
    domain: impl FnOnce(E) -> Problem,
    claimed: &str,
) -> Problem {
    use commands::CommandError;
    match e {
        CommandError::Domain(e) => domain(e),
        CommandError::Claim { .. } => Problem::new(StatusCode::CONFLICT, "conflict", claimed),
        CommandError::Contended(_) => Problem::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "try again"),
        CommandError::Store(e) => e.into(),
    }
}

/// A refused catalog command: 404 for an unknown tenant or partner, 409 for one that exists or
/// was revoked (or a key someone else holds), 422 for a value that is not valid.
pub fn catalog_problem(e: commands::catalog::CatalogCommandError) -> Problem {
    use domain::catalog::CatalogError as E;
    let domain = |e: E| match e {
        E::UnknownTenant | E::UnknownPartner | E::UnknownIssuer => {
            Problem::new(StatusCode::NOT_FOUND, "not-found", e.to_string())
        }
        E::TenantExists | E::PartnerExists | E::PartnerRevoked => {
            Problem::new(StatusCode::CONFLICT, "conflict", e.to_string())
        }
        e => Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-configuration", e.to_string()),
    };
    command_problem(e, domain, "the partner id or key belongs to another partner")
}

/// What every operator route may answer before it looks at the request, for the OpenAPI
/// document (`responses(…, super::OperatorRefusals)`): written once, not per route. The answers
/// themselves come from the `Operator` extractor.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum OperatorRefusals {
    #[response(status = 401, description = "No admin key, or a wrong one", content_type = "application/problem+json")]
    Unauthorized(Problem),
    #[response(
        status = 429,
        description = "Too many wrong keys from this address",
        content_type = "application/problem+json"
    )]
    RateLimited(Problem),
    #[response(status = 403, description = "The key has no operator role", content_type = "application/problem+json")]
    Forbidden(Problem),
}

/// `OperatorRefusals`, for the auditor routes (the `Auditor` extractor).
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum AuditorRefusals {
    #[response(status = 401, description = "No admin key, or a wrong one", content_type = "application/problem+json")]
    Unauthorized(Problem),
    #[response(
        status = 429,
        description = "Too many wrong keys from this address",
        content_type = "application/problem+json"
    )]
    RateLimited(Problem),
    #[response(status = 403, description = "The key has no auditor role", content_type = "application/problem+json")]
    Forbidden(Problem),
}

/// What a route with a JSON body may answer before its handler runs (`AdminJson`).
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum JsonBodyRefusals {
    #[response(status = 400, description = "The body is not JSON", content_type = "application/problem+json")]
    NotJson(Problem),
    #[response(
        status = 415,
        description = "The body is not `application/json`",
        content_type = "application/problem+json"
    )]
    NotJsonMediaType(Problem),
}
