//! Audit metadata of a request: recorded with every event it causes.
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use commands::Metadata;
use std::convert::Infallible;

pub struct RequestMeta(pub Metadata);

impl<S: Send + Sync> FromRequestParts<S> for RequestMeta {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        let header = |name: &str| {
            parts.headers.get(name).and_then(|v| v.to_str().ok()).map(|v| v.chars().take(256).collect::<String>())
        };
        let request_id = header("x-request-id");
        Ok(Self(Metadata {
            user_agent: header("user-agent"),
            correlation_id: request_id.clone(),
            request_id,
            ..Metadata::default()
        }))
    }
}

impl RequestMeta {
    pub fn by(mut self, dialect: &str, tenant: &str, actor: String) -> Metadata {
        self.0.dialect = Some(dialect.to_owned());
        self.0.tenant = Some(tenant.to_owned());
        self.0.actor = Some(actor);
        self.0
    }
}
