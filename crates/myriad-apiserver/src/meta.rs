//! Small helpers on JSON objects' `metadata` and on Kubernetes timestamps, shared by the
//! storage, registry and endpoint layers.

use myriad_api::registry::ResourceInfo;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The object's `metadata` map, created (or replaced) if missing or not a map. A
/// non-object root is replaced by an empty object first; request bodies are checked to
/// be objects before this is called.
pub(crate) fn metadata_mut(object: &mut Value) -> &mut Map<String, Value> {
    if !object.is_object() {
        *object = json!({});
    }
    let Value::Object(root) = object else {
        unreachable!("made an object above")
    };
    let metadata = root.entry("metadata").or_insert_with(|| json!({}));
    if !metadata.is_object() {
        *metadata = json!({});
    }
    match metadata {
        Value::Object(map) => map,
        _ => unreachable!("made an object above"),
    }
}

pub(crate) fn name_of(object: &Value) -> Option<&str> {
    myriad_api::pointer::get(object, "/metadata/name").and_then(Value::as_str)
}

pub(crate) fn namespace_of(object: &Value) -> Option<&str> {
    myriad_api::pointer::get(object, "/metadata/namespace").and_then(Value::as_str)
}

/// Whether the object has a `deletionTimestamp`.
pub(crate) fn deleting(object: &Value) -> bool {
    myriad_api::pointer::get(object, "/metadata/deletionTimestamp").is_some()
}

/// Now, as Kubernetes writes timestamps (`2006-01-02T15:04:05Z`).
pub(crate) fn now_rfc3339() -> String {
    format_rfc3339(OffsetDateTime::now_utc())
}

/// A time as Kubernetes writes timestamps, to the second.
pub(crate) fn format_rfc3339(time: OffsetDateTime) -> String {
    time.replace_nanosecond(0)
        .unwrap_or(time)
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// Fills in what the server owns on create: kind, apiVersion, namespace, uid,
/// creationTimestamp; drops a client-sent generation, resourceVersion and
/// deletionTimestamp (the kind's strategy sets the generation).
pub(crate) fn stamp_new(object: &mut Value, info: &ResourceInfo, namespace: Option<&str>) {
    if let Some(root) = object.as_object_mut() {
        root.insert("kind".into(), json!(info.kind));
        root.insert("apiVersion".into(), json!(info.api_version()));
    }
    let metadata = metadata_mut(object);
    match namespace {
        Some(ns) if info.namespaced => {
            metadata.insert("namespace".into(), json!(ns));
        }
        _ => {
            metadata.remove("namespace");
        }
    }
    metadata.insert("uid".into(), json!(uuid::Uuid::new_v4().to_string()));
    metadata.insert("creationTimestamp".into(), json!(now_rfc3339()));
    metadata.remove("generation");
    metadata.remove("resourceVersion");
    metadata.remove("deletionTimestamp");
}

/// Prepares an object the server itself creates (system namespaces, default policy
/// objects) as a create by `system:apiserver` would be.
pub(crate) fn prepare_own(object: &mut Value, info: &ResourceInfo, namespace: Option<&str>) {
    stamp_new(object, info, namespace);
    myriad_api::defaults::apply(info.group, info.kind, object);
    let groups = vec!["system:masters".to_string()];
    let extra = std::collections::BTreeMap::new();
    let server = myriad_api::registry::Requester {
        username: "system:apiserver",
        uid: "",
        groups: &groups,
        extra: &extra,
    };
    info.prepare_create(object, &server, &now_rfc3339());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_is_made_when_missing_or_wrong() {
        let mut object = json!({"metadata": "nope"});
        metadata_mut(&mut object).insert("name".into(), json!("a"));
        assert_eq!(name_of(&object), Some("a"));
        let mut scalar = json!(3);
        metadata_mut(&mut scalar);
        assert_eq!(scalar, json!({"metadata": {}}));
    }
}
