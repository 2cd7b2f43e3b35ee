//! Charges the request to its namespace's cell request quota (429 beyond it);
//! `system:masters` is not charged.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::refuse;
use crate::authn::UserInfo;
use crate::authz::Attributes;
use crate::state::AppState;

pub(super) async fn charge(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let masters = request
        .extensions()
        .get::<Arc<UserInfo>>()
        .is_none_or(|user| user.in_group(crate::authz::MASTERS));
    let charged = match request.extensions().get::<Attributes>() {
        Some(attributes) if !masters => state.cells().charge(attributes),
        _ => Ok(()),
    };
    if let Err(refusal) = charged {
        return refuse(request, refusal.into_response()).await;
    }
    next.run(request).await
}
