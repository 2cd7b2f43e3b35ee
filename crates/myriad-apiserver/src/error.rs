//! Failures of API requests. Each [`ApiError`] is answered with the Kubernetes `Status`
//! that `myriad_api::status` builds (upstream's code, reason, details and message
//! wording), written as upstream writes it: fields in `metav1.Status` order and a
//! trailing newline, so clients that compare bodies byte for byte (the Python client's
//! own tests do) see what they would from kube-apiserver.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use myriad_api::status::{ListMeta, Status, StatusDetails, StatusReason};
use myriad_api::{FieldError, GroupKind, GroupResource};
use myriad_store::StoreError;

/// An API failure. `Display` is the Status message.
#[derive(Debug)]
pub(crate) enum ApiError {
    BadRequest(String),
    NotFound {
        group_resource: GroupResource,
        name: String,
    },
    PathNotFound(String),
    AlreadyExists {
        group_resource: GroupResource,
        name: String,
    },
    /// 409 as upstream's `NewConflict(qualifiedResource, name, err)`; `detail` is the
    /// `err` part.
    Conflict {
        group_resource: GroupResource,
        name: String,
        detail: String,
    },
    /// 422 as upstream's `NewInvalid(GroupKind, name, errors)`.
    Invalid {
        kind: GroupKind,
        name: String,
        errors: Vec<FieldError>,
    },
    /// 410 `Expired` (a resourceVersion older than the history kept).
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
    /// 504 `Timeout`: the request did not finish within its deadline.
    Timeout(String),
    Unauthorized,
    /// 403 as upstream's `NewForbidden(groupResource, name, err)` words it; `message`
    /// is the `err` part.
    Forbidden {
        group_resource: GroupResource,
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
    /// 429 for an eviction a PodDisruptionBudget refuses, with the
    /// `DisruptionBudget` cause saying why (upstream's `EvictionREST`).
    DisruptionBudget {
        message: String,
        cause: String,
        retry_after: u64,
    },
    Internal(String),
}

impl ApiError {
    pub(crate) fn not_found(group_resource: impl Into<GroupResource>, name: &str) -> Self {
        ApiError::NotFound {
            group_resource: group_resource.into(),
            name: name.to_string(),
        }
    }

    /// The optimistic-concurrency conflict of an update with a stale resourceVersion.
    pub(crate) fn modified(group_resource: impl Into<GroupResource>, name: &str) -> Self {
        ApiError::Conflict {
            group_resource: group_resource.into(),
            name: name.to_string(),
            detail: myriad_api::status::OPTIMISTIC_LOCK_ERROR_MSG.to_string(),
        }
    }

    /// 422 Invalid carrying `errors` for the `kind` object `name`.
    pub(crate) fn invalid(kind: impl Into<GroupKind>, name: &str, errors: Vec<FieldError>) -> Self {
        ApiError::Invalid {
            kind: kind.into(),
            name: name.to_string(),
            errors,
        }
    }

    /// 403 naming what was refused.
    pub(crate) fn forbidden(group_resource: impl Into<GroupResource>, name: &str, message: impl Into<String>) -> Self {
        ApiError::Forbidden {
            group_resource: group_resource.into(),
            name: name.to_string(),
            message: message.into(),
        }
    }

