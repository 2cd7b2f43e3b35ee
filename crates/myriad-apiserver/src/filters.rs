//! What every request passes before a handler sees it, in kube-apiserver's order:
//! authentication (who), impersonation (acting as whom), authorization (may they).
//! The identity is left on the request as an `Arc<UserInfo>` extension.

use std::sync::{Arc, LazyLock};

use axum::extract::{Query, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::authn::{Authenticated, Peer, UserInfo};
use crate::authz::Attributes;
use crate::error::ApiError;
use crate::handlers::{AppState, Params};
use crate::{impersonation, request_info};

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

/// Refuses (403) what the caller may not do.
pub async fn authorize(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(user) = request.extensions().get::<Arc<UserInfo>>().cloned() else {
        return ApiError::Unauthorized.into_response();
    };
    let attributes = attributes_of(&request);
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
