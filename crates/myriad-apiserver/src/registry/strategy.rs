//! What a write may change, as upstream's per-kind strategies decide it today for every
//! resource alike: on update, the server keeps what it owns (uid, creationTimestamp,
//! namespace, generation, deletionTimestamp); a resource with a `status` subresource
//! keeps its stored status on writes to the object, and a write to `…/status` changes
//! only the status; `metadata.generation` moves when the spec does (for custom objects,
//! anything but metadata and status).

use myriad_api::registry::ResourceInfo;
use serde_json::{Value, json};

use crate::meta::metadata_mut;

/// Which part of an object a write addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Part {
    /// The object (spec, metadata); status is kept when the resource has `status`.
    Main,
    /// `…/status`: only `status`.
    Status,
    /// `…/scale`: only the replica count, through a `Scale`.
    Scale,
}

impl Part {
    /// The part a subresource path names (`None`: the object itself).
    pub(crate) fn of(subresource: Option<&str>) -> Part {
        match subresource {
            Some("status") => Part::Status,
            Some("scale") => Part::Scale,
            _ => Part::Main,
        }
    }
}

/// Keeps what the server owns across an update: kind, apiVersion, uid,
/// creationTimestamp, namespace, generation, deletionTimestamp; drops the
/// resourceVersion (the store's).
pub(crate) fn carry_over(object: &mut Value, current: &Value, info: &ResourceInfo) {
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

/// Makes `new` change only what `part` allows, taking the rest from `current`; bumps
/// `metadata.generation` when the spec changed.
pub(crate) fn confine(info: &ResourceInfo, part: Part, new: &mut Value, current: &Value) {
    match part {
        Part::Main | Part::Scale if info.subresources.contains(&"status") => copy_field(new, current, "status"),
        Part::Main | Part::Scale => {}
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
}
