//! Counts and times every request by verb, resource and code
//! (`apiserver_request_total`, `apiserver_request_duration_seconds`), and keeps the
//! in-flight gauge.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::request::Parsed;
use crate::state::AppState;

pub(super) async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let parsed = request.extensions().get::<Arc<Parsed>>();
    let (verb, resource) = match parsed.and_then(|p| p.info.as_ref()) {
        Some(info) => (info.verb.as_str().to_uppercase(), info.resource.clone()),
        None => (request.method().as_str().to_string(), String::new()),
    };
    let metrics = state.metrics.clone();
    metrics.request_started();
    let started = Instant::now();
    let response = next.run(request).await;
    metrics.request_finished(
        verb,
        resource,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}
