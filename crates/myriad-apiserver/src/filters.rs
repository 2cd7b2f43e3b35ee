//! What every request passes before a handler sees it, in kube-apiserver's order:
//! authentication (who), impersonation (acting as whom), priority and fairness (when),
//! authorization (may they). The identity is left on the request as an
//! `Arc<UserInfo>` extension.

use std::sync::{Arc, LazyLock};
use std::time::Instant;

use axum::extract::{Query, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::authn::{Authenticated, Peer, UserInfo};
use crate::authz::Attributes;
use crate::error::ApiError;
use crate::flowcontrol::Refusal;
use crate::handlers::{AppState, Params};
use crate::{impersonation, request_info, user_agents};

/// Paths anyone may read without credentials (RBAC's `system:public-info-viewer`
/// still decides).
const PUBLIC: &[&str] = &["/healthz", "/livez", "/readyz", "/version"];

static ANONYMOUS: LazyLock<Arc<UserInfo>> = LazyLock::new(|| Arc::new(UserInfo::anonymous()));

/// Authenticates the request (401 for bad credentials, or none outside the public
/// paths), then applies any impersonation headers.
pub async fn authenticate(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let peer = request.extensions().get::<Peer>().cloned().unwrap_or(Peer::Anonymous);
    let user = match state.authenticator.authenticate(&peer, request.headers()).await {
        Ok(Authenticated::User(user)) => user,
        Ok(Authenticated::Anonymous) if PUBLIC.contains(&request.uri().path()) => ANONYMOUS.clone(),
        Ok(Authenticated::Anonymous) => return ApiError::Unauthorized.into_response(),
        Ok(Authenticated::Rejected(reason)) => {
            tracing::debug!(%reason, path = request.uri().path(), "authentication failed");
            return ApiError::Unauthorized.into_response();
        }
        Err(error) => return error.into_response(),
    };
    let user = match impersonation::apply(&state, user, request.headers()) {
        Ok(user) => user,
        Err(error) => return error.into_response(),
    };
    request.extensions_mut().insert(user);
    next.run(request).await
}

/// Refuses (429) a request whose user agent is over its limit
/// (`kube-system/myriad-user-agent-limits`); `system:masters` is never throttled.
pub async fn throttle_user_agents(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let exempt = request
        .extensions()
        .get::<Arc<UserInfo>>()
        .is_none_or(|user| user.in_group(crate::authz::MASTERS));
    if !exempt {
        let agent = request
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if let Err((prefix, retry_after)) = state.user_agents.check(agent) {
            state.metrics.user_agent_throttled(&prefix);
            let refusal = ApiError::TooManyRequests {
                message: format!(
                    "the user agent {agent:?} is over its limit ({prefix:?} in {}/{}), please try again later",
                    user_agents::NAMESPACE,
                    user_agents::NAME
                ),
                retry_after,
            };
            return refuse(request, refusal.into_response()).await;
        }
    }
    next.run(request).await
}

/// Answers a refused request after reading (a bounded part of) its body: an HTTP/2
/// stream answered before its body is read is reset, and a client refused often
/// enough would otherwise trip the connection's reset limit and lose every request on
/// it, including those that were not refused.
async fn refuse(request: Request, response: Response) -> Response {
    const DRAIN_BYTES: usize = 1 << 20;
    const DRAIN_TIME: std::time::Duration = std::time::Duration::from_secs(1);
    let body = axum::body::to_bytes(request.into_body(), DRAIN_BYTES);
    let _ = tokio::time::timeout(DRAIN_TIME, body).await;
    response
}

/// Upstream's response headers naming the FlowSchema and priority level (by uid).
const FLOW_SCHEMA_UID: HeaderName = HeaderName::from_static("x-kubernetes-pf-flowschema-uid");
const PRIORITY_LEVEL_UID: HeaderName = HeaderName::from_static("x-kubernetes-pf-prioritylevel-uid");
/// Objects a seat's worth of LIST covers, and the most seats one request takes
/// (upstream's list work estimator).
const OBJECTS_PER_SEAT: usize = 100;
const MAX_SEATS: usize = 10;

/// Waits for the request's seats in its priority level; refuses it with 429 when its
/// queue is full, its level does not queue, or it waited too long.
pub async fn flow_control(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let Some(user) = request.extensions().get::<Arc<UserInfo>>().cloned() else {
        return ApiError::Unauthorized.into_response();
    };
    let attributes = attributes_of(&request);
    let seats = seats_of(&state, &request, &attributes);
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
    request.extensions_mut().insert(attributes);
    let watch = attributes_watch(&request);
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

fn attributes_watch(request: &Request) -> bool {
    request
        .extensions()
        .get::<Attributes>()
        .is_some_and(|a| a.verb == "watch")
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
pub fn record_load(state: &AppState) {
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
fn seats_of(state: &AppState, request: &Request, attributes: &Attributes) -> usize {
    if attributes.verb != "list" || !attributes.name.is_empty() {
        return 1;
    }
    let params: Params = Query::try_from_uri(request.uri()).map(|q| q.0).unwrap_or_default();
    let watch = params.get("watch").is_some_and(|v| v == "true" || v == "1");
    let Some(info) = request_info::parse(request.method(), request.uri().path(), watch)
        .and_then(|i| state.catalog.lookup(&i.group, &i.version, &i.resource))
    else {
        return 1;
    };
    let count = state.caches.count(&info).unwrap_or(0);
    let limit = params.get("limit").and_then(|l| l.parse::<usize>().ok()).unwrap_or(0);
    let objects = if limit > 0 { limit.min(count) } else { count };
    objects.div_ceil(OBJECTS_PER_SEAT).clamp(1, MAX_SEATS)
}

/// Charges the request to its namespace's cell request quota (429 beyond it);
/// `system:masters` is not charged.
pub async fn cell_quota(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let masters = request
        .extensions()
        .get::<Arc<UserInfo>>()
        .is_none_or(|user| user.in_group(crate::authz::MASTERS));
    let charged = match request.extensions().get::<Attributes>() {
        Some(attributes) if !masters => state.cells.charge(attributes),
        _ => Ok(()),
    };
    if let Err(refusal) = charged {
        return refuse(request, refusal.into_response()).await;
    }
    next.run(request).await
}

/// Refuses (403) what the caller may not do.
pub async fn authorize(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(user) = request.extensions().get::<Arc<UserInfo>>().cloned() else {
        return ApiError::Unauthorized.into_response();
    };
    let attributes = match request.extensions().get::<Attributes>() {
        Some(attributes) => attributes.clone(),
        None => attributes_of(&request),
    };
    let decision = state.authorizer.authorize(&user, &attributes);
    if !decision.allowed {
        return attributes.forbidden(&user, &decision.reason).into_response();
    }
    next.run(request).await
}

/// What the request asks to do, in RBAC's terms.
pub fn attributes_of(request: &Request) -> Attributes {
    let uri = request.uri();
    let params: Params = Query::try_from_uri(uri).map(|q| q.0).unwrap_or_default();
    let watch = params.get("watch").is_some_and(|v| v == "true" || v == "1");
    match request_info::parse(request.method(), uri.path(), watch) {
        Some(info) => Attributes::of_resource(&info, params.get("fieldSelector").map(String::as_str)),
        None => Attributes::of_path(request.method(), uri.path()),
    }
}
