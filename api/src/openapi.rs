//! The OpenAPI document, generated from the handlers' annotations (served at `/openapi.json`,
//! browsable at `/docs`).
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

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
    paths(
        crate::coord::jwt::create_jwt,
        crate::coord::jwt::create_test_jwt,
        crate::coord::user::current,
        crate::coord::user::put_vehicle,
        crate::coord::user::update_vehicle,
        crate::suite::customers::sign_up,
        crate::suite::customers::current,
        crate::suite::auth::sign_in_email,
        crate::suite::auth::refresh_token,
        crate::suite::auth::logout,
        crate::suite::auth::sign_in_api_client,
        crate::suite::social::social_login,
        crate::suite::codes::create_or_sign_in_with_email_code,
        crate::suite::codes::sign_in_email_code,
        crate::suite::codes::create_or_sign_in_with_phone_number,
        crate::suite::codes::sign_in_phone_number,
        crate::suite::social::sign_in_gaiyo,
        crate::suite::social::openid_token_exchange,
        crate::suite::social::social_sign_up,
        crate::suite::twofactor::secret,
        crate::suite::twofactor::qr_code,
        crate::suite::twofactor::enable,
        crate::suite::twofactor::validate,
        crate::legacy::oauth::register,
        crate::legacy::oauth::token,
        crate::legacy::oauth::revoke,
        crate::legacy::oauth::reset_password,
        crate::legacy::users::is_logged,
        crate::legacy::users::otp_secret,
        crate::legacy::users::otp_enable,
        crate::legacy::users::otp_disable,
        crate::native::healthz,
        crate::native::readyz,
        crate::native::jwks,
        crate::native::openapi,
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
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                Http::builder()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("An EdDSA access token from create_jwt; keys at /.well-known/jwks.json"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "server_token",
            SecurityScheme::Http(
                Http::builder()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("The partner's secret server token (coord create_jwt only)"))
                    .build(),
            ),
        );
        components
            .add_security_scheme("access_key", SecurityScheme::ApiKey(ApiKey::Query(ApiKeyValue::new("access_key"))));
    }
}

pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
