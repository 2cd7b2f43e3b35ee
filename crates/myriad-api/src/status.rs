//! The Kubernetes `Status` object: how every API failure is reported to clients.
//!
//! Clients branch on `reason` and `code` (kubectl's `NotFound` handling, controllers'
//! `IsConflict` retries) and show `message` to users, so each constructor here mirrors
//! one apimachinery `errors.New*` function: same code, same reason, same details, same
//! message wording. The struct serializes like Go's `metav1.Status`: `kind` and
//! `apiVersion` first, `metadata: {}` always present, empty fields left out.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::field_error::{FieldError, FieldErrorKind, aggregate_message};
use crate::go_format::quote;
use crate::schema::{GroupKind, GroupResource};

/// The detail upstream's storage layer puts in a `Conflict` when a write carries a stale
/// `resourceVersion`; pass it to [`Status::conflict`].
pub const OPTIMISTIC_LOCK_ERROR_MSG: &str =
    "the object has been modified; please apply your changes to the latest version and try again";

/// Declares a string-valued wire enum: known values as variants, `Unknown` for the empty
/// string (which upstream omits), and `Other` to carry values a newer peer might send.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal,)* }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
        pub enum $name {
            /// No value (the empty string); omitted from JSON.
            #[default]
            Unknown,
            $($(#[$vmeta])* $variant,)*
            /// A value this version does not know, kept verbatim.
            Other(String),
        }

        impl $name {
            /// The wire string.
            pub fn as_str(&self) -> &str {
                match self {
                    Self::Unknown => "",
                    $(Self::$variant => $text,)*
                    Self::Other(s) => s,
                }
            }

            /// Parses a wire string; unknown strings become `Other`.
            pub fn parse(s: &str) -> Self {
                match s {
                    "" => Self::Unknown,
                    $($text => Self::$variant,)*
                    other => Self::Other(other.to_string()),
                }
            }

            pub fn is_unknown(&self) -> bool {
                matches!(self, Self::Unknown)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let s = String::deserialize(deserializer)?;
                Ok(Self::parse(&s))
            }
        }
    };
}

wire_enum! {
    /// Why an operation failed, in machine-readable form (`metav1.StatusReason`).
    StatusReason {
        Unauthorized => "Unauthorized",
        Forbidden => "Forbidden",
        NotFound => "NotFound",
        AlreadyExists => "AlreadyExists",
        Conflict => "Conflict",
        Gone => "Gone",
        Invalid => "Invalid",
        ServerTimeout => "ServerTimeout",
        StoreReadError => "StorageReadError",
        Timeout => "Timeout",
        TooManyRequests => "TooManyRequests",
        BadRequest => "BadRequest",
        MethodNotAllowed => "MethodNotAllowed",
        NotAcceptable => "NotAcceptable",
        RequestEntityTooLarge => "RequestEntityTooLarge",
        UnsupportedMediaType => "UnsupportedMediaType",
        InternalError => "InternalError",
        Expired => "Expired",
        ServiceUnavailable => "ServiceUnavailable",
    }
}

wire_enum! {
    /// The machine-readable kind of one cause (`metav1.CauseType`).
    CauseType {
        FieldValueNotFound => "FieldValueNotFound",
        FieldValueRequired => "FieldValueRequired",
        FieldValueDuplicate => "FieldValueDuplicate",
        FieldValueInvalid => "FieldValueInvalid",
        FieldValueNotSupported => "FieldValueNotSupported",
        FieldValueForbidden => "FieldValueForbidden",
        FieldValueTooLong => "FieldValueTooLong",
        FieldValueTooMany => "FieldValueTooMany",
        FieldValueTooFew => "FieldValueTooFew",
        FieldValueTooShort => "FieldValueTooShort",
        InternalError => "InternalError",
        FieldValueTypeInvalid => "FieldValueTypeInvalid",
        UnexpectedServerResponse => "UnexpectedServerResponse",
        FieldManagerConflict => "FieldManagerConflict",
        ResourceVersionTooLarge => "ResourceVersionTooLarge",
        DisruptionBudget => "DisruptionBudget",
    }
}

