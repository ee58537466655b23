//! The coord dialect: the Coord Users API (`/v1/users`). Partners authenticate with an
//! `access_key` query parameter; users with a Bearer JWT minted through `create_jwt`.
pub(crate) mod error;
mod extract;
pub(crate) mod jwt;
pub(crate) mod user;

pub use error::CoordError;

use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post, put};

pub const AUDIENCE: &str = commands::signin::Dialect::Coord.audience();
pub const DIALECT: &str = "coord";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/create_jwt", post(jwt::create_jwt))
        .route("/testing/create_jwt", post(jwt::create_test_jwt))
        .route("/user/current", get(user::current))
        .route("/user/current/vehicle", put(user::put_vehicle))
        .route("/user/current/update_vehicle", post(user::update_vehicle))
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
}
