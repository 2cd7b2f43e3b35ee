//! Defaults the server fills in for built-in kinds, as upstream's `SetDefaults_*`
//! functions (`pkg/apis/<group>/<version>/defaults.go` and the declarative `+default`
//! tags of `k8s.io/api`) do when a request body is decoded: clients read back
//! `restartPolicy: Always` and `imagePullPolicy: IfNotPresent` though they never sent
//! them. The API server runs [`apply`] on every create and update, after the kind's
//! strategy and before validation.
//!
//! This file holds the dispatch by group and kind and the small JSON helpers every area
//! uses; each area's defaults live in their own file. Go's rules are kept: a pointer
//! field is defaulted when nil (absent or `null` here, [`set`]), a plain string or
//! number field when it holds its zero value (also `""` or `0`, [`fill`]).
//!
//! Left out: values that need cluster state (a Service's clusterIP and IP families, a
//! Pod's priority from its PriorityClass, default tolerations), which admission and the
//! service allocator fill, and the rounding of resource quantities to milli precision.

mod admission;
mod cluster;
mod flowcontrol;
mod networking;
mod pods;
mod rbac;
mod services;
mod storage;
mod workloads;

use serde_json::{Map, Value};

/// Applies the defaults of `group`/`kind` to `object` in place.
pub fn apply(group: &str, kind: &str, object: &mut Value) {
    if !object.is_object() {
        return;
    }
    match (group, kind) {
        ("", "Pod") => pods::pod(object),
        ("", "PodTemplate") => pods::template(child(object, "template")),
        ("", "ReplicationController") => workloads::replication_controller(object),
        ("", "Service") => services::service(object),
        ("", "Endpoints") => services::endpoints(object),
        ("", "Secret") => cluster::secret(object),
        ("", "Namespace") => cluster::namespace(object),
        ("", "Node") => cluster::node(object),
        ("", "LimitRange") => cluster::limit_range(object),
        ("", "PersistentVolume") => storage::persistent_volume(object),
        ("", "PersistentVolumeClaim") => storage::persistent_volume_claim(object),
        ("apps", "Deployment") => workloads::deployment(object),
        ("apps", "ReplicaSet") => workloads::replica_set(object),
        ("apps", "DaemonSet") => workloads::daemon_set(object),
        ("apps", "StatefulSet") => workloads::stateful_set(object),
        ("batch", "Job") => workloads::job(object),
        ("batch", "CronJob") => workloads::cron_job(object),
        ("autoscaling", "HorizontalPodAutoscaler") => workloads::horizontal_pod_autoscaler(object),
        ("discovery.k8s.io", "EndpointSlice") => services::endpoint_slice(object),
        ("networking.k8s.io", "NetworkPolicy") => networking::network_policy(object),
        ("networking.k8s.io", "IngressClass") => networking::ingress_class(object),
        ("storage.k8s.io", "StorageClass") => storage::storage_class(object),
        ("storage.k8s.io", "CSIDriver") => storage::csi_driver(object),
        ("storage.k8s.io", "VolumeAttachment") => storage::volume_attachment(object),
        ("scheduling.k8s.io", "PriorityClass") => cluster::priority_class(object),
        ("rbac.authorization.k8s.io", "RoleBinding" | "ClusterRoleBinding") => rbac::binding(object),
        ("admissionregistration.k8s.io", "MutatingWebhookConfiguration") => admission::webhooks(object, true),
        ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration") => admission::webhooks(object, false),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy") => admission::policy(object),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding") => admission::binding(object),
        ("flowcontrol.apiserver.k8s.io", "FlowSchema") => flowcontrol::flow_schema(object),
        ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration") => flowcontrol::priority_level(object),
        _ => {}
    }
}

/// Sets `field` unless the object already has a non-null value there (Go: a nil
/// pointer, slice or map).
fn set(object: &mut Value, field: &str, value: Value) {
    if let Some(map) = object.as_object_mut() {
        match map.get(field) {
            Some(existing) if !existing.is_null() => {}
            _ => {
                map.insert(field.to_string(), value);
            }
        }
    }
}

