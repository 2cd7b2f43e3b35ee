//! Two storage plugins. DefaultStorageClass: a new claim that names no class (and no
//! legacy class annotation) gets the default StorageClass, the newest one annotated
//! `storageclass.kubernetes.io/is-default-class: "true"`. StorageObjectInUseProtection:
//! new claims and volumes carry the `kubernetes.io/pvc-protection` /
//! `kubernetes.io/pv-protection` finalizer, which the protection controllers remove
//! once nothing uses them.

use serde_json::{Value, json};

use super::lookup::Lookup;
use super::{Attributes, Operation};
use crate::error::ApiError;

const DEFAULT_CLASS: &str = "storageclass.kubernetes.io/is-default-class";
const DEFAULT_CLASS_BETA: &str = "storageclass.beta.kubernetes.io/is-default-class";
const CLASS_ANNOTATION: &str = "volume.beta.kubernetes.io/storage-class";

pub(super) async fn default_storage_class(
    lookup: &Lookup,
    attrs: &Attributes<'_>,
    claim: &mut Value,
) -> Result<(), ApiError> {
    if !attrs.is("", "persistentvolumeclaims") || attrs.operation != Operation::Create {
        return Ok(());
    }
    let named = myriad_api::pointer::get(claim, "/spec/storageClassName").is_some_and(|v| !v.is_null());
    let annotated = annotation(claim, CLASS_ANNOTATION).is_some();
    if named || annotated {
        return Ok(());
    }
    let classes = lookup.list("storage.k8s.io", "StorageClass", None).await?;
    let default = newest_default(&classes, &[DEFAULT_CLASS, DEFAULT_CLASS_BETA]);
    if let Some(name) = default
        .and_then(|c| myriad_api::pointer::get(c, "/metadata/name"))
        .cloned()
        && let Some(spec) = claim.get_mut("spec").and_then(Value::as_object_mut)
    {
        spec.insert("storageClassName".into(), name);
    }
    Ok(())
}

/// The newest object annotated `true` under one of `annotations` (ties: the name that
/// sorts first), as upstream picks among several defaults.
pub(super) fn newest_default<'a>(objects: &'a [Value], annotations: &[&str]) -> Option<&'a Value> {
    objects
        .iter()
        .filter(|o| annotations.iter().any(|a| annotation(o, a) == Some("true")))
        .max_by(|a, b| {
            let created = |o: &Value| {
                myriad_api::pointer::get(o, "/metadata/creationTimestamp")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string()
            };
            let name = |o: &Value| {
                myriad_api::pointer::get(o, "/metadata/name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string()
            };
            created(a).cmp(&created(b)).then_with(|| name(b).cmp(&name(a)))
        })
}

pub(super) fn annotation<'a>(object: &'a Value, key: &str) -> Option<&'a str> {
    myriad_api::pointer::get(object, "/metadata/annotations")?
        .get(key)?
        .as_str()
}

pub(super) fn in_use_protection(attrs: &Attributes<'_>, object: &mut Value) {
    if attrs.operation != Operation::Create {
        return;
    }
    let finalizer = match (attrs.info.group, attrs.info.resource) {
        ("", "persistentvolumeclaims") => "kubernetes.io/pvc-protection",
        ("", "persistentvolumes") => "kubernetes.io/pv-protection",
        _ => return,
    };
    let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    let finalizers = metadata.entry("finalizers").or_insert_with(|| json!([]));
    if !finalizers.is_array() {
        *finalizers = json!([]);
    }
    if let Some(list) = finalizers.as_array_mut()
        && !list.iter().any(|f| f == finalizer)
    {
        list.push(json!(finalizer));
    }
}
