//! Request bodies: JSON, YAML or Kubernetes protobuf in, one JSON object out, with the
//! checks upstream's decoders make (a JSON object, the expected kind and apiVersion),
//! and the size limit every body is read under.

use std::borrow::Cow;

use axum::http::{HeaderMap, header};
use serde_json::Value;

use crate::error::ApiError;
use crate::request::protobuf;

/// Request bodies over this are refused with 413, as Kubernetes does (3 MiB).
pub(crate) const MAX_BODY_BYTES: usize = 3 * 1024 * 1024;

/// The request body as JSON: JSON is taken as it is; YAML and Kubernetes protobuf (what
/// client-go's typed clients send) are decoded into the same JSON object.
pub(crate) fn json_body<'b>(headers: &HeaderMap, body: &'b [u8]) -> Result<Cow<'b, [u8]>, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json");
    match content_type.split(';').next().unwrap_or("").trim() {
        "application/json" | "" => Ok(Cow::Borrowed(body)),
        "application/yaml" => {
            // As sigs.k8s.io/yaml (YAML 1.1) reads it: `0644` is octal, a repeated key
            // keeps its last value (as in JSON bodies). The parser's budget refuses alias
            // bombs; its message's first line says where.
            let mut options = serde_saphyr::Options::default();
            options.legacy_octal_numbers = true;
            options.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::LastWins;
            let object: Value = serde_saphyr::from_slice_with_options(body, options).map_err(|e| {
                let message = e.to_string();
                let first_line = message.lines().next().unwrap_or_default().to_string();
                ApiError::BadRequest(format!("error converting YAML to JSON: {first_line}"))
            })?;
            Ok(Cow::Owned(object.to_string().into_bytes()))
        }
        protobuf::MEDIA_TYPE => {
            let object = protobuf::to_json(body)
                .map_err(|e| ApiError::BadRequest(format!("the body of the request was in an unknown format: {e}")))?;
            Ok(Cow::Owned(object.to_string().into_bytes()))
        }
        media => Err(ApiError::UnsupportedMediaType(format!(
            "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, {} (got {media})",
            protobuf::MEDIA_TYPE
        ))),
    }
}

/// Parses a JSON body into an object; `kind` and `apiVersion`, when given, must be
/// `kind` and one of `api_versions`.
pub(crate) fn decode_object(body: &[u8], kind: &str, api_versions: &[&str]) -> Result<Value, ApiError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::BadRequest(format!("the body of the request was in an unknown format: {e}")))?;
    if !value.is_object() {
        return Err(ApiError::BadRequest(format!(
            "the body of the request must be a {kind} object"
        )));
    }
    let given = value.get("kind").and_then(Value::as_str).unwrap_or(kind);
    if given != kind {
        return Err(ApiError::BadRequest(format!(
            "the kind of the object ({given}) does not match the kind of the resource ({kind})"
        )));
    }
    let api_version = value.get("apiVersion").and_then(Value::as_str);
    if let Some(given) = api_version
        && !api_versions.contains(&given)
    {
        return Err(ApiError::BadRequest(format!(
            "the API version in the data ({given}) does not match the expected API version ({})",
            api_versions.first().copied().unwrap_or("")
        )));
    }
    Ok(value)
}
