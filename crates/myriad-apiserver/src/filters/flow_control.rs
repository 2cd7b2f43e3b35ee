//! API priority and fairness: waits for the request's seats in its priority level, and
//! refuses it (429, plain text with `Retry-After`, as upstream) when its queue is full,
//! its level does not queue, or it waited too long. A LIST takes seats by how many
//! objects it may return; a request holds its seats until its response is sent (a
//! watch until its stream starts).

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::refuse;
use crate::authn::UserInfo;
use crate::authz::Attributes;
use crate::error::ApiError;
use crate::flowcontrol::Refusal;
use crate::request::Parsed;
use crate::state::AppState;

/// Upstream's response headers naming the FlowSchema and priority level (by uid).
const FLOW_SCHEMA_UID: HeaderName = HeaderName::from_static("x-kubernetes-pf-flowschema-uid");
const PRIORITY_LEVEL_UID: HeaderName = HeaderName::from_static("x-kubernetes-pf-prioritylevel-uid");
/// Objects a seat's worth of LIST covers, and the most seats one request takes
/// (upstream's list work estimator).
const OBJECTS_PER_SEAT: usize = 100;
const MAX_SEATS: usize = 10;

/// Waits for the request's seats in its priority level; refuses it with 429 when its
/// queue is full, its level does not queue, or it waited too long.
pub(super) async fn admit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (Some(user), Some(attributes), Some(parsed)) = (
        request.extensions().get::<Arc<UserInfo>>().cloned(),
        request.extensions().get::<Attributes>().cloned(),
        request.extensions().get::<Arc<Parsed>>().cloned(),
    ) else {
        return ApiError::Unauthorized.into_response();
    };
    let seats = seats_of(&state, &parsed, &attributes);
    let started = Instant::now();
    let admitted = state.flowcontrol.admit(&user, &attributes, seats).await;
    let admission = match admitted {
        Ok(admission) => admission,
        Err(refusal) => {
            state
                .metrics
                .flow_rejected(&refusal.level, &refusal.schema, refusal.reason.as_str());
            return refuse(request, too_many_requests(&refusal)).await;
        }
    };
    state
        .metrics
        .flow_dispatched(&admission.level, &admission.schema, started.elapsed());
    let watch = attributes.verb == "watch";
    let response = next.run(request).await;
    // A watch holds its seats until its stream starts (upstream: until it is
    // initialized); anything else until its whole body is sent, as upstream's handlers
    // write their response before returning.
    let mut response = match admission.seats {
        Some(seats) if !watch => response.map(|body| axum::body::Body::new(Seated { body, _seats: seats })),
        _ => response,
    };
    set_uid_headers(&mut response, &admission.schema_uid, &admission.level_uid);
    response
}

/// A response body that holds its request's seats until it is sent (or dropped).
struct Seated {
    body: axum::body::Body,
    _seats: crate::flowcontrol::Seats,
}

impl http_body::Body for Seated {
    type Data = bytes::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        std::pin::Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

/// Updates the priority levels' load gauges (at scrape time).
pub(crate) fn record_load(state: &AppState) {
    for (level, seats, waiting) in state.flowcontrol.load() {
        state.metrics.flow_load(&level, seats, waiting);
    }
}

fn set_uid_headers(response: &mut Response, schema_uid: &str, level_uid: &str) {
    for (name, value) in [(FLOW_SCHEMA_UID, schema_uid), (PRIORITY_LEVEL_UID, level_uid)] {
        if let Ok(value) = HeaderValue::from_str(value) {
            response.headers_mut().insert(name, value);
        }
    }
}

/// Upstream's refusal: plain text, `Retry-After`, and the classification headers.
fn too_many_requests(refusal: &Refusal) -> Response {
    tracing::debug!(level = %refusal.level, schema = %refusal.schema, reason = refusal.reason.as_str(), "request refused");
    let mut response = (
        StatusCode::TOO_MANY_REQUESTS,
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::RETRY_AFTER, "1"),
        ],
        "Too many requests, please try again later.\n",
    )
        .into_response();
    set_uid_headers(&mut response, &refusal.schema_uid, &refusal.level_uid);
    response
}

/// Seats a request takes: a LIST of many objects takes one per hundred it may return
/// (at most ten), anything else one.
fn seats_of(state: &AppState, parsed: &Parsed, attributes: &Attributes) -> usize {
    if attributes.verb != "list" || !attributes.name.is_empty() {
        return 1;
    }
    let Some(info) = parsed
        .info
        .as_ref()
        .and_then(|i| state.catalog().lookup(&i.group, &i.version, &i.resource))
    else {
        return 1;
    };
    let count = state.caches().count(&info).unwrap_or(0);
    let limit = parsed.param("limit").and_then(|l| l.parse::<usize>().ok()).unwrap_or(0);
    let objects = if limit > 0 { limit.min(count) } else { count };
    objects.div_ceil(OBJECTS_PER_SEAT).clamp(1, MAX_SEATS)
}
