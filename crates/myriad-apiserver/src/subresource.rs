//! The `status` and `scale` subresources, and the split of writes they imply.
//!
//! For a resource with a `status` subresource, a write to the object keeps the stored
//! status and a write to `…/status` changes only the status, so users and controllers do
//! not overwrite each other. `…/scale` reads and writes `spec.replicas` through an
//! `autoscaling/v1` `Scale` object, which is what `kubectl scale` and autoscalers use.

use myriad_api::registry::ResourceInfo;
use serde_json::{Value, json};

use crate::error::ApiError;

/// Which part of an object a write may change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// The object (spec, metadata); status is kept when the resource has `status`.
    Main,
    /// Only `status`.
    Status,
}

/// Makes `new` change only what `part` allows, taking the rest from `current`; bumps
/// `metadata.generation` when `spec` changed.
pub fn confine(info: &ResourceInfo, part: Part, new: &mut Value, current: &Value) {
    match part {
        Part::Main if info.subresources.contains(&"status") => copy_field(new, current, "status"),
        Part::Main => {}
        Part::Status => {
            let status = new.get_mut("status").map(Value::take);
            *new = current.clone();
            match status {
                Some(status) => new["status"] = status,
                None => {
                    if let Some(root) = new.as_object_mut() {
                        root.remove("status");
                    }
                }
            }
        }
    }
    if changes_generation(info, new, current)
        && let Some(generation) = current.pointer("/metadata/generation").and_then(Value::as_i64)
    {
        new["metadata"]["generation"] = json!(generation + 1);
    }
}

/// Built-ins move their generation with `spec`; custom objects with anything but
/// metadata and status, as upstream.
fn changes_generation(info: &ResourceInfo, new: &Value, current: &Value) -> bool {
    if info.custom.is_none() {
        return new.get("spec") != current.get("spec");
    }
    let content = |object: &Value| -> Vec<(String, Value)> {
        object
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(k, _)| !matches!(k.as_str(), "metadata" | "status" | "apiVersion" | "kind"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    content(new) != content(current)
}

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

fn copy_field(new: &mut Value, current: &Value, field: &str) {
    match current.get(field) {
        Some(value) => new[field] = value.clone(),
        None => {
            if let Some(root) = new.as_object_mut() {
                root.remove(field);
            }
        }
    }
}

/// The `Scale` view of an object.
pub fn scale_of(info: &ResourceInfo, object: &Value) -> Value {
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
pub fn apply_scale(info: &ResourceInfo, object: &mut Value, scale: &Value) -> Result<(), ApiError> {
    let replicas = scale
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .ok_or_else(|| ApiError::BadRequest("a Scale needs an integer spec.replicas".into()))?;
    if replicas < 0 {
        return Err(ApiError::Invalid {
            group: "autoscaling".into(),
            kind: "Scale".into(),
            name: scale
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .into(),
            causes: vec![crate::error::Cause {
                reason: "FieldValueInvalid".into(),
                field: "spec.replicas".into(),
                message: format!("Invalid value: {replicas}: must be greater than or equal to 0"),
            }],
        });
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
    fn main_writes_keep_status_and_status_writes_keep_the_rest() {
        let deploy = lookup("apps", "v1", "deployments").unwrap();
        let current =
            json!({"metadata": {"name": "d", "generation": 3}, "spec": {"replicas": 1}, "status": {"replicas": 1}});
        let mut user = json!({"metadata": {"name": "d"}, "spec": {"replicas": 2}, "status": {"replicas": 99}});
        confine(deploy, Part::Main, &mut user, &current);
        assert_eq!(user["status"]["replicas"], 1);
        assert_eq!(user["metadata"]["generation"], 4);
        let mut controller = json!({"metadata": {"name": "d"}, "spec": {"replicas": 7}, "status": {"replicas": 2}});
        confine(deploy, Part::Status, &mut controller, &current);
        assert_eq!(controller["spec"]["replicas"], 1);
        assert_eq!(controller["status"]["replicas"], 2);
        assert_eq!(controller["metadata"]["generation"], 3);
    }

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
