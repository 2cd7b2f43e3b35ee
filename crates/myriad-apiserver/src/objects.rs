//! Objects as the store holds them: JSON without `metadata.resourceVersion`, which is
//! the store's `mod_revision` and is filled in on the way out.

use std::borrow::Cow;

use myriad_api::custom::CustomResource;
use myriad_api::field_error::FieldError;
use myriad_api::registry::ResourceInfo;
use myriad_api::validation::{self, NameRule};
use myriad_store::{KeyValue, Revision};
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::error::{ApiError, Cause};

/// Parses a request body into a JSON object of the URL's resource.
pub fn decode_body(body: &[u8], info: &ResourceInfo) -> Result<Value, ApiError> {
    decode_body_of(body, info.kind, &[&info.api_version()])
}

/// Parses a request body into a JSON object; `kind` and `apiVersion`, when given, must
/// be `kind` and one of `api_versions`.
pub fn decode_body_of(body: &[u8], kind: &str, api_versions: &[&str]) -> Result<Value, ApiError> {
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

/// The object's `metadata` map, created if missing.
pub fn metadata_mut(object: &mut Value) -> &mut Map<String, Value> {
    let root = object.as_object_mut().expect("objects are checked to be JSON objects");
    let metadata = root.entry("metadata").or_insert_with(|| json!({}));
    if !metadata.is_object() {
        *metadata = json!({});
    }
    metadata.as_object_mut().expect("just made an object")
}

pub fn name_of(object: &Value) -> Option<&str> {
    object.pointer("/metadata/name").and_then(Value::as_str)
}

/// The name rule Kubernetes applies to a built-in resource.
fn name_rule(info: &ResourceInfo) -> NameRule {
    match info.resource {
        "namespaces" => NameRule::Dns1123Label,
        "services" => NameRule::Dns1035Label,
        _ => NameRule::Dns1123Subdomain,
    }
}

/// Validates `metadata` (name by the kind's rule, generateName, namespace, labels,
/// annotations, finalizers) with upstream's messages; 422 Invalid with one cause per
/// problem.
pub fn validate_metadata(info: &ResourceInfo, object: &Value) -> Result<(), ApiError> {
    let metadata = object.get("metadata").cloned().unwrap_or_else(|| json!({}));
    let errors = validation::validate_object_meta(&metadata, info.namespaced, name_rule(info));
    if errors.is_empty() {
        return Ok(());
    }
    Err(invalid(info, name_of(object).unwrap_or(""), &errors))
}

/// The 422 Invalid Status of `errors` for the object `name`.
pub fn invalid(info: &ResourceInfo, name: &str, errors: &[FieldError]) -> ApiError {
    invalid_kind(info.group, info.kind, name, errors)
}

/// The 422 Invalid Status of `errors` for the `kind` (of `group`) object `name`.
pub fn invalid_kind(group: &str, kind: &str, name: &str, errors: &[FieldError]) -> ApiError {
    let causes = errors
        .iter()
        .map(|error| {
            let cause = error.to_cause();
            Cause {
                reason: cause.reason.as_str().to_string(),
                field: cause.field,
                message: cause.message,
            }
        })
        .collect();
    ApiError::Invalid {
        group: group.to_string(),
        kind: kind.to_string(),
        name: name.to_string(),
        causes,
    }
}

/// Now, as Kubernetes writes timestamps (`2006-01-02T15:04:05Z`).
pub fn now_rfc3339() -> String {
    format_rfc3339(OffsetDateTime::now_utc())
}

/// A time as Kubernetes writes timestamps, to the second.
pub fn format_rfc3339(time: OffsetDateTime) -> String {
    time.replace_nanosecond(0)
        .unwrap_or(time)
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// Fills in what the server owns on create: kind, apiVersion, namespace, uid,
/// creationTimestamp, and generation 1 for objects with a spec; drops a client-sent
/// resourceVersion.
pub fn stamp_new(object: &mut Value, info: &ResourceInfo, namespace: Option<&str>) {
    // Custom objects always have a generation, as upstream; built-ins when they have a spec.
    let has_spec = object.get("spec").is_some() || info.custom.is_some();
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
    if has_spec {
        metadata.insert("generation".into(), json!(1));
    }
}

/// Keeps what the server owns across an update: uid, creationTimestamp, namespace.
pub fn carry_over(object: &mut Value, current: &Value, info: &ResourceInfo) {
    if let Some(root) = object.as_object_mut() {
        root.insert("kind".into(), json!(info.kind));
        root.insert("apiVersion".into(), json!(info.api_version()));
    }
    let metadata = metadata_mut(object);
    for field in [
        "uid",
        "creationTimestamp",
        "namespace",
        "generation",
        "deletionTimestamp",
    ] {
        match current.pointer(&format!("/metadata/{field}")) {
            Some(value) => metadata.insert(field.into(), value.clone()),
            None => metadata.remove(field),
        };
    }
    metadata.remove("resourceVersion");
}

/// Largest object stored, as Kubernetes' (etcd's) 1.5 MiB request limit.
pub const MAX_OBJECT_BYTES: usize = 1536 * 1024;

/// The bytes to store: the object without its resourceVersion, a custom object in its
/// CRD's storage version. An object over [`MAX_OBJECT_BYTES`] is invalid (422), not
/// stored.
pub fn encode(object: &Value, info: &ResourceInfo) -> Result<Vec<u8>, ApiError> {
    // Whether to convert follows the object's own apiVersion, not the version it was
    // addressed through: a stored object written back as it was read (cleanup marking
    // finalizers) needs no conversion, and so no webhook.
    let stored = match &info.custom {
        Some(custom) => {
            let storage_api_version = format!("{}/{}", info.group, custom.storage_version);
            if object.get("apiVersion").and_then(Value::as_str) == Some(storage_api_version.as_str()) {
                Cow::Borrowed(object)
            } else {
                check_convertible(info, custom)?;
                let mut converted = object.clone();
                converted["apiVersion"] = json!(storage_api_version);
                Cow::Owned(converted)
            }
        }
        None => Cow::Borrowed(object),
    };
    let bytes = serde_json::to_vec(&stored).map_err(|e| ApiError::Internal(format!("encoding object: {e}")))?;
    if bytes.len() > MAX_OBJECT_BYTES {
        return Err(ApiError::Invalid {
            group: info.group.to_string(),
            kind: info.kind.to_string(),
            name: name_of(object).unwrap_or("").to_string(),
            causes: vec![Cause {
                reason: "FieldValueTooLong".into(),
                field: "<object>".into(),
                message: format!(
                    "Too long: must have at most {MAX_OBJECT_BYTES} bytes (object is {} bytes)",
                    bytes.len()
                ),
            }],
        });
    }
    Ok(bytes)
}

/// A stored object as `info`'s version shows it. Custom objects are stored in their
/// CRD's storage version and converted on the way out; with conversion strategy `None`
/// (the one Myriad performs) converting is setting `apiVersion`, as upstream does.
pub fn decode_stored_as(kv: &KeyValue, info: &ResourceInfo) -> Result<Value, ApiError> {
    served_as(decode_stored(kv)?, info)
}

/// The watch cache's copy of an object (its JSON carries the resourceVersion) as
/// `info` serves it, with its revision.
pub fn decode_cached(json: &[u8], info: &ResourceInfo) -> Result<(Value, Revision), ApiError> {
    let object: Value =
        serde_json::from_slice(json).map_err(|e| ApiError::Internal(format!("cached object is not JSON: {e}")))?;
    let revision = object
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .and_then(|rv| rv.parse().ok())
        .ok_or_else(|| ApiError::Internal("cached object has no resourceVersion".into()))?;
    Ok((served_as(object, info)?, revision))
}

/// A stored object in the version `info` serves (custom resources are stored in one).
fn served_as(mut object: Value, info: &ResourceInfo) -> Result<Value, ApiError> {
    if let Some(custom) = &info.custom {
        let api_version = info.api_version();
        if object.get("apiVersion").and_then(Value::as_str) != Some(api_version.as_str()) {
            check_convertible(info, custom)?;
            object["apiVersion"] = json!(api_version);
        }
    }
    Ok(object)
}

/// Objects of a CRD with webhook conversion can only be read and written in their
/// stored version: converting them needs the CRD's webhook, which Myriad does not call
/// (upstream answers 500 when the webhook fails, as here).
pub(crate) fn check_convertible(info: &ResourceInfo, custom: &CustomResource) -> Result<(), ApiError> {
    if !custom.webhook_conversion {
        return Ok(());
    }
    Err(ApiError::Internal(format!(
        "conversion webhook for {}/{}, Kind={} failed: calling conversion webhooks is not supported by Myriad; use the storage version {}",
        info.group, custom.storage_version, info.kind, custom.storage_version
    )))
}

/// A stored key-value as the object clients see, resourceVersion filled in.
pub fn decode_stored(kv: &KeyValue) -> Result<Value, ApiError> {
    let mut object: Value = serde_json::from_slice(&kv.value).map_err(|e| {
        ApiError::Internal(format!(
            "stored object at revision {} is not JSON: {e}",
            kv.mod_revision
        ))
    })?;
    if !object.is_object() {
        return Err(ApiError::Internal(format!(
            "stored object at revision {} is not an object",
            kv.mod_revision
        )));
    }
    metadata_mut(&mut object).insert("resourceVersion".into(), json!(kv.mod_revision.to_string()));
    Ok(object)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn served(strategy: &str) -> Vec<ResourceInfo> {
        let version = |name: &str, storage: bool| json!({"name": name, "served": true, "storage": storage});
        myriad_api::custom::served_resources(&json!({
            "metadata": {"name": "widgets.example.com"},
            "spec": {"group": "example.com", "scope": "Namespaced", "conversion": {"strategy": strategy},
                "names": {"plural": "widgets", "kind": "Widget"},
                "versions": [version("v1", true), version("v2", false)]},
        }))
    }

    fn stored(object: &Value, info: &ResourceInfo) -> Result<Value, ApiError> {
        let kv = KeyValue {
            key: Bytes::from_static(b"/registry/example.com/widgets/default/w"),
            value: Bytes::from(encode(object, info)?),
            create_revision: 7,
            mod_revision: 7,
            version: 1,
        };
        decode_stored_as(&kv, &served("None")[0])
    }

    #[test]
    fn custom_objects_are_stored_in_the_storage_version_and_read_in_any() {
        let resources = served("None");
        let (v1, v2) = (&resources[0], &resources[1]);
        let written = json!({"apiVersion": "example.com/v2", "kind": "Widget", "metadata": {"name": "w"}});
        let bytes = encode(&written, v2).unwrap();
        let raw: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(raw["apiVersion"], "example.com/v1");
        let read = stored(&written, v2).unwrap();
        assert_eq!(
            (read["apiVersion"].as_str(), v1.version),
            (Some("example.com/v1"), "v1")
        );
        assert_eq!(read["metadata"]["resourceVersion"], "7");

        let webhook = served("Webhook");
        assert!(matches!(encode(&written, &webhook[1]), Err(ApiError::Internal(_))));
        // Written back as stored (apiVersion v1) through any version: no conversion.
        let as_stored = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}});
        assert!(encode(&as_stored, &webhook[1]).is_ok());
    }
}
