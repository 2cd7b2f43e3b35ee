//! The HTTP routes: health, version, metrics, discovery and OpenAPI documents, and
//! every resource path, all behind the filter chain (`filters::chain`). Unknown paths
//! answer with a Kubernetes `Status` (404 NotFound), as kubectl expects for
//! `get --raw`.

use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use crate::endpoints::{self, discovery, openapi};
use crate::error::ApiError;
use crate::state::AppState;
use crate::{filters, metrics, response};

/// Builds the router.
pub(crate) fn router(state: AppState) -> Router {
    let routes = Router::new()
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
        .fallback(dispatch);
    // Bodies are read (and oversize ones refused) by the resource endpoints themselves.
    filters::chain(routes, &state)
        .layer(DefaultBodyLimit::disable())
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
        ["api" | "apis", ..] => endpoints::resource(State(state), request).await,
        _ => ApiError::PathNotFound(request.uri().path().to_string()).into_response(),
    }
}

async fn version() -> Response {
    response::json(
        StatusCode::OK,
        &json!({
            "major": myriad_api::version::MAJOR.to_string(),
            "minor": myriad_api::version::MINOR.to_string(),
            "gitVersion": myriad_api::version::git_version(),
            "gitCommit": "",
            "gitTreeState": "",
            "buildDate": "",
            "goVersion": "",
            "compiler": "rustc",
            "platform": format!("{}/{}", std::env::consts::OS, go_arch()),
        }),
    )
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
    state.cells().record_usage(state.caches(), &state.catalog().all());
    metrics::serve(&state.metrics)
}

async fn ok() -> &'static str {
    "ok"
}