/// `metav1.ListMeta`; a Status carries it as `metadata`, normally empty (`{}`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListMeta {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub self_link: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub resource_version: String,
    #[serde(default, rename = "continue", skip_serializing_if = "String::is_empty")]
    pub continue_token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining_item_count: Option<i64>,
}

/// One reason behind a failure, usually one invalid field.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCause {
    #[serde(default, skip_serializing_if = "CauseType::is_unknown")]
    pub reason: CauseType,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub field: String,
}

/// What the failure was about. Note that `kind` holds the *resource* (`pods`) for most
/// reasons and the *kind* (`Pod`) for `Invalid`, exactly as upstream fills it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusDetails {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub group: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub uid: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub causes: Vec<StatusCause>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub retry_after_seconds: i32,
}

fn is_zero(n: &i32) -> bool {
    *n == 0
}

/// `"Success"` or `"Failure"`.
pub const STATUS_SUCCESS: &str = "Success";
/// `"Success"` or `"Failure"`.
pub const STATUS_FAILURE: &str = "Failure";

/// The result of an operation that returns no object: every error response, and the
/// body of some successful deletes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    /// Always serialized, as `{}` when empty (Go's `omitempty` never drops a struct).
    #[serde(default)]
    pub metadata: ListMeta,
    /// `"Success"` or `"Failure"`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub status: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    #[serde(default, skip_serializing_if = "StatusReason::is_unknown")]
    pub reason: StatusReason,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<StatusDetails>,
    /// The HTTP status code to answer with; 0 when unset.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub code: i32,
}

impl Default for Status {
    fn default() -> Self {
        Self {
            kind: "Status".to_string(),
            api_version: "v1".to_string(),
            metadata: ListMeta::default(),
            status: String::new(),
            message: String::new(),
            reason: StatusReason::Unknown,
            details: None,
            code: 0,
        }
    }
}

/// Details naming one resource (or kind) and object, as most constructors fill them.
fn details_for(group: &str, kind: &str, name: &str) -> StatusDetails {
    StatusDetails {
        name: name.to_string(),
        group: group.to_string(),
        kind: kind.to_string(),
        ..StatusDetails::default()
    }
}

impl Status {
    /// A `Failure` with the given code, reason and message and no details.
    pub fn failure(code: u16, reason: StatusReason, message: impl Into<String>) -> Self {
        Self {
            status: STATUS_FAILURE.to_string(),
            code: code.into(),
            reason,
            message: message.into(),
            ..Self::default()
        }
    }

    /// A `Success` status, as returned by deletes that do not return the object.
    pub fn success(details: Option<StatusDetails>) -> Self {
        Self {
            status: STATUS_SUCCESS.to_string(),
            details,
            ..Self::default()
        }
    }

    /// This status with `details` (which serialize as `{}` when empty, as upstream
    /// sends them for some errors).
    pub fn with_details(mut self, details: StatusDetails) -> Self {
        self.details = Some(details);
        self
    }

    /// 404 `NotFound`: `pods "x" not found`.
    pub fn not_found(resource: &GroupResource, name: &str) -> Self {
        Self::failure(
            404,
            StatusReason::NotFound,
            format!("{resource} {} not found", quote(name)),
        )
        .with_details(details_for(&resource.group, &resource.resource, name))
    }

    /// 409 `AlreadyExists`: `pods "x" already exists`.
    pub fn already_exists(resource: &GroupResource, name: &str) -> Self {
        Self::failure(
            409,
            StatusReason::AlreadyExists,
            format!("{resource} {} already exists", quote(name)),
        )
        .with_details(details_for(&resource.group, &resource.resource, name))
    }

