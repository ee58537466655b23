//! The suite dialect: a white-label mobility suite's Authentication API (`/{tenant}/auth/…`)
//! and User API (`/{tenant}/front/…`). Every path is scoped by the tenant; errors are
//! `{errorCode, userMessage, httpStatus, traceId}` with `userMessage` localized.
pub(crate) mod auth;
pub mod bootstrap;
pub(crate) mod branches;
pub(crate) mod cards;
pub(crate) mod codes;
pub(crate) mod customers;
pub(crate) mod deletion;
pub(crate) mod error;
mod extract;
pub(crate) mod identity;
pub(crate) mod password;
pub(crate) mod profile;
mod profile_edit;
pub(crate) mod social;
pub(crate) mod twofactor;
pub(crate) mod verify;

pub use error::SuiteError;

use crate::openapi::ApiRouter;
use utoipa_axum::routes;

pub const AUDIENCE: &str = commands::signin::Dialect::Suite.audience();
pub const DIALECT: &str = "suite";
/// The audience of API-client tokens (`sign-in-api-client`).
pub const CLIENT_AUDIENCE: &str = commands::signin::CLIENT_AUDIENCE;

pub fn router() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(auth::sign_in_email))
        .routes(routes!(auth::refresh_token))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::sign_in_api_client))
        .routes(routes!(social::social_login))
        .routes(routes!(codes::sign_in_email_code))
        .routes(routes!(codes::sign_in_phone_number))
        .routes(routes!(codes::create_or_sign_in_with_phone_number))
        .routes(routes!(codes::create_or_sign_in_with_email_code))
        .routes(routes!(social::sign_in_gaiyo))
        .routes(routes!(social::openid_token_exchange))
        .routes(routes!(social::social_sign_up))
        .routes(routes!(twofactor::secret))
        .routes(routes!(twofactor::qr_code))
        .routes(routes!(twofactor::enable))
        .routes(routes!(twofactor::validate))
        .routes(routes!(customers::sign_up, profile::current, profile::patch))
        .routes(routes!(profile::signed))
        .routes(routes!(deletion::request_deletion))
        .routes(routes!(verify::send_phone_code))
        .routes(routes!(verify::check_phone_code))
        .routes(routes!(verify::resend_email))
        .routes(routes!(verify::confirm_email, verify::confirm_email_link))
        .routes(routes!(branches::resolve))
        .routes(routes!(cards::list))
        .routes(routes!(identity::init))
        .merge(password::router())
        // unknown paths under a suite prefix answer in the suite format
        .catch_all("/{tenant}/auth/{*rest}", error::not_found)
        .catch_all("/{tenant}/front/{*rest}", error::not_found)
        .configure(|router| {
            router
                .method_not_allowed_fallback(error::method_not_allowed)
                .layer(axum::middleware::from_fn(error::localize))
        })
}
