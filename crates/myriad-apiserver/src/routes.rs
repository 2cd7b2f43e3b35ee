//! HTTP routes. Unknown paths answer with a Kubernetes `Status` (404 NotFound), as
//! kubectl expects for `get --raw`.

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json};
use axum::routing::get;
use serde_json::json;

/// The Kubernetes version Myriad's API matches (what `kubectl version` compares against).
pub const KUBE_MAJOR: &str = "1";
pub const KUBE_MINOR: &str = "32";

/// Builds the router.
pub fn router() -> Router {
    Router::new()
        .route("/version", get(version))
        .route("/healthz", get(ok))
        .route("/livez", get(ok))
        .route("/readyz", get(ok))
        .fallback(not_found)
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

async fn ok() -> &'static str {
    "ok"
}

async fn not_found(uri: axum::http::Uri) -> impl IntoResponse {
    let status = json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": format!("the server could not find the requested resource (path {})", uri.path()),
        "reason": "NotFound",
        "details": {},
        "code": 404,
    });
    (StatusCode::NOT_FOUND, Json(status))
}
