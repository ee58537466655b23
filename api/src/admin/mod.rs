//! The admin surface (`/admin/…`) for auditors and operators: the event history as NDJSON,
//! one stream's history and the hash-chain check. Every route needs the admin key
//! (`Authorization: Bearer <USERS_API_ADMIN_KEY>`), compared in constant time; errors are
//! `application/problem+json` (RFC 9457).
mod auth;
mod events;
mod problem;
mod schemas;

pub use auth::AdminKey;
pub use problem::Problem;

use crate::openapi::ApiRouter;
use utoipa_axum::routes;

pub fn router() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(events::events))
        .routes(routes!(events::stream))
        .routes(routes!(events::verify))
        .catch_all("/admin/{*rest}", problem::not_found)
}
