//! Refuses (429) a request whose user agent is over its limit
//! (`kube-system/myriad-user-agent-limits`); `system:masters` is never throttled.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::refuse;
use crate::authn::UserInfo;
use crate::error::ApiError;
use crate::state::AppState;
use crate::user_agents;

pub(super) async fn throttle(State(state): State<AppState>, request: Request, next: Next) -> Response {
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
