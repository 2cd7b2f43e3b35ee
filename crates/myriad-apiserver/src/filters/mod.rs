//! What every request passes before a handler sees it, in kube-apiserver's order. The
//! chain is listed once, here, in the order it runs ([`chain`]); each filter is a file:
//!
//! 1. [`request_info`]: the path and query parsed once, and what the request asks in
//!    RBAC's terms, left in the request's extensions for everything after it;
//! 2. [`metrics`]: counts and times every request;
//! 3. [`deadline`]: non-long-running requests end within the request timeout (504);
//! 4. [`authentication`]: who is calling (401 otherwise), then [`impersonation`];
//! 5. [`user_agents`]: per-user-agent limits (429);
//! 6. [`flow_control`]: API priority and fairness seats (429 when refused);
//! 7. [`authorization`]: RBAC (403);
//! 8. [`cells`]: the namespace's cell request quota (429).
//!
//! A refused request's body is drained (bounded) before the answer, see [`refuse`].

mod authentication;
mod authorization;
mod cells;
mod deadline;
mod flow_control;
pub(crate) mod impersonation;
mod metrics;
mod request_info;
mod user_agents;

use axum::Router;
use axum::extract::Request;
use axum::middleware::from_fn_with_state;
use axum::response::Response;

pub(crate) use flow_control::record_load;

use crate::state::AppState;

/// Wraps `router` in the filter chain. axum runs the last layer added first, so the
/// layers are added in reverse of the order above.
pub(crate) fn chain(router: Router<AppState>, state: &AppState) -> Router<AppState> {
    router
        .layer(from_fn_with_state(state.clone(), cells::charge))
        .layer(from_fn_with_state(state.clone(), authorization::authorize))
        .layer(from_fn_with_state(state.clone(), flow_control::admit))
        .layer(from_fn_with_state(state.clone(), user_agents::throttle))
        .layer(from_fn_with_state(state.clone(), authentication::authenticate))
        .layer(from_fn_with_state(state.clone(), deadline::enforce))
        .layer(from_fn_with_state(state.clone(), metrics::track))
        .layer(axum::middleware::from_fn(request_info::parse))
}

/// Answers a refused request after reading (a bounded part of) its body: an HTTP/2
/// stream answered before its body is read is reset, and a client refused often
/// enough would otherwise trip the connection's reset limit and lose every request on
/// it, including those that were not refused.
pub(crate) async fn refuse(request: Request, response: Response) -> Response {
    const DRAIN_BYTES: usize = 1 << 20;
    const DRAIN_TIME: std::time::Duration = std::time::Duration::from_secs(1);
    let body = axum::body::to_bytes(request.into_body(), DRAIN_BYTES);
    let _ = tokio::time::timeout(DRAIN_TIME, body).await;
    response
}
