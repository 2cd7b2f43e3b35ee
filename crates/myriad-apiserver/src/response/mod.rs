//! How responses are written on the wire, shared by the watch cache, the store paths
//! and the endpoints: JSON objects and lists as upstream writes them (a trailing
//! newline; lists as one `kind/apiVersion/metadata/items` envelope), tables for
//! kubectl ([`table`]), and watch event lines ([`watch`]).

pub(crate) mod table;
pub(crate) mod watch;

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use myriad_api::registry::ResourceInfo;
use serde_json::{Value, json};

/// `value` as a JSON response with `code`, written as upstream's encoder writes it
/// (followed by a newline).
pub(crate) fn json(code: StatusCode, value: &Value) -> Response {
    let mut body = serde_json::to_vec(value).unwrap_or_default();
    body.push(b'\n');
    (code, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// The `metadata` of a list: its resourceVersion and, for a page with more to come,
/// the continue token.
pub(crate) fn list_metadata(resource_version: i64, continue_token: Option<String>) -> Value {
    let mut metadata = json!({"resourceVersion": resource_version.to_string()});
    if let Some(token) = continue_token {
        metadata["continue"] = json!(token);
    }
    metadata
}

/// The start of a list of `info`'s objects, up to and including `"items":[`; the items
/// follow, comma-separated, then [`LIST_END`]. Lists streamed from the cache and lists
/// built whole use this one envelope.
pub(crate) fn list_head(info: &ResourceInfo, metadata: &Value) -> Vec<u8> {
    format!(
        "{{\"kind\":{},\"apiVersion\":{},\"metadata\":{},\"items\":[",
        json!(info.list_kind()),
        json!(info.api_version()),
        metadata
    )
    .into_bytes()
}

/// The end of a list after its items.
pub(crate) const LIST_END: &[u8] = b"]}\n";

/// A whole list of `items` as a response.
pub(crate) fn list(info: &ResourceInfo, metadata: &Value, items: &[Value]) -> Response {
    let mut body = list_head(info, metadata);
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        // Writing JSON into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut body, item);
    }
    body.extend_from_slice(LIST_END);
    (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// A Table of `objects` as a response, for kubectl's `as=Table` requests.
pub(crate) fn table(info: &ResourceInfo, objects: &[Value], metadata: Value) -> Response {
    json(StatusCode::OK, &table::table(info, objects, metadata))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_read_as_one_envelope() {
        let info = myriad_api::registry::lookup("", "v1", "configmaps").unwrap();
        let metadata = list_metadata(7, Some("next".into()));
        let mut body = list_head(info, &metadata);
        body.extend_from_slice(b"{\"a\":1}");
        body.extend_from_slice(LIST_END);
        let list: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            list,
            json!({"kind": "ConfigMapList", "apiVersion": "v1",
                "metadata": {"resourceVersion": "7", "continue": "next"}, "items": [{"a": 1}]})
        );
    }
}
