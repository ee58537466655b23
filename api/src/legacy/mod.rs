//! The legacy dialect: a card-wallet user API (`/api/users`, `/api/oauth`). One tenant serves it
//! (`USERS_API_LEGACY_TENANT`, the demo tenant by default). Paths, the GET with a body on
//! `register` and the statuses are the original's.
pub(crate) mod error;
mod extract;
pub(crate) mod oauth;
pub(crate) mod users;

pub use error::LegacyError;

use crate::state::AppState;
use axum::Router;
use axum::routing::{any, get, post};

pub const AUDIENCE: &str = commands::signin::Dialect::Legacy.audience();
pub const DIALECT: &str = "legacy";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/oauth/register", get(oauth::register).post(oauth::register))
        .route("/api/oauth/token", post(oauth::token))
        .route("/api/oauth/revoke", post(oauth::revoke))
        .route("/api/oauth/reset_password", post(oauth::reset_password))
        .route("/api/users/isLogged", get(users::is_logged))
        .route("/api/users/otp", get(users::otp_secret).post(users::otp_enable).delete(users::otp_disable))
        .route("/api/oauth/{*rest}", any(error::not_found))
        .route("/api/users/{*rest}", any(error::not_found))
        .method_not_allowed_fallback(error::method_not_allowed)
}
