//! What a response looks like to the client that asked: a Table when kubectl asks for
//! one (`Accept: application/json;as=Table;…`), the object as JSON otherwise; the
//! `Warning` headers `fieldValidation=Warn` produces; the request body decoded from
//! whichever of JSON, YAML or protobuf it was sent in.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};

use super::Call;
use crate::error::ApiError;
use crate::request::body::{decode_object, json_body};
use crate::response;

/// Whether the client asked for a Table.
pub(super) fn wants_table(headers: &HeaderMap) -> bool {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
    response::table::wants_table(accept)
}

impl Call<'_> {
    /// The request body as an object of `kind` in one of `api_versions`.
    pub(super) fn body_of(&self, kind: &str, api_versions: &[&str]) -> Result<Value, ApiError> {
        decode_object(&json_body(self.headers, &self.body)?, kind, api_versions)
    }

    /// The request body as an object of the URL's resource.
    pub(super) fn object_body(&self) -> Result<Value, ApiError> {
        self.body_of(self.info.kind, &[&self.info.api_version()])
    }

    /// The request body as JSON of any shape (a Scale, DeleteOptions).
    pub(super) fn json(&self) -> Result<Option<Value>, ApiError> {
        let body = json_body(self.headers, &self.body)?;
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        serde_json::from_slice(&body)
            .map(Some)
            .map_err(|e| ApiError::BadRequest(format!("the body of the request was in an unknown format: {e}")))
    }

    /// An object as the client asked for it: a one-row Table, or the object.
    pub(super) fn respond(&self, code: StatusCode, object: Value) -> Response {
        if self.as_table {
            let metadata =
                json!({"resourceVersion": object.pointer("/metadata/resourceVersion").cloned().unwrap_or(json!(""))});
            return response::json(
                code,
                &response::table::table(self.info, std::slice::from_ref(&object), metadata),
            );
        }
        response::json(code, &object)
    }
}

/// Adds `Warning: 299 - "…"` headers, which kubectl prints as `Warning: …`.
pub(super) fn with_warnings(mut response: Response, warnings: &[String]) -> Response {
    for warning in warnings {
        let escaped = warning.replace('\\', "\\\\").replace('"', "\\\"");
        if let Ok(value) = HeaderValue::from_str(&format!("299 - \"{escaped}\"")) {
            response.headers_mut().append("warning", value);
        }
    }
    response
}