    /// 409 `AlreadyExists` when a `generateName` create kept hitting existing names;
    /// clients retry after `retry_after_seconds`.
    pub fn generate_name_conflict(resource: &GroupResource, name: &str, retry_after_seconds: i32) -> Self {
        let message = format!(
            "{resource} {} already exists, the server was not able to generate a unique name for the object",
            quote(name)
        );
        let mut details = details_for(&resource.group, &resource.resource, name);
        details.retry_after_seconds = retry_after_seconds;
        Self::failure(409, StatusReason::AlreadyExists, message).with_details(details)
    }

    /// 409 `Conflict`: `Operation cannot be fulfilled on pods "x": <detail>`. For a stale
    /// `resourceVersion` the detail is [`OPTIMISTIC_LOCK_ERROR_MSG`].
    pub fn conflict(resource: &GroupResource, name: &str, detail: impl fmt::Display) -> Self {
        let message = format!("Operation cannot be fulfilled on {resource} {}: {detail}", quote(name));
        Self::failure(409, StatusReason::Conflict, message).with_details(details_for(
            &resource.group,
            &resource.resource,
            name,
        ))
    }

    /// 422 `Invalid`: `Pod "x" is invalid: <errors>` — one error printed bare, several as
    /// `[a, b]`, none as just `Pod "x" is invalid`. Every error becomes a cause.
    pub fn invalid(kind: &GroupKind, name: &str, errors: &[FieldError]) -> Self {
        let message = match aggregate_message(errors) {
            Some(agg) => format!("{kind} {} is invalid: {agg}", quote(name)),
            None => format!("{kind} {} is invalid", quote(name)),
        };
        let mut details = details_for(&kind.group, &kind.kind, name);
        details.causes = errors.iter().map(FieldError::to_cause).collect();
        Self::failure(422, StatusReason::Invalid, message).with_details(details)
    }

    /// 410 `Gone`. Upstream deprecates it in favour of [`Status::resource_expired`].
    pub fn gone(message: impl Into<String>) -> Self {
        Self::failure(410, StatusReason::Gone, message)
    }

    /// 410 `Expired`: the requested resourceVersion is older than what is kept
    /// (a watch or list resuming after compaction).
    pub fn resource_expired(message: impl Into<String>) -> Self {
        Self::failure(410, StatusReason::Expired, message)
    }

    /// 504 `Timeout` for a read at a resourceVersion the server has not reached:
    /// `Timeout: Too large resource version: 12, current: 10`, with the
    /// `ResourceVersionTooLarge` cause clients (reflectors) look for, as upstream's
    /// `NewTooLargeResourceVersionError`.
    pub fn too_large_resource_version(requested: i64, current: i64, retry_after_seconds: i32) -> Self {
        let message = format!("Too large resource version: {requested}, current: {current}");
        Self::failure(504, StatusReason::Timeout, format!("Timeout: {message}")).with_details(StatusDetails {
            causes: vec![StatusCause {
                reason: CauseType::ResourceVersionTooLarge,
                message: "Too large resource version".to_string(),
                field: String::new(),
            }],
            retry_after_seconds,
            ..StatusDetails::default()
        })
    }

