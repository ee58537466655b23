//! The suite dialect: a white-label mobility suite's Authentication API (`/{tenant}/auth/…`)
//! and User API (`/{tenant}/front/…`). Every path is scoped by the tenant; errors are
//! `{errorCode, userMessage, httpStatus, traceId}` with `userMessage` localized.
pub(crate) mod auth;
pub mod bootstrap;
pub(crate) mod codes;
pub(crate) mod customers;
pub(crate) mod error;
mod extract;
pub(crate) mod social;
pub(crate) mod twofactor;

pub use error::SuiteError;

use crate::state::AppState;
use axum::Router;
use axum::routing::{any, post};

pub const AUDIENCE: &str = commands::signin::Dialect::Suite.audience();
pub const DIALECT: &str = "suite";
/// The audience of API-client tokens (`sign-in-api-client`).
pub const CLIENT_AUDIENCE: &str = commands::signin::CLIENT_AUDIENCE;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/{tenant}/auth/sign-in-email", post(auth::sign_in_email))
        .route("/{tenant}/auth/refresh-token", post(auth::refresh_token))
        .route("/{tenant}/auth/logout", post(auth::logout))
        .route("/{tenant}/auth/sign-in-api-client", post(auth::sign_in_api_client))
        .route("/{tenant}/auth/social-login", post(social::social_login))
        .route("/{tenant}/auth/sign-in-email-code", post(codes::sign_in_email_code))
        .route("/{tenant}/auth/sign-in-phone-number", post(codes::sign_in_phone_number))
        .route(
            "/{tenant}/front/customers/create-or-sign-in-with-phone-number",
            post(codes::create_or_sign_in_with_phone_number),
        )
        .route(
            "/{tenant}/front/customers/create-or-sign-in-with-email-code",
            post(codes::create_or_sign_in_with_email_code),
        )
        .route("/{tenant}/auth/sign-in-gaiyo", post(social::sign_in_gaiyo))
        .route("/{tenant}/auth/user/openid-token-exchange", post(social::openid_token_exchange))
        .route("/{tenant}/front/customers/social-sign-up", post(social::social_sign_up))
        .route("/{tenant}/auth/user/2fa-secret", post(twofactor::secret))
        .route("/{tenant}/auth/user/2fa-qr-code", post(twofactor::qr_code))
        .route("/{tenant}/auth/user/2fa-enable", post(twofactor::enable))
        .route("/{tenant}/auth/user/2fa-code-validate", post(twofactor::validate))
        .route("/{tenant}/front/customers", post(customers::sign_up).get(customers::current))
        // unknown paths under a suite prefix answer in the suite format
        .route("/{tenant}/auth/{*rest}", any(error::not_found))
        .route("/{tenant}/front/{*rest}", any(error::not_found))
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(axum::middleware::from_fn(error::localize))
}
