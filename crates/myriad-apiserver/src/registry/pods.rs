//! The pod subresources that act instead of storing a part of the pod, as upstream's
//! `BindingREST` and `EvictionREST`:
//!
//! * `pods/{name}/binding` (a `v1 Binding`) assigns the pod to a node — what a scheduler
//!   posts. A pod already on a node, or being deleted, is a 409.
//! * `pods/{name}/eviction` (a `policy/v1 Eviction`) deletes the pod with the eviction's
//!   `DeleteOptions` — what `kubectl drain` posts — once the pod's PodDisruptionBudget
//!   allows it (`disruption`).
//!
//! Both answer `201` with a `Success` Status.

use myriad_api::FieldError;
use serde_json::{Map, Value, json};

use myriad_api::GroupKind;

use crate::error::ApiError;
use crate::meta::{metadata_mut, name_of, now_rfc3339};
use crate::registry::admission::Write;
use crate::registry::delete::DeleteOptions;
use crate::registry::retry::Retry;
use crate::registry::{Registry, Scope};

/// What a `Binding` asks for.
#[derive(Debug, PartialEq)]
pub(crate) struct Binding {
    pub(crate) node: String,
    /// Copied onto the pod.
    pub(crate) annotations: Map<String, Value>,
    /// `metadata.uid` / `metadata.resourceVersion`: bind only this incarnation (or
    /// version) of the pod, as schedulers ask.
    pub(crate) uid: Option<String>,
    pub(crate) resource_version: Option<String>,
}

/// Reads the `Binding` posted for the pod `name`.
pub(crate) fn binding(body: &Value, name: &str) -> Result<Binding, ApiError> {
    check_name(body, name, "Binding")?;
    let kind = myriad_api::pointer::get(body, "/target/kind")
        .and_then(Value::as_str)
        .unwrap_or("");
    let node = myriad_api::pointer::get(body, "/target/name")
        .and_then(Value::as_str)
        .unwrap_or("");
    let mut errors = Vec::new();
    if !kind.is_empty() && kind != "Node" {
        errors.push(FieldError::not_supported("target.kind", kind, &["Node", "<empty>"]));
    }
    if node.is_empty() {
        errors.push(FieldError::required("target.name", ""));
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid(GroupKind::new("", "Binding"), name, errors));
    }
    let annotations = match myriad_api::pointer::get(body, "/metadata/annotations") {
        Some(Value::Object(annotations)) => annotations.clone(),
        _ => Map::new(),
    };
    let text = |pointer: &str| {
        myriad_api::pointer::get(body, pointer)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
    };
    Ok(Binding {
        node: node.to_string(),
        annotations,
        uid: text("/metadata/uid").map(str::to_string),
        resource_version: text("/metadata/resourceVersion").map(str::to_string),
    })
}

