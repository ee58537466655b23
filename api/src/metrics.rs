//! `/metrics` in the Prometheus text format (the `metrics` facade with its Prometheus exporter):
//! requests by route, method and status with latency histograms (this module's middleware),
//! events appended by type (the store), sign-in outcomes (the sign-in flow), rate-limit refusals
//! (the limits), and, read when scraped, the database pool's connections and each catch-up
//! projection's lag in events.
use crate::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Instant;

/// Request latency buckets, in seconds.
const LATENCY_BUCKETS: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

static RECORDER: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The process's recorder, installed on first use (one per process: every server of a test
/// process shares it); `None` when another recorder was installed first.
pub fn recorder() -> Option<&'static PrometheusHandle> {
    RECORDER
        .get_or_init(|| {
            let latency = Matcher::Full("users_api_http_request_duration_seconds".into());
            let builder = PrometheusBuilder::new().set_buckets_for_metric(latency, LATENCY_BUCKETS);
            match builder.and_then(PrometheusBuilder::install_recorder) {
                Ok(handle) => Some(handle),
                Err(e) => {
                    tracing::warn!(error = %e, "no metrics recorder");
                    None
                }
            }
        })
        .as_ref()
}

/// Count and time every request by its route (the path pattern, not the path: ids do not make
/// series), method and status.
pub async fn track(request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str).to_owned();
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    let seconds = started.elapsed().as_secs_f64();
    metrics::histogram!("users_api_http_request_duration_seconds", "method" => method.clone(), "route" => route.clone())
        .record(seconds);
    metrics::counter!("users_api_http_requests_total", "method" => method, "route" => route, "status" => status)
        .increment(1);
    response
}

/// Set the gauges that are read rather than counted.
async fn sample(state: &AppState) {
    let (size, idle) = state.store.db().pool_usage();
    metrics::gauge!("users_api_db_pool_connections").set(f64::from(size));
    metrics::gauge!("users_api_db_pool_idle_connections").set(idle as f64);
    for projector in projections::catch_up() {
        match state.reads.projection_lag(projector.name()).await {
            Ok(lag) => {
                metrics::gauge!("users_api_projection_lag_events", "projection" => projector.name()).set(lag as f64)
            }
            Err(e) => tracing::warn!(error = %e, projection = projector.name(), "cannot read a projection's lag"),
        }
    }
}

/// Prometheus text format.
#[utoipa::path(get, path = "/metrics", tag = "native", responses(
    (status = 200, description = "Prometheus text format 0.0.4", body = String, content_type = "text/plain"),
))]
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    sample(&state).await;
    let text = recorder().map(PrometheusHandle::render).unwrap_or_default();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text)
}
