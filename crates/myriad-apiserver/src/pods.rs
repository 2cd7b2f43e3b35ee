//! The pod subresources that act instead of storing a part of the pod, as upstream's
//! `BindingREST` and `EvictionREST`:
//!
//! * `pods/{name}/binding` (a `v1 Binding`) assigns the pod to a node — what a scheduler
//!   posts. A pod already on a node, or being deleted, is a 409.
//! * `pods/{name}/eviction` (a `policy/v1 Eviction`) deletes the pod with the eviction's
//!   `DeleteOptions` — what `kubectl drain` posts. Upstream first asks the pod's
//!   PodDisruptionBudget; budgets are not served yet (their status needs the disruption
//!   controller), so every pod is evictable, as upstream treats a pod no budget covers.
//!
//! Both answer `201` with a `Success` Status.

use myriad_api::FieldError;
use serde_json::{Map, Value, json};

use crate::deletion::DeleteOptions;
use crate::error::ApiError;
use crate::objects;

/// What a `Binding` asks for.
#[derive(Debug, PartialEq)]
pub struct Binding {
    pub node: String,
    /// Copied onto the pod.
    pub annotations: Map<String, Value>,
    /// `metadata.uid` / `metadata.resourceVersion`: bind only this incarnation (or
    /// version) of the pod, as schedulers ask.
    pub uid: Option<String>,
    pub resource_version: Option<String>,
}

/// Reads the `Binding` posted for the pod `name`.
pub fn binding(body: &Value, name: &str) -> Result<Binding, ApiError> {
    check_name(body, name, "Binding")?;
    let kind = body.pointer("/target/kind").and_then(Value::as_str).unwrap_or("");
    let node = body.pointer("/target/name").and_then(Value::as_str).unwrap_or("");
    let mut errors = Vec::new();
    if !kind.is_empty() && kind != "Node" {
        errors.push(FieldError::not_supported("target.kind", kind, &["Node", "<empty>"]));
    }
    if node.is_empty() {
        errors.push(FieldError::required("target.name", ""));
    }
    if !errors.is_empty() {
        return Err(objects::invalid_kind("", "Binding", name, &errors));
    }
    let annotations = match body.pointer("/metadata/annotations") {
        Some(Value::Object(annotations)) => annotations.clone(),
        _ => Map::new(),
    };
    let text = |pointer: &str| body.pointer(pointer).and_then(Value::as_str).filter(|v| !v.is_empty());
    Ok(Binding {
        node: node.to_string(),
        annotations,
        uid: text("/metadata/uid").map(str::to_string),
        resource_version: text("/metadata/resourceVersion").map(str::to_string),
    })
}

/// Assigns `pod` to the binding's node and marks it scheduled (`PodScheduled=True`).
pub fn bind(pod: &mut Value, binding: &Binding, now: &str) -> Result<(), ApiError> {
    let name = objects::name_of(pod).unwrap_or("").to_string();
    let conflict = |detail: String| ApiError::Conflict {
        group_resource: "pods/binding".into(),
        name: name.clone(),
        detail,
    };
    // Storage preconditions come first, worded as etcd3's store words them.
    for (field, label, wanted) in [
        ("uid", "UID", &binding.uid),
        ("resourceVersion", "ResourceVersion", &binding.resource_version),
    ] {
        let actual = pod
            .pointer(&format!("/metadata/{field}"))
            .and_then(Value::as_str)
            .unwrap_or("");
        if let Some(wanted) = wanted
            && wanted != actual
        {
            return Err(ApiError::Conflict {
                group_resource: "pods".into(),
                name,
                detail: format!(
                    "Precondition failed: {label} in precondition: {wanted}, {label} in object meta: {actual}"
                ),
            });
        }
    }
    if pod.pointer("/metadata/deletionTimestamp").is_some() {
        return Err(conflict(format!(
            "pod {name} is being deleted, cannot be assigned to a host"
        )));
    }
    let current = pod.pointer("/spec/nodeName").and_then(Value::as_str).unwrap_or("");
    if !current.is_empty() {
        return Err(conflict(format!("pod {name} is already assigned to node {current:?}")));
    }
    pod["spec"]["nodeName"] = json!(binding.node);
    if !binding.annotations.is_empty() {
        let metadata = objects::metadata_mut(pod);
        let annotations = metadata.entry("annotations").or_insert_with(|| json!({}));
        if let Value::Object(annotations) = annotations {
            annotations.extend(binding.annotations.clone());
        }
    }
    set_condition(pod, json!({"type": "PodScheduled", "status": "True"}), now);
    Ok(())
}

/// Marks a pod about to be evicted (`DisruptionTarget=True`, reason
/// `EvictionByEvictionAPI`), as upstream does before deleting it, so controllers and Job
/// failure policies can tell an eviction from a crash. False for a pod that needs no
/// mark: finished, or already being deleted.
pub fn mark_evicted(pod: &mut Value, now: &str) -> bool {
    let phase = pod.pointer("/status/phase").and_then(Value::as_str).unwrap_or("");
    if matches!(phase, "Succeeded" | "Failed") || pod.pointer("/metadata/deletionTimestamp").is_some() {
        return false;
    }
    let condition = json!({"type": "DisruptionTarget", "status": "True", "reason": "EvictionByEvictionAPI", "message": "Eviction API: evicting"});
    set_condition(pod, condition, now);
    true
}

