//! HTTP routes. Unknown paths answer with a Kubernetes `Status` (404 NotFound), as
//! kubectl expects for `get --raw`.

use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::Method;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use serde_json::json;

use std::sync::Arc;

use crate::authn::UserInfo;
use crate::error::ApiError;
use crate::handlers::{self, AppState};
use crate::{discovery, filters, metrics, openapi};

/// Request bodies over this are refused with 413, as Kubernetes does (3 MiB).
pub const MAX_BODY_BYTES: usize = 3 * 1024 * 1024;

/// The Kubernetes version Myriad's API matches (what `kubectl version` compares against).
pub const KUBE_MAJOR: &str = "1";
pub const KUBE_MINOR: &str = "32";

/// Builds the router.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/version", get(version))
        .route("/healthz", get(ok))
        .route("/livez", get(ok))
        .route("/readyz", get(ok))
        .route("/api", get(discovery::api))
        .route("/apis", get(discovery::apis))
        .route("/openapi/v2", get(openapi::v2))
        .route("/openapi/v3", get(openapi::root))
        .route("/openapi/v3/api/v1", get(openapi::core))
        .route("/openapi/v3/apis/{group}/{version}", get(openapi::group_version))
        .route("/metrics", get(serve_metrics))
        .fallback(dispatch)
        .layer(axum::middleware::from_fn_with_state(state.clone(), filters::cell_quota))
        .layer(axum::middleware::from_fn_with_state(state.clone(), filters::authorize))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            filters::flow_control,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            filters::throttle_user_agents,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            filters::authenticate,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.metrics.clone(),
            metrics::track,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

/// Discovery documents under `/api/v1` and `/apis/{group}[/{version}]`, else a resource
/// request, else 404.
async fn dispatch(State(state): State<AppState>, request: Request) -> Response {
    let path = request.uri().path().trim_end_matches('/').to_string();
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let is_get = request.method() == Method::GET;
    match parts.as_slice() {
        ["api", "v1"] if is_get => discovery::core_v1(State(state)).await.into_response(),
        ["apis", group] if is_get => discovery::api_group(State(state), Path(group.to_string())).await,
        ["apis", group, version] if is_get => {
            discovery::group_version(State(state), Path((group.to_string(), version.to_string()))).await
        }
        ["api" | "apis", ..] => {
            use axum::extract::FromRequest;
            let (parts, body) = request.into_parts();
            // A body declared too large is refused before any of it is read: a client
            // that sent `Expect: 100-continue` then sends none of it, and no other is
            // cut off mid-upload (which can lose the 413 in a connection reset).
            let declared = parts
                .headers
                .get(axum::http::header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<usize>().ok());
            if let Some(length) = declared.filter(|l| *l > MAX_BODY_BYTES) {
                return ApiError::TooLarge(format!(
                    "the request body of {length} bytes is over the limit of {MAX_BODY_BYTES} bytes"
                ))
                .into_response();
            }
            let query =
                axum::extract::Query::try_from_uri(&parts.uri).unwrap_or(axum::extract::Query(Default::default()));
            let body = match bytes::Bytes::from_request(Request::from_parts(parts.clone(), body), &()).await {
                Ok(body) => body,
                Err(rejection) => {
                    return ApiError::TooLarge(format!(
                        "the request body could not be read: {}",
                        rejection.body_text()
                    ))
                    .into_response();
                }
            };
            let call = handlers::Call {
                user: match parts.extensions.get::<Arc<UserInfo>>() {
                    Some(user) => user.clone(),
                    None => return ApiError::Unauthorized.into_response(),
                },
                method: parts.method,
                uri: parts.uri,
                params: query.0,
                headers: parts.headers,
                body,
            };
            handlers::resource(State(state), call).await
        }
        _ => ApiError::PathNotFound(request.uri().path().to_string()).into_response(),
    }
}

async fn version() -> Json<serde_json::Value> {
    Json(json!({
        "major": KUBE_MAJOR,
        "minor": KUBE_MINOR,
        "gitVersion": format!("v{KUBE_MAJOR}.{KUBE_MINOR}.0-myriad.{}", env!("CARGO_PKG_VERSION")),
        "gitCommit": "",
        "gitTreeState": "",
        "buildDate": "",
        "goVersion": "",
        "compiler": "rustc",
        "platform": format!("{}/{}", std::env::consts::OS, go_arch()),
    }))
}

/// Go's names for the architectures Rust reports differently.
fn go_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    }
}

/// `/metrics`, with the gauges sampled at scrape time brought up to date.
async fn serve_metrics(State(state): State<AppState>) -> Response {
    filters::record_load(&state);
    state.cells.record_usage(&state.caches, &state.catalog);
    metrics::serve(State(state.metrics.clone())).await
}

async fn ok() -> &'static str {
    "ok"
}