    /// 400 `BadRequest` with the caller's message.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::failure(400, StatusReason::BadRequest, message)
    }

    /// 405 `MethodNotAllowed`: `<method> is not supported on resources of kind "pods"`.
    pub fn method_not_supported(resource: &GroupResource, method: &str) -> Self {
        let message = format!(
            "{method} is not supported on resources of kind {}",
            quote(&resource.to_string())
        );
        Self::failure(405, StatusReason::MethodNotAllowed, message).with_details(details_for(
            &resource.group,
            &resource.resource,
            "",
        ))
    }

    /// 406 `NotAcceptable`: no media type in `Accept` can be produced.
    pub fn not_acceptable(accepted: &[&str]) -> Self {
        let message = format!("only the following media types are accepted: {}", accepted.join(", "));
        Self::failure(406, StatusReason::NotAcceptable, message)
    }

    /// 415 `UnsupportedMediaType`: the request body's `Content-Type` is not decodable.
    pub fn unsupported_media_type(accepted: &[&str]) -> Self {
        let message = format!(
            "the body of the request was in an unknown format - accepted media types include: {}",
            accepted.join(", ")
        );
        Self::failure(415, StatusReason::UnsupportedMediaType, message)
    }

    /// 413 `RequestEntityTooLarge`: `Request entity too large: <message>`.
    pub fn request_entity_too_large(message: impl fmt::Display) -> Self {
        Self::failure(
            413,
            StatusReason::RequestEntityTooLarge,
            format!("Request entity too large: {message}"),
        )
    }

    /// 429 `TooManyRequests` with a retry hint (upstream's `NewTooManyRequests`); the
    /// details are present even when the hint is 0, as upstream sends them.
    pub fn too_many_requests(message: impl Into<String>, retry_after_seconds: i32) -> Self {
        Self::failure(429, StatusReason::TooManyRequests, message).with_details(StatusDetails {
            retry_after_seconds,
            ..StatusDetails::default()
        })
    }

    /// 403 `Forbidden`: `pods "x" is forbidden: <reason>`, `pods is forbidden: <reason>`
    /// without a name, and `forbidden: <reason>` without a resource.
    pub fn forbidden(resource: &GroupResource, name: &str, reason: impl fmt::Display) -> Self {
        let message = if resource.is_empty() {
            format!("forbidden: {reason}")
        } else if name.is_empty() {
            format!("{resource} is forbidden: {reason}")
        } else {
            format!("{resource} {} is forbidden: {reason}", quote(name))
        };
        Self::failure(403, StatusReason::Forbidden, message).with_details(details_for(
            &resource.group,
            &resource.resource,
            name,
        ))
    }

    /// 401 `Unauthorized`; an empty reason reads `not authorized`.
    pub fn unauthorized(reason: &str) -> Self {
        let message = if reason.is_empty() { "not authorized" } else { reason };
        Self::failure(401, StatusReason::Unauthorized, message)
    }

    /// 500 `InternalError`: `Internal error occurred: <err>`, with the error as a cause.
    pub fn internal_error(err: impl fmt::Display) -> Self {
        let text = err.to_string();
        Self::failure(
            500,
            StatusReason::InternalError,
            format!("Internal error occurred: {text}"),
        )
        .with_details(StatusDetails {
            causes: vec![StatusCause {
                message: text,
                ..StatusCause::default()
            }],
            ..StatusDetails::default()
        })
    }

    /// 500 `ServerTimeout`: an operation could not finish in time and may be retried.
    pub fn server_timeout(resource: &GroupResource, operation: &str, retry_after_seconds: i32) -> Self {
        let message = format!(
            "The {operation} operation against {resource} could not be completed at this time, please try again."
        );
        let mut details = details_for(&resource.group, &resource.resource, operation);
        details.retry_after_seconds = retry_after_seconds;
        Self::failure(500, StatusReason::ServerTimeout, message).with_details(details)
    }

    /// 503 `ServiceUnavailable` with the caller's reason.
    pub fn service_unavailable(reason: impl Into<String>) -> Self {
        Self::failure(503, StatusReason::ServiceUnavailable, reason)
    }

    /// 504 `Timeout`: `Timeout: <message>`; the operation may still complete.
    pub fn timeout(message: impl fmt::Display, retry_after_seconds: i32) -> Self {
        Self::failure(504, StatusReason::Timeout, format!("Timeout: {message}")).with_details(StatusDetails {
            retry_after_seconds,
            ..StatusDetails::default()
        })
    }

    /// The HTTP status code to answer with (500 if the code is unset or out of range).
    pub fn http_code(&self) -> u16 {
        u16::try_from(self.code)
            .ok()
            .filter(|c| (100..=599).contains(c))
            .unwrap_or(500)
    }
}

/// The message, as upstream's `StatusError.Error()`.
impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Status {}