/// Sets a pod condition (`type`, `status` and any `reason`/`message`); its transition
/// time moves only when the status does.
fn set_condition(pod: &mut Value, wanted: Value, now: &str) {
    let (kind, status) = (wanted["type"].clone(), wanted["status"].clone());
    if !pod["status"].is_object() {
        pod["status"] = json!({});
    }
    let conditions = &mut pod["status"]["conditions"];
    if !conditions.is_array() {
        *conditions = json!([]);
    }
    let Value::Array(conditions) = conditions else {
        return;
    };
    let moved = |condition: &mut Value| {
        if let (Value::Object(condition), Value::Object(wanted)) = (condition, &wanted) {
            condition.extend(wanted.clone());
            condition.insert("lastTransitionTime".into(), json!(now));
        }
    };
    match conditions.iter_mut().find(|c| c["type"] == kind) {
        Some(condition) if condition["status"] == status => {}
        Some(condition) => moved(condition),
        None => {
            let mut condition = json!({"lastProbeTime": null});
            moved(&mut condition);
            conditions.push(condition);
        }
    }
}

/// Reads the `Eviction` posted for the pod `name`: the deletion it asks for.
pub fn eviction(body: &Value, name: &str) -> Result<DeleteOptions, ApiError> {
    check_name(body, name, "Eviction")?;
    match body.get("deleteOptions") {
        None | Some(Value::Null) => Ok(DeleteOptions::default()),
        Some(options) => DeleteOptions::from_json(options),
    }
}

fn check_name(body: &Value, name: &str, kind: &str) -> Result<(), ApiError> {
    if objects::name_of(body) == Some(name) {
        return Ok(());
    }
    Err(ApiError::BadRequest(format!(
        "name in URL does not match name in {kind} object"
    )))
}

/// The answer to a binding or an eviction.
pub fn created() -> Value {
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binding_assigns_once_and_marks_the_pod_scheduled() {
        let body = json!({"apiVersion": "v1", "kind": "Binding",
            "metadata": {"name": "web", "annotations": {"scheduler": "myriad"}},
            "target": {"kind": "Node", "name": "node-1"}});
        let wanted = binding(&body, "web").unwrap();
        let mut pod = json!({"metadata": {"name": "web"}, "spec": {}, "status": {"phase": "Pending"}});
        bind(&mut pod, &wanted, "2026-01-01T00:00:00Z").unwrap();
        assert_eq!(pod["spec"]["nodeName"], "node-1");
        assert_eq!(pod["metadata"]["annotations"]["scheduler"], "myriad");
        assert_eq!(
            pod["status"]["conditions"],
            json!([{"type": "PodScheduled", "status": "True", "lastProbeTime": null,
                "lastTransitionTime": "2026-01-01T00:00:00Z"}])
        );
        let again = bind(&mut pod, &wanted, "2026-01-01T00:00:01Z").unwrap_err();
        assert!(matches!(&again, ApiError::Conflict { detail, .. }
            if detail == r#"pod web is already assigned to node "node-1""#));

        let mut deleting = json!({"metadata": {"name": "web", "deletionTimestamp": "x"}, "spec": {}});
        assert!(bind(&mut deleting, &wanted, "t").is_err());

        let mut recreated = json!({"metadata": {"name": "web", "uid": "new"}, "spec": {}});
        let for_old = Binding {
            uid: Some("old".into()),
            ..wanted
        };
        let error = bind(&mut recreated, &for_old, "t").unwrap_err();
        assert_eq!(
            error.status()["message"],
            "Operation cannot be fulfilled on pods \"web\": Precondition failed: UID in precondition: old, UID in object meta: new"
        );
    }

    #[test]
    fn evicted_pods_are_marked_unless_finished() {
        let mut pod = json!({"metadata": {"name": "web"}, "status": {"phase": "Running",
            "conditions": [{"type": "Ready", "status": "True"}]}});
        assert!(mark_evicted(&mut pod, "2026-01-01T00:00:00Z"));
        assert_eq!(
            pod["status"]["conditions"][1],
            json!({"type": "DisruptionTarget", "status": "True", "reason": "EvictionByEvictionAPI",
                "message": "Eviction API: evicting", "lastProbeTime": null, "lastTransitionTime": "2026-01-01T00:00:00Z"})
        );
        let mut done = json!({"metadata": {"name": "web"}, "status": {"phase": "Succeeded"}});
        assert!(!mark_evicted(&mut done, "t"));
    }

    #[test]
    fn malformed_bindings_and_evictions_are_refused() {
        let other = json!({"metadata": {"name": "db"}, "target": {"name": "n"}});
        assert!(matches!(binding(&other, "web"), Err(ApiError::BadRequest(_))));
        let invalid = json!({"metadata": {"name": "web"}, "target": {"kind": "Pod"}});
        let Err(ApiError::Invalid { causes, .. }) = binding(&invalid, "web") else {
            panic!("expected 422");
        };
        let fields: Vec<&str> = causes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, ["target.kind", "target.name"]);

        let eviction_body = json!({"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "web"},
            "deleteOptions": {"gracePeriodSeconds": 5}});
        assert_eq!(eviction(&eviction_body, "web").unwrap().grace, Some(5));
        assert!(eviction(&eviction_body, "db").is_err());
    }
}
