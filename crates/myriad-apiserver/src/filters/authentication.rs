//! Who is calling: a client certificate, a bearer token (static or ServiceAccount), or
//! nobody (allowed only on the public paths); then any impersonation headers. A bad
//! credential, or none outside the public paths, is a 401. The identity goes into the
//! request's extensions as an `Arc<UserInfo>`.

use std::sync::{Arc, LazyLock};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::impersonation;
use crate::authn::{Authenticated, Peer, UserInfo};
use crate::error::ApiError;
use crate::state::AppState;

/// Paths anyone may read without credentials (RBAC's `system:public-info-viewer`
/// still decides).
const PUBLIC: &[&str] = &["/healthz", "/livez", "/readyz", "/version"];

static ANONYMOUS: LazyLock<Arc<UserInfo>> = LazyLock::new(|| Arc::new(UserInfo::anonymous()));

pub(super) async fn authenticate(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
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