/// How a field error reads as a Status cause (`metav1.CauseType`), as upstream maps
/// `field.ErrorType`.
impl From<FieldErrorKind> for CauseType {
    fn from(kind: FieldErrorKind) -> Self {
        match kind {
            FieldErrorKind::NotFound => CauseType::FieldValueNotFound,
            FieldErrorKind::Required => CauseType::FieldValueRequired,
            FieldErrorKind::Duplicate => CauseType::FieldValueDuplicate,
            FieldErrorKind::Invalid => CauseType::FieldValueInvalid,
            FieldErrorKind::NotSupported => CauseType::FieldValueNotSupported,
            FieldErrorKind::Forbidden => CauseType::FieldValueForbidden,
            FieldErrorKind::TooLong => CauseType::FieldValueTooLong,
            FieldErrorKind::TooMany => CauseType::FieldValueTooMany,
            FieldErrorKind::TooFew => CauseType::FieldValueTooFew,
            FieldErrorKind::Internal => CauseType::InternalError,
            FieldErrorKind::TypeInvalid => CauseType::FieldValueTypeInvalid,
            FieldErrorKind::TooShort => CauseType::FieldValueTooShort,
        }
    }
}

impl FieldError {
    /// The Status cause for this error: `{reason: <kind>, message: <body>, field}`.
    pub fn to_cause(&self) -> StatusCause {
        StatusCause {
            reason: self.kind.into(),
            message: self.body(),
            field: self.field.clone(),
        }
    }
}

impl From<&FieldError> for StatusCause {
    fn from(err: &FieldError) -> Self {
        err.to_cause()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn causes_carry_kind_body_and_field() {
        let cause = FieldError::required("metadata.name", "name or generateName is required").to_cause();
        assert_eq!(cause.reason, CauseType::FieldValueRequired);
        assert_eq!(cause.message, "Required value: name or generateName is required");
        assert_eq!(cause.field, "metadata.name");
    }

    use super::*;
    use serde_json::json;

    fn pods() -> GroupResource {
        GroupResource::new("", "pods")
    }

    fn to_json(status: &Status) -> serde_json::Value {
        serde_json::to_value(status).expect("Status serializes")
    }

    #[test]
    fn not_found_serializes_like_kubernetes() {
        let status = Status::not_found(&pods(), "x");
        // Key order as the Go encoder writes it.
        assert_eq!(
            serde_json::to_string(&status).expect("serializes"),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"x\" not found","reason":"NotFound","details":{"name":"x","kind":"pods"},"code":404}"#
        );
        assert!(status.to_string().contains("not found"));
        assert_eq!(status.http_code(), 404);
    }

