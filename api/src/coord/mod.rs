//! The coord dialect: the Coord Users API (`/v1/users`). Partners authenticate with an
//! `access_key` query parameter; users with a Bearer JWT minted through `create_jwt`.
pub(crate) mod error;
mod extract;
pub(crate) mod jwt;
pub(crate) mod stripe_info;
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
        .configure(|router| router.method_not_allowed_fallback(error::method_not_allowed))
}
