//! Requests that ask a question instead of storing an object: created, answered, never
//! stored. `SelfSubjectReview` (`authentication.k8s.io/v1`, what `kubectl auth whoami`
//! posts) tells callers who the server takes them for.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use myriad_api::registry::ResourceInfo;
use serde_json::{Value, json};

use crate::authn::Peer;
use crate::error::ApiError;
use crate::objects;

/// Answers a review `body` posted to `info` by `peer`.
pub fn answer(info: &ResourceInfo, peer: &Peer, body: &[u8]) -> Result<Response, ApiError> {
    objects::decode_body(body, info)?;
    let review = match info.resource {
        "selfsubjectreviews" => self_subject_review(peer),
        _ => return Err(ApiError::PathNotFound(info.group_resource())),
    };
    Ok((StatusCode::CREATED, Json(review)).into_response())
}

fn self_subject_review(peer: &Peer) -> Value {
    let user_info = match peer {
        Peer::User(user) => json!({"username": user.name, "groups": user.groups}),
        Peer::Anonymous => json!({"username": "system:anonymous", "groups": ["system:unauthenticated"]}),
    };
    json!({
        "kind": "SelfSubjectReview",
        "apiVersion": "authentication.k8s.io/v1",
        "metadata": {"creationTimestamp": null},
        "status": {"userInfo": user_info},
    })
}
