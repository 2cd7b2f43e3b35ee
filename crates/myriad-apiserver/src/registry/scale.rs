//! The `scale` subresource: `…/scale` reads and writes `spec.replicas` (or a CRD's
//! `subresources.scale` paths) through an `autoscaling/v1` `Scale` object, which is
//! what `kubectl scale` and autoscalers use.

use myriad_api::registry::ResourceInfo;
use myriad_api::{FieldError, GroupKind};
use serde_json::{Value, json};

use crate::error::ApiError;

/// Where the scale subresource reads and writes: upstream's paths for built-ins, the
/// CRD's `subresources.scale` for custom resources (`.spec.replicas` → `/spec/replicas`).
fn scale_pointers(info: &ResourceInfo) -> (String, String, Option<String>) {
    let pointer = |path: &str| path.replace('.', "/");
    match info.custom.as_ref().and_then(|c| c.scale.as_ref()) {
        Some(paths) => (
            pointer(&paths.spec_replicas),
            pointer(&paths.status_replicas),
            paths.label_selector.as_deref().map(pointer),
        ),
        None => ("/spec/replicas".into(), "/status/replicas".into(), None),
    }
}

/// The `Scale` view of an object.
pub(crate) fn scale_of(info: &ResourceInfo, object: &Value) -> Value {
    let (spec_replicas, status_replicas, selector_path) = scale_pointers(info);
    let selector = match selector_path {
        Some(path) => object.pointer(&path).and_then(Value::as_str).unwrap_or("").to_string(),
        None => object
            .pointer("/spec/selector/matchLabels")
            .and_then(Value::as_object)
            .map(|labels| {
                labels
                    .iter()
                    .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .unwrap_or_default(),
    };
    let metadata = &object["metadata"];
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": metadata["name"],
            "namespace": metadata["namespace"],
            "uid": metadata["uid"],
            "resourceVersion": metadata["resourceVersion"],
            "creationTimestamp": metadata["creationTimestamp"],
        },
        "spec": {"replicas": object.pointer(&spec_replicas).and_then(Value::as_i64).unwrap_or(1)},
        "status": {
            "replicas": object.pointer(&status_replicas).and_then(Value::as_i64).unwrap_or(0),
            "selector": selector,
        },
    })
}

/// Applies a (patched or replaced) `Scale` to the object: only `spec.replicas` moves.
pub(crate) fn apply_scale(info: &ResourceInfo, object: &mut Value, scale: &Value) -> Result<(), ApiError> {
    let replicas = scale
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .ok_or_else(|| ApiError::BadRequest("a Scale needs an integer spec.replicas".into()))?;
    if replicas < 0 {
        let name = scale.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("");
        let error = FieldError::invalid("spec.replicas", replicas, "must be greater than or equal to 0");
        return Err(ApiError::invalid(
            GroupKind::new("autoscaling", "Scale"),
            name,
            vec![error],
        ));
    }
    let (spec_replicas, _, _) = scale_pointers(info);
    let mut target = object;
    for field in spec_replicas.trim_start_matches('/').split('/') {
        if !target.is_object() {
            *target = json!({});
        }
        target = &mut target[field];
    }
    *target = json!(replicas);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use myriad_api::registry::lookup;

    #[test]
    fn scale_round_trip() {
        let mut deploy = json!({"metadata": {"name": "d", "namespace": "n"}, "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}}});
        let info = lookup("apps", "v1", "deployments").unwrap();
        let mut scale = scale_of(info, &deploy);
        assert_eq!(scale["status"]["selector"], "app=web");
        scale["spec"]["replicas"] = json!(5);
        apply_scale(info, &mut deploy, &scale).unwrap();
        assert_eq!(deploy["spec"]["replicas"], 5);
        scale["spec"]["replicas"] = json!(-1);
        assert!(apply_scale(info, &mut deploy, &scale).is_err());
    }
}
