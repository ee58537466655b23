//! The admin surface (`/admin/…`) for auditors and operators: the event history as NDJSON,
//! one stream's history and the hash-chain check. Every route needs the admin key
//! (`Authorization: Bearer <USERS_API_ADMIN_KEY>`), compared in constant time; errors are
//! `application/problem+json` (RFC 9457).
mod auth;
mod cards;
mod events;
mod partners;
mod problem;
mod projections;
mod reads;
mod schemas;
mod tenants;
mod users;
mod wallet;

pub use auth::{AdminCaller, Auditor, Operator};
pub use problem::{AuditorRefusals, JsonBodyRefusals, OperatorRefusals, Problem};
pub use projections::RebuildJobs;

use crate::openapi::ApiRouter;
use utoipa_axum::routes;

pub fn router() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(events::events))
        .routes(routes!(events::stream))
        .routes(routes!(events::verify))
        .routes(routes!(users::user_state))
        .routes(routes!(users::erase))
        .routes(routes!(cards::assign, cards::withdraw))
        .routes(routes!(wallet::subscribe))
        .routes(routes!(wallet::cancel))
        .routes(routes!(reads::reads))
        .routes(routes!(projections::list))
        .routes(routes!(tenants::create))
        .routes(routes!(tenants::get))
        .routes(routes!(tenants::token_lifetime))
        .routes(routes!(tenants::provider))
        .routes(routes!(tenants::system))
        .routes(routes!(tenants::branch))
        .routes(routes!(partners::create))
        .routes(routes!(partners::rotate))
        .routes(routes!(partners::revoke))
        .routes(routes!(partners::rotate_signing_key))
        .routes(routes!(projections::rebuild))
        .catch_all("/admin/{*rest}", problem::not_found)
}
