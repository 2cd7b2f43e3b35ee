//! Failures of API requests, each answered as a Kubernetes `Status` with the code,
//! reason and message wording clients know from Kubernetes.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use myriad_store::StoreError;
use serde_json::{Value, json};

/// One field problem of an `Invalid` (422) error.
#[derive(Clone, Debug)]
pub struct Cause {
    pub reason: String,
    pub field: String,
    pub message: String,
}

/// An API failure.
#[derive(Debug)]
pub enum ApiError {
    BadRequest(String),
    NotFound {
        group_resource: String,
        name: String,
    },
    PathNotFound(String),
    AlreadyExists {
        group_resource: String,
        name: String,
    },
    Conflict {
        group_resource: String,
        name: String,
        detail: String,
    },
    /// 422: `group`/`kind` name the kind (`Deployment`, `apps`) as upstream's
    /// `NewInvalid(GroupKind, …)` does.
    Invalid {
        group: String,
        kind: String,
        name: String,
        causes: Vec<Cause>,
    },
    Gone(String),
    /// 410 for a continue token whose revision is compacted; `token` continues the
    /// list at the latest state instead (upstream's "inconsistent continue").
    ContinueExpired {
        token: String,
    },
    /// 504 `Timeout` for a resourceVersion the server has not reached (yet), with the
    /// `ResourceVersionTooLarge` cause clients look for; `retry_after` 0 sends none.
    ResourceVersionTooLarge {
        requested: i64,
        current: i64,
        retry_after: u64,
    },
    Unauthorized,
    /// 403 as upstream's `NewForbidden(groupResource, name, err)` words it; `message`
    /// is the `err` part.
    Forbidden {
        group: String,
        resource: String,
        name: String,
        message: String,
    },
    UnprocessableEntity(String),
    MethodNotAllowed(String),
    UnsupportedMediaType(String),
    TooLarge(String),
    TooManyRequests {
        message: String,
        retry_after: u64,
    },
    Internal(String),
}

impl ApiError {
    pub fn not_found(group_resource: &str, name: &str) -> Self {
        ApiError::NotFound {
            group_resource: group_resource.to_string(),
            name: name.to_string(),
        }
    }

    /// The optimistic-concurrency conflict of an update with a stale resourceVersion.
    pub fn modified(group_resource: &str, name: &str) -> Self {
        ApiError::Conflict {
            group_resource: group_resource.to_string(),
            name: name.to_string(),
            detail: "the object has been modified; please apply your changes to the latest version and try again"
                .to_string(),
        }
    }

