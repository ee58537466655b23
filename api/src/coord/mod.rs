//! The coord dialect: the Coord Users API (`/v1/users`). Partners authenticate with an
//! `access_key` query parameter; users with a Bearer JWT minted through `create_jwt`, or one of
//! the partner's own issuers (`partner_token`).
pub(crate) mod consent;
pub(crate) mod error;
mod extract;
pub(crate) mod jwt;
pub(crate) mod link_account;
pub mod link_state;
mod partner_token;
pub(crate) mod return_url;
pub(crate) mod stripe_info;
pub(crate) mod systems;
pub(crate) mod user;

pub use error::CoordError;

use crate::openapi::ApiRouter;
use utoipa_axum::routes;

pub const AUDIENCE: &str = commands::signin::Dialect::Coord.audience();
pub const DIALECT: &str = "coord";

/// The coord routes, at their full paths under `/v1/users`. Unknown paths there fall to the
/// root's fallback, which answers in the coord format too.
pub fn router() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(jwt::create_jwt))
        .routes(routes!(jwt::create_test_jwt))
        .routes(routes!(user::current))
        .routes(routes!(user::put_vehicle))
        .routes(routes!(user::update_vehicle))
        .routes(routes!(stripe_info::post_stripe_info))
        .routes(routes!(link_account::link_account, link_account::decide))
        .routes(routes!(link_account::link_account_current))
        .routes(routes!(systems::test_link_user_account))
        .configure(|router| router.method_not_allowed_fallback(error::method_not_allowed))
}