/// Assigns `pod` to the binding's node and marks it scheduled (`PodScheduled=True`).
pub(crate) fn bind(pod: &mut Value, binding: &Binding, now: &str) -> Result<(), ApiError> {
    let name = name_of(pod).unwrap_or("").to_string();
    let conflict = |detail: String| ApiError::Conflict {
        group_resource: myriad_api::GroupResource::new("", "pods/binding"),
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
                group_resource: myriad_api::GroupResource::new("", "pods"),
                name,
                detail: format!(
                    "Precondition failed: {label} in precondition: {wanted}, {label} in object meta: {actual}"
                ),
            });
        }
    }
    if myriad_api::pointer::get(pod, "/metadata/deletionTimestamp").is_some() {
        return Err(conflict(format!(
            "pod {name} is being deleted, cannot be assigned to a host"
        )));
    }
    let current = myriad_api::pointer::get(pod, "/spec/nodeName")
        .and_then(Value::as_str)
        .unwrap_or("");
    if !current.is_empty() {
        return Err(conflict(format!("pod {name} is already assigned to node {current:?}")));
    }
    pod["spec"]["nodeName"] = json!(binding.node);
    if !binding.annotations.is_empty() {
        let metadata = metadata_mut(pod);
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
pub(crate) fn mark_evicted(pod: &mut Value, now: &str) -> bool {
    let phase = myriad_api::pointer::get(pod, "/status/phase")
        .and_then(Value::as_str)
        .unwrap_or("");
    if matches!(phase, "Succeeded" | "Failed") || myriad_api::pointer::get(pod, "/metadata/deletionTimestamp").is_some()
    {
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
pub(crate) fn eviction(body: &Value, name: &str) -> Result<DeleteOptions, ApiError> {
    check_name(body, name, "Eviction")?;
    match body.get("deleteOptions") {
        None | Some(Value::Null) => Ok(DeleteOptions::default()),
        Some(options) => DeleteOptions::from_json(options),
    }
}

fn check_name(body: &Value, name: &str, kind: &str) -> Result<(), ApiError> {
    if name_of(body) == Some(name) {
        return Ok(());
    }
    Err(ApiError::BadRequest(format!(
        "name in URL does not match name in {kind} object"
    )))
}

impl Registry {
    /// `pods/{name}/binding`: assigns the pod to the binding's node.
    pub(crate) async fn bind(&self, scope: Scope<'_>, name: &str, body: &Value) -> Result<(), ApiError> {
        let binding = binding(body, name)?;
        let mut retry = Retry::default();
        loop {
            let (mut pod, revision) = self.get(scope, name).await?;
            bind(&mut pod, &binding, &now_rfc3339())?;
            self.admit(scope, &mut pod, Write::Internal).await?;
            if scope.dry_run || self.write(scope, name, pod, revision).await?.is_some() {
                return Ok(());
            }
            if !retry.again().await {
                return Err(ApiError::modified(scope.info, name));
            }
        }
    }

    /// `pods/{name}/eviction`: marks the pod as disrupted, then deletes it as the
    /// eviction's options say.
    pub(crate) async fn evict(&self, scope: Scope<'_>, name: &str, body: &Value) -> Result<(), ApiError> {
        let requested = eviction(body, name)?;
        let kind = GroupKind::from(scope.info);
        let (pod, _) = self.get(scope, name).await?;
        self.spend_disruption(scope, &pod, scope.dry_run || requested.dry_run)
            .await?;
        let mut retry = Retry::default();
        loop {
            let (mut pod, mut revision) = self.get(scope, name).await?;
            let mut options = requested.clone();
            let dry_run = scope.dry_run || options.dry_run;
            let mut lost = false;
            if !dry_run && mark_evicted(&mut pod, &now_rfc3339()) {
                // The mark is a write: preconditions hold against the pod before it, and
                // a resourceVersion precondition moves to the marked pod, as upstream does.
                options.check(&kind, &pod)?;
                match self.write(scope, name, pod.clone(), revision).await? {
                    Some(marked) => {
                        let marked_rv =
                            myriad_api::pointer::get(&marked, "/metadata/resourceVersion").and_then(Value::as_str);
                        revision = marked_rv.and_then(|rv| rv.parse().ok()).unwrap_or(revision);
                        if options.resource_version.is_some() {
                            options.resource_version = marked_rv.map(str::to_string);
                        }
                        pod = marked;
                    }
                    None => lost = true,
                }
            }
            if !lost && self.delete_one(scope, pod, revision, &options).await?.is_some() {
                return Ok(());
            }
            if !retry.again().await {
                return Err(ApiError::modified(scope.info, name));
            }
        }
    }
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
            error.to_string(),
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
        let Err(ApiError::Invalid { errors, .. }) = binding(&invalid, "web") else {
            panic!("expected 422");
        };
        let fields: Vec<&str> = errors.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, ["target.kind", "target.name"]);

        let eviction_body = json!({"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "web"},
            "deleteOptions": {"gracePeriodSeconds": 5}});
        assert_eq!(eviction(&eviction_body, "web").unwrap().grace, Some(5));
        assert!(eviction(&eviction_body, "db").is_err());
    }
}
