//! The subresources that act on an object rather than store a part of it: a pod's
//! `binding` (a scheduler's assignment) and `eviction` (`kubectl drain`), both answered
//! `201` with a `Success` Status, and a ServiceAccount's `token` (`kubectl create
//! token`), answered with the TokenRequest.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use myriad_api::status::Status;

use super::Call;
use crate::error::{ApiError, status_body};
use crate::response;

pub(super) async fn bind(call: &Call<'_>) -> Result<Response, ApiError> {
    let body = call.body_of("Binding", &["v1"])?;
    call.registry().bind(call.scope()?, call.name(), &body).await?;
    Ok(created())
}

/// `POST …/namespaces/{ns}/bindings`, the legacy form of `pods/{name}/binding`: the
/// Binding's own name is the pod's.
pub(super) async fn legacy_bind(call: &Call<'_>) -> Result<Response, ApiError> {
    let body = call.body_of("Binding", &["v1"])?;
    let name = body
        .pointer("/metadata/name")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("")
        .to_string();
    let pods = call
        .state
        .catalog()
        .lookup("", "v1", "pods")
        .ok_or_else(|| ApiError::Internal("pods are not served".into()))?;
    let mut scope = call.scope()?;
    scope.info = &pods;
    call.registry().bind(scope, &name, &body).await?;
    Ok(created())
}

pub(super) async fn evict(call: &Call<'_>) -> Result<Response, ApiError> {
    let body = call.body_of("Eviction", &["policy/v1", "policy/v1beta1"])?;
    call.registry().evict(call.scope()?, call.name(), &body).await?;
    Ok(created())
}

pub(super) async fn token(call: &Call<'_>) -> Result<Response, ApiError> {
    let body = call.body_of("TokenRequest", &["authentication.k8s.io/v1"])?;
    let token = call.registry().token_request(call.scope()?, call.name(), body).await?;
    Ok(response::json(StatusCode::CREATED, &token))
}

/// Upstream's answer to a binding or eviction: a `Success` Status with code 201.
fn created() -> Response {
    let mut status = Status::success(None);
    status.code = 201;
    (
        StatusCode::CREATED,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        status_body(&status),
    )
        .into_response()
}
