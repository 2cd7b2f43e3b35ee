//! Refuses (403) what the caller may not do, as RBAC decides, with upstream's message.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::authn::UserInfo;
use crate::authz::Attributes;
use crate::error::ApiError;
use crate::state::AppState;

pub(super) async fn authorize(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (Some(user), Some(attributes)) = (
        request.extensions().get::<Arc<UserInfo>>(),
        request.extensions().get::<Attributes>(),
    ) else {
        return ApiError::Unauthorized.into_response();
    };
    let decision = state.authorizer().authorize(user, attributes);
    if !decision.allowed {
        return attributes.forbidden(user, &decision.reason).into_response();
    }
    next.run(request).await
}