    fn code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::NotFound { .. } | ApiError::PathNotFound(_) => StatusCode::NOT_FOUND,
            ApiError::AlreadyExists { .. } | ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::Invalid { .. } | ApiError::UnprocessableEntity(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Gone(_) | ApiError::ContinueExpired { .. } => StatusCode::GONE,
            ApiError::ResourceVersionTooLarge { .. } => StatusCode::GATEWAY_TIMEOUT,
            ApiError::Forbidden { .. } => StatusCode::FORBIDDEN,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The `Status` object.
    pub fn status(&self) -> Value {
        let (reason, message, details) = match self {
            ApiError::BadRequest(m) => ("BadRequest", m.clone(), json!({})),
            ApiError::NotFound { group_resource, name } => (
                "NotFound",
                format!("{group_resource} \"{name}\" not found"),
                details(group_resource, name),
            ),
            ApiError::PathNotFound(path) => (
                "NotFound",
                format!("the server could not find the requested resource (path {path})"),
                json!({}),
            ),
            ApiError::AlreadyExists { group_resource, name } => (
                "AlreadyExists",
                format!("{group_resource} \"{name}\" already exists"),
                details(group_resource, name),
            ),
            ApiError::Conflict {
                group_resource,
                name,
                detail,
            } => (
                "Conflict",
                format!("Operation cannot be fulfilled on {group_resource} \"{name}\": {detail}"),
                details(group_resource, name),
            ),
            ApiError::Invalid {
                group,
                kind,
                name,
                causes,
            } => {
                let listed: Vec<String> = causes.iter().map(|c| format!("{}: {}", c.field, c.message)).collect();
                let group_kind = myriad_api::GroupKind::new(group, kind);
                let message = match listed.as_slice() {
                    [one] => format!("{group_kind} \"{name}\" is invalid: {one}"),
                    many => format!("{group_kind} \"{name}\" is invalid: [{}]", many.join(", ")),
                };
                let causes: Vec<Value> = causes
                    .iter()
                    .map(|c| json!({"reason": c.reason, "message": c.message, "field": c.field}))
                    .collect();
                let mut details = json!({"name": name, "kind": kind, "causes": causes});
                if !group.is_empty() {
                    details["group"] = json!(group);
                }
                ("Invalid", message, details)
            }
            ApiError::Gone(m) => ("Expired", m.clone(), json!({})),
            ApiError::ContinueExpired { .. } => ("Expired", CONTINUE_EXPIRED.to_string(), json!({})),
            ApiError::ResourceVersionTooLarge {
                requested,
                current,
                retry_after,
            } => {
                let mut details =
                    json!({"causes": [{"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}]});
                if *retry_after > 0 {
                    details["retryAfterSeconds"] = json!(retry_after);
                }
                (
                    "Timeout",
                    format!("Timeout: Too large resource version: {requested}, current: {current}"),
                    details,
                )
            }
            ApiError::Forbidden {
                group,
                resource,
                name,
                message,
            } => {
                let group_resource = match group.as_str() {
                    "" => resource.clone(),
                    group => format!("{resource}.{group}"),
                };
                let text = match (group_resource.as_str(), name.as_str()) {
                    ("", _) => format!("forbidden: {message}"),
                    (gr, "") => format!("{gr} is forbidden: {message}"),
                    (gr, name) => format!("{gr} {name:?} is forbidden: {message}"),
                };
                let mut details = json!({"kind": resource});
                if !name.is_empty() {
                    details["name"] = json!(name);
                }
                if !group.is_empty() {
                    details["group"] = json!(group);
                }
                ("Forbidden", text, details)
            }
            ApiError::Unauthorized => ("Unauthorized", "Unauthorized".to_string(), json!({})),
            ApiError::UnprocessableEntity(m) => ("Invalid", m.clone(), json!({})),
            ApiError::MethodNotAllowed(m) => ("MethodNotAllowed", m.clone(), json!({})),
            ApiError::UnsupportedMediaType(m) => ("UnsupportedMediaType", m.clone(), json!({})),
            ApiError::TooLarge(m) => ("RequestEntityTooLarge", m.clone(), json!({})),
            ApiError::TooManyRequests { message, retry_after } => (
                "TooManyRequests",
                message.clone(),
                json!({"retryAfterSeconds": retry_after}),
            ),
            ApiError::Internal(m) => ("InternalError", format!("Internal error occurred: {m}"), json!({})),
        };
        let metadata = match self {
            ApiError::ContinueExpired { token } => json!({"continue": token}),
            _ => json!({}),
        };
        json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": metadata,
            "status": "Failure",
            "message": message,
            "reason": reason,
            "details": details,
            "code": self.code().as_u16(),
        })
    }
}

/// Upstream's message for a continue token whose revision is compacted.
const CONTINUE_EXPIRED: &str = "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.";

/// `details` naming the object: `pods.apps` splits into kind `pods` and group `apps`.
fn details(group_resource: &str, name: &str) -> Value {
    let (kind, group) = group_resource.split_once('.').unwrap_or((group_resource, ""));
    if group.is_empty() {
        json!({"name": name, "kind": kind})
    } else {
        json!({"name": name, "group": group, "kind": kind})
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(message) = &self {
            tracing::error!(%message, "internal error");
        }
        let mut response = (self.code(), axum::Json(self.status())).into_response();
        let retry_after = match &self {
            ApiError::TooManyRequests { retry_after, .. } | ApiError::ResourceVersionTooLarge { retry_after, .. } => {
                *retry_after
            }
            _ => 0,
        };
        if retry_after > 0
            && let Ok(value) = HeaderValue::from_str(&retry_after.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Compacted { .. } => {
                ApiError::Gone("The resourceVersion for the provided list is too old.".into())
            }
            StoreError::FutureRevision { requested, current } => ApiError::ResourceVersionTooLarge {
                requested,
                current,
                retry_after: 0,
            },
            StoreError::ValueTooLarge { .. } => ApiError::TooLarge("Request entity too large".into()),
            StoreError::InvalidKey { reason, .. } => ApiError::BadRequest(format!("invalid object key: {reason}")),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_match_kubernetes() {
        assert_eq!(
            ApiError::not_found("pods", "web").status()["message"],
            "pods \"web\" not found"
        );
        let conflict = ApiError::modified("deployments.apps", "web").status();
        assert_eq!(
            conflict["message"],
            "Operation cannot be fulfilled on deployments.apps \"web\": the object has been modified; please apply your changes to the latest version and try again"
        );
        assert_eq!(conflict["details"]["group"], "apps");
        assert_eq!(conflict["code"], 409);
        let invalid = ApiError::Invalid {
            group: String::new(),
            kind: "ConfigMap".into(),
            name: "Bad".into(),
            causes: vec![Cause {
                reason: "FieldValueRequired".into(),
                field: "metadata.name".into(),
                message: "Required value".into(),
            }],
        };
        assert_eq!(
            invalid.status()["message"],
            "ConfigMap \"Bad\" is invalid: metadata.name: Required value"
        );
    }
}