    #[test]
    fn group_qualified_resources() {
        let deploy = GroupResource::new("apps", "deployments");
        let status = Status::already_exists(&deploy, "web");
        assert_eq!(status.message, r#"deployments.apps "web" already exists"#);
        assert_eq!(status.code, 409);
        assert_eq!(status.reason, StatusReason::AlreadyExists);
        assert_eq!(
            to_json(&status)["details"],
            json!({"name": "web", "group": "apps", "kind": "deployments"})
        );
    }

    #[test]
    fn conflict_message() {
        let status = Status::conflict(&pods(), "x", OPTIMISTIC_LOCK_ERROR_MSG);
        assert_eq!(
            status.message,
            r#"Operation cannot be fulfilled on pods "x": the object has been modified; please apply your changes to the latest version and try again"#
        );
        assert_eq!((status.code, status.reason), (409, StatusReason::Conflict));
    }

    /// Upstream's `TestNewInvalid` table.
    #[test]
    fn invalid_like_new_invalid() {
        let kind = GroupKind::new("", "Kind");
        let cases = [
            (
                Some(FieldError::duplicate("field[0].name", "bar")),
                CauseType::FieldValueDuplicate,
                r#"Kind "name" is invalid: field[0].name: Duplicate value: "bar""#,
            ),
            (
                Some(FieldError::invalid("field[0].name", "bar", "detail")),
                CauseType::FieldValueInvalid,
                r#"Kind "name" is invalid: field[0].name: Invalid value: "bar": detail"#,
            ),
            (
                Some(FieldError::not_found("field[0].name", "bar")),
                CauseType::FieldValueNotFound,
                r#"Kind "name" is invalid: field[0].name: Not found: "bar""#,
            ),
            (
                Some(FieldError::not_supported("field[0].name", "bar", &[])),
                CauseType::FieldValueNotSupported,
                r#"Kind "name" is invalid: field[0].name: Unsupported value: "bar""#,
            ),
            (
                Some(FieldError::required("field[0].name", "")),
                CauseType::FieldValueRequired,
                r#"Kind "name" is invalid: field[0].name: Required value"#,
            ),
            (None, CauseType::Unknown, r#"Kind "name" is invalid"#),
        ];
        for (err, cause_type, message) in cases {
            let errors: Vec<FieldError> = err.iter().cloned().collect();
            let status = Status::invalid(&kind, "name", &errors);
            assert_eq!((status.code, &status.reason), (422, &StatusReason::Invalid));
            assert_eq!(status.message, message);
            let details = status.details.expect("invalid has details");
            assert_eq!((details.kind.as_str(), details.name.as_str()), ("Kind", "name"));
            match err {
                Some(err) => {
                    assert_eq!(details.causes.len(), 1);
                    assert_eq!(details.causes[0].reason, cause_type);
                    assert_eq!(details.causes[0].field, "field[0].name");
                    assert_eq!(details.causes[0].message, err.body());
                }
                None => assert!(details.causes.is_empty()),
            }
        }
    }

    #[test]
    fn invalid_with_several_causes() {
        let errors = vec![
            FieldError::invalid("metadata.name", "Bad_Name", "bad"),
            FieldError::required("metadata.namespace", ""),
        ];
        let status = Status::invalid(&GroupKind::new("", "Pod"), "Bad_Name", &errors);
        assert_eq!(
            status.message,
            r#"Pod "Bad_Name" is invalid: [metadata.name: Invalid value: "Bad_Name": bad, metadata.namespace: Required value]"#
        );
        assert_eq!(
            to_json(&status)["details"]["causes"],
            json!([
                {"reason": "FieldValueInvalid", "message": "Invalid value: \"Bad_Name\": bad", "field": "metadata.name"},
                {"reason": "FieldValueRequired", "message": "Required value", "field": "metadata.namespace"},
            ])
        );
    }

    #[test]
    fn forbidden_forms() {
        assert_eq!(
            Status::forbidden(&pods(), "x", "User \"bob\" cannot get resource").message,
            r#"pods "x" is forbidden: User "bob" cannot get resource"#
        );
        assert_eq!(
            Status::forbidden(&pods(), "", "nope").message,
            "pods is forbidden: nope"
        );
        let anonymous = Status::forbidden(&GroupResource::default(), "", "nope");
        assert_eq!(anonymous.message, "forbidden: nope");
        assert_eq!(to_json(&anonymous)["details"], json!({}));
        assert_eq!(anonymous.code, 403);
    }

    #[test]
    fn codes_reasons_and_messages() {
        let cases: Vec<(Status, i32, StatusReason, &str)> = vec![
            (Status::gone("too old"), 410, StatusReason::Gone, "too old"),
            (
                Status::resource_expired("too old resource version: 1 (5)"),
                410,
                StatusReason::Expired,
                "too old resource version: 1 (5)",
            ),
            (Status::bad_request("bad"), 400, StatusReason::BadRequest, "bad"),
            (
                Status::method_not_supported(&pods(), "patch"),
                405,
                StatusReason::MethodNotAllowed,
                r#"patch is not supported on resources of kind "pods""#,
            ),
            (
                Status::unsupported_media_type(&["application/json", "application/yaml"]),
                415,
                StatusReason::UnsupportedMediaType,
                "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml",
            ),
            (
                Status::not_acceptable(&["application/json"]),
                406,
                StatusReason::NotAcceptable,
                "only the following media types are accepted: application/json",
            ),
            (
                Status::request_entity_too_large("limit is 3145728"),
                413,
                StatusReason::RequestEntityTooLarge,
                "Request entity too large: limit is 3145728",
            ),
            (
                Status::too_many_requests("slow down", 1),
                429,
                StatusReason::TooManyRequests,
                "slow down",
            ),
            (
                Status::unauthorized(""),
                401,
                StatusReason::Unauthorized,
                "not authorized",
            ),
            (
                Status::unauthorized("bad token"),
                401,
                StatusReason::Unauthorized,
                "bad token",
            ),
            (
                Status::internal_error("boom"),
                500,
                StatusReason::InternalError,
                "Internal error occurred: boom",
            ),
            (
                Status::server_timeout(&pods(), "list", 2),
                500,
                StatusReason::ServerTimeout,
                "The list operation against pods could not be completed at this time, please try again.",
            ),
            (
                Status::service_unavailable("starting"),
                503,
                StatusReason::ServiceUnavailable,
                "starting",
            ),
            (
                Status::timeout("request did not complete within 60s", 0),
                504,
                StatusReason::Timeout,
                "Timeout: request did not complete within 60s",
            ),
        ];
        for (status, code, reason, message) in cases {
            assert_eq!(
                (status.code, &status.reason, status.message.as_str()),
                (code, &reason, message)
            );
            assert_eq!(status.status, STATUS_FAILURE);
        }
    }

    #[test]
    fn details_shapes() {
        assert_eq!(
            to_json(&Status::internal_error("boom"))["details"],
            json!({"causes": [{"message": "boom"}]})
        );
        // Upstream always sends details for 429 and 504, even with no retry hint.
        assert_eq!(to_json(&Status::too_many_requests("x", 0))["details"], json!({}));
        assert_eq!(
            to_json(&Status::timeout("x", 3))["details"],
            json!({"retryAfterSeconds": 3})
        );
        assert!(to_json(&Status::bad_request("x")).get("details").is_none());
        assert_eq!(
            to_json(&Status::method_not_supported(
                &GroupResource::new("apps", "deployments"),
                "create"
            ))["details"],
            json!({"group": "apps", "kind": "deployments"})
        );
        assert_eq!(
            to_json(&Status::generate_name_conflict(&pods(), "web-abcde", 1))["details"],
            json!({"name": "web-abcde", "kind": "pods", "retryAfterSeconds": 1})
        );
    }

    #[test]
    fn names_are_go_quoted() {
        let status = Status::not_found(&pods(), "a\"b\n");
        assert_eq!(status.message, r#"pods "a\"b\n" not found"#);
    }

    #[test]
    fn round_trips_and_keeps_unknown_reasons() {
        let wire = json!({
            "kind": "Status", "apiVersion": "v1", "metadata": {"resourceVersion": "7"},
            "status": "Failure", "message": "m", "reason": "SomethingNew",
            "details": {"causes": [{"reason": "Other", "message": "x"}]}, "code": 418
        });
        let status: Status = serde_json::from_value(wire.clone()).expect("deserializes");
        assert_eq!(status.reason, StatusReason::Other("SomethingNew".to_string()));
        assert_eq!(status.metadata.resource_version, "7");
        assert_eq!(to_json(&status), wire);
        assert_eq!(Status::success(None).status, STATUS_SUCCESS);
        assert_eq!(
            serde_json::to_string(&Status::success(None)).expect("serializes"),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success"}"#
        );
    }

    #[test]
    fn http_code_falls_back_to_500() {
        let mut status = Status::bad_request("x");
        assert_eq!(status.http_code(), 400);
        status.code = 0;
        assert_eq!(status.http_code(), 500);
        status.code = 70000;
        assert_eq!(status.http_code(), 500);
    }
}