    /// The `Status` object clients get.
    pub(crate) fn status(&self) -> Status {
        match self {
            ApiError::BadRequest(message) => Status::bad_request(message.clone()),
            ApiError::NotFound { group_resource, name } => Status::not_found(group_resource, name),
            ApiError::PathNotFound(path) => Status::failure(
                404,
                StatusReason::NotFound,
                format!("the server could not find the requested resource (path {path})"),
            )
            .with_details(StatusDetails::default()),
            ApiError::AlreadyExists { group_resource, name } => Status::already_exists(group_resource, name),
            ApiError::Conflict {
                group_resource,
                name,
                detail,
            } => Status::conflict(group_resource, name, detail),
            ApiError::Invalid { kind, name, errors } => Status::invalid(kind, name, errors),
            ApiError::Gone(message) => Status::resource_expired(message.clone()),
            ApiError::ContinueExpired { token } => {
                let mut status = Status::resource_expired(CONTINUE_EXPIRED);
                status.metadata = ListMeta {
                    continue_token: token.clone(),
                    ..ListMeta::default()
                };
                status
            }
            ApiError::ResourceVersionTooLarge {
                requested,
                current,
                retry_after,
            } => Status::too_large_resource_version(*requested, *current, seconds(*retry_after)),
            ApiError::Timeout(message) => Status::timeout(message, 0),
            ApiError::Unauthorized => Status::failure(401, StatusReason::Unauthorized, "Unauthorized"),
            ApiError::Forbidden {
                group_resource,
                name,
                message,
            } => Status::forbidden(group_resource, name, message),
            ApiError::UnprocessableEntity(message) => Status::failure(422, StatusReason::Invalid, message.clone()),
            ApiError::MethodNotAllowed(message) => {
                Status::failure(405, StatusReason::MethodNotAllowed, message.clone())
            }
            ApiError::UnsupportedMediaType(message) => {
                Status::failure(415, StatusReason::UnsupportedMediaType, message.clone())
            }
            ApiError::TooLarge(message) => Status::failure(413, StatusReason::RequestEntityTooLarge, message.clone()),
            ApiError::TooManyRequests { message, retry_after } => {
                Status::too_many_requests(message.clone(), seconds(*retry_after))
            }
            ApiError::DisruptionBudget {
                message,
                cause,
                retry_after,
            } => {
                let mut status = Status::too_many_requests(message.clone(), seconds(*retry_after));
                if let Some(details) = status.details.as_mut() {
                    details.causes.push(myriad_api::status::StatusCause {
                        reason: myriad_api::status::CauseType::DisruptionBudget,
                        message: cause.clone(),
                        field: String::new(),
                    });
                }
                status
            }
            ApiError::Internal(message) => Status::internal_error(message),
        }
    }

    /// Seconds a client should wait before retrying, if any.
    fn retry_after(&self) -> u64 {
        match self {
            ApiError::TooManyRequests { retry_after, .. }
            | ApiError::ResourceVersionTooLarge { retry_after, .. }
            | ApiError::DisruptionBudget { retry_after, .. } => *retry_after,
            _ => 0,
        }
    }
}

/// The Status message, as upstream's `StatusError.Error()`.
impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.status().message)
    }
}

impl std::error::Error for ApiError {}

fn seconds(retry_after: u64) -> i32 {
    i32::try_from(retry_after).unwrap_or(i32::MAX)
}

/// Upstream's message for a continue token whose revision is compacted.
const CONTINUE_EXPIRED: &str = "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.";

/// A `Status` as upstream writes it: JSON in field order, then a newline.
pub(crate) fn status_body(status: &Status) -> Vec<u8> {
    let mut body = serde_json::to_vec(status).unwrap_or_default();
    body.push(b'\n');
    body
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(message) = &self {
            tracing::error!(%message, "internal error");
        }
        let status = self.status();
        let code = StatusCode::from_u16(status.http_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (code, [(header::CONTENT_TYPE, "application/json")], status_body(&status)).into_response();
        let retry_after = self.retry_after();
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
            ApiError::not_found(GroupResource::new("", "pods"), "web").to_string(),
            "pods \"web\" not found"
        );
        let conflict = ApiError::modified(GroupResource::new("apps", "deployments"), "web");
        assert_eq!(
            conflict.to_string(),
            "Operation cannot be fulfilled on deployments.apps \"web\": the object has been modified; please apply your changes to the latest version and try again"
        );
        let status = conflict.status();
        assert_eq!(status.details.as_ref().map(|d| d.group.as_str()), Some("apps"));
        assert_eq!(status.code, 409);
        let invalid = ApiError::invalid(
            GroupKind::new("", "ConfigMap"),
            "Bad",
            vec![FieldError::required("metadata.name", "")],
        );
        assert_eq!(
            invalid.to_string(),
            "ConfigMap \"Bad\" is invalid: metadata.name: Required value"
        );
    }

    #[test]
    fn bodies_are_written_as_upstream_writes_them() {
        let conflict = ApiError::AlreadyExists {
            group_resource: GroupResource::new("", "namespaces"),
            name: "test".into(),
        };
        let body = String::from_utf8(status_body(&conflict.status())).unwrap();
        assert_eq!(
            body,
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"namespaces \\\"test\\\" already exists\",\"reason\":\"AlreadyExists\",\"details\":{\"name\":\"test\",\"kind\":\"namespaces\"},\"code\":409}\n"
        );
    }
}
