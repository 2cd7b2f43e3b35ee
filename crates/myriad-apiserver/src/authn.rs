//! Who is calling. For now: a client certificate verified against the cluster CA during
//! the TLS handshake authenticates the request; anything else is anonymous, and
//! anonymous requests get 401 except for health and version endpoints. User names,
//! groups, bearer tokens and ServiceAccounts come with the security work.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// Set on every request by the connection it arrived on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Peer {
    /// Presented a client certificate signed by the cluster CA.
    Certificate,
    Anonymous,
}

/// Paths anyone may read, as Kubernetes allows by default.
const PUBLIC: &[&str] = &["/healthz", "/livez", "/readyz", "/version"];

/// Refuses anonymous requests to everything but the public paths.
pub async fn require_authenticated(request: Request, next: Next) -> Response {
    let peer = request.extensions().get::<Peer>().copied().unwrap_or(Peer::Anonymous);
    if peer == Peer::Anonymous && !PUBLIC.contains(&request.uri().path()) {
        return ApiError::Unauthorized.into_response();
    }
    next.run(request).await
}
