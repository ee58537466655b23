//! The routes of the service and their OpenAPI document (served at `/openapi.json`, browsable at
//! `/docs`), registered once: a handler's `#[utoipa::path]` gives both its axum route and its
//! operation (utoipa-axum's `routes!`), so the document cannot drift from the router.
mod common;

use crate::state::AppState;
use crate::{coord, legacy, native, suite};
use axum::Router;
use axum::handler::Handler;
use axum::routing::{any, get};
use utoipa::openapi::path::PathItem;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Users API",
        description = "An event-sourced users API for mobility platforms. The coord dialect (`/v1/users`) \
            follows the Coord Users API: partners authenticate with the `access_key` query parameter, users \
            with `Authorization: Bearer <JWT>` minted by `create_jwt`. Coord errors are \
            `{\"code\", \"message\"}` with the stable codes listed in `coord.Error`. The suite dialect \
            (`/{tenant}/auth/…`, `/{tenant}/front/…`) follows a white-label mobility suite's Authentication and \
            User APIs: email sign-up and sign-in, rotating refresh tokens, logout; its errors are \
            `{\"errorCode\", \"userMessage\", \"httpStatus\", \"traceId\"}` with `userMessage` in the language of \
            `Accept-Language` (en, de, fr, nl)."
    ),
    modifiers(&Security),
    tags(
        (name = "coord", description = "The Coord Users API dialect"),
        (name = "suite", description = "The mobility suite dialect: Authentication and User APIs per tenant"),
        (name = "legacy", description = "The card-wallet user API dialect (`/api/users`, `/api/oauth`); errors are `{msg, code}`"),
        (name = "native", description = "Operations, monitoring and key discovery"),
    )
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let bearer = |description: &str, format: Option<&str>| {
            let scheme = Http::builder().scheme(HttpAuthScheme::Bearer).description(Some(description));
            SecurityScheme::Http(match format {
                Some(format) => scheme.bearer_format(format).build(),
                None => scheme.build(),
            })
        };
        components.add_security_scheme(
            "coord_user",
            bearer("A coord user's EdDSA access token from create_jwt; keys at /.well-known/jwks.json", Some("JWT")),
        );
        components.add_security_scheme(
            "suite_user",
            bearer(
                "A suite access token (sign-in, sign-up or refresh), or an API client's token with \
                 `GoUrban-Impersonate: <user id>`",
                Some("JWT"),
            ),
        );
        components.add_security_scheme(
            "legacy_user",
            bearer("A legacy access token from /api/oauth/register or /api/oauth/token", Some("JWT")),
        );
        components.add_security_scheme(
            "server_token",
            bearer("The partner's secret server token (coord create_jwt only)", None),
        );
        components.add_security_scheme(
            "admin",
            bearer("The admin key (USERS_API_ADMIN_KEY, or generated on first start)", None),
        );
        let access_key = ApiKeyValue::with_description("access_key", "The coord partner's API access key");
        components.add_security_scheme("access_key", SecurityScheme::ApiKey(ApiKey::Query(access_key)));
    }
}

/// Every route of the service, with the document that describes them.
pub fn routes() -> ApiRouter {
    ApiRouter { router: OpenApiRouter::with_openapi(ApiDoc::openapi()), table: Vec::new() }
        .merge(coord::router())
        .merge(suite::router())
        .merge(legacy::router())
        .merge(native::router())
        .merge(crate::admin::router())
}

/// The document of every route (what `/openapi.json` serves).
pub fn document() -> utoipa::openapi::OpenApi {
    routes().split_for_parts().1
}

/// Every (method, path) the router was given, documented or not, in registration order.
pub fn routing_table() -> Vec<Route> {
    routes().table
}

/// One (method, path) given to the router.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Route {
    /// Lowercase, as in the document (`get`, `post`), or `*` for a route that takes every method.
    pub method: &'static str,
    /// The axum path, which is also the document's (`/{tenant}/auth/logout`).
    pub path: String,
    /// Whether the document describes it; the others are the deliberate exceptions.
    pub documented: bool,
}

/// A router that records what it routes. Documented routes come from `routes!`, which builds the
/// axum method router and the operation from the same annotation; the few routes left out of the
/// document on purpose have their own methods, so each one is named where it is registered.
pub struct ApiRouter {
    router: OpenApiRouter<AppState>,
    table: Vec<Route>,
}

impl Default for ApiRouter {
    fn default() -> Self {
        Self::new()
    }
}

impl ApiRouter {
    pub fn new() -> Self {
        Self { router: OpenApiRouter::default(), table: Vec::new() }
    }

    /// Handlers of one path, from `routes!(handler, ...)`: routed and documented.
    pub fn routes(mut self, routes: UtoipaMethodRouter<AppState>) -> Self {
        for (path, item) in &routes.1.paths {
            let methods = methods(item).map(|method| Route { method, path: path.clone(), documented: true });
            self.table.extend(methods);
        }
        self.router = self.router.routes(routes);
        self
    }

    /// Every method under `path` (a `{*rest}` pattern): the dialect's "no such endpoint".
    pub fn catch_all<H, T>(mut self, path: &str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.table.push(Route { method: "*", path: path.to_owned(), documented: false });
        self.router = self.router.route(path, any(handler));
        self
    }

    /// A `GET` left out of the document: the `/docs` page and its files, which display the
    /// document rather than belong to it.
    pub fn undocumented_get<H, T>(mut self, path: &str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.table.push(Route { method: "get", path: path.to_owned(), documented: false });
        self.router = self.router.route(path, get(handler));
        self
    }

    /// Router-wide settings (method-not-allowed fallback, middleware) that add no route.
    pub fn configure(self, settings: impl FnOnce(Router<AppState>) -> Router<AppState>) -> Self {
        let (router, document) = self.router.split_for_parts();
        let router = OpenApiRouter::with_openapi(document).merge(settings(router).into());
        Self { router, table: self.table }
    }

    pub fn merge(mut self, other: ApiRouter) -> Self {
        self.router = self.router.merge(other.router);
        self.table.extend(other.table);
        self
    }

    /// The axum router and the document of its routes, with the answers every operation of a
    /// dialect can give (`common`).
    pub fn split_for_parts(self) -> (Router<AppState>, utoipa::openapi::OpenApi) {
        let (router, mut document) = self.router.split_for_parts();
        common::complete(&mut document);
        (router, document)
    }
}

/// The methods a path item documents, lowercase.
fn methods(item: &PathItem) -> impl Iterator<Item = &'static str> + '_ {
    [
        ("get", &item.get),
        ("put", &item.put),
        ("post", &item.post),
        ("delete", &item.delete),
        ("options", &item.options),
        ("head", &item.head),
        ("patch", &item.patch),
        ("trace", &item.trace),
    ]
    .into_iter()
    .filter_map(|(method, operation)| operation.as_ref().map(|_| method))
}
