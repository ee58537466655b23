//! Bounded requests: every connection and request ends within known times, whatever the client
//! does. hyper's HTTP/1 connection closes a connection whose request headers (or whose next
//! request, on an idle keep-alive connection) do not arrive within the header-read timeout;
//! tower-http's `RequestBodyTimeoutLayer` fails a body that pauses longer than the body-read
//! timeout; the deadline middleware answers a request that is not done in time with 503 in its
//! dialect's error format; a semaphore caps open connections, and those beyond the cap wait in
//! the listen backlog until one closes.
use crate::config::Settings;
use crate::coord::CoordError;
use crate::error::ApiError;
use crate::legacy::LegacyError;
use axum::Router;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::ACCEPT_LANGUAGE;
use axum::http::{HeaderMap, HeaderName};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower_http::request_id::{MakeRequestId, MakeRequestUuid};
use tower_http::timeout::RequestBodyTimeoutLayer;

/// The time and connection limits of the HTTP server.
#[derive(Debug, Clone, Copy)]
pub struct HttpLimits {
    pub header_read_timeout: Duration,
    pub body_read_timeout: Duration,
    pub request_timeout: Duration,
    pub max_connections: usize,
}

impl HttpLimits {
    /// The settings' limits; each timeout is clamped to 1 s–1 h, the connection cap to ≥ 1.
    pub fn from_settings(settings: &Settings) -> Self {
        let secs = |n: u64| Duration::from_secs(n.clamp(1, 3600));
        Self {
            header_read_timeout: secs(settings.header_read_timeout_secs),
            body_read_timeout: secs(settings.body_read_timeout_secs),
            request_timeout: secs(settings.request_timeout_secs),
            max_connections: settings.max_connections.max(1),
        }
    }
}

/// `router` with the body-read timeout and the request deadline around it.
pub fn layers(router: Router, limits: &HttpLimits) -> Router {
    router
        .layer(RequestBodyTimeoutLayer::new(limits.body_read_timeout))
        .layer(axum::middleware::from_fn_with_state(limits.request_timeout, deadline))
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Answers 503 in the request's dialect when the rest of the stack takes longer than `limit`.
/// The request id is set here (the router's own layer keeps it), so this answer carries it too.
async fn deadline(State(limit): State<Duration>, mut request: Request, next: Next) -> Response {
    if !request.headers().contains_key(REQUEST_ID)
        && let Some(id) = MakeRequestUuid.make_request_id(&request)
    {
        request.headers_mut().insert(REQUEST_ID, id.into_header_value());
    }
    // what the answer past the deadline needs, kept without building anything for the answer
    // in time (header values and the URI share their bytes)
    let dialect = Dialect::of(request.uri().path());
    let request_id = request.headers().get(REQUEST_ID).cloned();
    let language = request.headers().get(ACCEPT_LANGUAGE).cloned();
    let uri = request.uri().clone();
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(path = uri.path(), limit_secs = limit.as_secs(), "request deadline exceeded");
            let mut caller = HeaderMap::new();
            if let Some(language) = language {
                caller.insert(ACCEPT_LANGUAGE, language);
            }
            if let Some(id) = &request_id {
                caller.insert(REQUEST_ID, id.clone());
            }
            let mut response = dialect.respond(ApiError::DeadlineExceeded, &caller);
            if let Some(id) = request_id {
                response.headers_mut().insert(REQUEST_ID, id);
            }
            response
        }
    }
}

/// Which dialect's error format a path answers in (as the routers' fallbacks decide it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialect {
    Coord,
    Suite,
    Legacy,
}

impl Dialect {
    fn of(path: &str) -> Self {
        if path.starts_with("/api/oauth/") || path.starts_with("/api/users/") || path == "/api/bucket" {
            return Self::Legacy;
        }
        let mut segments = path.trim_start_matches('/').split('/').skip(1);
        let section = segments.next();
        let rest = segments.next();
        if matches!(section, Some("auth" | "front")) && rest.is_some_and(|r| !r.is_empty()) {
            Self::Suite
        } else {
            Self::Coord
        }
    }

    fn respond(self, error: ApiError, headers: &HeaderMap) -> Response {
        match self {
            Self::Coord => CoordError(error).into_response(),
            Self::Legacy => LegacyError(error).into_response(),
            Self::Suite => crate::suite::error::respond(error, headers),
        }
    }
}

/// Whether a body extractor failed because the body paused past the body-read timeout.
pub fn is_body_timeout(rejection: &axum::extract::rejection::JsonRejection) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(rejection);
    while let Some(error) = source {
        if error.is::<tower_http::timeout::TimeoutError>() {
            return true;
        }
        source = error.source();
    }
    false
}

/// Serves `router` on `listener` over HTTP/1.1 within `limits` until `shutdown` resolves, then
/// waits for the open connections to finish their requests. Handlers find the peer address as
/// `ConnectInfo<SocketAddr>`, as with axum's `into_make_service_with_connect_info`.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: HttpLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout);
    tokio::pin!(shutdown);
    loop {
        // a connection beyond the cap stays in the backlog until an open one closes
        let accepted = tokio::select! {
            accepted = accept(&listener, &permits) => accepted,
            () = &mut shutdown => break,
        };
        let Some((stream, peer, permit)) = accepted else { continue };
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            tower::ServiceExt::oneshot(router.clone(), request)
        });
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(%peer, error = %e, "connection closed with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

type Accepted = (tokio::net::TcpStream, SocketAddr, tokio::sync::OwnedSemaphorePermit);

/// The next connection with its permit; `None` after an accept error (logged; a short pause
/// when the process is out of file descriptors, so the loop does not spin).
async fn accept(listener: &TcpListener, permits: &Arc<Semaphore>) -> Option<Accepted> {
    let permit = permits.clone().acquire_owned().await.ok()?;
    match listener.accept().await {
        Ok((stream, peer)) => Some((stream, peer, permit)),
        Err(e) => {
            tracing::warn!(error = %e, "accept failed");
            tokio::time::sleep(Duration::from_millis(100)).await;
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_decides_the_dialect_of_a_deadline_answer() {
        assert_eq!(Dialect::of("/v1/users/user/current"), Dialect::Coord);
        assert_eq!(Dialect::of("/demo/front/customers"), Dialect::Suite);
        assert_eq!(Dialect::of("/demo/auth/sign-in-email"), Dialect::Suite);
        assert_eq!(Dialect::of("/api/users/isLogged"), Dialect::Legacy);
        assert_eq!(Dialect::of("/api/oauth/token"), Dialect::Legacy);
        assert_eq!(Dialect::of("/api/bucket"), Dialect::Legacy);
        assert_eq!(Dialect::of("/demo/auth/"), Dialect::Coord);
        assert_eq!(Dialect::of("/readyz"), Dialect::Coord);
    }
}
