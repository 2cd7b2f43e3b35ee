//! Watch events on the wire: one JSON object per line, `{"type":…,"object":…}`. Objects
//! are written from their stored bytes (nothing is re-encoded per watcher); bookmarks
//! carry only `apiVersion`, `kind` and the resourceVersion (plus the
//! `k8s.io/initial-events-end` annotation that ends a streaming list); an `ERROR`
//! event carries a Status.

use axum::body::Body;
use myriad_api::registry::ResourceInfo;
use myriad_api::watch::EventType;
use myriad_store::Revision;
use serde_json::json;

use crate::error::ApiError;

/// Appends the event line for an object whose JSON is `object`.
pub(crate) fn event(out: &mut Vec<u8>, kind: EventType, object: &[u8]) {
    out.extend_from_slice(b"{\"type\":\"");
    out.extend_from_slice(kind.as_str().as_bytes());
    out.extend_from_slice(b"\",\"object\":");
    out.extend_from_slice(object);
    out.extend_from_slice(b"}\n");
}

/// A `BOOKMARK` line at `revision`; `initial_events_end` marks the end of a streaming
/// list's initial events.
pub(crate) fn bookmark(info: &ResourceInfo, revision: Revision, initial_events_end: bool) -> Vec<u8> {
    let mut metadata = json!({"resourceVersion": revision.to_string()});
    if initial_events_end {
        metadata["annotations"] = json!({"k8s.io/initial-events-end": "true"});
    }
    let event = json!({"type": "BOOKMARK",
        "object": {"kind": info.kind, "apiVersion": info.api_version(), "metadata": metadata}});
    line(&event)
}

/// An `ERROR` line; an expired resourceVersion is a 410 `Expired` Status, as clients
/// expect in-stream.
pub(crate) fn error_event(error: &ApiError) -> Vec<u8> {
    // Written by hand so the Status keeps upstream's field order.
    let mut out = b"{\"type\":\"ERROR\",\"object\":".to_vec();
    let _ = serde_json::to_writer(&mut out, &error.status());
    out.extend_from_slice(b"}\n");
    out
}

/// A watch that is over before it starts: one ERROR event (HTTP 200, as upstream
/// answers once a watch request has been accepted).
pub(crate) fn error_body(error: &ApiError) -> Body {
    Body::from(error_event(error))
}

fn line(event: &serde_json::Value) -> Vec<u8> {
    let mut line = serde_json::to_vec(event).unwrap_or_default();
    line.push(b'\n');
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_lines() {
        let mut out = Vec::new();
        event(&mut out, EventType::Added, b"{\"a\":1}");
        assert_eq!(out, b"{\"type\":\"ADDED\",\"object\":{\"a\":1}}\n");
        let info = myriad_api::registry::lookup("", "v1", "pods").unwrap();
        let mark: serde_json::Value = serde_json::from_slice(&bookmark(info, 9, true)).unwrap();
        assert_eq!(
            mark["object"]["metadata"]["annotations"]["k8s.io/initial-events-end"],
            "true"
        );
        assert_eq!(mark["object"]["kind"], "Pod");
        let gone = String::from_utf8(error_event(&ApiError::Gone("too old".into()))).unwrap();
        assert!(
            gone.starts_with(r#"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","#),
            "{gone}"
        );
        assert!(gone.ends_with("\"code\":410}}\n"), "{gone}");
    }
}