/// Sets `field` when it is absent, null or holds Go's zero value for a plain (non
/// pointer) string or number field: `""` or `0`. Upstream cannot tell those from
/// "not sent" and defaults them.
fn fill(object: &mut Value, field: &str, value: Value) {
    if object.get(field).is_some_and(is_zero) {
        if let Some(map) = object.as_object_mut() {
            map.insert(field.to_string(), value);
        }
    } else {
        set(object, field, value);
    }
}

/// Whether `value` is Go's zero value of a plain string or number.
fn is_zero(value: &Value) -> bool {
    match value {
        Value::String(text) => text.is_empty(),
        Value::Number(number) => number.as_f64() == Some(0.0),
        _ => false,
    }
}

/// The object at `field`, created empty if absent or null (Go: a struct held by value,
/// which always exists). A non-object `object` is returned as it is, so setting
/// defaults on it does nothing (validation reports it).
fn child<'a>(object: &'a mut Value, field: &str) -> &'a mut Value {
    match object {
        Value::Object(map) => {
            let entry = map.entry(field).or_insert(Value::Null);
            if entry.is_null() {
                *entry = Value::Object(Map::new());
            }
            entry
        }
        other => other,
    }
}

/// The object at `field` if the client sent one (Go: a non-nil pointer to a struct).
fn present<'a>(object: &'a mut Value, field: &str) -> Option<&'a mut Value> {
    object.get_mut(field).filter(|value| value.is_object())
}

/// The object elements of the array at `field` (none if it is missing or not an array).
fn items<'a>(object: &'a mut Value, field: &str) -> impl Iterator<Item = &'a mut Value> {
    object
        .get_mut(field)
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
        .filter(|item| item.is_object())
}

/// The string at `field`, `""` when absent or not a string (Go's zero value).
fn text<'a>(object: &'a Value, field: &str) -> &'a str {
    object.get(field).and_then(Value::as_str).unwrap_or("")
}

/// Whether `field` holds something (Go: a non-nil pointer, slice or map).
fn has(object: &Value, field: &str) -> bool {
    object.get(field).is_some_and(|value| !value.is_null())
}

/// Whether `field` holds a non-empty array or map (Go: `len(x) != 0`).
fn non_empty(object: &Value, field: &str) -> bool {
    match object.get(field) {
        Some(Value::Array(list)) => !list.is_empty(),
        Some(Value::Object(map)) => !map.is_empty(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn set_fills_only_absent_or_null_and_fill_also_zero_values() {
        let mut object = json!({"a": null, "b": "", "c": 0, "d": "x", "e": false});
        for field in ["a", "b", "c", "d", "e", "f"] {
            set(&mut object, field, json!("set"));
        }
        assert_eq!(
            object,
            json!({"a": "set", "b": "", "c": 0, "d": "x", "e": false, "f": "set"})
        );
        let mut object = json!({"a": null, "b": "", "c": 0, "d": "x", "e": false});
        for field in ["a", "b", "c", "d", "e", "f"] {
            fill(&mut object, field, json!("fill"));
        }
        assert_eq!(
            object,
            json!({"a": "fill", "b": "fill", "c": "fill", "d": "x", "e": false, "f": "fill"})
        );
    }

    #[test]
    fn unknown_kinds_and_non_objects_are_left_alone() {
        let mut object = json!({"spec": {}});
        apply("example.com", "Widget", &mut object);
        assert_eq!(object, json!({"spec": {}}));
        let mut list = json!([1, 2]);
        apply("", "Pod", &mut list);
        assert_eq!(list, json!([1, 2]));
        let mut odd = json!({"spec": "not an object"});
        apply("apps", "Deployment", &mut odd);
        assert_eq!(odd, json!({"spec": "not an object"}));
    }
}
