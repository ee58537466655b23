//! The legacy dialect: a card-wallet user API (`/api/users`, `/api/oauth`). One tenant serves it
//! (`USERS_API_LEGACY_TENANT`, the demo tenant by default). Paths, the GET with a body on
//! `register` and the statuses are the original's.
pub(crate) mod delete;
pub(crate) mod error;
mod extract;
pub(crate) mod integrations;
pub(crate) mod oauth;
pub(crate) mod password;
pub(crate) mod payment;
pub(crate) mod payment_lists;
pub(crate) mod profile;
pub(crate) mod stripe_objects;
pub(crate) mod token;
pub(crate) mod users;

pub use error::LegacyError;

use crate::openapi::ApiRouter;
use utoipa_axum::routes;

pub const AUDIENCE: &str = commands::signin::Dialect::Legacy.audience();
pub const DIALECT: &str = "legacy";

pub fn router() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(oauth::register))
        .routes(routes!(token::token))
        .routes(routes!(oauth::revoke))
        .routes(routes!(password::reset_password))
        .routes(routes!(password::reset_password_confirm))
        .routes(routes!(users::is_logged))
        .routes(routes!(delete::delete_account))
        .routes(routes!(profile::update))
        .routes(routes!(profile::show))
        .routes(routes!(profile::show_without_id))
        .routes(routes!(profile::buckets))
        .routes(routes!(users::otp_secret, users::otp_enable, users::otp_disable))
        .routes(routes!(payment::attach_card))
        .routes(routes!(payment::default_card, payment::update_card))
        .routes(routes!(payment::get_card, payment::delete_card))
        .routes(routes!(payment::set_default))
        .routes(routes!(payment_lists::get_metadata))
        .routes(routes!(payment_lists::put_metadata))
        .routes(routes!(payment_lists::charges))
        .routes(routes!(payment_lists::subscriptions))
        .routes(routes!(integrations::providers, integrations::add_provider))
        .routes(routes!(integrations::remove_provider))
        .catch_all("/api/oauth/{*rest}", error::not_found)
        .catch_all("/api/users/{*rest}", error::not_found)
        .configure(|router| router.method_not_allowed_fallback(error::method_not_allowed))
}
