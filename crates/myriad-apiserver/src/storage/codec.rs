//! Objects as the store holds them: JSON without `metadata.resourceVersion` (the
//! store's `mod_revision`, filled in on the way out), custom objects in their CRD's
//! storage version. Every read and write of a stored object goes through here.

use std::borrow::Cow;

use myriad_api::registry::{CustomResource, ResourceInfo};
use myriad_api::{FieldError, FieldErrorKind, FieldValue};
use myriad_store::{KeyValue, Revision};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::meta::{metadata_mut, name_of};

/// Largest object stored, as Kubernetes' (etcd's) 1.5 MiB request limit.
pub(crate) const MAX_OBJECT_BYTES: usize = 1536 * 1024;

/// The bytes to store: the object without its resourceVersion, a custom object in its
/// CRD's storage version. An object over [`MAX_OBJECT_BYTES`] is invalid (422), not
/// stored.
pub(crate) fn encode(object: &Value, info: &ResourceInfo) -> Result<Vec<u8>, ApiError> {
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
        None => match myriad_api::conversion::storage_version(info.group, info.resource) {
            Some(storage) if object.get("apiVersion").and_then(Value::as_str) != Some(storage) => {
                let mut converted = convert(object.clone(), storage)?;
                // The storage version's own defaults, as upstream applies them when it
                // decodes the stored object (an HPA written as v1 gets v2's).
                myriad_api::defaults::apply(info.group, info.kind, &mut converted);
                Cow::Owned(converted)
            }
            _ => Cow::Borrowed(object),
        },
    };
    let bytes = serde_json::to_vec(&stored).map_err(|e| ApiError::Internal(format!("encoding object: {e}")))?;
    if bytes.len() > MAX_OBJECT_BYTES {
        let error = FieldError {
            kind: FieldErrorKind::TooLong,
            field: "<object>".into(),
            value: FieldValue::Omitted,
            detail: format!(
                "must have at most {MAX_OBJECT_BYTES} bytes (object is {} bytes)",
                bytes.len()
            ),
        };
        return Err(ApiError::invalid(info, name_of(object).unwrap_or(""), vec![error]));
    }
    Ok(bytes)
}

/// A stored object as `info`'s version shows it. Custom objects are stored in their
/// CRD's storage version and converted on the way out; with conversion strategy `None`
/// (the one Myriad performs) converting is setting `apiVersion`, as upstream does.
pub(crate) fn decode_stored_as(kv: &KeyValue, info: &ResourceInfo) -> Result<Value, ApiError> {
    served_as(decode_stored(kv)?, info)
}

/// The watch cache's copy of an object (its JSON carries the resourceVersion) as
/// `info` serves it, with its revision.
pub(crate) fn decode_cached(json: &[u8], info: &ResourceInfo) -> Result<(Value, Revision), ApiError> {
    let object: Value =
        serde_json::from_slice(json).map_err(|e| ApiError::Internal(format!("cached object is not JSON: {e}")))?;
    let revision = myriad_api::pointer::get(&object, "/metadata/resourceVersion")
        .and_then(Value::as_str)
        .and_then(|rv| rv.parse().ok())
        .ok_or_else(|| ApiError::Internal("cached object has no resourceVersion".into()))?;
    Ok((served_as(object, info)?, revision))
}

/// A stored object in the version `info` serves (custom resources are stored in one;
/// HPAs in `autoscaling/v2`, both kinds of Event as core `v1` Events).
fn served_as(mut object: Value, info: &ResourceInfo) -> Result<Value, ApiError> {
    if info.custom.is_none() && myriad_api::conversion::storage_version(info.group, info.resource).is_some() {
        let api_version = info.api_version();
        if object.get("apiVersion").and_then(Value::as_str) != Some(api_version.as_str()) {
            return convert(object, &api_version);
        }
        return Ok(object);
    }
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

/// A built-in object in another version of its kind (`myriad_api::conversion`).
pub(crate) fn convert(object: Value, api_version: &str) -> Result<Value, ApiError> {
    myriad_api::conversion::convert(object, api_version)
        .map_err(|e| ApiError::Internal(format!("converting to {api_version}: {e}")))
}

/// A stored key-value as the object clients see, resourceVersion filled in.
pub(crate) fn decode_stored(kv: &KeyValue) -> Result<Value, ApiError> {
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
